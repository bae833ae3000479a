"""NeuroSpeed recorder and exporter metadata (``ns_recorders``, ``ns_exporters``).

Written from ``braindock.server.storage.neurospeed_models`` (recorded packets themselves are files under
``<data dir>/recordings/<recorder id>/``, exports under ``<data dir>/exports/<exporter id>/``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``ns_recorders`` and ``ns_exporters`` (recorder and exporter metadata)."""
    op.create_table(
        "ns_recorders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("recorder_name", sa.String(length=256), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("request_status", sa.String(length=32), nullable=False),
        sa.Column("unlimited", sa.Boolean(), nullable=False),
        sa.Column("packets_count", sa.Integer(), nullable=False),
        sa.Column("recorder_size", sa.Integer(), nullable=False),
        sa.Column("sensors", sa.JSON(), nullable=False),
        sa.Column("stream_ids", sa.JSON(), nullable=False),
        sa.Column("experiment_labels", sa.JSON(), nullable=False),
        sa.Column("hia_ids", sa.JSON(), nullable=False),
        sa.Column("minimum_timestamp", sa.Double(), nullable=True),
        sa.Column("maximum_timestamp", sa.Double(), nullable=True),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["ns_customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["ns_users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_ns_recorders_customer_id"), "ns_recorders", ["customer_id"], unique=False)
    op.create_index(op.f("ix_ns_recorders_status"), "ns_recorders", ["status"], unique=False)
    op.create_index(op.f("ix_ns_recorders_user_id"), "ns_recorders", ["user_id"], unique=False)
    op.create_table(
        "ns_exporters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recorder_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("exporter_name", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("unlimited", sa.Boolean(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("rows_count", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["ns_customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorder_id"], ["ns_recorders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_ns_exporters_customer_id"), "ns_exporters", ["customer_id"], unique=False)
    op.create_index(op.f("ix_ns_exporters_recorder_id"), "ns_exporters", ["recorder_id"], unique=False)


def downgrade() -> None:
    """Drop ``ns_exporters`` and ``ns_recorders``."""
    op.drop_index(op.f("ix_ns_exporters_recorder_id"), table_name="ns_exporters")
    op.drop_index(op.f("ix_ns_exporters_customer_id"), table_name="ns_exporters")
    op.drop_table("ns_exporters")
    op.drop_index(op.f("ix_ns_recorders_user_id"), table_name="ns_recorders")
    op.drop_index(op.f("ix_ns_recorders_status"), table_name="ns_recorders")
    op.drop_index(op.f("ix_ns_recorders_customer_id"), table_name="ns_recorders")
    op.drop_table("ns_recorders")
