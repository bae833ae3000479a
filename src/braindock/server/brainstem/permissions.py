"""Who may see and change what (``brainstem.md`` 1.2 portals, 5 permission model).

Visibility is compiled to SQL (:func:`visible`) so lists are filtered, counted and paged in the
database. Write rules (:func:`check_write`) run on the single record being changed and raise
:class:`PermissionDenied` (403); records the caller cannot see never get that far (404).

Levels are cumulative (member < contributor < manager < owner) and come from direct grants and from
groups (``bs_grant``); a group's level applies to all its members. Decisions (6.2): private lists
hold what the caller reaches through membership (plus every catalogue record); a private *detail*
of a record that is only public succeeds; the ``super`` portal is for administrators only (403).
The private user list holds the caller and the members of the caller's projects and groups (accounts
are shared by all protocols, so an open directory would list every tenant); users are still named by
id in references (invitations, license holders) without being listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from braindock.server.brainstem.errors import PermissionDenied
from braindock.server.brainstem.fields import Model
from braindock.server.storage import brainstem_models as db
from braindock.server.storage.brainstem_models import CONTRIBUTOR, MANAGER, MEMBER, OWNER

LEVEL_NAMES = {MEMBER: "member", CONTRIBUTOR: "contributor", MANAGER: "manager", OWNER: "owner"}


@dataclass
class Ctx:
    """One request's caller and portal.

    Attributes:
        session: the database unit of work.
        portal: ``private``, ``public`` or ``super``.
        account_id: the caller's account (``None`` on the public portal or when anonymous).
        is_admin: the caller is an administrator (staff).
        base_url: absolute URL of the server root, ending in ``/``.
        files: the request's stored-file operations (:class:`.files.FileChanges`), ``None`` when reading.
    """

    session: Session
    portal: str
    account_id: int | None
    is_admin: bool = False
    base_url: str = "/"
    cache: dict[Any, Any] = field(default_factory=dict)
    files: Any = None

    @property
    def superuser(self) -> bool:
        """``True`` for an administrator calling through the ``super`` portal (``brainstem.md`` 5.8)."""
        return self.portal == "super" and self.is_admin


# ---------------------------------------------------------------------------------------------
# Levels
# ---------------------------------------------------------------------------------------------


def my_groups(ctx: Ctx, level: int = MEMBER) -> sa.Select:
    """Ids of the groups the caller belongs to with at least ``level``."""
    member = db.group_member
    return sa.select(member.c.group_id).where(member.c.account_id == ctx.account_id, member.c.level >= level)


def granted(ctx: Ctx, model: str, level: int = MEMBER) -> sa.Select:
    """Ids of ``model`` records (projects, personal attributes) where the caller has ``level``."""
    grant = db.grant
    return sa.select(grant.c.record_id).where(
        grant.c.model == model,
        grant.c.level >= level,
        sa.or_(grant.c.account_id == ctx.account_id, grant.c.group_id.in_(my_groups(ctx))),
    )


def level_on(ctx: Ctx, model: str, record_id: Any) -> int:
    """The caller's effective level on one project or personal attribute (0: none)."""
    if ctx.account_id is None:
        return 0
    key = ("level", model, record_id)
    if key not in ctx.cache:
        grant = db.grant
        query = sa.select(sa.func.max(grant.c.level)).where(
            grant.c.model == model,
            grant.c.record_id == str(record_id),
            sa.or_(grant.c.account_id == ctx.account_id, grant.c.group_id.in_(my_groups(ctx))),
        )
        ctx.cache[key] = ctx.session.scalar(query) or 0
    return ctx.cache[key]


def group_level(ctx: Ctx, group_id: Any) -> int:
    """The caller's level inside a group (0: not a member)."""
    if ctx.account_id is None:
        return 0
    member = db.group_member
    query = sa.select(member.c.level).where(member.c.group_id == group_id, member.c.account_id == ctx.account_id)
    return ctx.session.scalar(query) or 0


