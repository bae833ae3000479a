"""A small validator for the type-specific JSON documents (``brainstem.md`` 4.0 and Appendix A).

A :class:`TypeSchema` lists the properties of one selector value (a procedure ``type``, a
``coordinates_system``, ...). Decisions (``brainstem.md`` 6.2 items 16-17): unknown keys are
rejected, quantities need both ``value`` and ``unit``, enumerations are exact and case-sensitive.
Errors are JSON-pointer prefixed strings, e.g. ``"/duration/unit: must be one of h, min, s"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROPERTY_TYPES = ("string", "integer", "number", "boolean", "array", "quantity")


@dataclass(frozen=True)
class Prop:
    """One property: JSON ``type`` (or ``quantity``), allowed ``units``/``enum`` and bounds."""

    type: str
    units: tuple[str, ...] = ()
    enum: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    min_items: int | None = None


@dataclass(frozen=True)
class TypeSchema:
    """The schema of one selector value.

    Attributes:
        version: the schema version reported in ``*_schema_version``.
        properties: property name to :class:`Prop`.
        required: properties that must be present.
        rows: the document is a list of such objects (manipulation ``details``).
        open: any JSON object is accepted (equipment: no properties defined).
    """

    version: str
    properties: dict[str, Prop] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    rows: bool = False
    open: bool = False


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_prop(prop: Prop, value: Any, pointer: str) -> list[str]:
    kind = prop.type
    if kind == "quantity":
        if not isinstance(value, dict):
            return [f'{pointer}: expected an object {{"value": <number>, "unit": <string>}}']
        problems = [f"{pointer}/{key}: unknown key" for key in value if key not in ("value", "unit")]
        if not _is_number(value.get("value")):
            problems.append(f"{pointer}/value: expected a number")
        unit = value.get("unit")
        if unit not in prop.units:
            problems.append(f"{pointer}/unit: must be one of {', '.join(prop.units)}")
        return problems
    ok = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": _is_number(value),
        "boolean": isinstance(value, bool),
        "array": isinstance(value, list),
    }[kind]
    if not ok:
        return [f"{pointer}: expected {'an' if kind[0] in 'aeiou' else 'a'} {kind}"]
    problems = []
    if prop.enum and value not in prop.enum:
        problems.append(f"{pointer}: must be one of {', '.join(str(v) for v in prop.enum)}")
    if prop.minimum is not None and value < prop.minimum:
        problems.append(f"{pointer}: must be >= {prop.minimum}")
    if prop.maximum is not None and value > prop.maximum:
        problems.append(f"{pointer}: must be <= {prop.maximum}")
    if prop.min_items is not None and len(value) < prop.min_items:
        problems.append(f"{pointer}: needs at least {prop.min_items} items")
    return problems


def _check_object(schema: TypeSchema, value: Any, pointer: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{pointer or '/'}: expected an object"]
    if schema.open:
        return []
    problems = [f"{pointer}/{key}: required" for key in schema.required if key not in value]
    for key, item in value.items():
        prop = schema.properties.get(key)
        if prop is None:
            problems.append(f"{pointer}/{key}: unknown key")
        else:
            problems.extend(_check_prop(prop, item, f"{pointer}/{key}"))
    return problems


def validate(schema: TypeSchema, value: Any) -> list[str]:
    """Problems of ``value`` against ``schema`` (empty when valid).

    Row schemas accept a list of objects (each checked) or a single object.
    """
    if schema.rows and isinstance(value, list):
        problems: list[str] = []
        for index, row in enumerate(value):
            problems.extend(_check_object(schema, row, f"/{index}"))
        return problems
    return _check_object(schema, value, "")
