"""``/hia`` uplink, user rooms and customer room over real Socket.IO connections (``neurospeed.md`` 6, 7)."""

from __future__ import annotations

import json
import math

import pytest

from tests.neurospeed.conftest import (
    Customer,
    Socket,
    User,
    create_recorder,
    eeg_sensor,
    open_customer_room,
    open_hia,
    open_socket,
    open_user_room,
    open_user_room_as_customer,
    packet,
    put_status,
)


def connected(socket: Socket, closing) -> Socket:  # type: ignore[no-untyped-def]
    closing(socket)
    assert socket.refused is None, socket.refused
    assert socket.client.connected
    return socket


def refused(socket: Socket, closing) -> str:  # type: ignore[no-untyped-def]
    closing(socket)
    assert socket.refused is not None and not socket.client.connected
    return socket.refused["message"] if isinstance(socket.refused, dict) else str(socket.refused)


def test_hia_handshake_accepted_and_presence_broadcast(acme: Customer, closing) -> None:
    user = acme.create_user()
    room = connected(open_user_room(user), closing)
    as_customer = connected(open_user_room_as_customer(acme, user.username), closing)
    customer_room = connected(open_customer_room(acme), closing)
    sensors = eeg_sensor()
    hia = connected(open_hia(user, sensors, hia_id="HIA-one"), closing)
    for socket, event in [(room, "events"), (as_customer, "events"), (customer_room, "hia_events")]:
        (payload,) = socket.wait_count(event, 1)
        assert payload["type"] == "connect" and payload["username"] == user.username
        assert payload["hia_id"] == "HIA-one"
        assert payload["sensors"]["EEG_AAAAAA"]["channel_map"] == ["ch0", "ch1"]
    with acme.http() as api:
        assert {"id": user.id, "username": user.username} in api.get("/gateway/users/connected").json()
    hia.close()
    for socket, event in [(room, "events"), (customer_room, "hia_events")]:
        payloads = socket.wait_count(event, 2)
        assert payloads[1]["type"] == "disconnect" and payloads[1]["hia_id"] == "HIA-one"


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"channel_map": ["a", "b", "c"]}, "channel_map has 3 names, channel_count is 2"),
        ({"device_type": "ECG"}, "unknown device_type"),
        ({"sampling_frequency": None}, "sampling_frequency is required"),
        ({"channel_count": -2}, "positive integer"),
    ],
)
def test_hia_refused_for_bad_sensors_info(acme: Customer, closing, change: dict, needle: str) -> None:
    user = acme.create_user()
    sensors = eeg_sensor()
    sensors["EEG_AAAAAA"].update(change)
    assert needle in refused(open_hia(user, sensors), closing)


def test_hia_refused_without_valid_credentials(acme: Customer, closing) -> None:
    user = acme.create_user()
    bad_user = User(user.customer, user.id, user.username, "bad-token", "bad-refresh")
    assert "Unauthorized" in refused(open_hia(bad_user, eeg_sensor()), closing)
    customer_as_user = User(acme, 0, "x", acme.access, "none")
    assert "Unauthorized" in refused(open_hia(customer_as_user, eeg_sensor()), closing)
    headers = {"jwt_token": user.access, "sensors_info": json.dumps(eeg_sensor())}
    assert "hia_id" in refused(open_socket(acme.server.url, "hia", headers=headers), closing)
    headers = {"jwt_token": user.access, "hia_id": "X"}
    assert "sensors_info" in refused(open_socket(acme.server.url, "hia", headers=headers), closing)


def test_hia_with_expired_access_token_is_admitted_by_its_refresh_token(acme: Customer, closing) -> None:
    user = acme.create_user()
    connected(open_hia(user, eeg_sensor(), token="expired-or-garbage"), closing)


