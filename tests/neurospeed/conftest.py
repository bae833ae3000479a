"""NeuroSpeed fixtures: customers (braindock accounts) and users on the live ``server``, and Socket.IO helpers.

Sockets use python-socketio's synchronous :class:`socketio.Client` over WebSocket only, like the official
client. Every wait is event-driven with a generous timeout; nothing asserts on timing.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from tests.conftest import RunningServer

WAIT_S = 30.0
PASSWORD = "customer-password"
USER_PASSWORD = "user-password-1"


@dataclass
class Customer:
    """A logged-in NeuroSpeed customer."""

    server: RunningServer
    email: str
    access: str
    refresh: str
    account_id: str

    def http(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.access}"}
        return httpx.Client(base_url=self.server.url + "/api", headers=headers, timeout=60)

    def create_user(self, username: str | None = None, password: str = USER_PASSWORD) -> User:
        username = username or f"u{uuid.uuid4().hex[:10]}"
        with self.http() as api:
            response = api.post("/users", json={"username": username, "password": password})
            assert response.status_code == 201, response.text
            user_id = response.json()["id"]
        tokens = login_user(self.server, self.account_id, username, password)
        return User(self, user_id, username, tokens["accessToken"], tokens["refreshToken"])


@dataclass
class User:
    customer: Customer
    id: int
    username: str
    access: str
    refresh: str


def login_user(server: RunningServer, account_id: str, username: str, password: str) -> dict[str, str]:
    body = {"account_id": account_id, "username": username, "password": password}
    response = httpx.post(server.url + "/api/users/login", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()["token"]


def new_customer(server: RunningServer) -> Customer:
    email = f"ns-{uuid.uuid4().hex[:10]}@example.com"
    server.cli("account", "create", email, "--password", PASSWORD)
    response = httpx.post(server.url + "/api/auth/login", json={"email": email, "password": PASSWORD}, timeout=60)
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    current = httpx.get(
        server.url + "/api/customers/current", headers={"Authorization": f"Bearer {token['accessToken']}"}, timeout=60
    )
    assert current.status_code == 200, current.text
    return Customer(server, email, token["accessToken"], token["refreshToken"], current.json()["account_id"])


@pytest.fixture(scope="module")
def acme(server: RunningServer) -> Customer:
    return new_customer(server)


@pytest.fixture(scope="module")
def globex(server: RunningServer) -> Customer:
    return new_customer(server)


@dataclass
class Socket:
    """A connected (or refused) Socket.IO client recording every event it receives."""

    client: socketio.Client
    events: list[tuple[str, Any]] = field(default_factory=list)
    refused: Any = None
    cond: threading.Condition = field(default_factory=threading.Condition)

    def record(self, name: str, payload: Any) -> None:
        with self.cond:
            self.events.append((name, payload))
            self.cond.notify_all()

    def of(self, name: str) -> list[Any]:
        with self.cond:
            return [payload for event, payload in self.events if event == name]

    def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
        with self.cond:
            if not self.cond.wait_for(predicate, timeout=timeout):
                seen = repr(self.events)
                seen = seen if len(seen) <= 2_000 else seen[:2_000] + f"... ({len(self.events)} events)"
                raise AssertionError(f"timed out waiting for {what}; events so far: {seen}")

    def wait_count(self, name: str, count: int) -> list[Any]:
        self.wait_for(lambda: len([e for e, _ in self.events if e == name]) >= count, f"{count} {name!r} events")
        return self.of(name)

    def close(self) -> None:
        if self.client.connected:
            self.client.disconnect()


@pytest.fixture
def closing():  # type: ignore[no-untyped-def]
    """``closing(socket)`` registers a socket to disconnect at the end of the test."""
    sockets: list[Socket] = []
    yield sockets.append
    for socket in sockets:
        socket.close()


def open_socket(
    url: str,
    path: str,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    websocket_options: dict[str, Any] | None = None,
) -> Socket:
    """Connect to ``path`` like the official client (WebSocket only); ``refused`` holds a refusal payload.

    ``websocket_options`` go to websocket-client (e.g. ``skip_utf8_validation`` for large frames)."""
    client = socketio.Client(reconnection=False, websocket_extra_options=websocket_options or {})
    socket = Socket(client)
    for name in ("data", "events", "hia_events", "pipeline_error", "ping"):
        client.on(name, lambda payload=None, _name=name: socket.record(_name, payload))

    @client.on("connect_error")
    def _refused(data: Any = None) -> None:
        socket.refused = data
        socket.record("connect_error", data)

    full = url + ("?" + str(httpx.QueryParams(query)) if query else "")
    try:
        client.connect(full, headers=headers or {}, transports=["websocket"], socketio_path=path, wait_timeout=WAIT_S)
    except socketio.exceptions.ConnectionError:
        if socket.refused is None:
            socket.refused = {"message": "connection failed"}
    return socket


def eeg_sensor(stream_id: str = "EEG_AAAAAA", channels: int = 2, frequency: float = 128) -> dict[str, Any]:
    return {
        stream_id: {
            "device_type": "EEG",
            "channel_count": channels,
            "channel_map": [f"ch{i}" for i in range(channels)],
            "sampling_frequency": frequency,
            "stream_id": stream_id,
            "sensor_id": stream_id,
            "stream_state": "enabled",
        }
    }


def open_hia(
    user: User, sensors: dict[str, Any], hia_id: str = "LAB3PC", token: str | None = None, **extra: str
) -> Socket:
    headers = {
        "jwt_token": user.access if token is None else token,
        "jwt_refresh_token": user.refresh,
        "hia_id": hia_id,
        "sensors_info": json.dumps(sensors),
        "current_local_time": "1738575541",
        "local_timezone": "+0200",
        **extra,
    }
    return open_socket(user.customer.server.url, "hia", headers=headers)


def open_user_room(user: User, websocket_options: dict[str, Any] | None = None) -> Socket:
    query = {"jwt_token": user.access}
    return open_socket(user.customer.server.url, "target_is_user_room_as_user", query=query, **_ws(websocket_options))


def _ws(options: dict[str, Any] | None) -> dict[str, Any]:
    return {"websocket_options": options} if options else {}


def open_user_room_as_customer(customer: Customer, username: str) -> Socket:
    query = {"jwt_token": customer.access, "username": username}
    return open_socket(customer.server.url, "target_is_user_room_as_customer", query=query)


def open_customer_room(customer: Customer) -> Socket:
    return open_socket(customer.server.url, "target_is_customer_room", headers={"jwt_token": customer.access})


def packet(stream_id: str, rows: list[list[Any]], labels: list[str] | None = None) -> dict[str, Any]:
    """A ``pipeline`` payload as the official client builds it (``data`` is a JSON string)."""
    labels = labels or ["none"]
    return {
        "stream_id": stream_id,
        "device_type": "EEG",
        "hia_id": "ignored",
        "data": json.dumps({"sample": rows}),
        "experiment": {"packet_labels": labels, "onetime_labels": labels},
    }


# -- recorder helpers (test_recorder.py, test_exporter.py) ------------------------------------------------


def create_recorder(customer: Customer, user: User, name: str | None = "session-A") -> dict[str, Any]:
    with customer.http() as api:
        response = api.post(
            "/gateway/recorder", json={"username": user.username, "recorder_name": name, "unlimited": "true"}
        )
    assert response.status_code == 201, response.text
    return response.json()


def put_status(customer: Customer, recorder_id: int, status: str) -> httpx.Response:
    with customer.http() as api:
        return api.put("/gateway/recorder", params={"id": str(recorder_id)}, data={"status": status})


def get_recorder(customer: Customer, recorder_id: int) -> dict[str, Any]:
    with customer.http() as api:
        response = api.get(f"/gateway/recorder/{recorder_id}")
    assert response.status_code == 200, response.text
    return response.json()


def barrier(hia: Socket) -> None:
    """Return once the server has handled every packet sent so far on ``hia``.

    ``/hia`` handles one event at a time in order (6.6), so the ``pipeline_error`` answering an invalid packet
    proves the earlier packets went through the hub (and its recorder listener). Rejected packets are never
    recorded, which the tests check too.
    """
    count = len(hia.of("pipeline_error"))
    hia.client.emit("pipeline", packet("NO_SUCH_STREAM", [[1.0, 2.0, 3.0]]))
    hia.wait_count("pipeline_error", count + 1)


def send(hia: Socket, stream_id: str, rows: list[list[Any]], label: str) -> None:
    hia.client.emit("pipeline", packet(stream_id, rows, [label]))


def rows(start: float, first_value: float, count: int = 3) -> list[list[float]]:
    """``count`` 2-channel rows with distinct values and timestamps ``start + i/128``."""
    return [[first_value + i, -(first_value + i) / 4, start + i / 128] for i in range(count)]


def read_packets(server: RunningServer, recorder_id: int) -> list[dict[str, Any]]:
    path = Path(server.data_dir) / "recordings" / str(recorder_id) / "packets.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def connected_hia(user: User, sensors: dict[str, Any], closing, hia_id: str = "LAB3PC") -> Socket:  # type: ignore[no-untyped-def]
    hia = open_hia(user, sensors, hia_id=hia_id)
    closing(hia)
    assert hia.refused is None, hia.refused
    return hia


def run_export(
    customer: Customer,
    recorder_id: int | str,
    config: dict[str, Any],
    unlimited: bool | None = True,
    timeout: float = WAIT_S,
) -> dict[str, Any]:
    """Create an exporter for ``recorder_id`` (``unlimited`` left out of the body when ``None``) and poll until it
    is ``exported`` (at most ``timeout`` seconds); returns the exporter object (neurospeed.md 5.1, 5.2)."""
    with customer.http() as api:
        body: dict[str, Any] = {"recorder_id": recorder_id, "exporter_config": config}
        if unlimited is not None:
            body["unlimited"] = unlimited
        response = api.post("/gateway/exporter", json=body)
        assert response.status_code == 201, response.text
        exporter = response.json()
        assert exporter["status"] in ("exporting", "exported")
        deadline = time.monotonic() + timeout
        while exporter["status"] == "exporting":
            assert time.monotonic() < deadline, "export did not finish"
            time.sleep(0.1)
            exporter = api.get(f"/gateway/exporter/{exporter['id']}").json()
    assert exporter["status"] == "exported", exporter
    return exporter
