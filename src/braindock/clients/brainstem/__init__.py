"""BrainSTEM SDK: a drop-in for ``brainstem_api_tools`` (``shared/reference/brainstem.md`` 8).

``from braindock.clients.brainstem import BrainstemClient`` replaces
``from brainstem_api_tools import BrainstemClient`` in scripts written for client 0.2.0
(``load_model``/``save_model``/``delete_model``) or 2.0.0 (``load``/``save``/``delete``, ``load_all``,
``load_<model>`` loaders). Set ``$BRAINSTEM_URL`` (or pass ``url=``) to reach a self-hosted server and
``$BRAINSTEM_API_TOKEN`` (or pass ``token=``) to skip the login. See :mod:`.client` for the token
resolution order, error behaviour and transport settings.
"""

from braindock import __version__
from braindock.clients.brainstem.auth import clear_cached_token, token_cache_path
from braindock.clients.brainstem.client import BrainstemClient
from braindock.clients.brainstem.errors import (
    AuthenticationError,
    BadRequestError,
    BrainstemConnectionError,
    BrainstemError,
    BrainstemHTTPError,
    BrainstemTimeoutError,
    BrainstemTransportError,
    LoginError,
    MethodNotAllowedError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    UnauthorizedError,
)
from braindock.clients.brainstem.models import MODELS, ModelType, PortalType
from braindock.clients.brainstem.response import BrainstemRecords, BrainstemResponse, to_dataframe

__all__ = [
    "MODELS",
    "AuthenticationError",
    "BadRequestError",
    "BrainstemClient",
    "BrainstemConnectionError",
    "BrainstemError",
    "BrainstemHTTPError",
    "BrainstemRecords",
    "BrainstemResponse",
    "BrainstemTimeoutError",
    "BrainstemTransportError",
    "LoginError",
    "MethodNotAllowedError",
    "ModelType",
    "NotFoundError",
    "PermissionDeniedError",
    "PortalType",
    "ServerError",
    "UnauthorizedError",
    "__version__",
    "clear_cached_token",
    "to_dataframe",
    "token_cache_path",
]
