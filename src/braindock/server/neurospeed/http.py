"""Shared pieces of the NeuroSpeed HTTP routes: body parsing, bearer authentication, id parsing, pager.

``shared/reference/neurospeed.md`` 2.5-2.7, 3.0: POST bodies are JSON from client 2.3.5 and form-encoded
from older clients, PUT bodies are form-encoded; both encodings are accepted everywhere (D30).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from braindock.server.neurospeed.auth import Principal
from braindock.server.neurospeed.errors import NsBadRequest, NsForbidden, NsNotFound, NsUnauthorized

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
#: Largest id a database record can have (SQLite ``INTEGER`` is a signed 64-bit integer).
INT64_MAX = 2**63 - 1
#: Largest ``pager.page_number``: beyond it the row offset would not fit a 64-bit integer.
MAX_PAGE_NUMBER = INT64_MAX // MAX_PAGE_SIZE


async def read_body(request: Request) -> dict[str, Any]:
    """The request body as a dict: JSON (any content type that parses) or form fields.

    Raises:
        NsBadRequest: a body that is neither a JSON object nor a form (400).
    """
    raw = await request.body()
    if not raw.strip():
        return {}
    content_type = request.headers.get("content-type", "")
    if "application/x-www-form-urlencoded" in content_type or "multipart/form-data" in content_type:
        form = await request.form()
        return {key: value for key, value in form.items()}
    try:
        body = json.loads(raw)
    except ValueError:
        raise NsBadRequest("body must be a JSON object or a form") from None
    if not isinstance(body, dict):
        raise NsBadRequest("body must be a JSON object")
    return body


def bearer(request: Request) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (2.5), or ``None``."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def require_token(request: Request) -> None:
    """Router dependency of every non-public NeuroSpeed HTTP route: credentials are checked before the body.

    FastAPI runs it before the handler, so an anonymous or expired caller gets the 401 the official client
    parses (``{"message": "Unauthorized"}``, ``neurospeed.md`` 2.6) whatever the body, and never learns how input
    is validated. Customer and user tokens both pass; the handler's :func:`authenticate` checks the role (403).

    The verified principal is kept in ``request.state.neurospeed_principal``, so the handler's
    :func:`authenticate` reuses it instead of decoding the token and reading the database again.

    Raises:
        NsUnauthorized: no, invalid or expired access token (401).
    """
    with request.app.state.services.database.session() as session:
        principal = request.app.state.neurospeed.tokens.principal(session, bearer(request))
    if principal is None:
        raise NsUnauthorized()
    request.state.neurospeed_principal = principal


def parse_id(value: Any, name: str = "id") -> int:
    """A database id from a request value: an int or a numeric string (``neurospeed.md`` 3.0).

    Every id taken from a request (path, query or body) goes through here before it reaches the database, so a
    value the SQLite driver cannot bind (beyond 64 bits) never turns into a 500.

    Raises:
        NsBadRequest: missing or not an integer, e.g. ``"abc"``, ``"1.5"``, ``True`` (400, names ``name``).
        NsNotFound: an integer outside ``1..2**63-1``: no record can have it (404).
    """
    if isinstance(value, bool) or value is None:
        raise NsBadRequest(f"{name} must be an integer, not {value!r}")
    try:
        number = int(str(value).strip())
    except ValueError:  # also strings beyond Python's int conversion digit limit
        raise NsBadRequest(f"{name} must be an integer, not {_short(value)}") from None
    if not 1 <= number <= INT64_MAX:
        raise NsNotFound(f"{name} {_short(number)} not found")
    return number


def _short(value: Any) -> str:
    """``repr(value)`` cut to 40 characters, for error messages about arbitrary request values."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def authenticate(request: Request, session: Session, customer_only: bool = True) -> Principal:
    """The principal of the request's access token.

    Behind :func:`require_token` this is the principal that dependency verified (its rows are detached from
    ``session`` but fully loaded; read their columns, do not modify them); elsewhere the token is verified here.

    Raises:
        NsUnauthorized: no, invalid or expired token (401 ``{"message": "Unauthorized"}``, 2.6).
        NsForbidden: a user token on a customer-only endpoint (403).
    """
    principal: Principal | None = getattr(request.state, "neurospeed_principal", None)
    if principal is None:
        principal = request.app.state.neurospeed.tokens.principal(session, bearer(request))
    if principal is None:
        raise NsUnauthorized()
    if customer_only and not principal.is_customer:
        raise NsForbidden("this endpoint needs a customer token")
    return principal


def pager_request(body: dict[str, Any]) -> tuple[int, int]:
    """``(page_number, page_size)`` from ``{"pager": {...}}``: 1-based, default 50, max 100 (3.0, D28).

    Raises:
        NsBadRequest: non-integer or out-of-range values (400), including a page number whose row offset would
            not fit a 64-bit integer.
    """
    pager = body.get("pager") or {}
    if not isinstance(pager, dict):
        raise NsBadRequest("pager must be an object")
    try:
        number = int(pager.get("page_number", 1))
        size = int(pager.get("page_size", DEFAULT_PAGE_SIZE))
    except (TypeError, ValueError, OverflowError):  # OverflowError: JSON 1e400 is an infinite float
        raise NsBadRequest("pager.page_number and pager.page_size must be integers") from None
    if not 1 <= number <= MAX_PAGE_NUMBER or not 1 <= size <= MAX_PAGE_SIZE:
        raise NsBadRequest(f"pager.page_number must be 1..{MAX_PAGE_NUMBER} and pager.page_size 1..{MAX_PAGE_SIZE}")
    return number, size


def pager_response(
    total: int, number: int, size: int, items: list[Any], filters: dict[str, Any] | None
) -> dict[str, Any]:
    """The pager envelope of 3.0: ``{"pager": {total_records, total_pages, page_number, page_size,
    actual_page_size, items}, "filters": {...}}``."""
    return {
        "pager": {
            "total_records": total,
            "total_pages": (total + size - 1) // size,
            "page_number": number,
            "page_size": size,
            "actual_page_size": len(items),
            "items": items,
        },
        "filters": filters or {},
    }


#: ``lister(session, customer, username or None, page number, page size) -> (total, items)``
Lister = Callable[[Session, Any, str | None, int, int], tuple[int, list[Any]]]


async def customer_page(request: Request, lister: Lister) -> dict[str, Any]:
    """A ``pager`` page of the calling customer's records, honouring ``filters.username``
    (the recorder and exporter list endpoints, ``neurospeed.md`` 3.6 and 3.7).

    Raises:
        NsBadRequest: ``filters`` is not an object, or the pager members are invalid (400).
        NsUnauthorized / NsForbidden: no valid customer token (401/403). (The access flag is checked by the
            route's :func:`~.access.needs` dependency.)
    """
    body = await read_body(request)
    number, size = pager_request(body)
    filters = body.get("filters") or {}
    if not isinstance(filters, dict):
        raise NsBadRequest("filters must be an object")
    username = filters.get("username")
    name = None if username in (None, "") else str(username)

    def run() -> dict[str, Any]:
        with request.app.state.services.database.session() as session:
            principal = authenticate(request, session)
            total, items = lister(session, principal.customer, name, number, size)
            return pager_response(total, number, size, items, filters)

    return await run_in_threadpool(run)
