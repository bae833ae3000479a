"""Records as JSON (``brainstem.md`` 3.3, 3.4, 4), with ``include[]`` embedding (3.2.4).

:func:`render` turns stored rows of one model into dicts: ``id`` first, then the declared fields in
order. Links are ids (an integer for users and groups, a UUID string otherwise); reverse links list
only the related records the caller may read; every to-many value of a page is fetched with one
query per field, never per record. Included relations replace the ids in place with the related
records' full representation (recursively for nested includes); related records the caller may not
read stay bare ids.

Public-portal decisions (6.2 #19, 5.6): users lose ``email``; protocols lose ``procedures`` and
``subjectlogs``; the member dictionaries of projects, groups and personal attributes (keyed by e-mail) are
left out; a setup's
``image`` is ``null`` (it "stays private even when the setup is public", 4.3.6).

File fields show ``<server>/api/<portal>/<app>/<model>/<id>/<field>/``: a GET there (same portal, same
credentials as for the record) serves the bytes (:mod:`.routes`). The real service shows signed storage URLs
that expire; braindock's URL does not expire but checks the caller's read permission on every GET.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from braindock.server.brainstem.fields import (
    Computed,
    Field,
    File,
    ForeignKey,
    GroupUsers,
    ManyToMany,
    Members,
    Model,
    Payload,
    Relation,
    Reverse,
    Scalar,
    Tags,
)
from braindock.server.brainstem.permissions import Ctx, granted, visible
from braindock.server.brainstem.query import IncludeTree
from braindock.server.brainstem.schema import Record
from braindock.server.storage import brainstem_models as db
from braindock.server.storage.brainstem_models import CONTRIBUTOR, MANAGER, OWNER

HIDDEN_ON_PUBLIC = {
    "user": {"email"},
    "protocol": {"procedures", "subjectlogs", "users", "groups"},
    "project": {"users", "groups"},
    "group": {"users"},
    **{name: {"users", "groups"} for name in ("behavioralassay", "datastorage", "inventory", "license", "setup")},
}
RRID_RESOLVER = "https://scicrunch.org/resolver/"


def flags(level: int, with_can_change: bool = True) -> dict[str, bool]:
    """A stored level as the permission flags of 4.0 (normalised upward)."""
    result = {"can_change": level >= CONTRIBUTOR} if with_can_change else {}
    result.update({"is_manager": level >= MANAGER, "is_owner": level >= OWNER})
    return result


def _human(code: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", code).replace("_", " ").strip().capitalize()


class Renderer:
    """Renders records of any model for one request."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.session = ctx.session

    # ------------------------------------------------------------------ batch lookups
    def _many(self, model: Model, item: ManyToMany, ids: list[Any]) -> dict[Any, list[Any]]:
        link = db.LINKS[(model.name, item.name)]
        result: dict[Any, list[Any]] = defaultdict(list)
        query = (
            sa.select(link.c.source_id, link.c.target_id)
            .where(link.c.source_id.in_(ids))
            .order_by(link.c.source_id, link.c.position, link.c.target_id)
        )
        for source, target in self.session.execute(query):
            result[source].append(target)
        return result

    def _reverse(self, item: Reverse, ids: list[Any], checked: bool) -> dict[Any, list[Any]]:
        target: Model = item.target_model  # type: ignore[assignment]
        table = db.TABLES[target.name]
        source = target.by_name[item.via]
        result: dict[Any, list[Any]] = defaultdict(list)
        # Records whose visibility is inherited through this very link (a session's behaviors, a project's
        # sessions and collections) are readable whenever the record they hang from is: no check needed.
        inherited = checked and target.access.via == item.via and target.access.kind.startswith("via_")
        if isinstance(source, ForeignKey):
            fk = table.c[source.column]
            query = sa.select(fk, table.c.id).where(fk.in_(ids))
        else:
            link = db.LINKS[(target.name, item.via)]
            query = (
                sa.select(link.c.target_id, link.c.source_id)
                .join(table, table.c.id == link.c.source_id)
                .where(link.c.target_id.in_(ids))
            )
        if not inherited:
            query = query.where(visible(target, self.ctx, "read"))
        for owner, related in self.session.execute(query.order_by(table.c.created_at, table.c.id)):
            result[owner].append(related)
        return result

    def _tags(self, model: Model, ids: list[Any]) -> dict[Any, list[str]]:
        tag = db.tag
        result: dict[Any, list[str]] = defaultdict(list)
        query = (
            sa.select(tag.c.record_id, tag.c.tag)
            .where(tag.c.model == model.name, tag.c.record_id.in_([str(i) for i in ids]))
            .order_by(tag.c.record_id, tag.c.position, tag.c.id)
        )
        for record_id, text in self.session.execute(query):
            result[record_id].append(text)
        return result

    def _members(self, model: Model, item: Members, ids: list[Any]) -> dict[Any, dict[str, Any]]:
        result: dict[Any, dict[str, Any]] = defaultdict(dict)
        if isinstance(item, GroupUsers):
            member, accounts = db.group_member, db.accounts
            query = (
                sa.select(member.c.group_id, accounts.c.email, member.c.level)
                .join(accounts, accounts.c.id == member.c.account_id)
                .where(member.c.group_id.in_(ids))
                .order_by(accounts.c.email)
            )
            for group_id, email, level in self.session.execute(query):
                result[group_id][email] = flags(level, with_can_change=False)
            return result
        grant = db.grant
        if item.principal == "user":
            other, key, name = db.accounts, grant.c.account_id, db.accounts.c.email
        else:
            other, key, name = db.group, grant.c.group_id, db.group.c.name
        query = (
            sa.select(grant.c.record_id, name, grant.c.level)
            .join(other, other.c.id == key)
            .where(grant.c.model == model.name, grant.c.record_id.in_([str(i) for i in ids]))
            .order_by(name)
        )
        if model.access.kind == "personal" and not self.ctx.superuser:
            # who a personal attribute is shared with (member e-mails) is for its members only: a reader who
            # sees the record because it is public gets ``{}`` (5.4: sharing is managed by its members)
            mine = granted(self.ctx, model.name).where(db.grant.c.record_id.in_([str(i) for i in ids]))
            allowed = set(self.session.scalars(mine)) if self.ctx.account_id is not None else set()
            query = query.where(grant.c.record_id.in_(allowed))
        for record_id, principal, level in self.session.execute(query):
            result[record_id][principal] = flags(level)
        return result

    def _computed(self, item: Computed, rows: list[Record]) -> dict[Any, Any]:
        if item.kind == "links":
            return {row.id: {name: f"{name}/" for name in item.arg} for row in rows}
        if item.kind == "rrid_url":
            return {row.id: (RRID_RESOLVER + row.rrid if row.get("rrid") else None) for row in rows}
        if item.kind == "subtype_display":
            return {row.id: [_human(code) for code in row.get("subtypes") or []] for row in rows}
        if item.kind == "groups_own":
            member, group = db.group_member, db.group
            query = (
                sa.select(member.c.account_id, group.c.id, group.c.name)
                .join(group, group.c.id == member.c.group_id)
                .where(member.c.account_id.in_([row.id for row in rows]), member.c.level >= OWNER)
                .order_by(group.c.name)
            )
            owned: dict[Any, list[dict[str, Any]]] = defaultdict(list)
            for account_id, group_id, name in self.session.execute(query):
                owned[account_id].append({"id": group_id, "name": name})
            return {row.id: owned.get(row.id, []) for row in rows}
        raise AssertionError(item.kind)

    def _payload(self, model: Model, row: Record) -> dict[str, Any]:
        target = model.approval_of
        assert target is not None
        stored = row.get("payload") or {}
        return {f.name: stored.get(f.name) for f in target.fields if not f.read_only and f.name != "comments"}

    # ------------------------------------------------------------------ rendering
    def render(
        self, model: Model, rows: list[Record], tree: IncludeTree | None = None, checked: bool = False
    ) -> list[dict[str, Any]]:
        """JSON objects for ``rows`` of ``model``, with ``tree`` relations embedded.

        ``checked``: the rows were selected with :func:`visible`, so what inherits their visibility needs no
        second check.
        """
        if not rows:
            return []
        ids = [row.id for row in rows]
        hidden = HIDDEN_ON_PUBLIC.get(model.name, set()) if self.ctx.portal == "public" else set()
        fields = [f for f in model.fields if not f.write_only and f.name not in hidden]
        batches: dict[str, dict[Any, Any]] = {}
        for item in fields:
            if isinstance(item, ManyToMany):
                batches[item.name] = self._many(model, item, ids)
            elif isinstance(item, Reverse):
                batches[item.name] = self._reverse(item, ids, checked)
            elif isinstance(item, Tags):
                batches[item.name] = self._tags(model, ids)
            elif isinstance(item, Members):
                batches[item.name] = self._members(model, item, ids)
            elif isinstance(item, Computed):
                batches[item.name] = self._computed(item, rows)
        getters = [self._getter(model, item, batches) for item in fields]
        objects = []
        for row in rows:
            obj: dict[str, Any] = {"id": row.id}
            for get in getters:
                get(row, obj)
            objects.append(obj)
        for name, subtree in (tree or {}).items():
            self._embed(model, model.by_name[name], objects, subtree)  # type: ignore[arg-type]
        return objects

    def _getter(self, model: Model, item: Field, batches: dict[str, dict[Any, Any]]) -> Callable[[Record, dict], None]:
        """A function writing ``item``'s value of a row into its JSON object (chosen once per field, not per row)."""
        name = item.name
        if isinstance(item, Payload):
            return lambda row, obj: obj.update(self._payload(model, row))
        if isinstance(item, ManyToMany | Reverse | Tags):
            batch = batches[name]
            if isinstance(item, Tags):
                return lambda row, obj: obj.__setitem__(name, list(batch.get(str(row.id), ())))
            return lambda row, obj: obj.__setitem__(name, list(batch.get(row.id, ())))
        if isinstance(item, Members):
            batch = batches[name]
            by_text = not isinstance(item, GroupUsers)
            return lambda row, obj: obj.__setitem__(name, dict(batch.get(str(row.id) if by_text else row.id, {})))
        if isinstance(item, Computed):
            batch = batches[name]
            return lambda row, obj: obj.__setitem__(name, batch.get(row.id))
        if isinstance(item, File):
            return self._file_getter(model, item)
        if isinstance(item, ForeignKey):
            column = item.column
            return lambda row, obj: obj.__setitem__(name, row.get(column))
        if isinstance(item, Scalar):
            column, dump, nullable, default = item.column, item.dump, item.nullable, item.default

            def scalar(row: Record, obj: dict) -> None:
                value = row.get(column)
                if value is None and not nullable:
                    value = default()
                obj[name] = dump(value)

            return scalar
        return lambda row, obj: None

    def _file_getter(self, model: Model, item: File) -> Callable[[Record, dict], None]:
        """A file field as the URL serving it on this portal (``null`` when empty, or hidden on ``public``)."""
        name, column, portal = item.name, item.column, self.ctx.portal
        if portal == "public" and not item.public:
            return lambda row, obj: obj.__setitem__(name, None)
        prefix = f"{self.ctx.base_url}api/{portal}/{model.app}/{model.name}/"

        def url(row: Record, obj: dict) -> None:
            obj[name] = f"{prefix}{row.id}/{name}/" if row.get(column) else None

        return url

    def _embed(self, model: Model, item: Relation, objects: list[dict[str, Any]], subtree: IncludeTree) -> None:
        target: Model = item.target_model  # type: ignore[assignment]
        wanted: list[Any] = []
        for obj in objects:
            value = obj.get(item.name)
            wanted.extend(value if isinstance(value, list) else [value])
        wanted = [i for i in dict.fromkeys(wanted) if i is not None and not isinstance(i, dict)]
        if not wanted:
            return
        table = db.TABLES[target.name]
        query = sa.select(table).where(table.c.id.in_(wanted), visible(target, self.ctx, "read"))
        rows = [Record(r._mapping) for r in self.session.execute(query)]
        embedded = {obj["id"]: obj for obj in self.render(target, rows, subtree, checked=True)}
        for obj in objects:
            value = obj.get(item.name)
            if isinstance(value, list):
                obj[item.name] = [embedded.get(i, i) for i in value]
            elif value is not None:
                obj[item.name] = embedded.get(value, value)


def render_one(
    ctx: Ctx, model: Model, row: Record, tree: IncludeTree | None = None, checked: bool = False
) -> dict[str, Any]:
    """One record as JSON (``checked``: see :meth:`Renderer.render`)."""
    return Renderer(ctx).render(model, [row], tree, checked)[0]