# ---------------------------------------------------------------------------------------------
# Visibility
# ---------------------------------------------------------------------------------------------

#: Up to this many ids, a caller's project (or personal-attribute) set goes into the SQL as a literal ``IN``
#: list, resolved once per request; above it, as a subquery.
LITERAL_IDS_MAX = 500


def _public_only(ctx: Ctx) -> bool:
    return ctx.portal == "public" or ctx.account_id is None


def _cached_ids(ctx: Ctx, key: Any, query: sa.Select) -> list[Any] | sa.Select:
    """``query``'s ids, run once per request (``ctx.cache``); the query itself when there are too many."""
    if key not in ctx.cache:
        ids = list(ctx.session.scalars(query.limit(LITERAL_IDS_MAX + 1)))
        ctx.cache[key] = ids if len(ids) <= LITERAL_IDS_MAX else query
    return ctx.cache[key]


def _union(first: list[Any] | sa.Select, second: list[Any] | sa.Select) -> list[Any] | sa.Select:
    """Two project id sets as one (a list when both are lists)."""
    if isinstance(first, list) and isinstance(second, list):
        return list(dict.fromkeys([*first, *second]))
    project = db.TABLES["project"]

    def as_select(ids: list[Any] | sa.Select) -> sa.Select:
        return ids if isinstance(ids, sa.Select) else sa.select(project.c.id).where(project.c.id.in_(ids))

    return sa.union(as_select(first), as_select(second))  # type: ignore[return-value]


def member_ids(ctx: Ctx, model: str) -> list[Any] | sa.Select:
    """Ids of the projects (or personal attributes of ``model``) where the caller is at least a member,
    directly or through a group (``brainstem.md`` 5.1, 5.4, 5.5).

    Returns:
        a list of ids resolved once per request (``ctx.cache``; empty without a caller), or the subquery when
        there are more than :data:`LITERAL_IDS_MAX`.
    """
    if ctx.account_id is None:
        return []
    return _cached_ids(ctx, ("member", model), granted(ctx, model).distinct())


def public_project_ids(ctx: Ctx) -> list[Any] | sa.Select:
    """Ids of the ``is_public`` projects (``brainstem.md`` 5.6): a list resolved once per request, or the
    subquery when there are more than :data:`LITERAL_IDS_MAX`.
    """
    project = db.TABLES["project"]
    return _cached_ids(ctx, ("public", "project"), sa.select(project.c.id).where(project.c.is_public.is_(True)))


def project_set(ctx: Ctx, mode: str) -> list[Any] | sa.Select:
    """The projects whose subjects, sessions, collections, ... the caller sees (``brainstem.md`` 5.3, 5.6): the
    public ones on the public portal or without a caller, the caller's own ones in a private list (``mode``
    ``list``), both for a ``read``.

    Returns:
        project ids as a list (deduplicated, resolved once per request) or a subquery when there are many.
    """
    if _public_only(ctx):
        return public_project_ids(ctx)
    if mode == "read":
        if ("read", "project") not in ctx.cache:
            ctx.cache[("read", "project")] = _union(member_ids(ctx, "project"), public_project_ids(ctx))
        return ctx.cache[("read", "project")]
    return member_ids(ctx, "project")


def _in(column: Any, ids: list[Any] | sa.Select) -> sa.ColumnElement[bool]:
    if isinstance(ids, list) and not ids:
        return sa.false()
    return column.in_(ids)


def _unindexed(column: Any, ctx: Ctx) -> Any:
    """``+column`` on SQLite: the planner must not use an index for this term.

    Used for the project side of a link probe: with ``source_id = ? AND target_id IN (50 ids)`` SQLite
    otherwise seeks the link's primary key once per (record, project) pair; with ``+target_id`` it seeks
    once per record and tests the (one or two) links it finds against the list.
    """
    if ctx.session.get_bind().dialect.name != "sqlite":
        return column
    return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


