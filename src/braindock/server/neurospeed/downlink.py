"""NeuroSpeed downlink rooms (``neurospeed.md`` 6.11, 6.11a, D23).

| path | credentials (header first, then query, 6.3) | events |
|---|---|---|
| ``/target_is_downlink_room_as_user/`` | user ``jwt_token`` | gets ``downlink`` (1 arg), may emit ``router`` (1) |
| ``/target_is_downlink_room_as_customer/`` | customer ``jwt_token`` + ``username`` of its user | may emit ``router`` |

Both join the downlink room of that user (:func:`downlink_room`). Fan-out of ``router(payload)``, payload
forwarded unchanged (strings and objects alike):

* from a user-side socket → ``downlink(payload)`` to every *other* user-side socket of the room;
* from a customer-side socket → ``downlink(payload)`` to every user-side socket of the room.

Customer-side sockets never receive ``downlink``. Payloads over :data:`MAX_ROUTER_BYTES` of JSON are dropped
and the sender gets ``downlink_error {"message"}`` (an extra event the official client ignores). These rooms
are unrelated to ``/hia`` (``ssr_downlink`` is the HTTP path, :mod:`.routes_ssr`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import socketio
from socketio.exceptions import ConnectionRefusedError as Refused

from braindock.server.neurospeed.auth import Principal
from braindock.server.storage.neurospeed_models import NsUser

log = logging.getLogger("braindock.neurospeed.downlink")

#: Largest ``router`` payload forwarded, as UTF-8 JSON (6.11, D10).
MAX_ROUTER_BYTES = 65_536
PATHS = ("target_is_downlink_room_as_user", "target_is_downlink_room_as_customer")


def downlink_room(user_id: int) -> str:
    """Name of the Socket.IO downlink room of user ``user_id``: ``"downlink:<user_id>"`` (``neurospeed.md`` 6.11)."""
    return f"downlink:{user_id}"


class DownlinkRooms:
    """The two downlink Socket.IO servers.

    Args:
        as_user, as_customer: the servers of the two paths (created by the hub with its settings).
        principal: ``await principal(token)`` → the token's :class:`Principal` or ``None``.
        user_id_of: ``user_id_of(customer_id, username)`` → the user's id or ``None`` (blocking; run in a thread).
        credential: ``credential(environ, name)`` → handshake value from header or query.
    """

    def __init__(
        self,
        as_user: socketio.AsyncServer,
        as_customer: socketio.AsyncServer,
        principal: Callable[[str | None], Any],
        user_id_of: Callable[[int, str], int | None],
        credential: Callable[[dict[str, Any], str], str | None],
    ) -> None:
        self.as_user = as_user
        self.as_customer = as_customer
        self._principal = principal
        self._user_id_of = user_id_of
        self._credential = credential
        self._rooms: dict[tuple[str, str], str] = {}  # (side, sid) -> room
        as_user.on("connect", self._user_connect)
        as_user.on("disconnect", lambda sid, *_: self._rooms.pop(("user", sid), None))
        as_user.on("router", self._user_router)
        as_customer.on("connect", self._customer_connect)
        as_customer.on("disconnect", lambda sid, *_: self._rooms.pop(("customer", sid), None))
        as_customer.on("router", self._customer_router)

    def servers(self) -> dict[str, socketio.AsyncServer]:
        """The two Socket.IO servers by namespace path (without slashes): as-user first, then as-customer."""
        return dict(zip(PATHS, (self.as_user, self.as_customer), strict=True))

    async def _user_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        principal: Principal | None = await self._principal(self._credential(environ, "jwt_token"))
        if principal is None or principal.user is None:
            raise Refused("Unauthorized: a valid user jwt_token is required")
        room = downlink_room(principal.user.id)
        self._rooms[("user", sid)] = room
        await self.as_user.enter_room(sid, room)

    async def _customer_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        principal: Principal | None = await self._principal(self._credential(environ, "jwt_token"))
        if principal is None or not principal.is_customer:
            raise Refused("Unauthorized: a valid customer jwt_token is required")
        username = self._credential(environ, "username")
        if not username:
            raise Refused("username is required")
        user_id = await asyncio.to_thread(self._user_id_of, principal.customer.id, username)
        if user_id is None:
            raise Refused(f"user {username} not found")
        self._rooms[("customer", sid)] = downlink_room(user_id)

    async def _forward(self, server: socketio.AsyncServer, side: str, sid: str, payload: Any) -> None:
        room = self._rooms.get((side, sid))
        if room is None:
            return
        size = len(json.dumps(payload, ensure_ascii=False).encode())
        if size > MAX_ROUTER_BYTES:
            log.warning("dropped a %d-byte router message for %s (limit %d)", size, room, MAX_ROUTER_BYTES)
            message = f"router payload is {size} bytes; at most {MAX_ROUTER_BYTES} bytes are forwarded"
            await server.emit("downlink_error", {"message": message}, to=sid)
            return
        skip = sid if side == "user" else None
        await self.as_user.emit("downlink", payload, room=room, skip_sid=skip)

    async def _user_router(self, sid: str, payload: Any = None, *_: Any) -> None:
        await self._forward(self.as_user, "user", sid, payload)

    async def _customer_router(self, sid: str, payload: Any = None, *_: Any) -> None:
        await self._forward(self.as_customer, "customer", sid, payload)


def user_id_lookup(database: Callable[[], Any]) -> Callable[[int, str], int | None]:
    """``(customer_id, username) -> user id | None`` against the metadata store."""

    def find(customer_id: int, username: str) -> int | None:
        with database().session() as db:
            user = db.query(NsUser).filter_by(customer_id=customer_id, username=username).one_or_none()
            return None if user is None else user.id

    return find
