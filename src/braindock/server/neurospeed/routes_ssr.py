"""NeuroSpeed SSR (server-side reactor): HTTP-triggered commands to a connected HIA (``neurospeed.md`` 3.5, 6.8).

Customer token (C, 3.9 rows 15-16); the target user is looked up inside the caller's customer, so another
customer's user answers 404 (D5).

* ``POST /api/gateway/ssr/stream_state`` — JSON/form ``{username, hia_id, stream_id, stream_state}`` with
  ``stream_state`` ∈ ``enabled|disabled``. Updates the server's copy of that stream's ``stream_state`` (7.8:
  the ``/hia`` uplink drops packets of a disabled stream, D9) and emits ``ssr_stream_state``
  ``{"<stream_id>": "<state>"}`` (one key) to that HIA's ``/hia`` socket.
* ``POST /api/gateway/ssr/downlink`` — ``{username, hia_id, payload}``; ``payload`` (normally the JSON text of
  the caller's object) is forwarded unchanged as the one argument of ``ssr_downlink`` (D22); at most
  :data:`MAX_DOWNLINK_BYTES` bytes of JSON (D10) → else 413.

Both answer ``{"delivered": true}`` (D21). Errors: 400 missing/invalid field, 404 unknown user, HIA not
connected (``"HIA not connected: ..."``) or unknown stream, 413 oversized payload.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from braindock.server.neurospeed import accounts
from braindock.server.neurospeed.errors import NsBadRequest, NsNotFound, NsTooLarge
from braindock.server.neurospeed.http import authenticate, read_body, require_token
from braindock.server.neurospeed.rooms import HiaSession
from braindock.server.neurospeed.validation import STREAM_STATES

router = APIRouter(prefix="/api/gateway/ssr", tags=["neurospeed: ssr"], dependencies=[Depends(require_token)])

#: Largest ``ssr_downlink`` payload, measured as UTF-8 JSON (3.5, D10).
MAX_DOWNLINK_BYTES = 65_536


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise NsBadRequest(f"{name} is required (a non-empty string)")
    return value


async def _target(request: Request, body: dict[str, Any]) -> HiaSession:
    """The connected HIA ``body.hia_id`` of the caller's user ``body.username``.

    Raises:
        NsBadRequest: missing ``username``/``hia_id`` (400).
        NsNotFound: no such user in the caller's customer, or that HIA is not connected (404).
    """
    username, hia_id = _text(body, "username"), _text(body, "hia_id")

    def find() -> int:
        with request.app.state.services.database.session() as session:
            principal = authenticate(request, session)
            return accounts.get_user_by_name(session, principal.customer, username).id

    user_id = await run_in_threadpool(find)
    target = request.app.state.neurospeed.hub.session_of(user_id, hia_id)
    if target is None:
        raise NsNotFound(f"HIA not connected: user {username} has no connected HIA {hia_id}")
    return target


@router.post("/stream_state", summary="Enable/disable a stream of a connected HIA (emits ssr_stream_state)")
async def stream_state(request: Request) -> dict[str, Any]:
    """``POST /api/gateway/ssr/stream_state`` ``{username, hia_id, stream_id, stream_state}`` (3.5, 7.8).

    Records the stream's new state (a disabled stream's packets are then dropped) and emits ``ssr_stream_state``
    ``{stream_id: state}`` to the HIA's ``/hia`` socket. Returns 200 ``{"delivered": true}``.

    Raises:
        NsBadRequest: a field missing, or ``stream_state`` not ``enabled``/``disabled`` (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
        NsNotFound: unknown user, HIA not connected, or unknown stream on it (404).
    """
    body = await read_body(request)
    stream_id = _text(body, "stream_id")
    state = body.get("stream_state")
    if state not in STREAM_STATES:
        raise NsBadRequest(f"stream_state must be one of {', '.join(STREAM_STATES)}, not {state!r}")
    target = await _target(request, body)
    sensor = target.sensors.get(stream_id)
    if sensor is None:
        raise NsNotFound(f"stream {stream_id} not found on HIA {target.hia_id} of user {target.username}")
    sensor.info["stream_state"] = state  # from now on the uplink honours it (7.8)
    await request.app.state.neurospeed.hub.emit_to_hia(target, "ssr_stream_state", {stream_id: state})
    return {"delivered": True}


@router.post("/downlink", summary="Send an opaque payload to a connected HIA (emits ssr_downlink)")
async def downlink(request: Request) -> dict[str, Any]:
    """``POST /api/gateway/ssr/downlink`` ``{username, hia_id, payload}`` (``neurospeed.md`` 3.5, 6.8).

    Emits ``ssr_downlink(payload)`` unchanged to the HIA's ``/hia`` socket. Returns 200 ``{"delivered": true}``.

    Raises:
        NsBadRequest: ``payload``, ``username`` or ``hia_id`` missing (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
        NsNotFound: unknown user or HIA not connected (404). NsTooLarge: payload over 65,536 bytes of JSON (413).
    """
    body = await read_body(request)
    if "payload" not in body or body["payload"] is None:
        raise NsBadRequest("payload is required (the JSON text of the message)")
    payload = body["payload"]
    size = len(json.dumps(payload, ensure_ascii=False).encode())
    if size > MAX_DOWNLINK_BYTES:
        raise NsTooLarge(f"payload is {size} bytes; at most {MAX_DOWNLINK_BYTES} bytes are allowed")
    target = await _target(request, body)
    await request.app.state.neurospeed.hub.emit_to_hia(target, "ssr_downlink", payload)
    return {"delivered": True}
