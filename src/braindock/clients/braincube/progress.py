"""tqdm progress bars for large downloads and long listings (braindock addition).

Controlled by the library parameters ``progress`` (``True``/``False``/``None`` = automatic) and
``progress_threshold`` (bytes, default 5 MiB); see
:mod:`braindock.clients.braincube.parameters`.
"""

from __future__ import annotations

import sys
from typing import Any

from braindock.clients.braincube import parameters


def _stdout_is_tty() -> bool:
    try:
        return bool(sys.stdout.isatty())
    except (AttributeError, ValueError):
        return False


def wanted(size_hint: int | None = None) -> bool:
    """Whether a bar should be shown for a transfer of ``size_hint`` bytes (``None`` = unknown).

    ``progress=True`` forces bars, ``progress=False`` forbids them; in automatic mode a bar is
    shown when stdout is a terminal and ``size_hint`` exceeds ``progress_threshold``.
    """
    setting = parameters.get_parameter("progress")
    if setting is not None:
        return bool(setting)
    if size_hint is None or not _stdout_is_tty():
        return False
    return size_hint > int(parameters.get_parameter("progress_threshold"))


def forced() -> bool:
    """Whether the user asked for bars explicitly (``progress=True``)."""
    return parameters.get_parameter("progress") is True


class ByteProgress:
    """A lazily created byte-counting tqdm bar for one download.

    Call :meth:`update` with the number of raw bytes received so far; the bar appears once
    :func:`wanted` says so (immediately when the ``Content-Length`` is already large).
    """

    def __init__(self, description: str, total: int | None) -> None:
        self._description = description
        self._total = total
        self._bar: Any = None
        self._seen = 0
        self._decided_off = parameters.get_parameter("progress") is False

    def update(self, downloaded: int) -> None:
        """Report the cumulative number of bytes received."""
        if self._decided_off:
            return
        if self._bar is None:
            if not wanted(max(downloaded, self._total or 0)):
                return
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=self._total,
                desc=self._description,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                leave=False,
            )
        delta = downloaded - self._seen
        if delta > 0:
            self._bar.update(delta)
            self._seen = downloaded

    def close(self) -> None:
        """Close the bar if one was shown."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
