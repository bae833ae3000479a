"""Compile the Braincube filter language into a parameterised DuckDB ``WHERE`` clause.

Grammar and operators: ``shared/reference/braincube.md`` 5.1. A filter is a JSON object with
exactly one member, ``{OPERATOR: [operands]}``; operator names are case-insensitive.

| operator       | operands                          | SQL                          |
|----------------|-----------------------------------|------------------------------|
| EQUALS         | ``[var, value]`` / ``[var, [v…]]`` | ``x = ?`` / ``x IN (?, …)``  |
| BETWEEN        | ``[var, low, high]``              | ``x BETWEEN ? AND ?`` (inclusive) |
| LESS / GREAT   | ``[var, value]``                  | ``x < ?`` / ``x > ?`` (strict) |
| LESS_EQUALS / GREAT_EQUALS | ``[var, value]``      | ``x <= ?`` / ``x >= ?``      |
| NOT            | ``[filter]`` or ``[]``            | ``NOT (…)``; ``[]`` means "no constraint" (9.8) |
| AND / OR       | two or more filters               | flattened ``(a AND b AND …)`` |

Decisions (documented in the README):

* Two-valued logic: a missing value fails every comparison, and ``NOT`` then selects it, the way
  pandas evaluates ``~(df.x > 1)``. Each comparison is wrapped in ``coalesce(…, false)``.
* Values are coerced to the variable's type: NUMERIC takes numbers or numeric strings, DISCRETE
  compares as text (``2`` and ``2.0`` both mean ``"2"``), DATETIME takes ``YYYYMMDD_HHMMSS``
  strings (UTC, 4.4), ISO-8601 strings or epoch milliseconds.
* Values never enter the SQL text: they are bound as parameters. Column names come from the
  memory base's own variable list, never from the request.
* Nested AND/OR chains are flattened iteratively, so the client's left-deep folds of thousands of
  filters compile without deep recursion.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from braindock.server.errors import BadRequest, NotFound

COMPARISONS = {"LESS": "<", "LESS_EQUALS": "<=", "GREAT": ">", "GREAT_EQUALS": ">="}
LOGICAL = {"AND", "OR", "NOT"}
OPERATORS = {"EQUALS", "BETWEEN", *COMPARISONS, *LOGICAL}
MAX_NODES = 100_000
LONG_ID = re.compile(r"^mb(\d+)/d(\d+)$")


@dataclass(frozen=True)
class ColumnRef:
    """A variable as the compiler sees it: its SQL column and Braincube type."""

    column: str
    type: str
    long_id: str


class FilterError(BadRequest):
    """A malformed filter: the message names the operator and ``path`` locates it."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(f"{message} (at {path})", path=path)


def parse_long_id(text: Any, memory_base: int, path: str) -> int:
    """The variable bcId of ``mb<memory_base>/d<var>`` (a bare ``<var>`` is accepted too)."""
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise FilterError(f"expected a variable id like 'mb{memory_base}/d2000001', got {text!r}", path)
    text = str(text)
    if text.isdigit():
        return int(text)
    match = LONG_ID.match(text)
    if not match:
        raise FilterError(f"expected a variable id like 'mb{memory_base}/d2000001', got {text!r}", path)
    if int(match.group(1)) != memory_base:
        raise FilterError(f"variable {text} does not belong to memory base mb{memory_base}", path)
    return int(match.group(2))


def parse_datetime(value: Any, path: str, operator: str) -> datetime:
    """A DATETIME bound: ``YYYYMMDD_HHMMSS`` (UTC), ISO-8601, or epoch milliseconds."""
    if isinstance(value, bool):
        raise FilterError(f"{operator}: expected a date, got {value!r}", path)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise FilterError(f"{operator}: expected a date, got {value!r}", path)
        return datetime.fromtimestamp(value / 1000, UTC).replace(tzinfo=None)
    if isinstance(value, str):
        for fmt in ("%Y%m%d_%H%M%S", "%Y%m%d"):
            try:
                return datetime.strptime(value, fmt)
            except ValueError:
                pass
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    raise FilterError(f"{operator}: expected a date as 'YYYYMMDD_HHMMSS', ISO-8601 or epoch ms, got {value!r}", path)


def coerce(value: Any, ref: ColumnRef, path: str, operator: str) -> Any:
    """Convert one operand to the Python value bound for ``ref``'s column type."""
    if value is None:
        raise FilterError(f"{operator}: null is not a comparable value for {ref.long_id}", path)
    if ref.type == "DATETIME":
        return parse_datetime(value, path, operator)
    if ref.type == "NUMERIC":
        if isinstance(value, bool):
            raise FilterError(f"{operator}: {ref.long_id} is NUMERIC, got {value!r}", path)
        if isinstance(value, int | float):
            return float(value)
        try:
            return float(str(value))
        except ValueError:
            raise FilterError(f"{operator}: {ref.long_id} is NUMERIC, got {value!r}", path) from None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise FilterError(f"{operator}: expected a text value for {ref.long_id}, got {value!r}", path)


