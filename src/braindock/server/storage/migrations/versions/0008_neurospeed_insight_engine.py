"""NeuroSpeed insight engine: minute series of cognitive-analysis values, access flags, first day of the week.

Written from ``braindock.server.storage.neurospeed_models`` (``ns_insight_minutes``, ``ns_insight_settings``,
``ns_customer_access``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``ns_insight_minutes``, ``ns_insight_settings`` and ``ns_customer_access``."""
    op.create_table(
        "ns_insight_minutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.Column("function", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Double(), nullable=False),
        sa.Column("minimum", sa.Double(), nullable=False),
        sa.Column("maximum", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["ns_users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "function", "minute"),
    )
    op.create_index(op.f("ix_ns_insight_minutes_minute"), "ns_insight_minutes", ["minute"], unique=False)
    op.create_index(op.f("ix_ns_insight_minutes_user_id"), "ns_insight_minutes", ["user_id"], unique=False)
    op.create_table(
        "ns_insight_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("first_day_of_week", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["ns_users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "ns_customer_access",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("insights", sa.Boolean(), nullable=False),
        sa.Column("recordings", sa.Boolean(), nullable=False),
        sa.Column("raw_data", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["ns_customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("customer_id"),
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("ns_customer_access")
    op.drop_table("ns_insight_settings")
    op.drop_index(op.f("ix_ns_insight_minutes_user_id"), table_name="ns_insight_minutes")
    op.drop_index(op.f("ix_ns_insight_minutes_minute"), table_name="ns_insight_minutes")
    op.drop_table("ns_insight_minutes")
