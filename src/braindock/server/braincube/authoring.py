"""Authoring API: create, replace and delete data groups, events, jobs and rules.

Not part of the official client's protocol (``shared/reference/braincube.md`` only covers reads);
braindock adds it so a memory base can be given the structure the read endpoints serve. Paths
sit next to the read endpoints, and every answer is JSON (``DELETE`` answers ``200 {}``), so
``request_ws`` works with its default ``response_as_json=True`` (6):

| method | path (under ``/braincube/{bc}/braincube/mb/{mb}``) | body |
|--------|-----------------------------------------------------|------|
| POST   | ``/dataGroups``, ``/events``, ``/jobs``, ``/rules``    | the entity, without ``bcId`` |
| PUT    | ``/dataGroups/{id}`` … ``/rules/{id}``                 | the whole entity (replaces it) |
| DELETE | ``/dataGroups/{id}`` … ``/rules/{id}``                 | — |

Every variable, data group, event and job an entity refers to must exist in the same memory
base (404 naming it otherwise); a data group or event still used by a job cannot be deleted (409).
Conditions are stored with an explicit ``positive`` (default ``true``) because the official
client fails without it (10.21).
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from braindock.server.braincube import serialise
from braindock.server.braincube.access import memory_base_for, variables_of
from braindock.server.braincube.entities import get_entity, open_braincube
from braindock.server.errors import BadRequest, Conflict, NotFound
from braindock.server.storage.models import MbEntity, MemoryBase

router = APIRouter(prefix="/braincube/{bc}/braincube/mb", tags=["braincube: authoring"])


class Ref(BaseModel):
    """A reference to another entity by its ``bcId``."""

    bcId: int


class Condition(BaseModel):
    """A condition on one variable (``braincube.md`` 3.5, condition object).

    NUMERIC: ``minimum``/``maximum`` numbers; DATETIME: epoch milliseconds (UTC);
    DISCRETE: ``modalities`` (list of text values).
    """

    model_config = ConfigDict(extra="forbid")
    variable: Ref
    positive: bool = True
    minimum: int | float | None = None
    maximum: int | float | None = None
    modalities: list[str] | None = None


class DataGroupIn(BaseModel):
    """Body of ``POST``/``PUT`` ``…/mb/{mb}/dataGroups``: a name (1–300 chars) and the variables it groups."""

    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1, max_length=300)
    variables: list[Ref] = Field(default_factory=list)


class EventIn(BaseModel):
    """Body of ``POST``/``PUT`` ``…/mb/{mb}/events``: a name (1–300 chars) and its conditions (``braincube.md`` 3.5)."""

    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1, max_length=300)
    conditions: list[Condition] = Field(default_factory=list)


class ModelEntry(BaseModel):
    """A job category (good/bad/middle): its conditions plus any other members, kept as is."""

    model_config = ConfigDict(extra="allow")
    conditions: list[Condition] = Field(default_factory=list)


class JobEvents(BaseModel):
    """The ``events`` member of a job: events that mark its rows as positive or negative (``braincube.md`` 3.5, job)."""

    positiveEvents: list[Ref] = Field(default_factory=list)
    negativeEvents: list[Ref] = Field(default_factory=list)


class JobIn(BaseModel):
    """Body of ``POST``/``PUT`` ``…/mb/{mb}/jobs`` (``braincube.md`` 3.5, job).

    A name (1–300 chars), conditions, model entries, referenced data groups and events; other members are kept.
    """

    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1, max_length=300)
    conditions: list[Condition] = Field(default_factory=list)
    modelEntries: list[ModelEntry] = Field(default_factory=list)
    dataGroups: list[Ref] = Field(default_factory=list)
    events: JobEvents = Field(default_factory=JobEvents)


class RuleIn(BaseModel):
    """Body of ``POST``/``PUT`` ``…/mb/{mb}/rules``: a name (1–300 chars), an optional owning job and conditions."""

    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1, max_length=300)
    job: Ref | None = None
    conditions: list[Condition] = Field(default_factory=list)


SCHEMAS: dict[str, type[BaseModel]] = {
    "datagroup": DataGroupIn,
    "event": EventIn,
    "job": JobIn,
    "rule": RuleIn,
}
SEGMENTS = {"datagroup": "dataGroups", "event": "events", "job": "jobs", "rule": "rules"}
RESERVED = {"bcId", "uuid"}


def _check_conditions(conditions: list[Condition], types: dict[int, str], where: str) -> None:
    for i, condition in enumerate(conditions):
        var = condition.variable.bcId
        if var not in types:
            raise NotFound(f"{where}[{i}].variable: variable {var} does not exist in this memory base")
        if types[var] == "DISCRETE" and (condition.minimum is not None or condition.maximum is not None):
            raise BadRequest(f"{where}[{i}]: variable {var} is DISCRETE; use 'modalities', not minimum/maximum")
        if types[var] != "DISCRETE" and condition.modalities:
            raise BadRequest(f"{where}[{i}]: variable {var} is {types[var]}; use minimum/maximum, not 'modalities'")


def _check_refs(session: Session, base: MemoryBase, kind: str, refs: list[Ref], where: str) -> None:
    for i, ref in enumerate(refs):
        row = session.get(MbEntity, ref.bcId)
        if row is None or row.memory_base_id != base.id or row.kind != kind:
            raise NotFound(f"{where}[{i}]: {kind} {ref.bcId} does not exist in memory base {base.id}")


def _document(session: Session, base: MemoryBase, kind: str, payload: BaseModel) -> tuple[str, int | None, dict]:
    """Validate references and return (name, job id, stored document)."""
    types = {v.bc_id: v.type for v in variables_of(session, base)}
    job_id = None
    if isinstance(payload, DataGroupIn):
        for i, ref in enumerate(payload.variables):
            if ref.bcId not in types:
                raise NotFound(f"variables[{i}]: variable {ref.bcId} does not exist in memory base {base.id}")
    if isinstance(payload, EventIn | RuleIn | JobIn):
        _check_conditions(payload.conditions, types, "conditions")
    if isinstance(payload, JobIn):
        for i, entry in enumerate(payload.modelEntries):
            _check_conditions(entry.conditions, types, f"modelEntries[{i}].conditions")
        _check_refs(session, base, "datagroup", payload.dataGroups, "dataGroups")
        _check_refs(session, base, "event", payload.events.positiveEvents, "events.positiveEvents")
        _check_refs(session, base, "event", payload.events.negativeEvents, "events.negativeEvents")
    if isinstance(payload, RuleIn) and payload.job is not None:
        _check_refs(session, base, "job", [payload.job], "job")
        job_id = payload.job.bcId
    document = payload.model_dump(mode="json", exclude_none=False)
    for key in RESERVED & document.keys():
        raise BadRequest(f"{key}: is assigned by the server and cannot be set")
    name = document.pop("name")
    _drop_none_bounds(document)
    return name, job_id, document


def _drop_none_bounds(node: Any) -> None:
    """Remove null minimum/maximum/modalities members so conditions read like the protocol's."""
    if isinstance(node, dict):
        for key in ("minimum", "maximum", "modalities"):
            if key in node and node[key] is None:
                del node[key]
        for value in node.values():
            _drop_none_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _drop_none_bounds(value)


