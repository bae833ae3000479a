"""NeuroSpeed insight engine: per-user minute series of cognitive-analysis values, per-customer access flags, first day of the week.

Placeholder revision reserved for this change; its upgrade and downgrade are filled in by the work that owns it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 20:00:00
"""

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
