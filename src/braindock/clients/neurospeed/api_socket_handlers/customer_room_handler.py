"""``CustomerRoom_Handler``: HIA presence of all the customer's users (``neurospeed.md`` 6.10)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Unpack

import socketio

from braindock.clients.neurospeed.api_socket_handlers._socket import SocketHandlerBase, SocketOptions
from braindock.clients.neurospeed.auth._base import AuthHandlerBase

__all__ = ["CustomerRoom_Handler"]


class CustomerRoom_Handler(SocketHandlerBase):  # noqa: N801 - official name
    """``/target_is_customer_room/`` (customer token in the ``jwt_token`` header): ``hia_events``
    ``{type, username, hia_id, sensors}`` dispatched to ``f(event)`` by type (``connect``/``disconnect``)."""

    PATH = "target_is_customer_room"
    NEEDS_ROLE = "customer"

    def __init__(
        self,
        customer_auth_handler: AuthHandlerBase,
        api_config: Mapping[str, Any] | None = None,
        **options: Unpack[SocketOptions],
    ) -> None:
        super().__init__(customer_auth_handler, api_config, **options)
        self._on_connect: Callable[[Any], Any] | None = None
        self._on_disconnect: Callable[[Any], Any] | None = None

    def set_hia_connection_external_handler(self, handler: Callable[[Any], Any]) -> None:
        """``handler(event)`` when an HIA of one of the customer's users connects."""
        self._on_connect = handler

    def set_hia_disconnect_external_handler(self, handler: Callable[[Any], Any]) -> None:
        """``handler(event)`` when an HIA disconnects."""
        self._on_disconnect = handler

    def _headers(self, token: str) -> dict[str, str]:
        return {"jwt_token": token}

    def _register(self, client: socketio.Client) -> None:
        client.on("hia_events", lambda event=None: self._dispatch(self._deliver, event))

    def _deliver(self, event: Any) -> None:
        kind = event.get("type") if isinstance(event, dict) else None
        handler = {"connect": self._on_connect, "disconnect": self._on_disconnect}.get(kind or "")
        if handler is not None:
            handler(event)
