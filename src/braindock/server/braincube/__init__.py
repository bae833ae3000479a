"""The Braincube protocol: SSO, web services (E1–E13), braindata (E14–E15) and authoring.

Wire facts: ``shared/reference/braincube.md``. Paths follow the normal layout
``/braincube/{bc}/...``, which also serves clients configured with a ``{braincube-name}``
placeholder in the path of ``braincube_base_url`` (1.5).
"""

from fastapi import APIRouter, Depends, Request

from braindock.server.braincube import authoring, braindata, entities, oauth2, sso
from braindock.server.braincube.access import braincube_caller


def require_braincube_scope(request: Request) -> None:
    """Authenticate before anything else: FastAPI runs router dependencies before it validates bodies, so
    a caller without valid ``BRAINCUBE`` credentials gets 401/403 and never learns how the body is checked
    (``shared/reference/braincube.md`` 2.1). The handler reuses this caller (:func:`.access.braincube_caller`).

    Raises:
        Unauthorized: missing, invalid, expired or revoked token (401). Forbidden: no BRAINCUBE scope (403).
    """
    braincube_caller(request)


router = APIRouter()
router.include_router(sso.router)
router.include_router(oauth2.router)  # the SSO's OAuth2 authorization server (login page, token endpoint)
guarded = [Depends(require_braincube_scope)]
router.include_router(entities.router, dependencies=guarded)
router.include_router(authoring.router, dependencies=guarded)
router.include_router(braindata.router, dependencies=guarded)