def _users(session: Session, base: MemoryBase, row: MbEntity) -> list[str]:
    """Jobs that refer to a data group or event (blocks its deletion)."""
    users = []
    for job in session.scalars(select(MbEntity).where(MbEntity.memory_base_id == base.id, MbEntity.kind == "job")):
        doc = job.document or {}
        refs = (
            doc.get("dataGroups", [])
            if row.kind == "datagroup"
            else [
                *doc.get("events", {}).get("positiveEvents", []),
                *doc.get("events", {}).get("negativeEvents", []),
            ]
        )
        if any(ref.get("bcId") == row.id for ref in refs):
            users.append(str(job.id))
    return users


def _make_handlers(kind: str):  # type: ignore[no-untyped-def]
    schema = SCHEMAS[kind]
    label = kind if kind != "datagroup" else "data group"

    def create(request: Request, bc: str, mb: str, payload: schema) -> Any:  # type: ignore[valid-type]
        with request.app.state.services.database.session() as session:
            base = memory_base_for(session, open_braincube(request, session, bc), mb)
            name, job_id, document = _document(session, base, kind, payload)
            row = MbEntity(
                memory_base_id=base.id,
                kind=kind,
                name=name,
                uuid=str(uuidlib.uuid4()),
                job_id=job_id,
                document=document,
            )
            session.add(row)
            session.flush()
            return serialise.entity(row)

    def replace(request: Request, bc: str, mb: str, bcid: str, payload: schema) -> Any:  # type: ignore[valid-type]
        with request.app.state.services.database.session() as session:
            base = memory_base_for(session, open_braincube(request, session, bc), mb)
            row = get_entity(session, base, kind, bcid)
            row.name, row.job_id, row.document = _document(session, base, kind, payload)
            session.flush()
            return serialise.entity(row)

    def delete(request: Request, bc: str, mb: str, bcid: str) -> dict[str, Any]:
        with request.app.state.services.database.session() as session:
            base = memory_base_for(session, open_braincube(request, session, bc), mb)
            row = get_entity(session, base, kind, bcid)
            if kind in ("datagroup", "event") and (users := _users(session, base, row)):
                raise Conflict(f"{label} {row.id} is used by job(s) {', '.join(users)}; change those jobs first")
            if kind == "job":
                for rule in session.scalars(select(MbEntity).where(MbEntity.job_id == row.id)):
                    rule.job_id = None
                    rule.document = {k: v for k, v in (rule.document or {}).items() if k != "job"}
            session.delete(row)
            return {}

    # the payload model is chosen at run time, so give FastAPI the class itself, not its name
    create.__annotations__["payload"] = schema
    replace.__annotations__["payload"] = schema
    create.__doc__ = f"Create a {label}; answers 201 with the stored {label}."
    replace.__doc__ = f"Replace a {label} whole; answers the stored {label}."
    delete.__doc__ = f"Delete a {label}; answers 200 {{}}."
    return create, replace, delete


for _kind, _segment in SEGMENTS.items():
    _create, _replace, _delete = _make_handlers(_kind)
    router.add_api_route(f"/{{mb}}/{_segment}", _create, methods=["POST"], status_code=201, summary=f"Create a {_kind}")
    router.add_api_route(f"/{{mb}}/{_segment}/{{bcid}}", _replace, methods=["PUT"], summary=f"Replace a {_kind}")
    router.add_api_route(f"/{{mb}}/{_segment}/{{bcid}}", _delete, methods=["DELETE"], summary=f"Delete a {_kind}")


@router.delete("/{mb}", summary="Delete a memory base with its samples and entities")
def delete_memory_base(request: Request, bc: str, mb: str) -> dict[str, Any]:
    """``DELETE /braincube/{bc}/braincube/mb/{mb}``: delete a memory base, its entities and its sample file.

    Returns:
        ``200 {}``.

    Raises:
        Unauthorized, Forbidden: missing/invalid token or braincube not granted (401/403).
        NotFound: unknown braincube or memory base (404).
    """
    services = request.app.state.services
    with services.database.session() as session:
        cube = open_braincube(request, session, bc)
        base = memory_base_for(session, cube, mb)
        sample_file = base.sample_file
        session.delete(base)
    services.samples.remove(sample_file)
    return {}