def _linked_to(
    ctx: Ctx, record_id: sa.ColumnElement[Any], link: sa.Table, projects: list[Any] | sa.Select, drive: str
) -> sa.ColumnElement[bool]:
    """The record (``record_id``) has a link in ``link`` to one of ``projects``.

    ``drive="record"``: a correlated ``EXISTS`` probing the link's primary key ``(source_id, target_id)`` once
    per candidate record, so the database walks the records matched by the other conditions (or the sort
    index) and stops early for a page. ``drive="link"``: ``record_id IN (SELECT source_id ... WHERE target_id
    IN projects)``, read from the covering ``(target_id, source_id)`` index; cheaper when the caller reaches
    few records. Both select the same records (:func:`visible_link_rows` helps choose).
    """
    if isinstance(projects, list) and not projects:
        return sa.false()
    if drive == "link":
        return record_id.in_(sa.select(link.c.source_id).where(link.c.target_id.in_(projects)))
    row = link.alias()  # the link table may also appear in the enclosing query (related-lookup filters)
    linked = sa.select(sa.literal(1)).select_from(row)
    linked = linked.where(row.c.source_id == record_id, _unindexed(row.c.target_id, ctx).in_(projects))
    return linked.correlate_except(row).exists()


def _visible_on(model: Model, ctx: Ctx, mode: str, table: sa.Table, drive: str) -> sa.ColumnElement[bool]:
    """Visibility of ``model``'s rows in ``table`` (an alias or the table), without the superuser shortcut."""
    access = model.access
    kind = access.kind
    c = table.c
    public_only = _public_only(ctx)
    if public_only and not model.public:
        return sa.false()
    if kind == "via_projects":
        return _linked_to(ctx, c.id, db.LINKS[(model.name, access.via)], project_set(ctx, mode), drive)  # type: ignore[index]
    if kind == "via_project":
        return _in(c[f"{access.via}_id"], project_set(ctx, mode))
    if kind in ("project", "personal"):
        parts = [] if public_only else [_in(c.id, member_ids(ctx, model.name))]
        if public_only or mode == "read":
            parts.append(c.is_public.is_(True))
        return sa.or_(*parts)
    if kind == "via_parent":
        parent_field = model.by_name[access.via]  # type: ignore[index]
        parent: Model = parent_field.target_model  # type: ignore[attr-defined,assignment]
        column = c[parent_field.column]
        if parent.access.kind == "via_projects":
            link = db.LINKS[(parent.name, parent.access.via)]  # type: ignore[index]
            return _linked_to(ctx, column, link, project_set(ctx, mode), "record")
        parent_table = db.TABLES[parent.name].alias()
        inner = _visible_on(parent, ctx, mode, parent_table, "record")
        return (
            sa.select(sa.literal(1))
            .select_from(parent_table)
            .where(parent_table.c.id == column, inner)
            .correlate_except(parent_table)
            .exists()
        )
    if public_only:
        return sa.true()  # catalogue, publications, users (without e-mail), groups, laboratories (5.6)
    if kind == "user":
        return _acquaintances(ctx, table)
    return _member_only(model, ctx, table)


def _acquaintances(ctx: Ctx, table: sa.Table) -> sa.ColumnElement[bool]:
    """Users the caller may look up on the private portal: themselves, members of the caller's projects
    (directly or through a group) and members of the caller's groups.

    The accounts are shared by every protocol, so an unrestricted directory would list every braindock
    tenant with e-mail (security finding F1). Administrators see everyone on the ``super`` portal.
    """
    grant, member = db.grant, db.group_member
    projects = member_ids(ctx, "project")
    on_projects = sa.and_(grant.c.model == "project", _in(grant.c.record_id, projects))
    direct = sa.select(grant.c.account_id).where(on_projects, grant.c.account_id.is_not(None))
    project_groups = sa.select(grant.c.group_id).where(on_projects, grant.c.group_id.is_not(None))
    groups = sa.union(project_groups, my_groups(ctx))
    through_groups = sa.select(member.c.account_id).where(member.c.group_id.in_(groups))
    return sa.or_(table.c.id == ctx.account_id, table.c.id.in_(direct), table.c.id.in_(through_groups))


