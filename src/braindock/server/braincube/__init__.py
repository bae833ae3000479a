"""The Braincube protocol: SSO, web services (E1–E13), braindata (E14–E15) and authoring.

Wire facts: ``shared/reference/braincube.md``. Paths follow the normal layout
``/braincube/{bc}/...``, which also serves clients configured with a ``{braincube-name}``
placeholder in the path of ``braincube_base_url`` (1.5).
"""

from fastapi import APIRouter

from braindock.server.braincube import authoring, braindata, entities, sso

router = APIRouter()
router.include_router(sso.router)
router.include_router(entities.router)
router.include_router(authoring.router)
router.include_router(braindata.router)
