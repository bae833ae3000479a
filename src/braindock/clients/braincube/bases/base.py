"""Root class giving every SDK object the same ``str``/``repr`` shape (braincube.md section 8)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Base:
    """An object with a display name.

    ``str(obj)`` is ``ClassName(name=<name>)`` and ``repr(obj)`` is ``<ClassName(...) at 0x...>``.
    """

    def __init__(self, name: Any) -> None:
        self._name = name

    def _get_str(self, attributes: Mapping[str, Any]) -> str:
        inner = ", ".join(f"{key}={value}" for key, value in attributes.items())
        return f"{type(self).__name__}({inner})"

    def __str__(self) -> str:
        return self._get_str({"name": self._name})

    def __repr__(self) -> str:
        return f"<{self} at {hex(id(self))}>"
