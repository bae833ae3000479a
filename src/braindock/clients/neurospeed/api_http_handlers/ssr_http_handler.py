"""``SSR_HttpHandler``: commands to a connected HIA (``neurospeed.md`` 3.5, 6.8)."""

from __future__ import annotations

import json
from typing import Any

from braindock.clients.neurospeed.api_http_handlers._common import HttpHandlerBase

__all__ = ["SSR_HttpHandler"]


class SSR_HttpHandler(HttpHandlerBase):  # noqa: N801 - official name
    """Enable/disable streams of an HIA and send it messages (customer token). Answers ``{"delivered": True}``.

    Raises:
        NotFound: unknown user, HIA not connected, unknown stream. PayloadTooLarge: downlink over 64 KiB.
    """

    NEEDS_ROLE = "customer"

    def change_stream_state(self, username: str, hia_id: str, stream_id: str, stream_state: str) -> Any:
        """``stream_state`` ``enabled``/``disabled``; the server drops packets of a disabled stream (7.8)."""
        body = {"username": username, "hia_id": hia_id, "stream_id": stream_id, "stream_state": stream_state}
        return self._http.POST_request("/gateway/ssr/stream_state", body)

    def send_downlink(self, username: str, hia_id: str, payload: Any) -> Any:
        """Send ``payload`` (JSON-serialised here, as the official client does) as ``ssr_downlink``."""
        body = {"username": username, "hia_id": hia_id, "payload": json.dumps(payload)}
        return self._http.POST_request("/gateway/ssr/downlink", body)
