"""Helpers of the HTTP handlers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from braindock.clients.neurospeed.auth._base import AuthHandlerBase
from braindock.clients.neurospeed.errors import ConfigError
from braindock.clients.neurospeed.utils.http_service import HttpService


class HttpHandlerBase:
    """An HTTP handler on one auth handler (``api_config`` default: the auth handler's server)."""

    NEEDS_ROLE = ""

    def __init__(self, auth_handler: AuthHandlerBase, api_config: Mapping[str, Any] | None = None) -> None:
        if not isinstance(auth_handler, AuthHandlerBase):
            raise ConfigError(f"expected an auth handler, got {type(auth_handler).__name__}")
        if self.NEEDS_ROLE and auth_handler.ROLE != self.NEEDS_ROLE:
            raise ConfigError(f"{type(self).__name__} needs a {self.NEEDS_ROLE} auth handler, not {auth_handler.ROLE}")
        self._auth = auth_handler
        self._http = HttpService(auth_handler, api_config)


def as_id(value: Any) -> Any:
    """An id as an int when it is numeric (3.0: integers in JSON, numeric strings accepted)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def pager(page_number: Any = 1, page_size: Any = 50, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The pager request body of 3.0."""
    return {"pager": {"page_number": int(page_number), "page_size": int(page_size)}, "filters": dict(filters or {})}
