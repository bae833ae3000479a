"""OAuth2 authorization server: registered applications, authorization codes, access and refresh tokens.

* ``oauth2_applications``: registered clients (argon2 hash of the secret, redirect URIs, scopes, owner).
* ``oauth2_authorization_codes``: single-use codes (SHA-256 digest), with their PKCE challenge and expiry.
* ``oauth2_tokens``: access + refresh token pairs (SHA-256 digests), expiry, revocation, issuing code.
* ``tokens.oauth2_token_id``: the access token a Braincube session was opened with (the session ends with it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the three OAuth2 tables and the session → access token link."""
    op.create_table(
        "oauth2_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["accounts.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_oauth2_applications_client_id", "oauth2_applications", ["client_id"], unique=True)
    op.create_table(
        "oauth2_authorization_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_digest", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=True),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("code_challenge", sa.String(length=128), nullable=True),
        sa.Column("code_challenge_method", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["oauth2_applications.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_oauth2_authorization_codes_code_digest", "oauth2_authorization_codes", ["code_digest"], unique=True
    )
    op.create_index("ix_oauth2_authorization_codes_application_id", "oauth2_authorization_codes", ["application_id"])
    op.create_index("ix_oauth2_authorization_codes_account_id", "oauth2_authorization_codes", ["account_id"])
    op.create_table(
        "oauth2_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=True),
        sa.Column("access_digest", sa.String(length=64), nullable=False),
        sa.Column("refresh_digest", sa.String(length=64), nullable=True),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("refresh_expires_at", sa.DateTime(), nullable=True),
        sa.Column("refresh_used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["oauth2_applications.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["code_id"], ["oauth2_authorization_codes.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_oauth2_tokens_application_id", "oauth2_tokens", ["application_id"])
    op.create_index("ix_oauth2_tokens_account_id", "oauth2_tokens", ["account_id"])
    op.create_index("ix_oauth2_tokens_code_id", "oauth2_tokens", ["code_id"])
    op.create_index("ix_oauth2_tokens_access_digest", "oauth2_tokens", ["access_digest"], unique=True)
    op.create_index("ix_oauth2_tokens_refresh_digest", "oauth2_tokens", ["refresh_digest"], unique=True)
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("oauth2_token_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_tokens_oauth2_token_id", ["oauth2_token_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_tokens_oauth2_token_id", "oauth2_tokens", ["oauth2_token_id"], ["id"], ondelete="CASCADE"
        )


def downgrade() -> None:
    """Drop the session link and the three OAuth2 tables."""
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_constraint("fk_tokens_oauth2_token_id", type_="foreignkey")
        batch_op.drop_index("ix_tokens_oauth2_token_id")
        batch_op.drop_column("oauth2_token_id")
    op.drop_table("oauth2_tokens")
    op.drop_table("oauth2_authorization_codes")
    op.drop_table("oauth2_applications")
