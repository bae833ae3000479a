"""Import a CSV or Parquet file as a new memory base.

Type inference (``--discrete``/``--numeric``/``--datetime`` override it per column):

* floating-point and integer columns → NUMERIC (stored as DOUBLE or BIGINT), except integer
  columns with at most :data:`DISCRETE_MAX_LEVELS` distinct values that repeat (distinct count at
  most a tenth of the rows), which are codes (shift, line, state) → DISCRETE;
* text and boolean columns → DISCRETE;
* dates and timestamps (ISO-8601 text is detected by DuckDB's CSV sniffer) → DATETIME, kept in UTC.

The order variable is ``order`` if given, else the first DATETIME column, else a generated
NUMERIC variable ``row`` counting rows from 1. Variables get bcIds 2000001, 2000002, … in column
order. The sample file is written completely before the memory base is registered, so a crash
leaves the memory base either complete or absent.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from braindock.server.errors import BadRequest, Conflict
from braindock.server.storage.models import Braincube, MemoryBase, Variable
from braindock.server.storage.samples import ROW_COLUMN, SAMPLE_TABLE, SampleStore, column_name

FIRST_VARIABLE_BCID = 2_000_001
DISCRETE_MAX_LEVELS = 10
TYPES = ("NUMERIC", "DISCRETE", "DATETIME")
_INTEGER = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
}
_FLOAT = {"FLOAT", "DOUBLE", "REAL"}


@dataclass
class ImportOptions:
    """How to turn a file into a memory base.

    Attributes:
        name: memory-base name, unique within the braincube.
        order: source column that orders the rows (see module docs for the default).
        types: source column → forced Braincube type (NUMERIC, DISCRETE or DATETIME).
        tags: source column → variable ``tag`` (default: the column name).
        units: source column → unit text.
    """

    name: str
    order: str | None = None
    types: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)


@dataclass
class _Column:
    source: str
    bc_id: int
    type: str
    storage: str
    expression: str


def _reader(path: Path) -> str:
    suffix = path.suffix.lower()
    literal = "'" + str(path).replace("'", "''") + "'"
    if suffix in (".parquet", ".pq"):
        return f"read_parquet({literal})"
    if suffix in (".csv", ".txt", ".tsv") or suffix.endswith(".gz"):
        return f"read_csv({literal}, header=true, sample_size=-1)"
    raise BadRequest(f"file: {path.name} is neither CSV nor Parquet (.csv, .tsv, .parquet)", field="file")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _infer(
    con: duckdb.DuckDBPyConnection, source: str, duck_type: str, rows: int, forced: str | None
) -> tuple[str, str, str]:
    """(Braincube type, storage type, SQL expression) of one source column."""
    col = _quote(source)
    base = duck_type.split("(")[0].upper()
    is_int, is_float = base in _INTEGER, base in _FLOAT or base.startswith("DECIMAL")
    is_time = base.startswith("TIMESTAMP") or base == "DATE"
    kind = forced
    if kind is None:
        if is_time:
            kind = "DATETIME"
        elif is_float:
            kind = "NUMERIC"
        elif is_int:
            distinct = con.execute(f"SELECT count(DISTINCT {col}) FROM src").fetchone()[0]
            kind = "DISCRETE" if distinct <= DISCRETE_MAX_LEVELS and distinct * 10 <= rows else "NUMERIC"
        else:
            kind = "DISCRETE"
    if kind == "NUMERIC":
        if is_int:
            return kind, "BIGINT", f"CAST({col} AS BIGINT)"
        expr = f"TRY_CAST({col} AS DOUBLE)"
        return kind, "DOUBLE", f"CASE WHEN isnan({expr}) THEN NULL ELSE {expr} END"
    if kind == "DATETIME":
        if base == "TIMESTAMP WITH TIME ZONE":
            return kind, "TIMESTAMP", f"timezone('UTC', {col})"
        if is_time:
            return kind, "TIMESTAMP", f"CAST({col} AS TIMESTAMP)"
        text = f"CAST({col} AS VARCHAR)"
        parsed = f"coalesce(TRY_STRPTIME({text}, '%Y%m%d_%H%M%S'), TRY_CAST({text} AS TIMESTAMP))"
        return kind, "TIMESTAMP", parsed
    if is_float:
        return (
            kind,
            "VARCHAR",
            f"CASE WHEN {col} = floor({col}) THEN CAST(CAST({col} AS BIGINT) AS VARCHAR) "
            f"ELSE CAST({col} AS VARCHAR) END",
        )
    return kind, "VARCHAR", f"CAST({col} AS VARCHAR)"


def import_memory_base(
    session: Session, samples: SampleStore, cube: Braincube, path: Path, options: ImportOptions
) -> MemoryBase:
    """Create a memory base in ``cube`` from the CSV or Parquet file at ``path``.

    Returns:
        The new :class:`MemoryBase` row (flushed; its ``id`` is the bcId).

    Raises:
        BadRequest: unreadable file, unknown column in an option, unknown type, empty file.
        Conflict: a memory base with that name exists in the braincube.
    """
    name = options.name.strip()
    if not name or len(name) > 200:
        raise BadRequest("name: must be 1-200 characters", field="name")
    if session.scalar(select(MemoryBase).where(MemoryBase.braincube_id == cube.id, MemoryBase.name == name)):
        raise Conflict(f"memory base {name!r} already exists in braincube {cube.name!r}")
    if not path.is_file():
        raise BadRequest(f"file: {path} does not exist", field="file")
    for column, kind in options.types.items():
        if kind.upper() not in TYPES:
            raise BadRequest(f"type of {column}: {kind!r} is not one of {', '.join(TYPES)}", field="types")

    sample_file = f"mb-{uuidlib.uuid4().hex}.duckdb"
    plan: dict[str, object] = {}

    def build(con: duckdb.DuckDBPyConnection) -> None:
        try:
            con.execute(f"CREATE TEMP TABLE src AS SELECT * FROM {_reader(path)}")
        except duckdb.Error as exc:
            raise BadRequest(f"file: cannot read {path.name}: {str(exc).splitlines()[0]}", field="file") from None
        described = con.execute("DESCRIBE src").fetchall()
        rows = con.execute("SELECT count(*) FROM src").fetchone()[0]
        sources = [row[0] for row in described]
        for option, mapping in (("type", options.types), ("tag", options.tags), ("unit", options.units)):
            for column in mapping:
                if column not in sources:
                    raise BadRequest(f"{option}: column {column!r} is not in {path.name}", field=option)
        if options.order is not None and options.order not in sources:
            raise BadRequest(f"order: column {options.order!r} is not in {path.name}", field="order")
        columns: list[_Column] = []
        for index, (source, duck_type, *_rest) in enumerate(described):
            forced = options.types.get(source)
            kind, storage, expression = _infer(con, source, duck_type, rows, forced.upper() if forced else None)
            columns.append(_Column(source, FIRST_VARIABLE_BCID + index, kind, storage, expression))
        if options.order is not None:
            order_column = next(c for c in columns if c.source == options.order)
        else:
            order_column = next((c for c in columns if c.type == "DATETIME"), None)
        generated = order_column is None
        if order_column is None:
            order_column = _Column("row", FIRST_VARIABLE_BCID + len(columns), "NUMERIC", "BIGINT", "rowid + 1")
            columns.append(order_column)
        select_list = [f"CAST(rowid AS BIGINT) AS {ROW_COLUMN}"]
        select_list += [f"CAST({c.expression} AS {c.storage}) AS {column_name(c.bc_id)}" for c in columns]
        con.execute(f"CREATE TABLE {SAMPLE_TABLE} AS SELECT {', '.join(select_list)} FROM src ORDER BY rowid")
        con.execute("DROP TABLE src")
        plan.update(rows=rows, columns=columns, order=order_column, generated=generated)

    samples.write(sample_file, build)
    columns: list[_Column] = plan["columns"]  # type: ignore[assignment]
    order_column: _Column = plan["order"]  # type: ignore[assignment]
    generated_row = bool(plan["generated"])
    try:
        base = MemoryBase(
            braincube_id=cube.id,
            name=name,
            uuid=str(uuidlib.uuid4()),
            order_variable_id=order_column.bc_id,
            row_count=int(plan["rows"]),  # type: ignore[call-overload]
            sample_file=sample_file,
            source=path.name,
        )
        session.add(base)
        session.flush()
        for c in columns:
            label = "Row number" if c is order_column and generated_row else c.source
            session.add(
                Variable(
                    memory_base_id=base.id,
                    bc_id=c.bc_id,
                    standard=label,
                    tag=options.tags.get(c.source, label),
                    local=label,
                    type=c.type,
                    storage=c.storage,
                    unit=options.units.get(c.source),
                )
            )
        session.flush()
    except BaseException:
        samples.remove(sample_file)
        raise
    return base
