"""NeuroSpeed user management, customer profile and access flags (``neurospeed.md`` 3.2, 3.3).

Customer token (C) unless noted; every object is looked up inside the caller's customer, so other
tenants' users answer 404 (D5). Successful answers are always JSON with status 200/201, never 204 (2.7).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from braindock.server.neurospeed import access, accounts
from braindock.server.neurospeed.http import authenticate, pager_request, pager_response, read_body, require_token

router = APIRouter(prefix="/api", tags=["neurospeed: users"], dependencies=[Depends(require_token)])


def _database(request: Request):  # type: ignore[no-untyped-def]
    return request.app.state.services.database


@router.post("/users/list", summary="Page of the customer's users (pager envelope, newest first)")
async def list_users(request: Request) -> dict[str, Any]:
    """``POST /api/users/list`` ``{"pager", "filters"}`` (``neurospeed.md`` 3.2): pager of the customer's users.

    Returns the 3.0 pager envelope of user objects ``{"id", "username", "created_at", "updated_at"}``, most
    recently updated first.

    Raises:
        NsBadRequest: bad body or pager (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
    """
    body = await read_body(request)
    number, size = pager_request(body)

    def run() -> dict[str, Any]:
        with _database(request).session() as session:
            principal = authenticate(request, session)
            total, users = accounts.list_users(session, principal.customer, number, size)
            items = [accounts.user_json(user) for user in users]
            return pager_response(total, number, size, items, body.get("filters"))

    return await run_in_threadpool(run)


@router.post("/users", status_code=201, summary="Create a user of the customer: JSON {username, password}")
async def create_user(request: Request) -> dict[str, Any]:
    """``POST /api/users`` JSON ``{username, password}`` (``neurospeed.md`` 3.2): create a user of the customer.

    Returns 201 with the user object plus ``settings``.

    Raises:
        NsBadRequest: invalid or reserved username, password under 8 characters (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
        NsConflict: the username exists in this customer (409).
    """
    body = await read_body(request)

    def run() -> dict[str, Any]:
        with _database(request).session() as session:
            principal = authenticate(request, session)
            user = accounts.create_user(session, principal.customer, body.get("username"), body.get("password"))
            return accounts.user_json(user, with_settings=True)

    return await run_in_threadpool(run)


@router.put("/users", summary="Change a user's username/password: query id, form {username, password}")
async def modify_user(request: Request, id: str) -> dict[str, Any]:
    """``PUT /api/users?id=`` form ``{username, password}`` (``neurospeed.md`` 3.2): change a user; empty fields stay.

    Returns:
        200 with the updated user object.

    Raises:
        NsBadRequest: bad id, username or password (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
        NsNotFound: no such user in this customer (404). NsConflict: the new username is taken (409).
    """
    body = await read_body(request)

    def run() -> dict[str, Any]:
        with _database(request).session() as session:
            principal = authenticate(request, session)
            user = accounts.modify_user(session, principal.customer, id, body.get("username"), body.get("password"))
            return accounts.user_json(user)

    return await run_in_threadpool(run)


@router.delete("/users", summary="Delete a user: query id → true")
async def delete_user(request: Request, id: str) -> JSONResponse:
    """``DELETE /api/users?id=`` (``neurospeed.md`` 3.2): delete a user; its tokens stop working.

    Returns:
        200 ``true``.

    Raises:
        NsBadRequest: ``id`` not an integer (400).
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
        NsNotFound: no such user in this customer (404).
    """

    def run() -> None:
        with _database(request).session() as session:
            principal = authenticate(request, session)
            accounts.delete_user(session, principal.customer, id)

    await run_in_threadpool(run)
    return JSONResponse(True)


@router.get("/customers/current", summary="The calling customer's profile")
async def current_customer(request: Request) -> dict[str, Any]:
    """``GET /api/customers/current`` (``neurospeed.md`` 3.3): the calling customer's profile.

    Returns:
        200 ``{"id", "email", "role": "customer", "firstName", "lastName", "is_active", "in_active_reason",
        "account_id", "company_name"}`` (names and company are ``null``).

    Raises:
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
    """

    def run() -> dict[str, Any]:
        with _database(request).session() as session:
            principal = authenticate(request, session)
            return accounts.customer_json(principal.customer, principal.account)

    return await run_in_threadpool(run)


def _access_route(flag: str):  # type: ignore[no-untyped-def]
    async def access_flag(request: Request) -> dict[str, bool]:
        """Access flag (3.3) of the caller's customer, for a customer or a user token: ``{"access": bool}``
        as set with ``braindock neurospeed access`` (:mod:`.access`; all on by default, D6).

        Raises:
            NsUnauthorized: no valid access token (401).
        """

        def run() -> bool:
            with _database(request).session() as session:
                principal = authenticate(request, session, customer_only=False)
                return access.flags(session, principal.customer.id)[flag]

        return {"access": await run_in_threadpool(run)}

    return access_flag


for _path, _flag in (("insight", "insights"), ("recordings", "recordings"), ("raw_data", "raw_data")):
    router.add_api_route(
        f"/customers/customers_access/get_{_path}_access",
        _access_route(_flag),
        methods=["GET"],
        summary=f"{_path} access flag of the caller's customer (customer or user token)",
    )


@router.get("/users/{username}", summary="One user of the customer by username")
async def get_user(request: Request, username: str) -> dict[str, Any]:
    """``GET /api/users/{username}`` (``neurospeed.md`` 3.2): one user of the customer.

    Returns:
        200 ``{"id", "username", "created_at", "updated_at"}``.

    Raises:
        NsUnauthorized, NsForbidden: no valid access token (401) or a user token (403).
        NsNotFound: no such user in this customer (404).
    """

    def run() -> dict[str, Any]:
        with _database(request).session() as session:
            principal = authenticate(request, session)
            return accounts.user_json(accounts.get_user_by_name(session, principal.customer, username))

    return await run_in_threadpool(run)
