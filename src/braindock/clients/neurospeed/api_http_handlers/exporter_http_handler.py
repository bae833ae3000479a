"""``UserRoom_Recorder_Exporter_Handler``: recorder → CSV exports (``neurospeed.md`` 3.7, 5; manual 7.3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from braindock.clients.neurospeed.api_http_handlers._common import HttpHandlerBase, as_id, pager

__all__ = ["UserRoom_Recorder_Exporter_Handler"]


class UserRoom_Recorder_Exporter_Handler(HttpHandlerBase):  # noqa: N801 - official name
    """Create, poll, download and delete exporters (customer token).

    ``exporter_config`` (5.1): ``custom_name``, ``start_timestamp_mode`` (``start``/``custom_value``),
    ``end_timestamp_mode`` (``end``/``custom_value``/``interval_minutes``) are required; optional
    ``custom_start_timestamp``/``custom_end_timestamp`` (epoch s), ``custom_timestamp_interval`` (minutes),
    ``stream_ids``, ``is_all_streams``, ``selected_columns``, ``is_all_columns``. Exporter objects hold ``id``,
    ``status`` (``exporting`` → ``exported``, or ``failed`` with ``error``), ``file_size``, ``recorder``.
    """

    NEEDS_ROLE = "customer"

    def create_exporter(self, recorder_id: Any, config: Mapping[str, Any]) -> dict[str, Any]:
        """Start exporting a recorder.

        Raises:
            ValidationError: a bad ``config`` (message names the field). Conflict: recorder without packets, or
                an export of it still running. NotFound: unknown recorder.
        """
        body = {"recorder_id": as_id(recorder_id), "exporter_config": dict(config), "unlimited": True}
        return self._http.POST_request("/gateway/exporter", body)

    def get_exported_url(self, exporter_id: Any) -> dict[str, str]:
        """``{"url": <signed link, valid 10 minutes, no Authorization needed>}``.

        Raises:
            Conflict: the export has not finished.
        """
        return self._http.GET_request("/gateway/exporter/url", {"exporter_id": str(exporter_id)})

    def get_exporter_url(self, exporter_id: Any) -> str:
        """The link itself (the manual's example calls this name and passes the result to ``urlretrieve``)."""
        return self.get_exported_url(exporter_id)["url"]

    def list_exporters(self, username: str | None = None, page_number: int = 1, page_size: int = 50) -> dict[str, Any]:
        """Pager envelope of exporters, of one user when ``username`` is given."""
        filters = {"username": username} if username else {}
        return self._http.POST_request("/gateway/exporter/list", pager(page_number, page_size, filters))

    def get_exporter(self, exporter_id: Any) -> dict[str, Any]:
        """One exporter object (``status``, ``file_size``, ``error``...; 5.2). Raises ``NotFound``."""
        return self._http.GET_request(f"/gateway/exporter/{as_id(exporter_id)}")

    def delete_exporter(self, exporter_id: Any) -> Any:
        """Delete the exporter and its file → ``True``."""
        return self._http.DELETE_request("/gateway/exporter", {"exporter_id": str(exporter_id)})
