"""Rule descriptions (E11-E13; ``shared/reference/braincube.md`` 3.5)."""

from __future__ import annotations

from braindock.clients.braincube.memory_base.nested_resources.mb_child import MbChild


class RuleDescription(MbChild):
    """A rule; only ``bcId`` and ``name`` are interpreted, the rest is in :meth:`get_metadata`."""

    segment = "rules"
    one_leaf = "summary"
    many_path = "rules/all/selector"
    job_many_path = "rules/all/summary"
