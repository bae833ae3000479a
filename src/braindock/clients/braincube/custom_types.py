"""Type aliases shared by the SDK (kept under the official client's module name)."""

from __future__ import annotations

from typing import Any

FILTER_TYPE = dict[str, Any]
"""A filter tree node, e.g. ``{"BETWEEN": ["mb42/d2000017", 150, 230]}`` (braincube.md 5.1)."""
