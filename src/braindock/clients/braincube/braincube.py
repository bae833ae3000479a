"""Braincubes: the entries of the caller's access list (``shared/reference/braincube.md`` 2.3).

There is no REST endpoint for a braincube itself; everything comes from ``user/me``. Its
memory bases live under ``{api}/braincube/<name>/braincube/mb/...`` (or, in placeholder mode,
``{api}/braincube/mb/...`` with the name in the base URL, 1.5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from braindock.clients.braincube import tools
from braindock.clients.braincube.bases.base_entity import BaseEntity
from braindock.clients.braincube.memory_base.memory_base import MemoryBase

if TYPE_CHECKING:
    from braindock.clients.braincube.client import Client


class Braincube(BaseEntity):
    """One braincube of the access list.

    Args:
        product_id: ``product.productId`` (returned by :meth:`get_uuid`).
        name: ``product.name``; also the id (:meth:`get_bcid`) and the path segment.
        metadata: the whole access-list element.
        client: the client it belongs to (default: the singleton, created on demand).
    """

    def __init__(self, product_id: str, name: str, metadata: dict[str, Any], *, client: Client | None = None) -> None:
        super().__init__(name, name, metadata, "", name, None, client=client)
        self._product_id = product_id
        placeholder = self.get_client().has_placeholder_in_braincube_url()
        self._braincube_root = "" if placeholder else f"braincube/{name}"
        self._path = self._braincube_root

    def get_name(self) -> Any:
        """The top-level ``name`` of the access-list element, else ``product.name`` (fixes 10.19)."""
        key = self.get_parameter_key("name")
        if key in self._metadata:
            return self._metadata[key]
        product = self._metadata.get("product")
        if isinstance(product, dict) and "name" in product:
            return product["name"]
        return self._name

    def get_uuid(self) -> str:
        """The braincube's ``product.productId``."""
        return self._product_id

    def get_braincube_path(self) -> str:
        """``"braincube/<name>"``, or ``""`` in placeholder mode."""
        return self._braincube_root

    def get_memory_base(self, mb_bcid: int | str) -> MemoryBase:
        """One memory base (E2: ``braincube/mb/<mb>/extended``).

        Raises:
            NotFoundError: unknown memory base (404). PermissionDeniedError (403).
        """
        path = tools.join_path([self._path, MemoryBase.segment, str(mb_bcid)])
        answer = self._fetch(tools.join_path([path, MemoryBase.one_leaf]))
        return MemoryBase._from_json(answer, path, self)

    def get_memory_base_list(self, page: int = -1, page_size: int = -1) -> list[MemoryBase]:
        """Memory bases (E1: ``braincube/mb/all/summary``), every page by default (3.3).

        Args:
            page: page index (``-1`` = every page).
            page_size: items per page (``-1`` = ``page_size`` parameter, 150 by default).
        """
        items = self._list_items(tools.join_path([self._path, MemoryBase.many_path]), page, page_size)
        key = MemoryBase.get_parameter_key("bcid")
        return [
            MemoryBase._from_json(item, tools.join_path([self._path, MemoryBase.segment, str(item.get(key))]), self)
            for item in items
        ]


def get_braincube(name: str, client: Client | None = None) -> Braincube:
    """The braincube called ``name`` in the access list of ``client`` (default: the singleton).

    Raises:
        BraincubeNotFoundError: not in the access list (also a ``KeyError``, as in the official
            client).
    """
    if client is None:
        from braindock.clients.braincube.client import get_instance

        client = get_instance()
    return client.get_braincube(name)


def get_braincube_list(names: list[str] | None = None, client: Client | None = None) -> list[Braincube]:
    """Braincubes of the access list in its order, or those named in ``names``."""
    if client is None:
        from braindock.clients.braincube.client import get_instance

        client = get_instance()
    return client.get_braincube_list(names)
