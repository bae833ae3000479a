"""Downlink rooms over real Socket.IO connections (``neurospeed.md`` 6.11, 6.11a, D23)."""

from __future__ import annotations

import pytest

from tests.neurospeed.conftest import Customer, Socket, User, open_socket

USER_PATH = "target_is_downlink_room_as_user"
CUSTOMER_PATH = "target_is_downlink_room_as_customer"


def listening(socket: Socket, closing) -> Socket:  # type: ignore[no-untyped-def]
    closing(socket)
    assert socket.refused is None, socket.refused
    for name in ("downlink", "downlink_error"):
        socket.client.on(name, lambda payload=None, _name=name: socket.record(_name, payload))
    return socket


def user_side(user: User, closing) -> Socket:  # type: ignore[no-untyped-def]
    """A user machine on the downlink room, token in the header as client 2.3.5 sends it (6.3)."""
    return listening(open_socket(user.customer.server.url, USER_PATH, headers={"jwt_token": user.access}), closing)


def customer_side(customer: Customer, username: str, closing) -> Socket:  # type: ignore[no-untyped-def]
    headers = {"jwt_token": customer.access, "username": username}
    return listening(open_socket(customer.server.url, CUSTOMER_PATH, headers=headers), closing)


def test_customer_router_reaches_every_user_socket_of_that_user_only(acme: Customer, closing) -> None:
    alice, carol = acme.create_user(), acme.create_user()
    alice_one, alice_two = user_side(alice, closing), user_side(alice, closing)
    carols = user_side(carol, closing)
    to_alice = customer_side(acme, alice.username, closing)
    to_carol = customer_side(acme, carol.username, closing)
    to_alice.client.emit("router", {"cmd": "beep", "level": 3})
    to_alice.client.emit("router", "plain text")
    for socket in (alice_one, alice_two):
        assert socket.wait_count("downlink", 2) == [{"cmd": "beep", "level": 3}, "plain text"]
    to_carol.client.emit("router", "for carol")
    assert carols.wait_count("downlink", 1) == ["for carol"]
    assert to_alice.of("downlink") == [] and to_carol.of("downlink") == []


def test_user_router_reaches_other_user_sockets_not_sender_nor_customer(acme: Customer, closing) -> None:
    alice = acme.create_user()
    sender, peer = user_side(alice, closing), user_side(alice, closing)
    customer = customer_side(acme, alice.username, closing)
    sender.client.emit("router", [1, 2, "three"])
    assert peer.wait_count("downlink", 1) == [[1, 2, "three"]]
    # Barrier: the customer's next message reaches the sender alone, so the first one was never echoed to it.
    customer.client.emit("router", "marker")
    assert sender.wait_count("downlink", 1) == ["marker"]
    assert peer.wait_count("downlink", 2)[1] == "marker"
    assert customer.of("downlink") == []


def test_query_string_credentials_and_other_customer_isolation(acme: Customer, globex: Customer, closing) -> None:
    alice = acme.create_user()
    mallory = globex.create_user()
    url = acme.server.url
    alices = listening(open_socket(url, USER_PATH, query={"jwt_token": alice.access}), closing)
    mallorys = user_side(mallory, closing)
    query = {"jwt_token": acme.access, "username": alice.username}
    sender = listening(open_socket(url, CUSTOMER_PATH, query=query), closing)
    sender.client.emit("router", "legacy")
    assert alices.wait_count("downlink", 1) == ["legacy"]
    customer_side(globex, mallory.username, closing).client.emit("router", "marker")
    assert mallorys.wait_count("downlink", 1) == ["marker"]


@pytest.mark.parametrize(
    ("path", "credentials", "needle"),
    [
        (USER_PATH, lambda c, u, o: {"jwt_token": "garbage"}, "Unauthorized"),
        (USER_PATH, lambda c, u, o: {"jwt_token": c.access}, "Unauthorized"),
        (CUSTOMER_PATH, lambda c, u, o: {"jwt_token": u.access, "username": u.username}, "Unauthorized"),
        (CUSTOMER_PATH, lambda c, u, o: {"jwt_token": c.access}, "username is required"),
        (CUSTOMER_PATH, lambda c, u, o: {"jwt_token": o.access, "username": u.username}, "not found"),
    ],
    ids=["bad-token", "customer-token-on-user-path", "user-token-on-customer-path", "no-username", "other-tenant"],
)
def test_refusals(acme: Customer, globex: Customer, closing, path: str, credentials, needle: str) -> None:  # type: ignore[no-untyped-def]
    user = acme.create_user()
    socket = open_socket(acme.server.url, path, headers=credentials(acme, user, globex))
    closing(socket)
    assert socket.refused is not None and not socket.client.connected
    assert needle in socket.refused["message"]


def test_oversized_router_payload_is_dropped(acme: Customer, closing) -> None:
    alice = acme.create_user()
    receiver = user_side(alice, closing)
    sender = customer_side(acme, alice.username, closing)
    sender.client.emit("router", "x" * 70_000)
    (error,) = sender.wait_count("downlink_error", 1)
    assert "at most 65536 bytes" in error["message"]
    sender.client.emit("router", "small")
    assert receiver.wait_count("downlink", 1) == ["small"]
