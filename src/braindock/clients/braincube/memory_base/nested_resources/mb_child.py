"""Base class of the entities that belong to a memory base (braincube.md 3.2, E3-E13)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from braindock.clients.braincube.bases.base_entity import BaseEntity

if TYPE_CHECKING:
    from braindock.clients.braincube.memory_base.memory_base import MemoryBase


class MbChild(BaseEntity):
    """An entity of a memory base.

    Subclasses declare their path pieces relative to the memory base path
    (``<braincube path>/braincube/mb/<mb>``): ``segment`` (``"variables"``...), ``one_leaf``
    (leaf of the singleton endpoint) and ``many_path`` (the collection endpoint).
    """

    segment: ClassVar[str] = ""
    one_leaf: ClassVar[str] = "extended"
    many_path: ClassVar[str] = ""

    _memory_base: MemoryBase

    def _post_init(self, memory_base: MemoryBase | None = None, **extra: Any) -> None:
        parent = memory_base if memory_base is not None else self._parent_entity
        self._memory_base = parent  # type: ignore[assignment]

    def get_memory_base(self) -> MemoryBase:
        """The memory base this entity belongs to."""
        return self._memory_base
