"""Braincube SSO endpoints (``shared/reference/braincube.md`` section 2).

* ``GET /sso-server/ws/user/me``: the caller's access list (2.3).
* ``GET /sso-server/ws/oauth2/session``: exchanges ``Authorization: Bearer <token>`` for a
  session token sent back later in ``IPLSSOTOKEN`` (2.1). The bearer is an access token of braindock's
  OAuth2 server (``oauth2.py``, ``identity/oauth2/``) or a personal access token.
* ``GET /sso-server/rest/session/openWithToken``: the same exchange at the pre-2.5 path; clients before 2.2
  (2.1.0) also read the caller's access list from its answer, as they never call ``user/me`` (2.1).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from braindock.server.braincube.access import accessible_braincubes
from braindock.server.braincube.serialise import access_element
from braindock.server.errors import Forbidden, Unauthorized
from braindock.server.identity.requests import authenticate_request
from braindock.server.identity.tokens import SESSION_LIFETIME, issue_token
from braindock.server.storage.models import Account

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


def _exchange(request: Request) -> dict[str, Any]:
    """Open a session for the OAuth2 access token or personal access token in ``Authorization: Bearer``.

    Only OAuth2 access tokens and personal access tokens are exchanged (a session token cannot renew itself
    past its expiry), and only those with the ``BRAINCUBE`` or ``SSO_READ`` scope; the session gets the token's
    scopes, and a session opened with an OAuth2 access token ends when that token is revoked.

    Raises:
        Unauthorized: no bearer token, or not a valid, unrevoked, unexpired personal access token (401).
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
        row, token = issue_token(session, account, sorted(caller.scopes), kind="session", lifetime=SESSION_LIFETIME)
        row.oauth2_token_id = caller.oauth2_token_id
    return {"token": token, "expiresIn": int(SESSION_LIFETIME.total_seconds())}


@router.get("/ws/oauth2/session", summary="Exchange an OAuth2 bearer token for a session token")
def oauth2_session(request: Request) -> dict[str, Any]:
    """``GET /sso-server/ws/oauth2/session`` (``braincube.md`` 2.1): exchange a bearer PAT for a session token.

    Returns:
        ``{"token": <session token>, "expiresIn": <seconds>}``.

    Raises:
        Unauthorized: no bearer, or not a valid personal access token (401).
        Forbidden: the token has neither ``BRAINCUBE`` nor ``SSO_READ`` (403).
    """
    return _exchange(request)


@router.get("/rest/session/openWithToken", summary="Pre-2.5 client path of the OAuth2 exchange")
def open_with_token(request: Request) -> dict[str, Any]:
    """``GET /sso-server/rest/session/openWithToken``: pre-2.5 path of :func:`oauth2_session`.

    ``braincube_connector`` 2.1.0 logs in with this call alone: it takes the session token from ``token`` and
    its braincubes from ``accessList[*].product`` (``braincube.md`` 2.1, "2.1.0 ... read from its wheel").

    Returns:
        ``{"token", "expiresIn", "email", "userEmail", "accessList": [...]}``; ``accessList`` as in ``user/me``.

    Raises:
        Unauthorized: no bearer, or not a valid personal access token (401).
        Forbidden: the token has neither ``BRAINCUBE`` nor ``SSO_READ`` (403).
    """
    answer = _exchange(request)
    services = request.app.state.services
    with services.database.session() as session:
        caller = services.verifier.verify(session, answer["token"], ("session",))
        if caller is None:  # the session was revoked between the two statements
            raise Unauthorized("the new session was revoked")
        cubes = accessible_braincubes(session, caller.account_id)
        access_list = [access_element(cube) for cube in cubes]
    return {**answer, "email": caller.email, "userEmail": caller.email, "accessList": access_list}
