"""Streaming download of an export with a tqdm progress bar (``neurospeed.md`` 5.3, 9.4).

The signed link needs no ``Authorization`` (5.3). Unlike the official macro the body is streamed to disk
(``<file>.part``, renamed when complete), the status is checked (an expired link raises instead of saving
an error page as ``.csv``) and TLS is verified by default.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import httpx

from braindock.clients.neurospeed.errors import ConnectionError, ExportError, error_for_response

CHUNK_BYTES = 1 << 16


def _stderr_is_tty() -> bool:
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):
        return False


def download_file(
    url: str,
    path: str | os.PathLike[str],
    *,
    http: httpx.Client | None = None,
    progress: bool | None = None,
    description: str | None = None,
    timeout: float = 60.0,
) -> Path:
    """Download ``url`` to ``path`` and return the path.

    Args:
        url: absolute URL (a signed export link).
        path: destination file; written as ``<path>.part`` first.
        http: client to use (default: a new one with ``timeout``).
        progress: tqdm bar on stderr: ``True`` always, ``False`` never, ``None`` when stderr is a terminal.
        description: bar label (default: the file name).

    Raises:
        PermissionDenied / NotFound / NeuroSpeedHTTPError: the link was refused (expired: 403).
        ConnectionError: the transfer failed.
    """
    target = Path(path)
    partial = target.with_name(target.name + ".part")
    client = http or httpx.Client(timeout=timeout)
    show = _stderr_is_tty() if progress is None else progress
    bar: Any = None
    try:
        with client.stream("GET", url, headers={"Accept": "text/csv, */*"}) as response:
            if response.status_code >= 400:
                response.read()
                raise error_for_response(response)
            total = int(response.headers.get("content-length") or 0) or None
            if show:
                from tqdm.auto import tqdm

                bar = tqdm(
                    total=total,
                    desc=description or target.name,
                    unit="B",
                    unit_scale=True,
                    unit_divisor=1024,
                    leave=False,
                )
            with open(partial, "wb") as handle:
                for chunk in response.iter_bytes(CHUNK_BYTES):
                    handle.write(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
            if total is not None and partial.stat().st_size != total:
                raise ExportError(f"download of {target.name} incomplete: {partial.stat().st_size} of {total} bytes")
        partial.replace(target)
        return target
    except httpx.TransportError as exc:
        raise ConnectionError(f"download of {target.name} failed: {exc}") from exc
    finally:
        if bar is not None:
            bar.close()
        if http is None:
            client.close()
        if partial.exists():
            partial.unlink()
