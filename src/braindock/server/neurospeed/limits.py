"""Server limits of the NeuroSpeed uplink: handshake header size (``shared/reference/neurospeed.md`` 6.12) and
the per-connection / per-stream ``pipeline`` packet rate limits (7.6, D9, D10; :class:`PacketRateLimiter`).

The ``/hia`` handshake carries the whole ``sensors_info`` JSON in one header line, which reaches several
KiB with many streams. uvicorn's default WebSocket implementation (the ``websockets`` library) refuses header
lines longer than 8 KiB with 431; :func:`raise_header_limits` lifts that limit to :data:`MAX_HEADER_LINE`
(the library's documented ``WEBSOCKETS_MAX_LINE_LENGTH`` setting, applied in-process so it holds whatever the
import order). The Engine.IO frame limit is set on the Socket.IO servers themselves (16 MB, 6.6).
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

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


# -- per-connection and per-stream packet rate limits (``neurospeed.md`` 7.6, D9, D10) ----------------------

#: Sustained ``pipeline`` packets per second one stream may send. D10 recommends ~50 packets/s/stream: the
#: official client's queued sender (``send_data``) emits at most ~5 packets/s per stream (7.5), so only a
#: ``send_data_direct`` loop or a misbehaving HIA gets near it.
STREAM_PACKETS_PER_S = 50.0
#: Packets one stream may send back to back before the sustained rate applies (2 s worth).
STREAM_BURST = 100
#: Sustained ``pipeline`` packets per second of one ``/hia`` connection, whatever their stream (or none, for
#: malformed packets): four streams at the per-stream limit, or 40 streams at the ``send_data`` cadence.
#: It bounds what one socket can make the server parse, validate and fan out (D10).
CONNECTION_PACKETS_PER_S = 200.0
#: Packets one connection may send back to back (2 s worth).
CONNECTION_BURST = 400


class TokenBucket:
    """A token bucket: ``burst`` tokens, refilled at ``rate`` tokens per second, one token per packet.

    Args:
        rate: sustained packets per second (> 0).
        burst: bucket size, the packets accepted back to back (>= 1).
        clock: monotonic seconds (``time.monotonic``; injectable for unit tests).
    """

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()

    def take(self) -> bool:
        """Spend one token if there is one; ``False`` means the packet is over the limit."""
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


class PacketRateLimiter:
    """The packet budget of one ``/hia`` connection: one bucket for the connection, one per declared stream.

    Every received ``pipeline`` event spends a connection token; a packet naming a stream of the handshake's
    sensors_info also spends a token of that stream. Buckets exist only for declared streams, so a flood of
    invented stream ids costs no memory. A packet over either limit is rejected on its own (the HIA gets a
    ``pipeline_error``); the connection stays open and later packets are accepted again once tokens refill.

    Args:
        stream_ids: the streams of the HIA's sensors_info.
        clock: monotonic seconds (injectable for unit tests).
    """

    def __init__(self, stream_ids: Iterable[str], clock: Callable[[], float] = time.monotonic) -> None:
        self.connection = TokenBucket(CONNECTION_PACKETS_PER_S, CONNECTION_BURST, clock)
        self.streams = {stream_id: TokenBucket(STREAM_PACKETS_PER_S, STREAM_BURST, clock) for stream_id in stream_ids}

    def check(self, stream_id: Any) -> str | None:
        """``None`` when the packet may be processed, else the message explaining which limit it broke."""
        if not self.connection.take():
            return (
                f"rate limit: this connection sent more than {CONNECTION_PACKETS_PER_S:g} packets/s "
                f"(burst {CONNECTION_BURST}); packet dropped"
            )
        bucket = self.streams.get(stream_id) if isinstance(stream_id, str) else None
        if bucket is not None and not bucket.take():
            return (
                f"rate limit: stream {stream_id} sent more than {STREAM_PACKETS_PER_S:g} packets/s "
                f"(burst {STREAM_BURST}); packet dropped"
            )
        return None
