"""BrainSTEM list speed and brain-region hierarchy.

* Every link table's ``target_id`` index becomes ``(target_id, source_id)``: the records linked to a caller's
  projects are read from the index alone.
* The indexes of ``bs_subject`` and ``bs_session`` (whose visibility is a probe of their project links by
  ``id``) carry ``id`` as a second column, so a filtered ``count(*)`` never reads the table.
* ``bs_session__datastorage`` rows become ``sessiondatastorage`` records: ``id`` (unique, filled in for the
  existing rows), ``created_at``, ``updated_at``, ``created_by`` (``brainstem.md`` 4.1.10).
* ``bs_brainregion`` gets the atlas fields of the BrainSTEM data model: ``region_id``, ``parent_acronym``
  and ``graph_order`` (``brainstem.md`` 4.5.3).

Index names are unchanged; only their columns change.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 22:10:00
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: (table, index, columns after this revision, columns before it)
INDEXES = [
    ("bs_behavior__subjects", "ix_bs_behavior__subjects_target_id", ["target_id", "source_id"], ["target_id"]),
    (
        "bs_behavioralassay__licenses",
        "ix_bs_behavioralassay__licenses_target_id",
        ["target_id", "source_id"],
        ["target_id"],
    ),
    (
        "bs_behavioralparadigm__species",
        "ix_bs_behavioralparadigm__species_target_id",
        ["target_id", "source_id"],
        ["target_id"],
    ),
    ("bs_cohort__subjects", "ix_bs_cohort__subjects_target_id", ["target_id", "source_id"], ["target_id"]),
    ("bs_collection__sessions", "ix_bs_collection__sessions_target_id", ["target_id", "source_id"], ["target_id"]),
    (
        "bs_dataacquisition__equipment",
        "ix_bs_dataacquisition__equipment_target_id",
        ["target_id", "source_id"],
        ["target_id"],
    ),
    (
        "bs_dataacquisition__procedures",
        "ix_bs_dataacquisition__procedures_target_id",
        ["target_id", "source_id"],
        ["target_id"],
    ),
    ("bs_epoch__behaviors", "ix_bs_epoch__behaviors_target_id", ["target_id", "source_id"], ["target_id"]),
    ("bs_epoch__dataacquisition", "ix_bs_epoch__dataacquisition_target_id", ["target_id", "source_id"], ["target_id"]),
    ("bs_epoch__manipulations", "ix_bs_epoch__manipulations_target_id", ["target_id", "source_id"], ["target_id"]),
    (
        "bs_laboratory__principal_investigators",
        "ix_bs_laboratory__principal_investigators_target_id",
        ["target_id", "source_id"],
        ["target_id"],
    ),
    (
        "bs_license__license_holders",
        "ix_bs_license__license_holders_target_id",
        ["target_id", "source_id"],
        ["target_id"],
    ),
    (
        "bs_manipulation__equipment",
        "ix_bs_manipulation__equipment_target_id",
        ["target_id", "source_id"],
        ["target_id"],
    ),
    (
        "bs_manipulation__procedures",
        "ix_bs_manipulation__procedures_target_id",
        ["target_id", "source_id"],
        ["target_id"],
    ),
    ("bs_procedure__equipment", "ix_bs_procedure__equipment_target_id", ["target_id", "source_id"], ["target_id"]),
    ("bs_procedure__licenses", "ix_bs_procedure__licenses_target_id", ["target_id", "source_id"], ["target_id"]),
    ("bs_project__publications", "ix_bs_project__publications_target_id", ["target_id", "source_id"], ["target_id"]),
    ("bs_protocol__licenses", "ix_bs_protocol__licenses_target_id", ["target_id", "source_id"], ["target_id"]),
    ("bs_session__datastorage", "ix_bs_session__datastorage_target_id", ["target_id", "source_id"], ["target_id"]),
    ("bs_session__projects", "ix_bs_session__projects_target_id", ["target_id", "source_id"], ["target_id"]),
    ("bs_subject__licenses", "ix_bs_subject__licenses_target_id", ["target_id", "source_id"], ["target_id"]),
    ("bs_subject__projects", "ix_bs_subject__projects_target_id", ["target_id", "source_id"], ["target_id"]),
    ("bs_user__active_projects", "ix_bs_user__active_projects_target_id", ["target_id", "source_id"], ["target_id"]),
    ("bs_subject", "ix_bs_subject_birth_date", ["birth_date", "id"], ["birth_date"]),
    ("bs_subject", "ix_bs_subject_breeding_id", ["breeding_id", "id"], ["breeding_id"]),
    ("bs_subject", "ix_bs_subject_created_at", ["created_at", "id"], ["created_at"]),
    ("bs_subject", "ix_bs_subject_created_by", ["created_by", "id"], ["created_by"]),
    ("bs_subject", "ix_bs_subject_death_date", ["death_date", "id"], ["death_date"]),
    ("bs_subject", "ix_bs_subject_genetic_line", ["genetic_line", "id"], ["genetic_line"]),
    ("bs_subject", "ix_bs_subject_genotype", ["genotype", "id"], ["genotype"]),
    ("bs_subject", "ix_bs_subject_name_used_in_storage", ["name_used_in_storage", "id"], ["name_used_in_storage"]),
    ("bs_subject", "ix_bs_subject_sex", ["sex", "id"], ["sex"]),
    ("bs_subject", "ix_bs_subject_status", ["status", "id"], ["status"]),
    ("bs_subject", "ix_bs_subject_strain_id", ["strain_id", "id"], ["strain_id"]),
    ("bs_subject", "ix_bs_subject_subject_identifier", ["subject_identifier", "id"], ["subject_identifier"]),
    ("bs_subject", "ix_bs_subject_supplier_id", ["supplier_id", "id"], ["supplier_id"]),
    ("bs_session", "ix_bs_session_created_at", ["created_at", "id"], ["created_at"]),
    ("bs_session", "ix_bs_session_created_by", ["created_by", "id"], ["created_by"]),
    ("bs_session", "ix_bs_session_date_time", ["date_time", "id"], ["date_time"]),
    ("bs_session", "ix_bs_session_name_used_in_storage", ["name_used_in_storage", "id"], ["name_used_in_storage"]),
]


LINK_RECORDS = "bs_session__datastorage"


def upgrade() -> None:
    """Widen the BrainSTEM list indexes, make session data-storage links records, add brain-region atlas fields."""
    for table, name, columns, _ in INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, unique=False)
    with op.batch_alter_table(LINK_RECORDS, schema=None) as batch_op:
        batch_op.add_column(sa.Column("id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("created_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "created_by",
                sa.Integer(),
                sa.ForeignKey("accounts.id", ondelete="SET NULL", name=f"fk_{LINK_RECORDS}_created_by"),
                nullable=True,
            )
        )
    connection = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    links = connection.execute(sa.text(f"SELECT source_id, target_id FROM {LINK_RECORDS}")).all()
    for source_id, target_id in links:
        connection.execute(
            sa.text(
                f"UPDATE {LINK_RECORDS} SET id = :id, created_at = :now, updated_at = :now "
                "WHERE source_id = :source AND target_id = :target"
            ),
            {"id": str(uuid.uuid4()), "now": now, "source": source_id, "target": target_id},
        )
    with op.batch_alter_table(LINK_RECORDS, schema=None) as batch_op:
        batch_op.alter_column("id", existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column("created_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.create_index(f"ix_{LINK_RECORDS}_id", ["id"], unique=True)
    with op.batch_alter_table("bs_brainregion", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("parent_acronym", sa.String(length=15), nullable=True))
        batch_op.add_column(sa.Column("graph_order", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_bs_brainregion_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bs_brainregion_parent_acronym"), ["parent_acronym"], unique=False)
        batch_op.create_index(batch_op.f("ix_bs_brainregion_graph_order"), ["graph_order"], unique=False)


def downgrade() -> None:
    """Restore the previous indexes and drop the link-record and brain-region columns added by :func:`upgrade`."""
    with op.batch_alter_table(LINK_RECORDS, schema=None) as batch_op:
        batch_op.drop_index(f"ix_{LINK_RECORDS}_id")
        batch_op.drop_constraint(f"fk_{LINK_RECORDS}_created_by", type_="foreignkey")
        batch_op.drop_column("created_by")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("created_at")
        batch_op.drop_column("id")
    with op.batch_alter_table("bs_brainregion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bs_brainregion_graph_order"))
        batch_op.drop_index(batch_op.f("ix_bs_brainregion_parent_acronym"))
        batch_op.drop_index(batch_op.f("ix_bs_brainregion_region_id"))
        batch_op.drop_column("graph_order")
        batch_op.drop_column("parent_acronym")
        batch_op.drop_column("region_id")
    for table, name, _, columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, unique=False)
