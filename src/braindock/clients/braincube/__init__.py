"""Braincube SDK of braindock: a drop-in replacement for ``braincube_connector`` 2.8.0.

Scripts written for the official client work after changing the import prefix::

    from braindock.clients.braincube import braincube, client, parameters

    client.get_instance(config_dict={"api_key": TOKEN, "sso_base_url": URL, "braincube_base_url": URL})
    mb = braincube.get_braincube("plant-a").get_memory_base(42)
    data = mb.get_data([2000001, 2000017], filters=[{"GREAT": ["mb42/d2000017", 150]}])

Explicit clients need no singleton::

    from braindock.clients.braincube import Client

    with Client(config_dict=CONFIG, timeout=30) as c:
        frame = c.get_braincube("plant-a").get_memory_base(42).get_data([2000017], dataframe=True)

Protocol reference: ``shared/reference/braincube.md``. Errors: :mod:`.errors`. Library
parameters (``page_size``, ``parse_date``, ``wire_format``, ``progress``...): :mod:`.parameters`.
"""

from __future__ import annotations

from braindock.clients.braincube.braincube import Braincube, get_braincube, get_braincube_list
from braindock.clients.braincube.client import Client, get_instance, request_ws, set_instance
from braindock.clients.braincube.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    BraincubeError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    TransportError,
)

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "Braincube",
    "BraincubeError",
    "Client",
    "ConfigurationError",
    "NotFoundError",
    "PermissionDeniedError",
    "TransportError",
    "get_braincube",
    "get_braincube_list",
    "get_instance",
    "request_ws",
    "set_instance",
]
