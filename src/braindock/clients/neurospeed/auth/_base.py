"""Shared machinery of the two auth handlers: tokens, one pooled HTTP client, retries, refresh on 401.

``shared/reference/neurospeed.md`` 2 and 9.1. Every HTTP request of the SDK goes through
:meth:`AuthHandlerBase.request`:

* login and refresh carry no ``Authorization``; every other request carries exactly
  ``Authorization: Bearer <current access token>`` (2.5, with the official client's inverted logic fixed);
  POST bodies are JSON, PUT bodies form-encoded, ids in the query (3.0);
* timeouts (``timeout`` seconds, default 30) on every request; one pooled :class:`httpx.Client` per auth
  handler, shared by every handler built on it;
* 502/503/504 answers to GET/PUT/DELETE and connection failures of any request are retried ``retries``
  times (default 3) with backoff ``0.5 * 2**n`` s (max 8 s); read timeouts are retried for GET/PUT/DELETE;
* any 401 from a protected endpoint refreshes the tokens **once** and retries the request once. Refreshing is
  single-flight: concurrent requests that saw the same stale token wait for one refresh and reuse its result
  (no refresh storm, 2.6). A refused refresh token falls back to one new login with the stored credentials;
* errors raise the typed exceptions of :mod:`~braindock.clients.neurospeed.errors` carrying the server's
  message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any, TypedDict

import httpx

from braindock import __version__
from braindock.clients.neurospeed.errors import (
    AuthenticationError,
    ConfigError,
    ConnectionError,
    NeuroSpeedHTTPError,
    TimeoutError,
    decode_body,
    error_for_response,
    message_of,
)
from braindock.clients.neurospeed.utils.api_config_service import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    ApiConfig,
    resolve_api_config,
)

log = logging.getLogger("braindock.clients.neurospeed")

RETRY_STATUSES = frozenset({502, 503, 504})
IDEMPOTENT = frozenset({"GET", "PUT", "DELETE", "HEAD"})
MAX_BACKOFF = 8.0
USER_AGENT = f"braindock-neurospeed/{__version__} httpx/{httpx.__version__}"
REFRESH_ENDPOINT = "/auth/refresh_token"


class AuthOptions(TypedDict, total=False):
    """Keyword options of both auth handler constructors (see :class:`AuthHandlerBase`)."""

    url: str | None
    timeout: float | None
    retries: int | None
    verify: Any


def _truthy(value: Any) -> bool:
    """A config flag as a bool: the strings ``true/1/yes/on`` (any case) are true, other strings false (9.1)."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def require(config: Mapping[str, Any], key: str, what: str) -> Any:
    """``config[key]`` or :class:`ConfigError` naming the key."""
    if not isinstance(config, Mapping):
        raise ConfigError(f"{what} must be a dict, not {type(config).__name__}")
    if key not in config or config[key] in (None, ""):
        raise ConfigError(f"{what} needs the key {key!r}")
    return config[key]