def _member_only(model: Model, ctx: Ctx, table: sa.Table) -> sa.ColumnElement[bool]:
    """Kinds that do not depend on projects: catalogue, invitations, requests, approvals, ..."""
    kind = model.access.kind
    c = table.c
    if kind in ("catalogue", "publication", "user", "group", "laboratory"):
        return sa.true()
    if kind == "approval":
        return sa.true() if ctx.is_admin else c.created_by == ctx.account_id
    if kind == "project_invitation":
        return sa.or_(
            c.invitee_id == ctx.account_id,
            c.inviter_id == ctx.account_id,
            c.project_id.in_(granted(ctx, "project", MANAGER)),
        )
    if kind == "project_group_invitation":
        return sa.or_(
            c.invitee_id.in_(my_groups(ctx, MANAGER)),
            c.inviter_id == ctx.account_id,
            c.project_id.in_(granted(ctx, "project", MANAGER)),
        )
    if kind == "group_invitation":
        return sa.or_(
            c.user_account_invitation_id == ctx.account_id,
            c.inviter_id == ctx.account_id,
            c.authgroup_id.in_(my_groups(ctx, MANAGER)),
        )
    if kind == "group_request":
        return sa.or_(c.user_account_request_id == ctx.account_id, c.authgroup_id.in_(my_groups(ctx, MANAGER)))
    raise AssertionError(kind)


def visible(
    model: Model, ctx: Ctx, mode: str = "list", table: sa.Table | None = None, drive: str = "record"
) -> sa.ColumnElement[bool]:
    """SQL condition selecting the records of ``model`` the caller may see.

    The caller's projects (and personal attributes) are resolved once per request into a literal id list,
    so a record's visibility costs one index probe (5.3: subjects and sessions through their project links,
    collections/cohorts/breedings through ``project``, module records through their parent).

    Args:
        mode: ``list`` (a private list: membership only) or ``read`` (a detail, an include or a
            reference: membership or public).
        table: the table (or alias) the condition applies to (default: the model's table).
        drive: for subjects and sessions, ``record`` (probe the links of each candidate) or ``link`` (read
            the reachable ids from the project side); see :func:`_linked_to`.
    """
    table = db.TABLES[model.name] if table is None else table
    condition: sa.ColumnElement[bool]
    condition = sa.true() if ctx.superuser else _visible_on(model, ctx, mode, table, drive)
    if model.discriminator is not None:
        condition = sa.and_(table.c.model == model.discriminator, condition)
    return condition


def visible_link_rows(model: Model, ctx: Ctx, mode: str, cap: int) -> int | None:
    """How many project links (at most ``cap``) lead to records of ``model`` the caller sees, or ``None``
    when the model's visibility does not go through project links (or the caller sees everything).

    Counted on the covering ``(target_id, source_id)`` index of the link table: about 20x cheaper per row
    than probing a record's links, so it is a cheap estimate of what ``drive="link"`` would cost
    (visibility through project links: ``brainstem.md`` 5.3).
    """
    if ctx.superuser or model.access.kind != "via_projects":
        return None
    link = db.LINKS[(model.name, model.access.via)]  # type: ignore[index]
    projects = project_set(ctx, mode)
    if isinstance(projects, list) and not projects:
        return 0
    return count_capped(ctx, sa.select(sa.literal(1)).select_from(link).where(link.c.target_id.in_(projects)), cap)


def count_capped(ctx: Ctx, query: sa.Select, cap: int) -> int:
    """How many rows ``query`` selects, counting no further than ``cap`` (the database stops there).

    Returns:
        ``min(rows, cap)``.
    """
    return ctx.session.scalar(sa.select(sa.func.count()).select_from(query.limit(cap).subquery())) or 0


