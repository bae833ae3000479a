"""``UserRoom_AS_User_Handler``: listen to one's own data (``neurospeed.md`` 6.9, 6.10; manual 4.2)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from typing import Any, Unpack

import socketio

from braindock.clients.neurospeed.api_socket_handlers._socket import SocketHandlerBase, SocketOptions
from braindock.clients.neurospeed.auth._base import AuthHandlerBase

__all__ = ["UserRoom_AS_User_Handler", "normalise_data_payload"]


def normalise_data_payload(payload: Any) -> Any:
    """A downstream ``data`` payload with ``payload["data"]`` as an object even if the server sent the JSON
    string of older deployments (6.9, D12)."""
    if isinstance(payload, dict) and isinstance(payload.get("data"), str):
        with contextlib.suppress(ValueError):
            payload = {**payload, "data": json.loads(payload["data"])}
    return payload


class UserRoom_AS_User_Handler(SocketHandlerBase):  # noqa: N801 - official name
    """The user's room on ``/target_is_user_room_as_user/`` (user token in the query string, 6.3).

    Callbacks (attach before :meth:`connect`; they run one at a time, in arrival order):

    * ``set_data_external_handler(f)`` → ``f(payload)`` for every ``data`` event: ``stream_id``,
      ``device_type``, ``hia_id``, ``username``, ``sensor_info`` (that stream's entry), ``data`` =
      ``{"sample": [[ch_1, ..., ch_n, timestamp], ...]}`` (timestamps in epoch seconds), ``experiment`` (labels),
      ``output`` (EEG: ``brainwave_power`` per band, one value per channel), ``packets_counter``,
      ``server_timestamp``.
    * ``set_device_events_external_handler(f)`` → ``f(payload)`` for HIA presence events
      ``{type: "connect"|"disconnect", username, hia_id, sensors}``.

    Args:
        user_auth_handler: :class:`~braindock.clients.neurospeed.Auth_AS_User_Handler`.
        api_config, reconnect, connect_timeout: see :class:`SocketHandlerBase`.

    Raises (``connect``):
        SocketConnectionError: the server refused the token (its reason in ``message``).
    """

    PATH = "target_is_user_room_as_user"
    NEEDS_ROLE = "user"

    def __init__(
        self,
        user_auth_handler: AuthHandlerBase,
        api_config: Mapping[str, Any] | None = None,
        **options: Unpack[SocketOptions],
    ) -> None:
        super().__init__(user_auth_handler, api_config, **options)
        self._data_handler: Callable[[Any], Any] | None = None
        self._events_handler: Callable[[Any], Any] | None = None

    def set_data_external_handler(self, handler: Callable[[Any], Any]) -> None:
        """``handler(payload)`` for every ``data`` event."""
        self._data_handler = handler

    def set_device_events_external_handler(self, handler: Callable[[Any], Any]) -> None:
        """``handler(payload)`` for every device connect/disconnect event."""
        self._events_handler = handler

    def _query(self, token: str) -> dict[str, str]:
        return {"jwt_token": token}

    def _register(self, client: socketio.Client) -> None:
        client.on("data", lambda payload=None: self._dispatch(self._deliver_data, payload))
        client.on("events", lambda payload=None: self._dispatch(self._deliver_event, payload))

    def _deliver_data(self, payload: Any) -> None:
        if self._data_handler is not None:
            self._data_handler(normalise_data_payload(payload))

    def _deliver_event(self, payload: Any) -> None:
        if self._events_handler is not None:
            self._events_handler(payload)
