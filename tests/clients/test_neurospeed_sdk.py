"""The NeuroSpeed SDK ``braindock.clients.neurospeed`` against a live braindock server, over real sockets.

Covers the documented API of the official ``neurospeed`` 2.3.5 client (``shared/reference/neurospeed.md``
Appendix A) and the improvements of 9.5: typed errors with the server's messages, automatic token refresh
(single-flight), one sender thread per HIA, numpy input, the recorder → exporter → CSV round trip with
``load_export``/``export_to_mne``, and reconnection with a fresh token after a server restart. Every wait is
event-driven with a generous timeout; nothing asserts on timing.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import numpy as np
import pytest

from braindock.clients.neurospeed import (
    Auth_AS_Customer_handler,
    Auth_AS_User_Handler,
    AuthenticationError,
    ConfigError,
    Conflict,
    Customer_Account_Manager,
    CustomerRoom_Handler,
    DownlinkRoom_AS_Customer_Handler,
    DownlinkRoom_AS_User_Handler,
    Gateway_HttpHandler,
    HIA_Client,
    HttpService,
    Insight_User_Handler,
    NeuroSpeedError,
    NotConnectedError,
    NotFound,
    PermissionDenied,
    ServerError,
    SocketConnectionError,
    SSR_HttpHandler,
    UserRoom_AS_Customer_Handler,
    UserRoom_AS_User_Handler,
    UserRoom_Recorder_Exporter_Handler,
    UserRoom_Recorder_Handler,
    UtilService,
    ValidationError,
    export_to_mne,
    load_export,
    macros,
)
from braindock.clients.neurospeed import ConnectionError as NeuroSpeedConnectionError
from tests.conftest import RunningServer, free_port, start_server
from tests.neurospeed.conftest import PASSWORD, USER_PASSWORD, Customer, User, new_customer

WAIT_S = 60.0
EXPORT_CONFIG = {"custom_name": "session A.csv", "start_timestamp_mode": "start", "end_timestamp_mode": "end"}


# -- helpers -------------------------------------------------------------------------------------------------


class Inbox:
    """Thread-safe collector of callback payloads with event-driven waits."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.cond = threading.Condition()

    def __call__(self, *args: Any) -> None:
        with self.cond:
            self.items.append(args[-1] if args else None)
            self.cond.notify_all()

    def wait_for(self, predicate: Callable[[list[Any]], bool], what: str, timeout: float = WAIT_S) -> list[Any]:
        with self.cond:
            if not self.cond.wait_for(lambda: predicate(self.items), timeout=timeout):
                raise AssertionError(f"timed out waiting for {what}; got {self.items!r}"[:2000])
            return list(self.items)


def rows_of(payloads: list[dict[str, Any]], stream_id: str) -> list[list[float]]:
    return [row for p in payloads if p["stream_id"] == stream_id for row in p["data"]["sample"]]


def sensor(stream_id: str, channels: int, frequency: float | None = 128, device_type: str = "EEG") -> dict[str, Any]:
    info: dict[str, Any] = {
        "device_type": device_type,
        "channel_count": channels,
        "channel_map": [f"{stream_id[:3].lower()}{i}" for i in range(channels)],
        "stream_id": stream_id,
        "sensor_id": stream_id,
    }
    if frequency is not None:
        info["sampling_frequency"] = frequency
    return {stream_id: info}


def stale_copy(token: str, server: RunningServer) -> str:
    """``token`` re-signed with the server's key but expired a minute ago (a stale access token)."""
    key = bytes.fromhex((server.data_dir / "neurospeed-jwt.key").read_text().strip())
    claims = jwt.decode(token, options={"verify_signature": False})
    now = datetime.now(UTC)
    claims.update(iat=now - timedelta(hours=25), exp=now - timedelta(minutes=1))
    return jwt.encode(claims, key, algorithm="HS256")


def hia_config_of(customer: Customer, user: User) -> dict[str, Any]:
    return {"account_id": customer.account_id, "username": user.username, "user_password": USER_PASSWORD}


@pytest.fixture(scope="module")
def customer(server: RunningServer) -> Customer:
    return new_customer(server)


@pytest.fixture(scope="module")
def customer_auth(customer: Customer) -> Auth_AS_Customer_handler:
    auth = Auth_AS_Customer_handler({"email": customer.email, "password": PASSWORD}, url=customer.server.url)
    assert auth.login() is True
    yield auth
    auth.close()


@pytest.fixture
def closing():  # type: ignore[no-untyped-def]
    """``closing(obj)`` disconnects/closes ``obj`` at the end of the test."""
    objects: list[Any] = []
    yield lambda obj: objects.append(obj) or obj
    for obj in reversed(objects):
        (getattr(obj, "disconnect", None) or obj.close)()


def new_user_auth(customer: Customer, closing, hia_id: str | None = None) -> tuple[User, dict, Auth_AS_User_Handler]:  # type: ignore[no-untyped-def]
    user = customer.create_user()
    config = hia_config_of(customer, user)
    if hia_id:
        config["HIA_ID"] = hia_id
    auth = closing(Auth_AS_User_Handler(config, url=customer.server.url))
    assert auth.login() is True
    return user, config, auth


# -- imports and configuration -------------------------------------------------------------------------------