class AuthHandlerBase:
    """Tokens of one principal (customer or user) and the HTTP transport used by every handler built on it.

    Args:
        config: the credentials dict.
        api_config: server addresses (default :data:`~braindock.clients.neurospeed.constants.PROD_API_CONFIG`).
        url: shortcut for ``api_config``: ``http(s)://host:port`` of the server.
        timeout: seconds per request (default ``api_config["timeout"]`` or 30).
        retries: retries on 502/503/504 and connection failures (default ``api_config["retries"]`` or 3).
        verify: TLS verification (``httpx`` ``verify``).

    With ``api_config["legacy_errors"]`` true, :meth:`login` returns ``False`` instead of raising when the
    server refuses the credentials (2.3.5 behaviour).

    Thread safety: tokens are read and replaced under one lock; the first login and every refresh are
    single-flight (concurrent callers wait for one request and reuse its result, 2.6).
    """

    LOGIN_ENDPOINT = ""
    ROLE = ""

    def __init__(
        self,
        config: dict[str, Any],
        api_config: Mapping[str, Any] | None = None,
        *,
        url: str | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        verify: Any = None,
    ) -> None:
        self._config = config
        self.api_config = resolve_api_config(api_config, url)
        self.timeout = float(timeout if timeout is not None else self.api_config.get("timeout") or DEFAULT_TIMEOUT)
        chosen = retries if retries is not None else self.api_config.get("retries", DEFAULT_RETRIES)
        self.retries = max(0, int(chosen))
        self.verify = verify if verify is not None else self.api_config.get("verify", True)
        self.http = httpx.Client(
            timeout=self.timeout,
            verify=self.verify,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
        )
        self._access_token: str | None = None
        self._refresh_token: str | None = None
        self._lock = threading.RLock()
        #: Number of successful token refreshes (diagnostics).
        self.refresh_count = 0

    # -- public API of both handlers (Appendix A) ---------------------------------------------------------

    def login(self) -> bool:
        """Log in (2.2 customer, 2.3 user) and keep the token pair; returns ``True``.

        Raises:
            AuthenticationError: the server refused the credentials (``message`` e.g. ``Invalid credentials``);
                with ``legacy_errors`` ``False`` is returned instead.
            ConnectionError / TimeoutError: the server could not be reached.
        """
        try:
            with self._lock:
                answer = self.request("POST", self.LOGIN_ENDPOINT, json=self._login_body(), authenticated=False)
                self._store(answer, need_refresh=False)
        except NeuroSpeedHTTPError as exc:
            if _truthy(self.api_config.get("legacy_errors", False)):
                log.error("%s login refused: %s", self.ROLE, exc.message)
                return False
            raise AuthenticationError(f"{self.ROLE} login refused: {exc.message}", exc.status) from None
        log.info("logged in as %s %s", self.ROLE, self._principal_name())
        return True

    def _ensure_login(self) -> str:
        """The current access token, logging in first (once, for all waiting threads) when there is none."""
        token = self._access_token
        if token is not None:
            return token
        with self._lock:
            if self._access_token is None and not self.login():
                raise AuthenticationError(f"{self.ROLE} login refused")
            return str(self._access_token)

    def update_refresh_token(self) -> bool:
        """Exchange the refresh token for a new pair (2.4); ``False`` when there is none or the server refuses it.

        Raises:
            ConnectionError / TimeoutError: the server could not be reached.
        """
        try:
            with self._lock:
                self._refresh()
        except AuthenticationError as exc:
            log.warning("token refresh refused: %s", exc)
            return False
        return True

    def get_access_token(self) -> str | None:
        """The current access token (``None`` before :meth:`login`)."""
        return self._access_token

    def get_refresh_token(self) -> str | None:
        """The current refresh token."""
        return self._refresh_token

    def get_config(self) -> dict[str, Any]:
        """The credentials dict given to the constructor."""
        return self._config

    def is_logged_in(self) -> bool:
        """Whether an access token is held (it may have expired: requests refresh it on a 401, 2.6)."""
        return self._access_token is not None

    def is_verbose_log(self) -> bool:
        """``Verbose_socket_log`` of the config, parsed as a boolean (``"False"`` is false, unlike 2.3.5)."""
        return _truthy(self._config.get("Verbose_socket_log", False))

    def get_api_config(self) -> dict[str, Any]:
        """The resolved ``api_config`` (addresses and transport settings)."""
        return self.api_config

    def close(self) -> None:
        """Close the pooled HTTP connections (handlers built on this auth handler cannot send afterwards)."""
        self.http.close()

    def __enter__(self) -> AuthHandlerBase:
        """``with Auth_AS_Customer_handler(...) as auth:`` closes the HTTP connections at the end."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the HTTP connections."""
        self.close()

    # -- transport -----------------------------------------------------------------------------------------

    def url_for(self, endpoint: str, api_address: str | None = None) -> str:
        """``api_address + "/api" + endpoint`` (1.2); ``api_address`` defaults to this handler's."""
        base = (api_address or ApiConfig(self.api_config).get_http_url()).rstrip("/")
        return base + "/api" + ("" if endpoint.startswith("/") else "/") + endpoint

    def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
        can_refresh: bool = True,
        api_address: str | None = None,
        retries: int | None = None,
    ) -> Any:
        """Send one API request and return the decoded JSON answer (``None`` for an empty body).

        Raises:
            ValidationError, UnauthorizedError, PermissionDenied, NotFound, Conflict, PayloadTooLarge,
            ServerError, NeuroSpeedHTTPError: an error answer (after one refresh for a 401).
            ConnectionError / TimeoutError: no answer after the retries.
            AuthenticationError: the refresh and the new login were both refused.
        """
        method = method.upper()
        url = self.url_for(endpoint, api_address)
        clean_params = {k: str(v) for k, v in (params or {}).items() if v is not None}
        refreshed = False
        while True:
            request_headers = dict(headers or {})
            token = None
            if authenticated:
                token = self._ensure_login()
                request_headers["Authorization"] = f"Bearer {token}"
            response = self._send(
                method, url, retries, params=clean_params, json=json, data=data, headers=request_headers
            )
            if response.status_code == 401 and authenticated and can_refresh and not refreshed:
                refreshed = True
                self._refresh_after(token)
                continue
            if response.status_code >= 400:
                raise error_for_response(response)
            return decode_body(response)

    def _send(self, method: str, url: str, retries: int | None = None, **kwargs: Any) -> httpx.Response:
        retries = self.retries if retries is None else retries
        attempt = 0
        while True:
            try:
                response = self.http.request(method, url, **kwargs)
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                retry_ok = isinstance(exc, httpx.ConnectError) or method in IDEMPOTENT
                if not retry_ok or attempt >= retries:
                    raise ConnectionError(f"{method} {url}: {exc or type(exc).__name__}") from exc
            except httpx.TimeoutException as exc:
                retry_ok = isinstance(exc, httpx.ConnectTimeout) or method in IDEMPOTENT
                if not retry_ok or attempt >= retries:
                    raise TimeoutError(f"{method} {url}: no answer within {self.timeout:g} s") from exc
            except httpx.TransportError as exc:  # proxy/protocol errors: not retried
                raise ConnectionError(f"{method} {url}: {exc or type(exc).__name__}") from exc
            else:
                if response.status_code not in RETRY_STATUSES or method not in IDEMPOTENT or attempt >= retries:
                    return response
            delay = min(MAX_BACKOFF, 0.5 * 2**attempt)
            attempt += 1
            log.info("%s %s failed; retry %d/%d in %.1f s", method, url, attempt, retries, delay)
            time.sleep(delay)

    # -- tokens ----------------------------------------------------------------------------------------------

    def _store(self, answer: Any, need_refresh: bool) -> None:
        token = answer.get("token") if isinstance(answer, dict) else None
        access = token.get("accessToken") if isinstance(token, dict) else None
        refresh = token.get("refreshToken") if isinstance(token, dict) else None
        if not isinstance(access, str) or (need_refresh and not isinstance(refresh, str)):
            raise AuthenticationError(f"the server answered without a usable token: {message_of(answer)}")
        with self._lock:
            self._access_token = access
            self._refresh_token = refresh if isinstance(refresh, str) else None

    def _refresh(self, retries: int | None = None) -> None:
        """Rotate the token pair at ``/auth/refresh_token`` (never refreshes itself: no recursion, 2.6)."""
        if not self._refresh_token:
            raise AuthenticationError("no refresh token (log in first)")
        try:
            answer = self.request(
                "POST",
                REFRESH_ENDPOINT,
                json={"refreshToken": self._refresh_token},
                authenticated=False,
                retries=retries,
            )
        except NeuroSpeedHTTPError as exc:
            raise AuthenticationError(f"token refresh refused: {exc.message}", exc.status) from None
        self._store(answer, need_refresh=True)
        self.refresh_count += 1
        log.info("refreshed the %s tokens of %s", self.ROLE, self._principal_name())

    def _refresh_after(self, stale: str | None, retries: int | None = None) -> None:
        """Make sure the access token is newer than ``stale``: refresh once for all waiting callers.

        A refused refresh falls back to a new login with the stored credentials.

        Raises:
            AuthenticationError: refresh and login both refused.
        """
        with self._lock:
            if self._access_token is not None and self._access_token != stale:
                return  # another thread refreshed while we waited
            try:
                self._refresh(retries)
                return
            except AuthenticationError as exc:
                log.info("%s; logging in again", exc)
            self.login()

    # -- to implement ----------------------------------------------------------------------------------------

    def _login_body(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _principal_name(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


class AuthApiView:
    """The official handlers' inner ``*_Auth_Api`` objects (Appendix A), as thin views on an auth handler.

    2.3.5 kept a second copy of the tokens in this object; here every call goes to the handler, so the view
    and the handler never disagree.

    Args:
        auth_handler_instance: the auth handler.
        api_config: accepted for signature compatibility; the handler's server is used.
    """

    def __init__(self, auth_handler_instance: AuthHandlerBase, api_config: Mapping[str, Any] | None = None) -> None:
        self._handler = auth_handler_instance

    def _login(self) -> bool:
        """:meth:`AuthHandlerBase.login` of the handler (raises like it)."""
        return self._handler.login()

    def update_refresh_token(self) -> bool:
        """:meth:`AuthHandlerBase.update_refresh_token` (2.4): ``True`` when the tokens were rotated."""
        return self._handler.update_refresh_token()

    def get_access_token(self) -> str | None:
        """The handler's current access token."""
        return self._handler.get_access_token()

    def get_refresh_token(self) -> str | None:
        """The handler's current refresh token."""
        return self._handler.get_refresh_token()
