"""The BrainSTEM protocol: ``/api/<portal>/<app>/<model>/[<id>/][<action>]``, token and device login.

Wire facts: ``shared/reference/brainstem.md``. Every model is declared once in :mod:`.registry`;
storage (:mod:`braindock.server.storage.brainstem_models`), validation (:mod:`.schema`), queries
(:mod:`.query`), permissions (:mod:`.permissions`) and serialisation (:mod:`.serialize`) are generic
code driven by those declarations. The router lives in :mod:`.routes` (imported lazily here so that
the storage layer can import the registry without pulling in FastAPI routes).
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "router":
        from braindock.server.brainstem.routes import router

        return router
    raise AttributeError(name)