def test_packets_reach_the_user_room_with_exact_values(acme: Customer, closing) -> None:
    user = acme.create_user()
    room = connected(open_user_room(user), closing)
    as_customer = connected(open_user_room_as_customer(acme, user.username), closing)
    sensors = {
        **eeg_sensor("EEG_AAAAAA"),
        "user_data_BBBBBB": {"device_type": "user_data", "channel_count": 2, "channel_map": ["speed", "mode"]},
    }
    hia = connected(open_hia(user, sensors), closing)
    rows = [[12.5, -3.25, 1738575541.021484], [11.0, -2.5, 1738575541.02539]]
    hia.client.emit("pipeline", packet("EEG_AAAAAA", rows, labels=["phase one"]))
    hia.client.emit("pipeline", packet("user_data_BBBBBB", [[3.5, "fast", 1738575542.5]]))
    for socket in (room, as_customer):
        first, second = socket.wait_count("data", 2)
        assert first["stream_id"] == "EEG_AAAAAA" and first["device_type"] == "EEG"
        assert first["hia_id"] == "LAB3PC" and first["username"] == user.username
        assert first["data"] == {"sample": rows}
        assert first["sensor_info"] == {**sensors["EEG_AAAAAA"], "stream_state": "enabled"}
        assert first["experiment"] == {"packet_labels": ["phase one"], "onetime_labels": ["phase one"]}
        assert first["packets_counter"] == 1 and isinstance(first["server_timestamp"], float)
        assert set(first["output"]["brainwave_power"]) == {"delta", "theta", "alpha", "mu", "smr", "beta", "gamma"}
        # the insight engine has not computed a window yet (needs 4 s of EEG): every function is listed, null
        assert first["output"]["cognitive_analysis"] == {"eeg_engagement": None, "eeg_relaxation": None}
        # device type comes from sensor_info, not from the packet (which says EEG)
        assert second["device_type"] == "user_data" and second["output"] == {}
        assert second["data"] == {"sample": [[3.5, "fast", 1738575542.5]]}


def test_nan_and_infinity_reach_listeners_and_the_recording_as_sent(acme: Customer, closing) -> None:
    """Missing values (NaN, ±Infinity tokens of the official client's json.dumps, 7.4) stay floats on the way out:
    the fast JSON path would turn them into null (``json_codec``)."""
    user = acme.create_user()
    room = connected(open_user_room(user), closing)
    hia = connected(open_hia(user, eeg_sensor("EEG_AAAAAA")), closing)
    recorder = create_recorder(acme, user)
    rows = [[float("nan"), 1.5, 1738575541.0], [float("inf"), float("-inf"), 1738575541.5]]
    hia.client.emit("pipeline", packet("EEG_AAAAAA", rows))
    hia.client.emit("pipeline", packet("EEG_AAAAAA", [[2.5, 3.5, 1738575542.0]]))
    odd, plain = room.wait_count("data", 2)
    (nan, one_and_half, _), (inf, minus_inf, _) = odd["data"]["sample"]
    assert math.isnan(nan) and one_and_half == 1.5 and inf == math.inf and minus_inf == -math.inf
    assert plain["data"]["sample"] == [[2.5, 3.5, 1738575542.0]]
    assert put_status(acme, recorder["id"], "stopped").status_code == 200
    path = acme.server.data_dir / "recordings" / str(recorder["id"]) / "packets.jsonl"
    first, second = path.read_text().splitlines()
    assert "[NaN,1.5,1738575541.0],[Infinity,-Infinity,1738575541.5]" in first
    assert "NaN" not in second and "[2.5,3.5,1738575542.0]" in second


def test_rows_without_timestamp_are_stamped_by_the_server(acme: Customer, closing) -> None:
    user = acme.create_user()
    room = connected(open_user_room(user), closing)
    hia = connected(open_hia(user, eeg_sensor()), closing)
    hia.client.emit("pipeline", packet("EEG_AAAAAA", [[1.0, 2.0], [3.0, 4.0]]))
    (event,) = room.wait_count("data", 1)
    (a, b) = event["data"]["sample"]
    assert a[:2] == [1.0, 2.0] and b[:2] == [3.0, 4.0]
    assert b[2] - a[2] == pytest.approx(1 / 128) and b[2] > 1.7e9


