"""Access tokens of the OAuth2 server as credentials: ``bdo_<random>`` → :class:`Caller`.

Access tokens are 256-bit random strings, stored as their SHA-256 digest (:func:`digest`); refresh tokens
(``bdr_<random>``) and authorization codes likewise. An access token is usable while it is unexpired,
unrevoked and its application is not revoked; it carries the identity scopes of its OAuth2 scopes
(:func:`.applications.identity_scopes`).
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from braindock.server.identity.oauth2.applications import identity_scopes
from braindock.server.identity.tokens import Caller
from braindock.server.storage.models import Account, utcnow
from braindock.server.storage.oauth2_models import OAuth2Application, OAuth2Token

ACCESS_PREFIX = "bdo_"
REFRESH_PREFIX = "bdr_"


def digest(value: str) -> str:
    """Hex SHA-256 of ``value`` (how codes and tokens are stored and looked up)."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_access_token() -> str:
    """A fresh access token, ``bdo_`` + 43 URL-safe characters (256 bits)."""
    return ACCESS_PREFIX + secrets.token_urlsafe(32)


def new_refresh_token() -> str:
    """A fresh refresh token, ``bdr_`` + 43 URL-safe characters (256 bits)."""
    return REFRESH_PREFIX + secrets.token_urlsafe(32)


def token_is_live(session: Session, row: OAuth2Token | None, check_expiry: bool = True) -> bool:
    """``True`` when ``row`` is unrevoked, (optionally) unexpired, and its application is not revoked."""
    if row is None or row.revoked_at is not None:
        return False
    if check_expiry and row.expires_at <= utcnow():
        return False
    application = session.get(OAuth2Application, row.application_id)
    return application is not None and application.revoked_at is None


def verify_access_token(session: Session, presented: str) -> Caller | None:
    """The :class:`Caller` behind an OAuth2 access token, or ``None`` when it is unknown, expired or revoked.

    ``Caller.token_id`` and ``Caller.oauth2_token_id`` are the ``oauth2_tokens`` row id.
    """
    if not presented.startswith(ACCESS_PREFIX):
        return None
    row = session.scalar(select(OAuth2Token).where(OAuth2Token.access_digest == digest(presented)))
    if row is None or not token_is_live(session, row):
        return None
    account = session.get(Account, row.account_id)
    if account is None:
        return None
    return Caller(account.id, account.email, row.id, identity_scopes(row.scope), oauth2_token_id=row.id)


def session_parent_is_live(session: Session, oauth2_token_id: int) -> bool:
    """Whether a Braincube session opened with access token ``oauth2_token_id`` may still be used.

    The session ends when its access token (or the token's grant or application) is revoked. Its expiry was
    set when it was opened to at most what the access token had left (``braincube/sso.py``), so it is not
    checked against the token's expiry again here.
    """
    return token_is_live(session, session.get(OAuth2Token, oauth2_token_id), check_expiry=False)
