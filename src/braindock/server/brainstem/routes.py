"""HTTP routing of the BrainSTEM data API (``brainstem.md`` 1.1, 1.2, 1.5, 2.5, 3).

One generic route serves ``/api/<portal>/<app>/<model>/[<id>/][<action>]`` for every model and
alias of the registry, with and without trailing slashes and never with a redirect (1.1 rule 3).
Portals: ``public`` is anonymous and read-only (any ``Authorization`` header is ignored, writes
get 405); ``private`` needs a BRAINSTEM-scoped token (401 otherwise, with ``WWW-Authenticate``);
``super`` additionally needs an administrator (403). The login endpoints are in :mod:`.auth`.

Bodies are JSON or, for the file fields (3.1, 4.3.5), ``multipart/form-data``: each file part is named after its
field and staged into the store of :mod:`.files` before the transaction; the other parts are the record's fields as
text. ``GET .../<model>/<id>/<file field>/`` serves a stored file to whoever may read the record (404 otherwise).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import IO, Any
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from braindock.server.brainstem import auth, registry, service
from braindock.server.brainstem.actions import run_action
from braindock.server.brainstem.errors import (
    BadQuery,
    BrainstemError,
    Invalid,
    MethodNotAllowed,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from braindock.server.brainstem.fields import AuthGroups, File, Json, ManyToMany, Members, Model, Tags
from braindock.server.brainstem.files import CHUNK, FileChanges, FileStore, TooLarge, served_type
from braindock.server.brainstem.permissions import Ctx, check_write
from braindock.server.brainstem.query import parse_params
from braindock.server.brainstem.validators import strict_json
from braindock.server.errors import Forbidden, Unauthorized
from braindock.server.identity.requests import authenticate_request
from braindock.server.identity.tokens import Caller
from braindock.server.storage import brainstem_models as db
from braindock.server.storage.models import Account

PORTALS = ("private", "public", "super")
WRITES = ("POST", "PATCH", "PUT", "DELETE")
#: SQLite page cache of a connection serving BrainSTEM (KiB; SQLite's default is 2,000 KiB).
SQLITE_CACHE_KIB = 32 * 1024
#: Form bodies (DRF's ``MultiPartParser`` and ``FormParser``): files come as multipart parts.
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
#: What a multipart body may carry besides its files (the other form fields), bytes.
FORM_OVERHEAD = 1024 * 1024
#: Largest JSON request body, bytes (413 above it): far over any record, far under memory trouble.
MAX_JSON_BYTES = 16 * 1024 * 1024

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
    """The JSON body of a write (``{}`` when empty).

    Raises:
        TooLarge: more than :data:`MAX_JSON_BYTES` (by ``Content-Length``, or while reading) (413).
        BadQuery: not JSON (400).
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_JSON_BYTES:
        raise TooLarge(f"The request body is larger than {MAX_JSON_BYTES} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_JSON_BYTES:
            raise TooLarge(f"The request body is larger than {MAX_JSON_BYTES} bytes.")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return {}
    try:
        return strict_json(raw)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BadQuery(f"JSON parse error - {exc}") from None


_STORE_LOCK = threading.Lock()


def _file_store(request: Request) -> FileStore:
    """The server's :class:`FileStore`, made (and recovered after a crash) on first use from the settings."""
    state = request.app.state
    store = getattr(state, "brainstem_files", None)
    if store is None:
        with _STORE_LOCK:
            store = getattr(state, "brainstem_files", None)
            if store is None:
                services = state.services
                settings = services.settings
                store = FileStore(settings.files_dir, settings.brainstem_max_file_bytes)
                with services.database.session() as session:
                    store.recover(session)
                state.brainstem_files = store
    return store


def _form_value(item: Any, key: str, values: list[str]) -> Any:
    """A multipart text field as the JSON value the field parses: lists for to-many fields (repeated parts or
    one JSON array), JSON documents for JSON fields, ``""``/``null`` clears a file, else the text itself."""
    last = values[-1]
    if isinstance(item, File):
        return None if last.strip() in ("", "null") else last
    if isinstance(item, ManyToMany | Tags | AuthGroups):
        if len(values) == 1 and last.strip().startswith("["):
            values = [last]
        else:
            return [v for v in values if v.strip()]
    if isinstance(item, Json | Members | ManyToMany | Tags | AuthGroups):
        try:
            return json.loads(last)
        except ValueError:
            raise Invalid({key: ["Send this field as JSON text in a form body."]}) from None
    return last


def _field_limit(item: File, store: FileStore) -> int:
    return min(store.max_bytes, item.max_bytes or store.max_bytes)


def form_cap(model: Model, store: FileStore) -> int:
    """Largest form body accepted for ``model``, bytes: the sum of its file fields' limits (each the smaller of
    ``BRAINDOCK_BRAINSTEM_MAX_FILE_BYTES`` and the field's own, e.g. 15 MiB for ``protocol.attachment``) plus
    :data:`FORM_OVERHEAD` for the text parts."""
    return sum(_field_limit(item, store) for item in model.fields if isinstance(item, File)) + FORM_OVERHEAD


async def _multipart(request: Request, model: Model, files: FileChanges) -> dict[str, Any]:
    """A ``multipart/form-data`` (or URL-encoded form) body as a JSON-like dict: file parts become staged uploads
    (:mod:`.files`).

    Raises:
        TooLarge: the body exceeds the largest sensible size, or one file its limit (413).
        BadQuery: a malformed multipart body, or more file parts than file fields (400).
        Invalid: a file sent for a field that takes none, two files for one field, a file of a wrong type.
    """
    store = files.store
    file_fields = [item for item in model.fields if isinstance(item, File)]
    cap = form_cap(model, store)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise TooLarge(f"The request body is larger than {cap} bytes.")
    received = 0

    async def receive() -> Any:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > cap:
                raise TooLarge(f"The request body is larger than {cap} bytes.")
        return message

    try:
        # Starlette 1.x closes (deletes) the spooled upload files itself when parsing fails, TooLarge included
        form = await Request(request.scope, receive).form(max_files=max(1, len(file_fields)), max_fields=1000)
    except (MultiPartException, HTTPException) as exc:
        raise BadQuery(f"Multipart form parse error - {getattr(exc, 'detail', None) or exc}") from None
    body: dict[str, Any] = {}
    try:
        for key in dict.fromkeys(form.keys()):
            values = form.getlist(key)
            item = model.lookup(key)
            uploads = [value for value in values if not isinstance(value, str)]
            if not uploads:
                body[key] = _form_value(item, key, values)  # type: ignore[arg-type]
                continue
            if not isinstance(item, File):
                if item is not None:
                    raise Invalid({key: ["Expected a value, but got a file."]})
                continue
            if len(values) > 1:
                raise Invalid({key: ["Send one file for this field."]})
            upload = uploads[0]
            limit = _field_limit(item, store)
            staged = await run_in_threadpool(store.stage, upload.file, upload.filename, item.kind, key, limit)
            files.staged.append(staged)
            body[key] = staged
    finally:
        await form.close()
    return body


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()


def _serve_file(ctx: Ctx, model: Model, item: File, raw_id: str, store: FileStore) -> Response:
    """``GET .../<model>/<id>/<file field>/``: the stored bytes, for callers who may read the record.

    Raises:
        NotFound: the record is invisible to the caller, has no file, or the field is private on ``public``.
    """
    if ctx.portal == "public" and not item.public:
        raise NotFound()
    row = service.visible_record(ctx, model, service.parse_record_id(model, raw_id))
    digest = row.get(item.column)
    blob = db.file_blob
    stored = ctx.session.execute(sa.select(blob).where(blob.c.sha256 == digest)).first() if digest else None
    if stored is None:
        raise NotFound()
    try:
        handle = open(store.path(digest), "rb")  # noqa: SIM115 - closed by _chunks
    except FileNotFoundError:
        raise NotFound() from None
    filename = row.get(item.name_column) or "file"
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_")
    disposition = "inline" if stored.content_type.startswith("image/") else "attachment"
    headers = {
        "Content-Length": str(stored.size),
        "Content-Disposition": f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",
        "ETag": f'"{digest}"',
    }
    return StreamingResponse(_chunks(handle), media_type=served_type(stored.content_type, filename), headers=headers)


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


def _ctx(session: Session, request: Request, portal: str, caller: Caller | None, files: FileChanges) -> Ctx:
    is_admin = False
    if caller is not None:
        account = session.get(Account, caller.account_id)
        is_admin = bool(account is not None and account.is_admin)
        if portal == "super" and not is_admin:
            raise PermissionDenied("The super portal is for administrators only.")
    account_id = caller.account_id if caller else None
    return Ctx(session, portal, account_id, is_admin, str(request.base_url), files=files)


def _precheck_upload(
    request: Request, portal: str, route: registry.Route, parts: list[str], caller: Caller | None, files: FileChanges
) -> None:
    """Before a form body is read: the caller may write this record (PATCH/PUT: it exists and may be changed in
    its file fields; POST: the model-wide create rule), so a refused upload costs no disk. The full check runs
    again with the parsed body.

    Raises:
        NotFound: the record to change is invisible to the caller. PermissionDenied: no write rights.
    """
    model = route.model
    services = request.app.state.services
    with services.database.session() as session:
        ctx = _ctx(session, request, portal, caller, files)
        file_fields = {item.name: None for item in model.fields if isinstance(item, File)}
        if len(parts) == 1 and request.method == "POST":
            if not model.creatable:
                raise MethodNotAllowed(request.method)
            check_write(model, ctx, "create", None, {})
        elif len(parts) == 2 and request.method in ("PATCH", "PUT"):
            row = service.visible_record(ctx, model, service.parse_record_id(model, parts[1]))
            check_write(model, ctx, "change", row, file_fields)
        session.rollback()


def _handle(
    request: Request, portal: str, route: registry.Route, parts: list[str], body: Any, caller, files: FileChanges
) -> Response:
    """One request in one transaction; stored files follow it (undone before a rollback, see :mod:`.files`)."""
    services = request.app.state.services
    with services.database.session() as session:
        try:
            _tune(session)
            ctx = _ctx(session, request, portal, caller, files)
            response = _dispatch(request, ctx, route, parts, body)
            session.commit()
        except BaseException:
            files.undo()
            raise
    files.done()
    return response


def _dispatch(request: Request, ctx: Ctx, route: registry.Route, parts: list[str], body: Any) -> Response:
    method = request.method
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
        item = model.lookup(action)
        if isinstance(item, File):
            if method != "GET":
                raise MethodNotAllowed(method)
            return _serve_file(ctx, model, item, raw_id, ctx.files.store)
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
    DELETE 204, a file URL the file's bytes. Errors are DRF bodies (3.3.3): 400 bad JSON, multipart, query or field
    (also a file of a type its field does not take); 413 a file or body over its size limit; 401 bad or missing token
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
        # the first call builds the store and runs its crash recovery (disk and database work): not on the loop
        files = FileChanges(await run_in_threadpool(_file_store, request))
        try:
            body = None
            if request.method in ("POST", "PATCH", "PUT"):
                if request.headers.get("content-type", "").lower().startswith(FORM_TYPES):
                    await run_in_threadpool(_precheck_upload, request, portal, route, parts, caller, files)
                    body = await _multipart(request, route.model, files)
                else:
                    body = await _body(request)
            return await run_in_threadpool(_handle, request, portal, route, parts, body, caller, files)
        finally:
            files.discard()
    except BrainstemError as exc:
        return exc.response()