def test_bad_packets_get_an_error_event_and_never_reach_a_room(acme: Customer, closing) -> None:
    user = acme.create_user()
    room = connected(open_user_room(user), closing)
    hia = connected(open_hia(user, eeg_sensor()), closing)
    bad = [
        packet("EEG_ZZZZZZ", [[1.0, 2.0, 3.0]]),
        packet("EEG_AAAAAA", [[1.0, 2.0, 3.0, 4.0]]),
        packet("EEG_AAAAAA", [[1.0, "x", 3.0]]),
        {**packet("EEG_AAAAAA", []), "data": {"sample": [[1.0, 2.0, 3.0]]}},
        "not an object",
    ]
    for payload in bad:
        hia.client.emit("pipeline", payload)
    errors = hia.wait_count("pipeline_error", len(bad))
    assert "unknown stream_id" in errors[0]["message"] and errors[0]["stream_id"] == "EEG_ZZZZZZ"
    assert "row 0 has 4 values" in errors[1]["message"]
    assert "non-numeric" in errors[2]["message"]
    assert "JSON string" in errors[3]["message"]
    hia.client.emit("pipeline", packet("EEG_AAAAAA", [[7.0, 8.0, 9.0]]))
    (only,) = room.wait_count("data", 1)  # /hia handles packets in order: the bad ones came first
    assert only["data"]["sample"] == [[7.0, 8.0, 9.0]] and only["packets_counter"] == 1
    assert "ZZZZZZ" in acme.server.log_path.read_text()


def test_disabled_streams_are_dropped(acme: Customer, closing) -> None:
    user = acme.create_user()
    room = connected(open_user_room(user), closing)
    sensors = {**eeg_sensor("EEG_OFF000"), **eeg_sensor("EEG_ON0000")}
    sensors["EEG_OFF000"]["stream_state"] = "disabled"
    hia = connected(open_hia(user, sensors), closing)
    hia.client.emit("pipeline", packet("EEG_OFF000", [[1.0, 1.0, 1.0]]))
    hia.client.emit("pipeline", packet("EEG_ON0000", [[2.0, 2.0, 2.0]]))
    (only,) = room.wait_count("data", 1)
    assert only["stream_id"] == "EEG_ON0000"


def test_rooms_are_isolated_between_users_and_customers(acme: Customer, globex: Customer, closing) -> None:
    alice, bob = acme.create_user(), acme.create_user()
    stranger = globex.create_user()
    alice_room = connected(open_user_room(alice), closing)
    bob_room = connected(open_user_room(bob), closing)
    bob_as_customer = connected(open_user_room_as_customer(acme, bob.username), closing)
    stranger_room = connected(open_user_room(stranger), closing)
    globex_room = connected(open_customer_room(globex), closing)
    acme_room = connected(open_customer_room(acme), closing)
    # another customer cannot listen to alice, even knowing her username; a user token is not a customer token
    assert refused(open_user_room_as_customer(globex, alice.username), closing)
    assert refused(
        open_socket(acme.server.url, "target_is_customer_room", headers={"jwt_token": alice.access}), closing
    )
    assert refused(
        open_socket(acme.server.url, "target_is_user_room_as_user", query={"jwt_token": acme.access}), closing
    )

    alice_hia = connected(open_hia(alice, eeg_sensor(), hia_id="ALICE"), closing)
    alice_hia.client.emit("pipeline", packet("EEG_AAAAAA", [[1.0, 1.0, 1.0]]))
    bob_hia = connected(open_hia(bob, eeg_sensor(), hia_id="BOB"), closing)
    bob_hia.client.emit("pipeline", packet("EEG_AAAAAA", [[2.0, 2.0, 2.0]]))
    stranger_hia = connected(open_hia(stranger, eeg_sensor(), hia_id="STRANGER"), closing)
    stranger_hia.client.emit("pipeline", packet("EEG_AAAAAA", [[3.0, 3.0, 3.0]]))

    assert [e["data"]["sample"] for e in alice_room.wait_count("data", 1)] == [[[1.0, 1.0, 1.0]]]
    assert [e["data"]["sample"] for e in bob_room.wait_count("data", 1)] == [[[2.0, 2.0, 2.0]]]
    assert [e["hia_id"] for e in bob_as_customer.wait_count("data", 1)] == ["BOB"]
    assert [e["data"]["sample"] for e in stranger_room.wait_count("data", 1)] == [[[3.0, 3.0, 3.0]]]
    assert [e["hia_id"] for e in acme_room.wait_count("hia_events", 2)] == ["ALICE", "BOB"]
    assert [e["hia_id"] for e in globex_room.wait_count("hia_events", 1)] == ["STRANGER"]
    # a final marker per room proves nothing else was queued before it
    alice_hia.client.emit("pipeline", packet("EEG_AAAAAA", [[9.0, 9.0, 9.0]]))
    assert [e["hia_id"] for e in alice_room.wait_count("data", 2)] == ["ALICE", "ALICE"]
    assert all(e["hia_id"] == "BOB" for e in bob_room.of("data") + bob_as_customer.of("data"))
    assert all(e["hia_id"] == "STRANGER" for e in stranger_room.of("data"))
    assert [e["hia_id"] for e in globex_room.of("hia_events")] == ["STRANGER"]
    with globex.http() as api:
        assert [u["username"] for u in api.get("/gateway/users/connected").json()] == [stranger.username]


