"""BrainSTEM file fields: stored files of license documents, setup and data-acquisition images, protocol attachments.

* ``bs_file``: one row per file of the content-addressed store (``<data dir>/files/sha256/ab/cdef...``):
  ``sha256`` (primary key), ``size`` (bytes), ``content_type`` (sniffed from the bytes), ``refs`` (how many
  record fields refer to it; the file is deleted when it drops to 0) and ``created_at``.
* The four file fields keep their column (``bs_license.license_document``, ``bs_protocol.attachment``,
  ``bs_setup.image``, ``bs_dataacquisition.image``, until now always ``NULL``), which now holds the file's
  SHA-256, and get a ``<field>_name`` column with the uploaded file name (``brainstem.md`` 3.1, 4.2.3, 4.3).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: (table, file column) of every file field.
FILE_FIELDS = [
    ("bs_license", "license_document"),
    ("bs_protocol", "attachment"),
    ("bs_setup", "image"),
    ("bs_dataacquisition", "image"),
]


def upgrade() -> None:
    """Create ``bs_file`` and add the ``<field>_name`` columns."""
    op.create_table(
        "bs_file",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("refs", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    for table, column in FILE_FIELDS:
        # the columns were read-only and always NULL; nothing refers to a stored file yet
        op.execute(sa.text(f"UPDATE {table} SET {column} = NULL"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(f"{column}_name", sa.String(length=255), nullable=True))


def downgrade() -> None:
    """Drop the ``<field>_name`` columns and ``bs_file`` (stored files stay on disk, unreferenced)."""
    for table, column in FILE_FIELDS:
        op.execute(sa.text(f"UPDATE {table} SET {column} = NULL"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(f"{column}_name")
    op.drop_table("bs_file")
