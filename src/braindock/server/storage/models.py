"""Tables of the metadata store (accounts, tokens, braincubes and memory-base entities).

Conventions: ``id`` is the integer primary key; for Braincube entities it is also the ``bcId``
exposed on the wire (see ``shared/reference/braincube.md`` 3.4). Structured Braincube members
(conditions, model entries, ...) are stored as JSON documents because the protocol treats them
as opaque trees.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """The current time in UTC as a naive :class:`datetime.datetime` (how timestamps are stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Declarative base of the metadata-store tables."""

    pass


class Account(Base):
    """A person or service that signs in (email + argon2 password hash)."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Token(Base):
    """A personal access token or a session token; only an argon2 hash of its secret is kept.

    ``kind`` is ``"pat"`` (created by ``braindock token create``) or ``"session"`` (from the
    Braincube OAuth2 exchange). ``scopes`` is a JSON list of scope names. A session opened with an OAuth2
    access token names it in ``oauth2_token_id`` and ends with it (``storage/oauth2_models.py``).
    """

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="pat")
    secret_hash: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    oauth2_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("oauth2_tokens.id", ondelete="CASCADE"), default=None, index=True
    )


class Braincube(Base):
    """A Braincube: a named container of memory bases, owned by one account."""

    __tablename__ = "braincubes"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True, index=True)
    product_id: Mapped[str] = mapped_column(String(36), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BraincubeGrant(Base):
    """Access of one account to one braincube (the owner has an implicit grant)."""

    __tablename__ = "braincube_grants"
    __table_args__ = (UniqueConstraint("braincube_id", "account_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    braincube_id: Mapped[int] = mapped_column(ForeignKey("braincubes.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)


class MemoryBase(Base):
    """A memory base: a table of samples, one DuckDB file, ordered by one variable."""

    __tablename__ = "memory_bases"
    __table_args__ = (UniqueConstraint("braincube_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    braincube_id: Mapped[int] = mapped_column(ForeignKey("braincubes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    uuid: Mapped[str] = mapped_column(String(36))
    order_variable_id: Mapped[int | None] = mapped_column(Integer, default=None)
    row_count: Mapped[int] = mapped_column(default=0)
    sample_file: Mapped[str] = mapped_column(String(300))
    source: Mapped[str | None] = mapped_column(String(500), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Variable(Base):
    """A variable (column) of a memory base; ``bc_id`` starts at 2000001 in every memory base."""

    __tablename__ = "variables"
    __table_args__ = (UniqueConstraint("memory_base_id", "bc_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    memory_base_id: Mapped[int] = mapped_column(ForeignKey("memory_bases.id", ondelete="CASCADE"), index=True)
    bc_id: Mapped[int] = mapped_column(Integer)
    standard: Mapped[str] = mapped_column(String(300))
    tag: Mapped[str] = mapped_column(String(300))
    local: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(16))
    storage: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(50), default=None)


class MbEntity(Base):
    """A data group, event, job or rule of a memory base (``kind`` says which).

    ``document`` holds the protocol members other than ``bcId``/``name``/``uuid``
    (``variables``, ``conditions``, ``modelEntries``, ``dataGroups``, ``events``, ...).
    ``job_id`` links a rule to the job it belongs to, if any.
    """

    __tablename__ = "mb_entities"
    id: Mapped[int] = mapped_column(primary_key=True)
    memory_base_id: Mapped[int] = mapped_column(ForeignKey("memory_bases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(300))
    uuid: Mapped[str] = mapped_column(String(36))
    job_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


import braindock.server.storage.brainstem_models  # noqa: E402,F401  (BrainSTEM tables on Base.metadata)
import braindock.server.storage.neurospeed_models  # noqa: E402,F401  (NeuroSpeed tables on Base.metadata)
import braindock.server.storage.oauth2_models  # noqa: E402,F401  (Braincube SSO OAuth2 tables on Base.metadata)
