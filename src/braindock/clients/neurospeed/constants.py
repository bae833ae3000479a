"""Default server of the NeuroSpeed SDK (``shared/reference/neurospeed.md`` 1.1, 1.4).

:data:`PROD_API_CONFIG` is the default ``api_config`` of every constructor and macro, as in the official
client, but it points at a local braindock server (``http://127.0.0.1:8420``) unless ``$NEUROSPEED_URL`` is
set. As in the official client, mutating it in place (``PROD_API_CONFIG.update(api_address=...,
pipeline_address=...)``) redirects every object created afterwards; it is read when an object is created.
"""

from __future__ import annotations

import os

URL_ENV = "NEUROSPEED_URL"
DEFAULT_URL = "http://127.0.0.1:8420"


def _socket_address(url: str) -> str:
    if url.startswith("https://"):
        return "wss://" + url[len("https://") :]
    if url.startswith("http://"):
        return "ws://" + url[len("http://") :]
    return url


_URL = os.environ.get(URL_ENV, DEFAULT_URL).rstrip("/")

#: ``{"api_address": <http(s) base>, "pipeline_address": <ws(s) base>}`` (1.1).
PROD_API_CONFIG: dict[str, object] = {"api_address": _URL, "pipeline_address": _socket_address(_URL)}
