"""Personal access tokens (PATs) and session tokens.

A token reads ``bd_<kind letter><public id>_<secret>``: the public id (12 hex digits) finds
the row, and the secret is checked against its argon2 hash. The full token is shown once, at
creation, and never stored or logged. Because argon2 is slow by design, a verified token is
remembered in memory by its SHA-256 digest; the row is still re-read on every request, so
revocation and expiry take effect immediately.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from braindock.server.errors import BadRequest, NotFound
from braindock.server.identity.passwords import hash_secret, verify_secret
from braindock.server.storage.models import Account, Token, utcnow

#: Every scope a token can carry. Braincube documents BRAINCUBE + SSO_READ for its PATs.
SCOPES = ("BRAINCUBE", "SSO_READ", "BRAINSTEM", "NEUROSPEED")
SESSION_LIFETIME = timedelta(hours=12)
#: Token kind → prefix. ``"sso"``: the ``BD_SSO`` login cookie of the Braincube SSO login page
#: (``braincube/oauth2.py``), issued only there after a password login and accepted only there.
_PREFIX = {"pat": "bd_p", "session": "bd_s", "sso": "bd_l"}


@dataclass(frozen=True)
class Caller:
    """Who is asking: the account behind a verified, unrevoked, unexpired token.

    ``oauth2_token_id`` is set when the token is an OAuth2 access token (``identity/oauth2/``) or a session
    opened with one (the ``oauth2_tokens`` row id).
    """

    account_id: int
    email: str
    token_id: int
    scopes: frozenset[str]
    oauth2_token_id: int | None = None

    def has_scope(self, scope: str) -> bool:
        """``True`` when the token carries ``scope`` (e.g. ``"BRAINSTEM"``)."""
        return scope in self.scopes


def _check_scopes(scopes: list[str] | None) -> list[str]:
    if scopes is None:
        return list(SCOPES)
    chosen = []
    for scope in scopes:
        upper = scope.strip().upper()
        if upper not in SCOPES:
            raise BadRequest(f"scope: unknown scope {scope!r}; known scopes: {', '.join(SCOPES)}", field="scope")
        chosen.append(upper)
    return sorted(set(chosen))


def issue_token(
    session: Session,
    account: Account,
    scopes: list[str] | None = None,
    kind: str = "pat",
    lifetime: timedelta | None = None,
) -> tuple[Token, str]:
    """Create a token for ``account`` and return ``(row, plaintext)``; the plaintext is not kept.

    Args:
        scopes: scope names (``None``: all of :data:`SCOPES`; an empty list is an error).
        kind: ``"pat"``, ``"session"`` or ``"sso"`` (the SSO login cookie, see :data:`_PREFIX`).
        lifetime: expiry from now (``None``: never expires).

    Raises:
        BadRequest: an unknown scope, or an empty ``scopes`` list.
    """
    if scopes is not None and not scopes:
        raise BadRequest("scope: give at least one scope", field="scope")
    public_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    row = Token(
        public_id=public_id,
        account_id=account.id,
        kind=kind,
        secret_hash=hash_secret(secret),
        scopes=_check_scopes(scopes),
        expires_at=(utcnow() + lifetime) if lifetime else None,
    )
    session.add(row)
    session.flush()
    return row, f"{_PREFIX[kind]}{public_id}_{secret}"


def revoke_token(session: Session, public_id: str) -> Token:
    """Revoke a token by its public id (the 12 hex digits after ``bd_p``).

    Raises:
        NotFound: no such token.
    """
    row = session.scalar(select(Token).where(Token.public_id == public_id))
    if row is None:
        raise NotFound(f"token {public_id} does not exist")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


class TokenVerifier:
    """Turns a presented token into a :class:`Caller`, or ``None`` when it is not valid."""

    def __init__(self, max_cached: int = 10_000) -> None:
        self._verified: dict[bytes, int] = {}
        self._lock = threading.Lock()
        self._max_cached = max_cached

    def verify(self, session: Session, presented: str, kinds: tuple[str, ...] = ("pat", "session")) -> Caller | None:
        """The :class:`Caller` for ``presented``, or ``None`` when it is not a usable token.

        ``None`` for a malformed token, a kind not in ``kinds``, an unknown id, a wrong secret, a revoked or
        expired token, or a deleted account. Verified secrets are cached (by SHA-256) to skip the argon2 check.
        OAuth2 access tokens (``bdo_...``) are verified by :mod:`.oauth2.access` when ``kinds`` has ``"oauth2"``;
        a session opened with one ends when that access token is revoked.
        """
        if presented.startswith("bdo_"):
            from braindock.server.identity.oauth2.access import verify_access_token

            return verify_access_token(session, presented) if "oauth2" in kinds else None
        kind = next((k for k, prefix in _PREFIX.items() if presented.startswith(prefix)), None)
        if kind is None or kind not in kinds:
            return None
        body = presented[len(_PREFIX[kind]) :]
        public_id, sep, secret = body.partition("_")
        if not sep or len(public_id) != 12 or not secret:
            return None
        row = session.scalar(select(Token).where(Token.public_id == public_id))
        if row is None or row.kind != kind:
            return None
        digest = hashlib.sha256(presented.encode()).digest()
        with self._lock:
            cached = self._verified.get(digest)
        if cached != row.id:
            if not verify_secret(row.secret_hash, secret):
                return None
            with self._lock:
                if len(self._verified) >= self._max_cached:
                    self._verified.clear()
                self._verified[digest] = row.id
        now: datetime = utcnow()
        if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
            return None
        if row.oauth2_token_id is not None:
            from braindock.server.identity.oauth2.access import session_parent_is_live

            if not session_parent_is_live(session, row.oauth2_token_id):
                return None
        account = session.get(Account, row.account_id)
        if account is None:
            return None
        return Caller(
            account.id, account.email, row.id, frozenset(row.scopes or ()), oauth2_token_id=row.oauth2_token_id
        )
