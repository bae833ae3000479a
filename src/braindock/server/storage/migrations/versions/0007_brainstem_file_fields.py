"""BrainSTEM file fields: stored files of license documents, setup and data-acquisition images, protocol attachments.

Placeholder revision reserved for this change; its upgrade and downgrade are filled in by the work that owns it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 20:00:00
"""

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
