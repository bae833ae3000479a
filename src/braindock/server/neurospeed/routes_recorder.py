"""NeuroSpeed recorder endpoints (``neurospeed.md`` 3.6; semantics in 4 and :mod:`.recorder`), customer token.

Every recorder is looked up inside the caller's customer: another customer's recorder answers 404.

* ``POST /api/gateway/recorder`` — JSON/form ``{username, recorder_name, unlimited}`` → 201 recorder object,
  already ``recording``; unknown user 404; user with a non-stopped recorder 409.
* ``PUT /api/gateway/recorder?id=`` — form/JSON ``status`` ∈ paused|pending|stopped → the updated recorder.
* ``DELETE /api/gateway/recorder?recorder_id=`` → ``true`` (soft delete, 4.6).
* ``GET /api/gateway/recorder/{id}`` → recorder object (deleted ones too, ``status: "stopped"``).
* ``POST /api/gateway/recorder/list`` — pager + ``filters.username`` → pager envelope of recorders.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from braindock.server.neurospeed import access, accounts
from braindock.server.neurospeed.errors import NsBadRequest
from braindock.server.neurospeed.http import authenticate, customer_page, read_body, require_token
from braindock.server.neurospeed.recorder import Recorders, recorder_json

router = APIRouter(
    prefix="/api/gateway",
    tags=["neurospeed: recorder"],
    dependencies=[Depends(require_token), access.needs("recordings")],
)


def _recorders(request: Request) -> Recorders:
    return request.app.state.neurospeed.recorders


def _database(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services.database


@router.post("/recorder/list", summary="Page of the customer's recorders; filters.username honoured")
async def list_recorders(request: Request) -> dict[str, Any]:
    """``POST /api/gateway/recorder/list`` (``neurospeed.md`` 3.6): pager of the customer's recorders.

    Body ``{"pager", "filters": {"username"?}}``; returns the 3.0 pager envelope of recorder objects (4.1),
    deleted ones left out, newest update first.

    Raises:
        NsBadRequest: bad pager or ``filters`` (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
    """
    return await customer_page(request, _recorders(request).list)


@router.post("/recorder", status_code=201, summary="Create a recorder for a user: {username, recorder_name, unlimited}")
async def create_recorder(request: Request) -> dict[str, Any]:
    """``POST /api/gateway/recorder`` ``{username, recorder_name, unlimited}`` (``neurospeed.md`` 3.6, 4.2, 4.3).

    Returns 201 with the recorder object (4.1), already ``recording``.

    Raises:
        NsBadRequest: ``username`` missing (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
        NsNotFound: no such user in the customer (404). NsConflict: the user has a recorder not stopped (409).
    """
    body = await read_body(request)
    username = body.get("username")
    if not isinstance(username, str) or not username:
        raise NsBadRequest("username is required")

    def run() -> dict[str, Any]:
        with _database(request).session() as session:
            principal = authenticate(request, session)
            user = accounts.get_user_by_name(session, principal.customer, username)
            row = _recorders(request).create(
                session, principal.customer, user, body.get("recorder_name"), body.get("unlimited", "true")
            )
            return recorder_json(row, user.username)

    return await run_in_threadpool(run)


@router.put("/recorder", summary="Change a recorder's status: query id, form status=paused|pending|stopped")
async def update_recorder(request: Request) -> dict[str, Any]:
    """``PUT /api/gateway/recorder?id=`` form/JSON ``status`` (``neurospeed.md`` 3.6, 4.2): change a recorder's state.

    Returns:
        200 with the updated recorder object (4.1).

    Raises:
        NsBadRequest: ``id`` missing or not an integer, ``status`` ``recording`` or unknown (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
        NsNotFound: no such recorder for this customer (404). NsConflict: paused/pending on a stopped one (409).
    """
    body = await read_body(request)
    recorder_id = request.query_params.get("id") or body.get("id")
    if recorder_id is None:
        raise NsBadRequest("query parameter id is required")

    def run() -> dict[str, Any]:
        with _database(request).session() as session:
            principal = authenticate(request, session)
            row, username = _recorders(request).get(session, principal.customer, recorder_id)
            _recorders(request).set_status(session, row, body.get("status"))
            session.flush()
            return recorder_json(row, username)

    return await run_in_threadpool(run)


@router.delete("/recorder", summary="Soft-delete a recorder: query recorder_id (stops it, removes its data)")
async def delete_recorder(request: Request) -> bool:
    """``DELETE /api/gateway/recorder?recorder_id=`` (``neurospeed.md`` 3.6, 4.6): soft-delete a recorder.

    Stops it and removes its packet files and exporters. Returns 200 ``true``.

    Raises:
        NsBadRequest: ``recorder_id`` missing or not an integer (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
        NsNotFound: no such recorder for this customer (404).
    """
    recorder_id = request.query_params.get("recorder_id") or request.query_params.get("id")
    if recorder_id is None:
        raise NsBadRequest("query parameter recorder_id is required")

    def run() -> bool:
        with _database(request).session() as session:
            principal = authenticate(request, session)
            row, _ = _recorders(request).get(session, principal.customer, recorder_id)
            _recorders(request).delete(session, row)
            return True

    return await run_in_threadpool(run)


@router.get("/recorder/{recorder_id}", summary="One recorder of the customer (status, counts, columns)")
async def get_recorder(request: Request, recorder_id: str) -> dict[str, Any]:
    """``GET /api/gateway/recorder/{recorder_id}`` (``neurospeed.md`` 3.6): the recorder object of 4.1 (deleted too).

    Raises:
        NsBadRequest: not an integer id (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
        NsNotFound: no such recorder for this customer (404).
    """

    def run() -> dict[str, Any]:
        with _database(request).session() as session:
            principal = authenticate(request, session)
            row, username = _recorders(request).get(session, principal.customer, recorder_id)
            return recorder_json(row, username)

    return await run_in_threadpool(run)
