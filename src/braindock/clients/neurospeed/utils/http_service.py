"""``HttpService`` (``neurospeed.md`` Appendix A, 2.5-2.7): the four request helpers of the official client.

Built on the auth handler's pooled transport (:meth:`AuthHandlerBase.request`): ``Authorization`` is always
sent (the official client's inverted header logic is fixed, 9.1), caller headers are kept, timeouts and
retries apply, a 401 refreshes the tokens once. Errors raise the typed exceptions, or return ``None`` (as
2.3.5 did after printing) when the ``api_config`` has ``"legacy_errors": True``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from braindock.clients.neurospeed.auth._base import AuthHandlerBase, _truthy
from braindock.clients.neurospeed.errors import ConfigError, NeuroSpeedHTTPError
from braindock.clients.neurospeed.utils.api_config_service import resolve_api_config

log = logging.getLogger("braindock.clients.neurospeed")


class HttpService:
    """JSON-in/JSON-out requests to ``<api_address>/api<endpoint>`` with a customer or user auth handler.

    Args:
        auth_handler: a logged-in (or not yet: it logs in on first use)
            :class:`~braindock.clients.neurospeed.Auth_AS_Customer_handler` or ``Auth_AS_User_Handler``.
        api_config: another server than the auth handler's (default: the auth handler's).

    Raises:
        ConfigError: ``auth_handler`` is not an auth handler.
    """

    def __init__(self, auth_handler: AuthHandlerBase, api_config: Mapping[str, Any] | None = None) -> None:
        if not isinstance(auth_handler, AuthHandlerBase):
            raise ConfigError(f"expected an auth handler, got {type(auth_handler).__name__}")
        self._auth = auth_handler
        self.api_config = resolve_api_config(api_config) if api_config else auth_handler.api_config
        self._address = None if api_config is None else str(self.api_config["api_address"])
        self.legacy_errors = _truthy(self.api_config.get("legacy_errors", False))

    def _call(self, method: str, endpoint: str, can_refresh: bool, **kwargs: Any) -> Any:
        try:
            return self._auth.request(method, endpoint, can_refresh=can_refresh, api_address=self._address, **kwargs)
        except NeuroSpeedHTTPError as exc:
            if not self.legacy_errors:
                raise
            log.error("%s", exc)
            return None

    def GET_request(  # noqa: N802 - official name
        self,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        can_update_refresh_token: bool = True,
    ) -> Any:
        """``GET`` → decoded JSON (``None`` for an empty body)."""
        return self._call("GET", endpoint, can_update_refresh_token, params=params, headers=headers)

    def POST_request(  # noqa: N802
        self,
        endpoint: str,
        payload: Any = None,
        headers: Mapping[str, str] | None = None,
        can_update_refresh_token: bool = True,
    ) -> Any:
        """``POST`` with a JSON body → decoded JSON."""
        return self._call("POST", endpoint, can_update_refresh_token, json=payload, headers=headers)

    def PUT_request(  # noqa: N802
        self,
        endpoint: str,
        payload: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        can_update_refresh_token: bool = True,
    ) -> Any:
        """``PUT`` with a form-encoded body and query ``params`` → decoded JSON (3.0)."""
        data = {k: str(v) for k, v in (payload or {}).items() if v is not None}
        return self._call("PUT", endpoint, can_update_refresh_token, data=data, params=params, headers=headers)

    def DELETE_request(  # noqa: N802
        self,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        can_update_refresh_token: bool = True,
    ) -> Any:
        """``DELETE`` with query ``params`` → decoded JSON."""
        return self._call("DELETE", endpoint, can_update_refresh_token, params=params, headers=headers)

    def get_and_update_headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <current access token>"}``."""
        return self.set_headers(self._auth.get_access_token())

    def set_headers(self, access_token: str | None) -> dict[str, str]:
        """``{"Authorization": "Bearer <access_token>"}``, or ``{}`` without a token (2.5)."""
        return {"Authorization": f"Bearer {access_token}"} if access_token else {}
