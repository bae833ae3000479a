"""HTTP routing of the BrainSTEM data API (``brainstem.md`` 1.1, 1.2, 1.5, 2.5, 3).

One generic route serves ``/api/<portal>/<app>/<model>/[<id>/][<action>]`` for every model and
alias of the registry, with and without trailing slashes and never with a redirect (1.1 rule 3).
Portals: ``public`` is anonymous and read-only (any ``Authorization`` header is ignored, writes
get 405); ``private`` needs a BRAINSTEM-scoped token (401 otherwise, with ``WWW-Authenticate``);
``super`` additionally needs an administrator (403). The login endpoints are in :mod:`.auth`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from braindock.server.brainstem import auth, registry, service
from braindock.server.brainstem.actions import run_action
from braindock.server.brainstem.errors import (
    BadQuery,
    BrainstemError,
    MethodNotAllowed,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from braindock.server.brainstem.permissions import Ctx
from braindock.server.brainstem.query import parse_params
from braindock.server.brainstem.validators import strict_json
from braindock.server.errors import Forbidden, Unauthorized
from braindock.server.identity.requests import authenticate_request
from braindock.server.identity.tokens import Caller
from braindock.server.storage.models import Account

PORTALS = ("private", "public", "super")
WRITES = ("POST", "PATCH", "PUT", "DELETE")
#: SQLite page cache of a connection serving BrainSTEM (KiB; SQLite's default is 2,000 KiB).
SQLITE_CACHE_KIB = 32 * 1024

router = APIRouter()
router.include_router(auth.router)


def _caller(request: Request, portal: str) -> Caller | None:
    if portal == "public":
        return None
    try:
        return authenticate_request(request, "BRAINSTEM")
    except Unauthorized:
        if request.headers.get("authorization") or request.headers.get("x-api-key"):
            raise NotAuthenticated("Invalid token.") from None
        raise NotAuthenticated() from None
    except Forbidden:
        raise PermissionDenied("This token lacks the BRAINSTEM scope.") from None


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return strict_json(raw)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BadQuery(f"JSON parse error - {exc}") from None


def _split(rest: str) -> list[str]:
    parts = rest.split("/")
    if parts and parts[-1] == "":
        parts.pop()
    if not parts or any(part == "" for part in parts) or len(parts) > 3:
        raise NotFound()
    return parts


def _tune(session: Session) -> None:
    """Give the pooled SQLite connection a larger page cache, once per connection.

    A list's ``count`` probes the project links of every candidate record in random key order; with
    SQLite's default 2 MB cache most probes of a 100,000-session table miss it (the link and date indexes
    are ~15 MB), which tripled the cost of the benchmark's count (``benchmarks/brainstem.py``).
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.info.get("brainstem_cache"):
        connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        connection.info["brainstem_cache"] = True


def _handle(request: Request, portal: str, route: registry.Route, parts: list[str], body: Any, caller) -> Response:
    method = request.method
    services = request.app.state.services
    with services.database.session() as session:
        _tune(session)
        is_admin = False
        if caller is not None:
            account = session.get(Account, caller.account_id)
            is_admin = bool(account is not None and account.is_admin)
            if portal == "super" and not is_admin:
                raise PermissionDenied("The super portal is for administrators only.")
        ctx = Ctx(session, portal, caller.account_id if caller else None, is_admin, str(request.base_url))
        model = route.model
        if len(parts) == 1:
            if method == "GET":
                params = parse_params(request.url.query)
                url = str(request.url).split("?", 1)[0]
                return JSONResponse(service.list_records(route, ctx, params, url))
            if method == "POST":
                if not model.creatable:
                    raise MethodNotAllowed(method)
                return JSONResponse(service.create_record(route, ctx, body), status_code=201)
            raise MethodNotAllowed(method)
        raw_id = parts[1]
        if len(parts) == 3:
            action = parts[2]
            if action not in model.actions:
                if method != "GET":
                    raise NotFound()
                params = parse_params(request.url.query)
                url = str(request.url).split("?", 1)[0]
                return JSONResponse(service.list_related(route, ctx, raw_id, action, params, url))
            if method not in ("GET", "POST", "PATCH"):
                raise MethodNotAllowed(method)
            row = service.visible_record(ctx, model, service.parse_record_id(model, raw_id))
            return JSONResponse(run_action(route, ctx, row, action, body))
        if method == "GET":
            include = parse_params(request.url.query).include
            return JSONResponse(service.get_record(route, ctx, raw_id, include))
        if method in ("PATCH", "PUT"):
            return JSONResponse(service.update_record(route, ctx, raw_id, body, partial=method == "PATCH"))
        if method == "DELETE":
            service.delete_record(route, ctx, raw_id)
            return Response(status_code=204)
        raise MethodNotAllowed(method)


@router.api_route(
    "/api/{portal}/{app}/{rest:path}",
    methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
    tags=["brainstem"],
    summary="BrainSTEM data API: list, detail, create, change, delete and actions of every model",
    description=(
        "`/api/<portal>/<app>/<model>/[<id>/][<action>]` with portals `private`, `public`, `super`. "
        "Lists take `filter{field[.relation][.op]}`, `sort[]`, `include[]`, `limit` (max 100) and `offset`. "
        "See `shared/reference/brainstem.md`."
    ),
)
async def brainstem_api(request: Request, portal: str, app: str, rest: str) -> Response:
    """``GET|POST|PATCH|PUT|DELETE /api/{portal}/{app}/<model>/[<id>/][<action>]`` (``brainstem.md`` 1.1, 1.5, 3).

    Lists answer 200 with the list envelope (3.3.1), detail/PATCH/PUT/actions 200, POST 201 (3.3.2),
    DELETE 204. Errors are DRF bodies (3.3.3): 400 bad JSON, query or field; 401 bad or missing token
    (``WWW-Authenticate``); 403 no BRAINSTEM scope, non-admin on ``super`` or not allowed; 404 unknown
    portal/model/record or model hidden on ``public``; 405 writes on ``public`` or a method the path refuses.
    """
    try:
        if portal not in PORTALS:
            raise NotFound()
        parts = _split(rest)
        route = registry.resolve(app, parts[0])
        if route is None:
            raise NotFound()
        if portal == "public":
            if not route.model.public:
                raise NotFound()
            if request.method in WRITES or (len(parts) == 3 and request.method != "GET"):
                raise MethodNotAllowed(request.method, "The public portal is read-only.")
        caller = _caller(request, portal)
        body = await _body(request) if request.method in ("POST", "PATCH", "PUT") else None
        return await run_in_threadpool(_handle, request, portal, route, parts, body, caller)
    except BrainstemError as exc:
        return exc.response()
