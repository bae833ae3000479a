"""Job descriptions (E9, E10, E13; ``shared/reference/braincube.md`` 3.5 and 5.4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from braindock.clients.braincube import tools
from braindock.clients.braincube.data import conditions
from braindock.clients.braincube.memory_base.nested_resources.condition_container import (
    ConditionContainer,
    VariableCache,
)
from braindock.clients.braincube.memory_base.nested_resources.event import Event
from braindock.clients.braincube.memory_base.nested_resources.rule import RuleDescription

VARIABLE_KEY = "variable"
POSITIVE_EVENTS = "positiveEvents"
NEGATIVE_EVENTS = "negativeEvents"


class JobDescription(ConditionContainer):
    """The settings of an analysis: conditions, model entries, data groups and events.

    Differences from the official client: :meth:`get_rule_list` works (defect 10.9),
    :meth:`get_variable_ids` is deterministic (sorted unique ints, 10.11), a negative event
    without usable conditions adds nothing instead of an empty ``{"NOT": []}`` (10.10; the
    recommended server reading of that filter is "no constraint", so data are identical), and
    each variable is fetched once per call (10.30).
    """

    segment = "jobs"
    one_leaf = "extended"
    many_path = "jobs/all/summary"

    def get_data(self, filters: Sequence[Mapping[str, Any]] | None = None, **options: Any) -> Any:
        """Memory-base data selected like the job's (braincube.md 5.4).

        Variables: :meth:`get_variable_ids`. Filters: ``filters`` followed by
        ``get_conditions(combine=True, include_events=True)``, all AND-folded.

        Args:
            filters: extra filters (section 5).
            **options: braindock extension, forwarded to ``MemoryBase.get_data``
                (``label_type=``, ``dataframe=``).

        Returns:
            ``{int bcId: [values]}`` by default.
        """
        cache: VariableCache = {}
        combined = list(filters or []) + self.get_conditions(combine=True, include_events=True, _cache=cache)
        return self._memory_base.get_data(self.get_variable_ids(), combined, **options)

    def get_conditions(
        self, combine: bool = False, include_events: bool = False, *, _cache: VariableCache | None = None
    ) -> list[dict[str, Any]]:
        """The job's filters (braincube.md 5.4).

        Order: the job's own ``conditions``; then, with ``include_events``, one
        ``{"NOT": [AND-fold of the event's filters]}`` per negative event and the filters of
        every positive event, flattened.

        Args:
            combine: AND-fold everything into a one-element list (``[]`` when empty).
            include_events: add the events' filters.

        Returns:
            A list of filters.
        """
        cache: VariableCache = {} if _cache is None else _cache
        filters = self._condition_filters(self._metadata.get("conditions") or [], cache)
        if include_events:
            events = self.get_events()
            for negative in events[NEGATIVE_EVENTS]:
                folded = conditions.combine_filters(negative.get_conditions(_cache=cache))
                if folded:
                    filters.append({"NOT": folded})
            for positive in events[POSITIVE_EVENTS]:
                filters.extend(positive.get_conditions(_cache=cache))
        return conditions.combine_filters(filters) if combine else filters

    def get_variable_ids(self) -> list[int]:
        """Variables of the job: those of every ``modelEntries`` condition and every data group.

        Returns:
            Sorted unique ``int`` bcIds (the official client returns them in set order).

        Raises:
            KeyError: the JSON lacks ``modelEntries`` or ``dataGroups``.
        """
        found: set[int] = set()
        for entry in self._metadata["modelEntries"]:
            for condition in entry.get("conditions") or []:
                if VARIABLE_KEY in condition:
                    found.add(int(condition[VARIABLE_KEY]["bcId"]))
        for group in self._metadata["dataGroups"]:
            found.update(int(v) for v in self._memory_base.get_datagroup(group["bcId"]).get_variable_ids())
        return sorted(found)

    def get_events(self) -> dict[str, list[Event]]:
        """``{"positiveEvents": [Event...], "negativeEvents": [Event...]}``, each fetched (E8).

        Raises:
            KeyError: the JSON lacks ``events`` or one of its two lists.
        """
        events = self._metadata["events"]
        return {
            POSITIVE_EVENTS: [self._memory_base.get_event(item["bcId"]) for item in events[POSITIVE_EVENTS]],
            NEGATIVE_EVENTS: [self._memory_base.get_event(item["bcId"]) for item in events[NEGATIVE_EVENTS]],
        }

    def get_categories(self) -> list[dict[str, Any]]:
        """The ``modelEntries`` member unchanged (good/bad categories of the job)."""
        return self._metadata["modelEntries"]

    def get_rule(self, bcid: Any) -> RuleDescription:
        """A rule of the memory base (E12), same as ``MemoryBase.get_rule``."""
        return self._memory_base.get_rule(bcid)

    def get_rule_list(self, page: int = -1, page_size: int = -1) -> list[RuleDescription]:
        """The job's rules (E13: ``.../jobs/<job>/rules/all/summary``), parented to the memory base.

        Args:
            page: page index (``-1`` = every page).
            page_size: items per page (``-1`` = ``page_size`` parameter).
        """
        items = self._list_items(tools.join_path([self._path, RuleDescription.job_many_path]), page, page_size)
        return [self._memory_base._child_from_json(RuleDescription, item) for item in items]
