"""Exceptions of the NeuroSpeed SDK (``shared/reference/neurospeed.md`` 9.1-9.5: raise, don't print).

Hierarchy::

    NeuroSpeedError
    ├── ConfigError                   a credentials/api_config dict lacks a key (also a KeyError)
    ├── AuthenticationError           login or refresh refused (server message kept)
    │   └── UnauthorizedError         HTTP 401 still answered after one refresh (also a NeuroSpeedHTTPError)
    ├── NeuroSpeedHTTPError(status, message, body, method, url)
    │   ├── ValidationError           400 (also a ValueError)
    │   ├── UnauthorizedError         401
    │   ├── PermissionDenied          403
    │   ├── NotFound                  404
    │   ├── Conflict                  409 (active recorder, export not ready, ...)
    │   ├── PayloadTooLarge           413
    │   └── ServerError               5xx after the retries
    ├── ConnectionError               no HTTP answer / socket could not connect (also builtin ConnectionError)
    │   ├── TimeoutError              no answer in time (also builtin TimeoutError)
    │   ├── SocketConnectionError     Socket.IO refusal; ``message`` is the server's reason (6.4)
    │   └── NotConnectedError         ``send_data_direct`` on a disconnected HIA
    ├── BackgroundError               an exception in a background thread (callback, sender, reconnection)
    ├── RecorderError                 a recorder never reached the expected status (4.5)
    └── ExportError                   an exporter failed or did not finish in time; bad download (5.4)

Every HTTP error carries ``status``, the server's ``message`` (the ``message`` of the NestJS-style body
``{"statusCode", "message", "error"}``, 2.7) and the decoded ``body``. It is also a
:class:`requests.HTTPError` whose ``response`` is a :class:`requests.Response` of the answer
(``err.response.status_code``, ``.text``, ``.json()``, ``.headers``, ``.url``): the contract the official
client's own code relies on (it catches ``requests.HTTPError`` and reads ``e.response``, 2.6, 9.1). That
``response`` is a clean copy: no request headers or body (no token), no query string, no ``Set-Cookie``. As every
:class:`requests.RequestException`, a :class:`NeuroSpeedHTTPError` is also an :class:`OSError`, so an
``except OSError`` block catches API error answers too.
"""

from __future__ import annotations

import builtins
import json
from typing import Any

import httpx
import requests

from braindock.clients._requests_compat import CleanHTTPError, response_from_httpx

__all__ = [
    "AuthenticationError",
    "BackgroundError",
    "ConfigError",
    "Conflict",
    "ConnectionError",
    "ExportError",
    "NeuroSpeedError",
    "NeuroSpeedHTTPError",
    "NotConnectedError",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "RecorderError",
    "ServerError",
    "SocketConnectionError",
    "TimeoutError",
    "UnauthorizedError",
    "ValidationError",
    "error_for_response",
]


class NeuroSpeedError(Exception):
    """Base class of every error raised by the NeuroSpeed SDK."""


