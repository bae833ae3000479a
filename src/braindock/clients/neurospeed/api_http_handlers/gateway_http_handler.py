"""``Gateway_HttpHandler``: who is connected (``neurospeed.md`` 3.4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from braindock.clients.neurospeed.api_http_handlers._common import HttpHandlerBase, pager

__all__ = ["Gateway_HttpHandler"]


class Gateway_HttpHandler(HttpHandlerBase):  # noqa: N801 - official name
    """Presence of the customer's users' HIAs (customer token)."""

    NEEDS_ROLE = "customer"

    def get_connected_users(self) -> list[dict[str, Any]]:
        """``[{"id", "username"}, ...]`` of users with at least one HIA connected."""
        return self._http.GET_request("/gateway/users/connected")

    def get_connections(
        self, page_number: int = 1, page_size: int = 50, filters: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Pager envelope of HIA connection records; ``filters``: ``is_connected`` (bool), ``usernames`` (list)."""
        return self._http.POST_request("/gateway/connections", pager(page_number, page_size, filters))
