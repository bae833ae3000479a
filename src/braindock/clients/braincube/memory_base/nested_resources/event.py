"""Events (E7, E8; ``shared/reference/braincube.md`` 3.5, 5.4)."""

from __future__ import annotations

from braindock.clients.braincube.memory_base.nested_resources.condition_container import ConditionContainer


class Event(ConditionContainer):
    """A named set of conditions; :meth:`get_conditions` turns them into filters."""

    segment = "events"
    one_leaf = "extended"
    many_path = "events/all/extended"