def test_module_paths_of_the_official_client_and_flat_imports() -> None:
    from braindock.clients.neurospeed.api_http_handlers.exporter_http_handler import (
        UserRoom_Recorder_Exporter_Handler as Exporter,
    )
    from braindock.clients.neurospeed.api_http_handlers.recorder_http_handler import UserRoom_Recorder_Handler as Rec
    from braindock.clients.neurospeed.api_socket_handlers.user_room_as_user_handler import (
        UserRoom_AS_User_Handler as Room,
    )
    from braindock.clients.neurospeed.auth.auth_as_customer_handler import Auth_AS_Customer_handler as Cust
    from braindock.clients.neurospeed.auth.auth_as_user_handler import Auth_AS_User_Handler as UserAuth
    from braindock.clients.neurospeed.hia_user_data.neurobrave_sensor_interface import HIA_Client as Hia
    from braindock.clients.neurospeed.macros import macros as macros_module
    from braindock.clients.neurospeed.utils.helper_service import UtilService as Util

    assert (Exporter, Rec, Room, Cust, UserAuth, Hia, Util) == (
        UserRoom_Recorder_Exporter_Handler,
        UserRoom_Recorder_Handler,
        UserRoom_AS_User_Handler,
        Auth_AS_Customer_handler,
        Auth_AS_User_Handler,
        HIA_Client,
        UtilService,
    )
    assert macros.start_recording is macros_module.start_recording  # 2.3.5's `from neurospeed import macros` failed
    assert callable(macros.stop_recording) and callable(macros.download_data)
    assert issubclass(NotFound, NeuroSpeedError) and issubclass(SocketConnectionError, ConnectionError)
    identifier = UtilService.generateId(6)
    assert len(identifier) == 6 and identifier.isalnum() and identifier.upper() == identifier


def test_config_errors_and_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="user_password") as error:
        Auth_AS_User_Handler({"account_id": "a", "username": "b"})
    assert isinstance(error.value, KeyError)  # the official client raised KeyError
    with pytest.raises(ConfigError, match="account_id"):
        Auth_AS_User_Handler({"username": "b", "user_password": "c", "account_id": ""})
    with pytest.raises(ConfigError, match="email"):
        Auth_AS_Customer_handler({"password": "x"})
    config = {"account_id": "", "customer_username": "ops@example.com", "username": "b", "user_password": "c"}
    auth = Auth_AS_User_Handler(config, {"api_address": "http://h:1/", "pipeline_address": "ws://h:1"})
    assert auth.get_account_id() == "ops@example.com"  # the non-empty key wins
    assert len(config["HIA_ID"]) == 6 and auth.get_hia_id() == config["HIA_ID"]
    assert auth.url_for("/users/login") == "http://h:1/api/users/login"
    assert not auth.is_verbose_log()
    auth.close()
    path = tmp_path / "user.json"
    path.write_text('{"username": "alice", "Verbose_socket_log": "False"}')
    assert UtilService.load_config_file(path) == {"username": "alice", "Verbose_socket_log": "False"}
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        UtilService.load_config_file(path)


def test_an_unreachable_server_raises_connection_errors() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    auth = Auth_AS_User_Handler({"account_id": "a", "username": "b", "user_password": "c"}, url=url, retries=1)
    with pytest.raises(NeuroSpeedConnectionError, match="users/login"):
        auth.login()
    auth._access_token = "unused"
    hia = HIA_Client(auth, sensor("EEG_NOSRV", 1), connect_attempts=2)
    with pytest.raises(NeuroSpeedConnectionError, match="could not connect") as error:
        hia.connect()
    assert isinstance(error.value, ConnectionError) and not isinstance(error.value, SocketConnectionError)
    auth.close()


def test_retries_on_502_503_504_for_idempotent_requests_only() -> None:
    """The retry policy itself, on an httpx transport that answers 503/502 before 200 (no braindock involved)."""
    calls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if request.method == "GET" and len(calls) <= 2:
            return httpx.Response(503 if len(calls) == 1 else 502, json={"message": "busy"})
        if request.method == "POST":
            return httpx.Response(503, json={"statusCode": 503, "message": "down for maintenance"})
        return httpx.Response(200, json={"access": True})

    auth = Auth_AS_Customer_handler({"email": "e@example.com", "password": "p"}, url="http://ns.invalid", retries=2)
    auth.http = httpx.Client(transport=httpx.MockTransport(answer))
    auth._access_token = "token"
    assert HttpService(auth).GET_request("/customers/customers_access/get_raw_data_access") == {"access": True}
    assert calls == ["GET", "GET", "GET"]
    with pytest.raises(ServerError, match="down for maintenance") as error:
        HttpService(auth).POST_request("/gateway/recorder", {"username": "x"})  # not idempotent: no retry
    assert error.value.status == 503 and calls[3:] == ["POST"]
    auth.close()


# -- authentication ------------------------------------------------------------------------------------------


def test_login_failures_raise_with_the_server_message(customer: Customer) -> None:
    wrong = Auth_AS_Customer_handler({"email": customer.email, "password": "wrong-password"}, url=customer.server.url)
    with pytest.raises(AuthenticationError, match="Invalid credentials") as error:
        wrong.login()
    assert error.value.status == 401
    assert not wrong.is_logged_in()
    wrong.close()
    user = customer.create_user()
    config = {**hia_config_of(customer, user), "user_password": "not-the-password"}
    with (
        pytest.raises(AuthenticationError, match="Invalid credentials"),
        Auth_AS_User_Handler(config, url=customer.server.url) as auth,
    ):
        auth.login()


