"""Entities read from the Braincube web service (``shared/reference/braincube.md`` 3.3-3.5).

An entity wraps one JSON object (its *metadata*). It knows its web-service path, the braincube it
belongs to and the :class:`~braindock.clients.braincube.client.Client` that fetched it, so it can
fetch its children without any global state.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Self

from braindock.clients.braincube import parameters, progress, tools
from braindock.clients.braincube.bases.base import Base
from braindock.clients.braincube.errors import ResponseDecodeError

if TYPE_CHECKING:
    from braindock.clients.braincube.client import Client

NAME = "name"
BCID = "bcid"
_LEAVES = frozenset({"all", "summary", "extended", "selector", "mb", "braincube"})


class BaseEntity(Base):
    """One Braincube entity (memory base, variable, data group, event, job, rule or braincube).

    Args:
        bcid: the entity id (the JSON ``bcId`` member, as sent by the server).
        name: the entity name.
        metadata: the raw JSON object.
        path: web-service path of the entity, e.g. ``"braincube/plant-a/braincube/mb/42"``.
        braincube_name: name of the owning braincube (placeholder value, 1.5).
        parent_entity: the entity this one was fetched from.
        client: the client to use; defaults to the parent's, then to the singleton.
    """

    def __init__(
        self,
        bcid: Any,
        name: Any,
        metadata: dict[str, Any],
        path: str = "",
        braincube_name: str = "",
        parent_entity: BaseEntity | None = None,
        *,
        client: Client | None = None,
    ) -> None:
        super().__init__(name)
        self._bcid = bcid
        self._metadata = metadata
        self._path = path
        self._parent_entity = parent_entity
        self._braincube_name = braincube_name or (parent_entity.get_braincube_name() if parent_entity else "")
        self._client = client if client is not None else (parent_entity._client if parent_entity else None)

    # -- construction from JSON ---------------------------------------------------------------

    @classmethod
    def get_parameter_key(cls, key: str) -> str:
        """Member holding the id (``key="bcid"``) or the name (``key="name"``) for this class.

        Reads the ``<ClassName>_<key>_key`` library parameters from this class up to
        :class:`BaseEntity` (section 7.1); the first non-empty value wins.
        """
        for klass in cls.__mro__:
            value = parameters.get_parameter(f"{klass.__name__}_{key}_key")
            if value:
                return value
            if klass is BaseEntity:
                break
        return "bcId" if key == BCID else "name"

    @classmethod
    def _from_json(cls, data: Any, path: str, parent: BaseEntity, **extra: Any) -> Self:
        """Build an entity of this class from a JSON object (3.4: id and name are required)."""
        if not isinstance(data, dict):
            raise ResponseDecodeError(f"expected a JSON object for a {cls.__name__}, got {type(data).__name__}")
        id_key, name_key = cls.get_parameter_key(BCID), cls.get_parameter_key(NAME)
        missing = [key for key in (id_key, name_key) if key not in data]
        if missing:
            raise ResponseDecodeError(
                f"{cls.__name__} JSON lacks member(s) {', '.join(map(repr, missing))} (braincube.md 3.4): {data!r:.200}"
            )
        entity = cls.__new__(cls)
        BaseEntity.__init__(entity, data[id_key], data[name_key], data, path, "", parent)
        entity._post_init(**extra)
        return entity

    def _post_init(self, **extra: Any) -> None:
        """Hook for subclasses that keep extra references (e.g. their memory base)."""

    # -- common accessors ---------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"<{self._get_str({'name': self._name, 'id': self._bcid})} at {hex(id(self))}>"

    def get_metadata(self) -> dict[str, Any]:
        """The raw JSON object of the entity, as sent by the server."""
        return self._metadata

    def get_bcid(self) -> Any:
        """The entity id (``bcId`` member by default), unconverted (an int with braindock)."""
        return self._bcid

    def get_name(self) -> Any:
        """The entity name, read from the metadata with the current name-key parameter (7.1).

        Falls back to the name read at construction when that member is absent.
        """
        return self._metadata.get(self.get_parameter_key(NAME), self._name)

    def get_uuid(self) -> str:
        """The part of the ``uuid`` member after its ``<prefix>_`` (3.4); the whole value if no ``_``.

        Raises:
            KeyError: the entity JSON has no ``uuid`` member.
        """
        prefix, sep, rest = str(self._metadata["uuid"]).partition("_")
        return rest if sep else prefix

    def get_braincube_name(self) -> str:
        """Name of the braincube this entity belongs to."""
        return self._braincube_name

    def get_braincube_path(self) -> str:
        """Path prefix of the owning braincube: ``"braincube/<name>/"``, or ``""`` in placeholder mode."""
        node: BaseEntity = self
        while node._parent_entity is not None:
            node = node._parent_entity
        root = getattr(node, "_braincube_root", "")
        return f"{root}/" if root else ""

    def get_client(self) -> Client:
        """The client used by this entity (the singleton if it was built without one)."""
        if self._client is None:
            from braindock.clients.braincube.client import get_instance

            self._client = get_instance()
        return self._client

    # -- HTTP helpers -------------------------------------------------------------------------

    def _fetch(self, path: str) -> Any:
        return self.get_client()._get_json(path, braincube_name=self._braincube_name)

    def _iter_pages(self, list_path: str, page: int = -1, page_size: int = -1) -> Iterator[list[Any]]:
        """Yield the ``items`` of each page of a collection (3.3).

        ``page >= 0`` requests exactly one page; otherwise every page until an empty one. The
        offset advances by the number of items received (so servers capping the page size lose
        nothing) and the walk stops if a page only repeats ids already seen (servers ignoring
        ``offset`` would otherwise loop forever, defect 10.16).
        """
        size = parameters.get_parameter("page_size") if page_size == -1 else page_size
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"page_size must be a positive integer (or -1 for the default), got {size!r}")
        offset = page * size if page >= 0 else 0
        id_key = "bcId"
        seen: set[str] = set()
        while True:
            answer = self._fetch(f"{tools.strip_path(list_path)}?offset={offset}&size={size}")
            items = answer.get("items") if isinstance(answer, dict) else None
            if not isinstance(items, list):
                raise ResponseDecodeError(f"collection page of {list_path!r} has no 'items' array")
            if page >= 0 or not items:
                if items:
                    yield items
                return
            markers = {repr(item.get(id_key)) if isinstance(item, dict) else repr(item) for item in items}
            if markers <= seen:
                warnings.warn(
                    f"{list_path}: the server repeated a page at offset={offset}; stopping (is 'offset' ignored?)",
                    stacklevel=4,
                )
                return
            seen |= markers
            yield items
            offset += len(items)

    def _list_items(self, list_path: str, page: int = -1, page_size: int = -1) -> list[Any]:
        """All JSON items of a collection, with a tqdm bar when ``progress`` is ``True``."""
        bar = None
        if progress.forced() and page < 0:
            from tqdm.auto import tqdm

            words = [w for w in list_path.split("/") if w not in _LEAVES and not w.isdigit()]
            bar = tqdm(desc=words[-1] if words else list_path, unit=" items", leave=False)
        items: list[Any] = []
        try:
            for chunk in self._iter_pages(list_path, page, page_size):
                items.extend(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
        return items
