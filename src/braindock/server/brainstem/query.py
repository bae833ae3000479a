"""List queries: ``filter{...}``, ``sort[]``, ``include[]``, ``limit``/``offset`` (``brainstem.md`` 3.2).

Parameters are read from the raw query string after URL-decoding (both clients percent-encode
differently, 3.2.1). Filters and sorting compile to SQLAlchemy expressions on the model's table, so
the database filters, counts, orders and pages; relation paths become ``IN (subquery)`` conditions,
which match a to-many relation when *any* related record matches and never duplicate a record.

Decisions (6.2): unknown filter, sort or include names are 400; ``limit`` above 100 is clamped to
100; the default order is ``name`` (else creation time) with ``id`` as the final tie-breaker; related
records reached through a filter path must be readable by the caller (no probing of others' data).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa

from braindock.server.brainstem.errors import BadQuery
from braindock.server.brainstem.fields import (
    MAX_INT,
    MAX_LINKS,
    ForeignKey,
    ManyToMany,
    Model,
    Relation,
    Reverse,
    Scalar,
    Tags,
    Text,
    parse_bool,
    parse_id,
)
from braindock.server.brainstem.permissions import Ctx, visible
from braindock.server.storage import brainstem_models as db

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
OPERATORS = {
    "exact",
    "eq",
    "iexact",
    "contains",
    "icontains",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "isnull",
    "range",
}
_FILTER = re.compile(r"^filter\{(.*)\}$")


@dataclass
class Filter:
    """One ``filter{path}`` parameter: dotted ``path`` (without operator), ``op``, ``values``."""

    path: list[str]
    op: str
    values: list[str]
    negate: bool = False
    raw: str = ""


@dataclass
class ListParams:
    """Everything a list request asks for."""

    filters: list[Filter] = field(default_factory=list)
    sort: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    pairs: list[tuple[str, str]] = field(default_factory=list)


def _int_param(name: str, text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise BadQuery(f"{name}: {text!r} is not an integer.") from None
    if value < minimum:
        raise BadQuery(f"{name}: must be at least {minimum}.")
    if value > MAX_INT:
        raise BadQuery(f"{name}: must be at most {MAX_INT}.")
    return value


def parse_params(query_string: str) -> ListParams:
    """Parse a list URL's query string (3.2). ``page``/``per_page`` are accepted as aliases.

    Raises:
        BadQuery: malformed ``limit``/``offset``/``page`` or an empty filter path.
    """
    pairs = parse_qsl(query_string, keep_blank_values=True)
    params = ListParams(pairs=pairs)
    grouped: dict[str, list[str]] = {}
    page = per_page = None
    for key, value in pairs:
        match = _FILTER.match(key)
        if match:
            grouped.setdefault(match.group(1), []).append(value)
        elif key in ("sort[]", "sort"):
            params.sort.extend(part for part in value.split(",") if part)
        elif key in ("include[]", "include"):
            params.include.extend(part for part in value.split(",") if part)
        elif key == "limit":
            params.limit = min(_int_param("limit", value, 0), MAX_LIMIT)
        elif key == "offset":
            params.offset = _int_param("offset", value, 0)
        elif key == "page":
            page = _int_param("page", value, 1)
        elif key == "per_page":
            per_page = min(_int_param("per_page", value, 0), MAX_LIMIT)
    if per_page is not None:
        params.limit = per_page
    if page is not None:
        params.offset = (page - 1) * params.limit
    for raw, values in grouped.items():
        path = raw.strip()
        negate = path.startswith("-")
        path = path.lstrip("-")
        parts = [part for part in path.split(".")]
        if not path or any(part == "" for part in parts):
            raise BadQuery(f"Invalid filter field: {raw}.")
        op = "exact"
        if len(parts) > 1 and parts[-1] in OPERATORS:
            op = parts.pop()
        if op == "eq":
            op = "exact"
        if op in ("in", "range"):
            split = [item for value in values for item in value.split(",") if item != ""]
            if len(split) > MAX_LINKS:
                raise BadQuery(f"filter{{{raw}}}: at most {MAX_LINKS} values.")
            filters = [Filter(parts, op, split, negate, raw)]
        else:
            filters = [Filter(parts, op, [value], negate, raw) for value in values]
        params.filters.extend(filters)
    return params


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: SQL function lowering text as Python does (registered on SQLite connections by :func:`unicode_lower`).
UNICODE_LOWER = "bs_lower"


def _py_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def unicode_lower(session: Any) -> None:
    """Register ``bs_lower`` on the session's SQLite connection (once per connection).

    SQLite's ``lower()`` only folds ASCII letters, so ``filter{name.icontains}=ärger`` would miss ``Ärger``.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.info.get(UNICODE_LOWER):
        raw = connection.connection.driver_connection
        raw.create_function(UNICODE_LOWER, 1, _py_lower, deterministic=True)
        connection.info[UNICODE_LOWER] = True


