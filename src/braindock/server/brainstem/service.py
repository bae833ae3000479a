"""Generic list, detail, create, change and delete of any registry model (``brainstem.md`` 3, 4.6, 5).

Every function takes the request's :class:`Ctx` and a :class:`Route` (model + envelope keys) and
returns the JSON body; errors are raised as :mod:`.errors` exceptions. Records the caller cannot see
are 404; visible records the caller may not change are 403.

Deletes follow the declared links (decision 6.2 #25): children declared ``on_delete="cascade"``
(modules of a session, sessions' epochs, a project's collections, ...) are deleted with their
parent; ``set_null`` links are cleared; ``protect`` links (catalogue references, epochs referring to
a data acquisition) and subjects or sessions that would be left without any project answer 400.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from braindock.server.brainstem import registry
from braindock.server.brainstem.errors import Invalid, NotFound, PermissionDenied
from braindock.server.brainstem.fields import (
    Creator,
    File,
    ForeignKey,
    GroupUsers,
    ManyToMany,
    Members,
    Model,
    Reverse,
    Scalar,
    Timestamp,
    parse_id,
)
from braindock.server.brainstem.permissions import (
    Ctx,
    check_write,
    count_capped,
    group_level,
    level_on,
    visible,
    visible_link_rows,
)
from braindock.server.brainstem.query import Filter, FilterCompiler, ListParams, include_tree, order_by
from braindock.server.brainstem.registry import Route
from braindock.server.brainstem.schema import Changes, Record, current_links, fetch, parse_body, wire_value
from braindock.server.brainstem.serialize import Renderer, render_one
from braindock.server.storage import brainstem_models as db
from braindock.server.storage.brainstem_models import CONTRIBUTOR, MANAGER, MEMBER, OWNER
from braindock.server.storage.models import utcnow

# ---------------------------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------------------------


def _page_url(base: str, pairs: list[tuple[str, str]], limit: int, offset: int) -> str:
    kept = [(k, v) for k, v in pairs if k not in ("limit", "offset", "page", "per_page")]
    return f"{base}?{urlencode([*kept, ('limit', str(limit)), ('offset', str(offset))])}"


#: Reaching at most this many records through project links, a list reads them from the project side.
FEW_LINKED = 2000
#: The link count of :func:`visible_link_rows` stops here (it is only compared with other counts).
LINK_COUNT_CAP = 200_000


def _drives(model: Model, ctx: Ctx, filters: list[Any]) -> tuple[str, str]:
    """How to apply a subject's or session's visibility to a list's ``count`` and page (``record`` or ``link``,
    see :func:`permissions._linked_to`).

    The cost of ``link`` grows with the project links the caller reaches (``V``), that of ``record`` with the
    records the other conditions leave (``F``). Both are counted on indexes, each capped just above what the
    decision needs, and the smaller wins for the count. The page walks the sort order with ``record`` (it
    stops after ``limit`` rows) unless ``V`` is small. Either way the same records come back.
    """
    linked = visible_link_rows(model, ctx, "list", FEW_LINKED + 1)
    if linked is None:
        return "record", "record"
    if linked <= FEW_LINKED:
        return "link", "link"
    if not filters:
        return "link", "record"
    table = db.TABLES[model.name]
    matching = count_capped(ctx, sa.select(sa.literal(1)).select_from(table).where(*filters), LINK_COUNT_CAP)
    if matching > FEW_LINKED:  # else fewer candidates than links for sure
        linked = visible_link_rows(model, ctx, "list", matching + 1) or 0
    return ("record" if matching <= linked else "link"), "record"


def list_records(route: Route, ctx: Ctx, params: ListParams, url: str) -> dict[str, Any]:
    """``GET .../<model>/``: ``{"count", "next", "previous", "<plural>": [...], "meta"}`` (3.3.1).

    Raises:
        BadQuery: unknown filter/sort/include names or uncoercible values (400).
    """
    model = route.model
    table = db.TABLES[model.name]
    compiler = FilterCompiler(ctx)
    filters = [compiler.compile(model, flt) for flt in params.filters]
    tree = include_tree(model, params.include)
    ordering = order_by(model, params.sort, ctx)
    count_drive, page_drive = _drives(model, ctx, filters)
    counted = sa.select(sa.func.count()).select_from(table)
    count = ctx.session.scalar(counted.where(visible(model, ctx, "list", drive=count_drive), *filters)) or 0
    rows = []
    if params.limit and params.offset < count:
        query = (
            sa.select(table)
            .where(visible(model, ctx, "list", drive=page_drive), *filters)
            .order_by(*ordering)
            .limit(params.limit)
            .offset(params.offset)
        )
        rows = [Record(row._mapping) for row in ctx.session.execute(query)]
    records = Renderer(ctx).render(model, rows, tree, checked=True)
    after = params.offset + params.limit
    nxt = _page_url(url, params.pairs, params.limit, after) if params.limit and after < count else None
    previous = None
    if params.offset > 0 and params.limit:
        previous = _page_url(url, params.pairs, params.limit, max(params.offset - params.limit, 0))
    return {
        "count": count,
        "next": nxt,
        "previous": previous,
        route.plural: records,
        "meta": {"total_results": count, "limit": params.limit, "offset": params.offset},
    }


def parse_record_id(model: Model, raw: str) -> Any:
    """The id in a URL; anything that is not an id of the model is 404."""
    try:
        return parse_id(model.id_kind, raw)
    except ValueError:
        raise NotFound() from None


def visible_record(ctx: Ctx, model: Model, record_id: Any) -> Record:
    """The record if the caller may read it on this portal.

    Raises:
        NotFound: missing or invisible (6.2 #3: 404, existence is not revealed).
    """
    table = db.TABLES[model.name]
    query = sa.select(table).where(table.c.id == record_id, visible(model, ctx, "read"))
    row = ctx.session.execute(query).first()
    if row is None:
        raise NotFound()
    return Record(row._mapping)


def get_record(route: Route, ctx: Ctx, raw_id: str, include: list[str] | None = None) -> dict[str, Any]:
    """``GET .../<model>/<id>/``: ``{"<single>": {...}}``."""
    model = route.model
    row = visible_record(ctx, model, parse_record_id(model, raw_id))
    return {route.single: render_one(ctx, model, row, include_tree(model, include or []), checked=True)}


def list_related(route: Route, ctx: Ctx, raw_id: str, relation: str, params: ListParams, url: str) -> dict[str, Any]:
    """``GET .../<model>/<id>/<relation>/``: the list endpoint the ``links`` object points to (1.5).

    Raises:
        NotFound: the record is invisible or ``relation`` is not a to-many relation of the model.
    """
    model = route.model
    item = model.lookup(relation)
    if not isinstance(item, Reverse | ManyToMany):
        raise NotFound()
    row = visible_record(ctx, model, parse_record_id(model, raw_id))
    target: Model = item.target_model  # type: ignore[assignment]
    if isinstance(item, Reverse):
        params.filters.append(Filter([item.via], "exact", [str(row.id)], raw=item.via))
    else:
        linked = [str(i) for i in current_links(ctx, model, item, row.id)]
        params.filters.append(
            Filter(["id"], "in", linked, raw="id.in") if linked else Filter(["id"], "isnull", ["true"], raw="id")
        )
    return list_records(Route(target, target.plural, target.single), ctx, params, url)


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------


def _write_links(ctx: Ctx, model: Model, record_id: Any, links: dict[str, list[Any]]) -> None:
    """Make each to-many field of the record link exactly ``ids``, in that order.

    Links that stay keep their row (and, for link tables exposed as records such as ``sessiondatastorage``,
    their id); only their position changes.
    """
    now = utcnow()
    for name, ids in links.items():
        link = db.LINKS[(model.name, name)]
        current = dict(
            ctx.session.execute(sa.select(link.c.target_id, link.c.position).where(link.c.source_id == record_id)).all()
        )
        wanted = set(ids)
        gone = [target for target in current if target not in wanted]
        if gone:
            ctx.session.execute(sa.delete(link).where(link.c.source_id == record_id, link.c.target_id.in_(gone)))
        new_rows = []
        for position, target in enumerate(ids):
            if target not in current:
                row = {"source_id": record_id, "target_id": target, "position": position}
                if "id" in link.c:
                    row.update(id=str(uuid.uuid4()), created_at=now, updated_at=now, created_by=ctx.account_id)
                new_rows.append(row)
            elif current[target] != position:
                moved = {"position": position, **({"updated_at": now} if "updated_at" in link.c else {})}
                ctx.session.execute(
                    sa.update(link).where(link.c.source_id == record_id, link.c.target_id == target).values(**moved)
                )
        if new_rows:
            ctx.session.execute(sa.insert(link), new_rows)


def _next_position(ctx: Ctx, model: Model, values: dict[str, Any]) -> int:
    """The position after the last link of the same source (``sessiondatastorage`` without ``order``)."""
    table = db.TABLES[model.name]
    last = ctx.session.scalar(sa.select(sa.func.max(table.c.position)).where(table.c.source_id == values["source_id"]))
    return 0 if last is None else last + 1


def _write_tags(ctx: Ctx, model: Model, record_id: Any, tags: list[str] | None) -> None:
    if tags is None:
        return
    tag = db.tag
    ctx.session.execute(sa.delete(tag).where(tag.c.model == model.name, tag.c.record_id == str(record_id)))
    if tags:
        ctx.session.execute(
            sa.insert(tag),
            [
                {"model": model.name, "record_id": str(record_id), "position": n, "tag": t, "tag_lower": t.lower()}
                for n, t in enumerate(tags)
            ],
        )


def set_grant(
    ctx: Ctx, model: str, record_id: Any, level: int, account_id: int | None = None, group_id: int | None = None
) -> None:
    """Give a user or a group ``level`` on a project or personal attribute (0 removes it)."""
    grant = db.grant
    match = [grant.c.model == model, grant.c.record_id == str(record_id)]
    match.append(grant.c.account_id == account_id if account_id is not None else grant.c.group_id == group_id)
    ctx.session.execute(sa.delete(grant).where(*match))
    if level:
        ctx.session.execute(
            sa.insert(grant).values(
                model=model, record_id=str(record_id), account_id=account_id, group_id=group_id, level=level
            )
        )
    ctx.cache.clear()


def set_group_member(ctx: Ctx, group_id: int, account_id: int, level: int) -> None:
    """Make ``account_id`` a member of ``group_id`` with ``level`` (0 removes it)."""
    member = db.group_member
    ctx.session.execute(sa.delete(member).where(member.c.group_id == group_id, member.c.account_id == account_id))
    if level:
        ctx.session.execute(sa.insert(member).values(group_id=group_id, account_id=account_id, level=level))
    ctx.cache.clear()


def _file_columns(ctx: Ctx, model: Model, row: Record | None, changes: Changes) -> dict[str, Any]:
    """Store the uploads of a write and count references: the new file's digest and name go into the record's
    columns, the file it replaces (or a ``null`` clears) loses one reference (see :mod:`.files`)."""
    values: dict[str, Any] = {}
    for name, staged in changes.files.items():
        item = model.by_name[name]
        assert isinstance(item, File)
        old = row.get(item.column) if row is not None else None
        if staged is None:
            values.update({item.column: None, item.name_column: None})
        else:
            values.update({item.column: ctx.files.attach(ctx.session, staged), item.name_column: staged.filename})
        if old:
            ctx.files.release(ctx.session, old)
    return values


def insert_record(ctx: Ctx, model: Model, changes: Changes) -> Any:
    """Store a new record (row, links, tags, creator grants); returns its id."""
    table = db.TABLES[model.name]
    now = utcnow()
    values = dict(changes.columns)
    values.update(created_at=now, updated_at=now, created_by=ctx.account_id)
    for item in model.fields:
        if isinstance(item, Creator):
            values[item.column] = ctx.account_id
        elif isinstance(item, Scalar) and not isinstance(item, Timestamp) and item.column not in values:
            values[item.column] = item.default()
    if model.id_kind == "uuid":
        values["id"] = str(uuid.uuid4())
    if model.link_of is not None and values.get("position") is None:
        values["position"] = _next_position(ctx, model, values)
    values.update(_file_columns(ctx, model, None, changes))
    try:
        result = ctx.session.execute(sa.insert(table).values(**values))
        record_id = values["id"] if "id" in values else result.inserted_primary_key[0]
    except IntegrityError:
        raise Invalid({"non_field_errors": ["This record conflicts with an existing one."]}) from None
    _write_links(ctx, model, record_id, changes.links)
    _write_tags(ctx, model, record_id, changes.tags)
    kind = model.access.kind
    if kind in ("project", "personal") and ctx.account_id is not None:
        set_grant(ctx, model.name, record_id, OWNER, account_id=ctx.account_id)
    if kind == "group" and ctx.account_id is not None:
        set_group_member(ctx, record_id, ctx.account_id, OWNER)
    for group_id in changes.special.get("authgroups", []):
        if not ctx.superuser and group_level(ctx, group_id) < MEMBER:
            raise Invalid({"authgroups": [f"You are not a member of group {group_id}."]})
        set_grant(ctx, model.name, record_id, CONTRIBUTOR, group_id=group_id)
    return record_id


def update_row(ctx: Ctx, model: Model, row: Record, changes: Changes) -> None:
    """Apply a validated change to a stored record."""
    table = db.TABLES[model.name]
    values = dict(changes.columns)
    values.update(_file_columns(ctx, model, row, changes))
    if "updated_at" in table.c:
        values["updated_at"] = utcnow()
    if values:
        try:
            ctx.session.execute(sa.update(table).where(table.c.id == row.id).values(**values))
        except IntegrityError:
            raise Invalid({"non_field_errors": ["This change conflicts with an existing record."]}) from None
    _write_links(ctx, model, row.id, changes.links)
    _write_tags(ctx, model, row.id, changes.tags)
    for item in model.fields:
        if isinstance(item, Members) and item.name in changes.special:
            if isinstance(item, GroupUsers):
                _apply_group_users(ctx, row, changes.special[item.name])
            else:
                _apply_project_members(ctx, model, row, item, changes.special[item.name])


def _level_from_flags(flags: dict[str, bool]) -> int:
    if flags.get("is_owner"):
        return OWNER
    if flags.get("is_manager"):
        return MANAGER
    if flags.get("can_change"):
        return CONTRIBUTOR
    return MEMBER


def _current_levels(ctx: Ctx, model: Model, record_id: Any, principal: str) -> dict[Any, int]:
    grant = db.grant
    key = grant.c.account_id if principal == "user" else grant.c.group_id
    query = sa.select(key, grant.c.level).where(
        grant.c.model == model.name, grant.c.record_id == str(record_id), key.is_not(None)
    )
    return dict(ctx.session.execute(query).all())


def _resolve_principals(ctx: Ctx, principal: str, keys: list[str], field_name: str) -> dict[str, int]:
    if principal == "user":
        table, column = db.accounts, db.accounts.c.email
        wanted = [k.lower() for k in keys]
    else:
        table, column = db.group, db.group.c.name
        wanted = keys
    found = {name: pk for pk, name in ctx.session.execute(sa.select(table.c.id, column).where(column.in_(wanted)))}
    unknown = [k for k, w in zip(keys, wanted, strict=True) if w not in found]
    if unknown:
        what = "user" if principal == "user" else "group"
        raise Invalid({field_name: [f"Unknown {what}: {k}." for k in unknown]})
    return {k: found[w] for k, w in zip(keys, wanted, strict=True)}


def _apply_project_members(ctx: Ctx, model: Model, row: Record, item: Members, entries: dict[str, Any]) -> None:
    """PATCH of the ``users``/``groups`` of a project or a personal attribute (4.0, 5.2, 5.4): managers add/remove
    members and set ``can_change``; only owners grant or revoke manager/owner; the last owner stays (400).
    """
    if not entries:
        return
    mine = OWNER if ctx.superuser else level_on(ctx, model.name, row.id)
    if mine < MANAGER:
        raise PermissionDenied(f"Only managers of the {model.name} may change its members.")
    ids = _resolve_principals(ctx, item.principal, list(entries), item.name)
    current = _current_levels(ctx, model, row.id, item.principal)
    for key, flags in entries.items():
        principal_id = ids[key]
        before = current.get(principal_id, 0)
        after = 0 if flags.get("remove") else _level_from_flags(flags)
        if (before >= MANAGER or after >= MANAGER) and before != after and mine < OWNER:
            raise PermissionDenied(f"Only owners of the {model.name} may grant or revoke manager or owner rights.")
        current[principal_id] = after
        if item.principal == "user":
            set_grant(ctx, model.name, row.id, after, account_id=principal_id)
        else:
            set_grant(ctx, model.name, row.id, after, group_id=principal_id)
    grant = db.grant
    owners = ctx.session.scalar(
        sa.select(sa.func.count()).where(
            grant.c.model == model.name, grant.c.record_id == str(row.id), grant.c.level >= OWNER
        )
    )
    if not owners:
        raise Invalid({item.name: [f"A {model.name} needs at least one owner."]})


def _apply_group_users(ctx: Ctx, row: Record, entries: dict[str, Any]) -> None:
    """PATCH of a group's ``users`` (4.0, 4.8.2): new users get an invitation, members are changed
    or removed; managers handle plain members, owners handle managers and owners.
    """
    if not entries:
        return
    mine = OWNER if ctx.superuser else group_level(ctx, row.id)
    if mine < MANAGER:
        raise PermissionDenied("Only managers of the group may change its members.")
    ids = _resolve_principals(ctx, "user", list(entries), "users")
    member = db.group_member
    current = dict(
        ctx.session.execute(sa.select(member.c.account_id, member.c.level).where(member.c.group_id == row.id)).all()
    )
    invitation = db.TABLES["groupmembershipinvitation"]
    for key, flags in entries.items():
        account_id = ids[key]
        before = current.get(account_id, 0)
        wanted = 0 if flags.get("remove") else _level_from_flags({**flags, "can_change": False})
        if (before >= MANAGER or wanted >= MANAGER) and before != wanted and mine < OWNER:
            raise PermissionDenied("Only owners of the group may grant or revoke manager or owner rights.")
        if before == 0 and wanted:
            pending = ctx.session.scalar(
                sa.select(invitation.c.id).where(
                    invitation.c.authgroup_id == row.id, invitation.c.user_account_invitation_id == account_id
                )
            )
            if pending is None:
                now = utcnow()
                ctx.session.execute(
                    sa.insert(invitation).values(
                        id=str(uuid.uuid4()),
                        user_account_invitation_id=account_id,
                        authgroup_id=row.id,
                        new_manager=wanted >= MANAGER,
                        new_owner=wanted >= OWNER,
                        inviter_id=ctx.account_id,
                        created_by=ctx.account_id,
                        created_at=now,
                        updated_at=now,
                    )
                )
            continue
        current[account_id] = wanted
        set_group_member(ctx, row.id, account_id, wanted)
    owners = ctx.session.scalar(sa.select(sa.func.count()).where(member.c.group_id == row.id, member.c.level >= OWNER))
    if not owners:
        raise Invalid({"users": ["A group needs at least one owner."]})


def _approval_body(route: Route, ctx: Ctx, approval_id: str) -> dict[str, Any]:
    model = route.model.approval
    assert model is not None
    row = fetch(ctx, model, approval_id)
    return {model.single: render_one(ctx, model, row)}  # type: ignore[arg-type]


def _submit_approval(ctx: Ctx, model: Model, changes: Changes, row: Record | None) -> str:
    """Store a pending ``Add``/``Change`` request for a catalogue model (4.6)."""
    payload: dict[str, Any] = {}
    if row is not None:
        current = render_one(ctx, model, row)
        payload = {f.name: current.get(f.name) for f in model.writable() if f.name != "comments" and f.name in current}
    for name, value in changes.new.items():
        if name != "comments":
            payload[name] = wire_value(model.by_name[name], value)
    approval_id = str(uuid.uuid4())
    now = utcnow()
    ctx.session.execute(
        sa.insert(db.approval).values(
            id=approval_id,
            model=model.name,
            instance_id=None if row is None else row.id,
            action="Add" if row is None else "Change",
            status="Pending",
            comments=changes.comments,
            payload=payload,
            created_by=ctx.account_id,
            created_at=now,
            updated_at=now,
        )
    )
    return approval_id


def create_record(route: Route, ctx: Ctx, body: Any) -> dict[str, Any]:
    """``POST .../<model>/``: 201 ``{"<single>": {...}}``, or ``{"<single>_approval": {...}}`` when a
    non-administrator submits a catalogue record (3.3.2, 4.6).
    """
    model = route.model
    changes = parse_body(model, body, ctx)
    if model.access.kind == "group_request":
        check_join(ctx, changes.new["authgroup"])
    check_write(model, ctx, "create", None, changes.new)
    if model.access.approval and not ctx.is_admin:
        return _approval_body(route, ctx, _submit_approval(ctx, model, changes, None))
    record_id = insert_record(ctx, model, changes)
    return {route.single: render_one(ctx, model, fetch(ctx, model, record_id))}  # type: ignore[arg-type]


def update_record(route: Route, ctx: Ctx, raw_id: str, body: Any, partial: bool = True) -> dict[str, Any]:
    """``PATCH`` (``partial``) or ``PUT .../<model>/<id>/``: 200 ``{"<single>": {...}}`` (or an
    approval for a non-administrator's catalogue change).
    """
    model = route.model
    row = visible_record(ctx, model, parse_record_id(model, raw_id))
    changes = parse_body(model, body, ctx, row, partial=partial)
    check_write(model, ctx, "change", row, changes.new)
    if model.access.approval and not ctx.is_admin:
        if not changes.new:
            return {route.single: render_one(ctx, model, row)}
        return _approval_body(route, ctx, _submit_approval(ctx, model, changes, row))
    update_row(ctx, model, row, changes)
    return {route.single: render_one(ctx, model, fetch(ctx, model, row.id))}  # type: ignore[arg-type]


def check_join(ctx: Ctx, group_id: Any) -> None:
    """A membership request for ``group_id`` is allowed (4.8.2 ``join``).

    Raises:
        Invalid: the caller is already a member, or has a pending request (400).
    """
    if group_level(ctx, group_id) >= MEMBER:
        raise Invalid({"authgroup": ["You are already a member of this group."]})
    request = db.TABLES["groupmembershiprequest"]
    pending = ctx.session.scalar(
        sa.select(request.c.id).where(
            request.c.authgroup_id == group_id, request.c.user_account_request_id == ctx.account_id
        )
    )
    if pending is not None:
        raise Invalid({"authgroup": ["A membership request for this group is already pending."]})


# ---------------------------------------------------------------------------------------------
# Deletes
# ---------------------------------------------------------------------------------------------


def delete_record(route: Route, ctx: Ctx, raw_id: str) -> None:
    """``DELETE .../<model>/<id>/``: 204; 400 while protected links or orphans would remain."""
    model = route.model
    row = visible_record(ctx, model, parse_record_id(model, raw_id))
    check_write(model, ctx, "delete", row)
    remove(ctx, model, [row.id])


def remove(ctx: Ctx, model: Model, ids: list[Any]) -> None:
    """Delete records of ``model`` and whatever the registry says goes with them.

    Raises:
        Invalid: a ``protect`` link still points at one of them, or a subject/session would be left
            without a project.
    """
    if not ids:
        return
    table = db.TABLES[model.name]
    for other, item in registry.referencing(model):
        other_table = db.TABLES[other.name]
        if isinstance(item, ForeignKey):
            column = other_table.c[item.column]
            where = [column.in_(ids)]
            if other.discriminator is not None:
                where.append(other_table.c.model == other.discriminator)
            if other is model:
                where.append(other_table.c.id.not_in(ids))
            referring = list(ctx.session.scalars(sa.select(other_table.c.id).where(*where)))
            if not referring:
                continue
            if item.on_delete == "cascade":
                remove(ctx, other, referring)
            elif item.on_delete == "set_null":
                ctx.session.execute(sa.update(other_table).where(column.in_(ids)).values({item.column: None}))
            else:
                raise Invalid(
                    {
                        "non_field_errors": [
                            f"Cannot delete: still used by {len(referring)} {other.plural} ({item.name})."
                        ]
                    }
                )
        elif isinstance(item, ManyToMany):
            link = db.LINKS[(other.name, item.name)]
            linked = list(ctx.session.scalars(sa.select(link.c.source_id).where(link.c.target_id.in_(ids)).distinct()))
            if not linked:
                continue
            if item.on_delete == "protect":
                raise Invalid(
                    {"non_field_errors": [f"Cannot delete: still used by {len(linked)} {other.plural} ({item.name})."]}
                )
            if item.min_items:
                remaining = sa.select(link.c.source_id).where(
                    link.c.source_id.in_(linked), link.c.target_id.not_in(ids)
                )
                orphans = set(linked) - set(ctx.session.scalars(remaining))
                if orphans:
                    raise Invalid(
                        {
                            "non_field_errors": [
                                f"Cannot delete: {len(orphans)} {other.plural} would be left without {item.name}; "
                                "delete them or link them elsewhere first."
                            ]
                        }
                    )
            ctx.session.execute(sa.delete(link).where(link.c.target_id.in_(ids)))
    for item in model.fields:
        if isinstance(item, ManyToMany):
            link = db.LINKS[(model.name, item.name)]
            ctx.session.execute(sa.delete(link).where(link.c.source_id.in_(ids)))
    stored_files = [item for item in model.fields if isinstance(item, File)]
    if stored_files:
        columns = [table.c[item.column] for item in stored_files]
        for digests in ctx.session.execute(sa.select(*columns).where(table.c.id.in_(ids))):
            for digest in digests:
                ctx.files.release(ctx.session, digest)
    text_ids = [str(i) for i in ids]
    ctx.session.execute(sa.delete(db.tag).where(db.tag.c.model == model.name, db.tag.c.record_id.in_(text_ids)))
    ctx.session.execute(sa.delete(db.grant).where(db.grant.c.model == model.name, db.grant.c.record_id.in_(text_ids)))
    if model.access.kind == "group":
        ctx.session.execute(sa.delete(db.group_member).where(db.group_member.c.group_id.in_(ids)))
        ctx.session.execute(sa.delete(db.grant).where(db.grant.c.group_id.in_(ids)))
    try:
        ctx.session.execute(sa.delete(table).where(table.c.id.in_(ids)))
    except IntegrityError:
        raise Invalid({"non_field_errors": ["Cannot delete: the record is still referenced."]}) from None
    ctx.cache.clear()
