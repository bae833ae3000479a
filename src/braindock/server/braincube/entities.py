"""Braincube web-service (metadata) endpoints E1–E13 (``shared/reference/braincube.md`` 3.2).

Collections answer ``{"items": [...], "total": n}`` with exactly ``min(size, total - offset)``
items in ascending ``bcId`` order and an empty page past the end (3.3).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from braindock.server.braincube import serialise
from braindock.server.braincube.access import braincube_caller, braincube_for, memory_base_for, parse_bcid
from braindock.server.errors import NotFound
from braindock.server.storage.models import Braincube, MbEntity, MemoryBase, Variable

router = APIRouter(prefix="/braincube/{bc}/braincube/mb", tags=["braincube: web services"])

Offset = Query(0, ge=0, description="index of the first item")
Size = Query(150, ge=0, le=100_000, description="number of items in the page")
KIND_NAMES = {"datagroup": "data group", "event": "event", "job": "job", "rule": "rule"}


def open_braincube(request: Request, session: Session, bc: str) -> Braincube:
    """The braincube ``bc`` of the request's path, if the authenticated caller may use it (``braincube.md`` 1.5).

    Raises:
        Unauthorized, Forbidden: see :func:`.access.braincube_caller` (401/403); Forbidden (403) also when the
            braincube exists but was not granted. NotFound: no braincube of that name (404).
    """
    caller = braincube_caller(request)
    return braincube_for(session, caller, bc)


def page(session: Session, query: Select, offset: int, size: int, render: Callable) -> dict[str, Any]:
    """One page of ``query`` in the collection envelope of ``braincube.md`` 3.3.

    Returns:
        ``{"items": [render(row), ...], "total", "offset", "size"}``; no rows are read when ``size`` is 0.
    """
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.scalars(query.offset(offset).limit(size)).all() if size else []
    return {"items": [render(row) for row in rows], "total": total, "offset": offset, "size": size}


def entity_query(base: MemoryBase, kind: str) -> Select:
    """Select the entities of ``kind`` (``datagroup``, ``event``, ``job``, ``rule``) of ``base``, in ``bcId`` order."""
    return select(MbEntity).where(MbEntity.memory_base_id == base.id, MbEntity.kind == kind).order_by(MbEntity.id)


def get_entity(session: Session, base: MemoryBase, kind: str, bc_id: str | int) -> MbEntity:
    """Entity ``bc_id`` of ``kind`` in ``base``; 404 naming it otherwise."""
    label = KIND_NAMES[kind]
    row = session.get(MbEntity, parse_bcid(str(bc_id), label))
    if row is None or row.memory_base_id != base.id or row.kind != kind:
        raise NotFound(f"{label} {bc_id} does not exist in memory base {base.id}")
    return row


def get_variable(session: Session, base: MemoryBase, bc_id: str | int) -> Variable:
    """Variable ``bc_id`` of ``base``; 404 naming it otherwise."""
    number = parse_bcid(str(bc_id), "variable")
    row = session.scalar(select(Variable).where(Variable.memory_base_id == base.id, Variable.bc_id == number))
    if row is None:
        raise NotFound(f"variable {bc_id} does not exist in memory base {base.id}")
    return row


@router.get("/all/summary", summary="E1: page of memory bases")
def list_memory_bases(request: Request, bc: str, offset: int = Offset, size: int = Size) -> dict[str, Any]:
    """E1 ``GET /braincube/{bc}/braincube/mb/all/summary?offset&size``: memory bases (``braincube.md`` 3.2, 3.3).

    Returns:
        ``{"items": [memory base, ...], "total", "offset", "size"}`` in ``bcId`` order.

    Raises:
        Unauthorized, Forbidden: bad token or braincube not granted (401/403).
        NotFound: unknown braincube (404).
    """
    with request.app.state.services.database.session() as session:
        cube = open_braincube(request, session, bc)
        query = select(MemoryBase).where(MemoryBase.braincube_id == cube.id).order_by(MemoryBase.id)
        return page(session, query, offset, size, serialise.memory_base)


@router.get("/{mb}/extended", summary="E2: one memory base")
def read_memory_base(request: Request, bc: str, mb: str) -> dict[str, Any]:
    """E2 ``GET /braincube/{bc}/braincube/mb/{mb}/extended``: one memory base (``braincube.md`` 3.2, 3.5).

    Returns:
        ``{"bcId", "name", "uuid": "MB_<uuid>", "numberOfRows"}`` plus ``referenceDateVariable`` when set.

    Raises:
        Unauthorized, Forbidden: bad token or braincube not granted (401/403).
        NotFound: unknown braincube or memory base (404).
    """
    with request.app.state.services.database.session() as session:
        cube = open_braincube(request, session, bc)
        return serialise.memory_base(memory_base_for(session, cube, mb))


@router.get("/{mb}/variables/summary", summary="E3: page of variables")
def list_variables(request: Request, bc: str, mb: str, offset: int = Offset, size: int = Size) -> dict[str, Any]:
    """E3 ``GET /braincube/{bc}/braincube/mb/{mb}/variables/summary?offset&size``: page of variables (3.2, 3.3).

    Returns:
        ``{"items": [{"bcId", "standard", "tag", "local", "type", "unit"}, ...], "total", "offset", "size"}``.

    Raises:
        Unauthorized, Forbidden: bad token or braincube not granted (401/403).
        NotFound: unknown braincube or memory base (404).
    """
    with request.app.state.services.database.session() as session:
        base = memory_base_for(session, open_braincube(request, session, bc), mb)
        query = select(Variable).where(Variable.memory_base_id == base.id).order_by(Variable.bc_id)
        return page(session, query, offset, size, serialise.variable)


@router.get("/{mb}/variables/{var}/extended", summary="E4: one variable")
def read_variable(request: Request, bc: str, mb: str, var: str) -> dict[str, Any]:
    """E4 ``GET /braincube/{bc}/braincube/mb/{mb}/variables/{var}/extended``: one variable (``braincube.md`` 3.2).

    Returns:
        ``{"bcId", "standard", "tag", "local", "type", "unit"}``.

    Raises:
        Unauthorized, Forbidden: bad token or braincube not granted (401/403).
        NotFound: unknown braincube or memory base (404). Also for an unknown variable.
    """
    with request.app.state.services.database.session() as session:
        base = memory_base_for(session, open_braincube(request, session, bc), mb)
        return serialise.variable(get_variable(session, base, var))


def _list(kind: str, summary: str):  # type: ignore[no-untyped-def]
    def handler(request: Request, bc: str, mb: str, offset: int = Offset, size: int = Size) -> dict[str, Any]:
        with request.app.state.services.database.session() as session:
            base = memory_base_for(session, open_braincube(request, session, bc), mb)
            return page(session, entity_query(base, kind), offset, size, serialise.entity)

    handler.__doc__ = summary
    return handler


def _read(kind: str, summary: str):  # type: ignore[no-untyped-def]
    def handler(request: Request, bc: str, mb: str, bcid: str) -> dict[str, Any]:
        with request.app.state.services.database.session() as session:
            base = memory_base_for(session, open_braincube(request, session, bc), mb)
            return serialise.entity(get_entity(session, base, kind, bcid))

    handler.__doc__ = summary
    return handler


@router.get("/{mb}/jobs/{job}/rules/all/summary", summary="E13: page of a job's rules")
def list_job_rules(
    request: Request, bc: str, mb: str, job: str, offset: int = Offset, size: int = Size
) -> dict[str, Any]:
    """E13 ``GET …/mb/{mb}/jobs/{job}/rules/all/summary?offset&size``: page of a job's rules (``braincube.md`` 3.2).

    Returns:
        ``{"items": [rule, ...], "total", "offset", "size"}`` in ``bcId`` order.

    Raises:
        Unauthorized, Forbidden: bad token or braincube not granted (401/403).
        NotFound: unknown braincube or memory base (404). Also for an unknown job.
    """
    with request.app.state.services.database.session() as session:
        base = memory_base_for(session, open_braincube(request, session, bc), mb)
        owner = get_entity(session, base, "job", job)
        return page(
            session,
            entity_query(base, "rule").where(MbEntity.job_id == owner.id),
            offset,
            size,
            serialise.entity,
        )


# (path, kind, endpoint id, summary); "all" routes are registered before "{bcid}" routes.
_COLLECTIONS = [
    ("/{mb}/dataGroups/summary", "datagroup", "E5: page of data groups"),
    ("/{mb}/events/all/extended", "event", "E7: page of events"),
    ("/{mb}/jobs/all/summary", "job", "E9: page of jobs"),
    ("/{mb}/rules/all/selector", "rule", "E11: page of rules"),
    ("/{mb}/rules/all/summary", "rule", "page of rules (summary form)"),
]
_SINGLETONS = [
    ("/{mb}/dataGroups/{bcid}/extended", "datagroup", "E6: one data group"),
    ("/{mb}/events/{bcid}/extended", "event", "E8: one event"),
    ("/{mb}/jobs/{bcid}/extended", "job", "E10: one job"),
    ("/{mb}/jobs/{bcid}/summary", "job", "one job (summary form)"),
    ("/{mb}/rules/{bcid}/summary", "rule", "E12: one rule"),
    ("/{mb}/rules/{bcid}/extended", "rule", "one rule (extended form)"),
]
for _path, _kind, _summary in _COLLECTIONS:
    router.add_api_route(_path, _list(_kind, _summary), methods=["GET"], summary=_summary)
for _path, _kind, _summary in _SINGLETONS:
    router.add_api_route(_path, _read(_kind, _summary), methods=["GET"], summary=_summary)
