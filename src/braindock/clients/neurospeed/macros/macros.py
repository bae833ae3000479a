"""Recorder/exporter macros (``neurospeed.md`` 4.5, 5.4, Appendix A; manual 6.2, 7.1).

Same names and arguments as ``neurospeed.macros.macros`` 2.3.5 (importable as ``from
braindock.clients.neurospeed import macros``), with the defects of 9.4 fixed: polls sleep and time out,
ids are ints, errors raise (``RecorderError``, ``ExportError`` and the HTTP errors with the server's message),
``download_data`` streams to disk with a progress bar and checks the status, ``api_config`` defaults to the
auth handler's server.

Insight macros (3.8) take a user auth handler (the user itself) or a customer auth handler with ``username=``
(resolved to the user's id first) and return the server's JSON answer. They raise ``PermissionDenied`` without
insight access, ``ConfigError`` for a customer auth handler without ``username``, ``NotFound`` for an unknown
user and ``ValidationError`` naming a bad field.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import re
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from braindock.clients.neurospeed.api_http_handlers.customer_account_manager import Customer_Account_Manager
from braindock.clients.neurospeed.api_http_handlers.exporter_http_handler import UserRoom_Recorder_Exporter_Handler
from braindock.clients.neurospeed.api_http_handlers.insight_http_handler import Insight_User_Handler
from braindock.clients.neurospeed.api_http_handlers.recorder_http_handler import UserRoom_Recorder_Handler
from braindock.clients.neurospeed.auth._base import AuthHandlerBase
from braindock.clients.neurospeed.auth.auth_as_user_handler import Auth_AS_User_Handler
from braindock.clients.neurospeed.download import _stderr_is_tty, download_file
from braindock.clients.neurospeed.errors import ConfigError, ExportError, PermissionDenied, RecorderError
from braindock.clients.neurospeed.hia_user_data.neurobrave_sensor_interface import HIA_Client
from braindock.clients.neurospeed.utils.helper_service import UtilService
from braindock.clients.neurospeed.utils.http_service import HttpService

log = logging.getLogger("braindock.clients.neurospeed.macros")

__all__ = [
    "calculate_daily_stress_for_6_month",
    "delete_recording",
    "download_data",
    "find_exporter_files",
    "find_running_recorder",
    "generate_sensor_info",
    "get_all_existing_users",
    "get_calendar_stress_graph",
    "get_dates_of_last_6_month_with_stress",
    "get_dates_of_last_6_month_without_stress",
    "get_first_day_of_the_week",
    "get_stream_id_from_sensor_info",
    "get_user_all_insights_stats",
    "get_user_alltime_insights",
    "get_user_battery",
    "get_user_daily_stress",
    "get_user_history_hourly_insights",
    "get_user_hourly_insights",
    "get_user_insights",
    "get_user_insights_stats",
    "get_user_stress_baseline",
    "get_weekly_best_sleep",
    "get_weekly_quiet_time",
    "get_weekly_stress_average",
    "get_weekly_stress_change",
    "get_weekly_stress_index",
    "get_weekly_stressful_time",
    "get_weekly_worst_sleep",
    "init_HIA_client",
    "is_exporter_datafile",
    "require_insight_access",
    "require_recording_access",
    "run_exporter_flow",
    "run_recorder_flow",
    "send_datafile_to_neurospeed",
    "set_first_day_of_the_week",
    "start_recording",
    "stop_recording",
]

#: Seconds ``start_recording`` / ``stop_recording`` wait for a status.
STATUS_TIMEOUT_S = 60.0
EXPORT_COLUMNS = ("timestamp", "packets_counter", "stream_id", "device_type")


def _check_access(auth: AuthHandlerBase, flag: str, api_config: Mapping[str, Any] | None) -> None:
    answer = HttpService(auth, api_config).GET_request(f"/customers/customers_access/get_{flag}_access")
    if not (isinstance(answer, dict) and answer.get("access")):
        raise PermissionDenied(403, f"this customer has no {flag.replace('_', ' ')} access", answer)


def _requiring(flag: str, function: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(function)
    first = next(iter(signature.parameters))

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)  # api_config may come by position or by keyword
        bound.apply_defaults()
        _check_access(bound.arguments[first], flag, bound.arguments.get("api_config"))
        return function(*bound.args, **bound.kwargs)

    return wrapper


def require_recording_access(function: Callable[..., Any]) -> Callable[..., Any]:
    """Check ``get_recordings_access`` with the auth handler (first argument) before ``function``.

    Raises:
        PermissionDenied: the flag is false.
    """
    return _requiring("recordings", function)


def require_insight_access(function: Callable[..., Any]) -> Callable[..., Any]:
    """Check ``get_insight_access`` (user or customer token) before ``function``.

    Raises:
        PermissionDenied: the flag is false.
    """
    return _requiring("insight", function)


def _username(hia_config: Mapping[str, Any]) -> str:
    if not isinstance(hia_config, Mapping) or not hia_config.get("username"):
        raise ConfigError("hia_config needs the key 'username'")
    return str(hia_config["username"])


def _wait_status(handler: UserRoom_Recorder_Handler, recorder_id: Any, wanted: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        recorder = handler.get_recorder(recorder_id)
        if recorder.get("status") == wanted:
            return recorder
        if time.monotonic() >= deadline:
            raise RecorderError(
                f"recorder {recorder_id} is {recorder.get('status')!r}, not {wanted!r}, after {timeout:g} s"
            )
        time.sleep(delay)
        delay = min(1.0, delay * 2)


def find_running_recorder(
    customer_auth: AuthHandlerBase, username: str, api_config: Mapping[str, Any] | None = None
) -> int | None:
    """Id of the user's recorder that is not stopped, or ``None``."""
    handler = UserRoom_Recorder_Handler(customer_auth, api_config)
    for item in handler.list_recorders(1, 100, {"username": username})["pager"]["items"]:
        if item.get("status") != "stopped":
            return int(item["id"])
    return None


