"""Validation of request bodies against the registry (``brainstem.md`` 3.1 and 4).

:func:`parse_body` turns a JSON body into :class:`Changes` or raises :class:`Invalid` with every
problem keyed by field (DRF style). Rules: unknown and read-only keys are ignored; PATCH changes only
the keys present; relations are written by id (unknown or invisible ids are 400); to-many relations
given in PATCH replace the whole set; type-specific ``details`` are checked against the schema of
their selector; uniqueness and the named cross-field rules (``Model.checks``) are checked last.

Decision: ``details`` left empty (``{}``/``[]``) are accepted as "not filled in"; anything else must
match its schema exactly (unknown keys rejected).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from braindock.server.brainstem import details_schemas as ds
from braindock.server.brainstem.errors import Invalid, PermissionDenied
from braindock.server.brainstem.fields import (
    AuthGroups,
    Details,
    Field,
    FieldError,
    File,
    ForeignKey,
    ManyToMany,
    Members,
    Model,
    Scalar,
    SchemaVersion,
    Tags,
    Text,
    Timestamp,
)
from braindock.server.brainstem.files import Staged
from braindock.server.brainstem.permissions import Ctx, can_write_under, visible_ids
from braindock.server.storage import brainstem_models as db


class Record(dict):
    """A stored row as a dict with attribute access (``row.id``, ``row.project_id``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def fetch(ctx: Ctx, model: Model, record_id: Any) -> Record | None:
    """The stored row of ``model`` with this id (no visibility check), or ``None``."""
    table = db.TABLES[model.name]
    query = sa.select(table).where(table.c.id == record_id)
    if model.discriminator is not None:
        query = query.where(table.c.model == model.discriminator)
    row = ctx.session.execute(query).first()
    return Record(row._mapping) if row is not None else None


def current_links(ctx: Ctx, model: Model, item: ManyToMany, record_id: Any) -> list[Any]:
    """Ids linked through a to-many field, in stored order."""
    link = db.LINKS[(model.name, item.name)]
    query = sa.select(link.c.target_id).where(link.c.source_id == record_id).order_by(link.c.position, link.c.target_id)
    return list(ctx.session.scalars(query))


@dataclass
class Changes:
    """A validated body.

    Attributes:
        columns: column name to stored value (scalars and single links).
        links: to-many field name to the new id list.
        tags: the new tag list, or ``None`` when untouched.
        special: permission dictionaries and ``authgroups`` (applied by the service).
        new: field name to parsed value for every written field (ids for links).
        comments: the reviewer note of a catalogue write.
        files: file field name to a staged upload (:class:`.files.Staged`) or ``None`` (clear it).
    """

    columns: dict[str, Any] = field(default_factory=dict)
    links: dict[str, list[Any]] = field(default_factory=dict)
    tags: list[str] | None = None
    special: dict[str, Any] = field(default_factory=dict)
    new: dict[str, Any] = field(default_factory=dict)
    comments: str = ""
    files: dict[str, Any] = field(default_factory=dict)


class State:
    """The record as it will be after the write: new values over stored ones (for cross-checks)."""

    def __init__(self, ctx: Ctx, model: Model, row: Record | None, changes: Changes) -> None:
        self.ctx = ctx
        self.model = model
        self.row = row
        self.changes = changes

    def touched(self, name: str) -> bool:
        """``True`` when the body wrote the field ``name``."""
        return name in self.changes.new

    def get(self, name: str) -> Any:
        """The value of field ``name`` after the write: the body's value, else the stored one.

        To-many fields give their id list; ``None`` for a new record or a field without a column.
        """
        if name in self.changes.new:
            return self.changes.new[name]
        if self.row is None:
            return None
        item = self.model.by_name[name]
        if isinstance(item, ManyToMany):
            return current_links(self.ctx, self.model, item, self.row.id)
        if item.column:
            return self.row.get(item.column)
        return None


def parse_body(model: Model, body: Any, ctx: Ctx, row: Record | None = None, partial: bool = False) -> Changes:
    """Validate ``body`` for a create (``row`` is ``None``), a PATCH (``partial``) or a PUT.

    Raises:
        Invalid: per-field messages (400).
        PermissionDenied: a link to a record that needs contributor rights the caller lacks (403).
    """
    if not isinstance(body, dict):
        kind = type(body).__name__ if body is not None else "null"
        raise Invalid({"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]})
    errors: dict[str, list[str]] = {}
    changes = Changes()
    creating = row is None
    for item in model.fields:
        if item.read_only:
            continue
        if isinstance(item, File):
            _file_value(item, body, changes)
            continue
        if item.name in body:
            try:
                value = item.parse(body[item.name])
            except FieldError as exc:
                if _unchanged_legacy_text(item, body[item.name], row):
                    continue  # a value stored before its limit was tightened, sent back as loaded
                errors[item.name] = exc.messages
                continue
        elif partial or (not creating and not item.required):
            continue
        elif item.required and (creating or not partial):
            errors[item.name] = ["This field is required."]
            continue
        elif isinstance(item, Scalar):
            value = item.default()
        elif isinstance(item, ManyToMany | Tags):
            value = []
        elif isinstance(item, ForeignKey):
            value = None
        else:
            continue
        _store(item, value, changes)
    if isinstance(body.get("comments"), str) and model.access.approval:
        changes.comments = body["comments"].strip()
    if not errors:
        _check_references(model, ctx, row, changes, errors)
    if not errors:
        _check_details(model, row, changes, errors)
    if not errors:
        _check_unique(model, ctx, row, changes, errors)
    if not errors:
        state = State(ctx, model, row, changes)
        for name in model.checks:
            CHECKS[name](state, errors)
    if errors:
        raise Invalid(errors)
    return changes


def _unchanged_legacy_text(item: Field, value: Any, row: Record | None) -> bool:
    """``value`` is the stored text of a field whose limit was tightened after it was stored (``db_length`` wider
    than ``max_length``: the consumable/hardware-device descriptions, 500 documented, 2000 stored): the limit
    applies to creates and changed values only."""
    if row is None or not isinstance(item, Text) or not isinstance(value, str) or not item.column:
        return False
    if not (item.db_length and item.max_length and item.db_length > item.max_length):
        return False
    stored = row.get(item.column)
    return isinstance(stored, str) and value.strip() == stored


def _file_value(item: File, body: dict[str, Any], changes: Changes) -> None:
    """A file field: an upload (multipart) or ``null`` changes it; other values (the URL of a record sent back
    as loaded) are ignored (3.1)."""
    value = body.get(item.name, ...)
    if value is None or isinstance(value, Staged):
        changes.files[item.name] = value
        changes.new[item.name] = value


def _store(item: Field, value: Any, changes: Changes) -> None:
    changes.new[item.name] = value
    if isinstance(item, ManyToMany):
        changes.links[item.name] = value
    elif isinstance(item, Tags):
        changes.tags = value
    elif isinstance(item, Members | AuthGroups):
        changes.special[item.name] = value
    elif item.column:
        changes.columns[item.column] = value


def _check_references(model: Model, ctx: Ctx, row: Record | None, changes: Changes, errors: dict) -> None:
    """Linked ids must exist and be readable; ``ref="change"`` links need contributor rights."""
    for item in model.fields:
        if item.name not in changes.new or not isinstance(item, ForeignKey | ManyToMany):
            continue
        target: Model = item.target_model  # type: ignore[assignment]
        value = changes.new[item.name]
        ids = value if isinstance(item, ManyToMany) else ([] if value is None else [value])
        before: list[Any] = []
        if row is not None:
            if isinstance(item, ManyToMany):
                before = current_links(ctx, model, item, row.id)
            elif row.get(item.column) is not None:
                before = [row.get(item.column)]
        added = [i for i in ids if i not in before]
        seen = visible_ids(target, ctx, added)
        missing = [i for i in added if i not in seen]
        if missing:
            errors[item.name] = [f'Invalid pk "{i}" - object does not exist.' for i in missing]
            continue
        if item.ref == "change":
            removed = [i for i in before if i not in ids]
            for target_id in [*added, *removed]:
                if not can_write_under(target, ctx, target_id):
                    raise PermissionDenied(f"You need contributor rights on {target.name} {target_id} to link it.")


def _check_details(model: Model, row: Record | None, changes: Changes, errors: dict) -> None:
    for item in model.fields:
        if not isinstance(item, Details):
            continue
        selector_field = model.by_name[item.selector]
        selector = changes.new.get(item.selector, row.get(selector_field.column) if row else None)
        selector_changed = row is not None and item.selector in changes.new and selector != row.get(item.selector)
        if item.name in changes.new:
            value = changes.new[item.name]
        elif selector_changed and row is not None and row.get(item.name):
            errors[item.name] = [f"Send {item.name} again: {item.selector} changed."]
            continue
        else:
            continue
        if value in ({}, []):
            if item.version_field:
                changes.columns[item.version_field] = None
            continue
        problems, version = item.check(selector, value)
        if problems:
            errors[item.name] = problems
        elif item.version_field:
            changes.columns[item.version_field] = version


def _check_unique(model: Model, ctx: Ctx, row: Record | None, changes: Changes, errors: dict) -> None:
    table = db.TABLES[model.name]

    def clash(conditions: list[Any]) -> bool:
        query = sa.select(table.c.id).where(*conditions)
        if row is not None:
            query = query.where(table.c.id != row.id)
        return ctx.session.execute(query.limit(1)).first() is not None

    for item in model.fields:
        unique = getattr(item, "unique", False)
        value = changes.columns.get(item.column) if item.column else None
        if unique and value not in (None, "") and clash([table.c[item.column] == value]):
            errors[item.name] = [f"{model.name} with this {item.name} already exists."]
    for group in model.unique_together:
        items = [model.by_name[name] for name in group]
        if not any(i.column in changes.columns for i in items):
            continue
        values = [changes.columns.get(i.column, row.get(i.column) if row else None) for i in items]
        if clash([table.c[i.column] == value for i, value in zip(items, values, strict=True)]):
            errors.setdefault("non_field_errors", []).append(f"The fields {', '.join(group)} must make a unique set.")


# ---------------------------------------------------------------------------------------------
# Named cross-field rules (``Model.checks``)
# ---------------------------------------------------------------------------------------------


def _links_of(ctx: Ctx, model_name: str, field_name: str, ids: list[Any]) -> dict[Any, set[Any]]:
    link = db.LINKS[(model_name, field_name)]
    result: dict[Any, set[Any]] = {i: set() for i in ids}
    if ids:
        query = sa.select(link.c.source_id, link.c.target_id).where(link.c.source_id.in_(ids))
        for source, target in ctx.session.execute(query):
            result[source].add(target)
    return result


def _members_in_project(state: State, errors: dict) -> None:
    """Sessions of a collection / subjects of a cohort must belong to its project (4.1.5, 4.1.6)."""
    name = "sessions" if "sessions" in state.model.by_name else "subjects"
    if not (state.touched(name) or state.touched("project")):
        return
    project = state.get("project")
    ids = state.get(name) or []
    projects = _links_of(state.ctx, name[:-1], "projects", ids)
    outside = [i for i in ids if project not in projects[i]]
    if outside:
        errors[name] = [f"{name[:-1].capitalize()} {i} does not belong to project {project}." for i in outside]


def _breeding_parents(state: State, errors: dict) -> None:
    """Mother (sex F) and father (sex M) are different subjects of the breeding's project (4.1.7)."""
    project = state.get("project")
    subject = db.TABLES["subject"]
    parents = {"mother": state.get("mother"), "father": state.get("father")}
    if parents["mother"] == parents["father"]:
        errors["father"] = ["Mother and father must be different subjects."]
        return
    projects = _links_of(state.ctx, "subject", "projects", list(parents.values()))
    for role, sex in (("mother", "F"), ("father", "M")):
        found = state.ctx.session.scalar(sa.select(subject.c.sex).where(subject.c.id == parents[role]))
        if found != sex:
            errors[role] = [f"The {role} must be a subject of sex {sex}."]
        elif project not in projects[parents[role]]:
            errors[role] = [f"The {role} must belong to project {project}."]


def _same_session(state: State, errors: dict) -> None:
    """Behaviors, data acquisitions and manipulations of an epoch belong to its session (4.1.4)."""
    session_id = state.get("session")
    for name in ("behaviors", "dataacquisition", "manipulations"):
        ids = state.get(name) or []
        if not ids:
            continue
        target = state.model.by_name[name].target_model  # type: ignore[attr-defined]
        table = db.TABLES[target.name]
        query = sa.select(table.c.id).where(table.c.id.in_(ids), table.c.session_id != session_id)
        wrong = list(state.ctx.session.scalars(query))
        if wrong:
            errors[name] = [f"{target.name} {i} belongs to another session." for i in wrong]


def _protocol_fits(state: State, errors: dict) -> None:
    """A protocol linked from a procedure / subject log has the right family and subtype (4.2.1)."""
    protocol_id = state.get("protocol")
    if protocol_id is None or not (state.touched("protocol") or state.touched("type")):
        return
    family = "procedure" if state.model.name == "procedure" else "subject_log"
    table = db.TABLES["protocol"]
    row = state.ctx.session.execute(
        sa.select(table.c.protocol_type, table.c.subtypes).where(table.c.id == protocol_id)
    ).first()
    if row is None:
        return
    if row.protocol_type != family:
        errors["protocol"] = [f'The protocol must have protocol_type "{family}".']
    elif row.subtypes and state.get("type") not in row.subtypes:
        errors["protocol"] = [f"The protocol does not cover type {state.get('type')!r}."]


def _type_fixed(state: State, errors: dict) -> None:
    """A log's ``type`` is fixed after creation (4.2.7)."""
    if state.row is not None and state.touched("type") and state.get("type") != state.row.get("type"):
        errors["type"] = ["The type of a log cannot be changed after creation."]


def _license_dates(state: State, errors: dict) -> None:
    """``valid_until`` >= ``valid_from``; ``active`` needs both dates; ``expired`` only once past (4.3.4)."""
    start, end, status = state.get("valid_from"), state.get("valid_until"), state.get("status")
    if start and end and end < start:
        errors["valid_until"] = ["Must not be before valid_from."]
    if status == "active" and not (start and end):
        errors["status"] = ["An active license needs valid_from and valid_until."]
    if status == "expired" and not (end and end < date.today()):
        errors["status"] = ["A license can only be expired once valid_until has passed."]


def _protocol_subtypes(state: State, errors: dict) -> None:
    """``subtypes`` are codes of the protocol's family (4.3.5)."""
    family = ds.PROCEDURE if state.get("protocol_type") == "procedure" else ds.SUBJECT_LOG
    wrong = [code for code in state.get("subtypes") or [] if code not in family]
    if wrong:
        errors["subtypes"] = [f'"{code}" is not a {state.get("protocol_type")} type.' for code in wrong]


def _two_level_category(state: State, errors: dict) -> None:
    """A behavioral category with a parent cannot itself be a parent (4.5.1)."""
    parent = state.get("parent")
    if parent is None or not state.touched("parent"):
        return
    table = db.TABLES["behavioralcategory"]
    if state.row is not None and parent == state.row.id:
        errors["parent"] = ["A category cannot be its own parent."]
        return
    grandparent = state.ctx.session.scalar(sa.select(table.c.parent_id).where(table.c.id == parent))
    has_children = state.row is not None and state.ctx.session.scalar(
        sa.select(sa.func.count()).where(table.c.parent_id == state.row.id)
    )
    if grandparent is not None or has_children:
        errors["parent"] = ["Categories have at most two levels."]


CHECKS: dict[str, Callable[[State, dict], None]] = {
    "members_in_project": _members_in_project,
    "breeding_parents": _breeding_parents,
    "same_session": _same_session,
    "protocol_fits": _protocol_fits,
    "type_fixed": _type_fixed,
    "license_dates": _license_dates,
    "protocol_subtypes": _protocol_subtypes,
    "two_level_category": _two_level_category,
}


def wire_value(item: Field, value: Any) -> Any:
    """A parsed value in its JSON form (for approval payloads)."""
    if isinstance(item, Scalar) and not isinstance(item, Timestamp | SchemaVersion):
        return item.dump(value)
    return value
