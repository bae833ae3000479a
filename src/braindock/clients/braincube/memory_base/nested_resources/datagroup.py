"""Data groups (E5, E6; ``shared/reference/braincube.md`` 3.5)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from braindock.clients.braincube.memory_base.nested_resources.mb_child import MbChild
from braindock.clients.braincube.memory_base.nested_resources.variable import VariableDescription


class DataGroup(MbChild):
    """A named list of variables."""

    segment = "dataGroups"
    one_leaf = "extended"
    many_path = "dataGroups/summary"

    def get_variable_ids(self) -> list[Any]:
        """The ``bcId`` of each member of ``variables``, in array order and unconverted.

        Raises:
            KeyError: the JSON has no ``variables`` member.
        """
        return [item["bcId"] for item in self._metadata["variables"]]

    def get_variable_list(self) -> list[VariableDescription]:
        """The group's variables, one E4 request each."""
        return [self._memory_base.get_variable(bcid) for bcid in self.get_variable_ids()]

    def get_data(self, filters: Sequence[Mapping[str, Any]] | None = None, **options: Any) -> Any:
        """Data of the group's variables: ``MemoryBase.get_data(get_variable_ids(), filters)`` (5.4).

        Args:
            filters: extra filters (section 5).
            **options: braindock extension, forwarded to ``MemoryBase.get_data``
                (``label_type=``, ``dataframe=``).

        Returns:
            ``{int bcId: [values]}`` by default.
        """
        return self._memory_base.get_data(self.get_variable_ids(), filters, **options)
