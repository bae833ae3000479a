"""Process-wide registry of the SDK's shared objects (braincube.md section 8).

``instances["client"]`` holds the singleton :class:`~braindock.clients.braincube.client.Client`
used by the module-level functions (``None`` or absent when none was created yet; storing
``None`` resets it, as test suites of the official client do). ``instances["parameter_set"]``
holds the library parameters set with :func:`~braindock.clients.braincube.parameters.set_parameter`.
"""

from __future__ import annotations

from typing import Any

instances: dict[str, Any] = {"parameter_set": {}}


def add_instance(key: str, instance: Any) -> None:
    """Store ``instance`` under ``key`` (replacing what was there)."""
    instances[key] = instance


def get_instance(key: str) -> Any:
    """Return the object stored under ``key``, or ``None``."""
    return instances.get(key)
