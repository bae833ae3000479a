"""OAuth2 scopes and registered applications (``braindock oauth-app create|list|revoke``).

Scopes (RFC 6749 3.3, case-sensitive, space-separated on the wire) and the identity scopes a token gets:

| OAuth2 scope | grants | why |
|---|---|---|
| ``BRAINCUBE`` | ``BRAINCUBE`` | the Braincube web services and braindata (``braincube.md`` 2.1) |
| ``SSO_READ`` | ``SSO_READ`` | ``/sso-server/ws/user/me`` (``braincube.md`` 2.3) |
| ``API`` | ``BRAINCUBE`` | braincube-token-getter 0.0.2 asks for ``BASE API`` |
| ``BASE`` | ``SSO_READ`` | same |
| ``BRAINCUBE_WRITE`` | ``BRAINCUBE`` | braindock's authoring API (create, replace, delete memory bases and their
  entities); without it an OAuth2 token (and a session opened with it) only reads |

``BRAINCUBE_WRITE`` is never granted by default: an application gets it only when registered with
``--scope BRAINCUBE_WRITE`` and the user allows it on the consent page.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from braindock.server.errors import BadRequest, NotFound
from braindock.server.storage.models import Account, utcnow
from braindock.server.storage.oauth2_models import OAuth2Application, OAuth2Token

#: OAuth2 scope → identity scopes it grants (see the module docstring).
OAUTH2_SCOPES: dict[str, tuple[str, ...]] = {
    "BRAINCUBE": ("BRAINCUBE",),
    "SSO_READ": ("SSO_READ",),
    "API": ("BRAINCUBE",),
    "BASE": ("SSO_READ",),
    "BRAINCUBE_WRITE": ("BRAINCUBE",),
}
#: Scopes of an application registered without ``--scope`` (no write access).
DEFAULT_SCOPES = ("BRAINCUBE", "SSO_READ", "API", "BASE")
#: The OAuth2 scope an application token needs for the authoring API (``braincube/authoring.py``).
WRITE_SCOPE = "BRAINCUBE_WRITE"
#: What each scope lets the application do, as the consent page says it.
SCOPE_DESCRIPTIONS = {
    "BRAINCUBE": "read the braincubes you may use (memory bases, variables, data); no changes",
    "SSO_READ": "read your e-mail address and the list of braincubes you may use",
    "API": "read the braincubes you may use (memory bases, variables, data); no changes",
    "BASE": "read your e-mail address and the list of braincubes you may use",
    "BRAINCUBE_WRITE": "create, change and delete memory bases and their data in the braincubes you may use",
}
CLIENT_ID_PREFIX = "bdc_"


def secret_digest(secret: str) -> str:
    """How a client secret is stored: ``"sha256$"`` + hex SHA-256 (see ``storage/oauth2_models.py`` for why
    not argon2: the secret is 256-bit random)."""
    return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(stored: str, presented: str) -> bool:
    """Constant-time comparison of a presented client secret with its stored :func:`secret_digest`."""
    return hmac.compare_digest(stored.encode(), secret_digest(presented).encode())


def identity_scopes(scope: str | None) -> frozenset[str]:
    """The identity scopes (``BRAINCUBE``, ``SSO_READ``) granted by a space-separated OAuth2 ``scope``."""
    return frozenset(granted for name in (scope or "").split() for granted in OAUTH2_SCOPES.get(name, ()))


def check_scopes(scopes: Iterable[str] | None) -> list[str]:
    """``scopes`` validated against :data:`OAUTH2_SCOPES`, in their order without repeats (default:
    :data:`DEFAULT_SCOPES`).

    Raises:
        BadRequest: an unknown scope (``field="scope"``).
    """
    chosen: list[str] = []
    for scope in scopes or DEFAULT_SCOPES:
        for name in scope.split():
            if name not in OAUTH2_SCOPES:
                raise BadRequest(
                    f"scope: unknown OAuth2 scope {name!r}; known scopes: {', '.join(OAUTH2_SCOPES)}", field="scope"
                )
            if name not in chosen:
                chosen.append(name)
    return chosen


#: Hosts an ``http`` redirect URI may name (a native application's loopback listener, RFC 8252 7.3).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MAX_REDIRECT_URI = 2000


def check_redirect_uri(uri: str) -> str:
    """``uri`` if it is an absolute ``https`` URI (``http`` only for a loopback host, :data:`LOOPBACK_HOSTS`),
    ASCII, at most :data:`MAX_REDIRECT_URI` characters, without fragment or ``code`` parameter (RFC 6749
    3.1.2, 3.1.2.1; RFC 8252 7.3).

    Raises:
        BadRequest: anything else (``field="redirect_uri"``).
    """
    if len(uri) > MAX_REDIRECT_URI:
        raise BadRequest(f"redirect_uri: longer than {MAX_REDIRECT_URI} characters", field="redirect_uri")
    if not uri.isascii():
        raise BadRequest(f"redirect_uri: {uri!r} must be ASCII (percent-encode other characters)", field="redirect_uri")
    parts = urlsplit(uri)
    try:
        host = parts.hostname
    except ValueError:
        host = None
    if parts.scheme not in ("http", "https") or not host or parts.fragment or "code=" in parts.query:
        raise BadRequest(
            f"redirect_uri: {uri!r} must be an absolute http(s) URI without fragment or code parameter",
            field="redirect_uri",
        )
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        raise BadRequest(
            f"redirect_uri: {uri!r} must use https (plain http only for 127.0.0.1, localhost or [::1])",
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
    """Register an application; returns ``(row, client_secret)``. Only a SHA-256 digest of the secret is kept.

    Args:
        name: shown on the consent page.
        redirect_uris: at least one; the authorization request's ``redirect_uri`` must equal one of them.
        owner: the account that registered it (informational: any account may authorize any application).
        scopes: OAuth2 scopes the application may ask for (default: :data:`DEFAULT_SCOPES`).

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
        secret_hash=secret_digest(secret),
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