class FilterCompiler:
    """Compiles filter trees of one memory base.

    Args:
        memory_base: the memory base's bcId (long ids must say ``mb<memory_base>``).
        variables: variable bcId → :class:`ColumnRef`.
    """

    def __init__(self, memory_base: int, variables: Mapping[int, ColumnRef]) -> None:
        self.memory_base = memory_base
        self.variables = variables

    def compile(self, tree: Any, path: str = "filter") -> tuple[str, list[Any]]:
        """Return ``(sql, params)`` for ``tree``; ``sql`` is a boolean expression.

        Raises:
            FilterError: malformed tree (HTTP 400 naming operator and path).
            NotFound: a variable that is not in the memory base (HTTP 404 naming it).
        """
        params: list[Any] = []
        self._nodes = 0
        sql = self._node(tree, path, params)
        return sql, params

    def _operator(self, tree: Any, path: str) -> tuple[str, list[Any]]:
        if not isinstance(tree, dict) or len(tree) != 1:
            raise FilterError(f"a filter must be an object with exactly one operator, got {_short(tree)}", path)
        ((name, operands),) = tree.items()
        operator = str(name).upper()
        if operator not in OPERATORS:
            raise FilterError(f"unknown operator {name!r}; expected one of {', '.join(sorted(OPERATORS))}", path)
        if not isinstance(operands, list):
            raise FilterError(f"{operator}: operands must be a list, got {_short(operands)}", path)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise FilterError(f"filter has more than {MAX_NODES} operators", path)
        return operator, operands

    def _node(self, tree: Any, path: str, params: list[Any]) -> str:
        operator, operands = self._operator(tree, path)
        if operator in ("AND", "OR"):
            return self._chain(operator, operands, f"{path}.{operator}", params)
        if operator == "NOT":
            if not operands:
                return "TRUE"
            if len(operands) != 1:
                raise FilterError(f"NOT takes exactly one filter, got {len(operands)}", f"{path}.NOT")
            return f"(NOT {self._node(operands[0], f'{path}.NOT[0]', params)})"
        return self._leaf(operator, operands, f"{path}.{operator}", params)

    def _chain(self, operator: str, operands: list[Any], path: str, params: list[Any]) -> str:
        """Flatten directly nested chains of the same operator without recursion."""
        if not operands:
            raise FilterError(f"{operator} needs at least one filter", path)
        parts: list[str] = []
        # Depth-first, left to right, over nested same-operator nodes.
        stack: list[tuple[Any, str]] = [(op, f"{path}[{i}]") for i, op in reversed(list(enumerate(operands)))]
        while stack:
            node, node_path = stack.pop()
            inner, inner_operands = self._operator(node, node_path)
            if inner == operator:
                if not inner_operands:
                    raise FilterError(f"{operator} needs at least one filter", f"{node_path}.{operator}")
                stack.extend(
                    (op, f"{node_path}.{operator}[{i}]") for i, op in reversed(list(enumerate(inner_operands)))
                )
                continue
            self._nodes -= 1  # _node counts it again
            parts.append(self._node(node, node_path, params))
        return "(" + f" {operator} ".join(parts) + ")"

    def _ref(self, operands: list[Any], operator: str, path: str) -> ColumnRef:
        var = parse_long_id(operands[0], self.memory_base, f"{path}[0]")
        ref = self.variables.get(var)
        if ref is None:
            raise NotFound(
                f"{operator}: variable mb{self.memory_base}/d{var} does not exist in memory base {self.memory_base}"
            )
        return ref

    def _leaf(self, operator: str, operands: list[Any], path: str, params: list[Any]) -> str:
        expected = 3 if operator == "BETWEEN" else 2
        if len(operands) != expected:
            shape = "[variable, low, high]" if operator == "BETWEEN" else "[variable, value]"
            raise FilterError(f"{operator} takes {shape}, got {len(operands)} operands", path)
        ref = self._ref(operands, operator, path)
        column = f'"{ref.column}"'
        if operator == "EQUALS":
            value = operands[1]
            if isinstance(value, list):
                if not value:
                    raise FilterError("EQUALS needs at least one value in its list", f"{path}[1]")
                values = [coerce(v, ref, f"{path}[1][{i}]", operator) for i, v in enumerate(value)]
                params.extend(values)
                return f"coalesce({column} IN ({', '.join('?' * len(values))}), false)"
            params.append(coerce(value, ref, f"{path}[1]", operator))
            return f"coalesce({column} = ?, false)"
        if operator == "BETWEEN":
            params.append(coerce(operands[1], ref, f"{path}[1]", operator))
            params.append(coerce(operands[2], ref, f"{path}[2]", operator))
            return f"coalesce({column} BETWEEN ? AND ?, false)"
        params.append(coerce(operands[1], ref, f"{path}[1]", operator))
        return f"coalesce({column} {COMPARISONS[operator]} ?, false)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
