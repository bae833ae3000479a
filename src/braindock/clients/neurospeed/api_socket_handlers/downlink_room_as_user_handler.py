"""``DownlinkRoom_AS_User_Handler``: messages to and from the user's machines (``neurospeed.md`` 6.11)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import socketio

from braindock.clients.neurospeed.api_socket_handlers._socket import CONNECT_TIMEOUT_S, SocketHandlerBase
from braindock.clients.neurospeed.auth._base import AuthHandlerBase
from braindock.clients.neurospeed.errors import NotConnectedError

__all__ = ["DownlinkRoom_AS_User_Handler"]


class DownlinkRoom_AS_User_Handler(SocketHandlerBase):  # noqa: N801 - official name
    """``/target_is_downlink_room_as_user/`` (user token header). Receives ``downlink`` payloads
    (``f(room, payload)``) routed by the customer or by the user's other sockets; :meth:`route_message` sends
    ``router(payload)`` to the user's other sockets."""

    PATH = "target_is_downlink_room_as_user"
    NEEDS_ROLE = "user"

    def __init__(
        self,
        user_auth_handler: AuthHandlerBase,
        api_config: Mapping[str, Any] | None = None,
        *,
        reconnect: bool = True,
        connect_timeout: float = CONNECT_TIMEOUT_S,
    ) -> None:
        super().__init__(user_auth_handler, api_config, reconnect=reconnect, connect_timeout=connect_timeout)
        self._router_handler: Callable[[Any, Any], Any] | None = None

    def set_downlink_router_external_handler(self, handler: Callable[[Any, Any], Any]) -> None:
        """``handler(room, payload)`` for every ``downlink`` message."""
        self._router_handler = handler

    def route_message(self, payload: Any) -> None:
        """Emit ``router(payload)`` (any JSON value, at most 64 KiB).

        Raises:
            NotConnectedError: not connected.
        """
        if not self.is_connected() or self._client is None:
            raise NotConnectedError(f"/{self.PATH}/ is not connected")
        self._client.emit("router", payload)

    def _headers(self, token: str) -> dict[str, str]:
        return {"jwt_token": token}

    def _register(self, client: socketio.Client) -> None:
        client.on("downlink", lambda payload=None: self._dispatch(self._deliver, payload))

    def _deliver(self, payload: Any) -> None:
        if self._router_handler is not None:
            self._router_handler(self, payload)