def visible_ids(model: Model, ctx: Ctx, ids: Iterable[Any]) -> set[Any]:
    """The subset of ``ids`` the caller may read (for users: that exist, see :func:`_acquaintances`)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return set()
    table = db.TABLES[model.name]
    query = sa.select(table.c.id).where(table.c.id.in_(wanted))
    if model.access.kind != "user":  # a user is referenced by id (invitee, license holder) without a lookup
        query = query.where(visible(model, ctx, "read"))
    return set(ctx.session.scalars(query))


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------


def project_ids_of(ctx: Ctx, model: Model, record_id: Any) -> list[Any]:
    """Projects a subject or session belongs to."""
    link = db.LINKS[(model.name, model.access.via)]  # type: ignore[index]
    return list(ctx.session.scalars(sa.select(link.c.target_id).where(link.c.source_id == record_id)))


def can_write_under(model: Model, ctx: Ctx, record_id: Any) -> bool:
    """Contributor rights on a record as a container: may the caller add, change or delete what
    hangs from it (sessions of a project, behaviors of a session, equipment of a setup, ...)?
    """
    if ctx.superuser:
        return True
    if ctx.account_id is None or record_id is None:
        return False
    kind = model.access.kind
    if kind in ("project", "personal"):
        return level_on(ctx, model.name, record_id) >= CONTRIBUTOR
    if kind == "via_projects":
        return any(level_on(ctx, "project", pid) >= CONTRIBUTOR for pid in project_ids_of(ctx, model, record_id))
    if kind in ("via_project", "via_parent"):
        parent_field = model.by_name[model.access.via]  # type: ignore[index]
        table = db.TABLES[model.name]
        parent_id = ctx.session.scalar(sa.select(table.c[parent_field.column]).where(table.c.id == record_id))
        return can_write_under(parent_field.target_model, ctx, parent_id)  # type: ignore[attr-defined,arg-type]
    return False


def _need(ok: bool, message: str) -> None:
    if not ok:
        raise PermissionDenied(message)


def check_write(model: Model, ctx: Ctx, op: str, row: Any = None, new: dict[str, Any] | None = None) -> None:
    """Raise :class:`PermissionDenied` unless the caller may ``op`` (``create``, ``change``,
    ``delete``) this record (5.2-5.5).

    Args:
        row: the stored record (change, delete).
        new: field name to new value for the fields being written (links as ids / id lists).
    """
    if ctx.superuser:
        return
    new = new or {}
    kind = model.access.kind
    if kind == "project":
        if op == "change":
            details = set(new) - {"users", "groups"}
            if details:
                _need(level_on(ctx, "project", row.id) >= OWNER, "Only owners of the project may change its details.")
        elif op == "delete":
            _need(level_on(ctx, "project", row.id) >= OWNER, "Only owners of the project may delete it.")
    elif kind == "via_projects":
        via = model.access.via
        current = project_ids_of(ctx, model, row.id) if row is not None else []
        if op != "create":
            _need(
                any(level_on(ctx, "project", pid) >= CONTRIBUTOR for pid in current),
                f"You need contributor rights on a project of this {model.name}.",
            )
        if via in new:
            touched = set(new[via]) ^ set(current) if op != "create" else set(new[via])
            for pid in sorted(touched, key=str):
                _need(
                    level_on(ctx, "project", pid) >= CONTRIBUTOR,
                    f"You need contributor rights on project {pid} to add or remove it.",
                )
    elif kind in ("via_project", "via_parent"):
        parent_field = model.by_name[model.access.via]  # type: ignore[index]
        parent = parent_field.target_model  # type: ignore[attr-defined]
        column = parent_field.column
        targets = []
        if row is not None:
            targets.append(getattr(row, column))
        if parent_field.name in new:
            targets.append(new[parent_field.name])
        for target in dict.fromkeys(targets):
            _need(
                can_write_under(parent, ctx, target),
                f"You need contributor rights on the {parent.name} {target} to change its {model.plural}.",
            )
    elif kind == "personal":
        # sharing (``users``/``groups``) needs manage rights, then is checked member by member (5.4): a reader
        # sending ``{"users": {}}`` is refused (it would otherwise pass and touch ``updated_at``)
        if op == "delete" or (op == "change" and set(new) - {"users", "groups"}):
            _need(
                level_on(ctx, model.name, row.id) >= OWNER,
                f"Only owners of the {model.name} may {'delete it' if op == 'delete' else 'change it'}.",
            )
        elif op == "change" and {"users", "groups"} & set(new):
            _need(
                level_on(ctx, model.name, row.id) >= MANAGER,
                f"Only managers or owners of the {model.name} may change who it is shared with.",
            )
    elif kind == "catalogue":
        if op == "delete" or model.access.admin_only:
            _need(ctx.is_admin, f"Only administrators may {op} {model.plural}.")
    elif kind == "publication":
        if op in ("change", "delete"):
            _need(ctx.is_admin or row.created_by == ctx.account_id, "Only the submitter may change this publication.")
    elif kind == "approval":
        if op == "delete":
            _need(
                ctx.is_admin or (row.created_by == ctx.account_id and row.status == "Pending"),
                "Only the submitter may withdraw a pending request.",
            )
        else:
            _need(ctx.is_admin, "Only administrators may change approval requests.")
    elif kind == "user":
        if op == "change":
            _need(ctx.is_admin or row.id == ctx.account_id, "You may only change your own profile.")
        elif op == "delete":
            _need(ctx.is_admin, "Only administrators may delete users.")
    elif kind == "group":
        if op == "change" and set(new) - {"users"}:
            _need(group_level(ctx, row.id) >= OWNER, "Only owners of the group may rename it.")
        elif op == "delete":
            _need(group_level(ctx, row.id) >= OWNER, "Only owners of the group may delete it.")
    elif kind in ("project_invitation", "project_group_invitation"):
        project_id = new.get("project", getattr(row, "project_id", None))
        if op == "delete":
            _need(
                row.inviter_id == ctx.account_id or level_on(ctx, "project", row.project_id) >= MANAGER,
                "Only managers of the project or the inviter may cancel this invitation.",
            )
        else:
            _need(level_on(ctx, "project", project_id) >= MANAGER, "Only managers of the project may invite.")
            flags = {**({} if row is None else {"own": row.own_project, "manage": row.manage_project})}
            if new.get("own_project") or new.get("manage_project") or (flags and any(flags.values())):
                _need(level_on(ctx, "project", project_id) >= OWNER, "Only owners may invite managers or owners.")
    elif kind == "group_invitation":
        group_id = new.get("authgroup", getattr(row, "authgroup_id", None))
        if op == "delete":
            _need(
                row.inviter_id == ctx.account_id or group_level(ctx, row.authgroup_id) >= MANAGER,
                "Only managers of the group or the inviter may cancel this invitation.",
            )
        else:
            _need(group_level(ctx, group_id) >= MANAGER, "Only managers of the group may invite.")
            if new.get("new_manager") or new.get("new_owner"):
                _need(group_level(ctx, group_id) >= OWNER, "Only owners may invite managers or owners.")
    elif kind == "group_request":
        if op == "delete":
            _need(
                row.user_account_request_id == ctx.account_id or group_level(ctx, row.authgroup_id) >= MANAGER,
                "Only the requester or managers of the group may remove this request.",
            )
        elif op == "change":
            _need(False, "Membership requests cannot be changed; accept, reject or cancel them.")
    elif kind == "laboratory":
        groups = []
        if row is not None:
            groups.append(row.group_id)
        if "group" in new:
            groups.append(new["group"])
        for group_id in dict.fromkeys(groups):
            _need(group_level(ctx, group_id) >= OWNER, "Only owners of the group may describe its laboratory.")
