"""OAuth2 authorization server: registered applications, authorization codes, access and refresh tokens.

Placeholder revision reserved for this change; its upgrade and downgrade are filled in by the work that owns it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 20:00:00
"""

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