def test_a_reconnecting_hia_replaces_its_previous_socket(acme: Customer, closing) -> None:
    user = acme.create_user()
    room = connected(open_user_room(user), closing)
    first = connected(open_hia(user, eeg_sensor(), hia_id="SAME"), closing)
    second = connected(open_hia(user, eeg_sensor(), hia_id="SAME"), closing)
    room.wait_for(lambda: [e["type"] for e in room.of("events")] == ["connect", "disconnect", "connect"], "kick")
    first.wait_for(lambda: not first.client.connected, "the old socket to be disconnected")
    second.client.emit("pipeline", packet("EEG_AAAAAA", [[5.0, 5.0, 5.0]]))
    assert room.wait_count("data", 1)[0]["data"]["sample"] == [[5.0, 5.0, 5.0]]


def test_eeg_band_power_is_plausible_for_a_10_hz_sine(acme: Customer, closing) -> None:
    user = acme.create_user()
    room = connected(open_user_room(user), closing)
    fs, amplitude = 128, 20.0
    hia = connected(open_hia(user, eeg_sensor(frequency=fs)), closing)
    rows = [
        [amplitude * math.sin(2 * math.pi * 10 * i / fs), 5.0 * math.sin(2 * math.pi * 20 * i / fs), 1.7e9 + i / fs]
        for i in range(2 * fs)
    ]
    for start in range(0, len(rows), 32):  # eight packets of 0.25 s
        hia.client.emit("pipeline", packet("EEG_AAAAAA", rows[start : start + 32]))
    events = room.wait_count("data", 8)
    assert all(v == 0.0 for band in events[0]["output"]["brainwave_power"].values() for v in band)
    power = events[-1]["output"]["brainwave_power"]
    assert max(("delta", "theta", "alpha", "beta", "gamma"), key=lambda band: power[band][0]) == "alpha"
    assert power["alpha"][0] == pytest.approx(amplitude**2 / 2, rel=0.15)
    assert max(("delta", "theta", "alpha", "beta", "gamma"), key=lambda band: power[band][1]) == "beta"
    assert power["beta"][1] == pytest.approx(5.0**2 / 2, rel=0.15)


def test_query_string_tokens_are_redacted_in_the_server_log(acme: Customer, closing) -> None:
    user = acme.create_user()
    room = connected(open_user_room(user), closing)
    room.wait_for(lambda: "jwt_token=REDACTED" in acme.server.log_path.read_text(), "the redacted WebSocket log line")
    log = acme.server.log_path.read_text()
    assert user.access not in log and acme.access not in log


def test_the_server_pings_every_hia_without_arguments(acme: Customer, closing) -> None:
    user = acme.create_user()
    hia = connected(open_hia(user, eeg_sensor()), closing)
    hia.wait_for(lambda: bool(hia.of("ping")), "an application-level ping (every 15 s)", timeout=60)
    assert hia.of("ping")[0] is None  # no arguments: the official client's handler takes none (6.5)
    hia.client.emit("pong")
    room = connected(open_user_room(user), closing)
    hia.client.emit("pipeline", packet("EEG_AAAAAA", [[4.0, 5.0, 6.0]]))
    assert room.wait_count("data", 1)[0]["data"]["sample"] == [[4.0, 5.0, 6.0]]  # still served after pong


def test_a_large_sensors_info_header_is_accepted(acme: Customer, closing) -> None:
    user = acme.create_user()
    sensors: dict = {}
    for index in range(60):  # about 14 KB in one header line, beyond the 8 KiB default of `websockets` (6.12)
        sensors.update(eeg_sensor(f"EEG_{index:06d}", channels=8, frequency=256))
    assert len(json.dumps(sensors)) > 12_000
    room = connected(open_user_room(user), closing)
    connected(open_hia(user, sensors), closing)
    assert len(room.wait_count("events", 1)[0]["sensors"]) == 60