def _lower(column: Any, value: str, dialect: str) -> Any:
    """``lower(column)``; on SQLite, when the searched text is not ASCII, Python's Unicode lowering."""
    if dialect == "sqlite" and not value.isascii():
        return getattr(sa.func, UNICODE_LOWER)(column)
    return sa.func.lower(column)


def _text_condition(column: Any, op: str, value: str, dialect: str) -> sa.ColumnElement[bool]:
    """Case-sensitive and -insensitive string operators, portable across SQLite and others.

    Case-insensitive operators compare Unicode lower case (``str.lower``) on both sides.
    """
    lowered = value.lower()
    if op == "iexact":
        return _lower(column, value, dialect) == lowered
    if op in ("icontains", "istartswith", "iendswith"):
        pattern = _like_escape(lowered)
        pattern = {"icontains": f"%{pattern}%", "istartswith": f"{pattern}%", "iendswith": f"%{pattern}"}[op]
        return _lower(column, value, dialect).like(pattern, escape="\\")
    # Case-sensitive: SQLite's LIKE ignores ASCII case, so compare substrings instead.
    length = len(value)
    if op == "contains":
        if dialect == "sqlite":
            return sa.func.instr(column, value) > 0
        return column.like(f"%{_like_escape(value)}%", escape="\\")
    if op == "startswith":
        return sa.func.substr(column, 1, length) == value
    if op == "endswith":
        return sa.and_(
            sa.func.length(column) >= length, sa.func.substr(column, sa.func.length(column) - length + 1) == value
        )
    raise AssertionError(op)


def _compare(column: Any, op: str, values: list[Any], text_ops: bool, dialect: str) -> sa.ColumnElement[bool]:
    if op == "exact":
        return column == values[0]
    if op in ("gt", "gte", "lt", "lte"):
        return {
            "gt": column > values[0],
            "gte": column >= values[0],
            "lt": column < values[0],
            "lte": column <= values[0],
        }[op]
    if op == "in":
        return column.in_(values)
    if op == "range":
        if len(values) != 2:
            raise ValueError("range takes two values")
        return column.between(values[0], values[1])
    if text_ops:
        return _text_condition(column, op, str(values[0]), dialect)
    raise ValueError(f"operator {op} does not apply")


