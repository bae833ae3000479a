"""NeuroSpeed tokens: HS256 JWT access and refresh tokens (``shared/reference/neurospeed.md`` 2.1-2.8, 8.1 D1/D2).

Claims: ``sub`` (customer id or user id, as a string), ``role`` (``"customer"`` | ``"user"``), ``cid``
(customer id), ``typ`` (``"access"`` | ``"refresh"``), ``iat``, ``exp``; refresh tokens also carry ``jti``.

* Access tokens live :data:`ACCESS_LIFETIME` (24 h: room sockets reuse the token they started with and have
  no refresh token to fall back on, 2.8); refresh tokens :data:`REFRESH_LIFETIME` (30 days) and are
  **rotated**: ``POST /api/auth/refresh_token`` revokes the presented one and returns a new pair.
* The signing key is 64 random bytes generated on the first start in ``<data dir>/neurospeed-jwt.key``
  (mode 0600). It is never logged; deleting the file invalidates every NeuroSpeed token.
* Every verification re-reads the principal, so deleting a user ends its tokens at once.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from braindock.server.neurospeed.errors import NsBadRefresh
from braindock.server.storage.models import Account, utcnow
from braindock.server.storage.neurospeed_models import NsCustomer, NsRefreshToken, NsUser

log = logging.getLogger("braindock.neurospeed.auth")

ACCESS_LIFETIME = timedelta(hours=24)
REFRESH_LIFETIME = timedelta(days=30)
KEY_FILE = "neurospeed-jwt.key"
ALGORITHM = "HS256"


def load_signing_key(data_dir: Path) -> bytes:
    """The JWT signing key of this data directory, created (0600) on first use."""
    path = data_dir / KEY_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(64))
    log.info("generated a new NeuroSpeed token signing key in %s", path)
    return bytes.fromhex(path.read_text().strip())


@dataclass(frozen=True)
class Principal:
    """Who a NeuroSpeed token belongs to.

    Attributes:
        role: ``"customer"`` or ``"user"``.
        customer: the customer (for a user: the user's customer).
        account: the braindock account owning the customer.
        user: the user for a user token, else ``None``.
    """

    role: str
    customer: NsCustomer
    account: Account
    user: NsUser | None = None

    @property
    def is_customer(self) -> bool:
        """``True`` for a customer token, ``False`` for a user token."""
        return self.role == "customer"


class TokenService:
    """Issues and verifies NeuroSpeed JWTs with one signing key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _encode(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def decode(self, token: str, typ: str) -> dict[str, Any] | None:
        """The claims of a valid, unexpired token of type ``typ``, else ``None``."""
        try:
            claims = jwt.decode(token, self._key, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "typ"]})
        except jwt.PyJWTError:
            return None
        return claims if claims.get("typ") == typ and claims.get("role") in ("customer", "user") else None

    def issue_pair(self, session: Session, role: str, subject_id: int, customer_id: int) -> dict[str, str]:
        """A new ``{"accessToken", "refreshToken"}`` pair; the refresh token's ``jti`` is recorded."""
        now = datetime.now(UTC)
        base = {"sub": str(subject_id), "role": role, "cid": customer_id, "iat": now}
        access = self._encode({**base, "typ": "access", "exp": now + ACCESS_LIFETIME})
        jti = secrets.token_hex(16)
        refresh = self._encode({**base, "typ": "refresh", "jti": jti, "exp": now + REFRESH_LIFETIME})
        session.add(
            NsRefreshToken(
                jti=jti, role=role, subject_id=subject_id, expires_at=(now + REFRESH_LIFETIME).replace(tzinfo=None)
            )
        )
        session.flush()
        return {"accessToken": access, "refreshToken": refresh}

    def principal(self, session: Session, token: str | None, typ: str = "access") -> Principal | None:
        """The live principal of ``token`` (``None`` if invalid, expired, or its user/customer is gone)."""
        if not token:
            return None
        claims = self.decode(token, typ)
        if claims is None:
            return None
        return _load_principal(session, claims)

    def refresh(self, session: Session, refresh_token: Any) -> dict[str, str]:
        """Rotate ``refresh_token`` into a new pair (``POST /auth/refresh_token``, 2.4).

        Raises:
            NsBadRefresh: malformed, expired, already used or revoked, or its principal is gone (401,
                message never ``Unauthorized``).
        """
        claims = self.decode(refresh_token, "refresh") if isinstance(refresh_token, str) else None
        if claims is None or _load_principal(session, claims) is None:
            raise NsBadRefresh()
        row = session.scalar(select(NsRefreshToken).where(NsRefreshToken.jti == claims.get("jti")))
        if row is None or row.revoked_at is not None:
            raise NsBadRefresh()
        row.revoked_at = utcnow()
        return self.issue_pair(session, claims["role"], int(claims["sub"]), int(claims["cid"]))


def _load_principal(session: Session, claims: dict[str, Any]) -> Principal | None:
    try:
        subject = int(claims["sub"])
        customer_id = int(claims["cid"])
    except (KeyError, TypeError, ValueError):
        return None
    customer = session.get(NsCustomer, customer_id)
    if customer is None:
        return None
    account = session.get(Account, customer.owner_id)
    if account is None:
        return None
    if claims["role"] == "customer":
        return Principal("customer", customer, account) if subject == customer.id else None
    user = session.get(NsUser, subject)
    if user is None or user.customer_id != customer.id:
        return None
    return Principal("user", customer, account, user)
