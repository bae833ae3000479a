"""Variable descriptions (E3, E4; ``shared/reference/braincube.md`` 3.5)."""

from __future__ import annotations

import warnings

from braindock.clients.braincube.memory_base.nested_resources.mb_child import MbChild


class VariableDescription(MbChild):
    """One variable of a memory base.

    The id member is ``bcId`` and the name member ``standard`` by default (parameters
    ``VariableDescription_bcid_key`` / ``VariableDescription_name_key``, e.g. ``"tag"``).
    """

    segment = "variables"
    one_leaf = "extended"
    many_path = "variables/summary"

    def get_type(self) -> str:
        """``"NUMERIC"``, ``"DISCRETE"`` or ``"DATETIME"`` (the ``type`` member).

        Raises:
            KeyError: the server sent no ``type``.
        """
        return self._metadata["type"]

    def get_long_id(self) -> str:
        """The long id ``mb<memory base bcId>/d<variable bcId>``, e.g. ``"mb42/d2000017"``."""
        return f"mb{self._memory_base.get_bcid()}/d{self._bcid}"

    def get_uuid(self) -> str:
        """Variables have no uuid: warns (``UserWarning``) and returns :meth:`get_long_id`."""
        warnings.warn("VariableDescription do not have uuid, returning long_id instead.", UserWarning, stacklevel=2)
        return self.get_long_id()
