"""Exceptions of the BrainSTEM SDK (``brainstem.md`` 2.5, 3.3.3).

Hierarchy::

    BrainstemError
    ├── AuthenticationError            login failed / no token (name kept from client 2.0.0)
    │   ├── LoginError                 password login refused (name kept from client 0.2.0)
    │   └── UnauthorizedError          HTTP 401 (also a BrainstemHTTPError)
    ├── BrainstemHTTPError(status, messages)
    │   ├── BadRequestError            400; ``field_errors`` = {"field": ["message", ...]}
    │   ├── UnauthorizedError          401
    │   ├── PermissionDeniedError      403
    │   ├── NotFoundError              404
    │   ├── MethodNotAllowedError      405
    │   └── ServerError                5xx
    └── BrainstemTransportError        no HTTP answer
        ├── BrainstemConnectionError   (also a builtin ConnectionError)
        └── BrainstemTimeoutError      (also a builtin TimeoutError)

``messages`` is the decoded error body: ``{"detail": "..."}`` for most errors, a field → message
list mapping for validation errors, or the raw text when the body is not JSON.

Every :class:`BrainstemHTTPError` is also a :class:`requests.HTTPError` (what ``response.raise_for_status()``
raises for scripts of the official clients, whose calls return ``requests.Response`` objects, ``brainstem.md``
3.3.3), and its ``response`` answers ``status_code``, ``text``, ``json()``, ``headers`` and ``url``. That
``response`` is a clean :class:`requests.Response` copy of the answer: no request headers or body (no
``Authorization: Bearer`` token), no query string, no ``Set-Cookie``. As every
:class:`requests.RequestException`, a :class:`BrainstemHTTPError` is also an :class:`OSError`, so an
``except OSError`` block catches API error answers too.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from braindock.clients._requests_compat import CleanHTTPError

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "BrainstemConnectionError",
    "BrainstemError",
    "BrainstemHTTPError",
    "BrainstemTimeoutError",
    "BrainstemTransportError",
    "LoginError",
    "MethodNotAllowedError",
    "NotFoundError",
    "PermissionDeniedError",
    "ServerError",
    "UnauthorizedError",
    "error_for_response",
]


class BrainstemError(Exception):
    """Base class of every error raised by the BrainSTEM SDK."""


class AuthenticationError(BrainstemError):
    """No usable token: login refused, device flow denied/expired, or (subclass) an HTTP 401."""


class LoginError(AuthenticationError):
    """The password → token endpoint (2.2) refused the e-mail/password."""

    def __init__(self, message: str = "User/password combination incorrect or user does not exist") -> None:
        super().__init__(message)


def _decode(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return response.text


class BrainstemHTTPError(BrainstemError, CleanHTTPError):
    """An HTTP error answer (status >= 400); also a :class:`requests.HTTPError`.

    Attributes:
        status: HTTP status code.
        messages: decoded body — ``{"detail": str}``, ``{"<field>": [str, ...]}`` or text.
        method, url: the request.
        response: a clean :class:`requests.Response` copy of the answer (``status_code``, ``text``, ``json()``,
            ``headers``, ``url``; no request headers/body, no query string, no ``Set-Cookie``), built from
            ``status``/``messages`` when none is given.
        request: ``response.request`` (method and URL without query string only).
    """

    def __init__(
        self,
        status: int,
        messages: Any = None,
        *,
        method: str = "",
        url: str = "",
        response: Any = None,
    ) -> None:
        self.status = status
        self.messages = messages
        self.method = method
        self.url = url
        self._attach_answer(self._text(), response=response, status=status, body=messages, url=url, method=method)

    @property
    def status_code(self) -> int:
        """Alias of :attr:`status` (``requests`` spelling)."""
        return self.status

    @property
    def detail(self) -> str:
        """The server's human-readable message (``detail``, else all messages joined)."""
        messages = self.messages
        if isinstance(messages, dict):
            if isinstance(messages.get("detail"), str):
                return messages["detail"]
            parts = []
            for key, value in messages.items():
                values = value if isinstance(value, list) else [value]
                parts.append(f"{key}: {'; '.join(str(v) for v in values)}")
            return " | ".join(parts)
        if isinstance(messages, list):
            return "; ".join(str(m) for m in messages)
        return str(messages or "").strip()[:500]

    def _text(self) -> str:
        where = f" ({self.method} {self.url})" if self.method or self.url else ""
        detail = self.detail
        return f"HTTP {self.status}{where}" + (f": {detail}" if detail else "")


class BadRequestError(BrainstemHTTPError):
    """400: validation error or bad query parameter.

    ``field_errors`` maps each offending field (or ``non_field_errors`` / ``detail``) to its list of
    messages, e.g. ``{"name": ["This field is required."]}``.
    """

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """Messages by field: ``{field: [message, ...]}``; a non-dict body goes under ``non_field_errors``."""
        messages = self.messages
        if isinstance(messages, dict):
            return {k: (v if isinstance(v, list) else [v]) for k, v in messages.items()}
        return {"non_field_errors": [str(messages)]} if messages else {}


class UnauthorizedError(BrainstemHTTPError, AuthenticationError):
    """401: missing, invalid, expired or revoked token on the private/super portal."""


class PermissionDeniedError(BrainstemHTTPError):
    """403: authenticated but not allowed (or a token without the BRAINSTEM scope)."""


class NotFoundError(BrainstemHTTPError):
    """404: unknown URL/model, or a record that does not exist or is not visible on this portal."""


class MethodNotAllowedError(BrainstemHTTPError):
    """405: e.g. a write on the read-only public portal."""


class ServerError(BrainstemHTTPError):
    """5xx answered after the retries were exhausted."""


class BrainstemTransportError(BrainstemError):
    """The server could not be reached or did not answer in time (no HTTP status)."""


class BrainstemConnectionError(BrainstemTransportError, ConnectionError):
    """Connecting or talking to the server failed."""


class BrainstemTimeoutError(BrainstemTransportError, TimeoutError):
    """The server did not answer within the configured timeout."""


_BY_STATUS: dict[int, type[BrainstemHTTPError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
}


def error_for_response(response: httpx.Response, wrapper: Any = None) -> BrainstemHTTPError:
    """The typed exception for an error ``response`` (not raised)."""
    status = response.status_code
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else BrainstemHTTPError)
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:  # a response built without a request
        request = None
    return cls(
        status,
        _decode(response),
        method=request.method if request is not None else "",
        url=str(request.url.copy_with(query=None)) if request is not None else "",  # no query string, as NeuroSpeed
        response=wrapper if wrapper is not None else response,
    )