def test_refresh_and_automatic_single_refresh_after_a_stale_token(customer: Customer) -> None:
    auth = Auth_AS_Customer_handler({"email": customer.email, "password": PASSWORD}, url=customer.server.url)
    assert auth.login()
    first = (auth.get_access_token(), auth.get_refresh_token())
    assert auth.update_refresh_token() is True
    assert auth.get_refresh_token() != first[1]
    manager = Customer_Account_Manager(auth)
    assert manager.get_customer_details()["account_id"] == customer.account_id

    refreshes: list[str] = []
    auth.http.event_hooks["request"].append(
        lambda request: refreshes.append(request.url.path) if request.url.path.endswith("/refresh_token") else None
    )
    auth._access_token = stale_copy(auth.get_access_token(), customer.server)
    answers: list[Any] = []
    threads = [threading.Thread(target=lambda: answers.append(manager.get_customer_details())) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S)
    assert [a["email"] for a in answers] == [customer.email] * 6
    assert refreshes == ["/api/auth/refresh_token"]  # one refresh for six concurrent 401s (2.6)
    assert auth.refresh_count == 2

    # A refused refresh token falls back to one new login with the stored credentials.
    auth._access_token = stale_copy(auth.get_access_token(), customer.server)
    auth._refresh_token = "not-a-refresh-token"
    assert manager.get_access_to_raw_data() == {"access": True}
    assert auth.update_refresh_token() is True
    auth.close()


def test_typed_http_errors_carry_the_server_message(customer: Customer, customer_auth, closing) -> None:  # type: ignore[no-untyped-def]
    recorders = UserRoom_Recorder_Handler(customer_auth)
    with pytest.raises(NotFound, match="nobody-here") as error:
        recorders.create_recorder("nobody-here", "x")
    assert error.value.status == 404 and "nobody-here" in error.value.message
    with pytest.raises(ValueError, match="status must be one of"):
        recorders.update_recorder(1, "recording")
    manager = Customer_Account_Manager(customer_auth)
    name = f"dup{uuid.uuid4().hex[:8]}"
    created = manager.create_new_user(name, "long-enough-1")
    assert manager.get_user_id(name) == created["id"]
    with pytest.raises(Conflict):
        manager.create_new_user(name, "long-enough-1")
    with pytest.raises(ValueError, match="at least 8"):
        manager.create_new_user("other", "short")
    assert manager.delete_user(created["id"]) is True
    with pytest.raises(NotFound):
        manager.get_user_id(name)

    _, _, user_auth = new_user_auth(customer, closing)
    with pytest.raises(PermissionDenied, match="customer token"):
        HttpService(user_auth).GET_request("/customers/current")
    with pytest.raises(ConfigError, match="customer auth handler"):
        UserRoom_Recorder_Handler(user_auth)
    legacy = HttpService(customer_auth, {**customer_auth.api_config, "legacy_errors": True})
    assert legacy.GET_request("/gateway/recorder/999999999") is None  # the 2.3.5 behaviour, on request

    insights = Insight_User_Handler(user_auth)
    stress = insights.get_user_daily_stress("2026-01-05", "+0100")  # a user without streamed data
    assert stress["measured_minutes"] == 0 and stress["timezone"] == "+0100"
    with pytest.raises(ValidationError, match="daily_date"):
        insights.get_user_daily_stress("05/01/2026")


# -- streaming -----------------------------------------------------------------------------------------------


def test_invalid_sensor_info_is_refused_with_the_server_reason(customer: Customer, closing) -> None:  # type: ignore[no-untyped-def]
    _, _, auth = new_user_auth(customer, closing)
    bad = sensor("EEG_BAD", 2)
    bad["EEG_BAD"]["channel_map"] = ["a", "b", "c"]
    hia = closing(HIA_Client(auth, bad))
    with pytest.raises(SocketConnectionError, match="channel_map has 3 names, channel_count is 2"):
        hia.connect()
    assert not hia.is_connected()
    good = closing(HIA_Client(auth, sensor("EEG_OK", 2)))
    with pytest.raises(NotConnectedError):
        good.send_data_direct([1.0, 2.0], "EEG_OK")
    with pytest.raises(ValueError, match="sample 0 has 3 values, channel_count is 2"):
        good.send_data(np.zeros((4, 3)), "EEG_OK")
    with pytest.raises(ValueError, match="unknown stream_id"):
        good.send_data([1.0, 2.0], "NOPE")
    with pytest.raises(ValueError, match="comma"):
        good.set_label("a,b")


