"""Drive the unmodified official ``neurospeed`` 2.3.5 client through one whole session and write JSON results.

Usage (in the virtualenv of ``neurospeed==2.3.5`` plus numpy, python-dateutil and pytz, which its macros import
without declaring them)::

    python neurospeed_runner.py SPEC.json RESULTS.json

``SPEC`` is ``{"api": "http://127.0.0.1:PORT", "customer": {"email", "password"}, "other_customer": {...},
"user": {"account_id", "username", "password"}, "other_user": {...}, "new_user": {"username", "renamed",
"password", "new_password"}, "save_folder": PATH, "wait_s": 60}``.

The client prints its HTTP errors (``Failed to HTTP GET to url: ...`` and the body) and returns ``None``
instead of raising (``neurospeed.md`` 9.1). Every step therefore runs with stdout captured and becomes
``{"value": <JSON-able result>, "exception": "Type: message" | None, "http_errors": [{"method", "url",
"status", "message"}], "printed": <text>, "requests": [[method, url-path, status], ...]}`` under its name in
``RESULTS["steps"]``; ``requests`` lists every HTTP request the client sent during the step (counted by
wrapping ``requests.Session.send``, which every ``requests.get/post/...`` call goes through; the client's code
is not touched), so a step can show that a broken client method failed before sending anything. Samples
sent are listed in ``RESULTS["sent"]`` (``{"phase": before|during|after|ssr, "stream_id", "values",
"timestamp", "label", "how", "dropped"}``; ``timestamp`` is ``null`` when the client or server chose it,
``dropped`` is true for samples of a stream disabled by SSR) and what each listener received in
``RESULTS["rooms"]``.

The session (one process, like a user's script), in order:

1. customer and user login, refresh (also through the inner ``*_Auth_Api`` classes), getters, a stale access
   token that the client must refresh and retry (2.6), ``HttpService``/``ApiConfig``/``UtilService`` used
   directly; ``Customer_Account_Manager``: access flags, ``get_user_id``, ``create_new_user`` →
   ``modify_user`` → ``delete_user`` checked by logging in as that user, the same attempted by another
   customer and with a user token, and the client's broken methods (``get_all_existing_users``,
   ``get_hia_id`` of a customer, ``Gateway_HttpHandler.is_unauthorized``);
2. the user's room as user and as customer, the customer room, the downlink rooms (two sockets of the user,
   one as customer), and the same for another user and another customer;
3. an HIA with an EEG and a user_data stream (sensor_info updated before connecting), presence events,
   ``Gateway_HttpHandler`` while it is connected, a second HIA made by ``macros.init_HIA_client``, and an HIA
   with no token that the server refuses;
4. samples before, during and after a recording made with ``macros.start_recording`` / ``stop_recording``,
   with labels and both ``send_data`` and ``send_data_direct``; ``macros.download_data``;
5. SSR: ``change_stream_state`` (disabled stream's packets dropped by the server, then enabled again) and
   ``send_downlink`` reaching the HIA; the same refused for another customer, a user token, an offline HIA;
6. downlink rooms: ``route_message`` from the customer side and from one user socket;
7. a second recording made with ``UserRoom_Recorder_Handler`` directly and filled by
   ``macros.send_datafile_to_neurospeed`` (a NumPy array with timestamps and labels), exported with
   ``macros.run_exporter_flow``, checked with ``is_exporter_datafile`` / ``find_exporter_files``, then
   ``delete_exporter``, ``macros.delete_recording`` and ``delete_recorder``;
8. the other user and the other customer try to read, stop, delete and export the first recording;
9. the HIA's ``ping`` handler answering the server's application-level pings (6.7), HIA disconnect,
   presence events, gateway after the disconnect.
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

#: ``[method, path, status]`` of every HTTP request the client sent (see :func:`count_requests`).
SENT_REQUESTS: list[list[Any]] = []


def count_requests() -> None:
    """Record every request sent through ``requests`` (the client's only HTTP library) in :data:`SENT_REQUESTS`."""
    from urllib.parse import urlsplit

    import requests.sessions

    original = requests.sessions.Session.send

    def send(self: Any, request: Any, **kwargs: Any) -> Any:
        entry = [request.method, urlsplit(request.url).path, None]
        SENT_REQUESTS.append(entry)
        response = original(self, request, **kwargs)
        entry[2] = response.status_code
        return response

    requests.sessions.Session.send = send


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
        self.datafile: dict[str, Any] = {}

    def step(self, name: str, call: Callable[[], Any]) -> Any:
        buffer = io.StringIO()
        entry: dict[str, Any] = {"value": None, "exception": None}
        value = None
        sent_before = len(SENT_REQUESTS)
        with contextlib.redirect_stdout(buffer):
            try:
                value = call()
                entry["value"] = plain(value)
            except Exception as exc:  # noqa: BLE001 - recorded for the test to assert on
                entry["exception"] = f"{type(exc).__name__}: {exc}"
                entry["traceback"] = traceback.format_exc()[-3000:]
        entry["printed"] = buffer.getvalue()[-5000:]
        entry["http_errors"] = http_errors(entry["printed"])
        entry["requests"] = SENT_REQUESTS[sent_before:]
        self.steps[name] = entry
        return value

    def inbox(self, name: str) -> Inbox:
        self.rooms[name] = Inbox()
        return self.rooms[name]

    def wait_count(self, name: str, count: int) -> bool:
        """Wait until listener ``name`` received at least ``count`` payloads."""
        return self.rooms[name].wait(lambda items: len(items) >= count, self.wait_s)

    def wait_rows(self, expected: list[float], rooms: tuple[str, ...] = ("user_room.data", "as_customer.data")) -> bool:
        """Wait until ``data`` events carrying every marker value of ``expected`` (channel 0) arrived in ``rooms``."""

        def arrived(items: list[Any]) -> bool:
            seen = {row[0] for event in items for row in event["data"]["sample"]}
            return all(marker in seen for marker in expected)

        return all(self.rooms[name].wait(arrived, self.wait_s) for name in rooms)


def sensor_info() -> dict[str, Any]:
    """Two streams: a 2-channel EEG at 128 Hz and a 2-channel user_data stream (sensor_info of 7.1)."""
    return {
        "EEG_COMPAT": {
            "device_type": "EEG",
            "channel_count": 2,
            "channel_map": ["placeholder-1", "placeholder-2"],  # replaced by update_sensor_info before connecting
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
    import time

    import neurospeed.constants as constants
    import numpy as np
    from neurospeed.api_http_handlers.customer_account_manager import Customer_Account_Manager
    from neurospeed.api_http_handlers.exporter_http_handler import UserRoom_Recorder_Exporter_Handler
    from neurospeed.api_http_handlers.gateway_http_handler import Gateway_HttpHandler
    from neurospeed.api_http_handlers.recorder_http_handler import UserRoom_Recorder_Handler
    from neurospeed.api_http_handlers.ssr_http_handler import SSR_HttpHandler
    from neurospeed.api_socket_handlers.customer_room_handler import CustomerRoom_Handler
    from neurospeed.api_socket_handlers.downlink_room_as_customer_handler import DownlinkRoom_AS_Customer_Handler
    from neurospeed.api_socket_handlers.downlink_room_as_user_handler import DownlinkRoom_AS_User_Handler
    from neurospeed.api_socket_handlers.user_room_as_customer_handler import UserRoom_AS_Customer_Handler
    from neurospeed.api_socket_handlers.user_room_as_user_handler import UserRoom_AS_User_Handler
    from neurospeed.auth.auth_as_customer_handler import Auth_AS_Customer_handler
    from neurospeed.auth.auth_as_user_handler import Auth_AS_User_Handler
    from neurospeed.hia_user_data.neurobrave_sensor_interface import HIA_Client
    from neurospeed.macros import macros
    from neurospeed.utils.api_config_service import ApiConfig
    from neurospeed.utils.helper_service import UtilService
    from neurospeed.utils.http_service import HttpService

    count_requests()
    session = Session(spec)
    api = spec["api"].rstrip("/")
    api_config = {"api_address": api, "pipeline_address": "ws" + api[len("http") :]}
    constants.PROD_API_CONFIG.update(api_config)  # 1.4: redirects the macros that ignore api_config
    step = session.step
    save_folder = spec["save_folder"]
    Path(save_folder).parent.mkdir(parents=True, exist_ok=True)

    # -- 1. authentication (2.2-2.6) ------------------------------------------------------------------------------
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
    step(
        "customer_getters",
        lambda: {
            "email": customer.get_customer_email(),
            "config_email": customer.get_config()["email"],
            "is_logged_in": customer.is_logged_in(),
            "is_verbose_log": customer.is_verbose_log(),
            "has_access_token": bool(customer.get_access_token()),
            "has_refresh_token": bool(customer.get_refresh_token()),
        },
    )
    step("customer_get_hia_id", customer.get_hia_id)  # client defect: a customer config has no HIA_ID (9.1)

    def inner_customer_api() -> dict[str, Any]:
        inner = Auth_AS_Customer_handler.Customer_Auth_Api(customer, api_config)
        logged_in = inner.customer_login()
        first = (inner.get_access_token(), inner.get_refresh_token())
        refreshed = inner.update_refresh_token()
        return {
            "login": logged_in,
            "refresh": refreshed,
            "refresh_rotated": first[1] != inner.get_refresh_token(),
            "has_access_token": bool(inner.get_access_token()),
        }

    step("customer_auth_api", inner_customer_api)
    customer_details = step(
        "customer_details", lambda: Customer_Account_Manager(customer, api_config).get_customer_details()
    )

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
    step(
        "user_getters",
        lambda: {
            "hia_id": user.get_hia_id(),
            "username": user.get_username(),
            "account_id": user.get_config()["account_id"],
            "is_logged_in": user.is_logged_in(),
            "is_verbose_log": user.is_verbose_log(),
            "has_access_token": bool(user.get_access_token()),
            "has_refresh_token": bool(user.get_refresh_token()),
        },
    )

    def inner_user_api() -> dict[str, Any]:
        inner = Auth_AS_User_Handler.User_Auth_Api(user, api_config)
        logged_in = inner.user_login()
        first = inner.get_refresh_token()
        refreshed = inner.update_refresh_token()
        return {
            "login": logged_in,
            "refresh": refreshed,
            "refresh_rotated": first != inner.get_refresh_token(),
            "has_access_token": bool(inner.get_access_token()),
        }

    step("user_auth_api", inner_user_api)
    step("user_raw_data_access", lambda: Customer_Account_Manager(user, api_config).get_access_to_raw_data())

    # -- 1b. utilities used directly ------------------------------------------------------------------------------
    config_file = Path(save_folder).parent / "hia_config.json"
    config_file.write_text(json.dumps({"username": spec["user"]["username"], "EEG_sample_rate": 256}))
    step("util_load_config_file", lambda: UtilService.load_config_file(str(config_file)))
    step("util_generate_id", lambda: UtilService.generateId(12))
    step("api_config_urls", lambda: [ApiConfig(api_config).get_http_url(), ApiConfig(api_config).get_socket_url()])

    def http_service() -> dict[str, Any]:
        service = HttpService(customer, api_config)
        stored = service.set_headers(customer.get_access_token())
        current = service.get_and_update_headers()
        profile = service.GET_request("/customers/current", {}, current)
        page = {"pager": {"page_number": 1, "page_size": 5}, "filters": {"username": spec["user"]["username"]}}
        recorders = service.POST_request("/gateway/recorder/list", page, current)
        return {
            "set_headers": stored == {"Authorization": "Bearer " + customer.get_access_token()},
            "get_and_update_headers": current == stored,
            "email": profile["email"],
            "recorders_listed": len(recorders["pager"]["items"]),
        }

    step("http_service", http_service)
    service = HttpService(customer, api_config)
    step(
        "http_service_put",
        lambda: service.PUT_request("/gateway/recorder", {"status": "stopped"}, {"id": 999999},
                                    service.get_and_update_headers()),
    )  # fmt: skip
    step(
        "http_service_delete",
        lambda: service.DELETE_request("/users", {"id": 999999}, service.get_and_update_headers()),
    )

    # -- 1c. user management: Customer_Account_Manager (3.2, 3.3) -----------------------------------------------
    accounts = Customer_Account_Manager(customer, api_config)
    new = spec["new_user"]
    step(
        "account_get_headers",
        lambda: accounts.get_headers() == {"Authorization": "Bearer " + customer.get_access_token()},
    )
    step("account_check_username", lambda: accounts.check_username_for_validity(12345))
    step("account_check_password", lambda: [accounts.check_password_for_validity(p) for p in ("short", 12345678)])
    step("account_insight_access", accounts.get_insight_access)
    step("account_recordings_access", accounts.get_recording_exporting_access)
    step("account_raw_data_access", accounts.get_access_to_raw_data)
    step("account_get_user_id", lambda: accounts.get_user_id(spec["user"]["username"]))
    step("account_get_all_existing_users", lambda: accounts.get_all_existing_users(1, 50))  # client defect (9.2)
    step("macro_get_all_existing_users", lambda: macros.get_all_existing_users(customer, api_config=api_config))
    step("gateway_is_unauthorized", lambda: Gateway_HttpHandler(customer, api_config).is_unauthorized({}))

    def login_as(username: str, password: str) -> bool:
        config = {"account_id": spec["user"]["account_id"], "username": username, "user_password": password}
        return Auth_AS_User_Handler({**config, "HIA_ID": "LOGIN1"}, api_config).login()

    created = step("create_new_user", lambda: accounts.create_new_user(new["username"], new["password"]))
    new_id = created["id"] if isinstance(created, dict) else None
    step("create_new_user_duplicate", lambda: accounts.create_new_user(new["username"], new["password"]))
    step("create_new_user_short_name", lambda: accounts.create_new_user("shorty", new["password"]))  # client check
    step("new_user_login", lambda: login_as(new["username"], new["password"]))
    step("new_user_id", lambda: accounts.get_user_id(new["username"]))
    step("modify_user", lambda: accounts.modify_user(new_id, new["renamed"], new["new_password"]))
    step("renamed_user_login", lambda: login_as(new["renamed"], new["new_password"]))
    step("renamed_user_old_password", lambda: login_as(new["renamed"], new["password"]))
    step("renamed_user_old_name", lambda: login_as(new["username"], new["new_password"]))
    step("renamed_user_id", lambda: accounts.get_user_id(new["renamed"]))
    step("delete_user_not_int", lambda: accounts.delete_user(str(new_id)))  # refused by the client itself
    # another customer and a user token cannot touch the user
    stranger_accounts = Customer_Account_Manager(other_customer, api_config)
    step("other_customer_get_user_id", lambda: stranger_accounts.get_user_id(new["renamed"]))
    step("other_customer_modify_user", lambda: stranger_accounts.modify_user(new_id, "stolen-name", "stolen-pass-1"))
    step("other_customer_delete_user", lambda: stranger_accounts.delete_user(new_id))
    user_accounts = Customer_Account_Manager(user, api_config)
    step("user_create_new_user", lambda: user_accounts.create_new_user("made-by-user", "user-pass-1"))
    step("user_delete_user", lambda: user_accounts.delete_user(new_id))
    step("user_customer_details", user_accounts.get_customer_details)
    step("renamed_user_login_after_attempts", lambda: login_as(new["renamed"], new["new_password"]))
    step("delete_user", lambda: accounts.delete_user(new_id))
    step("deleted_user_login", lambda: login_as(new["renamed"], new["new_password"]))
    step("deleted_user_id", lambda: accounts.get_user_id(new["renamed"]))

    # -- 2. rooms (6.9-6.11) ------------------------------------------------------------------------------------
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
    step("room_usernames", lambda: [user_room.get_username(), as_customer.get_username()])

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

    # downlink rooms: two sockets of the user, the customer's socket for that user, another user, another customer
    downlinks: dict[str, Any] = {
        "dl_user_a": DownlinkRoom_AS_User_Handler(user, api_config),
        "dl_user_b": DownlinkRoom_AS_User_Handler(user, api_config),
        "dl_other_user": DownlinkRoom_AS_User_Handler(other_user, api_config),
        "dl_customer": DownlinkRoom_AS_Customer_Handler(customer, hia_config["username"], api_config),
        "dl_other_customer": DownlinkRoom_AS_Customer_Handler(other_customer, hia_config["username"], api_config),
    }
    for name in ("dl_user_a", "dl_user_b", "dl_other_user"):
        downlinks[name].set_downlink_router_external_handler(session.inbox(name))

    def connect_downlink(handler: Any) -> bool:
        handler.connect()
        return bool(handler._downlink_api._sio.connected)

    for name, handler in downlinks.items():
        step(f"connect_{name}", lambda handler=handler: connect_downlink(handler))
    step("downlink_usernames", lambda: [downlinks[n].get_username() for n in ("dl_user_a", "dl_other_user")])

    # -- 3. HIA (6.5-6.8, 7.5-7.8) ------------------------------------------------------------------------------
    sensors = sensor_info()
    hia = HIA_Client(user, sensors, api_config)
    hia._sio.on("pipeline_error", session.inbox("hia.pipeline_error"))  # braindock's rejection event (D9)
    connected_inbox, disconnected_inbox = session.inbox("hia.connected"), session.inbox("hia.disconnected")
    hia.set_socket_connection_external_handler(lambda client: connected_inbox(client.get_hia_id()))
    hia.set_socket_disconnect_external_handler(lambda client: disconnected_inbox(client.get_hia_id()))
    # overwritten by connect() itself (9.3): must never be called
    hia.attach_socket_connection_handler(session.inbox("hia.attached_before_connect"))

    def update_before_connect() -> dict[str, Any]:
        hia.update_sensor_info("EEG_COMPAT", {"channel_map": ["Fp1", "Fp2"]})
        return {
            "channel_map": hia.get_sensor_info()["EEG_COMPAT"]["channel_map"],
            "username": hia.get_username(),
            "hia_id": hia.get_hia_id(),
            "enabled": [hia.is_stream_enabled(stream) for stream in sensors],
            "connected": hia.is_connected(),
        }

    step("hia_before_connect", update_before_connect)

    def connect_hia() -> bool:
        hia.connect(hia_version="compat-suite", device="neurospeed_runner")
        return hia.is_connected() or session.wait_count("hia.connected", 1)

    step("hia_connect", connect_hia)
    step("hia_update_after_connect", lambda: hia.update_sensor_info("EEG_COMPAT", {"channel_map": ["x", "y"]}))
    # handlers attached after connect() replace the internal ones; keep the stream-state bookkeeping
    stream_states, downlinked, pings = (
        session.inbox("hia.ssr_stream_state"),
        session.inbox("hia.ssr_downlink"),
        session.inbox("hia.ping"),
    )

    def on_stream_state(data: Any) -> None:
        hia.stream_state_handler(data)
        stream_states(data)

    def on_downlink(payload: Any) -> None:
        hia.downlink_handler(payload)
        downlinked(payload)

    def on_ping() -> None:
        pings(True)
        hia.ping_handler()

    hia.attach_stream_state_handler(on_stream_state)
    hia.attach_downlink_handler(on_downlink)
    hia._sio.on("ping", on_ping)  # the client's own handler registered under a spy (6.7)
    step(
        "presence_connect",
        lambda: (
            session.rooms["user_room.events"].wait(lambda items: len(items) >= 1, session.wait_s)
            and session.rooms["as_customer.events"].wait(lambda items: len(items) >= 1, session.wait_s)
            and session.rooms["customer_room.connect"].wait(lambda items: len(items) >= 1, session.wait_s)
        ),
    )
    gateway = Gateway_HttpHandler(customer, api_config)
    stranger_gateway = Gateway_HttpHandler(other_customer, api_config)
    step("gateway_connected_users", gateway.get_connected_users)
    step("gateway_connections_live", lambda: gateway.get_connections(1, 50, {"is_connected": True}))
    step("other_customer_connected_users", stranger_gateway.get_connected_users)
    step("other_customer_connections", stranger_gateway.get_connections)
    step("user_connected_users", lambda: Gateway_HttpHandler(user, api_config).get_connected_users())

    # a second HIA of the user made by the macro (EEG stream from generate_sensor_info)
    init_config = {
        "account_id": spec["user"]["account_id"],
        "username": spec["user"]["username"],
        "user_password": spec["user"]["password"],
        "EEG_channel_enable": [0, 1, 2],
        "EEG_sample_rate": 256,
        "EEG_buffer_length_seconds": 0.5,
        "channel_map": ["C3", "Cz", "C4"],
    }
    init_state: dict[str, Any] = {}

    def init_hia() -> dict[str, Any]:
        client, info = macros.init_HIA_client({"DATA_SOURCE": ["EEG"]}, init_config, api_config=api_config)
        init_state["client"] = client
        deadline = time.monotonic() + session.wait_s
        while not client.is_connected() and time.monotonic() < deadline:
            time.sleep(0.05)
        return {"connected": client.is_connected(), "hia_id": client.get_hia_id(), "sensor_info": info}

    init_result = step("init_hia_client", init_hia)
    step(
        "gateway_connections_two_hias",
        lambda: gateway.get_connections(1, 50, {"is_connected": True, "usernames": [spec["user"]["username"]]}),
    )
    step("gateway_connected_users_two_hias", gateway.get_connected_users)

    def disconnect_init_hia() -> bool:
        client = init_state["client"]
        client.attach_socket_disconnect_handler(session.inbox("init_hia.disconnect"))  # replaces the internal one
        client.disconnect()
        return session.wait_count("init_hia.disconnect", 1)

    step("init_hia_disconnect", disconnect_init_hia)

    # an HIA whose user never logged in: no token, the server refuses every one of the client's 10 attempts
    def refused_hia() -> dict[str, Any]:
        nobody = Auth_AS_User_Handler(
            {**hia_config, "user_password": "not-the-password", "HIA_ID": "NOTOKEN"}, api_config
        )
        logged_in = nobody.login()
        client = HIA_Client(nobody, sensor_info(), api_config)
        client.connect()
        return {"login": logged_in, "connected": client.is_connected(), "sid": client._sio.sid}

    step("hia_without_token", refused_hia)

    # -- 4. recording with the macros (4.5, 5.4) -----------------------------------------------------------------
    label = ["none"]

    def queued(phase: str, stream_id: str, markers: list[float], dropped: bool = False) -> None:
        """``send_data`` (queued, the client appends ``time.time()`` to the caller's list, 7.5)."""
        for marker in markers:
            sample = [marker, -marker / 4]
            hia.send_data(sample, stream_id)
            session.sent.append(
                {"phase": phase, "stream_id": stream_id, "values": sample[:2], "timestamp": sample[2],
                 "label": label[0], "how": "send_data", "dropped": dropped}
            )  # fmt: skip

    def direct(phase: str, stream_id: str, markers: list[float], how: str, dropped: bool = False) -> None:
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
                 "how": f"send_data_direct/{how}", "dropped": dropped}
            )  # fmt: skip

    def markers_of(phase: str) -> list[float]:
        return [s["values"][0] for s in session.sent if s["phase"] == phase and not s["dropped"]]

    # before the recording: none of this may be exported
    queued("before", "EEG_COMPAT", [1001.0, 1002.0, 1003.0])
    step("data_before_arrived", lambda: session.wait_rows(markers_of("before")))
    step(
        "find_running_recorder_none", lambda: macros.find_running_recorder(customer, hia_config["username"], api_config)
    )

    recorder_id = step(
        "start_recording", lambda: macros.start_recording(customer, hia_config, "compat-session", api_config=api_config)
    )
    step("find_running_recorder", lambda: macros.find_running_recorder(customer, hia_config["username"], api_config))

    label[0] = "phase-one"
    hia.set_label("phase-one")
    queued("during", "EEG_COMPAT", [2001.0, 2002.0, 2003.0, 2004.0, 2005.0])
    queued("during", "user_data_COMPAT", [2101.0, 2102.0, 2103.0])
    step("data_phase_one_arrived", lambda: session.wait_rows(markers_of("during")))
    label[0] = "phase-two"
    hia.set_label("phase-two")
    direct("during", "EEG_COMPAT", [2201.0, 2202.0, 2203.0, 2204.0], "timestamps")
    direct("during", "user_data_COMPAT", [2301.0, 2302.0], "client_time")
    direct("during", "EEG_COMPAT", [2401.0, 2402.0, 2403.0], "none")
    step("data_phase_two_arrived", lambda: session.wait_rows(markers_of("during")))

    step("stop_recording", lambda: macros.stop_recording(customer, recorder_id, api_config=api_config))

    # after the recording: none of this may be exported either
    queued("after", "EEG_COMPAT", [3001.0, 3002.0])
    step("data_after_arrived", lambda: session.wait_rows(markers_of("after")))

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

    def download() -> dict[str, Any]:
        path = macros.download_data(
            customer, recorder_id, exporter_config, hia_config, save_folder, api_config=api_config
        )
        return {"path": path, "csv": Path(path).read_text(encoding="utf-8") if path else None}

    step("download_data", download)
    exporters = UserRoom_Recorder_Exporter_Handler(customer, api_config)
    listed = step("list_exporters", lambda: exporters.list_exporters(hia_config["username"], 1, 5))
    exporter_id = listed["pager"]["items"][0]["id"] if listed and listed["pager"]["items"] else None

    # -- 5. SSR: commands to the connected HIA (3.5, 6.8, 7.8) ----------------------------------------------------
    ssr = SSR_HttpHandler(customer, api_config)
    username = hia_config["username"]
    step("ssr_disable_stream", lambda: ssr.change_stream_state(username, "COMPAT1", "user_data_COMPAT", "disabled"))
    step("ssr_disabled_reached_hia", lambda: session.wait_count("hia.ssr_stream_state", 1))
    step("ssr_disabled_state", lambda: [hia.is_stream_enabled(s) for s in ("EEG_COMPAT", "user_data_COMPAT")])
    # the client keeps sending a disabled stream (9.3): the server must drop it (7.8)
    direct("ssr", "user_data_COMPAT", [4101.0, 4102.0], "timestamps", dropped=True)
    # (send_data is not used here: its sender thread could emit after the stream is enabled again)
    direct("ssr", "EEG_COMPAT", [4001.0, 4002.0], "timestamps")
    step("ssr_enabled_stream_arrived", lambda: session.wait_rows(markers_of("ssr")))
    step("ssr_enable_stream", lambda: ssr.change_stream_state(username, "COMPAT1", "user_data_COMPAT", "enabled"))
    step("ssr_enabled_reached_hia", lambda: session.wait_count("hia.ssr_stream_state", 2))
    step("ssr_enabled_state", lambda: [hia.is_stream_enabled(s) for s in ("EEG_COMPAT", "user_data_COMPAT")])
    direct("ssr", "user_data_COMPAT", [4201.0, 4202.0], "timestamps")
    step("ssr_reenabled_stream_arrived", lambda: session.wait_rows(markers_of("ssr")))
    downlink_payload = {"command": "beep", "times": 3, "text": "ünïcode ✓"}
    step("ssr_send_downlink", lambda: ssr.send_downlink(username, "COMPAT1", downlink_payload))
    step("ssr_downlink_reached_hia", lambda: session.wait_count("hia.ssr_downlink", 1))
    step("ssr_send_downlink_string", lambda: ssr.send_downlink(username, "COMPAT1", "plain text"))
    step("ssr_downlink_string_reached_hia", lambda: session.wait_count("hia.ssr_downlink", 2))
    step("ssr_offline_hia", lambda: ssr.send_downlink(username, "NOT-CONNECTED", {"command": "beep"}))
    step("ssr_downlink_too_large", lambda: ssr.send_downlink(username, "COMPAT1", {"blob": "x" * 70_000}))
    step("ssr_bad_state", lambda: ssr.change_stream_state(username, "COMPAT1", "EEG_COMPAT", "paused"))
    step("ssr_unknown_stream", lambda: ssr.change_stream_state(username, "COMPAT1", "NO_STREAM", "disabled"))
    stranger_ssr = SSR_HttpHandler(other_customer, api_config)
    step(
        "other_customer_ssr_state",
        lambda: stranger_ssr.change_stream_state(username, "COMPAT1", "EEG_COMPAT", "disabled"),
    )
    step("other_customer_ssr_downlink", lambda: stranger_ssr.send_downlink(username, "COMPAT1", {"command": "x"}))
    step("user_ssr_downlink", lambda: SSR_HttpHandler(user, api_config).send_downlink(username, "COMPAT1", {"c": 1}))

    # -- 6. downlink rooms: router → downlink (6.11) -------------------------------------------------------------
    step("dl_is_connected", lambda: {name: handler.is_connected() for name, handler in downlinks.items()})
    step("dl_customer_route_1", lambda: downlinks["dl_customer"].route_message({"seq": 1, "from": "customer"}))
    step("dl_customer_1_arrived", lambda: session.wait_count("dl_user_a", 1) and session.wait_count("dl_user_b", 1))
    step("dl_user_a_route", lambda: downlinks["dl_user_a"].route_message("hello from socket a"))
    step("dl_user_a_arrived_at_b", lambda: session.wait_count("dl_user_b", 2))
    step("dl_customer_route_2", lambda: downlinks["dl_customer"].route_message({"seq": 2, "from": "customer"}))
    step("dl_customer_2_arrived", lambda: session.wait_count("dl_user_a", 2) and session.wait_count("dl_user_b", 3))
    # over 64 KiB: dropped by the server (the sender gets a downlink_error event, which the client ignores)
    step("dl_customer_route_oversized", lambda: downlinks["dl_customer"].route_message("x" * 70_000))
    step("dl_customer_route_3", lambda: downlinks["dl_customer"].route_message({"seq": 3, "from": "customer"}))
    step("dl_customer_3_arrived", lambda: session.wait_count("dl_user_a", 3) and session.wait_count("dl_user_b", 4))

    # -- 7. a recording driven with the handlers, filled by send_datafile_to_neurospeed ---------------------------
    created_recorder = step("create_recorder", lambda: recorders.create_recorder(username, "datafile-session"))
    second_id = created_recorder["id"] if isinstance(created_recorder, dict) else None
    step("create_recorder_while_active", lambda: recorders.create_recorder(username, "second-active"))
    step("find_running_recorder_second", lambda: macros.find_running_recorder(customer, username, api_config))
    rows, window, frequency = 641, 64, 256  # 10 packets of 64 rows; the macro never sends the last partial one
    data = np.column_stack([np.arange(rows, dtype=float) + 5000.0, np.arange(rows, dtype=float) / 8.0])
    stamps = 1_800_000_000.0 + np.arange(rows) / frequency
    labels = np.array(["calm" if index < 3 * window else "task" for index in range(rows)])
    datafile_config = {
        "account_id": spec["user"]["account_id"],
        "username": spec["user"]["username"],
        "user_password": spec["user"]["password"],
        "HIA_ID": "DATAFILE",
    }
    step(
        "send_datafile_to_neurospeed",
        lambda: macros.send_datafile_to_neurospeed(
            data, timestamp_array=stamps, labels_array=labels, Fs=frequency, channel_map=["marker", "eighths"],
            hia_config=datafile_config, device_type="EEG", sleep_time=0.02,
        ),
    )  # fmt: skip
    session.datafile = {
        "rows": data.tolist(),
        "timestamps": stamps.tolist(),
        "labels": labels.tolist(),
        "window": window,
    }
    step("datafile_arrived", lambda: session.wait_rows([float(value) for value in data[: 10 * window, 0]]))
    step("update_recorder_stopped", lambda: recorders.update_recorder(second_id, "stopped"))
    step("find_running_recorder_after_stop", lambda: macros.find_running_recorder(customer, username, api_config))
    datafile_export = {**exporter_config, "custom_name": "datafile"}
    datafile_folder = str(Path(save_folder).parent / "datafile-downloads")
    datafile_path = step(
        "run_exporter_flow",
        lambda: macros.run_exporter_flow(exporters, second_id, datafile_export, hia_config, datafile_folder),
    )
    step("datafile_csv", lambda: Path(datafile_path).read_text(encoding="utf-8"))
    step(
        "is_exporter_datafile",
        lambda: [macros.is_exporter_datafile(datafile_path), macros.is_exporter_datafile(str(config_file))],
    )
    step("find_exporter_files", lambda: macros.find_exporter_files(str(Path(save_folder).parent)))
    second_exporters = step("list_exporters_second", lambda: exporters.list_exporters(username, 1, 50))
    datafile_exporter = next(
        (
            item["id"]
            for item in (second_exporters or {"pager": {"items": []}})["pager"]["items"]
            if item["recorder_id"] == second_id
        ),
        None,
    )
    step("get_exporter_second", lambda: exporters.get_exporter(datafile_exporter))
    step("get_exported_url_second", lambda: exporters.get_exported_url(datafile_exporter))
    extra = step(
        "create_exporter_second",
        lambda: exporters.create_exporter(second_id, {**exporter_config, "custom_name": "extra"}),
    )
    extra_id = extra["id"] if isinstance(extra, dict) else None

    def exported(exporter: Any) -> Any:
        deadline = time.monotonic() + session.wait_s
        current = exporters.get_exporter(exporter)
        while current and current["status"] not in ("exported", "failed") and time.monotonic() < deadline:
            time.sleep(0.1)
            current = exporters.get_exporter(exporter)
        return current

    step("extra_exporter_done", lambda: exported(extra_id))
    step("delete_exporter", lambda: exporters.delete_exporter(extra_id))
    step("get_deleted_exporter", lambda: exporters.get_exporter(extra_id))
    step("list_exporters_after_delete", lambda: exporters.list_exporters(username, 1, 50))
    step("delete_recording", lambda: macros.delete_recording(customer, second_id, api_config=api_config))
    step("get_deleted_recorder", lambda: recorders.get_recorder(second_id))
    step("get_exporter_of_deleted_recorder", lambda: exporters.get_exporter(datafile_exporter))
    third = step("create_recorder_third", lambda: recorders.create_recorder(username))
    third_id = third["id"] if isinstance(third, dict) else None
    step("delete_recorder", lambda: recorders.delete_recorder(third_id))
    step("get_deleted_third", lambda: recorders.get_recorder(third_id))
    step("list_recorders_after_deletes", lambda: recorders.list_recorders(1, 50, {"username": username}))

    # macros that need nothing from the server
    generator_config = {
        "EEG_channel_enable": [0, 1],
        "EEG_sample_rate": 128,
        "EEG_buffer_length_seconds": 0.25,
        "channel_map": ["O1", "O2"],
        "PPG_channel_map": ["ir", "red"],
        "PPG_sample_rate": 64,
        "PPG_buffer_length_seconds": 1.0,
    }
    generated = step(
        "generate_sensor_info", lambda: macros.generate_sensor_info({"DATA_SOURCE": ["EEG", "PPG"]}, generator_config)
    )
    step("get_stream_id_from_sensor_info", lambda: macros.get_stream_id_from_sensor_info(generated, device_type="PPG"))
    step(
        "require_insight_access",
        lambda: macros.require_insight_access(lambda auth, api_config: "allowed")(customer, api_config=api_config),
    )
    step(
        "require_recording_access",
        lambda: macros.require_recording_access(lambda auth, api_config: "allowed")(customer, api_config=api_config),
    )

    # -- 8. isolation: another user of the customer and another customer (3.6, 3.7, D5) ------------------------------
    for who, auth in [("other_customer", other_customer), ("other_user", other_user), ("user", user)]:
        their_recorders = UserRoom_Recorder_Handler(auth, api_config)
        their_exporters = UserRoom_Recorder_Exporter_Handler(auth, api_config)
        step(f"{who}_get_recorder", lambda r=their_recorders: r.get_recorder(recorder_id))
        step(f"{who}_stop_recorder", lambda r=their_recorders: r.update_recorder(recorder_id, "stopped"))
        step(f"{who}_delete_recorder", lambda r=their_recorders: r.delete_recorder(recorder_id))
        step(f"{who}_create_recorder", lambda r=their_recorders: r.create_recorder(username, "intruder"))
        step(f"{who}_list_recorders", lambda r=their_recorders: r.list_recorders(1, 50, {"username": username}))
        step(f"{who}_create_exporter", lambda e=their_exporters: e.create_exporter(int(recorder_id), exporter_config))
        step(f"{who}_get_exporter", lambda e=their_exporters: e.get_exporter(exporter_id))
        step(f"{who}_get_exported_url", lambda e=their_exporters: e.get_exported_url(exporter_id))
        step(f"{who}_delete_exporter", lambda e=their_exporters: e.delete_exporter(exporter_id))
        step(f"{who}_list_exporters", lambda e=their_exporters: e.list_exporters(hia_config["username"], 1, 5))
    step(
        "other_customer_download_data",
        lambda: macros.download_data(
            other_customer, recorder_id, exporter_config, hia_config, save_folder + "-other", api_config=api_config
        ),
    )
    step("get_recorder_after_attempts", lambda: recorders.get_recorder(recorder_id))
    step("get_exporter_after_attempts", lambda: exporters.get_exporter(exporter_id))

    # -- 9. ping/pong, HIA disconnect: presence events, gateway --------------------------------------------------
    step("hia_ping", lambda: session.wait_count("hia.ping", 1))  # the server pings every 15 s (6.7)

    def disconnect_hia() -> bool:
        hia.disconnect()
        return session.wait_count("hia.disconnected", 1)

    step("hia_disconnect", disconnect_hia)
    step("hia_is_connected_after_disconnect", hia.is_connected)
    step(
        "presence_disconnect",
        lambda: (
            # connect and disconnect of each of the three HIAs of the session
            session.wait_count("user_room.events", 6)
            and session.wait_count("as_customer.events", 6)
            and session.wait_count("customer_room.connect", 3)
            and session.wait_count("customer_room.disconnect", 3)
        ),
    )
    step("gateway_connected_users_after", gateway.get_connected_users)
    step("gateway_connections_all", lambda: gateway.get_connections(1, 50))
    step("gateway_connections_page_2", lambda: gateway.get_connections(2, 1))
    step("gateway_connections_live_after", lambda: gateway.get_connections(1, 50, {"is_connected": True}))

    def disconnect_downlinks() -> dict[str, bool]:
        names = ("dl_user_a", "dl_user_b", "dl_customer")
        for name in names:
            downlinks[name].disconnect()
        deadline = time.monotonic() + session.wait_s  # the client's disconnect handler runs in its own thread
        while any(downlinks[name].is_connected() for name in names) and time.monotonic() < deadline:
            time.sleep(0.05)
        return {name: downlinks[name].is_connected() for name in names}

    step("downlink_disconnect", disconnect_downlinks)
    for handler in (user_room, as_customer, customer_room, other_user_room, stranger_room, stranger_as_customer):
        with contextlib.suppress(Exception), contextlib.redirect_stdout(io.StringIO()):
            handler.disconnect()
    for name in ("dl_other_user", "dl_other_customer"):
        with contextlib.suppress(Exception), contextlib.redirect_stdout(io.StringIO()):
            downlinks[name].disconnect()

    return {
        "version": importlib.metadata.version("neurospeed"),
        "socketio": importlib.metadata.version("python-socketio"),
        "recorder_id": recorder_id,
        "exporter_id": exporter_id,
        "second_recorder_id": second_id,
        "third_recorder_id": third_id,
        "new_user_id": new_id,
        "init_hia_id": init_config.get("HIA_ID"),
        "datafile_hia": datafile_config.get("HIA_ID"),
        "datafile": session.datafile,
        "customer_details": customer_details,
        "init_result": init_result,
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
