"""Typed exceptions raised by the braindock Braincube SDK.

Every exception derives from :class:`BraincubeError`, so ``except BraincubeError`` catches
everything the SDK raises on purpose. The tree::

    BraincubeError
    ├── ConfigurationError              bad or missing configuration (section 1 of braincube.md)
    │   ├── ConfigNotFoundError         also a FileNotFoundError, like the official client
    │   └── MissingCredentialsError     also a KeyError, like the official client
    ├── TransportError                  network failure or timeout; no HTTP answer was received
    ├── ResponseDecodeError             a 2xx answer whose body could not be decoded (also ValueError)
    ├── WireFormatError                 wire_format="arrow" was forced but the server sent JSON
    └── ApiError(status, message, body) the server answered with an HTTP status >= 400
        ├── BadRequestError             400: malformed filter or body
        ├── AuthenticationError         401: missing, invalid or revoked credentials
        ├── PermissionDeniedError       403: braincube or memory base not granted
        ├── NotFoundError               404: unknown braincube, memory base or entity
        │   └── BraincubeNotFoundError  name absent from the access list (also a KeyError)
        ├── ConflictError               409
        └── ServerError                 5xx (after retries for 502/503/504)

The error bodies follow the braindock contract ``{"error": <code>, "message": <text>}``
(``shared/reference/braincube.md`` 2.4 and 9.16 recommend JSON error bodies); the
``message`` member is copied into the exception text. Other Braincube servers may send
anything; the first 300 characters of a non-JSON body are used instead.

:class:`ApiError` is also a :class:`requests.HTTPError` with the answer in ``response`` (a
:class:`requests.Response`): braincube-connector 2.8.0 calls ``raise_for_status()`` on every answer
(``braincube.md`` 2.4), so scripts catch ``requests.HTTPError`` and read ``err.response.status_code``.
That ``response`` is a clean copy: no request headers or body (no token), no query string, no ``Set-Cookie``.
As every :class:`requests.RequestException`, an :class:`ApiError` is also an :class:`OSError`, so an
``except OSError`` block catches API error answers too.
"""

from __future__ import annotations

from typing import Any

import requests

from braindock.clients._requests_compat import CleanHTTPError

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "BraincubeError",
    "BraincubeNotFoundError",
    "ConfigNotFoundError",
    "ConfigurationError",
    "ConflictError",
    "MissingCredentialsError",
    "NotFoundError",
    "PermissionDeniedError",
    "ResponseDecodeError",
    "ServerError",
    "TransportError",
    "WireFormatError",
    "error_for_status",
]


class BraincubeError(Exception):
    """Base class of every exception raised on purpose by this SDK."""


class ConfigurationError(BraincubeError):
    """The client configuration is missing, unreadable or inconsistent (braincube.md 1.1-1.5)."""


class ConfigNotFoundError(ConfigurationError, FileNotFoundError):
    """No configuration was found (explicit file missing, or none of the default files exist).

    Also a :class:`FileNotFoundError`, which is what the official client raises here.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "configuration not found"


class MissingCredentialsError(ConfigurationError, KeyError):
    """The configuration has neither ``api_key`` nor ``oauth2_token`` (braincube.md 1.1).

    Also a :class:`KeyError`, which is what the official client raises here.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "no credentials in the configuration"


class TransportError(BraincubeError):
    """The request did not get an HTTP answer: connection refused, DNS failure, TLS error or timeout.

    Attributes:
        method: HTTP method of the failed request.
        url: full URL of the failed request.
    """

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class ResponseDecodeError(BraincubeError, ValueError):
    """A successful (2xx) answer whose body is not what the protocol promises (e.g. not JSON)."""


class WireFormatError(BraincubeError):
    """``wire_format="arrow"`` was forced but the server did not answer with an Arrow stream."""


class ApiError(BraincubeError, CleanHTTPError):
    """The server answered with an HTTP status >= 400; also a :class:`requests.HTTPError`.

    Attributes:
        status: the HTTP status code, e.g. ``404``.
        message: the server's human-readable ``message`` member (or a body excerpt).
        body: the decoded JSON error body (a dict) when there was one, else the raw text.
        method: HTTP method of the request.
        url: full URL of the request.
        code: the server's machine-readable ``error`` member, when present.
        response: the answer as a :class:`requests.Response` (``status_code``, ``text``, ``json()``,
            ``headers``, ``url``); built from ``status``/``body`` when none is given.
        request: ``response.request`` (method and URL without query string only).
    """

    def __init__(
        self,
        status: int,
        message: str,
        body: Any = None,
        *,
        method: str = "",
        url: str = "",
        response: requests.Response | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.body = body
        self.method = method
        self.url = url
        self.code = body.get("error") if isinstance(body, dict) else None
        self._attach_answer(response=response, status=status, body=body, url=url, method=method)
        self.args = (status, message, body)

    def __str__(self) -> str:
        where = f" on {self.method} {self.url}" if self.url else ""
        return f"HTTP {self.status}{where}: {self.message}"


class BadRequestError(ApiError):
    """400: the server rejected the request, typically a malformed filter (section 5)."""


class AuthenticationError(ApiError):
    """401: the token is missing, invalid, expired or revoked (section 2)."""


class PermissionDeniedError(ApiError):
    """403: valid credentials, but the braincube or memory base is not granted (2.4)."""


class NotFoundError(ApiError):
    """404: unknown braincube, memory base, variable or other entity (3.2)."""


class BraincubeNotFoundError(NotFoundError, KeyError):
    """The braincube name is not in the caller's access list (``user/me``, braincube.md 2.3).

    Raised without any HTTP call by ``get_braincube(name)``; also a :class:`KeyError`, which is
    what the official client raises here. ``status`` is 404.
    """

    def __str__(self) -> str:
        return ApiError.__str__(self)


class ConflictError(ApiError):
    """409: the request conflicts with the current state (authoring endpoints)."""


class ServerError(ApiError):
    """5xx: the server failed (502/503/504 are only raised after the retries are used up)."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
}


def error_for_status(
    status: int, body: Any, *, method: str = "", url: str = "", response: requests.Response | None = None
) -> ApiError:
    """Build the typed :class:`ApiError` for an HTTP error answer.

    Args:
        status: HTTP status code (>= 400).
        body: decoded JSON body (dict) or the raw text of the answer.
        method: HTTP method, for the message.
        url: request URL, for the message.
        response: the answer as a :class:`requests.Response` (default: built from ``status`` and ``body``).

    Returns:
        An instance of the :class:`ApiError` subclass matching ``status``.
    """
    if isinstance(body, dict):
        message = body.get("message") or body.get("error") or body.get("detail") or str(body)
        if not isinstance(message, str):
            message = str(message)
        if isinstance(body.get("path"), str) and body["path"] not in message:
            message = f"{message} (at {body['path']})"
    else:
        text = str(body or "").strip()
        message = text[:300] if text else "no error message in the response"
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else ApiError)
    return cls(status, message, body, method=method, url=url, response=response)
