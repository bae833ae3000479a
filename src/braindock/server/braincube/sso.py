"""Braincube SSO endpoints (``shared/reference/braincube.md`` section 2).

* ``GET /sso-server/ws/user/me``: the caller's access list (2.3).
* ``GET /sso-server/ws/oauth2/session``: exchanges ``Authorization: Bearer <token>`` for a
  session token sent back later in ``IPLSSOTOKEN`` (2.1). The bearer is an access token of braindock's
  OAuth2 server (``oauth2.py``, ``identity/oauth2/``) or a personal access token.
* ``GET /sso-server/rest/session/openWithToken``: the same exchange at the pre-2.5 path; clients before 2.2
  (2.1.0) also read the caller's access list from its answer, as they never call ``user/me`` (2.1). The
  e-mail and access list are only given to a token with ``SSO_READ`` (what ``user/me`` requires).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request

from braindock.server.braincube.access import accessible_braincubes
from braindock.server.braincube.serialise import access_element
from braindock.server.errors import Forbidden, Unauthorized
from braindock.server.identity.requests import authenticate_request
from braindock.server.identity.tokens import SESSION_LIFETIME, Caller, issue_token
from braindock.server.storage.models import Account, utcnow
from braindock.server.storage.oauth2_models import OAuth2Token

router = APIRouter(prefix="/sso-server", tags=["braincube: SSO"])


@router.get("/ws/user/me", summary="The caller's account and the braincubes it may use")
def user_me(request: Request) -> dict[str, Any]:
    """``GET /sso-server/ws/user/me`` (``braincube.md`` 2.3): the caller and the braincubes it may use.

    Returns:
        ``{"email", "userEmail", "accessList": [{"name", "product": {"name", "productId"}}, ...]}``.

    Raises:
        Unauthorized: missing, invalid, expired or revoked token (401).
        Forbidden: the token lacks the ``SSO_READ`` scope (403).
    """
    caller = authenticate_request(request, "SSO_READ")
    with request.app.state.services.database.session() as session:
        cubes = accessible_braincubes(session, caller.account_id)
        return {
            "email": caller.email,
            "userEmail": caller.email,
            "accessList": [access_element(cube) for cube in cubes],
        }


#: A token must carry one of these to open a Braincube session.
EXCHANGE_SCOPES = ("BRAINCUBE", "SSO_READ")


def _exchange(request: Request) -> tuple[dict[str, Any], Caller, list[dict[str, Any]] | None]:
    """Open a session for the OAuth2 access token or personal access token in ``Authorization: Bearer``.

    Only OAuth2 access tokens and personal access tokens are exchanged (a session token cannot renew itself
    past its expiry), and only those with the ``BRAINCUBE`` or ``SSO_READ`` scope. The session gets the token's
    identity scopes and is a plain ``session`` token: never the SSO login cookie (kind ``sso``), so an
    application cannot sign in to the consent page with it. A session opened with an OAuth2 access token ends
    when that token is revoked and lives at most as long as the token has left (``expiresIn``, seconds).

    Returns:
        ``({"token", "expiresIn"}, caller, access list)``: the access list (``access_element`` items) only when
        the token has ``SSO_READ``, else ``None``.

    Raises:
        Unauthorized: no bearer token, or not a valid, unrevoked, unexpired OAuth2 or personal access token (401).
        Forbidden: the token has neither Braincube scope (403).
    """
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not bearer.strip():
        raise Unauthorized("send the OAuth2 token as 'Authorization: Bearer <token>'")
    services = request.app.state.services
    with services.database.session() as session:
        caller = services.verifier.verify(session, bearer.strip(), ("pat", "oauth2"))
        if caller is None:
            raise Unauthorized("invalid, expired or revoked OAuth2 access token or personal access token")
        if not any(caller.has_scope(scope) for scope in EXCHANGE_SCOPES):
            raise Forbidden(f"token lacks the {' or '.join(EXCHANGE_SCOPES)} scope")
        account = session.get(Account, caller.account_id)
        lifetime = SESSION_LIFETIME
        if caller.oauth2_token_id is not None:
            parent = session.get(OAuth2Token, caller.oauth2_token_id)
            left = parent.expires_at - utcnow()
            lifetime = max(min(SESSION_LIFETIME, left), timedelta(seconds=1))
        row, token = issue_token(session, account, sorted(caller.scopes), kind="session", lifetime=lifetime)
        row.oauth2_token_id = caller.oauth2_token_id
        access_list = None
        if caller.has_scope("SSO_READ"):
            access_list = [access_element(cube) for cube in accessible_braincubes(session, caller.account_id)]
    return {"token": token, "expiresIn": int(lifetime.total_seconds())}, caller, access_list


@router.get("/ws/oauth2/session", summary="Exchange an OAuth2 bearer token for a session token")
def oauth2_session(request: Request) -> dict[str, Any]:
    """``GET /sso-server/ws/oauth2/session`` (``braincube.md`` 2.1): exchange a bearer OAuth2 access token or
    personal access token for a session token (see :func:`_exchange`).

    Returns:
        ``{"token": <session token>, "expiresIn": <seconds>}`` (12 hours, or less: what an OAuth2 access
        token has left).

    Raises:
        Unauthorized: no bearer, or not a valid OAuth2 access token or personal access token (401).
        Forbidden: the token has neither ``BRAINCUBE`` nor ``SSO_READ`` (403).
    """
    return _exchange(request)[0]


@router.get("/rest/session/openWithToken", summary="Pre-2.5 client path of the OAuth2 exchange")
def open_with_token(request: Request) -> dict[str, Any]:
    """``GET /sso-server/rest/session/openWithToken``: pre-2.5 path of :func:`oauth2_session`.

    ``braincube_connector`` 2.1.0 logs in with this call alone: it takes the session token from ``token`` and
    its braincubes from ``accessList[*].product`` (``braincube.md`` 2.1, "2.1.0 ... read from its wheel").
    The account's e-mail and access list are what ``user/me`` answers, which needs ``SSO_READ``; so they are
    in the answer only when the token has ``SSO_READ`` (every personal access token created with the default
    scopes has it, as has an OAuth2 token with ``BASE`` or ``SSO_READ``). A ``BRAINCUBE``-only token gets
    ``{"token", "expiresIn"}`` alone.

    Returns:
        ``{"token", "expiresIn", "email", "userEmail", "accessList": [...]}``; ``accessList`` as in ``user/me``.

    Raises:
        Unauthorized: no bearer, or not a valid OAuth2 access token or personal access token (401).
        Forbidden: the token has neither ``BRAINCUBE`` nor ``SSO_READ`` (403).
    """
    answer, caller, access_list = _exchange(request)
    if access_list is None:
        return answer
    return {**answer, "email": caller.email, "userEmail": caller.email, "accessList": access_list}
