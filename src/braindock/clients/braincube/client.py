"""Authenticated HTTP access to a Braincube service (``shared/reference/braincube.md`` 1, 2 and 6).

Two ways to use it:

* **Explicit client** (recommended)::

      from braindock.clients.braincube.client import Client

      with Client(config_dict={"api_key": TOKEN, "sso_base_url": URL, "braincube_base_url": URL}) as c:
          mb = c.get_braincube("plant-a").get_memory_base(42)

  Any number of clients may live in one process (several accounts or servers). Every entity
  remembers the client that created it, so nothing touches the global singleton. Constructing
  :class:`Client` never raises :class:`AlreadyExistsError` and never registers the client.

* **Drop-in singleton** (what scripts written for ``braincube_connector`` do):
  :func:`get_instance` creates the process-wide client on first use from ``config_dict``,
  ``config_file``, ``./config.json`` or ``~/.braincube/config.json``, and returns the same object
  afterwards (later arguments are ignored, as in the official client). The module-level
  functions (``braincube.get_braincube(name)``, :func:`request_ws`...) use it.
  :func:`set_instance` installs an explicit client as the singleton; it raises
  :class:`AlreadyExistsError` if another one is registered, which is the only place that
  exception is raised.

Transport: one pooled :class:`httpx.Client` per :class:`Client`, the ``timeout`` (seconds) applies
to connecting, reading, writing and waiting for a pooled connection; connection failures and
502/503/504 answers are retried ``retries`` times with exponential backoff. HTTP errors become the
typed exceptions of :mod:`braindock.clients.braincube.errors`.
"""

from __future__ import annotations

import json
import os
import ssl
import time
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from braindock import __version__
from braindock.clients._requests_compat import response_from_httpx
from braindock.clients.braincube import constants, instances, tools
from braindock.clients.braincube.bases.base import Base
from braindock.clients.braincube.errors import (
    AuthenticationError,
    BraincubeError,
    BraincubeNotFoundError,
    ConfigurationError,
    MissingCredentialsError,
    ResponseDecodeError,
    TransportError,
    error_for_status,
)
from braindock.clients.braincube.progress import ByteProgress

if TYPE_CHECKING:
    from braindock.clients.braincube.braincube import Braincube

__all__ = [
    "INSTANCE_KEY",
    "AlreadyExistsError",
    "Client",
    "get_instance",
    "request_ws",
    "set_instance",
]

INSTANCE_KEY = "client"

