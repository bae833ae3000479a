"""SSR commands to a connected HIA over HTTP (``neurospeed.md`` 3.5, 6.8, 7.8) against the live server."""

from __future__ import annotations

import json

import pytest

from tests.neurospeed.conftest import (
    Customer,
    Socket,
    barrier,
    connected_hia,
    eeg_sensor,
    open_user_room,
    rows,
    send,
)


def listen(socket: Socket, *names: str) -> Socket:
    """Record ``names`` events on an already connected socket (commands only arrive once the test sends them)."""
    for name in names:
        socket.client.on(name, lambda payload=None, _name=name: socket.record(_name, payload))
    return socket


def hia_of(user, closing, hia_id: str = "LAB3PC", sensors=None) -> Socket:  # type: ignore[no-untyped-def]
    sensors = sensors or {**eeg_sensor("EEG_AAAAAA"), **eeg_sensor("EEG_BBBBBB")}
    return listen(connected_hia(user, sensors, closing, hia_id=hia_id), "ssr_stream_state", "ssr_downlink")


def ssr(customer: Customer, what: str, body: dict, token: str | None = None):  # type: ignore[no-untyped-def]
    with customer.http(token) as api:
        return api.post(f"/gateway/ssr/{what}", json=body)


def test_stream_state_reaches_only_the_target_hia(acme: Customer, closing) -> None:
    alice, bob = acme.create_user(), acme.create_user()
    target = hia_of(alice, closing)
    other_hia = hia_of(alice, closing, hia_id="OTHER")
    bobs = hia_of(bob, closing)  # same hia_id, another user
    body = {"username": alice.username, "hia_id": "LAB3PC", "stream_id": "EEG_AAAAAA", "stream_state": "disabled"}
    response = ssr(acme, "stream_state", body)
    assert response.status_code == 200, response.text
    assert response.json() == {"delivered": True}
    assert target.wait_count("ssr_stream_state", 1) == [{"EEG_AAAAAA": "disabled"}]
    # Barriers: a later command to each other HIA arrives alone, so the first one never reached them.
    for socket, user, hia_id in [(other_hia, alice, "OTHER"), (bobs, bob, "LAB3PC")]:
        marker = {"username": user.username, "hia_id": hia_id, "payload": json.dumps({"marker": hia_id})}
        assert ssr(acme, "downlink", marker).status_code == 200
        assert socket.wait_count("ssr_downlink", 1) == [json.dumps({"marker": hia_id})]
        assert socket.of("ssr_stream_state") == []
    assert target.of("ssr_downlink") == []


def test_disabled_stream_is_dropped_until_enabled(acme: Customer, closing) -> None:
    alice = acme.create_user()
    room = open_user_room(alice)
    closing(room)
    hia = hia_of(alice, closing)
    room.wait_count("events", 1)
    state = {"username": alice.username, "hia_id": "LAB3PC", "stream_id": "EEG_AAAAAA"}
    assert ssr(acme, "stream_state", {**state, "stream_state": "disabled"}).status_code == 200
    hia.wait_count("ssr_stream_state", 1)
    send(hia, "EEG_AAAAAA", rows(1000.0, 1.0), "while-disabled")
    send(hia, "EEG_BBBBBB", rows(1000.0, 5.0), "other-stream")
    barrier(hia)
    (other,) = room.wait_count("data", 1)
    assert other["stream_id"] == "EEG_BBBBBB"
    assert ssr(acme, "stream_state", {**state, "stream_state": "enabled"}).status_code == 200
    assert hia.wait_count("ssr_stream_state", 2)[1] == {"EEG_AAAAAA": "enabled"}
    send(hia, "EEG_AAAAAA", rows(1001.0, 9.0), "after-enable")
    data = room.wait_count("data", 2)
    assert [event["experiment"]["packet_labels"] for event in data] == [["other-stream"], ["after-enable"]]
    assert data[1]["sensor_info"]["stream_state"] == "enabled"


@pytest.mark.parametrize(
    "payload",
    ['{"cmd": "beep"}', '"hello"', {"cmd": "beep", "level": 3}],
    ids=["json-object-text", "json-string-text", "object"],
)
def test_downlink_forwards_payload_unchanged(acme: Customer, closing, payload) -> None:  # type: ignore[no-untyped-def]
    alice = acme.create_user()
    hia = hia_of(alice, closing)
    response = ssr(acme, "downlink", {"username": alice.username, "hia_id": "LAB3PC", "payload": payload})
    assert response.status_code == 200, response.text
    assert response.json() == {"delivered": True}
    assert hia.wait_count("ssr_downlink", 1) == [payload]


def test_downlink_accepts_form_body(acme: Customer, closing) -> None:
    alice = acme.create_user()
    hia = hia_of(alice, closing)
    with acme.http() as api:
        body = {"username": alice.username, "hia_id": "LAB3PC", "payload": '{"cmd": "beep"}'}
        response = api.post("/gateway/ssr/downlink", data=body)
    assert response.status_code == 200, response.text
    assert hia.wait_count("ssr_downlink", 1) == ['{"cmd": "beep"}']


def test_ssr_errors(acme: Customer, globex: Customer, closing) -> None:
    alice = acme.create_user()
    hia = hia_of(alice, closing)
    base = {"username": alice.username, "hia_id": "LAB3PC", "stream_id": "EEG_AAAAAA", "stream_state": "disabled"}
    cases = [
        (acme, "stream_state", {**base, "stream_state": "off"}, 400, "stream_state must be one of enabled, disabled"),
        (acme, "stream_state", {**base, "stream_id": ""}, 400, "stream_id is required"),
        (acme, "stream_state", {k: v for k, v in base.items() if k != "hia_id"}, 400, "hia_id is required"),
        (acme, "stream_state", {**base, "username": "nobody_here"}, 404, "user nobody_here not found"),
        (acme, "stream_state", {**base, "hia_id": "ELSEWHERE"}, 404, "HIA not connected"),
        (acme, "stream_state", {**base, "stream_id": "EEG_ZZZZZZ"}, 404, "stream EEG_ZZZZZZ not found"),
        (globex, "stream_state", base, 404, f"user {alice.username} not found"),
        (acme, "downlink", {"username": alice.username, "hia_id": "LAB3PC"}, 400, "payload is required"),
        (acme, "downlink", {"username": alice.username, "hia_id": "X", "payload": "1"}, 404, "HIA not connected"),
        (globex, "downlink", {"username": alice.username, "hia_id": "LAB3PC", "payload": "1"}, 404, "not found"),
        (
            acme,
            "downlink",
            {"username": alice.username, "hia_id": "LAB3PC", "payload": "x" * 70_000},
            413,
            "at most 65536 bytes",
        ),
    ]
    for customer, what, body, status, needle in cases:
        response = ssr(customer, what, body)
        assert response.status_code == status, (body, response.text)
        assert needle in response.json()["message"], (body, response.text)
    assert ssr(acme, "downlink", {**base, "payload": "1"}, token=alice.access).status_code == 403
    assert ssr(acme, "downlink", {**base, "payload": "1"}, token="garbage").status_code == 401
    # Nothing above reached the HIA: the next valid command is the first one it gets.
    assert ssr(acme, "downlink", {"username": alice.username, "hia_id": "LAB3PC", "payload": '"ok"'}).status_code == 200
    assert hia.wait_count("ssr_downlink", 1) == ['"ok"']
    assert hia.of("ssr_stream_state") == []
