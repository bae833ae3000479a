"""Authenticating an HTTP request against the shared identity.

Header names are matched case-insensitively (Starlette does that). Accepted credentials:

* ``X-api-key: <PAT>`` (Braincube, ``shared/reference/braincube.md`` 2.1),
* ``IPLSSOTOKEN: <session token>`` (Braincube OAuth2 mode, same section),
* ``Authorization: Bearer <PAT or session token>``,
* ``Authorization: Token <PAT or session token>`` (BrainSTEM scripts, ``shared/reference/brainstem.md`` 2.1).

An OAuth2 access token of the Braincube SSO (``identity/oauth2/``) is accepted wherever a session token is.
"""

from __future__ import annotations

from fastapi import Request

from braindock.server.errors import Forbidden, Unauthorized
from braindock.server.identity.tokens import Caller
from braindock.server.storage.database import Database


def presented_token(request: Request) -> tuple[str, tuple[str, ...]] | None:
    """The token a request carries and the token kinds its header may hold."""
    headers = request.headers
    if value := headers.get("x-api-key"):
        return value.strip(), ("pat",)
    if value := headers.get("iplssotoken"):
        return value.strip(), ("session", "oauth2")
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() in ("bearer", "token") and value.strip():
        return value.strip(), ("pat", "session", "oauth2")
    return None


def authenticate_request(request: Request, scope: str | None = None) -> Caller:
    """The :class:`Caller` behind ``request``.

    Raises:
        Unauthorized: no credentials, or an unknown, revoked or expired token (401).
        Forbidden: a valid token without ``scope`` (403).
    """
    found = presented_token(request)
    if found is None:
        raise Unauthorized("no credentials: send a personal access token in the X-api-key header")
    token, kinds = found
    services = request.app.state.services
    database: Database = services.database
    with database.session() as session:
        caller = services.verifier.verify(session, token, kinds)
    if caller is None:
        raise Unauthorized("invalid, expired or revoked token")
    if scope is not None and not caller.has_scope(scope):
        raise Forbidden(f"token lacks the {scope} scope")
    return caller
