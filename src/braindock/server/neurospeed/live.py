"""Live ``data`` delivery to room listeners with a bounded backlog per listener (issue 5, soak finding).

python-socketio hands every emitted event to Engine.IO, which keeps an **unbounded** send queue per socket. A
listener that reads slower than its HIAs send (a starved client process, a slow network) therefore falls
further behind every second: its live view shows data tens of seconds old, and Engine.IO's ``PING`` waits
behind that backlog until the ping timeout (20 s) closes the socket, so the listener reconnects and misses
data anyway.

:class:`LiveDelivery` sheds load instead. Before each ``data`` event it looks at every listener's Engine.IO
send queue; a listener is *behind* when

* the queue holds ``max_backlog`` packets or more, or
* more than :data:`AGE_FLOOR` packets wait and the oldest ``data`` event among them was queued more than
  ``max_lag_s`` seconds ago (estimated from the queue length and the times this listener's last ``data`` events
  were queued; the floor leaves room for the few other packets a healthy queue may hold for a moment, such as
  presence events, Engine.IO pings and ``data_dropped`` notices, which this estimate does not see).

A listener that is behind is skipped for that event (the others still get it, encoded once). When it has
caught up, the next event it gets is preceded by ``data_dropped`` ``{"dropped": n, "reason":
"listener_behind", "max_lag_s", "max_backlog"}`` with the number of ``data`` events it missed: a braindock
extension event that the official client, which registers no handler for it, ignores. Only live delivery is
shed: recorders get every accepted packet before any emit (:meth:`~.socket.HiaHub.subscribe`), so
recordings and exports lose nothing. Presence ``events`` are never shed.

Limits: ``BRAINDOCK_LIVE_MAX_LAG_S`` (default 2 s) and ``BRAINDOCK_LIVE_MAX_BACKLOG`` (default 256 packets),
see :class:`braindock.config.Settings`.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import socketio

log = logging.getLogger("braindock.neurospeed.live")

NAMESPACE = "/"
#: Seconds between two warnings about the same listener.
WARNING_INTERVAL_S = 10.0
#: Queued packets below which a listener is never judged by age (see the module docstring).
AGE_FLOOR = 4


@dataclass
class _Listener:
    queued_at: deque[float]
    pending_drops: int = 0
    dropped: int = 0
    last_warning: float = float("-inf")


@dataclass
class LiveDelivery:
    """Emits live events to rooms, skipping listeners whose send queue is behind (module docstring).

    Args:
        max_lag_s: oldest queued ``data`` event allowed for a listener to get another one, seconds.
        max_backlog: Engine.IO packets queued for a listener at which it gets no more until it drains.
        clock: monotonic clock in seconds (tests may pass their own).
    """

    max_lag_s: float = 2.0
    max_backlog: int = 256
    clock: Callable[[], float] = time.monotonic
    _listeners: dict[tuple[int, str], _Listener] = field(default_factory=dict)

    def configure(self, max_lag_s: float, max_backlog: int) -> None:
        """Set the limits (at server start, from the settings); state of connected listeners is kept.

        Raises:
            ValueError: a limit is not positive.
        """
        if max_lag_s <= 0 or max_backlog < 1:
            raise ValueError(f"live delivery limits must be positive, got {max_lag_s} s and {max_backlog} packets")
        self.max_lag_s = max_lag_s
        self.max_backlog = max_backlog
        for state in self._listeners.values():
            state.queued_at = deque(state.queued_at, maxlen=max_backlog)

    def forget(self, server: socketio.AsyncServer, sid: str) -> None:
        """Drop the state of a listener that disconnected."""
        self._listeners.pop((id(server), sid), None)

    async def emit(self, server: socketio.AsyncServer, room: str, event: str, payload: Any) -> int:
        """Emit ``event(payload)`` to the listeners of ``room`` on ``server`` that are not behind.

        Returns:
            the number of listeners that got the event (0 for an empty room).
        """
        participants = list(server.manager.get_participants(NAMESPACE, room))
        if not participants:
            return 0
        now = self.clock()
        skipped: list[str] = []
        caught_up: list[tuple[str, int]] = []
        for sid, eio_sid in participants:
            key = (id(server), sid)
            state = self._listeners.get(key)
            if state is None:
                state = self._listeners[key] = _Listener(deque(maxlen=self.max_backlog))
            waiting = self._queued(server, eio_sid)
            if self._behind(state, waiting, now):
                state.pending_drops += 1
                state.dropped += 1
                skipped.append(sid)
                self._warn(room, sid, state, waiting, now)
                continue
            if state.pending_drops:
                caught_up.append((sid, state.pending_drops))
                state.pending_drops = 0
            state.queued_at.append(now)
        for sid, missed in caught_up:
            notice = {
                "dropped": missed,
                "reason": "listener_behind",
                "max_lag_s": self.max_lag_s,
                "max_backlog": self.max_backlog,
            }
            await server.emit("data_dropped", notice, to=sid)
        delivered = len(participants) - len(skipped)
        if delivered:
            await server.emit(event, payload, room=room, skip_sid=skipped or None)
        return delivered

    def _behind(self, state: _Listener, waiting: int, now: float) -> bool:
        if waiting >= self.max_backlog:
            return True
        if waiting <= AGE_FLOOR or not state.queued_at:
            return False
        # The newest ``waiting`` packets in the queue are at most the last ``waiting`` events queued here.
        oldest = state.queued_at[-min(waiting, len(state.queued_at))]
        return now - oldest > self.max_lag_s

    @staticmethod
    def _queued(server: socketio.AsyncServer, eio_sid: str) -> int:
        """Packets waiting in Engine.IO's send queue of ``eio_sid`` (0 if unknown)."""
        socket = server.eio.sockets.get(eio_sid)
        queue = getattr(socket, "queue", None)
        return queue.qsize() if queue is not None else 0

    def _warn(self, room: str, sid: str, state: _Listener, waiting: int, now: float) -> None:
        if now - state.last_warning < WARNING_INTERVAL_S:
            return
        state.last_warning = now
        log.warning(
            "listener %s of %s is behind (%d packets queued): live data events skipped for it (%d so far); "
            "recordings are not affected",
            sid,
            room,
            waiting,
            state.dropped,
        )
