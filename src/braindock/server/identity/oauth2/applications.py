"""OAuth2 scopes and registered applications (``braindock oauth-app create|list|revoke``).

Scopes (RFC 6749 3.3, case-sensitive, space-separated on the wire) and the identity scopes a token gets:

| OAuth2 scope | grants | why |
|---|---|---|
| ``BRAINCUBE`` | ``BRAINCUBE`` | the Braincube web services and braindata (``braincube.md`` 2.1) |
| ``SSO_READ`` | ``SSO_READ`` | ``/sso-server/ws/user/me`` (``braincube.md`` 2.3) |
| ``API`` | ``BRAINCUBE`` | braincube-token-getter 0.0.2 asks for ``BASE API`` |
| ``BASE`` | ``SSO_READ`` | same |
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from braindock.server.errors import BadRequest, NotFound
from braindock.server.identity.passwords import hash_secret
from braindock.server.storage.models import Account, utcnow
from braindock.server.storage.oauth2_models import OAuth2Application, OAuth2Token

#: OAuth2 scope → identity scopes it grants (see the module docstring).
OAUTH2_SCOPES: dict[str, tuple[str, ...]] = {
    "BRAINCUBE": ("BRAINCUBE",),
    "SSO_READ": ("SSO_READ",),
    "API": ("BRAINCUBE",),
    "BASE": ("SSO_READ",),
}
#: What each scope lets the application do, as the consent page says it.
SCOPE_DESCRIPTIONS = {
    "BRAINCUBE": "read the braincubes you may use (memory bases, variables, data)",
    "SSO_READ": "read your e-mail address and the list of braincubes you may use",
    "API": "read the braincubes you may use (memory bases, variables, data)",
    "BASE": "read your e-mail address and the list of braincubes you may use",
}
CLIENT_ID_PREFIX = "bdc_"


def identity_scopes(scope: str | None) -> frozenset[str]:
    """The identity scopes (``BRAINCUBE``, ``SSO_READ``) granted by a space-separated OAuth2 ``scope``."""
    return frozenset(granted for name in (scope or "").split() for granted in OAUTH2_SCOPES.get(name, ()))


def check_scopes(scopes: Iterable[str] | None) -> list[str]:
    """``scopes`` validated against :data:`OAUTH2_SCOPES`, in their order without repeats (default: all).

    Raises:
        BadRequest: an unknown scope (``field="scope"``).
    """
    chosen: list[str] = []
    for scope in scopes or OAUTH2_SCOPES:
        for name in scope.split():
            if name not in OAUTH2_SCOPES:
                raise BadRequest(
                    f"scope: unknown OAuth2 scope {name!r}; known scopes: {', '.join(OAUTH2_SCOPES)}", field="scope"
                )
            if name not in chosen:
                chosen.append(name)
    return chosen


def check_redirect_uri(uri: str) -> str:
    """``uri`` if it is an absolute ``http``/``https`` URI without fragment (RFC 6749 3.1.2).

    Raises:
        BadRequest: anything else (``field="redirect_uri"``).
    """
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment or "code=" in parts.query:
        raise BadRequest(
            f"redirect_uri: {uri!r} must be an absolute http(s) URI without fragment or code parameter",
            field="redirect_uri",
        )
    return uri


def create_application(
    session: Session,
    name: str,
    redirect_uris: list[str],
    owner: Account | None = None,
    scopes: list[str] | None = None,
) -> tuple[OAuth2Application, str]:
    """Register an application; returns ``(row, client_secret)``. Only an argon2 hash of the secret is kept.

    Args:
        name: shown on the consent page.
        redirect_uris: at least one; the authorization request's ``redirect_uri`` must equal one of them.
        owner: the account that registered it (informational: any account may authorize any application).
        scopes: OAuth2 scopes the application may ask for (default: all of :data:`OAUTH2_SCOPES`).

    Raises:
        BadRequest: empty name, no redirect URI, a malformed redirect URI or an unknown scope.
    """
    name = name.strip()
    if not name:
        raise BadRequest("name: must not be empty", field="name")
    if not redirect_uris:
        raise BadRequest("redirect_uri: give at least one redirect URI", field="redirect_uri")
    uris = list(dict.fromkeys(check_redirect_uri(uri.strip()) for uri in redirect_uris))
    secret = secrets.token_urlsafe(32)
    row = OAuth2Application(
        client_id=CLIENT_ID_PREFIX + secrets.token_hex(16),
        secret_hash=hash_secret(secret),
        name=name,
        redirect_uris=uris,
        scopes=check_scopes(scopes),
        owner_id=owner.id if owner else None,
    )
    session.add(row)
    session.flush()
    return row, secret


def list_applications(session: Session) -> list[OAuth2Application]:
    """Every registered application, revoked ones included, in registration order."""
    return list(session.scalars(select(OAuth2Application).order_by(OAuth2Application.id)))


def revoke_application(session: Session, client_id: str) -> OAuth2Application:
    """Revoke an application and every token issued to it (its sessions end with them).

    Raises:
        NotFound: no application with ``client_id``.
    """
    row = session.scalar(select(OAuth2Application).where(OAuth2Application.client_id == client_id))
    if row is None:
        raise NotFound(f"OAuth2 application {client_id} does not exist")
    now = utcnow()
    if row.revoked_at is None:
        row.revoked_at = now
    for token in session.scalars(
        select(OAuth2Token).where(OAuth2Token.application_id == row.id, OAuth2Token.revoked_at.is_(None))
    ):
        token.revoked_at = now
    return row
