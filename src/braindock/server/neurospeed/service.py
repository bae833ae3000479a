"""The NeuroSpeed part of a running server: token service, Socket.IO hub, recorders and exporters (one per app)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import Request

from braindock.config import Settings
from braindock.server.neurospeed import access, limits
from braindock.server.neurospeed.auth import TokenService, load_signing_key
from braindock.server.neurospeed.exporter import Exporters
from braindock.server.neurospeed.insights_engine import InsightEngine
from braindock.server.neurospeed.recorder import Recorders
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
        self._recorders: Recorders | None = None
        self._exporters: Exporters | None = None
        self.hub.subscribe(self._record)
        #: the cognitive-analysis engine (:mod:`.insights_engine`); its values ride on the ``data`` events.
        self.insights = InsightEngine(lambda: app.state.services.database)
        self.hub.insights = self.insights
        self.hub.raw_data_access = self._raw_data_access
        self.hub.insights_access = self._insights_access

    def _raw_data_access(self, customer_id: int) -> bool:
        with self._app.state.services.database.session() as session:
            return access.flags(session, customer_id)["raw_data"]

    def _insights_access(self, customer_id: int) -> bool:
        with self._app.state.services.database.session() as session:
            return access.flags(session, customer_id)["insights"]

    def _record(self, session: Any, packet: Any, event: dict[str, Any]) -> None:
        """Hub listener: hand accepted packets to the recorders once they are started."""
        if self._recorders is not None:
            self._recorders.on_packet(session, packet, event)

    def start(self, settings: Settings) -> None:
        """At app start-up: load (or create, 0600) the token signing key of ``settings.data_dir``, lift the
        WebSocket header-line limit for large ``sensors_info`` headers, set the live-delivery limits
        (:mod:`.live`), and close connection records left open by a previous run (the query-string tokens of room
        clients are kept out of the log by :mod:`braindock.server.identity.log_redaction`, installed by the app).
        Then resume the recorders and exporters left active (:mod:`.recorder`, :mod:`.exporter`; needs the running
        event loop); from then on the hub's accepted packets reach the recorders."""
        limits.raise_header_limits()
        self.hub.live.configure(settings.live_max_lag_s, settings.live_max_backlog)
        key = load_signing_key(settings.data_dir)
        self._tokens = TokenService(key)
        self.hub.close_stale_connections()
        self.insights.warm_up()
        database = lambda: self._app.state.services.database  # noqa: E731
        recorders = Recorders(database, settings.data_dir)
        recorders.start()
        self._recorders = recorders
        link_key = hmac.new(key, b"braindock neurospeed exporter download links", hashlib.sha256).digest()
        self._exporters = Exporters(database, recorders, link_key, settings.export_link_ttl_s)
        self._exporters.start()

    async def stop(self) -> None:
        """At app shutdown: stop export jobs, then fsync every open recording and store its metadata."""
        if self._exporters is not None:
            await self._exporters.stop()
        if self._recorders is not None:
            await self._recorders.stop()
        await self.insights.stop()

    @property
    def tokens(self) -> TokenService:
        """The JWT service (signing key of the data dir). Raises ``RuntimeError`` before :meth:`start`."""
        if self._tokens is None:
            raise RuntimeError("NeuroSpeed has not been started")
        return self._tokens

    @property
    def recorders(self) -> Recorders:
        """The active recorders and their files. Raises ``RuntimeError`` before :meth:`start`."""
        if self._recorders is None:
            raise RuntimeError("NeuroSpeed has not been started")
        return self._recorders

    @property
    def exporters(self) -> Exporters:
        """The CSV export jobs and download links. Raises ``RuntimeError`` before :meth:`start`."""
        if self._exporters is None:
            raise RuntimeError("NeuroSpeed has not been started")
        return self._exporters


def neurospeed(request: Request) -> NeuroSpeed:
    """FastAPI dependency returning the app's :class:`NeuroSpeed`."""
    return request.app.state.neurospeed
