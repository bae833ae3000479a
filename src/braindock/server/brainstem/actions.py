"""Non-CRUD endpoints ``.../<model>/<id>/<action>`` (``brainstem.md`` 1.5, 4.1.8-9, 4.2.7-8, 4.6, 4.8).

* invitations and membership requests: ``accept``, ``reject``, ``cancel``; accepting applies the
  membership, and the invitation/request is then removed (its last state is returned);
* groups: ``join`` (creates a membership request), ``leave``;
* procedure and subject logs: ``add_entry``, ``change_entry``, ``remove_entry`` (body = one entry,
  answer = the whole log; entries are keyed by ``date_time``, ``start_date_time`` for interval types);
* approvals: ``accept`` (applies the submitted values), ``reject`` — administrators only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from braindock.server.brainstem import details_schemas as ds
from braindock.server.brainstem import jsonschema
from braindock.server.brainstem.errors import Invalid, PermissionDenied
from braindock.server.brainstem.fields import FieldError, Model, dump_datetime, parse_datetime
from braindock.server.brainstem.permissions import Ctx, can_write_under, group_level, level_on
from braindock.server.brainstem.registry import INTERVAL_SUBJECT_LOGS, Route
from braindock.server.brainstem.schema import Record, fetch, parse_body
from braindock.server.brainstem.serialize import render_one
from braindock.server.brainstem.service import (
    check_join,
    insert_record,
    remove,
    set_grant,
    set_group_member,
    update_row,
)
from braindock.server.storage import brainstem_models as db
from braindock.server.storage.brainstem_models import CONTRIBUTOR, MANAGER, MEMBER, OWNER
from braindock.server.storage.models import utcnow

Handler = Callable[[Route, Ctx, Record, Any], dict[str, Any]]


def _answer(route: Route, ctx: Ctx, row: Record) -> dict[str, Any]:
    return {route.single: render_one(ctx, route.model, row)}


def _invitation_level(row: Record) -> int:
    if row.get("own_project") or row.get("new_owner"):
        return OWNER
    if row.get("manage_project") or row.get("new_manager"):
        return MANAGER
    if row.get("can_change"):
        return CONTRIBUTOR
    return MEMBER


def _finish(route: Route, ctx: Ctx, row: Record) -> dict[str, Any]:
    body = _answer(route, ctx, row)
    remove(ctx, route.model, [row.id])
    return body


def _project_invitation(route: Route, ctx: Ctx, row: Record, action: str) -> dict[str, Any]:
    group_side = route.model.access.kind == "project_group_invitation"
    if action in ("accept", "reject"):
        allowed = (
            group_level(ctx, row.invitee_id) >= MANAGER if group_side else row.invitee_id == ctx.account_id
        ) or ctx.superuser
        if not allowed:
            raise PermissionDenied("Only the invitee may accept or reject this invitation.")
        if action == "accept":
            level = _invitation_level(row)
            if group_side:
                set_grant(ctx, "project", row.project_id, level, group_id=row.invitee_id)
            else:
                set_grant(ctx, "project", row.project_id, level, account_id=row.invitee_id)
    else:
        allowed = row.inviter_id == ctx.account_id or level_on(ctx, "project", row.project_id) >= MANAGER
        if not (allowed or ctx.superuser):
            raise PermissionDenied("Only managers of the project or the inviter may cancel this invitation.")
    return _finish(route, ctx, row)


def _group_invitation(route: Route, ctx: Ctx, row: Record, action: str) -> dict[str, Any]:
    if action in ("accept", "reject"):
        if row.user_account_invitation_id != ctx.account_id and not ctx.superuser:
            raise PermissionDenied("Only the invitee may accept or reject this invitation.")
        if action == "accept":
            set_group_member(ctx, row.authgroup_id, row.user_account_invitation_id, _invitation_level(row))
    elif not (row.inviter_id == ctx.account_id or group_level(ctx, row.authgroup_id) >= MANAGER or ctx.superuser):
        raise PermissionDenied("Only managers of the group or the inviter may cancel this invitation.")
    return _finish(route, ctx, row)


def _group_request(route: Route, ctx: Ctx, row: Record, action: str) -> dict[str, Any]:
    if action in ("accept", "reject"):
        if group_level(ctx, row.authgroup_id) < MANAGER and not ctx.superuser:
            raise PermissionDenied("Only managers of the group may answer membership requests.")
        if action == "accept":
            set_group_member(ctx, row.authgroup_id, row.user_account_request_id, MEMBER)
    elif row.user_account_request_id != ctx.account_id and not ctx.superuser:
        raise PermissionDenied("Only the requester may cancel this request.")
    return _finish(route, ctx, row)


def _group(route: Route, ctx: Ctx, row: Record, action: str) -> dict[str, Any]:
    if action == "join":
        check_join(ctx, row.id)
        request_model = _model("groupmembershiprequest")
        changes = parse_body(request_model, {"authgroup": row.id}, ctx)
        insert_record(ctx, request_model, changes)
        return {"detail": "Membership request sent.", route.single: render_one(ctx, route.model, row)}
    level = group_level(ctx, row.id)
    if level < MEMBER:
        raise Invalid({"non_field_errors": ["You are not a member of this group."]})
    member = db.group_member
    owners = ctx.session.scalar(sa.select(sa.func.count()).where(member.c.group_id == row.id, member.c.level >= OWNER))
    if level >= OWNER and owners <= 1:
        raise Invalid({"non_field_errors": ["The last owner cannot leave the group."]})
    set_group_member(ctx, row.id, ctx.account_id, 0)  # type: ignore[arg-type]
    return {"detail": "You left the group.", route.single: render_one(ctx, route.model, row)}


def _model(name: str) -> Model:
    from braindock.server.brainstem.registry import ALL

    return ALL[name]


# ------------------------------------------------------------------ log entries (4.2.7, 4.2.8)


def _entry_key(route: Route, row: Record) -> str:
    return "start_date_time" if route.model.name == "subjectlog" and row.type in INTERVAL_SUBJECT_LOGS else "date_time"


def _parse_entry(route: Route, row: Record, body: Any, partial: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Invalid({"non_field_errors": ["Expected one entry object."]})
    key = _entry_key(route, row)
    times = [key, "end_date_time"] if key == "start_date_time" else [key]
    entry: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in times:
        if name not in body:
            if not partial or name == key:
                errors[name] = ["This field is required."]
            continue
        try:
            entry[name] = dump_datetime(parse_datetime(body[name])) if isinstance(body[name], str) else _bad()
        except (ValueError, FieldError, OverflowError):
            errors[name] = ["Datetime has wrong format (ISO 8601 expected)."]
    if "notes" in body or not partial:
        notes = body.get("notes")
        if notes is not None and (not isinstance(notes, str) or len(notes) > 500):
            errors["notes"] = ["Must be a string of at most 500 characters, or null."]
        entry["notes"] = notes
    if "details" in body or not partial:
        details = body.get("details", {})
        family = ds.PROCEDURE_LOG if route.model.name == "procedurelog" else ds.SUBJECT_LOG
        problems = jsonschema.validate(family[row.type], details) if details not in ({}, None) else []
        if problems:
            errors["details"] = problems
        entry["details"] = details or {}
    if "performed_by" in body and route.model.name == "subjectlog":
        performer = body["performed_by"]
        if performer is not None and (isinstance(performer, bool) or not isinstance(performer, int)):
            errors["performed_by"] = ["Must be an integer user id or null."]
        entry["performed_by"] = performer
    if errors:
        raise Invalid(errors)
    return entry


def _bad() -> Any:
    raise ValueError


def _log_entry(route: Route, ctx: Ctx, row: Record, action: str, body: Any) -> dict[str, Any]:
    parent_field = route.model.by_name[route.model.access.via]  # type: ignore[index]
    if not can_write_under(parent_field.target_model, ctx, getattr(row, parent_field.column)):  # type: ignore[arg-type]
        raise PermissionDenied(f"You need contributor rights to change this {route.model.name}.")
    key = _entry_key(route, row)
    entry = _parse_entry(route, row, body, partial=action != "add_entry")
    entries = [dict(e) for e in row.entries or []]
    position = next((n for n, e in enumerate(entries) if e.get(key) == entry[key]), None)
    if action == "add_entry":
        if position is not None:
            raise Invalid({key: [f"An entry with {key} {entry[key]} exists already."]})
        entries.append(entry)
    elif position is None:
        raise Invalid({key: [f"No entry has {key} {entry[key]}."]})
    elif action == "change_entry":
        entries[position].update(entry)
    else:
        entries.pop(position)
    entries.sort(key=lambda e: e.get(key) or "", reverse=True)
    table = db.TABLES[route.model.name]
    ctx.session.execute(sa.update(table).where(table.c.id == row.id).values(entries=entries, updated_at=utcnow()))
    return _answer(route, ctx, fetch(ctx, route.model, row.id))  # type: ignore[arg-type]


# ------------------------------------------------------------------ approvals (4.6)


def _approval(route: Route, ctx: Ctx, row: Record, action: str) -> dict[str, Any]:
    if not ctx.is_admin:
        raise PermissionDenied("Only administrators review approval requests.")
    if row.status != "Pending":
        raise Invalid({"status": [f"This request is already {row.status.lower()}."]})
    target = route.model.approval_of
    assert target is not None
    table = db.approval
    if action == "accept":
        admin = Ctx(ctx.session, "super", ctx.account_id, True, ctx.base_url, files=ctx.files)
        if row.action == "Add":
            changes = parse_body(target, dict(row.payload), admin)
            instance_id = insert_record(admin, target, changes)
        else:
            current = fetch(admin, target, row.instance_id)
            if current is None:
                raise Invalid({"instance_id": ["The record to change no longer exists."]})
            changes = parse_body(target, dict(row.payload), admin, current, partial=True)
            update_row(admin, target, current, changes)
            instance_id = current.id
        values = {"status": "Accepted", "instance_id": instance_id}
    else:
        values = {"status": "Rejected"}
    ctx.session.execute(
        sa.update(table).where(table.c.id == row.id).values(reviewer_id=ctx.account_id, updated_at=utcnow(), **values)
    )
    return _answer(route, ctx, fetch(ctx, route.model, row.id))  # type: ignore[arg-type]


HANDLERS: dict[str, Callable[..., dict[str, Any]]] = {
    "project_invitation": _project_invitation,
    "project_group_invitation": _project_invitation,
    "group_invitation": _group_invitation,
    "group_request": _group_request,
    "group": _group,
    "approval": _approval,
}


def run_action(route: Route, ctx: Ctx, row: Record, action: str, body: Any) -> dict[str, Any]:
    """Run ``action`` on a visible record (the route checked the action name)."""
    if action.endswith("_entry"):
        return _log_entry(route, ctx, row, action, body)
    return HANDLERS[route.model.access.kind](route, ctx, row, action)
