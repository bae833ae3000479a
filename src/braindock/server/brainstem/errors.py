"""BrainSTEM error bodies (``brainstem.md`` 3.3.3 and 2.5).

The protocol follows the Django REST framework convention: validation errors map each field to a
list of messages (``{"name": ["This field is required."]}``, non-field problems under
``non_field_errors``), every other error is ``{"detail": "<message>"}``. These classes subclass the
shared :class:`~braindock.server.errors.ApiError`, so the app-wide handler would still render them;
the BrainSTEM routes render them themselves (with the ``WWW-Authenticate`` header on 401).
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from braindock.server.errors import ApiError


class BrainstemError(ApiError):
    """An error answered as ``{"detail": message}`` with ``status``."""

    def __init__(self, status: int, detail: str, code: str = "error") -> None:
        super().__init__(status, code, detail)

    def body(self) -> dict[str, Any]:
        """The DRF-style body ``{"detail": message}`` (``brainstem.md`` 3.3.3)."""
        return {"detail": self.message}

    def headers(self) -> dict[str, str]:
        """Extra response headers; none by default."""
        return {}

    def response(self) -> JSONResponse:
        """A :class:`JSONResponse` with :meth:`body`, ``status`` and :meth:`headers`."""
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers() or None)


class Invalid(BrainstemError):
    """400 with per-field messages: ``{"<field>": ["<message>", ...], ...}``.

    Args:
        errors: field name (or ``non_field_errors``) to a list of messages.
    """

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        first = next(iter(errors.items()), ("non_field_errors", ["invalid"]))
        super().__init__(400, f"{first[0]}: {first[1][0]}", "invalid")

    def body(self) -> dict[str, Any]:
        """The per-field body ``{"<field>": ["<message>", ...]}`` (``brainstem.md`` 3.3.3)."""
        return dict(self.errors)


def invalid(field: str, message: str) -> Invalid:
    """A 400 naming one field."""
    return Invalid({field: [message]})


class BadQuery(BrainstemError):
    """400 for a malformed query parameter (filter, sort, include, limit, offset)."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, detail, "bad_request")


class NotAuthenticated(BrainstemError):
    """401 on ``private``/``super`` without a valid token; carries ``WWW-Authenticate: Bearer``."""

    def __init__(self, detail: str = "Authentication credentials were not provided.") -> None:
        super().__init__(401, detail, "unauthorized")

    def headers(self) -> dict[str, str]:
        """``WWW-Authenticate: Bearer realm="api"`` (``brainstem.md`` 2.5)."""
        return {"WWW-Authenticate": 'Bearer realm="api"'}


class PermissionDenied(BrainstemError):
    """403: the caller may see the record but not do this."""

    def __init__(self, detail: str = "You do not have permission to perform this action.") -> None:
        super().__init__(403, detail, "forbidden")


class NotFound(BrainstemError):
    """404: unknown URL, unknown model, or a record the caller may not see on this portal."""

    def __init__(self, detail: str = "Not found.") -> None:
        super().__init__(404, detail, "not_found")


class MethodNotAllowed(BrainstemError):
    """405: e.g. any write on the ``public`` portal, ``POST`` of a user."""

    def __init__(self, method: str, why: str = "") -> None:
        super().__init__(405, f'Method "{method}" not allowed.' + (f" {why}" if why else ""), "method_not_allowed")