RETRY_STATUSES = frozenset({502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 30.0
USER_AGENT = f"braindock-braincube/{__version__} httpx/{httpx.__version__}"


class AlreadyExistsError(BraincubeError):
    """A singleton client is already registered (raised only by :func:`set_instance`).

    Attributes:
        message: the explanation.
    """

    def __init__(self, message: str = "a client is already registered") -> None:
        self.message = message
        super().__init__(message)


def _verify_option(verify: Any) -> bool | ssl.SSLContext:
    """Turn the ``verify`` configuration value (bool or CA bundle path, 1.1) into an httpx option."""
    if isinstance(verify, str):
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        if not os.path.exists(verify):
            raise ConfigurationError(f"verify: CA bundle {verify!r} does not exist")
        return ssl.create_default_context(cafile=verify)
    return bool(verify)


def _decode_json_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError) as exc:
        excerpt = response.text[:300]
        raise ResponseDecodeError(
            f"invalid JSON in the answer to {response.request.method} {response.request.url}: {exc}. "
            f"Response content: {excerpt!r}"
        ) from exc


def _error_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return response.text


def _encode_body(body_data: Any) -> Any:
    """Request body for ``request_ws``: text and bytes verbatim, dicts and lists as JSON (fixes 10.5)."""
    if body_data is None or isinstance(body_data, bytes | bytearray):
        return body_data
    if isinstance(body_data, str):
        return body_data.encode("utf-8")
    if isinstance(body_data, Mapping | list | tuple):
        return json.dumps(body_data).encode("utf-8")
    return body_data


class Client(Base):
    """An authenticated connection to one Braincube deployment (SSO + API).

    Constructing it resolves the configuration (braincube.md 1.2), authenticates (2.1: PAT in
    ``X-api-key``, or an OAuth2 bearer exchanged once at ``GET sso-server/ws/oauth2/session`` for
    an ``IPLSSOTOKEN`` session) and reads the access list (``GET sso-server/ws/user/me``, 2.3).

    Args:
        config_file: path of a JSON configuration file (may be pretty-printed).
        config_dict: configuration mapping; wins over ``config_file`` when non-empty. Keys:
            ``api_key`` or ``oauth2_token``; ``domain`` and/or ``sso_base_url`` +
            ``braincube_base_url``; optional ``verify`` (bool or CA bundle path).
        timeout: seconds allowed for connecting, for each read, each write and for getting a
            pooled connection; ``None`` disables timeouts.
        retries: how many times a request is retried after a connection failure or a
            502/503/504 answer (exponential backoff starting at ``backoff`` seconds).
        backoff: first retry delay in seconds (doubles each retry, capped at 8 s).
        transport: optional httpx transport (e.g. ``httpx.MockTransport`` in tests); when given,
            ``verify`` is the transport's business.

    Raises:
        ConfigNotFoundError: no configuration found (also ``FileNotFoundError``).
        MissingCredentialsError: neither ``api_key`` nor ``oauth2_token`` (also ``KeyError``).
        ConfigurationError: other configuration problems (no domain/base URL, bad CA path...).
        AuthenticationError: the SSO rejected the credentials (401).
        TransportError: the SSO could not be reached.
    """

    def __init__(
        self,
        config_file: str | os.PathLike[str] | None = None,
        config_dict: Mapping[str, Any] | None = None,
        timeout: float | None = 60,
        *,
        retries: int = 3,
        backoff: float = 0.25,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        config = tools.check_config(config_dict=config_dict, config_file=config_file)
        if constants.API_KEY not in config and constants.OAUTH2_KEY not in config:
            raise MissingCredentialsError(
                f"the configuration needs an {constants.API_KEY!r} (personal access token) "
                f"or an {constants.OAUTH2_KEY!r}"
            )
        self._config = config
        self._sso_url = tools.get_sso_base_url(config)
        self._braincube_base_url = tools.get_braincube_base_url(config)
        self._verify = config.get(constants.VERIFY_KEY, True)
        self._timeout = timeout
        self._retries = max(0, int(retries))
        self._backoff = max(0.0, float(backoff))
        super().__init__(self._sso_url)
        options: dict[str, Any] = {
            "timeout": httpx.Timeout(timeout),
            "follow_redirects": True,
            "headers": {"User-Agent": USER_AGENT},
        }
        if transport is not None:
            options["transport"] = transport
        else:
            options["verify"] = _verify_option(self._verify)
        self._http = httpx.Client(**options)
        try:
            self._authentication = self._authenticate()
            self._headers = tools.generate_header(self._authentication)
            self._braincube_infos = self._request_braincubes()
        except BaseException:
            self._http.close()
            raise

    # -- public API -----------------------------------------------------------------------------

    def __str__(self) -> str:
        return self._get_str({"domain": self._sso_url})

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections. The client must not be used afterwards."""
        self._http.close()

    @property
    def sso_base_url(self) -> str:
        """The SSO base URL in use (braincube.md 1.3)."""
        return self._sso_url

    @property
    def braincube_base_url(self) -> str:
        """The API base URL in use, possibly with a ``{braincube-name}`` placeholder (1.3, 1.5)."""
        return self._braincube_base_url

    @property
    def timeout(self) -> float | None:
        """Per-operation timeout in seconds (``None`` = none)."""
        return self._timeout

    def get_braincube_infos(self) -> dict[str, tuple[str, str, dict[str, Any]]]:
        """Braincubes of the access list: ``{name: (productId, name, access-list element)}`` (2.3)."""
        return self._braincube_infos

    def refresh_braincube_infos(self) -> dict[str, tuple[str, str, dict[str, Any]]]:
        """Re-read ``user/me`` (e.g. after a grant changed) and return the new access list."""
        self._braincube_infos = self._request_braincubes()
        return self._braincube_infos

    def has_placeholder_in_braincube_url(self) -> bool:
        """Whether ``braincube_base_url`` contains ``{braincube-name}`` (placeholder mode, 1.5)."""
        return constants.BRAINCUBE_NAME_PLACEHOLDER in self._braincube_base_url

    def get_braincube(self, name: str) -> Braincube:
        """The braincube ``name`` of this client's access list.

        Raises:
            BraincubeNotFoundError: ``name`` is not in the access list (also a ``KeyError``).
        """
        from braindock.clients.braincube.braincube import Braincube

        try:
            product_id, bc_name, metadata = self._braincube_infos[name]
        except KeyError:
            known = ", ".join(sorted(self._braincube_infos)) or "none"
            raise BraincubeNotFoundError(
                404,
                f"braincube {name!r} is not in the access list of this token (available: {known})",
                None,
                url=tools.build_url(self._sso_url, constants.USER_ME_PATH),
            ) from None
        return Braincube(product_id, bc_name, metadata, client=self)

    def get_braincube_list(self, names: list[str] | None = None) -> list[Braincube]:
        """Braincubes of the access list, in access-list order, or those named in ``names``.

        Raises:
            BraincubeNotFoundError: one of ``names`` is not in the access list.
        """
        return [self.get_braincube(name) for name in (names or list(self._braincube_infos))]

    def request_ws(
        self,
        path: str,
        headers: Mapping[str, str] | None = None,
        body_data: Any = None,
        rtype: str = "GET",
        api: bool = True,
        response_as_json: bool = True,
        braincube_name: str = "",
    ) -> Any:
        """Send a request to any path of the API or SSO server (braincube.md 6).

        Args:
            path: path relative to the base URL, may carry a ``?query`` and ``{braincube-name}``.
            headers: extra headers. Unlike the official client they are merged over the
                defaults (auth + JSON content type/accept); the auth header is only left out when
                ``headers`` carries its own ``X-api-key``, ``IPLSSOTOKEN`` or ``Authorization``.
            body_data: ``str``/``bytes`` sent verbatim; a ``dict``/``list`` is sent as JSON.
            rtype: HTTP method name, any case.
            api: ``True`` for the API base URL, ``False`` for the SSO base URL.
            response_as_json: ``True`` returns the decoded JSON; ``False`` returns the
                :class:`httpx.Response` (``.json()``, ``.text``, ``.content``, ``.status_code``).
            braincube_name: value of the ``{braincube-name}`` placeholder.

        Returns:
            The decoded JSON value or the response object.

        Raises:
            ValueError: ``rtype`` is not an HTTP method.
            ConfigurationError: the URL still needs a braincube name (placeholder mode).
            ApiError: HTTP status >= 400 (typed subclass: 400, 401, 403, 404, 409, 5xx).
            TransportError: no answer (connection failure or timeout).
            ResponseDecodeError: ``response_as_json`` and the 2xx body is not JSON.
        """
        method = rtype.upper()
        if method not in HTTP_METHODS:
            raise ValueError(f"rtype must be one of {sorted(HTTP_METHODS)}, got {rtype!r}")
        url = self._url(path, api=api, braincube_name=braincube_name)
        send_headers, own_auth = self._merge_headers(headers)
        response = self._send(
            method,
            url,
            headers=send_headers,
            content=_encode_body(body_data),
            idempotent=method in IDEMPOTENT_METHODS,
            reauth=own_auth,
        )
        return _decode_json_body(response) if response_as_json else response

    # -- internals used by the entities ---------------------------------------------------------

    def _url(self, path: str, *, api: bool = True, braincube_name: str = "") -> str:
        base = self._braincube_base_url if api else self._sso_url
        if constants.BRAINCUBE_NAME_PLACEHOLDER in base and not braincube_name:
            raise ConfigurationError(
                f"the base URL {base!r} contains {constants.BRAINCUBE_NAME_PLACEHOLDER}; "
                "pass braincube_name= to say which braincube the request is for"
            )
        return tools.build_url(base, path, braincube_name)

    def _merge_headers(self, headers: Mapping[str, str] | None) -> tuple[dict[str, str], bool]:
        if not headers:
            return dict(self._headers), True
        lowered = {key.lower() for key in headers}
        own_auth = not (lowered & constants.AUTH_HEADERS)
        merged = {
            key: value
            for key, value in self._headers.items()
            if key.lower() not in lowered and (own_auth or key.lower() not in constants.AUTH_HEADERS)
        }
        merged.update(headers)
        return merged, own_auth

    def _get_json(self, path: str, braincube_name: str = "") -> Any:
        """GET ``path`` on the API with the default headers and decode the JSON answer."""
        url = self._url(path, braincube_name=braincube_name)
        response = self._send("GET", url, headers=dict(self._headers), idempotent=True)
        return _decode_json_body(response)

    def _post_download(
        self, path: str, body: bytes, *, braincube_name: str = "", accept: str | None = None
    ) -> tuple[str, bytes]:
        """POST ``body`` (JSON) and stream the answer, with a progress bar for large bodies.

        Returns:
            ``(content type without parameters, raw body bytes)``.
        """
        url = self._url(path, braincube_name=braincube_name)
        headers = dict(self._headers)
        if accept:
            headers["Accept"] = accept
        response = self._send("POST", url, headers=headers, content=body, stream=True, idempotent=True)
        length = response.headers.get("Content-Length")
        bar = ByteProgress("braindata", int(length) if length and length.isdigit() else None)
        chunks: list[bytes] = []
        try:
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                bar.update(response.num_bytes_downloaded)
        except httpx.TimeoutException as exc:
            raise TransportError(
                f"timed out after {self._timeout} s while reading the answer of POST {url}",
                method="POST",
                url=url,
            ) from exc
        except httpx.TransportError as exc:
            raise TransportError(f"connection lost while reading POST {url}: {exc}", method="POST", url=url) from exc
        finally:
            bar.close()
            response.close()
        content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        return content_type, b"".join(chunks)

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        content: Any = None,
        stream: bool = False,
        idempotent: bool = False,
        reauth: bool = True,
    ) -> httpx.Response:
        """Send one request with retries; return a 2xx/3xx response or raise a typed error."""
        attempt = 0
        while True:
            try:
                request = self._http.build_request(method, url, headers=headers, content=content)
            except httpx.InvalidURL as exc:
                raise ConfigurationError(f"invalid URL {url!r}: {exc}") from exc
            try:
                response = self._http.send(request, stream=stream)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                if attempt < self._retries:
                    self._sleep(attempt)
                    attempt += 1
                    continue
                raise self._transport_error(exc, method, url, attempt) from exc
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                if idempotent and attempt < self._retries:
                    self._sleep(attempt)
                    attempt += 1
                    continue
                raise self._transport_error(exc, method, url, attempt) from exc
            except httpx.TransportError as exc:
                raise self._transport_error(exc, method, url, attempt) from exc

            status = response.status_code
            if status in RETRY_STATUSES and attempt < self._retries and (idempotent or status == 503):
                delay = self._retry_after(response)
                response.close()
                self._sleep(attempt, delay)
                attempt += 1
                continue
            if status == 401 and reauth and self._can_reauthenticate():
                response.close()
                self._authentication = self._exchange_oauth2_token()
                self._headers = tools.generate_header(self._authentication)
                headers = {k: v for k, v in headers.items() if k.lower() not in constants.AUTH_HEADERS}
                headers.update(self._authentication)
                reauth = False
                continue
            if status >= 400:
                try:
                    if stream:
                        response.read()
                    body = _error_body(response)
                except httpx.TransportError:
                    body = ""
                finally:
                    response.close()
                raise error_for_status(status, body, method=method, url=url, response=response_from_httpx(response))
            return response

    def _transport_error(self, exc: httpx.TransportError, method: str, url: str, attempts: int) -> TransportError:
        if isinstance(exc, httpx.TimeoutException):
            message = f"{type(exc).__name__}: no answer within {self._timeout} s for {method} {url}"
        else:
            message = f"{type(exc).__name__} for {method} {url}: {exc}"
        if attempts:
            message += f" (gave up after {attempts} retries)"
        return TransportError(message, method=method, url=url)

    def _sleep(self, attempt: int, delay: float | None = None) -> None:
        if delay is None:
            delay = min(MAX_BACKOFF, self._backoff * (2**attempt))
        if delay > 0:
            time.sleep(delay)

    @staticmethod
    def _retry_after(response: httpx.Response) -> float | None:
        value = response.headers.get("Retry-After", "")
        try:
            return min(MAX_RETRY_AFTER, max(0.0, float(value)))
        except ValueError:
            return None

    def _can_reauthenticate(self) -> bool:
        return constants.API_KEY not in self._config and constants.SSO_TOKEN_HEADER in self._authentication

    def _authenticate(self) -> dict[str, str]:
        """Pick the auth header (2.1): the PAT when ``api_key`` is present, else an OAuth2 session."""
        if constants.API_KEY in self._config:
            return {constants.PAT_HEADER: str(self._config[constants.API_KEY])}
        return self._exchange_oauth2_token()

    def _exchange_oauth2_token(self) -> dict[str, str]:
        """``GET sso-server/ws/oauth2/session`` with the bearer token, keep ``token`` (2.1)."""
        bearer = {constants.AUTHORIZATION_HEADER: f"Bearer {self._config[constants.OAUTH2_KEY]}"}
        url = self._url(constants.OAUTH2_SESSION_PATH, api=False)
        answer = _decode_json_body(self._send("GET", url, headers=bearer, idempotent=True, reauth=False))
        if not isinstance(answer, dict) or not isinstance(answer.get("token"), str):
            raise AuthenticationError(401, "the OAuth2 session exchange returned no 'token'", answer, url=url)
        return {constants.SSO_TOKEN_HEADER: answer["token"]}

    def _request_braincubes(self) -> dict[str, tuple[str, str, dict[str, Any]]]:
        """Read the access list from ``user/me`` (2.3): ``{name: (productId, name, element)}``."""
        url = self._url(constants.USER_ME_PATH, api=False)
        answer = _decode_json_body(self._send("GET", url, headers=dict(self._authentication), idempotent=True))
        if not isinstance(answer, dict) or not isinstance(answer.get("accessList"), list):
            raise ResponseDecodeError(f"GET {url} did not return an object with an 'accessList' array")
        infos: dict[str, tuple[str, str, dict[str, Any]]] = {}
        for element in answer["accessList"]:
            try:
                product = element["product"]
                name, product_id = product["name"], product["productId"]
            except (KeyError, TypeError):
                raise ResponseDecodeError(f"access-list element without product.name/productId: {element!r}") from None
            if name in infos:
                warnings.warn(f"braincube {name!r} appears twice in the access list; the last wins", stacklevel=3)
            infos[name] = (product_id, name, element)
        return infos


def get_instance(
    config_file: str | os.PathLike[str] | None = None, config_dict: Mapping[str, Any] | None = None
) -> Client:
    """Return the process-wide client, creating and registering it on first use (section 8).

    Later calls return the same client and ignore their arguments, like the official client.
    Store ``None`` under ``instances.instances["client"]`` to start over.

    Raises:
        The construction errors of :class:`Client` (nothing is registered then).
    """
    existing = instances.get_instance(INSTANCE_KEY)
    if existing is None:
        existing = Client(config_file=config_file, config_dict=config_dict)
        instances.add_instance(INSTANCE_KEY, existing)
    return existing


def set_instance(client: Client | None, *, replace: bool = False) -> None:
    """Register ``client`` as the process-wide singleton used by module-level functions.

    Args:
        client: the client to register, or ``None`` to unregister.
        replace: allow replacing an already registered, different client.

    Raises:
        AlreadyExistsError: another client is registered and ``replace`` is false.
    """
    existing = instances.get_instance(INSTANCE_KEY)
    if client is not None and existing is not None and existing is not client and not replace:
        raise AlreadyExistsError("a client is already registered; pass replace=True to swap it")
    instances.add_instance(INSTANCE_KEY, client)


def request_ws(
    path: str,
    headers: Mapping[str, str] | None = None,
    body_data: Any = None,
    rtype: str = "GET",
    api: bool = True,
    response_as_json: bool = True,
    braincube_name: str = "",
) -> Any:
    """:meth:`Client.request_ws` on the singleton client (created from config files if needed)."""
    return get_instance().request_ws(path, headers, body_data, rtype, api, response_as_json, braincube_name)