class FilterCompiler:
    """Compiles :class:`Filter` objects of one model into SQL conditions."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.dialect = ctx.session.get_bind().dialect.name
        unicode_lower(ctx.session)

    def compile(self, model: Model, flt: Filter) -> sa.ColumnElement[bool]:
        """The condition for ``flt`` on ``model``'s table.

        Raises:
            BadQuery: unknown field, operator that does not apply, or a value that cannot be coerced.
        """
        table = db.TABLES[model.name]
        try:
            condition = self._path(model, table, flt.path, flt)
        except (ValueError, TypeError, OverflowError) as exc:
            raise BadQuery(f"Invalid filter value for {flt.raw}: {exc}.") from None
        if not flt.negate:
            return condition
        # Exclusion is the complement of the filter: a record whose value is missing (the condition is NULL)
        # fails the filter, so the negated filter selects it.
        return sa.not_(sa.func.coalesce(condition, sa.false()))

    def _unknown(self, flt: Filter) -> BadQuery:
        return BadQuery(f"Invalid filter field: {flt.raw}.")

    def _coerce_ids(self, model: Model, values: list[str]) -> list[Any]:
        return [parse_id(model.id_kind, value) for value in values]

    def _path(self, model: Model, table: sa.Table, path: list[str], flt: Filter) -> sa.ColumnElement[bool]:
        name, rest = path[0], path[1:]
        if name in ("id", "pk"):
            if rest:
                raise self._unknown(flt)
            return self._id_condition(table.c.id, model, flt)
        item = model.lookup(name)
        if item is None or item.write_only or (name == "email" and self.ctx.portal == "public"):
            raise self._unknown(flt)
        if isinstance(item, Scalar):
            if rest or not item.filterable:
                raise self._unknown(flt)
            return self._scalar(table.c[item.column], item, flt)
        if isinstance(item, Tags):
            if rest:
                raise self._unknown(flt)
            return self._tags(model, table, flt)
        if not isinstance(item, Relation):
            raise self._unknown(flt)
        target: Model = item.target_model  # type: ignore[assignment]
        target_table = db.TABLES[target.name]
        if rest and rest != ["id"] and rest != ["pk"]:
            inner = sa.select(target_table.c.id).where(
                self._path(target, target_table, rest, flt), visible(target, self.ctx, "read", target_table)
            )
            id_condition = None
        else:
            inner = None
            id_condition = flt
        if isinstance(item, ForeignKey):
            column = table.c[item.column]
            if inner is not None:
                return column.in_(inner)
            return self._id_condition(column, target, id_condition)  # type: ignore[arg-type]
        if isinstance(item, ManyToMany):
            link = db.LINKS[(model.name, item.name)]
            return self._to_many(
                table.c.id, link.c.source_id, link.c.target_id, target, inner, id_condition, sa.select(link.c.source_id)
            )
        if isinstance(item, Reverse):
            source = target.lookup(item.via)
            if isinstance(source, ForeignKey):
                fk = target_table.c[source.column]
                return self._to_many(
                    table.c.id, fk, target_table.c.id, target, inner, id_condition, sa.select(fk).where(fk.is_not(None))
                )
            link = db.LINKS[(target.name, item.via)]
            return self._to_many(
                table.c.id, link.c.target_id, link.c.source_id, target, inner, id_condition, sa.select(link.c.target_id)
            )
        raise self._unknown(flt)

    def _to_many(
        self,
        own_id: Any,
        back: Any,
        related_id: Any,
        target: Model,
        inner: sa.Select | None,
        flt: Filter | None,
        any_related: sa.Select,
    ) -> sa.ColumnElement[bool]:
        """``own_id IN (SELECT back WHERE related_id matches)``; ``isnull`` tests for no links."""
        if flt is not None and flt.op == "isnull":
            exists = own_id.in_(any_related)
            return sa.not_(exists) if parse_bool(flt.values[0]) else exists
        if inner is not None:
            matching = related_id.in_(inner)
        else:
            assert flt is not None
            matching = self._id_condition(related_id, target, flt)
        return own_id.in_(sa.select(back).where(matching))

    def _id_condition(self, column: Any, target: Model, flt: Filter) -> sa.ColumnElement[bool]:
        if flt.op == "isnull":
            return column.is_(None) if parse_bool(flt.values[0]) else column.is_not(None)
        if flt.op not in ("exact", "in", "gt", "gte", "lt", "lte", "range", "iexact"):
            raise ValueError(f"operator {flt.op} does not apply to ids")
        values = self._coerce_ids(target, flt.values)
        return _compare(column, "exact" if flt.op == "iexact" else flt.op, values, False, self.dialect)

    def _scalar(self, column: Any, item: Scalar, flt: Filter) -> sa.ColumnElement[bool]:
        if flt.op == "isnull":
            return column.is_(None) if parse_bool(flt.values[0]) else column.is_not(None)
        is_text = isinstance(item, Text)
        if not flt.values and flt.op != "in":  # an empty ``in`` matches nothing, as for ids
            raise ValueError("no value")
        if flt.op in ("iexact", "contains", "icontains", "startswith", "istartswith", "endswith", "iendswith"):
            if not is_text:
                raise ValueError(f"operator {flt.op} applies to text fields only")
            return _text_condition(column, flt.op, flt.values[0], self.dialect)
        values = [item.coerce_filter(value) for value in flt.values]
        return _compare(column, flt.op, values, is_text, self.dialect)

    def _tags(self, model: Model, table: sa.Table, flt: Filter) -> sa.ColumnElement[bool]:
        """``filter{tags}=x``: a tag equal to ``x`` ignoring case (decision 6.2 #24)."""
        tag = db.tag
        base = sa.select(tag.c.record_id).where(tag.c.model == model.name)
        if flt.op == "isnull":
            has = table.c.id.in_(base)
            return sa.not_(has) if parse_bool(flt.values[0]) else has
        if flt.op in ("exact", "iexact"):
            match = tag.c.tag_lower == flt.values[0].strip().lower()
        elif flt.op == "in":
            match = tag.c.tag_lower.in_([value.strip().lower() for value in flt.values])
        elif flt.op in ("contains", "icontains", "startswith", "istartswith", "endswith", "iendswith"):
            match = _text_condition(tag.c.tag_lower, "i" + flt.op.lstrip("i"), flt.values[0], self.dialect)
        else:
            raise ValueError(f"operator {flt.op} does not apply to tags")
        return table.c.id.in_(base.where(match))


# ---------------------------------------------------------------------------------------------
# Sorting
# ---------------------------------------------------------------------------------------------


#: ``sort[]`` names of the documentation that no model has (``brainstem.md`` 3.2.3, 6.3): the overview sorts by
#: ``created_date`` (``/?sort[]=-created_date``), which is the record's creation time.
SORT_ALIASES = {"created_date": "created_at", "updated_date": "updated_at"}


def _sort_column(model: Model, table: sa.Table, path: list[str], raw: str, ctx: Ctx) -> Any:
    name, rest = path[0], path[1:]
    if name in ("id", "pk") and not rest:
        return table.c.id
    name = SORT_ALIASES.get(name, name) if not rest and model.lookup(name) is None else name
    if name in ("created_at", "updated_at") and not rest and name in table.c:
        return table.c[name]
    item = model.lookup(name)
    if item is None or item.write_only or (name == "email" and ctx.portal == "public"):
        raise BadQuery(f"Invalid sort field: {raw}.")
    if isinstance(item, Scalar) and item.sortable and not rest:
        return table.c[item.column]
    if isinstance(item, ForeignKey):
        column = table.c[item.column]
        if not rest or rest in (["id"], ["pk"]):
            return column
        target = item.target_model
        target_table = db.TABLES[target.name].alias()  # type: ignore[union-attr]
        inner = _sort_column(target, target_table, rest, raw, ctx)  # type: ignore[arg-type]
        return sa.select(inner).where(target_table.c.id == column).scalar_subquery()
    raise BadQuery(f"Invalid sort field: {raw}.")


def order_by(model: Model, sort: list[str], ctx: Ctx) -> list[Any]:
    """ORDER BY terms for ``sort[]`` (``-`` = descending), then the model default, then ``id``.

    Raises:
        BadQuery: unknown or unsortable field.
    """
    table = db.TABLES[model.name]
    terms = []
    for raw in sort or list(model.default_sort):
        key = raw.strip()
        descending = key.startswith("-")
        key = key.lstrip("-+")
        if not key:
            raise BadQuery(f"Invalid sort field: {raw!r}.")
        column = _sort_column(model, table, key.split("."), raw, ctx)
        terms.append(column.desc() if descending else column.asc())
    terms.append(table.c.id.asc())
    return terms


# ---------------------------------------------------------------------------------------------
# Includes
# ---------------------------------------------------------------------------------------------

IncludeTree = dict[str, "IncludeTree"]


def include_tree(model: Model, include: list[str]) -> IncludeTree:
    """Parse ``include[]`` values (``behaviors.*``, ``behaviors``, ``behaviors.setup.*``) into a tree.

    Raises:
        BadQuery: a name that is not a relation of the model (or of the related model).
    """
    tree: IncludeTree = {}
    for raw in include:
        parts = [part for part in raw.strip().split(".") if part not in ("*", "")]
        if not parts:
            raise BadQuery(f"Invalid include: {raw!r}.")
        node = tree
        current = model
        for part in parts:
            item = current.lookup(part)
            if not isinstance(item, Relation):
                raise BadQuery(f"Invalid include: {raw!r} ({part!r} is not a relation of {current.name}).")
            node = node.setdefault(part, {})
            current = item.target_model  # type: ignore[assignment]
    return tree
