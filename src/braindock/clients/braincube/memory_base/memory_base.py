"""Memory bases (E1, E2) and their data (``shared/reference/braincube.md`` 3 and 7.2)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from braindock.clients.braincube import tools
from braindock.clients.braincube.bases.base_entity import BaseEntity
from braindock.clients.braincube.data import data
from braindock.clients.braincube.memory_base.nested_resources.datagroup import DataGroup
from braindock.clients.braincube.memory_base.nested_resources.event import Event
from braindock.clients.braincube.memory_base.nested_resources.job import JobDescription
from braindock.clients.braincube.memory_base.nested_resources.mb_child import MbChild
from braindock.clients.braincube.memory_base.nested_resources.rule import RuleDescription
from braindock.clients.braincube.memory_base.nested_resources.variable import VariableDescription

if TYPE_CHECKING:
    import pandas as pd

ChildT = TypeVar("ChildT", bound=MbChild)


class MemoryBase(BaseEntity):
    """A memory base: its entities (variables, data groups, events, jobs, rules) and its data.

    Web-service path: ``<braincube path>/braincube/mb/<mb>``; braindata path
    ``<braincube path>/braindata/mb<bcId>``.
    """

    segment = "braincube/mb"
    one_leaf = "extended"
    many_path = "braincube/mb/all/summary"

    def _post_init(self, **extra: Any) -> None:
        self._order_long_id: str | None = None
        self._order_known = False

    # -- children -----------------------------------------------------------------------------

    def _child_from_json(self, cls: type[ChildT], item: Any) -> ChildT:
        bcid = item.get(cls.get_parameter_key("bcid")) if isinstance(item, dict) else None
        return cls._from_json(item, tools.join_path([self._path, cls.segment, str(bcid)]), self, memory_base=self)

    def _get_child(self, cls: type[ChildT], bcid: Any) -> ChildT:
        path = tools.join_path([self._path, cls.segment, str(bcid)])
        answer = self._fetch(tools.join_path([path, cls.one_leaf]))
        return cls._from_json(answer, path, self, memory_base=self)

    def _list_children(self, cls: type[ChildT], page: int, page_size: int) -> list[ChildT]:
        items = self._list_items(tools.join_path([self._path, cls.many_path]), page, page_size)
        return [self._child_from_json(cls, item) for item in items]

    def get_variable(self, bcid: Any) -> VariableDescription:
        """One variable (E4: ``variables/<id>/extended``). Raises NotFoundError for unknown ids."""
        return self._get_child(VariableDescription, bcid)

    def get_variable_list(self, page: int = -1, page_size: int = -1) -> list[VariableDescription]:
        """Variables (E3: ``variables/summary``), every page by default (3.3)."""
        return self._list_children(VariableDescription, page, page_size)

    def get_datagroup(self, bcid: Any) -> DataGroup:
        """One data group (E6: ``dataGroups/<id>/extended``)."""
        return self._get_child(DataGroup, bcid)

    def get_datagroup_list(self, page: int = -1, page_size: int = -1) -> list[DataGroup]:
        """Data groups (E5: ``dataGroups/summary``)."""
        return self._list_children(DataGroup, page, page_size)

    def get_event(self, bcid: Any) -> Event:
        """One event (E8: ``events/<id>/extended``)."""
        return self._get_child(Event, bcid)

    def get_event_list(self, page: int = -1, page_size: int = -1) -> list[Event]:
        """Events (E7: ``events/all/extended``)."""
        return self._list_children(Event, page, page_size)

    def get_job(self, bcid: Any) -> JobDescription:
        """One job (E10: ``jobs/<id>/extended``)."""
        return self._get_child(JobDescription, bcid)

    def get_job_list(self, page: int = -1, page_size: int = -1) -> list[JobDescription]:
        """Jobs (E9: ``jobs/all/summary``)."""
        return self._list_children(JobDescription, page, page_size)

    def get_rule(self, bcid: Any) -> RuleDescription:
        """One rule (E12: ``rules/<id>/summary``)."""
        return self._get_child(RuleDescription, bcid)

    def get_rule_list(self, page: int = -1, page_size: int = -1) -> list[RuleDescription]:
        """Rules (E11: ``rules/all/selector``)."""
        return self._list_children(RuleDescription, page, page_size)

    # -- data ---------------------------------------------------------------------------------

    def get_order_variable_long_id(self) -> str:
        """Long id of the variable ordering the rows: ``reference``, else ``order``, of E14 (4.1).

        Read once per memory base object (the official client re-reads it on every call).

        Raises:
            KeyError: the memory base has neither.
        """
        order = self._order_variable_or_none()
        if order is None:
            raise KeyError("the memory base has neither a 'reference' nor an 'order' variable")
        return order

    def _order_variable_or_none(self) -> str | None:
        if not getattr(self, "_order_known", False):
            info = data.get_braindata_memory_base_info(
                self.get_braincube_path(), self._bcid, self.get_braincube_name(), client=self.get_client()
            )
            found = None
            if isinstance(info, dict):
                found = next((info[key] for key in ("reference", "order") if info.get(key)), None)
            self._order_long_id, self._order_known = found, True
        return self._order_long_id

    def _name_mapping(self) -> dict[int, Any]:
        return {int(v.get_bcid()): v.get_name() for v in self.get_variable_list()}

    def get_data(
        self,
        var_ids: Sequence[int | str],
        filters: Sequence[Mapping[str, Any]] | None = None,
        label_type: str = "bcid",
        dataframe: bool = False,
    ) -> dict[Any, list[Any]] | pd.DataFrame:
        """Column data of variables of this memory base (braincube.md 4 and 7.2).

        Args:
            var_ids: variable bcIds (ints or numeric strings), in the wanted column order.
            filters: list of filters (section 5), AND-folded, e.g.
                ``[{"BETWEEN": ["mb42/d2000017", 1.0, 3.0]}, {"EQUALS": ["mb42/d2000023", ["R1"]]}]``.
            label_type: ``"bcid"`` keys by int bcId; ``"name"`` keys by variable name (name-key
                parameter), read from one variable listing per call.
            dataframe: return a pandas DataFrame (same labels, index ``0..n-1``).

        Returns:
            ``{label: [values...]}`` in the server's column order, or a DataFrame. NUMERIC →
            ``int`` if the column is all integers else ``float`` (``nan`` missing); DATETIME →
            ``"YYYYMMDD_HHMMSS"`` (``"null"`` missing) or, with the ``parse_date`` parameter,
            naive UTC ``datetime`` (``None``); DISCRETE → ``str`` (``"null"`` missing).

        Raises:
            BadRequestError: malformed filter (400). NotFoundError: unknown variable (404).
            PermissionDeniedError (403), AuthenticationError (401), TransportError.
        """
        int_ids = [int(var_id) for var_id in var_ids]
        if label_type not in ("bcid", "name"):
            warnings.warn(f"label_type {label_type!r} is neither 'bcid' nor 'name'; using 'bcid'", stacklevel=2)
        if dataframe:
            frame = data.collect_frame(int_ids, self, filters)
            if label_type == "name":
                frame = _relabel_frame(frame, self._name_mapping())
            return frame
        columns: dict[Any, list[Any]] = data.collect_data(int_ids, self, filters)
        if label_type == "name":
            mapping = self._name_mapping()
            _warn_duplicates(columns, mapping)
            columns = {mapping.get(key, key): values for key, values in columns.items()}
        return columns


def _warn_duplicates(columns: Mapping[int, Any], mapping: Mapping[int, Any]) -> None:
    names = [mapping.get(key, key) for key in columns]
    if len(set(names)) != len(names):
        warnings.warn(
            "several returned variables share a name; label_type='name' keeps the last of each",
            UserWarning,
            stacklevel=3,
        )


def _relabel_frame(frame: pd.DataFrame, mapping: Mapping[int, Any]) -> pd.DataFrame:
    import pandas as pd

    labels = [mapping.get(key, key) for key in frame.columns]
    if len(set(labels)) == len(labels):
        frame.columns = pd.Index(labels)
        return frame
    _warn_duplicates(dict.fromkeys(frame.columns), mapping)
    merged: dict[Any, Any] = {}
    for label, position in zip(labels, range(frame.shape[1]), strict=True):
        merged[label] = frame.iloc[:, position]
    return pd.DataFrame(merged)
