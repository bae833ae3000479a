"""The ASGI application: one FastAPI app serving every protocol on one port.

OpenAPI docs are at ``/docs`` (Swagger UI) and ``/openapi.json``.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from braindock import __version__
from braindock.config import Settings
from braindock.server import braincube, brainstem, neurospeed, openapi_docs
from braindock.server.braincube.host_routing import BraincubeHostRouting
from braindock.server.context import Services
from braindock.server.errors import install_error_handlers
from braindock.server.identity import log_redaction
from braindock.server.identity.login_limits import LoginLimitMiddleware, LoginLimits

#: Filters built by the official client nest two JSON levels per combined filter, and the
#: reference asks servers to accept about 1,000 levels (``braincube.md`` 5.2).
RECURSION_LIMIT = 20_000


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the braindock app for ``settings`` (default: :meth:`Settings.load`).

    The metadata store is opened and migrated when the app starts, so a new data directory
    needs no preparation.
    """
    settings = settings or Settings.load()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log_redaction.install()  # here, after the server has configured its loggers
        app.state.services = Services.open(settings)
        app.state.neurospeed.start(settings)
        logging.getLogger("braindock").info("braindock %s serving data from %s", __version__, settings.data_dir)
        try:
            yield
        finally:
            await app.state.neurospeed.stop()
            app.state.services.close()

    app = FastAPI(
        title="braindock",
        version=__version__,
        description="Self-hosted server for the Braincube, BrainSTEM and NeuroSpeed protocols.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    # NeuroSpeed's Socket.IO servers answer at the host root (/hia/, /target_is_*/; neurospeed.md 1.3, 6.1).
    app.state.neurospeed = neurospeed.NeuroSpeed(app)
    app.add_middleware(neurospeed.SocketMount, hub=app.state.neurospeed.hub)
    # Braincubes by host name, {braincube-name}.<suffix> (braincube.md 1.5), and <domain> (SSO) / api.<domain>
    # (API) of the clients' `domain` setting (1.3); a pass-through when neither is configured.
    app.add_middleware(BraincubeHostRouting, suffix=settings.braincube_host_suffix, domain=settings.braincube_domain)
    # Outermost: failed password logins of every protocol are counted and limited in one place.
    limits = LoginLimits(settings.login_failures_per_account, settings.login_failures_per_ip, settings.login_window_s)
    app.add_middleware(LoginLimitMiddleware, limits=limits)

    @app.get("/healthz", tags=["server"], summary="Liveness probe")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.include_router(braincube.router)
    # Before BrainSTEM: its catch-all /api/{portal}/{app}/{rest} would otherwise shadow /api/users/... paths.
    app.include_router(neurospeed.router)
    app.include_router(brainstem.router)

    def openapi() -> dict:
        """FastAPI's document with the real inputs and error answers (:func:`openapi_docs.document`)."""
        if app.openapi_schema is None:
            with warnings.catch_warnings():
                # The BrainSTEM catch-all serves five methods under one id; the ids are made unique below.
                warnings.filterwarnings("ignore", message="Duplicate Operation ID", category=UserWarning)
                app.openapi_schema = openapi_docs.document(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
