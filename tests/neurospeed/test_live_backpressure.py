"""A room listener that stops reading is skipped, told what it missed, and slows nobody (issue 5, soak finding).

The stalled listener is a raw Engine.IO v4 WebSocket (websocket-client) with a 4 KiB receive buffer that reads
only when the test says so, so the server's send queue for it really fills up. The server runs twice, with
live-delivery limits (``BRAINDOCK_LIVE_MAX_LAG_S``, ``BRAINDOCK_LIVE_MAX_BACKLOG``) set so that each trips
first once. Every wait is on an event (a ``pipeline_error`` barrier or a presence ``events`` sentinel). The
healthy listener must keep up with 25 packets/s of ≈ 125 kB: it would be skipped only after falling ≈ 4 s
behind, which the limits leave as slack for a busy CI machine.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
import websocket

from tests.conftest import RunningServer, start_server, stop_server
from tests.neurospeed.conftest import (
    WAIT_S,
    User,
    barrier,
    connected_hia,
    create_recorder,
    eeg_sensor,
    new_customer,
    open_hia,
    open_user_room,
    packet,
    put_status,
    read_packets,
)

#: Timing-sensitive: the healthy listener must keep up, so ``make test`` runs this file after the parallel part.
pytestmark = pytest.mark.serial

STREAM = "EEG_LIVE01"
CHANNELS = 8
ROWS = 1_000  # ≈ 125 kB of JSON per data event: the burst below is far more than the kernel's socket buffers
SENT = 300  # paced at 25 packets/s (the stream's limit is 50/s): far more than the kernel's socket buffers hold
PACE_S = 0.04
#: websocket-client checks text frames byte by byte in pure Python unless told not to (benchmarks/streaming.py).
FAST = {"skip_utf8_validation": True}


#: (max_lag_s, max_backlog): each server lets one limit trip first; both leave the healthy listener ≈ 4 s of slack.
LIMITS = {"by-backlog": (60.0, 100), "by-lag": (4.0, 100_000)}


@pytest.fixture(scope="module", params=list(LIMITS))
def live_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    max_lag_s, max_backlog = LIMITS[request.param]
    env = {"BRAINDOCK_LIVE_MAX_LAG_S": str(max_lag_s), "BRAINDOCK_LIVE_MAX_BACKLOG": str(max_backlog)}
    running = start_server(tmp_path_factory.mktemp("live") / "data", env=env)
    running.limits = (max_lag_s, max_backlog)  # type: ignore[attr-defined]
    yield running
    stop_server(running)


class RawListener:
    """``/target_is_user_room_as_user`` spoken by hand over one WebSocket; reads only in :meth:`read_until`."""

    def __init__(self, server: RunningServer, user: User) -> None:
        url = server.url.replace("http://", "ws://", 1)
        url += f"/target_is_user_room_as_user/?EIO=4&transport=websocket&jwt_token={user.access}"
        tiny = ((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),)
        self.ws = websocket.create_connection(url, sockopt=tiny, timeout=WAIT_S, skip_utf8_validation=True)
        assert self.ws.recv().startswith("0{")  # Engine.IO open
        self.ws.send("40")  # Socket.IO connect to "/"
        assert self.ws.recv().startswith("40{")
        self.events: list[tuple[str, Any]] = []

    def read_until(self, name: str, match: dict[str, Any]) -> None:
        """Read frames (answering Engine.IO pings) until event ``name`` whose payload contains ``match``."""
        while True:
            frame = self.ws.recv()
            if frame == "2":
                self.ws.send("3")
                continue
            if not frame.startswith("42"):
                continue
            event, payload = json.loads(frame[2:])[:2]
            self.events.append((event, payload))
            if event == name and all(payload.get(k) == v for k, v in match.items()):
                return

    def of(self, name: str) -> list[Any]:
        return [payload for event, payload in self.events if event == name]

    def close(self) -> None:
        self.ws.close()


def sentinel(user: User, hia_id: str) -> None:
    """Connect and disconnect a second HIA: its presence ``events`` are never shed, so a listener that has read
    the ``disconnect`` one has read everything queued for it before."""
    other = open_hia(user, eeg_sensor("EEG_SENTRY", channels=2), hia_id=hia_id)
    assert other.refused is None, other.refused
    other.close()


def big_rows(index: int) -> list[list[float]]:
    return [[float(index)] * CHANNELS + [1_700_000_000.0 + index + i / 256] for i in range(ROWS)]


def test_a_stalled_listener_is_skipped_then_told_and_the_others_and_the_recording_get_everything(
    live_server: RunningServer, closing
) -> None:  # type: ignore[no-untyped-def]
    customer = new_customer(live_server)
    user = customer.create_user()
    healthy = open_user_room(user, FAST)
    closing(healthy)
    stalled = RawListener(live_server, user)
    try:
        hia = connected_hia(user, eeg_sensor(STREAM, channels=CHANNELS, frequency=256), closing)
        recorder = create_recorder(customer, user)
        for index in range(SENT):
            hia.client.emit("pipeline", packet(STREAM, big_rows(index)))
            time.sleep(PACE_S)  # pacing only; nothing below depends on timing
        barrier(hia)
        assert [e["packets_counter"] for e in healthy.wait_count("data", SENT)] == list(range(1, SENT + 1))
        assert hia.of("pipeline_error")[-1]["stream_id"] == "NO_SUCH_STREAM"  # only the barrier was rejected

        # The stalled listener now drains its backlog, up to a presence event queued after the burst.
        sentinel(user, "SENTRY1")
        stalled.read_until("events", {"type": "disconnect", "hia_id": "SENTRY1"})
        received = [e["packets_counter"] for e in stalled.of("data")]
        print(f"stalled listener got {len(received)} of {SENT} before catching up")
        assert 0 < len(received) < SENT, "the listener was never behind, or was never skipped"
        assert received == sorted(received) and received[0] == 1
        assert stalled.of("data_dropped") == []  # told only once it gets data again

        # Caught up: the next packet reaches it, preceded by the number it missed.
        hia.client.emit("pipeline", packet(STREAM, big_rows(SENT)))
        stalled.read_until("data", {"packets_counter": SENT + 1})
        notices = stalled.of("data_dropped")
        assert len(notices) == 1
        assert notices[0]["reason"] == "listener_behind"
        assert (notices[0]["max_lag_s"], notices[0]["max_backlog"]) == live_server.limits  # type: ignore[attr-defined]
        assert notices[0]["dropped"] == SENT - len(received)
        assert [name for name, _ in stalled.events[-2:]] == ["data_dropped", "data"]

        healthy.wait_count("data", SENT + 1)
        assert put_status(customer, recorder["id"], "stopped").status_code == 200
        recorded = read_packets(live_server, recorder["id"])
        assert len(recorded) == SENT + 1  # live shedding never touches the recording
        assert "is behind" in live_server.log()
    finally:
        stalled.close()
        assert Path(live_server.data_dir).is_dir()