def run_recorder_flow(
    recorder_handler: UserRoom_Recorder_Handler,
    hia_config: Mapping[str, Any],
    recorder_name: str | None = "default",
    timeout: float = STATUS_TIMEOUT_S,
) -> int:
    """Stop the user's active recorders, create one and wait until it is ``recording`` (4.5).

    Returns:
        The recorder id (int).

    Raises:
        RecorderError: a recorder did not stop, or the new one did not start recording, within ``timeout``
            (the new one is deleted then).
    """
    username = _username(hia_config)
    for item in recorder_handler.list_recorders(1, 100, {"username": username})["pager"]["items"]:
        if item.get("status") != "stopped":
            log.info("stopping recorder %s of %s left active", item["id"], username)
            recorder_handler.update_recorder(item["id"], "stopped")
            _wait_status(recorder_handler, item["id"], "stopped", timeout)
    recorder = recorder_handler.create_recorder(username, recorder_name)
    recorder_id = int(recorder["id"])
    try:
        if recorder.get("status") != "recording":
            _wait_status(recorder_handler, recorder_id, "recording", timeout)
    except RecorderError:
        recorder_handler.delete_recorder(recorder_id)
        raise
    log.info("recorder %s of %s is recording", recorder_id, username)
    return recorder_id


@require_recording_access
def start_recording(
    customer_auth: AuthHandlerBase,
    hia_config: Mapping[str, Any],
    recorder_name: str | None = "default",
    api_config: Mapping[str, Any] | None = None,
) -> int:
    """Start recording the user of ``hia_config`` (blocks until ``recording``) and return the recorder id.

    Args:
        customer_auth: :class:`~braindock.clients.neurospeed.Auth_AS_Customer_handler`.
        hia_config: the user's credentials dict (``username`` is used).
        recorder_name: free text, need not be unique.

    Raises:
        PermissionDenied: no recording access. NotFound: unknown user. RecorderError: see
            :func:`run_recorder_flow`.
    """
    return run_recorder_flow(UserRoom_Recorder_Handler(customer_auth, api_config), hia_config, recorder_name)


