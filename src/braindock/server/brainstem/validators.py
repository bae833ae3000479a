"""Validators of the shared JSON structures (``brainstem.md`` 4.0, 4.1, 4.3, 4.4).

Each takes the JSON input and returns the normalised value, or raises :class:`FieldError` with
messages naming the offending item.
"""

from __future__ import annotations

import json
import re
from typing import Any

from braindock.server.brainstem.fields import URL, FieldError

_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
REPOSITORIES = ("CRCNS", "DANDI", "Figshare", "GitHub", "Globus", "Mendeley", "Zenodo", "Webshare", "Other")
ORGANIZATION_ELEMENTS = ("Projects", "Collections", "Cohorts", "Subjects", "Sessions", "Years")


def extra_fields(value: Any) -> dict[str, Any]:
    """``extra_fields``: object of ``^[A-Za-z][A-Za-z0-9_]*$`` keys to strings or numbers.

    The pre-2025 list form ``[{"name": k, "value": v}, ...]`` is converted to the object form.
    """
    if isinstance(value, list):
        converted: dict[str, Any] = {}
        for item in value:
            if not isinstance(item, dict) or "name" not in item:
                raise FieldError('Expected an object, or a list of {"name", "value"} pairs.')
            converted[str(item["name"])] = item.get("value")
        value = converted
    if not isinstance(value, dict):
        raise FieldError("Expected a JSON object of key/value pairs.")
    problems = []
    for key, item in value.items():
        if not _KEY.match(key):
            problems.append(f"{key!r}: keys must start with a letter and hold only letters, digits and underscores.")
        elif isinstance(item, bool) or not isinstance(item, str | int | float):
            problems.append(f"{key!r}: values must be strings or numbers.")
    if problems:
        raise FieldError(*problems)
    return value


def download_links(value: Any) -> list[dict[str, str]]:
    """``download_links``: ``[{"repository": <enum>, "url": "http(s)://|ftp://..."}]``."""
    if not isinstance(value, list):
        raise FieldError("Expected a list of {repository, url} objects.")
    problems = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            problems.append(f"[{index}]: expected an object.")
            continue
        if item.get("repository") not in REPOSITORIES:
            problems.append(f"[{index}].repository: must be one of {', '.join(REPOSITORIES)}.")
        if not isinstance(item.get("url"), str) or not URL.match(item["url"]):
            problems.append(f"[{index}].url: must begin with http://, https:// or ftp://.")
        extra = set(item) - {"repository", "url"}
        if extra:
            problems.append(f"[{index}]: unknown keys {', '.join(sorted(extra))}.")
    if problems:
        raise FieldError(*problems)
    return value


def data_organization(value: Any) -> list[dict[str, str]]:
    """``data_organization``: ``[{"elements": <level>}]``; plain level strings are accepted too."""
    if not isinstance(value, list):
        raise FieldError('Expected a list of {"elements": <level>} objects.')
    result = []
    for index, item in enumerate(value):
        element = item.get("elements") if isinstance(item, dict) else item
        if element not in ORGANIZATION_ELEMENTS:
            raise FieldError(f"[{index}]: elements must be one of {', '.join(ORGANIZATION_ELEMENTS)}.")
        result.append({"elements": element})
    return result


def data_protocols(value: Any) -> list[dict[str, Any]]:
    """``data_protocols``: ``[{"protocol": str, "path": str, "is_public": bool}]``."""
    if not isinstance(value, list):
        raise FieldError("Expected a list of {protocol, path, is_public} objects.")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise FieldError(f"[{index}]: expected an object.")
        if not isinstance(item.get("protocol"), str) or not isinstance(item.get("path", ""), str):
            raise FieldError(f"[{index}]: protocol and path must be strings.")
        if not isinstance(item.get("is_public", False), bool):
            raise FieldError(f"[{index}].is_public: must be a boolean.")
    return value


def external_identifiers(value: Any) -> list[dict[str, str]] | None:
    """``external_identifiers``: ``null`` or ``[{"source", "identifier", "url"?}]`` (Appendix B)."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise FieldError("Expected a list of {source, identifier, url} objects.")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise FieldError(f"[{index}]: expected an object.")
        for key in ("source", "identifier"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise FieldError(f"[{index}].{key}: required.")
        url = item.get("url")
        if url not in (None, "") and (not isinstance(url, str) or not URL.match(url)):
            raise FieldError(f"[{index}].url: enter a valid URL.")
    return value


def array_or_object(value: Any) -> Any:
    """Free JSON that must be an array or an object (setup ``specifications``)."""
    if not isinstance(value, list | dict):
        raise FieldError("Expected a JSON array or object.")
    return value


def json_object(value: Any) -> dict[str, Any]:
    """Any JSON object (consumable ``details``, Appendix B decision)."""
    if not isinstance(value, dict):
        raise FieldError("Expected a JSON object.")
    return value


def string_list(value: Any) -> list[str]:
    """A list of strings (protocol ``subtypes``)."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise FieldError("Expected a list of strings.")
    return list(dict.fromkeys(value))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text} is out of range")
    return value


def strict_json(raw: bytes) -> Any:
    """Parse a request body as strict JSON: no ``NaN``/``Infinity``, finite numbers only (the
    answers must stay valid JSON).

    Raises:
        ValueError: not UTF-8, not JSON, too deeply nested, or a non-finite number.
    """
    try:
        return json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
