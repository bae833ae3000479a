"""Drive the official ``neurospeed==2.3.5`` insight API against braindock (run inside its compat virtualenv).

``python neurospeed_insights_runner.py SPEC.json RESULTS.json``. Unless ``spec["stream"]`` is false, an
``HIA_Client`` of the user streams the PPG and EEG windows of the spec (``send_data_direct`` with their sample
timestamps) while ``UserRoom_AS_User_Handler`` collects the ``data`` events; then every insight macro of
``neurospeed.macros.macros`` is called with the user's auth and with the customer's auth (+ username), and
every method of ``Insight_User_Handler`` with the user's auth. Results: JSON ``{"macros": {name: {"user",
"customer"}}, "handler": {name: answer}, "room": {...}, "errors": [...], "stdout": ...}``.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

DATE = "2025-02-03"
TODAY = "2025-03-31"


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    results: dict[str, Any] = {"macros": {}, "handler": {}, "room": {}, "errors": []}
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            run(spec, results)
    except BaseException:  # reported to the test
        results["errors"].append(traceback.format_exc())
    results["stdout"] = printed.getvalue()[-20_000:]
    Path(sys.argv[2]).write_text(json.dumps(results))


def run(spec: dict[str, Any], results: dict[str, Any]) -> None:
    import neurospeed.constants as constants
    from neurospeed.api_http_handlers.insight_http_handler import Insight_User_Handler
    from neurospeed.api_socket_handlers.user_room_as_user_handler import UserRoom_AS_User_Handler
    from neurospeed.auth.auth_as_customer_handler import Auth_AS_Customer_handler
    from neurospeed.auth.auth_as_user_handler import Auth_AS_User_Handler
    from neurospeed.hia_user_data.neurobrave_sensor_interface import HIA_Client
    from neurospeed.macros import macros

    api = spec["api"].rstrip("/")
    api_config = {"api_address": api, "pipeline_address": "ws" + api[len("http") :]}
    constants.PROD_API_CONFIG.update(api_config)
    customer = Auth_AS_Customer_handler(dict(spec["customer"]), api_config)
    customer.login()
    credentials = spec["user"]
    hia_config = {
        "account_id": credentials["account_id"],
        "username": credentials["username"],
        "user_password": credentials["password"],
        "HIA_ID": "INSIGHTS1",
        "Verbose_socket_log": False,
    }
    user = Auth_AS_User_Handler(hia_config, api_config)
    user.login()
    username = credentials["username"]

    if spec.get("stream", True):
        events: dict[str, list[dict[str, Any]]] = {}
        lock = threading.Lock()

        def on_data(payload: dict[str, Any]) -> None:
            with lock:
                events.setdefault(payload["stream_id"], []).append(payload)

        room = UserRoom_AS_User_Handler(user, api_config)
        room.set_data_external_handler(on_data)
        room.connect()
        sensors = {signal["stream_id"]: signal["sensor_info"] for signal in spec["signals"]}
        hia = HIA_Client(user, sensors, api_config)
        hia.connect()
        for signal in spec["signals"]:
            stream(hia, signal, events, lock)
        hia.disconnect()
        for signal in spec["signals"]:
            with lock:
                computed = [
                    e for e in events.get(signal["stream_id"], []) if e["output"].get("cognitive_analysis_window")
                ]
            results["room"][signal["stream_id"]] = {
                "events": len(events.get(signal["stream_id"], [])),
                "last_output": computed[-1]["output"] if computed else None,
            }
        room.disconnect()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the engine writes its minutes when the HIA disconnects
            summary = macros.get_user_insights(user, api_config=api_config) or {}
            functions = summary.get("functions", {})
            if all(functions.get(name, {}).get("minutes", 0) >= n for name, n in spec["wait_minutes"].items()):
                break
            time.sleep(0.5)

    calls = {
        "get_user_insights": lambda auth, who: macros.get_user_insights(auth, *who, api_config=api_config),
        "get_user_alltime_insights": lambda auth, who: macros.get_user_alltime_insights(
            auth, "2025-01-01", "2025-02-28", *who, api_config=api_config
        ),
        "get_user_insights_stats": lambda auth, who: macros.get_user_insights_stats(
            auth, DATE, *who, api_config=api_config
        ),
        "get_user_all_insights_stats": lambda auth, who: macros.get_user_all_insights_stats(
            auth, DATE, (who or [None])[0], api_config=api_config
        ),
        "get_user_stress_baseline": lambda auth, who: macros.get_user_stress_baseline(
            auth, *who, api_config=api_config
        ),
        "get_user_daily_stress": lambda auth, who: macros.get_user_daily_stress(
            auth, "2025-02-04", "+0200", *who, api_config=api_config
        ),
        "get_user_battery": lambda auth, who: macros.get_user_battery(auth, DATE, None, *who, api_config=api_config),
        "get_user_hourly_insights": lambda auth, who: macros.get_user_hourly_insights(
            auth, DATE, None, *who, api_config=api_config
        ),
        "get_user_history_hourly_insights": lambda auth, who: macros.get_user_history_hourly_insights(
            auth, "+0200", *who, api_config=api_config
        ),
        "get_weekly_stress_average": lambda auth, who: macros.get_weekly_stress_average(
            auth, DATE, None, *who, api_config=api_config
        ),
        "get_weekly_stress_change": lambda auth, who: macros.get_weekly_stress_change(
            auth, "2025-02-10", None, *who, api_config=api_config
        ),
        "get_weekly_stress_index": lambda auth, who: macros.get_weekly_stress_index(
            auth, DATE, None, *who, api_config=api_config
        ),
        "get_weekly_best_sleep": lambda auth, who: macros.get_weekly_best_sleep(
            auth, DATE, *who, api_config=api_config
        ),
        "get_weekly_worst_sleep": lambda auth, who: macros.get_weekly_worst_sleep(
            auth, DATE, *who, api_config=api_config
        ),
        "get_weekly_stressful_time": lambda auth, who: macros.get_weekly_stressful_time(
            auth, DATE, None, *who, api_config=api_config
        ),
        "get_weekly_quiet_time": lambda auth, who: macros.get_weekly_quiet_time(
            auth, DATE, "+0200", *who, api_config=api_config
        ),
        "set_first_day_of_the_week": lambda auth, who: macros.set_first_day_of_the_week(
            auth, "monday", *who, api_config=api_config
        ),
        "get_first_day_of_the_week": lambda auth, who: macros.get_first_day_of_the_week(
            auth, *who, api_config=api_config
        ),
        "get_calendar_stress_graph": lambda auth, who: macros.get_calendar_stress_graph(
            auth, TODAY, *who, api_config=api_config
        ),
        "get_dates_of_last_6_month_without_stress": lambda auth, who: macros.get_dates_of_last_6_month_without_stress(
            auth, TODAY, *who, api_config=api_config
        ),
        "get_dates_of_last_6_month_with_stress": lambda auth, who: macros.get_dates_of_last_6_month_with_stress(
            auth, TODAY, *who, api_config=api_config
        ),
        "calculate_daily_stress_for_6_month": lambda auth, who: macros.calculate_daily_stress_for_6_month(
            auth, TODAY, *who, api_config=api_config
        ),
    }
    for name, call in calls.items():
        entry: dict[str, Any] = {}
        for role, auth, who in (("user", user, []), ("customer", customer, [username])):
            try:
                entry[role] = call(auth, who)
            except Exception:  # noqa: BLE001 - reported to the test
                entry[role] = {"exception": traceback.format_exc()}
        results["macros"][name] = entry
    if not spec.get("handler", True):
        return
    handler = Insight_User_Handler(user, api_config)
    methods = {
        "get_user_insights": lambda: handler.get_user_insights(),
        "get_user_alltime_insights": lambda: handler.get_user_alltime_insights(
            "2025-01-01", "2025-02-28", "output$neurobrave_stress2", "month"
        ),
        "get_user_insights_stats": lambda: handler.get_user_insights_stats(DATE, "output$neurobrave_stress2", "week"),
        "get_user_all_insights_stats": lambda: handler.get_user_all_insights_stats(DATE, "heart_rate", "hour"),
        "get_user_stress_baseline": lambda: handler.get_user_stress_baseline("output$neurobrave_stress2"),
        "get_user_daily_stress": lambda: handler.get_user_daily_stress(DATE, None),
        "get_user_battery": lambda: handler.get_user_battery("2025-02-04", "+0200"),
        "get_user_hourly_insights": lambda: handler.get_user_hourly_insights("2025-02-04", "+0200"),
        "get_user_history_hourly_insights": lambda: handler.get_user_history_hourly_insights(None),
        "get_weekly_stress_average": lambda: handler.get_weekly_stress_average(DATE, "+0200"),
        "get_weekly_stress_change": lambda: handler.get_weekly_stress_change(DATE, None),
        "get_weekly_stress_index": lambda: handler.get_weekly_stress_index(DATE, None),
        "get_weekly_best_sleep": lambda: handler.get_weekly_best_sleep(DATE),
        "get_weekly_worst_sleep": lambda: handler.get_weekly_worst_sleep(DATE),
        "get_weekly_stressful_time": lambda: handler.get_weekly_stressful_time(DATE, None),
        "get_weekly_quiet_time": lambda: handler.get_weekly_quiet_time(DATE, None),
        "set_first_day_of_the_week": lambda: handler.set_first_day_of_the_week(6),
        "get_first_day_of_the_week": lambda: handler.get_first_day_of_the_week(),
        "get_calendar_stress_graph": lambda: handler.get_calendar_stress_graph(TODAY),
        "get_dates_of_last_6_month_without_stress": lambda: handler.get_dates_of_last_6_month_without_stress(TODAY),
        "get_dates_of_last_6_month_with_stress": lambda: handler.get_dates_of_last_6_month_with_stress(TODAY),
        "calculate_daily_stress_for_6_month": lambda: handler.calculate_daily_stress_for_6_month(TODAY),
    }
    for name, method in methods.items():
        try:
            results["handler"][name] = method()
        except Exception:  # noqa: BLE001
            results["handler"][name] = {"exception": traceback.format_exc()}


def stream(hia: Any, signal: dict[str, Any], events: dict[str, list[Any]], lock: threading.Lock) -> None:
    """``send_data_direct`` packets of ``packet_rows`` samples with their timestamps; until the server returned
    its first computed window, one packet every 0.2 s (the engine warms up), then a short pause per packet."""
    samples, stamps, size = signal["samples"], signal["timestamps"], signal["packet_rows"]
    stream_id = signal["stream_id"]
    for first in range(0, len(samples), size):
        hia.send_data_direct(samples[first : first + size], stream_id, timestamp=stamps[first : first + size])
        with lock:
            seen = any(e["output"].get("cognitive_analysis_window") for e in events.get(stream_id, []))
        started = (first + size) / signal["sensor_info"]["sampling_frequency"] > signal["min_window_s"]
        time.sleep(0.2 if started and not seen else 0.02)
    deadline = time.monotonic() + 60
    expected = (len(samples) + size - 1) // size
    while time.monotonic() < deadline:
        with lock:
            if len(events.get(stream_id, [])) >= expected:
                return
        time.sleep(0.1)


if __name__ == "__main__":
    main()
