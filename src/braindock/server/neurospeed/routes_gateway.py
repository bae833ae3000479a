"""NeuroSpeed gateway presence (``shared/reference/neurospeed.md`` 3.4), customer token.

* ``GET /api/gateway/users/connected`` — users of the caller's customer with at least one live HIA socket
  (from the in-memory registry of the ``/hia`` server, D24): ``[{"id", "username"}, ...]`` by username.
* ``POST /api/gateway/connections`` — pager envelope of HIA connection records (live and historical), newest
  first; ``filters.is_connected`` true keeps live ones only, ``filters.usernames`` (non-empty list) keeps those
  users only. Each item: ``{id, username, hia_id, socket_id, is_connected, sensors: [{stream_id, device_type,
  channel_count}], sensors_count, online: {hours, minutes}, connected_at, disconnected_at, updated_at}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from braindock.server.neurospeed.accounts import iso
from braindock.server.neurospeed.errors import NsBadRequest
from braindock.server.neurospeed.http import authenticate, pager_request, pager_response, read_body, require_token
from braindock.server.storage.models import utcnow
from braindock.server.storage.neurospeed_models import NsHiaConnection, NsUser

router = APIRouter(prefix="/api/gateway", tags=["neurospeed: gateway"], dependencies=[Depends(require_token)])


@router.get("/users/connected", summary="Users of the customer with at least one HIA connected")
async def connected_users(request: Request) -> list[dict[str, Any]]:
    """``GET /api/gateway/users/connected`` (``neurospeed.md`` 3.4): users with at least one live HIA socket.

    Returns:
        200 ``[{"id", "username"}, ...]`` ordered by username (``[]`` when none), from the in-memory ``/hia`` registry.

    Raises:
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
    """
    hub = request.app.state.neurospeed.hub

    def run() -> list[dict[str, Any]]:
        with request.app.state.services.database.session() as session:
            principal = authenticate(request, session)
            ids = hub.connected_user_ids(principal.customer.id)
            if not ids:
                return []
            users = session.scalars(select(NsUser).where(NsUser.id.in_(ids)).order_by(NsUser.username)).all()
            return [{"id": user.id, "username": user.username} for user in users]

    return await run_in_threadpool(run)


def _online(start: datetime, end: datetime | None) -> dict[str, int]:
    minutes = max(0, int(((end or utcnow()) - start).total_seconds() // 60))
    return {"hours": minutes // 60, "minutes": minutes % 60}


def connection_json(row: NsHiaConnection, username: str) -> dict[str, Any]:
    """One HIA connection record of 3.4."""
    sensors = [
        {"stream_id": stream_id, "device_type": info.get("device_type"), "channel_count": info.get("channel_count")}
        for stream_id, info in (row.sensors or {}).items()
    ]
    return {
        "id": row.id,
        "username": username,
        "hia_id": row.hia_id,
        "socket_id": row.socket_id,
        "is_connected": row.is_connected,
        "sensors": sensors,
        "sensors_count": len(sensors),
        "online": _online(row.connected_at, row.disconnected_at),
        "connected_at": iso(row.connected_at),
        "disconnected_at": iso(row.disconnected_at),
        "updated_at": iso(row.updated_at),
    }


@router.post("/connections", summary="Pager of the customer's HIA connections, filtered by is_connected/usernames")
async def connections(request: Request) -> dict[str, Any]:
    """``POST /api/gateway/connections`` (``neurospeed.md`` 3.4): pager of the customer's HIA connection records.

    Body ``{"pager", "filters": {"is_connected"?, "usernames"?}}``; returns the 3.0 pager envelope of
    :func:`connection_json` items, most recently updated first.

    Raises:
        NsBadRequest: bad pager, ``filters`` not an object or ``usernames`` not a list of strings (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
    """
    body = await read_body(request)
    number, size = pager_request(body)
    filters = body.get("filters") or {}
    if not isinstance(filters, dict):
        raise NsBadRequest("filters must be an object")
    usernames = filters.get("usernames") or []
    if not isinstance(usernames, list) or not all(isinstance(name, str) for name in usernames):
        raise NsBadRequest("filters.usernames must be a list of usernames")

    def run() -> dict[str, Any]:
        with request.app.state.services.database.session() as session:
            principal = authenticate(request, session)
            query = (
                select(NsHiaConnection, NsUser.username)
                .join(NsUser, NsUser.id == NsHiaConnection.user_id)
                .where(NsUser.customer_id == principal.customer.id)
            )
            if filters.get("is_connected") in (True, "true", "True", 1):
                query = query.where(NsHiaConnection.is_connected.is_(True))
            if usernames:
                query = query.where(NsUser.username.in_(usernames))
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.execute(
                query.order_by(NsHiaConnection.updated_at.desc(), NsHiaConnection.id.desc())
                .offset((number - 1) * size)
                .limit(size)
            ).all()
            items = [connection_json(row, username) for row, username in rows]
            return pager_response(total, number, size, items, filters)

    return await run_in_threadpool(run)
