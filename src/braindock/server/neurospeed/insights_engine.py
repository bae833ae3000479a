"""The live cognitive-analysis engine: a sliding window per stream, computed off the event loop, stored per minute.

Per accepted packet of an EEG, PPG, SMARTWATCH, EDA or GSR stream (``neurospeed.md`` 6.9, 7.3) the rows are
copied into that stream's ring buffer (float32 values and float64 timestamps, the last
:data:`~.insight_functions.WINDOWS_S` seconds: 30 s of EEG, 60 s of the others, at most :data:`MAX_WINDOW_VALUES`
values per stream). Nothing else is computed on the packet path.

A computation is due when the stream has received ``COMPUTE_EVERY_S × sampling_frequency`` rows since the last
one (rows counted by the server, not the client's timestamps: a client that jumps its timestamps does not make
windows come faster) and the ring holds at least :data:`~.insight_functions.MIN_WINDOW_S`. A due stream is queued
for the single worker thread, which copies the ring (float32) when it takes the stream, under the stream's lock,
and runs :func:`~.insight_functions.compute` on it. Bounds, whatever the clients send:

* at most ONE queued computation per stream: a stream already queued is not queued again (its newer rows are in
  the ring when the worker copies it; the skip is counted in ``StreamWindow.skipped``);
* at most :data:`MAX_QUEUED` queued streams across the engine (more are skipped and counted in
  :attr:`InsightEngine.skipped_global`);
* a queued stream holds no copy: only the worker's current window is copied, so the copies take at most
  ``4 · MAX_WINDOW_VALUES`` bytes (4 MB) at any time, plus the rings themselves (≤ 4 MB + 8 bytes per row
  each, one per connected stream; the number of streams is bounded by the HIA limits).

A window whose newest timestamp is outside :data:`VALID_EPOCH_S` (1990-01-01 … 2200-01-01, seconds) still
gives live values but is not added to the minute series (counted in :attr:`InsightEngine.bad_timestamps`).

A stream so wide that ``MAX_WINDOW_VALUES // channels`` rows hold less than ``MIN_WINDOW_S`` seconds cannot be
analysed: it is logged once at WARNING and counted in ``stats()["unanalysable_streams"]``; its
``cognitive_analysis`` values stay ``null``.

The newest values of a stream are attached to every later ``data`` event of that stream
(:meth:`InsightEngine.output`): ``output.cognitive_analysis`` ``{function: value or null}``, the window they come
from as ``output.cognitive_analysis_window`` ``{"start", "end", "samples"}`` (epoch seconds of the first and last
sample), and a processed block per kind: ``output.heart`` (PPG, SMARTWATCH) or ``output.electrodermal`` (EDA,
GSR) with the same values under the stream's own names.

Each computed value is added to the user's minute series: the UTC minute of the window's last sample, per
function, count / sum / min / max (:class:`~braindock.server.storage.neurospeed_models.NsInsightMinute`),
upserted by the worker at most every :data:`FLUSH_EVERY_S` seconds, when an HIA disconnects and at shutdown;
one transaction per user, so that one user's failing rows (e.g. a user deleted meanwhile: skipped) never drop
another's. The upsert uses SQLAlchemy's SQLite or PostgreSQL ``INSERT … ON CONFLICT``; any other database is
refused at start-up (:meth:`InsightEngine.check_dialect`).
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
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from braindock.server.neurospeed import insight_functions as fn
from braindock.server.storage.database import Database
from braindock.server.storage.neurospeed_models import NsInsightMinute, NsUser

log = logging.getLogger("braindock.neurospeed.insights")

#: Seconds of signal (rows received ÷ sampling frequency) between two computations of one stream.
COMPUTE_EVERY_S = 5.0
#: Largest ring buffer of one stream, in values (samples × channels): 4 MB of float32.
MAX_WINDOW_VALUES = 1_000_000
#: Streams that may be queued for the worker at once, across the engine; more are skipped.
MAX_QUEUED = 256
#: Seconds between two writes of the minute series.
FLUSH_EVERY_S = 10.0
#: Accepted range of a window's newest timestamp for the minute series: 1990-01-01 … 2200-01-01 UTC, seconds.
VALID_EPOCH_S = (631_152_000.0, 7_258_118_400.0)
#: Processed-output block per device kind.
BLOCKS = {"ppg": "heart", "smartwatch": "heart", "eda": "electrodermal", "gsr": "electrodermal"}
#: Databases whose ``INSERT … ON CONFLICT`` the minute upsert uses.
DIALECTS = {"sqlite": sqlite_insert, "postgresql": pg_insert}


@dataclass
class StreamWindow:
    """The ring buffer and newest values of one stream.

    Attributes:
        user_id: owner of the stream (``ns_users.id``).
        kind: device kind (lower case, a key of :data:`~.insight_functions.FUNCTIONS`).
        sampling_frequency: Hz, from sensors_info.
        channels: value columns per row (the timestamp column excluded).
        capacity: rows kept (``min(WINDOWS_S · fs, MAX_WINDOW_VALUES // channels)``, at least 2).
        buffer: ``(capacity, channels)`` float32 ring of values; ``stamps``: ``(capacity,)`` float64 ring of the
            rows' timestamps (epoch seconds as sent).
        filled: rows currently held (≤ capacity); ``position``: next row written.
        since_compute: rows received since the stream was last queued.
        queued: a computation of this stream waits for (or runs in) the worker.
        skipped: computations that were due while one was already queued (not queued again).
        analysable: ``False`` when the ring can never hold ``MIN_WINDOW_S`` (module docstring).
        latest: newest ``{function: value or None}``; ``window``: ``{"start", "end", "samples"}`` they come from.
        lock: guards the ring between the event loop (append) and the worker (snapshot).
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
    since_compute: int = 0
    queued: bool = False
    skipped: int = 0
    analysable: bool = True
    latest: dict[str, float | None] = field(default_factory=dict)
    window: dict[str, Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.buffer = np.zeros((self.capacity, self.channels), dtype=np.float32)
        self.stamps = np.zeros(self.capacity, dtype=np.float64)
        self.latest = dict.fromkeys(fn.FUNCTIONS[self.kind])

    def append(self, block: np.ndarray, stamps: np.ndarray) -> None:
        """Write rows ``block`` (``(n, channels)``, cast to float32) and their timestamps (``(n,)`` epoch
        seconds) into the ring; only the newest ``capacity`` rows are kept."""
        if len(block) >= self.capacity:
            block, stamps = block[-self.capacity :], stamps[-self.capacity :]
        n = len(block)
        with self.lock:
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
        """Copy of the buffered rows (``(filled, channels)`` float32) and timestamps (``(filled,)`` float64),
        oldest first."""
        with self.lock:
            if self.filled < self.capacity:
                return self.buffer[: self.filled].copy(), self.stamps[: self.filled].copy()
            order = np.r_[self.position : self.capacity, 0 : self.position]
            return self.buffer[order], self.stamps[order]


class InsightEngine:
    """Windows of every connected stream, the worker thread and the pending minute aggregates.

    Args:
        database: returns the metadata store (once the app has started).
        compute_every_s: seconds of signal between two computations of a stream (:data:`COMPUTE_EVERY_S`).
        max_queued: streams queued at once across the engine (:data:`MAX_QUEUED`).

    Attributes:
        computed: windows computed; ``skipped_global``: due computations skipped over ``max_queued``;
        bad_timestamps: windows left out of the minute series for a timestamp outside :data:`VALID_EPOCH_S`;
        flush_failures: users whose minutes could not be written (logged).
    """

    def __init__(
        self,
        database: Callable[[], Database],
        compute_every_s: float = COMPUTE_EVERY_S,
        max_queued: int = MAX_QUEUED,
    ) -> None:
        self._database = database
        self.compute_every_s = compute_every_s
        self.max_queued = max_queued
        self.windows: dict[tuple[str, str], StreamWindow] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ns-insights")
        self._lock = threading.Lock()
        self._minutes: dict[tuple[int, int, str], list[float]] = {}
        self._last_flush = time.monotonic()
        self._queued = 0
        self._stopped = False
        self.computed = 0
        self.skipped_global = 0
        self.bad_timestamps = 0
        self.flush_failures = 0
        self.unanalysable = 0

    def stats(self) -> dict[str, int]:
        """Counters of the engine: ``{"streams", "queued", "max_queued", "computed", "skipped_stream",
        "skipped_global", "bad_timestamps", "flush_failures", "unanalysable_streams", "pending_minutes"}``."""
        with self._lock:
            queued, minutes = self._queued, len(self._minutes)
        return {
            "streams": len(self.windows),
            "queued": queued,
            "max_queued": self.max_queued,
            "computed": self.computed,
            "skipped_stream": sum(w.skipped for w in list(self.windows.values())),
            "skipped_global": self.skipped_global,
            "bad_timestamps": self.bad_timestamps,
            "flush_failures": self.flush_failures,
            "unanalysable_streams": self.unanalysable,
            "pending_minutes": minutes,
        }

    def check_dialect(self) -> None:
        """Raise ``RuntimeError`` when the metadata database is neither SQLite nor PostgreSQL (start-up)."""
        dialect = self._database().engine.dialect.name
        if dialect not in DIALECTS:
            raise RuntimeError(
                f"the NeuroSpeed insight engine supports SQLite and PostgreSQL, not {dialect!r} "
                "(BRAINDOCK_DATABASE_URL)"
            )

    # -- packet path (event loop) ------------------------------------------------------------------------

    def output(self, sid: str, user_id: int, packet: Any) -> dict[str, Any]:
        """Buffer ``packet``'s rows and return the ``output`` entries of its ``data`` event (module docstring).

        ``{}`` for a stream of a kind the engine does not analyse. May queue a computation.
        """
        sensor = packet.sensor
        kind = sensor.kind
        if kind not in fn.FUNCTIONS or not sensor.sampling_frequency:
            return {}
        key = (sid, sensor.stream_id)
        window = self.windows.get(key)
        if window is None:
            window = self.windows[key] = self._new_window(user_id, kind, sensor)
        try:
            block = np.asarray(packet.rows, dtype=np.float64)
        except (TypeError, ValueError):
            block = np.array([[float(v) for v in row] for row in packet.rows], dtype=np.float64)
        if window.analysable and block.ndim == 2 and len(block):
            window.append(block[:, : window.channels], block[:, -1])
            window.since_compute += len(block)
            if (
                window.since_compute >= self.compute_every_s * window.sampling_frequency
                and window.filled >= fn.MIN_WINDOW_S[kind] * window.sampling_frequency
            ):
                window.since_compute = 0
                self._queue(window)
        result: dict[str, Any] = {"cognitive_analysis": dict(window.latest), "cognitive_analysis_window": window.window}
        block_name = BLOCKS.get(kind)
        if block_name is not None:
            result[block_name] = dict(window.latest)
        return result

    def _new_window(self, user_id: int, kind: str, sensor: Any) -> StreamWindow:
        fs = float(sensor.sampling_frequency)
        channels = max(1, int(sensor.channel_count))
        rows = int(round(fn.WINDOWS_S[kind] * fs))
        capacity = max(2, min(rows, MAX_WINDOW_VALUES // channels))
        window = StreamWindow(user_id, kind, fs, channels, capacity)
        if capacity < fn.MIN_WINDOW_S[kind] * fs:
            window.analysable = False
            self.unanalysable += 1
            if self.unanalysable == 1:
                log.warning(
                    "stream %s (%d channels at %g Hz) is too wide for the insight engine: %d rows hold less than "
                    "the %g s it needs; no cognitive analysis (later such streams are only counted)",
                    sensor.stream_id,
                    channels,
                    fs,
                    capacity,
                    fn.MIN_WINDOW_S[kind],
                )
        return window

    def _queue(self, window: StreamWindow) -> None:
        """Queue ``window`` for the worker unless it is queued already or :attr:`max_queued` streams are."""
        with self._lock:  # ``queued`` is cleared by the worker
            if window.queued:
                window.skipped += 1
                return
            if self._queued >= self.max_queued or self._stopped:
                self.skipped_global += 1
                return
            window.queued = True
            self._queued += 1
        try:
            self._pool.submit(self._run, window)
        except RuntimeError:  # the pool is shut down
            with self._lock:
                window.queued = False
                self._queued -= 1

    def forget(self, sid: str) -> None:
        """Drop the windows of a disconnected ``/hia`` socket and write its pending minutes (a no-op for the
        minutes after :meth:`stop`, which wrote them)."""
        for key in [key for key in self.windows if key[0] == sid]:
            del self.windows[key]
        if self._stopped:
            return
        try:
            self._pool.submit(self._flush)
        except RuntimeError:
            log.debug("insight engine stopped; minutes already written")

    def warm_up(self) -> None:
        """Check the database dialect (:meth:`check_dialect`), then import neurokit2 and run every function once
        on synthetic windows, in the worker thread, so that the first real window is not delayed by imports and
        JIT compilation (about a second).

        Raises:
            RuntimeError: an unsupported database.
        """
        self.check_dialect()
        self._pool.submit(_warm_up)

    # -- worker thread -----------------------------------------------------------------------------------

    def _run(self, window: StreamWindow) -> None:
        try:
            data, times = window.snapshot()
            values = fn.compute(window.kind, data, window.sampling_frequency)
            window.latest = values
            window.window = {"start": float(times[0]), "end": float(times[-1]), "samples": len(times)}
            newest = float(times[-1])
            if not (VALID_EPOCH_S[0] <= newest < VALID_EPOCH_S[1]):
                self.bad_timestamps += 1
            else:
                minute = int(newest // 60)
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
                window.queued = False
                self._queued -= 1

    def _flush(self) -> None:
        """Upsert the pending minute aggregates (``ns_insight_minutes``), one transaction per user; users that
        no longer exist are skipped; a user whose rows fail is logged and counted (:attr:`flush_failures`)."""
        with self._lock:
            pending, self._minutes = self._minutes, {}
        self._last_flush = time.monotonic()
        if not pending:
            return
        by_user: dict[int, list[dict[str, Any]]] = {}
        for (u, m, f), (c, s, lo, hi) in pending.items():
            by_user.setdefault(u, []).append(
                {"user_id": u, "minute": m, "function": f, "count": int(c), "total": s, "minimum": lo, "maximum": hi}
            )
        try:
            database = self._database()
            dialect = database.engine.dialect.name
            insert = DIALECTS[dialect]
        except Exception:  # noqa: BLE001
            log.exception("could not store insight minutes of %d users", len(by_user))
            self.flush_failures += len(by_user)
            return
        table = NsInsightMinute.__table__
        for user_id, rows in by_user.items():
            try:
                statement = insert(NsInsightMinute)
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
                    if session.scalar(select(NsUser.id).where(NsUser.id == user_id)) is None:
                        continue  # deleted while its minutes were pending
                    session.execute(statement, rows)
            except Exception:  # noqa: BLE001
                self.flush_failures += 1
                log.exception("could not store %d insight minutes of user %d", len(rows), user_id)

    # -- lifecycle ---------------------------------------------------------------------------------------

    async def drain(self) -> None:
        """Wait for every scheduled computation, then write the pending minutes (tests, shutdown)."""
        if self._stopped:
            return
        await asyncio.get_running_loop().run_in_executor(self._pool, self._flush)

    async def stop(self) -> None:
        """At shutdown: finish the queued work, write the minutes, stop the worker (idempotent)."""
        await self.drain()
        self._stopped = True
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
    return func.least(a, b) if dialect == "postgresql" else func.min(a, b)


def _greatest(dialect: str, a: Any, b: Any) -> Any:
    return func.greatest(a, b) if dialect == "postgresql" else func.max(a, b)
