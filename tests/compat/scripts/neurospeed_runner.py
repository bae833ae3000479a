"""Drive the unmodified official ``neurospeed`` 2.3.5 client through one whole session and write JSON results.

Usage (in the virtualenv of ``neurospeed==2.3.5`` plus numpy, python-dateutil and pytz, which its macros import
without declaring them)::

    python neurospeed_runner.py SPEC.json RESULTS.json

``SPEC`` is ``{"api": "http://127.0.0.1:PORT", "customer": {"email", "password"}, "other_customer": {...},
"user": {"account_id", "username", "password"}, "other_user": {...}, "save_folder": PATH, "wait_s": 60}``.

The client prints its HTTP errors (``Failed to HTTP GET to url: ...`` and the body) and returns ``None``
instead of raising (``neurospeed.md`` 9.1). Every step therefore runs with stdout captured and becomes
``{"value": <JSON-able result>, "exception": "Type: message" | None, "http_errors": [{"method", "url",
"status", "message"}], "printed": <text>}`` under its name in ``RESULTS["steps"]``. Samples sent are listed in
``RESULTS["sent"]`` (``{"phase": before|during|after, "stream_id", "values", "timestamp", "label", "how"}``;
``timestamp`` is ``null`` when the client or server chose it) and what each room listener received in
``RESULTS["rooms"]``.

The session (one process, like a user's script): customer and user login and refresh (and a request with a
stale access token, which the client must refresh and retry, 2.6); the user's room as user and as customer and
the customer room; the same rooms for another user of the customer and for another customer; an HIA with an
EEG and a user_data stream; samples before, during and after a recording made with ``macros.start_recording``
/ ``stop_recording``, with labels and both ``send_data`` and ``send_data_direct``; ``macros.download_data``;
then the other user and the other customer try to read and export the recording.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import json
import re
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ERROR_LINE = re.compile(r"Failed to HTTP (GET|POST|PUT|DELETE) to url: (\S+)\n(.*)")


def http_errors(printed: str) -> list[dict[str, Any]]:
    """The client's printed HTTP errors as ``[{"method", "url", "status", "message"}]``."""
    errors = []
    for method, url, body in ERROR_LINE.findall(printed):
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = {}
        parsed = parsed if isinstance(parsed, dict) else {}
        errors.append(
            {"method": method, "url": url, "status": parsed.get("statusCode"), "message": parsed.get("message")}
        )
    return errors


def plain(value: Any) -> Any:
    """``value`` made JSON-able (unknown objects become their ``repr``)."""
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


class Inbox:
    """A thread-safe list of callback payloads (the client calls back from its own threads)."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._cond = threading.Condition()

    def __call__(self, *args: Any) -> None:
        with self._cond:
            self.items.append(args[-1] if args else None)
            self._cond.notify_all()

    def wait(self, predicate: Callable[[list[Any]], bool], timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self.items), timeout=timeout)


class Session:
    """Runs steps with stdout captured and collects the results."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.wait_s = float(spec.get("wait_s", 60))
        self.steps: dict[str, dict[str, Any]] = {}
        self.sent: list[dict[str, Any]] = []
        self.rooms: dict[str, Inbox] = {}

    def step(self, name: str, call: Callable[[], Any]) -> Any:
        buffer = io.StringIO()
        entry: dict[str, Any] = {"value": None, "exception": None}
        value = None
        with contextlib.redirect_stdout(buffer):
            try:
                value = call()
                entry["value"] = plain(value)
            except Exception as exc:  # noqa: BLE001 - recorded for the test to assert on
                entry["exception"] = f"{type(exc).__name__}: {exc}"
                entry["traceback"] = traceback.format_exc()[-3000:]
        entry["printed"] = buffer.getvalue()[-5000:]
        entry["http_errors"] = http_errors(entry["printed"])
        self.steps[name] = entry
        return value

    def inbox(self, name: str) -> Inbox:
        self.rooms[name] = Inbox()
        return self.rooms[name]

    def wait_rows(self, inbox: Inbox, expected: list[float]) -> bool:
        """Wait until ``data`` events carrying every marker value of ``expected`` (channel 0) arrived."""

        def arrived(items: list[Any]) -> bool:
            seen = {row[0] for event in items for row in event["data"]["sample"]}
            return all(marker in seen for marker in expected)

        return inbox.wait(arrived, self.wait_s)


