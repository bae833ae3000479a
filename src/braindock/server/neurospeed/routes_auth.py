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
    presented = (await read_body(request)).get("refreshToken")
    ns = request.app.state.neurospeed

    def refresh() -> dict[str, Any]:
        with request.app.state.services.database.session() as session:
            return {"token": ns.tokens.refresh(session, presented)}

    return await run_in_threadpool(refresh)
