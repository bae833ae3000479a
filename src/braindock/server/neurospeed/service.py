"""The NeuroSpeed part of a running server: token service and Socket.IO hub (one per app)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from braindock.config import Settings
from braindock.server.neurospeed import limits, redact
from braindock.server.neurospeed.auth import TokenService, load_signing_key
from braindock.server.neurospeed.socket import HiaHub


class NeuroSpeed:
    """Holds what NeuroSpeed handlers share; ``app.state.neurospeed``.

    Args:
        app: the FastAPI app; its ``state.services`` is read lazily (it exists once the app started).
    """

    def __init__(self, app: Any) -> None:
        self._app = app
        self._tokens: TokenService | None = None
        self.hub = HiaHub(lambda: app.state.services.database, lambda: self.tokens)

    def start(self, settings: Settings) -> None:
        """At app start-up: load (or create, 0600) the token signing key of ``settings.data_dir``, install
        the log redaction of tokens, lift the WebSocket header-line limit for large ``sensors_info`` headers,
        and close connection records left open by a previous run."""
        redact.install()
        limits.raise_header_limits()
        self._tokens = TokenService(load_signing_key(settings.data_dir))
        self.hub.close_stale_connections()

    @property
    def tokens(self) -> TokenService:
        if self._tokens is None:
            raise RuntimeError("NeuroSpeed has not been started")
        return self._tokens


def neurospeed(request: Request) -> NeuroSpeed:
    """FastAPI dependency returning the app's :class:`NeuroSpeed`."""
    return request.app.state.neurospeed
