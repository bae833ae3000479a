"""The Braincube protocol: SSO, web services (E1–E13), braindata (E14–E15) and authoring.

Wire facts: ``shared/reference/braincube.md``. Paths follow the normal layout
``/braincube/{bc}/...``, which also serves clients configured with a ``{braincube-name}``
placeholder in the path of ``braincube_base_url`` (1.5).
"""

from fastapi import APIRouter, Depends, Request

from braindock.server.braincube import authoring, braindata, entities, oauth2, sso
from braindock.server.braincube.access import braincube_caller
from braindock.server.errors import Forbidden
from braindock.server.identity.oauth2.applications import WRITE_SCOPE
from braindock.server.storage.oauth2_models import OAuth2Token


def require_braincube_scope(request: Request) -> None:
    """Authenticate before anything else: FastAPI runs router dependencies before it validates bodies, so
    a caller without valid ``BRAINCUBE`` credentials gets 401/403 and never learns how the body is checked
    (``shared/reference/braincube.md`` 2.1). The handler reuses this caller (:func:`.access.braincube_caller`).

    Raises:
        Unauthorized: missing, invalid, expired or revoked token (401). Forbidden: no BRAINCUBE scope (403).
    """
    braincube_caller(request)


def require_authoring_scope(request: Request) -> None:
    """:func:`require_braincube_scope`, and for an OAuth2 application's token (or a session opened with one)
    the ``BRAINCUBE_WRITE`` OAuth2 scope: ``BRAINCUBE``/``API`` let an application read, not write. Personal
    access tokens (and their sessions) with ``BRAINCUBE`` keep writing.

    Raises:
        Unauthorized: as :func:`require_braincube_scope` (401). Forbidden: no BRAINCUBE scope, or an OAuth2
        token without ``BRAINCUBE_WRITE`` (403).
    """
    caller = braincube_caller(request)
    if caller.oauth2_token_id is None:
        return
    with request.app.state.services.database.session() as session:
        row = session.get(OAuth2Token, caller.oauth2_token_id)
        granted = (row.scope or "").split() if row is not None else []
    if WRITE_SCOPE not in granted:
        raise Forbidden(
            f"OAuth2 token lacks the {WRITE_SCOPE} scope: the authoring API changes data; BRAINCUBE and API only read"
        )


router = APIRouter()
router.include_router(sso.router)
router.include_router(oauth2.router)  # the SSO's OAuth2 authorization server (login page, token endpoint)
guarded = [Depends(require_braincube_scope)]
router.include_router(entities.router, dependencies=guarded)
router.include_router(authoring.router, dependencies=[Depends(require_authoring_scope)])
router.include_router(braindata.router, dependencies=guarded)