def test_hia_streams_numpy_and_lists_to_the_user_room_with_labels_and_events(customer: Customer, closing) -> None:  # type: ignore[no-untyped-def]
    user, _, auth = new_user_auth(customer, closing, hia_id=f"HIA{uuid.uuid4().hex[:6].upper()}")
    data, events = Inbox(), Inbox()
    room = closing(UserRoom_AS_User_Handler(auth))
    room.set_data_external_handler(data)
    room.set_device_events_external_handler(events)
    room.connect()
    assert room.is_connected() and room.get_username() == user.username

    sensors = {**sensor("EEG_AAAAAA", 2), **sensor("EEG_BBBBBB", 4, 256), **sensor("USR_CCCCCC", 3, None, "user_data")}
    hia = closing(HIA_Client(auth, sensors))
    connected = Inbox()
    hia.set_socket_connection_external_handler(connected)
    hia.connect(hia_version="test")
    connected.wait_for(lambda items: items == [hia], "the connection handler")
    events.wait_for(lambda items: any(e["type"] == "connect" for e in items), "the connect event")
    senders = [t for t in threading.enumerate() if t.name.startswith("neurospeed-hia-sender")]
    assert [t.name for t in senders] == [f"neurospeed-hia-sender-{auth.get_hia_id()}"]  # one for three streams

    rng = np.random.default_rng(4)
    eeg_a = rng.normal(0, 20, (40, 2)).round(6)
    eeg_b = rng.normal(0, 5, (12, 4))
    hia.set_label("phase_one")
    for block in np.array_split(eeg_a, 4):
        hia.send_data(block, "EEG_AAAAAA")  # numpy (n_samples, n_channels)
    for row in eeg_b.tolist():
        hia.send_data(row, "EEG_BBBBBB")  # one sample per call, as lists
    hia.send_data(np.array([1, 2, 3], dtype=np.int16), "USR_CCCCCC")  # numpy 1-D: one sample
    direct = np.arange(10.0).reshape(5, 2) / 7
    stamps = 1_700_000_000.0 + np.arange(5) / 128
    hia.send_data_direct(direct, "EEG_AAAAAA", timestamp=stamps)
    hia.send_data_direct([[9.5, 8.5]], "EEG_AAAAAA", send_without_timestamp=True)

    def received(stream_id: str, count: int) -> Callable[[list[Any]], bool]:
        return lambda items: len(rows_of(items, stream_id)) >= count

    payloads = data.wait_for(received("EEG_AAAAAA", 46), "stream A")
    payloads = data.wait_for(
        lambda items: received("EEG_BBBBBB", 12)(items) and received("USR_CCCCCC", 1)(items), "B, C"
    )
    a_rows = rows_of(payloads, "EEG_AAAAAA")
    queued_a = [r for r in a_rows if r[2] < 1_700_000_000.0 or r[2] > 1_700_000_001.0]
    direct_rows = [r for r in a_rows if 1_700_000_000.0 <= r[2] <= 1_700_000_001.0]
    assert len(a_rows) == 46
    assert np.array_equal(np.array([r[:2] for r in queued_a if r[:2] != [9.5, 8.5]]), eeg_a)  # exact values
    assert np.array_equal(np.array(direct_rows), np.column_stack([direct, stamps]))  # exact values and timestamps
    assert [r[:2] for r in a_rows if r[:2] == [9.5, 8.5]] == [[9.5, 8.5]]  # server-stamped row
    assert np.array_equal(np.array([r[:4] for r in rows_of(payloads, "EEG_BBBBBB")]), eeg_b)
    assert rows_of(payloads, "USR_CCCCCC")[0][:3] == [1, 2, 3]
    by_stream = {p["stream_id"]: p for p in payloads}
    assert by_stream["USR_CCCCCC"]["device_type"] == "user_data"  # each packet carries its own stream's type
    assert set(by_stream["EEG_AAAAAA"]["output"]["brainwave_power"]) >= {"alpha", "beta", "theta"}
    assert {tuple(p["experiment"]["packet_labels"]) for p in payloads} == {("phase_one",)}
    onetime = [p["experiment"]["onetime_labels"] for p in payloads if p["stream_id"] == "EEG_BBBBBB"]
    assert onetime[0] == ["phase_one"] and all(o == ["none"] for o in onetime[1:])

    count = len(payloads)
    hia.set_label("phase_two")
    hia.send_data(np.ones((3, 2)), "EEG_AAAAAA")
    later = data.wait_for(lambda items: len(items) > count, "the phase_two packet")[count:]
    assert later[0]["experiment"]["packet_labels"] == ["phase_two"]
    assert hia.queued_samples() == 0 and hia.dropped_samples == 0

    disconnected = Inbox()
    hia.set_socket_disconnect_external_handler(disconnected)
    hia.disconnect()
    assert not hia.is_connected()
    disconnected.wait_for(lambda items: items == [hia], "the disconnect handler")
    seen = events.wait_for(lambda items: any(e["type"] == "disconnect" for e in items), "the disconnect event")
    assert {e["hia_id"] for e in seen} == {auth.get_hia_id()}
    assert set(seen[0]["sensors"]) == set(sensors)
    with pytest.raises(NotConnectedError):
        hia.send_data_direct([1.0, 2.0], "EEG_AAAAAA")


def test_customer_side_rooms_gateway_ssr_and_downlink(customer: Customer, customer_auth, closing) -> None:  # type: ignore[no-untyped-def]
    user, _, auth = new_user_auth(customer, closing, hia_id="SSRHIA")
    presence = Inbox()
    customer_room = closing(CustomerRoom_Handler(customer_auth))
    customer_room.set_hia_connection_external_handler(presence)
    customer_room.set_hia_disconnect_external_handler(presence)
    customer_room.connect()
    watched = Inbox()
    as_customer = closing(UserRoom_AS_Customer_Handler(customer_auth, user.username))
    as_customer.set_data_external_handler(watched)
    as_customer.connect()
    with pytest.raises(SocketConnectionError, match="not found"):
        closing(UserRoom_AS_Customer_Handler(customer_auth, "nobody-here")).connect()

    hia = closing(HIA_Client(auth, sensor("EEG_SSRSSR", 2)))
    states, downlinks = Inbox(), Inbox()
    hia.attach_stream_state_handler(states)
    hia.attach_downlink_handler(downlinks)
    hia.connect()
    presence.wait_for(lambda items: any(e["type"] == "connect" and e["hia_id"] == "SSRHIA" for e in items), "connect")
    assert user.username in [u["username"] for u in Gateway_HttpHandler(customer_auth).get_connected_users()]
    connections = Gateway_HttpHandler(customer_auth).get_connections(filters={"usernames": [user.username]})
    assert connections["pager"]["items"][0]["hia_id"] == "SSRHIA"

    hia.send_data_direct([[1.0, 2.0]], "EEG_SSRSSR")
    assert watched.wait_for(lambda items: len(items) >= 1, "data as customer")[0]["username"] == user.username

    ssr = SSR_HttpHandler(customer_auth)
    assert ssr.change_stream_state(user.username, "SSRHIA", "EEG_SSRSSR", "disabled") == {"delivered": True}
    states.wait_for(lambda items: items == [{"EEG_SSRSSR": "disabled"}], "ssr_stream_state")
    assert not hia.is_stream_enabled("EEG_SSRSSR")
    assert ssr.send_downlink(user.username, "SSRHIA", {"cmd": "beep"}) == {"delivered": True}
    downlinks.wait_for(lambda items: items == ['{"cmd": "beep"}'], "ssr_downlink")
    with pytest.raises(NotFound, match="HIA not connected"):
        ssr.send_downlink(user.username, "NOHIA", "x")

    user_side = closing(DownlinkRoom_AS_User_Handler(auth))
    routed = Inbox()
    user_side.set_downlink_router_external_handler(routed)
    user_side.connect()
    customer_side = closing(DownlinkRoom_AS_Customer_Handler(customer_auth, user.username))
    customer_side.connect()
    customer_side.route_message({"go": 1})
    routed.wait_for(lambda items: items == [{"go": 1}], "downlink to the user")

    hia.disconnect()
    presence.wait_for(lambda items: any(e["type"] == "disconnect" for e in items), "the disconnect event")


