"""``UserRoom_Recorder_Handler``: recorder control (``neurospeed.md`` 3.6, 4; manual 6.3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from braindock.clients.neurospeed.api_http_handlers._common import HttpHandlerBase, as_id, pager

__all__ = ["UserRoom_Recorder_Handler"]

STATUSES = ("paused", "pending", "stopped")


class UserRoom_Recorder_Handler(HttpHandlerBase):  # noqa: N801 - official name
    """Create, list, change and delete recorders of the customer's users (customer token).

    Recorder objects (4.1) hold ``id``, ``status`` (``pending``/``recording``/``paused``/``stopped``),
    ``recorder_name``, ``packets_count``, ``stream_ids``, ``columns``, ``experiment_labels``,
    ``minimum_timestamp``/``maximum_timestamp`` (epoch s), ``is_active``, ``created_at``/``updated_at``.
    Errors raise the typed exceptions (404 unknown user/recorder, 409 active recorder exists...).
    """

    NEEDS_ROLE = "customer"

    def create_recorder(self, username: str, recorder_name: str | None = None) -> dict[str, Any]:
        """Start recording ``username``'s streams; the recorder is ``recording`` at once on braindock.

        Raises:
            NotFound: unknown user. Conflict: the user has a recorder that is not stopped.
        """
        body = {"username": username, "recorder_name": recorder_name, "unlimited": "true"}
        return self._http.POST_request("/gateway/recorder", body)

    def update_recorder(self, recorder_id: Any, status: str) -> dict[str, Any]:
        """Set the status: ``paused``, ``pending`` (resume a paused recorder) or ``stopped`` (final, 4.2).

        Raises:
            ValueError: another status (``recording`` cannot be forced). Conflict: the recorder is stopped.
        """
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        return self._http.PUT_request("/gateway/recorder", {"status": status}, {"id": str(recorder_id)})

    def list_recorders(
        self,
        page_number: Any = 1,
        page_size: int = 50,
        filters: Mapping[str, Any] | None = None,
        *,
        username: str | None = None,
    ) -> dict[str, Any]:
        """Pager envelope of recorders (``["pager"]["items"]``, newest first).

        ``filters={"username": ...}`` or ``username=`` keeps one user's; a non-numeric first argument is taken
        as the username (the manual's ``list_recorders(username)``).
        """
        if isinstance(page_number, str) and not page_number.isdigit():
            username, page_number = page_number, 1
        filters = dict(filters or {})
        if username is not None:
            filters["username"] = username
        return self._http.POST_request("/gateway/recorder/list", pager(page_number, page_size, filters))

    def get_recorder(self, recorder_id: Any) -> dict[str, Any]:
        """One recorder (deleted ones answer ``status: "stopped"``, 4.6)."""
        return self._http.GET_request(f"/gateway/recorder/{as_id(recorder_id)}")

    def delete_recorder(self, recorder_id: Any) -> Any:
        """Soft-delete (stops it and removes its data) → ``True``."""
        return self._http.DELETE_request("/gateway/recorder", {"recorder_id": str(recorder_id)})
