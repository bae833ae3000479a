"""Tables of the Braincube SSO OAuth2 authorization server (RFC 6749): applications, codes, tokens.

No secret is stored in the clear: an application's ``client_secret``, authorization codes and access/refresh
tokens are kept as the hex SHA-256 digest of their value. They are 256-bit random strings chosen by the
server (never by a person), so a slow password hash such as argon2 adds nothing against guessing (2^256
candidates) while it would let anyone who knows a ``client_id`` burn server CPU with wrong secrets at the
token endpoint; the project rule "secrets hashed with argon2" is for passwords and other low-entropy secrets.
The client secret digest is compared with :func:`hmac.compare_digest`. Migration ``0006`` creates these tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from braindock.server.storage.models import Base, utcnow


class OAuth2Application(Base):
    """A registered OAuth2 client (``braindock oauth-app create``).

    ``redirect_uris`` and ``scopes`` are JSON lists; a redirect URI must match one of them exactly
    (RFC 6749 3.1.2.3). ``revoked_at`` set: the application no longer exists for the protocol.
    """

    __tablename__ = "oauth2_applications"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    secret_hash: Mapped[str] = mapped_column(String(200))  # "sha256$" + hex digest of the client secret
    name: Mapped[str] = mapped_column(String(200))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class OAuth2AuthorizationCode(Base):
    """A single-use authorization code (RFC 6749 4.1.2), with its PKCE challenge (RFC 7636 4.4)."""

    __tablename__ = "oauth2_authorization_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("oauth2_applications.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str | None] = mapped_column(String(2000), default=None)
    scope: Mapped[str] = mapped_column(String(500), default="")
    code_challenge: Mapped[str | None] = mapped_column(String(128), default=None)
    code_challenge_method: Mapped[str | None] = mapped_column(String(10), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class OAuth2Token(Base):
    """An access token and its refresh token (RFC 6749 1.4, 1.5), one row per issue.

    ``revoked_at`` ends both (RFC 7009 2.1); ``code_id`` names the code the row was issued for (rows from a
    refresh keep their parent's), the grant "family": a replayed code, a reused (spent) refresh token and the
    revocation of a refresh token revoke every row of the family (RFC 6749 4.1.2, 10.4; RFC 7009 2.1).
    ``refresh_used_at`` marks a spent refresh token (claimed once by a conditional ``UPDATE``); its digest stays
    so that a reuse is recognised.
    """

    __tablename__ = "oauth2_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("oauth2_applications.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth2_authorization_codes.id", ondelete="SET NULL"), default=None, index=True
    )
    access_digest: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    refresh_digest: Mapped[str | None] = mapped_column(String(64), unique=True, index=True, default=None)
    scope: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    refresh_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    refresh_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    application: Mapped[OAuth2Application] = relationship(lazy="select")
