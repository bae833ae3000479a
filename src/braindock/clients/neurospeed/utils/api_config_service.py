"""``api_config`` handling (``neurospeed.md`` 1.1-1.4).

An ``api_config`` is ``{"api_address": "http(s)://host[:port][/prefix]", "pipeline_address":
"ws(s)://host[:port]"}``; braindock also reads the optional keys ``timeout`` (seconds, default 30),
``retries`` (default 3), ``verify`` (TLS verification, default ``True``) and ``legacy_errors`` (``True``: HTTP
handlers return ``None`` on errors like the official client instead of raising).

HTTP URLs are ``api_address + "/api" + endpoint`` (1.2); Socket.IO connects to scheme + host of
``pipeline_address`` at the root paths ``/hia/``, ``/target_is_...`` (1.3: any path is ignored).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from braindock.clients.neurospeed import constants
from braindock.clients.neurospeed.errors import ConfigError

DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3


def resolve_api_config(api_config: Mapping[str, Any] | None = None, url: str | None = None) -> dict[str, Any]:
    """A complete copy of ``api_config`` (default :data:`~.constants.PROD_API_CONFIG`, read now).

    ``url`` (``http(s)://host:port``) overrides both addresses: ``api_address = url`` and
    ``pipeline_address`` = the same host with ``ws(s)``.

    Raises:
        ConfigError: no ``api_address``.
    """
    config = dict(constants.PROD_API_CONFIG)
    if api_config:
        config.update(api_config)
    if url:
        base = str(url).rstrip("/")
        config["api_address"] = base
        config["pipeline_address"] = constants._socket_address(base)
    address = config.get("api_address")
    if not isinstance(address, str) or not address:
        raise ConfigError("api_config needs 'api_address' (e.g. 'http://127.0.0.1:8420')")
    config["api_address"] = address.rstrip("/")
    if not config.get("pipeline_address"):
        config["pipeline_address"] = constants._socket_address(config["api_address"])
    return config


class ApiConfig:
    """The two base URLs of one ``api_config`` (Appendix A ``ApiConfig``)."""

    def __init__(self, api_config: Mapping[str, Any] | None = None) -> None:
        self.config = resolve_api_config(api_config)

    def get_http_url(self) -> str:
        """``api_address`` without a trailing slash (requests go to ``<it>/api/...``)."""
        return str(self.config["api_address"])

    def get_socket_url(self) -> str:
        """``http(s)://host[:port]`` of ``pipeline_address`` (what python-socketio connects to, 1.3)."""
        parts = urlsplit(str(self.config["pipeline_address"]))
        scheme = "https" if parts.scheme in ("https", "wss") else "http"
        return f"{scheme}://{parts.netloc}"
