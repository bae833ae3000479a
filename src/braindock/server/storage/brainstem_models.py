"""BrainSTEM tables, generated from the model registry on the shared ``Base.metadata``.

Imported at the end of :mod:`braindock.server.storage.models`, so the Alembic environment sees these
tables (migration ``0002_brainstem``). Layout:

* one table per model (``bs_<model>``), ``id`` a UUID string (an autoincrement integer for groups),
  scalar fields as columns, single links as ``<field>_id`` foreign keys, plus the hidden columns
  ``created_at``, ``updated_at`` and ``created_by``;
* one association table per to-many link, ``bs_<model>__<field>`` (``source_id``, ``target_id``,
  ``position``), indexed both ways;
* ``bs_file``: one row per stored file of the content-addressed store (``<data dir>/files/sha256/ab/cdef...``),
  with its size, sniffed content type and the number of record fields referring to it (migration 0007); a file
  field is two columns of its record, ``<field>`` (the SHA-256) and ``<field>_name`` (the uploaded name);
* ``bs_tag`` (tags of every record), ``bs_grant`` (user and group permission levels on projects and
  personal attributes), ``bs_group_member``, ``bs_approval`` (every ``<model>approval`` resource),
  ``bs_device_authorization`` (device login);
* the BrainSTEM ``user`` is the shared ``accounts`` row: its profile fields and ``is_admin`` are
  extra columns of ``accounts``.

Every filterable or sortable scalar column with a bounded length is indexed, as is every link, both ways:
the primary key ``(source_id, target_id)`` and ``(target_id, source_id)``. The indexes of subjects and sessions
carry ``id`` as a second column, so their visibility probe (``permissions._linked_to``) needs no table read
(migration 0005). A link table exposed as a model (``Model.link_of``: ``sessiondatastorage``) also has ``id``,
``created_at``, ``updated_at`` and ``created_by``.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import mapped_column

from braindock.server.brainstem import registry
from braindock.server.brainstem.fields import (
    Boolean,
    Date,
    DateTime,
    File,
    ForeignKey,
    Integer,
    Json,
    ManyToMany,
    Model,
    Scalar,
    Text,
    Timestamp,
)
from braindock.server.storage.models import Account, Base, utcnow

metadata = Base.metadata
UUID_LENGTH = 36
ON_DELETE = {"cascade": "CASCADE", "set_null": "SET NULL", "protect": None}

#: Longest uploaded file name kept (longer names are cut, keeping the extension).
FILE_NAME_LENGTH = 255

#: Permission levels (``brainstem.md`` 5.1), cumulative.
MEMBER, CONTRIBUTOR, MANAGER, OWNER = 1, 2, 3, 4


def _id_type(model: Model) -> sa.types.TypeEngine:
    return sa.Integer() if model.id_kind == "int" else sa.String(UUID_LENGTH)


def _scalar_type(item: Scalar) -> sa.types.TypeEngine:
    if isinstance(item, Text):
        return sa.String(item.db_length) if item.db_length else sa.Text()
    if isinstance(item, Boolean):
        return sa.Boolean()
    if isinstance(item, Integer):
        return sa.Integer()
    if isinstance(item, Date):
        return sa.Date()
    if isinstance(item, DateTime | Timestamp):
        return sa.DateTime()
    if isinstance(item, Json):
        return sa.JSON()
    raise TypeError(f"no column type for {item!r}")


def _server_default(item: Scalar) -> sa.sql.ClauseElement | str | None:
    default = item.default()
    if isinstance(default, bool):
        return sa.true() if default else sa.false()
    if isinstance(default, str):
        return default
    return None


def _fk_column(item: ForeignKey, index: bool = True) -> sa.Column:
    target = item.target_model
    assert target is not None
    constraint = (
        [sa.ForeignKey(f"{target.table}.id", ondelete=ON_DELETE.get(item.on_delete))] if item.db_constraint else []
    )
    return sa.Column(
        item.column, _id_type(target), *constraint, nullable=not (item.required and not item.nullable), index=index
    )


def _covering(model: Model) -> bool:
    """Subjects and sessions: their visibility is a probe of their project links by ``id``, so their indexes
    carry ``id`` too and a filtered ``count`` never reads the table itself (migration 0005)."""
    return model.access.kind == "via_projects"


def _model_table(model: Model) -> sa.Table:
    id_column = (
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True)
        if model.id_kind == "int"
        else sa.Column("id", sa.String(UUID_LENGTH), primary_key=True)
    )
    covering = _covering(model)
    columns: list[sa.schema.SchemaItem] = [
        id_column,
        sa.Column("created_at", sa.DateTime(), nullable=False, default=utcnow, index=not covering),
        sa.Column("updated_at", sa.DateTime(), nullable=False, default=utcnow),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("accounts.id", ondelete="SET NULL"), index=not covering),
    ]
    indexed = ["created_at", "created_by"]
    for item in model.fields:
        if isinstance(item, Timestamp):
            continue
        if isinstance(item, ForeignKey):
            columns.append(_fk_column(item, index=not covering))
            indexed.append(item.column)  # type: ignore[arg-type]
        elif isinstance(item, File):
            # the SHA-256 of the stored file (a ``bs_file`` row) and the uploaded name (migration 0007)
            columns.append(sa.Column(item.column, sa.String(500), nullable=True))
            columns.append(sa.Column(item.name_column, sa.String(FILE_NAME_LENGTH), nullable=True))
        elif isinstance(item, Scalar):
            index = item.index and not item.unique
            columns.append(
                sa.Column(
                    item.name,
                    _scalar_type(item),
                    nullable=item.nullable,
                    index=index and not covering,
                    unique=item.unique,
                )
            )
            if index:
                indexed.append(item.name)
    if covering:
        columns.extend(sa.Index(f"ix_{model.table}_{name}", name, "id") for name in indexed)
    for group in model.unique_together:
        names = [model.by_name[name].column for name in group]
        columns.append(sa.UniqueConstraint(*names, name=f"uq_{model.table}_{'_'.join(group)}"))
    return sa.Table(model.table, metadata, *columns)


def _extend_accounts(model: Model) -> sa.Table:
    """The BrainSTEM ``user`` lives on ``accounts``: add its profile columns there."""
    table = Account.__table__
    for item in model.fields:
        if isinstance(item, Scalar) and not isinstance(item, Json) and item.name not in table.c:
            setattr(
                Account,
                item.name,
                mapped_column(
                    _scalar_type(item),
                    nullable=item.nullable,
                    default=item.default(),
                    server_default=_server_default(item),
                ),
            )
    if "is_admin" not in table.c:
        Account.is_admin = mapped_column(sa.Boolean(), nullable=False, default=False, server_default=sa.false())
    return table  # type: ignore[return-value]


def _association(model: Model, item: ManyToMany) -> sa.Table:
    """``bs_<model>__<field>``: primary key ``(source_id, target_id)``, and ``(target_id, source_id)`` so the
    records linked to a set of targets (a caller's projects) are read from the index alone (migration 0005)."""
    target = item.target_model
    assert target is not None
    name = f"bs_{model.name}__{item.name}"
    return sa.Table(
        name,
        metadata,
        sa.Column(
            "source_id", _id_type(model), sa.ForeignKey(f"{model.table}.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "target_id",
            _id_type(target),
            sa.ForeignKey(f"{target.table}.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer(), nullable=False, default=0),
        sa.Index(f"ix_{name}_target_id", "target_id", "source_id"),
        *(_record_columns(name) if _exposed(model, item) else []),
    )


def _exposed(model: Model, item: ManyToMany) -> bool:
    """A registry model shows this link table's rows as records (``Model.link_of``: ``sessiondatastorage``)."""
    return any(other.link_of == (model.name, item.name) for other in registry.ALL.values())


def _record_columns(name: str) -> list[sa.schema.SchemaItem]:
    """What makes link rows records: an ``id`` and the usual hidden columns (migration 0005)."""
    return [
        sa.Column("id", sa.String(UUID_LENGTH), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False, default=utcnow),
        sa.Column("updated_at", sa.DateTime(), nullable=False, default=utcnow),
        sa.Column(
            "created_by",
            sa.Integer(),
            sa.ForeignKey("accounts.id", ondelete="SET NULL", name=f"fk_{name}_created_by"),
            nullable=True,
        ),
        sa.Index(f"ix_{name}_id", "id", unique=True),
    ]


group = sa.Table(
    "bs_group",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(), nullable=False, default=utcnow, index=True),
    sa.Column("updated_at", sa.DateTime(), nullable=False, default=utcnow),
    sa.Column("created_by", sa.Integer(), sa.ForeignKey("accounts.id", ondelete="SET NULL"), index=True),
    sa.Column("name", sa.String(150), nullable=False, unique=True),
)

group_member = sa.Table(
    "bs_group_member",
    metadata,
    sa.Column("group_id", sa.Integer(), sa.ForeignKey("bs_group.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("level", sa.Integer(), nullable=False, default=MEMBER),
    sa.Index("ix_bs_group_member_account_id", "account_id"),
)

grant = sa.Table(
    "bs_grant",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("model", sa.String(40), nullable=False),
    sa.Column("record_id", sa.String(UUID_LENGTH), nullable=False),
    sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True),
    sa.Column("group_id", sa.Integer(), sa.ForeignKey("bs_group.id", ondelete="CASCADE"), nullable=True),
    sa.Column("level", sa.Integer(), nullable=False),
    sa.Index("ix_bs_grant_record", "model", "record_id"),
    sa.Index("ix_bs_grant_account", "account_id", "model", "level"),
    sa.Index("ix_bs_grant_group", "group_id", "model", "level"),
)

tag = sa.Table(
    "bs_tag",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("model", sa.String(40), nullable=False),
    sa.Column("record_id", sa.String(UUID_LENGTH), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False, default=0),
    sa.Column("tag", sa.String(100), nullable=False),
    sa.Column("tag_lower", sa.String(100), nullable=False),
    sa.Index("ix_bs_tag_record", "model", "record_id"),
    sa.Index("ix_bs_tag_lower", "model", "tag_lower"),
)

approval = sa.Table(
    "bs_approval",
    metadata,
    sa.Column("id", sa.String(UUID_LENGTH), primary_key=True),
    sa.Column("created_at", sa.DateTime(), nullable=False, default=utcnow, index=True),
    sa.Column("updated_at", sa.DateTime(), nullable=False, default=utcnow),
    sa.Column("created_by", sa.Integer(), sa.ForeignKey("accounts.id", ondelete="SET NULL"), index=True),
    sa.Column("model", sa.String(40), nullable=False, index=True),
    sa.Column("instance_id", sa.String(UUID_LENGTH), nullable=True, index=True),
    sa.Column("action", sa.String(8), nullable=False),
    sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True),
    sa.Column("status", sa.String(10), nullable=False, index=True),
    sa.Column("comments", sa.Text(), nullable=False, default=""),
    sa.Column("payload", sa.JSON(), nullable=False),
)

file_blob = sa.Table(
    "bs_file",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.BigInteger(), nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("refs", sa.Integer(), nullable=False, default=0),
    sa.Column("created_at", sa.DateTime(), nullable=False, default=utcnow),
)

device_authorization = sa.Table(
    "bs_device_authorization",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("device_code_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_code", sa.String(9), nullable=False, unique=True),
    sa.Column("session_id", sa.String(32), nullable=False, unique=True),
    sa.Column("client_name", sa.String(100), nullable=False, default=""),
    sa.Column("status", sa.String(12), nullable=False, default="pending"),
    sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=True),
    sa.Column("token_id", sa.Integer(), sa.ForeignKey("tokens.id", ondelete="SET NULL"), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False, default=utcnow),
    sa.Column("expires_at", sa.DateTime(), nullable=False, index=True),
)

#: Model name to its table (approval models share ``bs_approval``).
TABLES: dict[str, sa.Table] = {}
#: (model name, field name) to the association table of a to-many link.
LINKS: dict[tuple[str, str], sa.Table] = {}

for _model in registry.ALL.values():
    if _model.link_of is not None:
        continue  # its table is a link table, below
    if _model.approval_of is not None:
        TABLES[_model.name] = approval
    elif _model.table == "accounts":
        TABLES[_model.name] = _extend_accounts(_model)
    elif _model.table == "bs_group":
        TABLES[_model.name] = group
    else:
        TABLES[_model.name] = _model_table(_model)
for _model in registry.ALL.values():
    for _field in _model.fields:
        if isinstance(_field, ManyToMany):
            LINKS[(_model.name, _field.name)] = _association(_model, _field)
for _model in registry.ALL.values():
    if _model.link_of is not None:
        TABLES[_model.name] = LINKS[_model.link_of]

accounts: sa.Table = Account.__table__  # type: ignore[assignment]
