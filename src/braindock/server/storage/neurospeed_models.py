"""NeuroSpeed tables: customers (one per braindock account), their users, refresh tokens and HIA connections.

A NeuroSpeed *customer* is a braindock :class:`~braindock.server.storage.models.Account`; the
``ns_customers`` row adds the public tenant identifier ``account_id`` (``shared/reference/neurospeed.md``
0.2, 8.1 D4). A *user* belongs to exactly one customer and is unique by ``username`` within it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from braindock.server.storage.models import Base, utcnow


class NsCustomer(Base):
    """The NeuroSpeed tenant of one braindock account; ``account_id`` is e.g. ``ada_Q7w2Lm9XzP``."""

    __tablename__ = "ns_customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), unique=True)
    account_id: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NsUser(Base):
    """An end user of one customer: ``username`` + argon2 ``password_hash``."""

    __tablename__ = "ns_users"
    __table_args__ = (UniqueConstraint("customer_id", "username"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("ns_customers.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NsRefreshToken(Base):
    """One issued refresh token, by its JWT ``jti``; a refresh revokes it (rotation).

    ``role`` is ``"customer"`` (``subject_id`` = ``ns_customers.id``) or ``"user"`` (``ns_users.id``).
    """

    __tablename__ = "ns_refresh_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    jti: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    role: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class NsHiaConnection(Base):
    """One ``/hia`` socket session (``neurospeed.md`` 3.4): who, which sensors, when, still connected."""

    __tablename__ = "ns_hia_connections"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ns_users.id", ondelete="CASCADE"), index=True)
    hia_id: Mapped[str] = mapped_column(String(200))
    socket_id: Mapped[str] = mapped_column(String(64))
    sensors: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    is_connected: Mapped[bool] = mapped_column(default=True, index=True)
    clock_skew_s: Mapped[float | None] = mapped_column(default=None)
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    disconnected_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NsRecorder(Base):
    """One recorder of a user (``neurospeed.md`` 4.1); its packets live in ``<data dir>/recordings/<id>/``.

    ``sensors`` maps each recorded stream id to ``{"device_type", "channels": [names]}``; ``stream_ids``,
    ``experiment_labels`` and ``hia_ids`` are the distinct values seen, in order of appearance. ``status`` is
    ``recording`` | ``paused`` | ``stopped`` (``resource_pending``/``pending`` pass at once, D15).
    ``deleted_at`` marks a soft delete (4.6).
    """

    __tablename__ = "ns_recorders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ns_users.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("ns_customers.id", ondelete="CASCADE"), index=True)
    recorder_name: Mapped[str | None] = mapped_column(String(256), default=None)
    status: Mapped[str] = mapped_column(String(32), default="recording", index=True)
    request_status: Mapped[str] = mapped_column(String(32), default="recording")
    unlimited: Mapped[bool] = mapped_column(default=True)
    packets_count: Mapped[int] = mapped_column(default=0)
    recorder_size: Mapped[int] = mapped_column(default=0)
    sensors: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stream_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    experiment_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    hia_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    minimum_timestamp: Mapped[float | None] = mapped_column(default=None)
    maximum_timestamp: Mapped[float | None] = mapped_column(default=None)
    stopped_at: Mapped[datetime | None] = mapped_column(default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NsExporter(Base):
    """One CSV export of a recorder (``neurospeed.md`` 5.2): ``status`` ``exporting`` | ``exported`` | ``failed``.

    ``config`` is the validated ``exporter_config``; the file is ``<data dir>/exports/<id>/<file_name>``.
    """

    __tablename__ = "ns_exporters"
    id: Mapped[int] = mapped_column(primary_key=True)
    recorder_id: Mapped[int] = mapped_column(ForeignKey("ns_recorders.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("ns_customers.id", ondelete="CASCADE"), index=True)
    exporter_name: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(32), default="exporting")
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    unlimited: Mapped[bool] = mapped_column(default=True)
    file_name: Mapped[str | None] = mapped_column(String(200), default=None)
    file_size: Mapped[int | None] = mapped_column(default=None)
    rows_count: Mapped[int | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(String(1000), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NsInsightMinute(Base):
    """One minute of one cognitive-analysis function of a user (insight engine, ``neurospeed.md`` 3.8).

    ``minute`` is the UTC minute as whole minutes since the epoch (``int(t // 60)`` of the computed window's
    last sample); ``count`` values were computed in it, their ``total`` (mean = total / count), ``minimum`` and
    ``maximum``. Unique per (user, function, minute); rows are upserted by the engine.
    """

    __tablename__ = "ns_insight_minutes"
    __table_args__ = (UniqueConstraint("user_id", "function", "minute"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ns_users.id", ondelete="CASCADE"), index=True)
    minute: Mapped[int] = mapped_column(BigInteger, index=True)
    function: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(default=0)
    total: Mapped[float] = mapped_column(default=0.0)
    minimum: Mapped[float] = mapped_column(default=0.0)
    maximum: Mapped[float] = mapped_column(default=0.0)


class NsInsightSettings(Base):
    """Per-user insight settings: ``first_day_of_week`` 0 = Monday … 6 = Sunday (``neurospeed.md`` 3.8)."""

    __tablename__ = "ns_insight_settings"
    user_id: Mapped[int] = mapped_column(ForeignKey("ns_users.id", ondelete="CASCADE"), primary_key=True)
    first_day_of_week: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class NsCustomerAccess(Base):
    """Access flags of a customer (``neurospeed.md`` 3.3); no row means every flag on (D6)."""

    __tablename__ = "ns_customer_access"
    customer_id: Mapped[int] = mapped_column(ForeignKey("ns_customers.id", ondelete="CASCADE"), primary_key=True)
    insights: Mapped[bool] = mapped_column(default=True)
    recordings: Mapped[bool] = mapped_column(default=True)
    raw_data: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
