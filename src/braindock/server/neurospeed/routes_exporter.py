"""NeuroSpeed exporter endpoints (``neurospeed.md`` 3.7; semantics in 5 and :mod:`.exporter`), customer token.

* ``POST /api/gateway/exporter`` — JSON ``{recorder_id, exporter_config, unlimited}`` → 201 exporter object
  (``exporting``); the CSV is written in the background.
* ``GET /api/gateway/exporter/url?exporter_id=`` → ``{"url": <absolute signed link>}``; 409 before ``exported``.
* ``GET /api/gateway/exporter/{id}`` → exporter object.
* ``POST /api/gateway/exporter/list`` — pager + ``filters.username`` → pager envelope.
* ``DELETE /api/gateway/exporter?exporter_id=`` → ``true`` (exporter and file removed).
* ``GET /api/gateway/exporter/file/{id}/{name}?expires=&signature=`` — **no** Authorization (5.3): the signed
  link streams the CSV (``text/csv``, ``Content-Disposition: attachment``); expired/forged 403, gone 404.

Another customer's exporters and recorders answer 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from braindock.server.neurospeed import access
from braindock.server.neurospeed.errors import NsBadRequest
from braindock.server.neurospeed.exporter import Exporters, exporter_json
from braindock.server.neurospeed.http import authenticate, customer_page, read_body, require_token

router = APIRouter(prefix="/api/gateway", tags=["neurospeed: exporter"])
#: Every route but the signed download link checks the access token before anything else (2.6, 5.3).
#: Token and the ``recordings`` access flag (every exporter endpoint but the signed download link).
TOKEN = [Depends(require_token), access.needs("recordings")]


def _exporters(request: Request) -> Exporters:
    return request.app.state.neurospeed.exporters


def _database(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services.database


def _exporter_id(request: Request) -> str:
    value = request.query_params.get("exporter_id") or request.query_params.get("id")
    if value is None:
        raise NsBadRequest("query parameter exporter_id is required")
    return value


@router.get(
    "/exporter/url", summary="Signed download link of an exported exporter: query exporter_id", dependencies=TOKEN
)
async def exporter_url(request: Request) -> dict[str, str]:
    """``GET /api/gateway/exporter/url?exporter_id=`` (``neurospeed.md`` 3.7, 5.3): a signed download link.

    Returns:
        200 ``{"url": <absolute link>}``, valid ``link_ttl_s`` seconds.

    Raises:
        NsBadRequest: ``exporter_id`` missing or not an integer (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
        NsNotFound: no such exporter for this customer (404). NsConflict: the export is not ``exported`` yet (409).
    """
    exporter_id = _exporter_id(request)

    def run() -> dict[str, str]:
        with _database(request).session() as session:
            principal = authenticate(request, session)
            row, _, _ = _exporters(request).get(session, principal.customer, exporter_id)
            return {"url": _exporters(request).link(str(request.base_url), row)}

    return await run_in_threadpool(run)


@router.get("/exporter/file/{exporter_id}/{file_name}", summary="Download an export through its signed link")
async def download(request: Request, exporter_id: str, file_name: str) -> FileResponse:
    """``GET /api/gateway/exporter/file/{exporter_id}/{file_name}?expires=&signature=`` (``neurospeed.md`` 5.3).

    No Authorization: the signed link is the credential. Streams the CSV (``text/csv``, as an attachment).

    Raises:
        NsForbidden: expired, malformed or forged link (403). NsNotFound: exporter or file gone (404).
    """
    params = request.query_params
    path = await run_in_threadpool(
        _exporters(request).check_link, exporter_id, params.get("expires"), params.get("signature")
    )
    return FileResponse(path, media_type="text/csv", filename=path.name)


@router.post(
    "/exporter/list", summary="Page of the customer's exporters; filters.username honoured", dependencies=TOKEN
)
async def list_exporters(request: Request) -> dict[str, Any]:
    """``POST /api/gateway/exporter/list`` (``neurospeed.md`` 3.7): pager of the customer's exporters.

    Body ``{"pager": {page_number, page_size}, "filters": {"username"?}}``; returns the 3.0 pager envelope of
    exporter objects (5.2), newest update first.

    Raises:
        NsBadRequest: bad pager or ``filters`` (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
    """
    return await customer_page(request, _exporters(request).list)


@router.post(
    "/exporter", status_code=201, summary="Export a recorder to CSV: {recorder_id, exporter_config}", dependencies=TOKEN
)
async def create_exporter(request: Request) -> dict[str, Any]:
    """``POST /api/gateway/exporter`` ``{recorder_id, exporter_config, unlimited}`` (``neurospeed.md`` 3.7, 5.1).

    Returns 201 with the exporter object (5.2), status ``exporting``; the CSV is then written in the background.

    Raises:
        NsBadRequest: bad ``recorder_id`` or ``exporter_config`` (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
        NsNotFound: unknown or deleted recorder (404). NsConflict: no packets, or an export of it still running (409).
    """
    body = await read_body(request)

    def run() -> tuple[int, dict[str, Any]]:
        with _database(request).session() as session:
            principal = authenticate(request, session)
            row = _exporters(request).create(session, principal.customer, body)
            _, recorder, username = _exporters(request).get(session, principal.customer, row.id)
            return row.id, exporter_json(row, recorder, username)

    exporter_id, answer = await run_in_threadpool(run)
    _exporters(request).schedule(exporter_id)
    return answer


@router.delete("/exporter", summary="Delete an exporter and its file: query exporter_id", dependencies=TOKEN)
async def delete_exporter(request: Request) -> bool:
    """``DELETE /api/gateway/exporter?exporter_id=`` (``neurospeed.md`` 3.7): delete an exporter and its file.

    Returns:
        200 ``true``.

    Raises:
        NsBadRequest: ``exporter_id`` missing or not an integer (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
        NsNotFound: no such exporter for this customer (404).
    """
    exporter_id = _exporter_id(request)

    def run() -> bool:
        with _database(request).session() as session:
            principal = authenticate(request, session)
            row, _, _ = _exporters(request).get(session, principal.customer, exporter_id)
            _exporters(request).delete(session, row)
            return True

    return await run_in_threadpool(run)


@router.get("/exporter/{exporter_id}", summary="One exporter of the customer (status, file_size)", dependencies=TOKEN)
async def get_exporter(request: Request, exporter_id: str) -> dict[str, Any]:
    """``GET /api/gateway/exporter/{exporter_id}`` (``neurospeed.md`` 3.7): the exporter object of 5.2.

    Raises:
        NsBadRequest: not an integer id (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
        NsNotFound: no such exporter for this customer (404).
    """

    def run() -> dict[str, Any]:
        with _database(request).session() as session:
            principal = authenticate(request, session)
            row, recorder, username = _exporters(request).get(session, principal.customer, exporter_id)
            return exporter_json(row, recorder, username)

    return await run_in_threadpool(run)
