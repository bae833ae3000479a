"""NeuroSpeed login and refresh (``shared/reference/neurospeed.md`` 2.2-2.4, 3.1).

All three answer ``{"token": {"accessToken": <JWT>, "refreshToken": <JWT>}}`` and take no Authorization.
Failures are 401 with messages other than ``Unauthorized`` (2.6 rules 3 and 4) or 400 for a malformed body.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from braindock.server.neurospeed import accounts
from braindock.server.neurospeed.errors import NsBadCredentials, NsBadRequest
from braindock.server.neurospeed.http import read_body

router = APIRouter(prefix="/api", tags=["neurospeed: auth"])


def _strings(body: dict[str, Any], *keys: str) -> list[str]:
    values = []
    for key in keys:
        value = body.get(key)
        if not isinstance(value, str):
            raise NsBadRequest(f"{key} is required (a string)")
        values.append(value)
    return values


@router.post("/auth/login", summary="Customer login: email + password → access and refresh token")
async def customer_login(request: Request) -> dict[str, Any]:
    """``POST /api/auth/login`` JSON ``{email, password}``: customer login (``neurospeed.md`` 2.2, 3.1).

    Returns:
        200 ``{"token": {"accessToken": <JWT>, "refreshToken": <JWT>}}``.

    Raises:
        NsBadRequest: body not an object, or ``email``/``password`` missing or not a string (400).
        NsBadCredentials: wrong e-mail or password (401 ``Invalid credentials``, never ``Unauthorized``, 2.6).
    """
    email, password = _strings(await read_body(request), "email", "password")
    ns = request.app.state.neurospeed

    def login() -> dict[str, Any]:
        with request.app.state.services.database.session() as session:
            customer = accounts.login_customer(session, email, password)
            if customer is None:
                raise NsBadCredentials()
            return {"token": ns.tokens.issue_pair(session, "customer", customer.id, customer.id)}

    return await run_in_threadpool(login)


@router.post("/users/login", summary="User login: account_id + username + password → access and refresh token")
async def user_login(request: Request) -> dict[str, Any]:
    """``POST /api/users/login`` JSON ``{account_id, username, password}``: user login (``neurospeed.md`` 2.3, 3.1).

    Returns:
        200 ``{"token": {"accessToken": <JWT>, "refreshToken": <JWT>}}``.

    Raises:
        NsBadRequest: body not an object, or a member missing or not a string (400).
        NsBadCredentials: unknown customer/user or wrong password (401 ``Invalid credentials``, 2.6).
    """
    tenant, username, password = _strings(await read_body(request), "account_id", "username", "password")
    ns = request.app.state.neurospeed

    def login() -> dict[str, Any]:
        with request.app.state.services.database.session() as session:
            user = accounts.login_user(session, tenant, username, password)
            if user is None:
                raise NsBadCredentials()
            return {"token": ns.tokens.issue_pair(session, "user", user.id, user.customer_id)}

    return await run_in_threadpool(login)


@router.post("/auth/refresh_token", summary="Rotate a refresh token (customer or user) into a new token pair")
async def refresh_token(request: Request) -> dict[str, Any]:
    """``POST /api/auth/refresh_token`` JSON ``{refreshToken}``: rotate a refresh token (``neurospeed.md`` 2.4).

    Returns:
        200 ``{"token": {"accessToken", "refreshToken"}}``; the presented refresh token stops working.

    Raises:
        NsBadRequest: body not an object (400).
        NsBadRefresh: missing, malformed, expired, reused or revoked refresh token (401, never ``Unauthorized``).
    """
    presented = (await read_body(request)).get("refreshToken")
    ns = request.app.state.neurospeed

    def refresh() -> dict[str, Any]:
        with request.app.state.services.database.session() as session:
            return {"token": ns.tokens.refresh(session, presented)}

    return await run_in_threadpool(refresh)
