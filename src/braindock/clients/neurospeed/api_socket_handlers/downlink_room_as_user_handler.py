"""``DownlinkRoom_AS_User_Handler``: messages to and from the user's machines (``neurospeed.md`` 6.11)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Unpack

import socketio

from braindock.clients.neurospeed.api_socket_handlers._socket import SocketHandlerBase, SocketOptions
from braindock.clients.neurospeed.auth._base import AuthHandlerBase

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
        **options: Unpack[SocketOptions],
    ) -> None:
        super().__init__(user_auth_handler, api_config, **options)
        self._router_handler: Callable[[Any, Any], Any] | None = None

    def set_downlink_router_external_handler(self, handler: Callable[[Any, Any], Any]) -> None:
        """``handler(room, payload)`` for every ``downlink`` message."""
        self._router_handler = handler

    def route_message(self, payload: Any) -> None:
        """Emit ``router(payload)`` (any JSON value, at most 64 KiB).

        Raises:
            NotConnectedError: not connected (nothing is sent).
            BackgroundError: a callback failed since the last call and no error handler was set.
        """
        self._emit_checked("router", payload)

    def _headers(self, token: str) -> dict[str, str]:
        return {"jwt_token": token}

    def _register(self, client: socketio.Client) -> None:
        client.on("downlink", lambda payload=None: self._dispatch(self._deliver, payload))

    def _deliver(self, payload: Any) -> None:
        if self._router_handler is not None:
            self._router_handler(self, payload)
