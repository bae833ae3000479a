"""Entities holding stored conditions (events and jobs; braincube.md 5.3, 5.4)."""

from __future__ import annotations

from typing import Any

from braindock.clients.braincube.data import conditions
from braindock.clients.braincube.memory_base.nested_resources.mb_child import MbChild
from braindock.clients.braincube.memory_base.nested_resources.variable import VariableDescription

VariableCache = dict[str, VariableDescription]


class ConditionContainer(MbChild):
    """An entity whose ``conditions`` member lists conditions on variables."""

    def _variable(self, bcid: Any, cache: VariableCache | None) -> VariableDescription:
        key = str(bcid)
        if cache is None:
            return self._memory_base.get_variable(bcid)
        if key not in cache:
            cache[key] = self._memory_base.get_variable(bcid)
        return cache[key]

    def _condition_filters(
        self, condition_list: list[dict[str, Any]], cache: VariableCache | None
    ) -> list[dict[str, Any]]:
        filters = []
        for condition in condition_list:
            variable = self._variable(condition["variable"]["bcId"], cache)
            built = conditions.build_condition_filter(variable, condition)
            if built:
                filters.append(built)
        return filters

    def get_conditions(self, *, _cache: VariableCache | None = None) -> list[dict[str, Any]]:
        """The filters of this entity's ``conditions``, one per usable condition, not combined.

        Each condition's variable is fetched (E4) once per call to learn its type; see
        :func:`~braindock.clients.braincube.data.conditions.build_condition_filter` for the rules.

        Returns:
            e.g. ``[{"OR": [{"EQUALS": ["mb42/d7", ["R1"]]}, {"EQUALS": ["mb42/d7", ["R2"]]}]},
            {"BETWEEN": ["mb42/d1", "20240101_000000", "20240131_235959"]}]``.

        Raises:
            NotFoundError: a condition names an unknown variable.
        """
        cache: VariableCache = {} if _cache is None else _cache
        return self._condition_filters(self._metadata.get("conditions") or [], cache)
