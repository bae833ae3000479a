"""Filter trees of the braindata ``LF`` request (``shared/reference/braincube.md`` section 5).

A filter is a one-member dict ``{OPERATOR: operands}`` (5.1). This module builds exactly the
trees the official client builds, so a server sees identical requests:

* several filters are folded on the left, two operands per node (5.2);
* a stored condition (event, job) becomes a filter by the rules of 5.3: DISCRETE → OR of
  ``{"EQUALS": [L, [m]]}`` per modality; otherwise min+max → ``BETWEEN``, min only → ``GREAT``,
  max only → ``LESS`` (DATETIME bounds converted from epoch ms to ``YYYYMMDD_HHMMSS`` UTC);
  ``positive: false`` wraps the filter in ``{"NOT": [filter]}``.

The fold is iterative, so thousands of filters do not hit Python's recursion limit (defect
10.23), and a condition without ``positive`` counts as positive instead of raising (10.21).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from braindock.clients.braincube import constants, tools

Filter = dict[str, Any]


class VariableLike(Protocol):
    """What :func:`build_condition_filter` needs from a variable description."""

    def get_type(self) -> str:
        """The variable's Braincube type: ``"NUMERIC"``, ``"DATETIME"`` or ``"DISCRETE"`` (``braincube.md`` 3.5)."""

    def get_long_id(self) -> str:
        """The variable's long id, ``"mb<mb>/d<var>"``, used as the filter's left operand (``braincube.md`` 5.3)."""


def combine_filters(filters: Iterable[Filter] | None, operator: str = "AND") -> list[Filter]:
    """Fold filters into one, nesting on the left (braincube.md 5.2).

    ``[A, B, C]`` gives ``[{op: [{op: [A, B]}, C]}]``.

    Args:
        filters: filters to combine (``None`` or empty allowed).
        operator: ``"AND"`` or ``"OR"``.

    Returns:
        ``[]`` for no filter, otherwise a one-element list holding the combined filter.
    """
    items = list(filters or [])
    if not items:
        return []
    combined = items[0]
    for item in items[1:]:
        combined = {operator: [combined, item]}
    return [combined]


def _discrete_filter(long_id: str, condition: Mapping[str, Any]) -> Filter | None:
    modalities = condition.get("modalities") or []
    equals = [{"EQUALS": [long_id, [modality]]} for modality in modalities]
    folded = combine_filters(equals, operator="OR")
    return folded[0] if folded else None


def _range_filter(long_id: str, var_type: str, condition: Mapping[str, Any]) -> Filter | None:
    low, high = condition.get("minimum"), condition.get("maximum")
    if var_type == constants.DATETIME:
        low, high = tools.to_datetime_str(low), tools.to_datetime_str(high)
    if low is not None and high is not None:
        return {"BETWEEN": [long_id, low, high]}
    if low is not None:
        return {"GREAT": [long_id, low]}
    if high is not None:
        return {"LESS": [long_id, high]}
    return None


def build_condition_filter(variable: VariableLike, condition: Mapping[str, Any]) -> Filter | None:
    """Turn one stored condition of an event or job into a filter (braincube.md 5.3).

    Args:
        variable: the condition's variable (its type and long id ``mb<mb>/d<var>`` are used).
        condition: the condition object, e.g. ``{"variable": {"bcId": 7}, "positive": true,
            "minimum": 1.0, "maximum": 3.0}``; ``modalities`` for DISCRETE variables; DATETIME
            bounds in epoch milliseconds (UTC).

    Returns:
        The filter, or ``None`` when the condition constrains nothing (no modality, no bound).
    """
    long_id = variable.get_long_id()
    var_type = variable.get_type()
    if var_type == constants.DISCRETE:
        built = _discrete_filter(long_id, condition)
    else:
        built = _range_filter(long_id, var_type, condition)
    if built is None:
        return None
    if not condition.get("positive", True):
        built = {"NOT": [built]}
    return built


def dumps_filter_tree(obj: Any) -> str:
    """Serialise a JSON value of any nesting depth without recursion (compact separators).

    Used for request bodies when :func:`json.dumps` hits the recursion limit on very deep
    left-folded filters (section 5.2 asks servers to accept depths around 1,000).
    """
    import json

    out: list[str] = []
    stack: list[Any] = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, _Token):
            out.append(item.text)
        elif isinstance(item, dict):
            out.append("{")
            pieces: list[Any] = []
            for index, (key, value) in enumerate(item.items()):
                if index:
                    pieces.append(_Token(","))
                pieces.append(_Token(json.dumps(str(key)) + ":"))
                pieces.append(value)
            pieces.append(_Token("}"))
            stack.extend(reversed(pieces))
        elif isinstance(item, list | tuple):
            out.append("[")
            pieces = []
            for index, value in enumerate(item):
                if index:
                    pieces.append(_Token(","))
                pieces.append(value)
            pieces.append(_Token("]"))
            stack.extend(reversed(pieces))
        else:
            out.append(json.dumps(item))
    return "".join(out)


class _Token:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text
