"""Server limits the NeuroSpeed handshake needs (``shared/reference/neurospeed.md`` 6.12).

The ``/hia`` handshake carries the whole ``sensors_info`` JSON in one header line, which reaches several
KiB with many streams. uvicorn's default WebSocket implementation (the ``websockets`` library) refuses header
lines longer than 8 KiB with 431; :func:`raise_header_limits` lifts that limit to :data:`MAX_HEADER_LINE`
(the library's documented ``WEBSOCKETS_MAX_LINE_LENGTH`` setting, applied in-process so it holds whatever the
import order). The Engine.IO frame limit is set on the Socket.IO servers themselves (16 MB, 6.6).
"""

from __future__ import annotations

import importlib
import os

MAX_HEADER_LINE = 65_536


def raise_header_limits() -> None:
    """Allow header lines up to :data:`MAX_HEADER_LINE` bytes in every ``websockets`` HTTP parser present."""
    os.environ.setdefault("WEBSOCKETS_MAX_LINE_LENGTH", str(MAX_HEADER_LINE))
    for name in ("websockets.legacy.http", "websockets.http11"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if getattr(module, "MAX_LINE_LENGTH", MAX_HEADER_LINE) < MAX_HEADER_LINE:
            module.MAX_LINE_LENGTH = MAX_HEADER_LINE
