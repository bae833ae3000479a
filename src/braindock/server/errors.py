"""Errors every protocol raises, and the JSON body they turn into.

Every error response has the body ``{"error": <code>, "message": <text>}`` (plus optional
``"field"``/``"path"`` members), so both the official clients (which only look at the status)
and our SDKs (which raise typed exceptions carrying ``message``) get something useful.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("braindock.errors")


class ApiError(Exception):
    """An error with an HTTP status and a message meant for the caller.

    Args:
        status: HTTP status code (4xx for the caller's mistakes).
        code: short machine-readable code, e.g. ``"not_found"``.
        message: a sentence naming the offending field, filter or entity.
        extra: extra JSON members merged into the body (e.g. ``{"path": "filter.AND[1]"}``).
    """

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body ``{"error": code, "message": message, **extra}``."""
        return {"error": self.code, "message": self.message, **self.extra}


class BadRequest(ApiError):
    """400 ``bad_request``: a malformed request; ``extra`` members (e.g. ``field``, ``path``) go into the body."""

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(400, "bad_request", message, **extra)


class Unauthorized(ApiError):
    """401 ``unauthorized``: missing, unknown, revoked or expired credentials."""

    def __init__(self, message: str = "missing or invalid credentials") -> None:
        super().__init__(401, "unauthorized", message)


class Forbidden(ApiError):
    """403 ``forbidden``: authenticated, but not allowed to do this."""

    def __init__(self, message: str) -> None:
        super().__init__(403, "forbidden", message)


class NotFound(ApiError):
    """404 ``not_found``: the named entity does not exist (or the caller may not see it)."""

    def __init__(self, message: str) -> None:
        super().__init__(404, "not_found", message)


class Conflict(ApiError):
    """409 ``conflict``: the request clashes with the stored state (name taken, entity still in use)."""

    def __init__(self, message: str) -> None:
        super().__init__(409, "conflict", message)


def install_error_handlers(app: FastAPI) -> None:
    """Turn every error into a JSON body; never leak a stack trace to the caller."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(part) for part in err.get("loc", ()) if part != "body")
            problems.append(f"{loc}: {err.get('msg')}")
        return JSONResponse(
            {"error": "bad_request", "message": "; ".join(problems) or "invalid request"},
            status_code=400,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse({"error": code, "message": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"error": "internal", "message": "internal server error; see the server log"}, status_code=500
        )
