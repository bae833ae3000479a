"""Braindata endpoints E14 and E15 (``shared/reference/braincube.md`` section 4).

``POST …/braindata/mb<mb>/LF`` answers in one of two wire formats:

* JSON (default, what the official client reads, 4.3): ``{"datadefs": [{"id", "type", "data"}]}``
  with every value a string — NUMERIC in plain decimal (``"NaN"`` when missing), DATETIME as
  ``YYYYMMDD_HHMMSS`` in UTC (``"null"`` when missing), DISCRETE as text (``"null"`` when missing).
  The body is streamed column by column in batches, each batch formatted inside DuckDB and joined
  by pyarrow, so server memory stays bounded whatever the result size.
* Arrow IPC stream, when the request sends ``Accept: application/vnd.apache.arrow.stream``: one
  column per requested variable named by its long id, field metadata ``type`` = the Braincube type,
  NUMERIC as int64/float64, DISCRETE as string, DATETIME as timestamp[us] (UTC), nulls for missing.

Rows are ordered ascending by the memory base's order variable (missing values last), ties by
insertion order (9.2). The response holds exactly the requested variables, once each, in request
order (9.4, 9.5).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from braindock.server.braincube.access import braincube_caller, braincube_for, memory_base_for, variables_of
from braindock.server.braincube.filters import ColumnRef, FilterCompiler, FilterError, parse_long_id
from braindock.server.errors import BadRequest, NotFound
from braindock.server.storage.models import MemoryBase
from braindock.server.storage.samples import ROW_COLUMN, SAMPLE_TABLE, SampleStore, column_name

router = APIRouter(prefix="/braincube/{bc}/braindata", tags=["braincube: braindata"])

ARROW_STREAM = "application/vnd.apache.arrow.stream"
MAX_BODY_BYTES = 32 * 1024 * 1024
BATCH_ROWS = 65_536
DATA_SOURCE = re.compile(r"^mb(\d+)$")


@dataclass(frozen=True)
class DataQuery:
    """A validated LF request: which columns, which rows, in which order."""

    base: MemoryBase
    columns: list[ColumnRef]
    where: str
    params: list[Any]
    order: ColumnRef | None


def _memory_base(request: Request, session: Session, bc: str, source: str) -> MemoryBase:
    caller = braincube_caller(request)
    cube = braincube_for(session, caller, bc)
    match = DATA_SOURCE.match(source)
    if not match:
        raise NotFound(f"braindata source {source!r} does not exist; expected 'mb<bcId>'")
    return memory_base_for(session, cube, match.group(1))


def _refs(session: Session, base: MemoryBase) -> dict[int, ColumnRef]:
    return {
        v.bc_id: ColumnRef(column_name(v.bc_id), v.type, f"mb{base.id}/d{v.bc_id}") for v in variables_of(session, base)
    }


@router.get("/{source}/simple", summary="E14: braindata description of a memory base")
def simple(request: Request, bc: str, source: str) -> dict[str, Any]:
    """E14 ``GET /braincube/{bc}/braindata/mb{mb}/simple`` (``braincube.md`` 4.1).

    Returns:
        ``{"bcId", "name", "numberOfRows"}`` plus ``reference`` and ``order`` (both the order variable's long
        id ``"mb<mb>/d<var>"``) when the memory base has an order variable.

    Raises:
        Unauthorized, Forbidden: bad token or braincube not granted (401/403).
        NotFound: unknown braincube, source not ``mb<bcId>``, or unknown memory base (404).
    """
    with request.app.state.services.database.session() as session:
        base = _memory_base(request, session, bc, source)
        body: dict[str, Any] = {"bcId": base.id, "name": base.name, "numberOfRows": base.row_count}
        if base.order_variable_id is not None:
            order = f"mb{base.id}/d{base.order_variable_id}"
            body.update(reference=order, order=order)
        return body


def _parse_body(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(f"request body larger than {MAX_BODY_BYTES} bytes")
    try:
        body = json.loads(raw or b"{}")
    except RecursionError:
        raise BadRequest("filter: nested too deeply to parse") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"request body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object with 'definitions' and 'context'")
    return body


def build_query(session: Session, base: MemoryBase, body: dict[str, Any]) -> DataQuery:
    """Validate an LF body (4.2) against ``base``.

    Raises:
        BadRequest: malformed members or filter (400, naming member/operator and position).
        NotFound: a variable that does not exist (404, naming it).
    """
    refs = _refs(session, base)
    definitions = body.get("definitions", [])
    if not isinstance(definitions, list):
        raise BadRequest("definitions: must be a list of variable ids like 'mb42/d2000001'", field="definitions")
    columns: list[ColumnRef] = []
    seen: set[int] = set()
    for i, item in enumerate(definitions):
        var = parse_long_id(item, base.id, f"definitions[{i}]")
        if var not in refs:
            raise NotFound(f"variable mb{base.id}/d{var} does not exist in memory base {base.id}")
        if var not in seen:
            seen.add(var)
            columns.append(refs[var])
    context = body.get("context") or {}
    if not isinstance(context, dict):
        raise BadRequest("context: must be an object", field="context")
    source = context.get("dataSource")
    if source is not None and source != f"mb{base.id}":
        raise BadRequest(f"context.dataSource: {source!r} does not match memory base mb{base.id}", field="context")
    where, params = "TRUE", []
    if context.get("filter") is not None:
        try:
            where, params = FilterCompiler(base.id, refs).compile(context["filter"], "context.filter")
        except RecursionError:
            raise FilterError("nested too deeply", "context.filter") from None
    order = refs.get(base.order_variable_id) if base.order_variable_id is not None else None
    requested = body.get("order")
    if requested not in (None, ""):
        var = parse_long_id(requested, base.id, "order")
        if var not in refs:
            raise NotFound(f"order variable mb{base.id}/d{var} does not exist in memory base {base.id}")
        order = refs[var]
    return DataQuery(base, columns, where, params, order)


def _order_by(query: DataQuery) -> str:
    if query.order is None:
        return f'"{ROW_COLUMN}"'
    return f'"{query.order.column}" ASC NULLS LAST, "{ROW_COLUMN}"'


def _json_cell(ref: ColumnRef, storage: str) -> str:
    col = f'"{ref.column}"'
    if ref.type == "DATETIME":
        return f"""coalesce('"' || strftime({col}, '%Y%m%d_%H%M%S') || '"', '"null"')"""
    if ref.type == "NUMERIC":
        if storage == "DOUBLE":
            missing = f"{col} IS NULL OR isnan({col})"
            return f"""CASE WHEN {missing} THEN '"NaN"' ELSE '"' || CAST({col} AS VARCHAR) || '"' END"""
        return f"""coalesce('"' || CAST({col} AS VARCHAR) || '"', '"NaN"')"""
    return f"""coalesce(to_json(CAST({col} AS VARCHAR)), '"null"')"""


def _join(strings: pa.Array) -> str:
    offsets = pa.array([0, len(strings)], pa.int32())
    return pc.binary_join(pa.ListArray.from_arrays(offsets, strings), ",")[0].as_py()


def stream_json(samples: SampleStore, query: DataQuery, storages: dict[str, str]) -> Iterator[bytes]:
    """Yield the JSON body of 4.3, one batch of one column at a time."""
    cursor = samples.cursor(query.base.sample_file)
    try:
        yield b'{"datadefs": ['
        for index, ref in enumerate(query.columns):
            head = json.dumps({"id": ref.long_id, "type": ref.type})[:-1]
            yield (", " if index else "").encode() + head.encode() + b', "data": ['
            sql = (
                f"SELECT {_json_cell(ref, storages[ref.column])} AS cell FROM {SAMPLE_TABLE} "
                f"WHERE {query.where} ORDER BY {_order_by(query)}"
            )
            reader = cursor.sql(sql, params=query.params).to_arrow_reader(BATCH_ROWS)
            first = True
            for batch in reader:
                if batch.num_rows == 0:
                    continue
                text = _join(batch.column(0))
                yield (text if first else "," + text).encode()
                first = False
            yield b"]}"
        yield b"]}"
    finally:
        cursor.close()


class _Chunks:
    """A write-only file object that hands back what the Arrow writer wrote since the last drain."""

    closed = False

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def stream_arrow(samples: SampleStore, query: DataQuery) -> Iterator[bytes]:
    """Yield an Arrow IPC stream of the selected columns, batch by batch."""
    cursor = samples.cursor(query.base.sample_file)
    try:
        fields: list[pa.Field] = []
        batches: Iterator[pa.RecordBatch] = iter(())
        if query.columns:
            select_list = ", ".join(f'"{ref.column}"' for ref in query.columns)
            sql = f"SELECT {select_list} FROM {SAMPLE_TABLE} WHERE {query.where} ORDER BY {_order_by(query)}"
            reader = cursor.sql(sql, params=query.params).to_arrow_reader(BATCH_ROWS)
            for ref, field in zip(query.columns, reader.schema, strict=True):
                kind = pa.timestamp("us") if pa.types.is_timestamp(field.type) else field.type
                fields.append(pa.field(ref.long_id, kind, metadata={"type": ref.type}))
            batches = iter(reader)
        schema = pa.schema(fields)
        sink = _Chunks()
        writer = pa.ipc.new_stream(sink, schema)
        for batch in batches:
            arrays = [
                column if column.type == field.type else column.cast(field.type)
                for column, field in zip(batch.columns, fields, strict=True)
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            yield sink.drain()
        writer.close()
        yield sink.drain()
    finally:
        cursor.close()


@router.post("/{source}/LF", summary="E15: column data of a memory base, filtered and ordered")
async def lf(request: Request, bc: str, source: str) -> StreamingResponse:
    """E15 ``POST /braincube/{bc}/braindata/mb{mb}/LF`` (``braincube.md`` 4.2–4.4): column data, streamed.

    The body (at most 32 MiB) is ``{"definitions": [long ids], "context": {...}}``. Answers 200 with
    ``{"datadefs": [{"id", "type", "data": [str, ...]}]}``, or an Arrow IPC stream when ``Accept`` asks for it.

    Raises:
        BadRequest: body not a JSON object, too large, or malformed members/filter (400).
        Unauthorized, Forbidden: bad token or braincube not granted (401/403).
        NotFound: unknown braincube, memory base or variable (404).
    """
    raw = await request.body()
    services = request.app.state.services

    def prepare() -> tuple[DataQuery, dict[str, str]]:
        body = _parse_body(raw)
        with services.database.session() as session:
            base = _memory_base(request, session, bc, source)
            query = build_query(session, base, body)
            storages = {column_name(v.bc_id): v.storage for v in variables_of(session, base)}
        return query, storages

    query, storages = await run_in_threadpool(prepare)
    if ARROW_STREAM in request.headers.get("accept", ""):
        return StreamingResponse(stream_arrow(services.samples, query), media_type=ARROW_STREAM)
    return StreamingResponse(stream_json(services.samples, query, storages), media_type="application/json")
