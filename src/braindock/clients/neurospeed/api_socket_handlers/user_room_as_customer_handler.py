"""``UserRoom_AS_Customer_Handler``: a customer listening to one user's room (``neurospeed.md`` 6.3, 6.9)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Unpack

import socketio

from braindock.clients.neurospeed.api_socket_handlers._socket import SocketHandlerBase, SocketOptions
from braindock.clients.neurospeed.api_socket_handlers.user_room_as_user_handler import normalise_data_payload
from braindock.clients.neurospeed.auth._base import AuthHandlerBase

__all__ = ["UserRoom_AS_Customer_Handler"]


class UserRoom_AS_Customer_Handler(SocketHandlerBase):  # noqa: N801 - official name
    """The room of user ``username`` on ``/target_is_user_room_as_customer/`` (customer token + username in the
    query string, 6.3). Same payloads as :class:`UserRoom_AS_User_Handler`, but the callbacks receive the
    handler first: ``f(room, payload)`` (official signature).

    Args:
        customer_auth_handler: :class:`~braindock.clients.neurospeed.Auth_AS_Customer_handler`.
        username: one of the customer's users.
    """

    PATH = "target_is_user_room_as_customer"
    NEEDS_ROLE = "customer"

    def __init__(
        self,
        customer_auth_handler: AuthHandlerBase,
        username: str,
        api_config: Mapping[str, Any] | None = None,
        **options: Unpack[SocketOptions],
    ) -> None:
        super().__init__(customer_auth_handler, api_config, **options)
        self._username = str(username)
        self._data_handler: Callable[[Any, Any], Any] | None = None
        self._events_handler: Callable[[Any, Any], Any] | None = None

    def set_data_external_handler(self, handler: Callable[[Any, Any], Any]) -> None:
        """``handler(room, payload)`` for every ``data`` event."""
        self._data_handler = handler

    def set_events_external_handler(self, handler: Callable[[Any, Any], Any]) -> None:
        """``handler(room, payload)`` for every device connect/disconnect event."""
        self._events_handler = handler

    def get_username(self) -> str:
        """The user whose room this is."""
        return self._username

    def _query(self, token: str) -> dict[str, str]:
        return {"jwt_token": token, "username": self._username}

    def _register(self, client: socketio.Client) -> None:
        client.on("data", lambda payload=None: self._dispatch(self._deliver_data, payload))
        client.on("events", lambda payload=None: self._dispatch(self._deliver_event, payload))

    def _deliver_data(self, payload: Any) -> None:
        if self._data_handler is not None:
            self._data_handler(self, normalise_data_payload(payload))

    def _deliver_event(self, payload: Any) -> None:
        if self._events_handler is not None:
            self._events_handler(self, payload)
