"""The live cognitive-analysis engine: a sliding window per stream, computed off the event loop, stored per minute.

Per accepted packet of an EEG, PPG, SMARTWATCH, EDA or GSR stream (``neurospeed.md`` 6.9, 7.3) the rows are
copied into that stream's ring buffer (float32, the last :data:`~.insight_functions.WINDOWS_S` seconds: 30 s of
EEG, 60 s of the others, at most :data:`MAX_WINDOW_VALUES` values per stream). Nothing else is computed on the
packet path. When the newest sample is :data:`COMPUTE_EVERY_S` seconds (of signal time, the rows' timestamps)
past the last computation and the buffer holds at least :data:`~.insight_functions.MIN_WINDOW_S`, a copy of the
window is handed to a single worker thread that runs :func:`~.insight_functions.compute` on it (at most
:data:`MAX_PENDING` windows of one stream wait; later ones are skipped until it caught up).

The newest values of a stream are attached to every later ``data`` event of that stream
(:meth:`InsightEngine.output`): ``output.cognitive_analysis`` ``{function: value or null}``, the window they come
from as ``output.cognitive_analysis_window`` ``{"start", "end", "samples"}`` (epoch seconds of the first and last
sample), and a processed block per kind: ``output.heart`` (PPG, SMARTWATCH) or ``output.electrodermal`` (EDA,
GSR) with the same values under the stream's own names.

Each computed value is added to the user's minute series: the UTC minute of the window's last sample, per
function, count / sum / min / max (:class:`~braindock.server.storage.neurospeed_models.NsInsightMinute`),
upserted by the worker at most every :data:`FLUSH_EVERY_S` seconds, when an HIA disconnects and at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from braindock.server.neurospeed import insight_functions as fn
from braindock.server.storage.database import Database
from braindock.server.storage.neurospeed_models import NsInsightMinute

log = logging.getLogger("braindock.neurospeed.insights")

#: Seconds of signal between two computations of one stream.
COMPUTE_EVERY_S = 5.0
#: Largest ring buffer of one stream, in values (samples × channels): 4 MB of float32.
MAX_WINDOW_VALUES = 1_000_000
#: Windows of one stream that may wait for the worker; more are skipped.
MAX_PENDING = 8
#: Seconds between two writes of the minute series.
FLUSH_EVERY_S = 10.0
#: Processed-output block per device kind.
BLOCKS = {"ppg": "heart", "smartwatch": "heart", "eda": "electrodermal", "gsr": "electrodermal"}


@dataclass
class StreamWindow:
    """The ring buffer and newest values of one stream.

    Attributes:
        kind: device kind (lower case). sampling_frequency: Hz. capacity: rows kept.
        latest: newest ``{function: value}``; ``window``: ``{"start", "end", "samples"}`` they come from.
    """

    user_id: int
    kind: str
    sampling_frequency: float
    channels: int
    capacity: int
    buffer: np.ndarray = field(init=False)
    stamps: np.ndarray = field(init=False)
    filled: int = 0
    position: int = 0
    last_compute: float | None = None
    pending: int = 0
    skipped: int = 0
    latest: dict[str, float | None] = field(default_factory=dict)
    window: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.buffer = np.zeros((self.capacity, self.channels), dtype=np.float32)
        self.stamps = np.zeros(self.capacity, dtype=np.float64)
        self.latest = dict.fromkeys(fn.FUNCTIONS[self.kind])

    def append(self, block: np.ndarray, stamps: np.ndarray) -> None:
        """Write rows ``block`` (``(n, channels)``) and their timestamps into the ring."""
        if len(block) >= self.capacity:
            block, stamps = block[-self.capacity :], stamps[-self.capacity :]
        n = len(block)
        end = self.position + n
        if end <= self.capacity:
            self.buffer[self.position : end] = block
            self.stamps[self.position : end] = stamps
        else:
            first = self.capacity - self.position
            self.buffer[self.position :] = block[:first]
            self.buffer[: n - first] = block[first:]
            self.stamps[self.position :] = stamps[:first]
            self.stamps[: n - first] = stamps[first:]
        self.position = end % self.capacity
        self.filled = min(self.capacity, self.filled + n)

    def snapshot(self) -> tuple[np.ndarray, np.ndarray]:
        """Copy of the buffered rows and timestamps, oldest first."""
        if self.filled < self.capacity:
            return self.buffer[: self.filled].astype(float), self.stamps[: self.filled].copy()
        order = np.r_[self.position : self.capacity, 0 : self.position]
        return self.buffer[order].astype(float), self.stamps[order]


class InsightEngine:
    """Windows of every connected stream, the worker thread and the pending minute aggregates.

    Args:
        database: returns the metadata store (once the app has started).
        compute_every_s: seconds of signal between two computations of a stream (:data:`COMPUTE_EVERY_S`).
    """

    def __init__(self, database: Callable[[], Database], compute_every_s: float = COMPUTE_EVERY_S) -> None:
        self._database = database
        self.compute_every_s = compute_every_s
        self.windows: dict[tuple[str, str], StreamWindow] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ns-insights")
        self._lock = threading.Lock()
        self._minutes: dict[tuple[int, int, str], list[float]] = {}
        self._last_flush = time.monotonic()
        self.computed = 0

    # -- packet path (event loop) ------------------------------------------------------------------------

    def output(self, sid: str, user_id: int, packet: Any) -> dict[str, Any]:
        """Buffer ``packet``'s rows and return the ``output`` entries of its ``data`` event (module docstring).

        ``{}`` for a stream of a kind the engine does not analyse. May schedule a computation.
        """
        sensor = packet.sensor
        kind = sensor.kind
        if kind not in fn.FUNCTIONS or not sensor.sampling_frequency:
            return {}
        key = (sid, sensor.stream_id)
        window = self.windows.get(key)
        if window is None:
            fs = float(sensor.sampling_frequency)
            rows = int(round(fn.WINDOWS_S[kind] * fs))
            capacity = max(2, min(rows, MAX_WINDOW_VALUES // max(1, sensor.channel_count)))
            window = self.windows[key] = StreamWindow(user_id, kind, fs, sensor.channel_count, capacity)
        try:
            block = np.asarray(packet.rows, dtype=np.float64)
        except (TypeError, ValueError):
            block = np.array([[float(v) for v in row] for row in packet.rows], dtype=np.float64)
        stamps = block[:, -1]
        window.append(block[:, : window.channels], stamps)
        newest = float(stamps[-1])
        if window.last_compute is None:
            window.last_compute = float(stamps[0])
        if (
            newest - window.last_compute >= self.compute_every_s
            and window.filled >= fn.MIN_WINDOW_S[kind] * window.sampling_frequency
        ):
            window.last_compute = newest
            with self._lock:  # ``pending`` is decremented by the worker
                busy = window.pending >= MAX_PENDING
                if not busy:
                    window.pending += 1
            if busy:
                window.skipped += 1
            else:
                data, times = window.snapshot()
                self._pool.submit(self._run, window, data, times)
        result: dict[str, Any] = {"cognitive_analysis": dict(window.latest), "cognitive_analysis_window": window.window}
        block_name = BLOCKS.get(kind)
        if block_name is not None:
            result[block_name] = dict(window.latest)
        return result

    def forget(self, sid: str) -> None:
        """Drop the windows of a disconnected ``/hia`` socket and write its pending minutes."""
        for key in [key for key in self.windows if key[0] == sid]:
            del self.windows[key]
        self._pool.submit(self._flush)

    def warm_up(self) -> None:
        """Import neurokit2 and run every function once on synthetic windows, in the worker thread, so that the
        first real window is not delayed by imports and JIT compilation (about a second)."""
        self._pool.submit(_warm_up)

    # -- worker thread -----------------------------------------------------------------------------------

    def _run(self, window: StreamWindow, data: np.ndarray, times: np.ndarray) -> None:
        try:
            values = fn.compute(window.kind, data, window.sampling_frequency)
            window.latest = values
            window.window = {"start": float(times[0]), "end": float(times[-1]), "samples": len(times)}
            minute = int(times[-1] // 60)
            with self._lock:
                for name, value in values.items():
                    if value is None:
                        continue
                    entry = self._minutes.get((window.user_id, minute, name))
                    if entry is None:
                        self._minutes[(window.user_id, minute, name)] = [1, value, value, value]
                    else:
                        entry[0] += 1
                        entry[1] += value
                        entry[2] = min(entry[2], value)
                        entry[3] = max(entry[3], value)
            self.computed += 1
            if time.monotonic() - self._last_flush >= FLUSH_EVERY_S:
                self._flush()
        except Exception:  # noqa: BLE001 - the worker must survive any window
            log.exception("insight computation failed")
        finally:
            with self._lock:
                window.pending -= 1

    def _flush(self) -> None:
        """Upsert the pending minute aggregates (``ns_insight_minutes``)."""
        with self._lock:
            pending, self._minutes = self._minutes, {}
        self._last_flush = time.monotonic()
        if not pending:
            return
        rows = [
            {"user_id": u, "minute": m, "function": f, "count": int(c), "total": s, "minimum": lo, "maximum": hi}
            for (u, m, f), (c, s, lo, hi) in pending.items()
        ]
        try:
            database = self._database()
            dialect = database.engine.dialect.name
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            statement = insert(NsInsightMinute)
            table = NsInsightMinute.__table__
            statement = statement.on_conflict_do_update(
                index_elements=["user_id", "function", "minute"],
                set_={
                    "count": table.c.count + statement.excluded.count,
                    "total": table.c.total + statement.excluded.total,
                    "minimum": _least(dialect, table.c.minimum, statement.excluded.minimum),
                    "maximum": _greatest(dialect, table.c.maximum, statement.excluded.maximum),
                },
            )
            with database.session() as session:
                session.execute(statement, rows)
        except Exception:  # noqa: BLE001
            log.exception("could not store %d insight minutes", len(rows))

    # -- lifecycle ---------------------------------------------------------------------------------------

    async def drain(self) -> None:
        """Wait for every scheduled computation, then write the pending minutes (tests, shutdown)."""
        await asyncio.get_running_loop().run_in_executor(self._pool, self._flush)

    async def stop(self) -> None:
        """At shutdown: finish the queued work, write the minutes, stop the worker."""
        await self.drain()
        self._pool.shutdown(wait=True)


def _warm_up() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(0, 20, 0.01)
    pulse = np.sin(2 * np.pi * 1.2 * t) ** 8 + 0.01 * rng.standard_normal(len(t))
    try:
        fn.compute("ppg", pulse[:, None], 100.0)
        fn.compute("eda", (1 + 0.1 * np.sin(0.2 * t))[:, None], 100.0)
        fn.compute("eeg", rng.standard_normal((800, 2)), 100.0)
    except Exception:  # noqa: BLE001
        log.debug("insight warm-up failed", exc_info=True)


def _least(dialect: str, a: Any, b: Any) -> Any:
    from sqlalchemy import func

    return func.least(a, b) if dialect == "postgresql" else func.min(a, b)


def _greatest(dialect: str, a: Any, b: Any) -> Any:
    from sqlalchemy import func

    return func.greatest(a, b) if dialect == "postgresql" else func.max(a, b)
