"""The NeuroSpeed Socket.IO servers: ``/hia`` uplink and the user/customer rooms (``neurospeed.md`` 6).

One python-socketio :class:`socketio.AsyncServer` per path (6.1): Socket.IO protocol 5 over Engine.IO 4, the
revision spoken by the official client's python-socketio 5.3.0. :class:`SocketMount` is a plain ASGI
middleware that sends HTTP/WebSocket requests under those paths to the matching server and everything else
(including ``lifespan``) to the FastAPI app, so one port serves both.

| path | credentials (header first, then query, 6.3) | room |
|---|---|---|
| ``/hia/`` | user ``jwt_token`` (or an unexpired user ``jwt_refresh_token``, D2), ``hia_id``, ``sensors_info`` | — |
| ``/target_is_user_room_as_user/`` | user ``jwt_token`` | the user's room |
| ``/target_is_user_room_as_customer/`` | customer ``jwt_token`` + ``username`` of one of its users | that user's room |
| ``/target_is_customer_room/`` | customer ``jwt_token`` | the customer room |

A refresh token admits an HIA even after it was rotated at ``/api/auth/refresh_token`` (until it expires):
the official HIA keeps the tokens it started with for every automatic reconnection (2.8).

Refusals are namespace-level ``CONNECT_ERROR {"message": ...}`` (6.4). Tokens are checked only at the
handshake (2.8) and never logged.

Every ``pipeline`` packet is checked against the connection's and its stream's rate limits
(:class:`~braindock.server.neurospeed.limits.PacketRateLimiter`, D10) and then validated
(:func:`~braindock.server.neurospeed.validation.parse_packet`); a dropped packet is answered with a
``pipeline_error`` event naming the problem and its number on the connection, never with a disconnect (D9).
Accepted packets reach the user rooms as ``data`` through :class:`~braindock.server.neurospeed.live.LiveDelivery`,
which skips a listener whose send queue is behind and later tells it how many it missed (``data_dropped``).

The downlink rooms ``/target_is_downlink_room_as_user/`` and ``/target_is_downlink_room_as_customer/`` (6.11)
are :class:`~braindock.server.neurospeed.downlink.DownlinkRooms` (``hub.downlink``); the SSR commands
``ssr_stream_state`` / ``ssr_downlink`` (3.5, :mod:`.routes_ssr`) use :meth:`HiaHub.session_of` and
:meth:`HiaHub.emit_to_hia`. Accepted packets are offered to every callback registered with
:meth:`HiaHub.subscribe` (the recorder's hook).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

import socketio
from socketio.exceptions import ConnectionRefusedError as Refused
from sqlalchemy import select

from braindock.server.neurospeed.auth import Principal, TokenService
from braindock.server.neurospeed.downlink import DownlinkRooms, user_id_lookup
from braindock.server.neurospeed.json_codec import JsonModule
from braindock.server.neurospeed.live import LiveDelivery
from braindock.server.neurospeed.rooms import HiaSession, customer_room, data_event, presence_event, user_room
from braindock.server.neurospeed.validation import (
    MAX_NAME_CHARS,
    Packet,
    ValidationError,
    check_hia_id,
    parse_packet,
    parse_sensors_info,
)
from braindock.server.storage.database import Database
from braindock.server.storage.models import utcnow
from braindock.server.storage.neurospeed_models import NsHiaConnection, NsUser

log = logging.getLogger("braindock.neurospeed.socket")

#: Engine.IO frame limit (6.6, D10): python-engineio's 1 MB default would drop backlog flushes.
MAX_FRAME_BYTES = 16_000_000
#: Application-level ``ping`` cadence in seconds (6.7, D25).
PING_INTERVAL_S = 15.0
PATHS = ("hia", "target_is_user_room_as_user", "target_is_user_room_as_customer", "target_is_customer_room")

PacketListener = Callable[[HiaSession, Packet, dict[str, Any]], Awaitable[None] | None]


def credential(environ: dict[str, Any], name: str) -> str | None:
    """Handshake value ``name`` from the header (``HTTP_<NAME>``) or else the query string (6.3)."""
    value = environ.get("HTTP_" + name.upper())
    if value:
        return value
    values = parse_qs(environ.get("QUERY_STRING", "")).get(name)
    return values[0] if values else None


class JsonPacket(socketio.packet.Packet):
    """Socket.IO packets whose data is JSON only (every event braindock emits is JSON; neurospeed.md 6.1: text
    frames only). python-socketio's default packet scans the whole payload recursively for ``bytes`` on every
    emit to decide on binary attachments; for a ``data`` event of 64 rows that scan costs more than encoding it.
    Their JSON is :mod:`.json_codec` (orjson)."""

    json = JsonModule

    @classmethod
    def data_is_binary(cls, data: Any) -> bool:
        """Only a top-level ``bytes`` payload counts as binary (braindock never emits one)."""
        return isinstance(data, bytes | bytearray)


def _server(async_handlers: bool = True) -> socketio.AsyncServer:
    return socketio.AsyncServer(
        async_mode="asgi",
        serializer=JsonPacket,
        cors_allowed_origins="*",
        max_http_buffer_size=MAX_FRAME_BYTES,
        async_handlers=async_handlers,
        logger=False,
        engineio_logger=False,
    )


class HiaHub:
    """The Socket.IO servers (four here, two in ``downlink``) and the registry of connected HIAs.

    Args:
        database: returns the metadata store (available once the app has started).
        tokens: returns the :class:`TokenService` (available once the app has started).
    """

    def __init__(self, database: Callable[[], Database], tokens: Callable[[], TokenService]) -> None:
        self._database = database
        self._tokens = tokens
        # /hia handlers run one at a time so packets keep their order (6.6).
        self.hia = _server(async_handlers=False)
        self.as_user = _server()
        self.as_customer = _server()
        self.customer = _server()
        self.sessions: dict[str, HiaSession] = {}
        self._by_hia: dict[tuple[int, str], str] = {}
        self._listeners: list[PacketListener] = []
        self._ping_task: asyncio.Task | None = None
        #: ``data`` to the user rooms, shedding listeners that fall behind (limits set by ``NeuroSpeed.start``).
        self.live = LiveDelivery()
        #: the cognitive-analysis engine (set by ``NeuroSpeed``; ``None``: no ``cognitive_analysis`` values).
        self.insights: Any = None
        #: ``raw_data`` access flag of a customer id (set by ``NeuroSpeed``; ``None``: always on).
        self.raw_data_access: Callable[[int], bool] | None = None
        #: customer id → its ``insights`` access flag (:mod:`.access`); read once per HIA connection: with the flag
        #: off the connection gets no insight engine (``output.cognitive_analysis`` stays ``{}``).
        self.insights_access: Callable[[int], bool] | None = None
        self._register()
        self.downlink = DownlinkRooms(_server(), _server(), self._principal, user_id_lookup(database), credential)

    # -- extension points -------------------------------------------------------------------------------

    def subscribe(self, listener: PacketListener) -> None:
        """Call ``listener(session, packet, data_event)`` for every accepted packet (recorder hook)."""
        self._listeners.append(listener)

    def session_of(self, user_id: int, hia_id: str) -> HiaSession | None:
        """The connected HIA ``hia_id`` of a user, if any (SSR hook, 3.5)."""
        sid = self._by_hia.get((user_id, hia_id))
        return self.sessions.get(sid) if sid else None

    async def emit_to_hia(self, session: HiaSession, event: str, payload: Any) -> None:
        """Send ``event`` with one argument to one HIA socket (``ssr_stream_state``/``ssr_downlink``, 6.8)."""
        await self.hia.emit(event, payload, to=session.sid)

    def connected_user_ids(self, customer_id: int) -> set[int]:
        """Users of ``customer_id`` with at least one HIA connected (3.4, D24)."""
        return {s.user_id for s in self.sessions.values() if s.customer_id == customer_id}

    def servers(self) -> dict[str, socketio.AsyncServer]:
        """Path (without slashes) → server."""
        servers = dict(zip(PATHS, (self.hia, self.as_user, self.as_customer, self.customer), strict=True))
        return {**servers, **self.downlink.servers()}

    # -- helpers ----------------------------------------------------------------------------------------

    async def _principal(self, token: str | None, typ: str = "access") -> Principal | None:
        if not token:
            return None

        def lookup() -> Principal | None:
            with self._database().session() as session:
                return self._tokens().principal(session, token, typ)

        return await asyncio.to_thread(lookup)

    async def _emit_user_room(self, user_id: int, event: str, payload: dict[str, Any]) -> None:
        """Emit to the user room on both user-room paths, skipping a path where nobody listens: python-socketio
        JSON-encodes the payload on every ``emit``, even to an empty room (a third of the per-packet CPU).
        ``data`` goes through :attr:`live`, which skips listeners that are behind (:mod:`.live`)."""
        room = user_room(user_id)
        for server in (self.as_user, self.as_customer):
            if server.manager.rooms.get("/", {}).get(room):
                if event == "data":
                    await self.live.emit(server, room, event, payload)
                else:
                    await server.emit(event, payload, room=room)

    def _register(self) -> None:
        self.hia.on("connect", self._hia_connect)
        self.hia.on("disconnect", self._hia_disconnect)
        self.hia.on("pipeline", self._hia_pipeline)
        self.hia.on("pong", self._hia_pong)
        self.as_user.on("connect", self._as_user_connect)
        self.as_user.on("disconnect", lambda sid, *_: self.live.forget(self.as_user, sid))
        self.as_customer.on("connect", self._as_customer_connect)
        self.as_customer.on("disconnect", lambda sid, *_: self.live.forget(self.as_customer, sid))
        self.customer.on("connect", self._customer_connect)

    # -- /hia -------------------------------------------------------------------------------------------

    async def _hia_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        principal = await self._principal(credential(environ, "jwt_token"))
        if principal is None:
            # D2: a reconnecting HIA whose access token expired may still hold a valid refresh token.
            principal = await self._principal(credential(environ, "jwt_refresh_token"), typ="refresh")
        if principal is None or principal.user is None:
            raise Refused("Unauthorized: jwt_token is missing, invalid or expired, or not a user token")
        try:
            hia_id = check_hia_id(credential(environ, "hia_id"))
        except ValidationError as exc:
            raise Refused(str(exc)) from None
        try:
            sensors = parse_sensors_info(credential(environ, "sensors_info"))
        except ValidationError as exc:
            log.warning("HIA %s of user %s refused: %s", hia_id, principal.user.username, exc)
            raise Refused(str(exc)) from None
        user = principal.user
        previous = self._by_hia.get((user.id, hia_id))
        session = HiaSession(sid, user.id, user.username, principal.customer.id, hia_id, sensors)
        session.insights = self.insights
        if self.insights_access is not None and not await asyncio.to_thread(
            self.insights_access, principal.customer.id
        ):
            session.insights = None
        self.sessions[sid] = session
        self._by_hia[(user.id, hia_id)] = sid
        if previous is not None and previous in self.sessions:
            log.info("HIA %s of user %s reconnected: disconnecting its previous socket (D7)", hia_id, user.username)
            await self.hia.disconnect(previous)  # its disconnect event goes out before this connect event
        skew = None
        local_time = credential(environ, "current_local_time")
        try:
            skew = time.time() - float(local_time) if local_time else None
        except ValueError:
            skew = None
        session.connection_id = await asyncio.to_thread(self._open_connection, session, skew)
        log.info("HIA %s of user %s connected with streams %s", hia_id, user.username, ", ".join(sensors))
        event = presence_event(session, "connect")
        await self._emit_user_room(user.id, "events", event)
        await self.customer.emit("hia_events", event, room=customer_room(session.customer_id))
        self._ensure_ping_loop()

    async def _hia_disconnect(self, sid: str, *_: Any) -> None:
        session = self.sessions.pop(sid, None)
        if session is None:
            return
        if self._by_hia.get((session.user_id, session.hia_id)) == sid:
            del self._by_hia[(session.user_id, session.hia_id)]
        if session.connection_id is not None:
            await asyncio.to_thread(self._close_connection, session.connection_id)
        if self.insights is not None:
            self.insights.forget(sid)
        log.info(
            "HIA %s of user %s disconnected (received %d, accepted %s, rejected %d of which %d over the rate limit, "
            "dropped while disabled %d)",
            session.hia_id,
            session.username,
            session.received,
            session.packets_counter,
            session.rejected,
            session.rate_limited,
            session.dropped_disabled,
        )
        event = presence_event(session, "disconnect")
        await self._emit_user_room(session.user_id, "events", event)
        await self.customer.emit("hia_events", event, room=customer_room(session.customer_id))

    async def _hia_pipeline(self, sid: str, packet: Any = None, *_: Any) -> None:
        """Handle one ``pipeline`` packet (6.6): rate limits, validation, then listeners and the user room.

        A packet over a rate limit (:class:`~.limits.PacketRateLimiter`) or failing validation is dropped and
        answered with ``pipeline_error`` ``{"message", "reason", "stream_id", "packet"}`` (``reason``
        ``rate_limited`` | ``invalid_packet`` | ``server_error``; ``packet`` is the 1-based number of the
        ``pipeline`` event on this connection); the connection stays open (D9). An accepted packet goes to the
        listeners (the recorder) **before** the user room, so a ``data`` event proves it was recorded.
        """
        session = self.sessions.get(sid)
        if session is None:
            return
        session.received += 1
        number = session.received
        stream_id = packet.get("stream_id") if isinstance(packet, dict) else None
        over = session.limiter.check(stream_id)
        if over is not None:
            session.rate_limited += 1
            await self._reject(session, number, stream_id, "rate_limited", over)
            return
        try:
            accepted = parse_packet(packet, session.sensors)
        except ValidationError as exc:
            await self._reject(session, number, stream_id, "invalid_packet", str(exc))
            return
        if not accepted.sensor.enabled:
            session.dropped_disabled += 1
            log.debug("HIA %s: dropped a packet of disabled stream %s", session.hia_id, accepted.sensor.stream_id)
            return
        try:
            event = data_event(session, accepted)
            for listener in self._listeners:
                result = listener(session, accepted, event)
                if result is not None:
                    await result
        except Exception:  # noqa: BLE001 - one packet's failure must not end the connection (D9)
            log.exception("HIA %s of user %s: packet %d failed", session.hia_id, session.username, number)
            await self._reject(session, number, stream_id, "server_error", "the server could not process this packet")
            return
        await self._emit_user_room(session.user_id, "data", event)

    async def _reject(self, session: HiaSession, number: int, stream_id: Any, reason: str, message: str) -> None:
        """Count a dropped packet, log it (at WARNING at most once a second per HIA), answer ``pipeline_error``."""
        session.rejected += 1
        now = time.monotonic()
        if now - session.last_warning >= 1.0:
            session.last_warning = now
            log.warning(
                "HIA %s of user %s: packet %d rejected (%s): %s [%d rejected so far, %d over the rate limit]",
                session.hia_id,
                session.username,
                number,
                reason,
                message,
                session.rejected,
                session.rate_limited,
            )
        else:
            log.debug("HIA %s: packet %d rejected (%s): %s", session.hia_id, number, reason, message)
        payload = {
            "message": message,
            "reason": reason,
            "stream_id": stream_id if isinstance(stream_id, str) and len(stream_id) <= MAX_NAME_CHARS else None,
            "packet": number,
        }
        await self.hia.emit("pipeline_error", payload, to=session.sid)

    async def _hia_pong(self, sid: str, *_: Any) -> None:
        session = self.sessions.get(sid)
        if session is not None:
            session.missed_pongs = 0

    def _ensure_ping_loop(self) -> None:
        if self._ping_task is None or self._ping_task.done():
            self._ping_task = asyncio.get_running_loop().create_task(self._ping_loop())

    async def _ping_loop(self) -> None:
        """Every :data:`PING_INTERVAL_S`, ``ping`` (no arguments, 6.7) every HIA; count missed pongs."""
        while self.sessions:
            await asyncio.sleep(PING_INTERVAL_S)
            for session in list(self.sessions.values()):
                session.missed_pongs += 1
                if session.missed_pongs == 4:
                    log.warning("HIA %s of user %s missed 3 pongs", session.hia_id, session.username)
                await self.hia.emit("ping", to=session.sid)

    def _open_connection(self, session: HiaSession, skew: float | None) -> int:
        with self._database().session() as db:
            row = NsHiaConnection(
                user_id=session.user_id,
                hia_id=session.hia_id,
                socket_id=session.sid,
                sensors=session.sensors_json(),
                is_connected=True,
                clock_skew_s=skew,
            )
            db.add(row)
            db.flush()
            return row.id

    def close_stale_connections(self) -> None:
        """Mark connection records still open from a previous server run as disconnected (no socket survives)."""
        with self._database().session() as db:
            for row in db.scalars(select(NsHiaConnection).where(NsHiaConnection.is_connected.is_(True))):
                row.is_connected = False
                row.disconnected_at = row.disconnected_at or utcnow()

    def _close_connection(self, connection_id: int) -> None:
        with self._database().session() as db:
            row = db.get(NsHiaConnection, connection_id)
            if row is not None:
                row.is_connected = False
                row.disconnected_at = utcnow()

    # -- rooms ------------------------------------------------------------------------------------------

    async def _as_user_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        principal = await self._principal(credential(environ, "jwt_token"))
        if principal is None or principal.user is None:
            raise Refused("Unauthorized: a valid user jwt_token is required")
        await self._check_raw_data(principal.customer.id)
        await self.as_user.enter_room(sid, user_room(principal.user.id))

    async def _as_customer_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        principal = await self._principal(credential(environ, "jwt_token"))
        if principal is None or not principal.is_customer:
            raise Refused("Unauthorized: a valid customer jwt_token is required")
        username = credential(environ, "username")
        if not username:
            raise Refused("username is required")
        await self._check_raw_data(principal.customer.id)

        def find() -> int | None:
            with self._database().session() as db:
                user = db.query(NsUser).filter_by(customer_id=principal.customer.id, username=username).one_or_none()
                return None if user is None else user.id

        user_id = await asyncio.to_thread(find)
        if user_id is None:
            raise Refused(f"user {username} not found")
        await self.as_customer.enter_room(sid, user_room(user_id))

    async def _check_raw_data(self, customer_id: int) -> None:
        """Refuse a user-room listener when the customer's ``raw_data`` access flag is off (3.3)."""
        if self.raw_data_access is not None and not await asyncio.to_thread(self.raw_data_access, customer_id):
            raise Refused("Forbidden: raw data access is off for this customer")

    async def _customer_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        principal = await self._principal(credential(environ, "jwt_token"))
        if principal is None or not principal.is_customer:
            raise Refused("Unauthorized: a valid customer jwt_token is required")
        await self.customer.enter_room(sid, customer_room(principal.customer.id))


class SocketMount:
    """ASGI middleware: ``/<path>/...`` of :data:`PATHS` → that Socket.IO server, everything else → ``app``.

    Args:
        app: the wrapped ASGI app (FastAPI's middleware stack).
        hub: the :class:`HiaHub` whose servers are mounted.
    """

    def __init__(self, app: Any, hub: HiaHub) -> None:
        self.app = app
        self._mounts = [
            (f"/{path}/", socketio.ASGIApp(server, socketio_path=path)) for path, server in hub.servers().items()
        ]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """ASGI entry point: route by path prefix (with or without the trailing ``/``)."""
        if scope["type"] in ("http", "websocket"):
            path = scope.get("path", "")
            path = path if path.endswith("/") else path + "/"
            for prefix, asgi in self._mounts:
                if path.startswith(prefix):
                    await asgi(scope, receive, send)
                    return
        await self.app(scope, receive, send)
