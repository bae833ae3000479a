"""NeuroSpeed error bodies: ``{"statusCode": <int>, "message": <text>, "error": <reason>}`` (``neurospeed.md`` 2.7, D3).

They are :class:`~braindock.server.errors.ApiError` subclasses, so the app's shared handler renders them.
``"message": "Unauthorized"`` is reserved for an invalid or expired access token on a protected endpoint
(:class:`NsUnauthorized`): it is the one body that makes the official client refresh and retry (2.6).
Login and refresh failures use other messages so that the client never loops on the refresh endpoint.
"""

from __future__ import annotations

from braindock.server.errors import ApiError

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Payload Too Large",
    501: "Not Implemented",
}


class NsError(ApiError):
    """An error with a NestJS-style body (``statusCode``, ``message``, ``error``)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, _REASONS.get(status, "Error"), message, statusCode=status)


class NsUnauthorized(NsError):
    """401 ``{"message": "Unauthorized"}``: missing, invalid or expired access token (triggers a client refresh)."""

    def __init__(self) -> None:
        super().__init__(401, "Unauthorized")


class NsBadCredentials(NsError):
    """401 for a failed login (message deliberately not ``Unauthorized``, 2.6 rule 4)."""

    def __init__(self) -> None:
        super().__init__(401, "Invalid credentials")


class NsBadRefresh(NsError):
    """401 for an unusable refresh token (never ``Unauthorized``: the client would recurse, 2.6 rule 3)."""

    def __init__(self) -> None:
        super().__init__(401, "Refresh token expired or invalid")


class NsBadRequest(NsError):
    """400 ``Bad Request`` with ``message`` (``neurospeed.md`` 2.7)."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message)


class NsForbidden(NsError):
    """403 ``Forbidden`` with ``message`` (``neurospeed.md`` 2.7)."""

    def __init__(self, message: str) -> None:
        super().__init__(403, message)


class NsNotFound(NsError):
    """404 ``Not Found`` with ``message`` (``neurospeed.md`` 2.7)."""

    def __init__(self, message: str) -> None:
        super().__init__(404, message)


class NsConflict(NsError):
    """409 ``Conflict`` with ``message`` (``neurospeed.md`` 2.7)."""

    def __init__(self, message: str) -> None:
        super().__init__(409, message)


class NsTooLarge(NsError):
    """413 ``Payload Too Large`` with ``message`` (``neurospeed.md`` 2.7)."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message)