def sensor_info() -> dict[str, Any]:
    """Two streams: a 2-channel EEG at 128 Hz and a 2-channel user_data stream (sensor_info of 7.1)."""
    return {
        "EEG_COMPAT": {
            "device_type": "EEG",
            "channel_count": 2,
            "channel_map": ["Fp1", "Fp2"],
            "sampling_frequency": 128,
            "buffer_length": 0.25,
            "manufacturer_id": "braindock-compat",
            "sensor_id": "EEG_COMPAT",
            "stream_id": "EEG_COMPAT",
            "stream_state": "enabled",
        },
        "user_data_COMPAT": {
            "device_type": "user_data",
            "channel_count": 2,
            "channel_map": ["speed", "rpm"],
            "sensor_id": "user_data_COMPAT",
            "stream_id": "user_data_COMPAT",
            "stream_state": "enabled",
        },
    }


def run(spec: dict[str, Any]) -> dict[str, Any]:  # noqa: PLR0915 - one linear script, like a user's
    import neurospeed.constants as constants
    from neurospeed.api_http_handlers.customer_account_manager import Customer_Account_Manager
    from neurospeed.api_http_handlers.exporter_http_handler import UserRoom_Recorder_Exporter_Handler
    from neurospeed.api_http_handlers.gateway_http_handler import Gateway_HttpHandler
    from neurospeed.api_http_handlers.recorder_http_handler import UserRoom_Recorder_Handler
    from neurospeed.api_socket_handlers.customer_room_handler import CustomerRoom_Handler
    from neurospeed.api_socket_handlers.user_room_as_customer_handler import UserRoom_AS_Customer_Handler
    from neurospeed.api_socket_handlers.user_room_as_user_handler import UserRoom_AS_User_Handler
    from neurospeed.auth.auth_as_customer_handler import Auth_AS_Customer_handler
    from neurospeed.auth.auth_as_user_handler import Auth_AS_User_Handler
    from neurospeed.hia_user_data.neurobrave_sensor_interface import HIA_Client
    from neurospeed.macros import macros

    session = Session(spec)
    api = spec["api"].rstrip("/")
    api_config = {"api_address": api, "pipeline_address": "ws" + api[len("http") :]}
    constants.PROD_API_CONFIG.update(api_config)  # 1.4: redirects the macros that ignore api_config
    step = session.step

    # -- authentication (2.2-2.6) -----------------------------------------------------------------------------
    customer = Auth_AS_Customer_handler(dict(spec["customer"]), api_config)
    other_customer = Auth_AS_Customer_handler(dict(spec["other_customer"]), api_config)
    step("customer_login", customer.login)
    step("other_customer_login", other_customer.login)
    step(
        "customer_wrong_password",
        lambda: Auth_AS_Customer_handler({**spec["customer"], "password": "not-the-password"}, api_config).login(),
    )
    before = (customer.get_access_token(), customer.get_refresh_token())
    step("customer_refresh", customer.update_refresh_token)
    after = (customer.get_access_token(), customer.get_refresh_token())
    session.steps["customer_refresh"]["value"] = {
        "access_changed": before[0] != after[0],
        "refresh_rotated": before[1] != after[1],
        "has_tokens": all(after),
    }
    step("customer_details", lambda: Customer_Account_Manager(customer, api_config).get_customer_details())

    def stale_customer_token() -> dict[str, Any]:
        customer._access_token = "stale.access.token"  # as if it had expired: the server answers 401 Unauthorized
        connected = Gateway_HttpHandler(customer, api_config).get_connected_users()
        return {"result": connected, "token_replaced": customer.get_access_token() != "stale.access.token"}

    step("customer_stale_token_refreshes", stale_customer_token)

    def user_config(which: str, hia_id: str) -> dict[str, Any]:
        credentials = spec[which]
        return {
            "account_id": credentials["account_id"],
            "username": credentials["username"],
            "user_password": credentials["password"],
            "HIA_ID": hia_id,
            "Verbose_socket_log": False,
        }

    hia_config = user_config("user", "COMPAT1")
    user = Auth_AS_User_Handler(hia_config, api_config)
    other_user = Auth_AS_User_Handler(user_config("other_user", "OTHER1"), api_config)
    step("user_login", user.login)
    step("other_user_login", other_user.login)
    step(
        "user_wrong_password",
        lambda: Auth_AS_User_Handler({**hia_config, "user_password": "not-the-password"}, api_config).login(),
    )
    before = (user.get_access_token(), user.get_refresh_token())
    step("user_refresh", user.update_refresh_token)
    after = (user.get_access_token(), user.get_refresh_token())
    session.steps["user_refresh"]["value"] = {
        "access_changed": before[0] != after[0],
        "refresh_rotated": before[1] != after[1],
        "has_tokens": all(after),
    }
    step("user_raw_data_access", lambda: Customer_Account_Manager(user, api_config).get_access_to_raw_data())

    # -- rooms (6.9, 6.10) --------------------------------------------------------------------------------------
    user_room = UserRoom_AS_User_Handler(user, api_config)
    user_room.set_data_external_handler(session.inbox("user_room.data"))
    user_room.set_device_events_external_handler(session.inbox("user_room.events"))
    as_customer = UserRoom_AS_Customer_Handler(customer, hia_config["username"], api_config)
    as_customer.set_data_external_handler(session.inbox("as_customer.data"))
    as_customer.set_events_external_handler(session.inbox("as_customer.events"))
    customer_room = CustomerRoom_Handler(customer, api_config)
    customer_room.set_hia_connection_external_handler(session.inbox("customer_room.connect"))
    customer_room.set_hia_disconnect_external_handler(session.inbox("customer_room.disconnect"))
    # listeners that must get nothing: another user of the customer, another customer (its own room, and the
    # user's room asked for by username)
    other_user_room = UserRoom_AS_User_Handler(other_user, api_config)
    other_user_room.set_data_external_handler(session.inbox("other_user_room.data"))
    other_user_room.set_device_events_external_handler(session.inbox("other_user_room.events"))
    stranger_room = CustomerRoom_Handler(other_customer, api_config)
    stranger_room.set_hia_connection_external_handler(session.inbox("other_customer_room.connect"))
    stranger_room.set_hia_disconnect_external_handler(session.inbox("other_customer_room.disconnect"))
    stranger_as_customer = UserRoom_AS_Customer_Handler(other_customer, hia_config["username"], api_config)
    stranger_as_customer.set_data_external_handler(session.inbox("other_customer_as_customer.data"))
    stranger_as_customer.set_events_external_handler(session.inbox("other_customer_as_customer.events"))

    def connect_room(handler: Any) -> bool:
        handler.connect()
        api_object = getattr(handler, "_userRoom_api", None) or getattr(handler, "_customerRoom_api", None)
        return bool(api_object._sio.connected)

    for name, handler in [
        ("user_room", user_room),
        ("as_customer", as_customer),
        ("customer_room", customer_room),
        ("other_user_room", other_user_room),
        ("other_customer_room", stranger_room),
        ("other_customer_as_customer", stranger_as_customer),
    ]:
        step(f"connect_{name}", lambda handler=handler: connect_room(handler))

    # -- HIA (6.5-6.6, 7.5-7.7) ---------------------------------------------------------------------------------
    sensors = sensor_info()
    hia = HIA_Client(user, sensors, api_config)
    hia._sio.on("pipeline_error", session.inbox("hia.pipeline_error"))  # braindock's rejection event (D9)

    def connect_hia() -> bool:
        hia.connect(hia_version="compat-suite", device="neurospeed_runner")
        return hia.is_connected()

    step("hia_connect", connect_hia)
    step(
        "presence_connect",
        lambda: (
            session.rooms["user_room.events"].wait(lambda items: len(items) >= 1, session.wait_s)
            and session.rooms["as_customer.events"].wait(lambda items: len(items) >= 1, session.wait_s)
            and session.rooms["customer_room.connect"].wait(lambda items: len(items) >= 1, session.wait_s)
        ),
    )
    room = session.rooms["user_room.data"]
    label = ["none"]

    def queued(phase: str, stream_id: str, markers: list[float]) -> None:
        """``send_data`` (queued, the client appends ``time.time()`` to the caller's list, 7.5)."""
        for marker in markers:
            sample = [marker, -marker / 4]
            hia.send_data(sample, stream_id)
            session.sent.append(
                {"phase": phase, "stream_id": stream_id, "values": sample[:2], "timestamp": sample[2],
                 "label": label[0], "how": "send_data"}
            )  # fmt: skip

    def direct(phase: str, stream_id: str, markers: list[float], how: str) -> None:
        """``send_data_direct`` with explicit timestamps, one shared client time, or none (7.6)."""
        packet = [[marker, -marker / 4] for marker in markers]
        stamps: list[float | None] = [None] * len(markers)
        if how == "timestamps":
            stamps = [1_700_000_000.0 + marker / 1000 for marker in markers]
            hia.send_data_direct(packet, stream_id, timestamp=stamps)
        elif how == "client_time":
            hia.send_data_direct(packet, stream_id)
        else:
            hia.send_data_direct(packet, stream_id, send_without_timestamp=True)
        for row, stamp in zip(packet, stamps, strict=True):
            session.sent.append(
                {"phase": phase, "stream_id": stream_id, "values": row[:2], "timestamp": stamp, "label": label[0],
                 "how": f"send_data_direct/{how}"}
            )  # fmt: skip

    def markers_of(phase: str) -> list[float]:
        return [s["values"][0] for s in session.sent if s["phase"] == phase]

    # before the recording: none of this may be exported
    queued("before", "EEG_COMPAT", [1001.0, 1002.0, 1003.0])
    step("data_before_arrived", lambda: session.wait_rows(room, markers_of("before")))

    recorder_id = step(
        "start_recording", lambda: macros.start_recording(customer, hia_config, "compat-session", api_config=api_config)
    )

    label[0] = "phase-one"
    hia.set_label("phase-one")
    queued("during", "EEG_COMPAT", [2001.0, 2002.0, 2003.0, 2004.0, 2005.0])
    queued("during", "user_data_COMPAT", [2101.0, 2102.0, 2103.0])
    step("data_phase_one_arrived", lambda: session.wait_rows(room, markers_of("during")))
    label[0] = "phase-two"
    hia.set_label("phase-two")
    direct("during", "EEG_COMPAT", [2201.0, 2202.0, 2203.0, 2204.0], "timestamps")
    direct("during", "user_data_COMPAT", [2301.0, 2302.0], "client_time")
    direct("during", "EEG_COMPAT", [2401.0, 2402.0, 2403.0], "none")
    step("data_phase_two_arrived", lambda: session.wait_rows(room, markers_of("during")))

    step("stop_recording", lambda: macros.stop_recording(customer, recorder_id, api_config=api_config))

    # after the recording: none of this may be exported either
    queued("after", "EEG_COMPAT", [3001.0, 3002.0])
    step("data_after_arrived", lambda: session.wait_rows(room, markers_of("after")))

    recorders = UserRoom_Recorder_Handler(customer, api_config)
    step("get_recorder", lambda: recorders.get_recorder(recorder_id))
    step("list_recorders", lambda: recorders.list_recorders(1, 50, {"username": hia_config["username"]}))
    exporter_config = {
        "custom_name": "compat-session",
        "start_timestamp_mode": "start",
        "end_timestamp_mode": "end",
        "stream_ids": [],
        "is_all_streams": True,
        "is_all_columns": True,
        "selected_columns": [],
    }
    save_folder = spec["save_folder"]

    def download() -> dict[str, Any]:
        path = macros.download_data(
            customer, recorder_id, exporter_config, hia_config, save_folder, api_config=api_config
        )
        return {"path": path, "csv": Path(path).read_text(encoding="utf-8") if path else None}

    step("download_data", download)
    exporters = UserRoom_Recorder_Exporter_Handler(customer, api_config)
    listed = step("list_exporters", lambda: exporters.list_exporters(hia_config["username"], 1, 5))
    exporter_id = listed["pager"]["items"][0]["id"] if listed and listed["pager"]["items"] else None

    # -- isolation: another user of the customer and another customer (3.6, 3.7, D5) ------------------------------
    for who, auth in [("other_customer", other_customer), ("other_user", other_user), ("user", user)]:
        their_recorders = UserRoom_Recorder_Handler(auth, api_config)
        their_exporters = UserRoom_Recorder_Exporter_Handler(auth, api_config)
        step(f"{who}_get_recorder", lambda r=their_recorders: r.get_recorder(recorder_id))
        step(f"{who}_stop_recorder", lambda r=their_recorders: r.update_recorder(recorder_id, "stopped"))
        step(f"{who}_create_exporter", lambda e=their_exporters: e.create_exporter(int(recorder_id), exporter_config))
        step(f"{who}_get_exporter", lambda e=their_exporters: e.get_exporter(exporter_id))
        step(f"{who}_get_exported_url", lambda e=their_exporters: e.get_exported_url(exporter_id))
        step(f"{who}_list_exporters", lambda e=their_exporters: e.list_exporters(hia_config["username"], 1, 5))
    step(
        "other_customer_download_data",
        lambda: macros.download_data(
            other_customer, recorder_id, exporter_config, hia_config, save_folder + "-other", api_config=api_config
        ),
    )

    # -- HIA disconnect: presence events --------------------------------------------------------------------------
    def disconnect_hia() -> bool:
        hia.disconnect()
        return True

    step("hia_disconnect", disconnect_hia)
    step(
        "presence_disconnect",
        lambda: (
            session.rooms["user_room.events"].wait(lambda items: len(items) >= 2, session.wait_s)
            and session.rooms["as_customer.events"].wait(lambda items: len(items) >= 2, session.wait_s)
            and session.rooms["customer_room.disconnect"].wait(lambda items: len(items) >= 1, session.wait_s)
        ),
    )
    for handler in (user_room, as_customer, customer_room, other_user_room, stranger_room, stranger_as_customer):
        with contextlib.suppress(Exception), contextlib.redirect_stdout(io.StringIO()):
            handler.disconnect()

    return {
        "version": importlib.metadata.version("neurospeed"),
        "socketio": importlib.metadata.version("python-socketio"),
        "recorder_id": recorder_id,
        "exporter_id": exporter_id,
        "steps": session.steps,
        "sent": session.sent,
        "rooms": {name: inbox.items for name, inbox in session.rooms.items()},
    }


def main() -> int:
    spec_path, results_path = Path(sys.argv[1]), Path(sys.argv[2])
    results = run(json.loads(spec_path.read_text()))
    results_path.write_text(json.dumps(results, default=repr))
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # the client's sender threads are not daemons and its sockets reconnect forever: end the process here
    import os

    os._exit(code)