class ConfigError(NeuroSpeedError, KeyError):
    """A credentials or ``api_config`` dict misses a required key (the official client raised ``KeyError``)."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class AuthenticationError(NeuroSpeedError):
    """Login or token refresh refused; ``message`` is the server's reason (e.g. ``Invalid credentials``)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class NeuroSpeedHTTPError(NeuroSpeedError, CleanHTTPError):
    """An HTTP error answer (status >= 400); also a :class:`requests.HTTPError`.

    Attributes:
        status: HTTP status code.
        message: the server's human-readable message (``body["message"]``, else the text).
        body: decoded body (dict/list) or raw text.
        method, url: the request.
        response: the answer as a :class:`requests.Response` (``status_code``, ``text``, ``json()``,
            ``headers``, ``url``); built from ``status``/``body`` when no answer is given.
        request: ``response.request`` (method and URL only).
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
        where = f" ({method} {url})" if method or url else ""
        self._attach_answer(
            f"HTTP {status}{where}: {message}" if message else f"HTTP {status}{where}",
            response=response,
            status=status,
            body=body,
            url=url,
            method=method,
        )
        self.status = status
        self.message = message
        self.body = body
        self.method = method
        self.url = url

    @property
    def status_code(self) -> int:
        """Alias of :attr:`status` (``requests`` spelling)."""
        return self.status


class ValidationError(NeuroSpeedHTTPError, ValueError):
    """400: the server refused the input; ``message`` names the field."""


class UnauthorizedError(NeuroSpeedHTTPError, AuthenticationError):
    """401 from a protected endpoint even after refreshing the access token once (2.6)."""


class PermissionDenied(NeuroSpeedHTTPError):
    """403: e.g. a user token on a customer-only endpoint, or a forged/expired download link."""


class NotFound(NeuroSpeedHTTPError):
    """404: unknown user/recorder/exporter, or one of another customer; HIA not connected (SSR)."""


class Conflict(NeuroSpeedHTTPError):
    """409: the user already has an active recorder, a recorder without packets, export not ready..."""


class PayloadTooLarge(NeuroSpeedHTTPError):
    """413: e.g. a downlink payload over 64 KiB."""


class ServerError(NeuroSpeedHTTPError):
    """5xx answered after the retries were exhausted."""


class ConnectionError(NeuroSpeedError, builtins.ConnectionError):  # noqa: A001 - the brief's name
    """The server could not be reached, or a Socket.IO connection failed."""


class TimeoutError(ConnectionError, builtins.TimeoutError):  # noqa: A001
    """The server did not answer within the configured timeout."""


class SocketConnectionError(ConnectionError):
    """A Socket.IO path refused the connection; ``message`` is the server's reason (6.4), e.g.
    ``invalid sensors_info: stream EEG_X: channel_map has 3 names, channel_count is 4``."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path


class NotConnectedError(ConnectionError):
    """``send_data_direct`` was called while the HIA is not connected (the official client dropped the data)."""


class BackgroundError(NeuroSpeedError):
    """An exception raised in a background thread of a socket handler (a user callback, the HIA sender, a
    reconnection whose credentials were refused), re-raised on the next call when no error handler took it
    (9.3: the official client's threads died silently). The original exception is ``__cause__`` and
    :attr:`error`; :attr:`where` names the thread's task (e.g. ``callback user_data_external_handler``)."""

    def __init__(self, where: str, error: BaseException) -> None:
        super().__init__(f"{where}: {type(error).__name__}: {error}")
        self.where = where
        self.error = error
        self.__cause__ = error


class RecorderError(NeuroSpeedError):
    """A recorder did not reach the expected status in time (``start_recording``/``stop_recording``)."""


class ExportError(NeuroSpeedError):
    """An exporter ended ``failed`` (``message`` = the server's error), timed out, or the download failed."""


_BY_STATUS: dict[int, type[NeuroSpeedHTTPError]] = {
    400: ValidationError,
    401: UnauthorizedError,
    403: PermissionDenied,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
}


def decode_body(response: httpx.Response) -> Any:
    """The JSON body of ``response``, or its text when it is not JSON (``None`` when empty)."""
    if not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return response.text


def message_of(body: Any) -> str:
    """The server's message in an error ``body`` (``message``, ``detail`` or the text), at most 500 chars."""
    if isinstance(body, dict):
        for key in ("message", "detail", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, list) and value:
                return "; ".join(str(v) for v in value)
        return json.dumps(body)[:500]
    return str(body or "").strip()[:500]


def error_for_response(response: httpx.Response) -> NeuroSpeedHTTPError:
    """The typed exception for an error ``response`` (not raised); its URLs leave out the query string."""
    status = response.status_code
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else NeuroSpeedHTTPError)
    body = decode_body(response)
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:
        request = None
    url = str(request.url.copy_with(query=None)) if request is not None else ""
    method = request.method if request is not None else ""
    return cls(status, message_of(body), body, method=method, url=url, response=response_from_httpx(response))
