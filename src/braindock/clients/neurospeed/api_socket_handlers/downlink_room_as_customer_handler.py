"""``DownlinkRoom_AS_Customer_Handler``: a customer sending messages to a user's machines (``neurospeed.md`` 6.11)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

from braindock.clients.neurospeed.api_socket_handlers._socket import SocketHandlerBase, SocketOptions
from braindock.clients.neurospeed.auth._base import AuthHandlerBase

__all__ = ["DownlinkRoom_AS_Customer_Handler"]


class DownlinkRoom_AS_Customer_Handler(SocketHandlerBase):  # noqa: N801 - official name
    """``/target_is_downlink_room_as_customer/`` (customer token and ``username`` headers); :meth:`route_message`
    delivers ``downlink(payload)`` to every user-side socket of that user."""

    PATH = "target_is_downlink_room_as_customer"
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

    def get_username(self) -> str:
        """The user whose machines this room reaches."""
        return self._username

    def route_message(self, payload: Any) -> None:
        """Emit ``router(payload)`` to the user's downlink room.

        Raises:
            NotConnectedError: not connected (nothing is sent).
            BackgroundError: a callback failed since the last call and no error handler was set.
        """
        self._emit_checked("router", payload)

    def _headers(self, token: str) -> dict[str, str]:
        return {"jwt_token": token, "username": self._username}