@require_recording_access
def stop_recording(
    customer_auth: AuthHandlerBase, recorder_id: Any, api_config: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Stop a recorder and wait until it reports ``stopped`` (as the manual promises); returns the recorder.

    Raises:
        NotFound: unknown recorder. RecorderError: not stopped within 60 s.
    """
    handler = UserRoom_Recorder_Handler(customer_auth, api_config)
    handler.update_recorder(recorder_id, "stopped")
    return _wait_status(handler, recorder_id, "stopped", STATUS_TIMEOUT_S)


@require_recording_access
def delete_recording(
    customer_auth: AuthHandlerBase, recorder_id: Any, api_config: Mapping[str, Any] | None = None
) -> Any:
    """Delete a recorder (and its data); returns the server's answer (``True``)."""
    return UserRoom_Recorder_Handler(customer_auth, api_config).delete_recorder(recorder_id)


def _file_name(custom_name: str, folder: Path) -> Path:
    stem = re.sub(r"\.csv$", "", str(custom_name), flags=re.IGNORECASE)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "export"
    stamp = datetime.now().strftime("%d-%m-%Y_%H-%M-%S")
    path = folder / f"_{stem}_{stamp}.csv"
    counter = 1
    while path.exists():
        counter += 1
        path = folder / f"_{stem}_{stamp}_{counter}.csv"
    return path


def run_exporter_flow(
    exporter_handler: UserRoom_Recorder_Exporter_Handler,
    recorder_id: Any,
    exporter_config: Mapping[str, Any],
    hia_config: Mapping[str, Any] | None,
    save_folder: str | os.PathLike[str],
    max_query_attemps: int = 600,
    *,
    poll_interval: float = 2.0,
    progress: bool | None = None,
) -> str:
    """Export a recorder, wait for ``exported`` and download the CSV into ``save_folder`` (5.4).

    Polls every ``poll_interval`` seconds at most (starting faster), ``max_query_attemps`` times.

    Returns:
        Absolute path of ``_<custom_name>_<dd-mm-YYYY_HH-MM-SS>.csv``.

    Raises:
        ValidationError / Conflict / NotFound: the server refused the export (message says why).
        ExportError: the exporter failed (server's error), or did not finish in time (it is deleted then).
    """
    folder = Path(save_folder).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    exporter = exporter_handler.create_exporter(recorder_id, exporter_config)
    exporter_id = exporter["id"]
    delay = min(0.1, poll_interval)
    for _ in range(max(1, int(max_query_attemps))):
        status = exporter.get("status")
        if status == "exported":
            break
        if status == "failed":
            raise ExportError(f"exporter {exporter_id} failed: {exporter.get('error') or 'no reason given'}")
        time.sleep(delay)
        delay = min(poll_interval, delay * 2)
        exporter = exporter_handler.get_exporter(exporter_id)
    else:
        exporter_handler.delete_exporter(exporter_id)
        raise ExportError(f"exporter {exporter_id} still {exporter.get('status')!r} after {max_query_attemps} polls")
    url = exporter_handler.get_exported_url(exporter_id)["url"]
    target = _file_name(str(exporter_config.get("custom_name") or "export"), folder)
    auth: AuthHandlerBase = exporter_handler._auth
    download_file(url, target, http=auth.http, progress=progress, description=target.name)
    log.info("exporter %s downloaded to %s", exporter_id, target)
    return str(target)


@require_recording_access
def download_data(
    customer_auth: AuthHandlerBase,
    recorder_id: Any,
    exporter_config: Mapping[str, Any],
    hia_config: Mapping[str, Any] | None,
    save_folder: str | os.PathLike[str],
    max_query_attemps: int = 600,
    api_config: Mapping[str, Any] | None = None,
    *,
    poll_interval: float = 2.0,
    progress: bool | None = None,
) -> str:
    """Export recorder ``recorder_id`` to CSV and download it into ``save_folder``; returns the file's path.

    Args:
        customer_auth: customer auth handler.
        recorder_id: from :func:`start_recording`.
        exporter_config: ``custom_name``, ``start_timestamp_mode``, ``end_timestamp_mode`` (required) and the
            optional keys of :class:`~braindock.clients.neurospeed.UserRoom_Recorder_Exporter_Handler`.
        hia_config: the user's credentials (kept for signature compatibility).
        save_folder: created if missing.
        max_query_attemps: polls of the exporter status before giving up.
        poll_interval: longest pause between polls (s).
        progress: tqdm bar: ``True``/``False``/``None`` (= when stderr is a terminal).

    Raises:
        See :func:`run_exporter_flow`; PermissionDenied without recording access.
    """
    handler = UserRoom_Recorder_Exporter_Handler(customer_auth, api_config)
    return run_exporter_flow(
        handler,
        recorder_id,
        exporter_config,
        hia_config,
        save_folder,
        max_query_attemps,
        poll_interval=poll_interval,
        progress=progress,
    )


def get_all_existing_users(
    customer_auth: AuthHandlerBase,
    page_number: int = 1,
    page_size: int = 50,
    api_config: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The customer's users (``pager.items``)."""
    return Customer_Account_Manager(customer_auth, api_config).get_all_existing_users(page_number, page_size)["pager"][
        "items"
    ]


def get_stream_id_from_sensor_info(sensor_info: Mapping[str, Any], device_type: str = "EEG") -> str | None:
    """The first stream id of ``sensor_info`` whose ``device_type`` (or id prefix) matches, case-insensitively."""
    wanted = device_type.lower()
    for stream_id, info in sensor_info.items():
        kind = str(info.get("device_type", "")).lower() if isinstance(info, Mapping) else ""
        if kind == wanted or str(stream_id).lower().startswith(wanted):
            return str(stream_id)
    return None


def is_exporter_datafile(file: str | os.PathLike[str]) -> bool:
    """Whether ``file`` is a CSV whose header has ``timestamp, packets_counter, stream_id, device_type`` (5.5)."""
    path = Path(file)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    with open(path, encoding="utf-8", errors="replace") as handle:
        header = handle.readline().strip().split(",")
    return all(column in header for column in EXPORT_COLUMNS)


def find_exporter_files(folder: str | os.PathLike[str]) -> list[str]:
    """Export CSV files in ``folder`` (sorted by name)."""
    return sorted(str(p) for p in Path(folder).iterdir() if is_exporter_datafile(p))


# -- insight macros (3.8) ----------------------------------------------------------------------------------

DEFAULT_INSIGHT = "output$neurobrave_stress2"


def _insight_call(
    auth: AuthHandlerBase, method: str, username: str | None, api_config: Mapping[str, Any] | None, *args: Any
) -> Any:
    user_id = None
    if auth.ROLE == "customer":
        if not username:
            raise ConfigError("a customer auth handler needs username=")
        user_id = Customer_Account_Manager(auth, api_config).get_user_id(username)
    return getattr(Insight_User_Handler(auth, api_config), method)(*args, user_id=user_id)


def _insight_macro(method: str, macro: Callable[..., Any]) -> Callable[..., Any]:
    """``macro`` named ``method``, documented and wrapped in :func:`require_insight_access`."""
    macro.__name__ = macro.__qualname__ = method
    macro.__doc__ = (
        f"``Insight_User_Handler.{method}`` for ``username`` (customer auth: resolved to its id) or for the user "
        "itself (user auth), 3.8; returns the server's JSON answer.\n\n    " + _INSIGHT_ERRORS
    )
    return require_insight_access(macro)


_INSIGHT_ERRORS = (
    "Raises ``PermissionDenied`` without insight access, ``ConfigError`` for a customer auth without "
    "``username``, ``NotFound`` for an unknown user, ``ValidationError`` naming a bad field."
)


@require_insight_access
def get_user_insights(auth: AuthHandlerBase, username: str | None = None, api_config: Any = None) -> Any:
    """The user's insights (``GET /users/settings/insights``, 3.8) → the server's JSON answer.

    Errors: as every insight macro (module docstring).
    """
    return _insight_call(auth, "get_user_insights", username, api_config)


@require_insight_access
def get_user_alltime_insights(
    auth: AuthHandlerBase,
    start_date: str,
    end_date: str,
    username: str | None = None,
    insight_type: str = DEFAULT_INSIGHT,
    boundry: str = "hour",
    api_config: Any = None,
) -> Any:
    """Insights between ``start_date`` and ``end_date`` (``YYYY-MM-DD``) per ``boundry`` (3.8).

    Errors: as every insight macro (module docstring).
    """
    return _insight_call(
        auth, "get_user_alltime_insights", username, api_config, start_date, end_date, insight_type, boundry
    )


def _stats_macro(method: str) -> Callable[..., Any]:
    def macro(
        auth: AuthHandlerBase,
        daily_date: str,
        username: str | None = None,
        insight_type: str = DEFAULT_INSIGHT,
        boundry: str = "day",
        api_config: Any = None,
    ) -> Any:
        return _insight_call(auth, method, username, api_config, daily_date, insight_type, boundry)

    return _insight_macro(method, macro)


get_user_insights_stats = _stats_macro("get_user_insights_stats")
get_user_all_insights_stats = _stats_macro("get_user_all_insights_stats")


@require_insight_access
def get_user_stress_baseline(
    auth: AuthHandlerBase, username: str | None = None, api_config: Any = None, insight_type: str = DEFAULT_INSIGHT
) -> Any:
    """The user's stress baseline for ``insight_type`` (3.8).

    Errors: as every insight macro (module docstring).
    """
    return _insight_call(auth, "get_user_stress_baseline", username, api_config, insight_type)


def _daily_macro(method: str) -> Callable[..., Any]:
    def macro(
        auth: AuthHandlerBase,
        daily_date: str,
        timezone: str | None = None,
        username: str | None = None,
        api_config: Any = None,
    ) -> Any:
        return _insight_call(auth, method, username, api_config, daily_date, timezone)

    return _insight_macro(method, macro)


get_user_daily_stress = _daily_macro("get_user_daily_stress")
get_user_battery = _daily_macro("get_user_battery")
get_user_hourly_insights = _daily_macro("get_user_hourly_insights")
get_weekly_stress_average = _daily_macro("get_weekly_stress_average")
get_weekly_stress_change = _daily_macro("get_weekly_stress_change")
get_weekly_stress_index = _daily_macro("get_weekly_stress_index")
get_weekly_stressful_time = _daily_macro("get_weekly_stressful_time")
get_weekly_quiet_time = _daily_macro("get_weekly_quiet_time")


@require_insight_access
def get_user_history_hourly_insights(
    auth: AuthHandlerBase, timezone: str | None = None, username: str | None = None, api_config: Any = None
) -> Any:
    """Hourly insights of the whole history (3.8).

    Errors: as every insight macro (module docstring).
    """
    return _insight_call(auth, "get_user_history_hourly_insights", username, api_config, timezone)


def _dated_macro(method: str) -> Callable[..., Any]:
    def macro(auth: AuthHandlerBase, daily_date: str, username: str | None = None, api_config: Any = None) -> Any:
        return _insight_call(auth, method, username, api_config, daily_date)

    return _insight_macro(method, macro)


get_weekly_best_sleep = _dated_macro("get_weekly_best_sleep")
get_weekly_worst_sleep = _dated_macro("get_weekly_worst_sleep")


@require_insight_access
def get_first_day_of_the_week(auth: AuthHandlerBase, username: str | None = None, api_config: Any = None) -> Any:
    """The user's first day of the week (3.8).

    Errors: as every insight macro (module docstring).
    """
    return _insight_call(auth, "get_first_day_of_the_week", username, api_config)


@require_insight_access
def set_first_day_of_the_week(
    auth: AuthHandlerBase, first_day_of_week: Any, username: str | None = None, api_config: Any = None
) -> Any:
    """Set the user's first day of the week (3.8).

    Errors: as every insight macro (module docstring).
    """
    return _insight_call(auth, "set_first_day_of_the_week", username, api_config, first_day_of_week)


def _calendar_macro(method: str) -> Callable[..., Any]:
    def macro(auth: AuthHandlerBase, todays_date: str, username: str | None = None, api_config: Any = None) -> Any:
        return _insight_call(auth, method, username, api_config, todays_date)

    return _insight_macro(method, macro)


get_calendar_stress_graph = _calendar_macro("get_calendar_stress_graph")
get_dates_of_last_6_month_without_stress = _calendar_macro("get_dates_of_last_6_month_without_stress")
get_dates_of_last_6_month_with_stress = _calendar_macro("get_dates_of_last_6_month_with_stress")
calculate_daily_stress_for_6_month = _calendar_macro("calculate_daily_stress_for_6_month")


# -- HIA helpers (7.1) ---------------------------------------------------------------------------------------


def _stream(
    kind: str, device_type: str, names: list[str], frequency: Any, buffer: Any, maker: str, stamp: bool
) -> tuple:
    stream_id = f"{kind}_{UtilService.generateId(6)}"
    channel_map = [*names, *(["timestamp"] if stamp else [])]  # a copy: the caller's list is never modified
    return stream_id, {
        "device_type": device_type,
        "channel_count": len(names),
        "sampling_frequency": frequency,
        "buffer_length": buffer,
        "manufacturer_id": maker,
        "sensor_id": stream_id,
        "stream_id": stream_id,
        "stream_state": "enabled",
        "channel_map": channel_map,
    }


def generate_sensor_info(
    config: Mapping[str, Any], hia_config: Mapping[str, Any], use_local_timestamp: bool = False
) -> dict[str, dict[str, Any]]:
    """sensor_info for the sources listed in ``config["DATA_SOURCE"]`` (``EEG``, ``PPG``, ``SMARTWATCH``,
    ``GSR``, ``EDA``), with the official keys: EEG from ``hia_config["channel_map"]``, ``EEG_sample_rate``,
    ``EEG_buffer_length_seconds``; PPG/SMARTWATCH from ``PPG_channel_map``, ``PPG_sample_rate``,
    ``PPG_buffer_length_seconds``; GSR from ``config["GSR_channel_map"]`` (one stream per entry of
    ``OPENBCI_COM_PORT``, 250 Hz); EDA (6 channels) at ``config["EDA_sampling_frequency"]``.

    ``channel_count`` always equals the number of data channels; ``use_local_timestamp`` appends one
    ``"timestamp"`` name (9.4: the official function mutated the caller's lists and appended it repeatedly).

    Raises:
        ConfigError: a key needed by a listed source is missing.
    """
    sources = [str(s).upper() for s in config.get("DATA_SOURCE", [])]
    info: dict[str, dict[str, Any]] = {}
    try:
        if "EEG" in sources:
            names = [str(n) for n in hia_config["channel_map"]]
            sid, entry = _stream(
                "EEG",
                "EEG",
                names,
                hia_config["EEG_sample_rate"],
                hia_config.get("EEG_buffer_length_seconds", 0.25),
                "NeuroBrave",
                use_local_timestamp,
            )
            info[sid] = entry
        for kind in ("PPG", "SMARTWATCH"):
            if kind in sources:
                sid, entry = _stream(
                    kind,
                    kind,
                    [str(n) for n in hia_config["PPG_channel_map"]],
                    hia_config["PPG_sample_rate"],
                    hia_config.get("PPG_buffer_length_seconds", 1.0),
                    "NeuroBrave",
                    use_local_timestamp,
                )
                info[sid] = entry
        if "GSR" in sources:
            for names in config["GSR_channel_map"]:
                sid, entry = _stream("GSR", "GSR", [str(n) for n in names], 250, 1.0, "openBCI", use_local_timestamp)
                info[sid] = entry
        if "EDA" in sources:
            names = ["real", "img", "adm_real", "adm_img", "adm_mag", "adm_phase"]
            sid, entry = _stream("EDA", "EDA", names, config["EDA_sampling_frequency"], 1.0, "ADI", use_local_timestamp)
            info[sid] = entry
    except KeyError as exc:
        raise ConfigError(f"generate_sensor_info: missing configuration key {exc.args[0]!r}") from None
    return info


def init_HIA_client(  # noqa: N802 - official name
    config: Mapping[str, Any],
    hia_config: dict[str, Any],
    use_local_timestamp: bool = False,
    api_config: Mapping[str, Any] | None = None,
) -> tuple[HIA_Client, dict[str, dict[str, Any]]]:
    """Log in with ``hia_config``, build sensor_info (:func:`generate_sensor_info`) and connect an HIA.

    Returns:
        ``(hia_client, sensor_info)``.

    Raises:
        AuthenticationError, SocketConnectionError, ConnectionError: login or connection failed.
    """
    sensor_info = generate_sensor_info(config, hia_config, use_local_timestamp)
    auth = Auth_AS_User_Handler(hia_config, api_config)
    try:
        auth.login()
        client = HIA_Client(auth, sensor_info)
        client.connect()
    except BaseException:
        auth.close()  # no leaked connection pool when login/connect fails
        raise
    return client, sensor_info


def send_datafile_to_neurospeed(
    data_array: Any,
    timestamp_array: Any = None,
    labels_array: Any = None,
    Fs: float = 256,  # noqa: N803 - official name
    channel_map: list[str] | None = None,
    hia_config: dict[str, Any] | None = None,
    window: int | None = None,
    device_type: str = "EEG",
    sleep_time: float = 0.1,
    api_config: Mapping[str, Any] | None = None,
    *,
    progress: bool | None = None,
) -> int:
    """Stream a recorded array to the server as an HIA, window by window (``send_data_direct``).

    Args:
        data_array: shape ``(n_samples, n_channels)`` (rows are samples; no axis guessing, 9.4).
        timestamp_array: epoch seconds per sample, or ``None`` (the server stamps the samples).
        labels_array: one label per sample (optional); the label is set before each window that starts with it.
        Fs: sampling frequency (Hz). channel_map: names (default ``ch_0``...). window: samples per packet
            (default ``Fs / 4``). sleep_time: pause between packets (s).
        hia_config: user credentials (required). api_config: server (new: 2.3.5 had none).
        progress: tqdm bar over the windows (``None`` = when stderr is a terminal).

    Returns:
        Number of samples sent (all of them, including the last partial window).

    Raises:
        ValueError: shapes or lengths that do not match. ConfigError: no ``hia_config``.
    """
    if hia_config is None:
        raise ConfigError("send_datafile_to_neurospeed needs hia_config (the user's credentials)")
    data = np.asarray(data_array)
    if data.ndim != 2:
        raise ValueError(f"data_array must have shape (n_samples, n_channels), not {data.shape}")
    n_samples, n_channels = data.shape
    names = list(channel_map) if channel_map is not None else [f"ch_{i}" for i in range(n_channels)]
    if len(names) != n_channels:
        raise ValueError(f"channel_map has {len(names)} names for {n_channels} channels")
    stamps = None if timestamp_array is None else np.asarray(timestamp_array, dtype=float).reshape(-1)
    if stamps is not None and len(stamps) != n_samples:
        raise ValueError(f"{len(stamps)} timestamps for {n_samples} samples")
    labels = None if labels_array is None else np.asarray(labels_array).reshape(-1)
    if labels is not None and len(labels) != n_samples:
        raise ValueError(f"{len(labels)} labels for {n_samples} samples")
    window = int(window or max(1, round(Fs / 4)))
    kind = device_type.upper()
    stream_id = f"{kind}_{UtilService.generateId(6)}"
    sensor = {
        stream_id: {
            "device_type": device_type,
            "channel_count": n_channels,
            "channel_map": names,
            "sampling_frequency": Fs,
            "buffer_length": window / Fs,
            "sensor_id": stream_id,
            "stream_id": stream_id,
        }
    }
    auth = Auth_AS_User_Handler(hia_config, api_config)
    try:
        auth.login()
        client = HIA_Client(auth, sensor)
        client.connect()
    except BaseException:
        auth.close()
        raise
    starts = range(0, n_samples, window)
    show = _stderr_is_tty() if progress is None else progress
    if show:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc=f"sending {stream_id}", unit="packet")
    current = None
    try:
        for start in starts:
            end = min(n_samples, start + window)
            if labels is not None and str(labels[start]) != current:
                current = str(labels[start])
                client.set_label(current)
            client.send_data_direct(
                data[start:end],
                stream_id,
                timestamp=None if stamps is None else stamps[start:end],
                send_without_timestamp=stamps is None,
            )
            if sleep_time:
                time.sleep(sleep_time)
    finally:
        try:
            client.disconnect()
        finally:
            auth.close()
    return n_samples