# -- recorder, exporter, loaders -----------------------------------------------------------------------------


def test_record_download_and_load_exactly_the_samples_sent_while_recording(
    customer: Customer, customer_auth, closing, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    user, hia_config, auth = new_user_auth(customer, closing, hia_id="RECHIA")
    data = Inbox()
    room = closing(UserRoom_AS_User_Handler(auth))
    room.set_data_external_handler(data)
    room.connect()
    hia = closing(HIA_Client(auth, sensor("EEG_RECREC", 2, 128)))
    hia.connect()
    stream = "EEG_RECREC"

    hia.send_data(np.full((8, 2), -1.0), stream)  # before recording: not exported
    data.wait_for(lambda items: len(rows_of(items, stream)) >= 8, "the samples sent before recording")
    before = len(data.items)

    recorder_id = macros.start_recording(customer_auth, hia_config, "session-A")
    assert isinstance(recorder_id, int)
    assert UserRoom_Recorder_Handler(customer_auth).get_recorder(recorder_id)["status"] == "recording"
    assert macros.find_running_recorder(customer_auth, user.username) == recorder_id

    rng = np.random.default_rng(11)
    recorded = rng.normal(0, 30, (96, 2)).round(4)
    hia.set_label("task")
    for block in np.array_split(recorded[:64], 8):
        hia.send_data(block, stream)
    recorded_stamps = 1_800_000_000.0 + np.arange(32) / 128
    hia.send_data_direct(recorded[64:], stream, timestamp=recorded_stamps)
    payloads = data.wait_for(lambda items: len(rows_of(items[before:], stream)) >= 96, "the recorded samples")
    packets = len(payloads) - before
    recorders = UserRoom_Recorder_Handler(customer_auth)
    deadline = time.monotonic() + WAIT_S
    while recorders.get_recorder(recorder_id)["packets_count"] < packets and time.monotonic() < deadline:
        time.sleep(0.05)
    stopped = macros.stop_recording(customer_auth, recorder_id)
    assert stopped["status"] == "stopped" and stopped["packets_count"] == packets

    hia.send_data_direct(np.full((4, 2), -2.0), stream)  # after stopping: not exported
    data.wait_for(lambda items: len(rows_of(items[before:], stream)) >= 100, "the samples sent after stopping")

    with pytest.raises(ValidationError, match="custom_name"):
        UserRoom_Recorder_Exporter_Handler(customer_auth).create_exporter(
            recorder_id, {"start_timestamp_mode": "start"}
        )
    path = macros.download_data(
        customer_auth, recorder_id, EXPORT_CONFIG, hia_config, tmp_path / "exports", progress=True
    )
    assert Path(path).is_file() and Path(path).name.startswith("_session_A_") and path.endswith(".csv")
    assert macros.is_exporter_datafile(path) and macros.find_exporter_files(tmp_path / "exports") == [path]
    assert not list((tmp_path / "exports").glob("*.part"))

    frame = load_export(path)
    expected_rows = rows_of(payloads[before:], stream)  # values and timestamps as the server received them
    assert len(frame) == 96
    assert list(frame.columns[:4]) == ["timestamp", "packets_counter", "stream_id", "device_type"]
    assert frame["timestamp"].dtype == np.float64 and frame["packets_counter"].dtype == np.int64
    ordered = frame.sort_values("timestamp", kind="stable")
    expected = np.array(sorted(expected_rows, key=lambda r: r[2]))
    assert np.array_equal(ordered[["eeg0", "eeg1"]].to_numpy(), expected[:, :2])
    assert np.allclose(ordered["timestamp"].to_numpy(), expected[:, 2], rtol=0, atol=1e-6)
    assert set(frame["packet_labels"]) == {"task"} and set(frame["stream_id"]) == {stream}
    assert frame["packets_counter"].nunique() == packets
    assert sorted(map(tuple, frame[["eeg0", "eeg1"]].to_numpy())) == sorted(map(tuple, recorded))

    raw = export_to_mne(path, sfreq=128, stream_id=stream)
    assert raw.ch_names == ["eeg0", "eeg1"] and raw.get_data().shape == (2, 96)
    assert raw.info["sfreq"] == 128
    assert np.allclose(raw.get_data(), ordered[["eeg0", "eeg1"]].to_numpy().T * 1e-6, rtol=0, atol=1e-15)
    assert list(raw.annotations.description) == ["task"] and raw.annotations.duration[0] == pytest.approx(96 / 128)
    raw_mv = export_to_mne(frame, sfreq=128, unit="mV")
    assert np.allclose(raw_mv.get_data(), raw.get_data() * 1000)
    with pytest.raises(ValueError, match="unit"):
        export_to_mne(frame, sfreq=128, unit="furlong")

    exporters = UserRoom_Recorder_Exporter_Handler(customer_auth).list_exporters(user.username)["pager"]["items"]
    assert [e["status"] for e in exporters] == ["exported"]
    listed = recorders.list_recorders(user.username)["pager"]["items"]
    assert [(r["id"], r["status"]) for r in listed] == [(recorder_id, "stopped")]
    with pytest.raises(NotFound):
        macros.download_data(customer_auth, 999_999_999, EXPORT_CONFIG, hia_config, tmp_path)
    assert macros.delete_recording(customer_auth, recorder_id) is True
    with pytest.raises((Conflict, NotFound)):  # the deleted recorder has no data left to export
        macros.download_data(customer_auth, recorder_id, EXPORT_CONFIG, hia_config, tmp_path)


def test_a_second_start_recording_stops_the_active_recorder(customer: Customer, customer_auth, closing) -> None:  # type: ignore[no-untyped-def]
    user, hia_config, _ = new_user_auth(customer, closing)
    first = macros.start_recording(customer_auth, hia_config, "one")
    second = macros.start_recording(customer_auth, hia_config, "two")
    recorders = UserRoom_Recorder_Handler(customer_auth)
    assert recorders.get_recorder(first)["status"] == "stopped"
    assert recorders.get_recorder(second)["status"] == "recording"
    with pytest.raises(Conflict):
        recorders.create_recorder(user.username, "three")
    macros.stop_recording(customer_auth, second)


# -- reconnection ---------------------------------------------------------------------------------------------


def test_sockets_reconnect_after_a_server_restart_with_a_fresh_token(tmp_path: Path, closing) -> None:  # type: ignore[no-untyped-def]
    server = start_server(tmp_path / "data")
    port = urlsplit(server.url).port
    try:
        owner = new_customer(server)
        _, _, auth = new_user_auth(owner, closing)
        data = Inbox()
        room = closing(UserRoom_AS_User_Handler(auth))
        room.set_data_external_handler(data)
        room.connect()
        hia = closing(HIA_Client(auth, sensor("EEG_RESTRT", 2)))
        hia.connect()
        stale = stale_copy(auth.get_access_token(), server)
        auth._access_token = stale  # the token the sockets will need after the restart is stale

        server.stop()  # the server side goes away: every socket loses its transport
        server = RunningServer.start(tmp_path / "data", port=port)
        assert room.wait_connected(WAIT_S) and hia.wait_connected(WAIT_S)
        deadline = time.monotonic() + WAIT_S
        while (room.connections < 2 or hia.connections < 2) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (room.connections, hia.connections) == (2, 2)
        assert auth.get_access_token() != stale and auth.refresh_count >= 1  # re-authenticated

        hia.send_data(np.array([[3.25, -1.5]]), "EEG_RESTRT")
        payloads = data.wait_for(lambda items: len(items) >= 1, "data after the restart")
        assert payloads[0]["data"]["sample"][0][:2] == [3.25, -1.5]
    finally:
        server.stop()


def test_send_datafile_generate_sensor_info_and_insight_macros(customer: Customer, customer_auth, closing) -> None:  # type: ignore[no-untyped-def]
    user, hia_config, auth = new_user_auth(customer, closing)
    data = Inbox()
    room = closing(UserRoom_AS_User_Handler(auth))
    room.set_data_external_handler(data)
    room.connect()
    values = np.arange(80.0).reshape(40, 2) / 3
    stamps = 1_750_000_000.0 + np.arange(40) / 64
    labels = np.array(["rest"] * 20 + ["task"] * 20)
    config = {**hia_config, "HIA_ID": "FILEHIA"}
    sent = macros.send_datafile_to_neurospeed(
        values, stamps, labels, Fs=64, channel_map=["C3", "C4"], hia_config=config, window=16, sleep_time=0,
        api_config=customer_auth.api_config,
    )  # fmt: skip
    assert sent == 40
    payloads = data.wait_for(lambda items: sum(len(p["data"]["sample"]) for p in items) >= 40, "the data file")
    rows = [row for p in payloads for row in p["data"]["sample"]]
    assert np.array_equal(np.array(rows), np.column_stack([values, stamps]))
    assert [p["experiment"]["packet_labels"][0] for p in payloads] == ["rest", "rest", "task"]
    assert payloads[0]["sensor_info"]["channel_map"] == ["C3", "C4"]

    channel_map = ["Fp1", "Fp2"]
    info = macros.generate_sensor_info(
        {"DATA_SOURCE": ["EEG"]},
        {"channel_map": channel_map, "EEG_sample_rate": 256, "EEG_buffer_length_seconds": 0.25},
        use_local_timestamp=True,
    )
    stream_id = macros.get_stream_id_from_sensor_info(info, "EEG")
    assert stream_id.startswith("EEG_") and channel_map == ["Fp1", "Fp2"]  # the caller's list is not modified
    assert info[stream_id]["channel_map"] == ["Fp1", "Fp2", "timestamp"] and info[stream_id]["channel_count"] == 2
    with pytest.raises(ConfigError, match="EEG_sample_rate"):
        macros.generate_sensor_info({"DATA_SOURCE": ["EEG"]}, {"channel_map": channel_map})

    answer = macros.get_user_daily_stress(customer_auth, "2026-01-05", username=user.username)
    assert answer["measured_minutes"] == 0 and answer["user_id"] == user.id
    assert macros.get_weekly_quiet_time(auth, "2026-01-05")["user_id"] == user.id
    assert [u["username"] for u in macros.get_all_existing_users(customer_auth, 1, 100)].count(user.username) == 1


# -- review additions: inner auth classes, the manual's examples, background errors, thread lifecycle ---------


def test_inner_auth_api_classes_are_thin_views_on_the_handler(customer: Customer, closing) -> None:  # type: ignore[no-untyped-def]
    cust = closing(Auth_AS_Customer_handler({"email": customer.email, "password": PASSWORD}, url=customer.server.url))
    api = cust._auth_api_instance
    assert isinstance(api, Auth_AS_Customer_handler.Customer_Auth_Api)
    assert api.get_access_token() is None and api.update_refresh_token() is False  # nothing to refresh yet
    assert api.customer_login() is True and cust.is_logged_in()
    assert api.get_access_token() == cust.get_access_token() and api.get_refresh_token() == cust.get_refresh_token()
    before = cust.get_refresh_token()
    assert api.update_refresh_token() is True
    assert cust.get_refresh_token() != before and api.get_refresh_token() == cust.get_refresh_token()
    assert Customer_Account_Manager(cust).get_customer_details()["email"] == customer.email  # the new token works

    user = customer.create_user()
    user_auth = closing(Auth_AS_User_Handler(hia_config_of(customer, user), url=customer.server.url))
    view = Auth_AS_User_Handler.User_Auth_Api(user_auth)  # built by hand, as 2.3.5 allowed
    assert view.user_login() is True and view.get_access_token() == user_auth.get_access_token()
    assert view.update_refresh_token() is True and view.get_refresh_token() == user_auth.get_refresh_token()
    wrong = Auth_AS_User_Handler(
        {**hia_config_of(customer, user), "user_password": "wrong-password"}, url=cust.url_for("")[:-4]
    )
    closing(wrong)
    with pytest.raises(AuthenticationError):
        wrong._auth_api_instance.user_login()


def test_the_manuals_examples_run_with_the_braindock_prefix(
    customer: Customer, customer_auth, closing, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The seed manual (003) sections 3-7, one example after the other; only the import prefix differs (and the
    credentials: the manual's ``{"username", "password"}`` user dict lacks ``account_id``/``user_password``)."""
    import json
    import urllib.request

    from braindock.clients.neurospeed import macros as manual_macros  # 6.2 / 7.1: "from neurospeed import macros"
    from braindock.clients.neurospeed.api_http_handlers.exporter_http_handler import UserRoom_Recorder_Exporter_Handler
    from braindock.clients.neurospeed.api_http_handlers.recorder_http_handler import UserRoom_Recorder_Handler
    from braindock.clients.neurospeed.api_socket_handlers.user_room_as_user_handler import UserRoom_AS_User_Handler
    from braindock.clients.neurospeed.auth.auth_as_customer_handler import Auth_AS_Customer_handler
    from braindock.clients.neurospeed.auth.auth_as_user_handler import Auth_AS_User_Handler
    from braindock.clients.neurospeed.constants import PROD_API_CONFIG
    from braindock.clients.neurospeed.hia_user_data.neurobrave_sensor_interface import HIA_Client
    from braindock.clients.neurospeed.utils.helper_service import UtilService

    api_config = {**PROD_API_CONFIG, "api_address": customer.server.url}
    api_config["pipeline_address"] = customer.server.url.replace("http://", "ws://")
    # 3.4 / 3.5.1: customer login from a JSON config file
    config_path = tmp_path / "customer_config.json"
    config_path.write_text(json.dumps({"email": customer.email, "password": PASSWORD}))
    customer_config = UtilService.load_config_file(str(config_path))
    manual_customer = closing(Auth_AS_Customer_handler(customer_config, api_config))
    assert manual_customer.login() is True
    # 3.3: user login, get_username
    user = customer.create_user()
    hia_config = hia_config_of(customer, user)
    user_auth = closing(Auth_AS_User_Handler(hia_config, api_config))
    assert user_auth.login() is True and user_auth.get_username() == user.username
    # 4.2: the user room with the manual's handler (reads stream_id, device_type, hia_id, sensor_info)
    seen = Inbox()

    def user_data_external_handler(payload: dict[str, Any]) -> None:
        seen((payload["stream_id"], payload["device_type"], payload["hia_id"], payload["sensor_info"], payload))

    userRoom = closing(UserRoom_AS_User_Handler(user_auth, api_config))  # noqa: N806 - the manual's name
    userRoom.set_data_external_handler(user_data_external_handler)
    userRoom.set_device_events_external_handler(lambda payload: None)
    userRoom.connect()
    # 5.2: a custom sensor type, stream id from UtilService.generateId
    sensor_info: dict[str, Any] = {}
    user_data_stream_id = "my_sensor_name_" + UtilService.generateId(6)
    sensor_info[user_data_stream_id] = {
        "device_type": "user_data",
        "channel_count": 3,
        "sampling_frequency": 600,
        "buffer_length": 1.0,
        "manufacturer_id": "AnalogDevices",
        "sensor_id": user_data_stream_id,
        "stream_id": user_data_stream_id,
        "stream_state": "enabled",
        "channel_map": ["X", "Y", "Z"],
    }
    hia_user1 = closing(HIA_Client(user_auth, sensor_info, api_config))
    # 5.3.3.1: the manual's update (channel_count 2 contradicts the 3-name map: the server says so at connect)
    hia_user1.update_sensor_info(
        user_data_stream_id, {"sensor_type": "vehicle speed", "channel_count": 2, "manufacturer_id": "toyota"}
    )
    with pytest.raises(SocketConnectionError, match="channel_count"):
        hia_user1.connect()
    hia_user1.update_sensor_info(user_data_stream_id, {"channel_count": 3})
    connected = Inbox()
    hia_user1.set_socket_connection_external_handler(connected)  # 5.3.3.2
    hia_user1.set_label("experiment_phase one")  # 5.3.3.3: the manual's "good example"
    recorder_id = manual_macros.start_recording(manual_customer, hia_config, "manual")  # 6.2.1.1
    assert isinstance(recorder_id, int)
    hia_user1.connect()  # 5.3.3.4
    assert hia_user1.is_connected()  # 5.3.3.5
    connected.wait_for(lambda items: items == [hia_user1], "the connection handler")
    with pytest.raises(ValueError, match="update"):
        hia_user1.update_sensor_info(user_data_stream_id, {"channel_count": 4})  # not while connected
    hia_user1.send_data([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], user_data_stream_id)  # 5.3.3.6: list of lists
    datatype = "my_sensor_name_"  # 5.3.3.7 hint: find the stream id by prefix
    stream_id = list(filter(lambda x: x.startswith(datatype), list(hia_user1.get_sensor_info().keys())))[0]
    hia_user1.send_data_direct([[7.0, 8.0, 9.0]], stream_id, timestamp=[1_750_000_000.0], device_type="user_data")
    items = seen.wait_for(lambda got: sum(len(i[4]["data"]["sample"]) for i in got) >= 3, "the manual's samples")
    assert {(i[0], i[1], i[2]) for i in items} == {(user_data_stream_id, "user_data", user_auth.get_hia_id())}
    assert items[0][3]["channel_map"] == ["X", "Y", "Z"]
    rows = sorted(row for i in items for row in i[4]["data"]["sample"])
    assert [r[:3] for r in rows] == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]
    assert {tuple(i[4]["experiment"]["packet_labels"]) for i in items} == {("experiment_phase one",)}
    assert hia_user1.get_username() == user.username  # 5.3.3.10
    # 6.3: recorder control with the manual's calls
    recorder_handler = UserRoom_Recorder_Handler(manual_customer, api_config)
    deadline = time.monotonic() + WAIT_S
    while recorder_handler.get_recorder(recorder_id)["packets_count"] < len(items) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [r["id"] for r in recorder_handler.list_recorders(user.username)["pager"]["items"]] == [recorder_id]
    assert manual_macros.stop_recording(manual_customer, recorder_id)["status"] == "stopped"  # 6.2.1.2 blocks
    hia_user1.disconnect()  # 5.3.3.8
    assert not hia_user1.is_connected()
    # 7.3 + 7.2: exporter handler, then urllib.request.urlretrieve of the signed link
    exporter_handler = UserRoom_Recorder_Exporter_Handler(manual_customer, api_config)
    exporter = exporter_handler.create_exporter(str(recorder_id), EXPORT_CONFIG)
    deadline = time.monotonic() + WAIT_S
    while exporter["status"] != "exported" and time.monotonic() < deadline:
        assert exporter["status"] != "failed", exporter
        time.sleep(0.1)
        exporter = exporter_handler.get_exporter(str(exporter["id"]))
    assert [e["id"] for e in exporter_handler.list_exporters(user.username)["pager"]["items"]] == [exporter["id"]]
    url = exporter_handler.get_exported_url(str(exporter["id"]))["url"]  # 9.2: not get_exporter_url(...)
    urllib.request.urlretrieve(url, tmp_path / "filename.csv")
    frame = load_export(tmp_path / "filename.csv")
    assert sorted(frame[["X", "Y", "Z"]].to_numpy().tolist()) == [r[:3] for r in rows]
    assert exporter_handler.delete_exporter(str(exporter["id"])) is True
    assert manual_macros.delete_recording(manual_customer, recorder_id) is True


def test_background_errors_surface_and_threads_end_with_the_connection(customer: Customer, closing) -> None:  # type: ignore[no-untyped-def]
    from braindock.clients.neurospeed import BackgroundError

    _, _, auth = new_user_auth(customer, closing, hia_id=f"BG{uuid.uuid4().hex[:6].upper()}")
    # a failing data callback of a room: re-raised by the next call (here disconnect, after closing)
    failures = Inbox()

    def broken(payload: dict[str, Any]) -> None:
        failures(payload)
        raise KeyError("no_such_key")

    room = UserRoom_AS_User_Handler(auth)
    room.set_data_external_handler(broken)
    room.connect()
    dispatcher = room._dispatcher
    assert dispatcher is not None and dispatcher.is_alive()

    # a failing connection callback of an HIA with an error handler: reported there, nothing raised later
    reported = Inbox()
    hia = HIA_Client(auth, sensor("EEG_BGERRS", 2))
    hia.set_error_external_handler(reported)
    hia.set_socket_connection_external_handler(lambda client: 1 / 0)
    hia.connect()
    error = reported.wait_for(lambda items: len(items) == 1, "the reported callback error")[0]
    assert isinstance(error, BackgroundError) and isinstance(error.error, ZeroDivisionError)
    with pytest.raises(ValueError, match="not a number"):
        hia.send_data([1.0, "x"], "EEG_BGERRS")  # refused when queued: the sender cannot fail on it later
    with pytest.raises(ValueError, match="dtype"):
        hia.send_data(np.array([["a", "b"]]), "EEG_BGERRS")
    hia.send_data([1.0, 2.0], "EEG_BGERRS")
    failures.wait_for(lambda items: len(items) >= 1, "the broken data callback")
    sender = hia._sender
    assert sender is not None and sender.is_alive()

    # the newest HIA with the same hia_id wins (D7): the old one is disconnected for good and its sender ends
    ended = Inbox()
    hia.set_socket_disconnect_external_handler(ended)
    newer = closing(HIA_Client(auth, sensor("EEG_BGERRS", 2)))
    newer.connect()
    ended.wait_for(lambda items: items == [hia], "the old HIA's disconnect handler")
    sender.join(WAIT_S)
    assert not sender.is_alive() and not hia.is_connected()
    hia.disconnect()  # nothing pending: the error went to the handler
    newer.disconnect()

    with pytest.raises(BackgroundError, match="no_such_key") as raised:
        room.disconnect()
    assert isinstance(raised.value.error, KeyError)
    assert not dispatcher.is_alive() and not room.is_connected()
    room.disconnect()  # reported once only
