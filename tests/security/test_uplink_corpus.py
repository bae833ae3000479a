"""A corpus of bad ``/hia`` uplink input against the live server (``neurospeed.md`` 6.4-6.6, 7.2, 7.4, D9, D10).

* **Handshakes** with a broken ``sensors_info`` (or credentials) are refused at the namespace level with a
  message naming the problem (``CONNECT_ERROR {"message"}``, 6.4).
* **Packets** that break a rule, during a recording, each get exactly one ``pipeline_error``
  ``{"message", "reason", "stream_id", "packet"}`` naming the problem and the packet's number on the connection;
  the connection stays open and the valid packets around them are recorded. ``NaN``/``Infinity`` channel values
  are *not* errors: the protocol accepts them as missing values (7.4), so they are exported as empty cells.
* **Floods** beyond the per-stream and the per-connection packet rate limits (:mod:`~.neurospeed.limits`) are
  rejected packet by packet with a ``pipeline_error``; the socket is never dropped.
* Afterwards the server still answers, accepts a new HIA, and the export holds exactly the valid samples.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from braindock.server.neurospeed import limits
from braindock.server.neurospeed.validation import MAX_LABELS, MAX_PACKET_CHARS
from tests.conftest import RunningServer
from tests.neurospeed.conftest import (
    Customer,
    Socket,
    User,
    connected_hia,
    create_recorder,
    eeg_sensor,
    get_recorder,
    new_customer,
    open_hia,
    open_socket,
    open_user_room,
    put_status,
)

EEG, TEXT = "EEG_CORPUS", "user_data_CORPUS"
WAIT_S = 60.0


def sensors() -> dict[str, Any]:
    """An EEG stream (2 channels, 128 Hz) and a user_data stream (2 channels, no frequency)."""
    return {
        **eeg_sensor(EEG, channels=2, frequency=128),
        TEXT: {"device_type": "user_data", "channel_count": 2, "channel_map": ["speed", "mode", "timestamp"]},
    }


@pytest.fixture(scope="module")
def acme(server: RunningServer) -> Customer:
    return new_customer(server)


@pytest.fixture
def closing():  # type: ignore[no-untyped-def]
    sockets: list[Socket] = []
    yield sockets.append
    for socket in sockets:
        socket.close()


def refusal(socket: Socket) -> str:
    assert socket.refused is not None and not socket.client.connected, socket.events
    return socket.refused["message"] if isinstance(socket.refused, dict) else str(socket.refused)


# -- handshakes -----------------------------------------------------------------------------------------------


def _sensor(**change: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def apply(headers: dict[str, Any]) -> dict[str, Any]:
        info = sensors()
        info[EEG].update(change)
        info[EEG] = {key: value for key, value in info[EEG].items() if value is not _DROP}
        return {**headers, "sensors_info": json.dumps(info)}

    return apply


_DROP = object()


def _header(name: str, value: str | None) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def apply(headers: dict[str, Any]) -> dict[str, Any]:
        if value is None:
            return {key: item for key, item in headers.items() if key != name}
        return {**headers, name: value}

    return apply


def _streams(count: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def apply(headers: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {}
        for index in range(count):
            info.update(eeg_sensor(f"EEG_{index:06d}"))
        return {**headers, "sensors_info": json.dumps(info)}

    return apply


HANDSHAKES: list[tuple[str, Callable[[dict[str, Any]], dict[str, Any]], str]] = [
    ("sensors_info missing", _header("sensors_info", None), "sensors_info header is missing"),
    ("sensors_info not JSON", _header("sensors_info", "{EEG: 2 channels"), "not valid JSON"),
    ("sensors_info nested too deeply", _header("sensors_info", "[" * 50_000), "nested too deeply"),
    ("sensors_info a list", _header("sensors_info", "[]"), "at least one stream"),
    ("sensors_info empty", _header("sensors_info", "{}"), "at least one stream"),
    ("sensors_info a string", _header("sensors_info", '"EEG"'), "at least one stream"),
    ("a sensor that is not an object", _header("sensors_info", json.dumps({EEG: "EEG"})), "is not an object"),
    ("too many streams", _streams(65), "more than 64 streams"),
    ("no device_type", _sensor(device_type=_DROP), f"stream {EEG} has no device_type"),
    ("no channel_count", _sensor(channel_count=_DROP), f"stream {EEG} has no channel_count"),
    ("no channel_map", _sensor(channel_map=_DROP), f"stream {EEG} has no channel_map"),
    ("channel_count above the map", _sensor(channel_count=3), "channel_map has 2 names, channel_count is 3"),
    (
        "channel_count below the map",
        _sensor(channel_map=["a", "b", "c"]),
        "channel_map has 3 names, channel_count is 2",
    ),
    ("channel_count zero", _sensor(channel_count=0), "channel_count must be a positive integer"),
    ("channel_count negative", _sensor(channel_count=-2), "channel_count must be a positive integer"),
    ("channel_count fractional", _sensor(channel_count=1.5), "channel_count must be a positive integer"),
    ("channel_count a string", _sensor(channel_count="2"), "channel_count must be a positive integer"),
    ("channel_count a boolean", _sensor(channel_count=True), "channel_count must be a positive integer"),
    ("channel_count Infinity", _sensor(channel_count=float("inf")), "channel_count must be a positive integer"),
    ("channel_count NaN", _sensor(channel_count=float("nan")), "channel_count must be a positive integer"),
    ("channel_map not a list", _sensor(channel_map="ch0,ch1"), "channel_map must be a list of names"),
    ("channel_map with a number", _sensor(channel_map=["ch0", 1]), "channel_map must be a list of names"),
    ("channel name with a newline", _sensor(channel_map=["ch0", "ch\n1"]), "contains a control character"),
    ("channel name too long", _sensor(channel_map=["ch0", "c" * 200]), "longer than 128 characters"),
    ("stream id too long", _header("sensors_info", json.dumps(eeg_sensor("E" * 200))), "longer than 128"),
    ("sampling_frequency missing for EEG", _sensor(sampling_frequency=_DROP), "sampling_frequency is required"),
    ("sampling_frequency null for EEG", _sensor(sampling_frequency=None), "sampling_frequency is required"),
    ("sampling_frequency zero", _sensor(sampling_frequency=0), "sampling_frequency must be a positive number"),
    ("sampling_frequency negative", _sensor(sampling_frequency=-128), "sampling_frequency must be a positive"),
    ("sampling_frequency a string", _sensor(sampling_frequency="128 Hz"), "sampling_frequency must be a positive"),
    ("sampling_frequency NaN", _sensor(sampling_frequency=float("nan")), "sampling_frequency must be a positive"),
    ("sampling_frequency Infinity", _sensor(sampling_frequency=float("inf")), "sampling_frequency must be a positive"),
    ("sampling_frequency absurd", _sensor(sampling_frequency=1e9), "up to 100000"),
    ("unknown device type", _sensor(device_type="ECG"), "unknown device_type 'ECG'"),
    ("device type not a string", _sensor(device_type=7), "unknown device_type 7"),
    ("bad stream_state", _sensor(stream_state="paused"), "stream_state must be enabled or disabled"),
    ("hia_id missing", _header("hia_id", None), "hia_id header is missing"),
    ("hia_id empty", _header("hia_id", ""), "hia_id header is missing"),
    ("hia_id too long", _header("hia_id", "H" * 200), "is longer than 128 characters"),
    ("hia_id with a tab", _header("hia_id", "LAB\t3"), "contains a control character"),
    ("jwt_token invalid", _header("jwt_token", "not-a-token"), "Unauthorized"),
]


@pytest.mark.parametrize(("change", "needle"), [case[1:] for case in HANDSHAKES], ids=[case[0] for case in HANDSHAKES])
def test_bad_handshakes_are_refused_with_a_message(acme: Customer, closing, change, needle: str) -> None:  # type: ignore[no-untyped-def]
    user = _user(acme)
    headers = {
        "jwt_token": user.access,
        "hia_id": "CORPUS",
        "sensors_info": json.dumps(sensors()),
        "current_local_time": str(round(time.time())),
        "local_timezone": "+0000",
    }
    if needle == "Unauthorized":
        headers["jwt_refresh_token"] = "not-a-refresh-token"
    socket = open_socket(acme.server.url, "hia", headers=change(headers))
    closing(socket)
    assert needle in refusal(socket)
    # the refusal left the server serving: the same user connects with a valid handshake
    connected_hia(user, sensors(), closing, hia_id="AFTER")


_USERS: dict[int, User] = {}


def _user(customer: Customer) -> User:
    """One user per customer for the handshake cases (creating one per case would only cost time)."""
    key = id(customer)
    if key not in _USERS:
        _USERS[key] = customer.create_user()
    return _USERS[key]


# -- packets during a recording -------------------------------------------------------------------------------


def pipeline(stream_id: Any, data: Any, labels: Any = None, **extra: Any) -> dict[str, Any]:
    """A ``pipeline`` payload like the official client's (``data`` is given as is: usually a JSON string)."""
    labels = ["corpus"] if labels is None else labels
    return {
        "stream_id": stream_id,
        "device_type": "EEG",
        "hia_id": "ignored",
        "data": data,
        "experiment": {"packet_labels": labels, "onetime_labels": labels},
        **extra,
    }


def sample(rows: list[list[Any]]) -> str:
    return json.dumps({"sample": rows})


#: (case id, payload, needle of the error message); the stamps are far from the valid samples' stamps.
BAD_PACKETS: list[tuple[str, Any, str]] = [
    ("not an object (string)", "EEG 1 2 3", "must be an object"),
    ("not an object (list)", [EEG, sample([[1.0, 2.0, 3.0]])], "must be an object"),
    ("not an object (null)", None, "must be an object"),
    ("not an object (binary)", b"\x00\x01pipeline", "must be an object"),
    ("stream_id missing", {"data": sample([[1.0, 2.0, 3.0]])}, "unknown stream_id None"),
    ("stream_id unknown", pipeline("EEG_NOPE00", sample([[1.0, 2.0, 3.0]])), "unknown stream_id 'EEG_NOPE00'"),
    ("stream_id a number", pipeline(7, sample([[1.0, 2.0, 3.0]])), "unknown stream_id 7"),
    ("data not JSON", pipeline(EEG, "{sample: [[1, 2, 3]]"), "data is not valid JSON"),
    ("data nested too deeply", pipeline(EEG, "[" * 100_000), "nested too deeply"),
    ("data an object, not a string", pipeline(EEG, {"sample": [[1.0, 2.0, 3.0]]}), "data must be a JSON string"),
    ("data missing", pipeline(EEG, None), "data must be a JSON string"),
    ("data a JSON list", pipeline(EEG, "[[1.0, 2.0, 3.0]]"), "at least one row"),
    ("sample empty", pipeline(EEG, sample([])), "at least one row"),
    ("sample an object", pipeline(EEG, json.dumps({"sample": {"0": [1.0, 2.0]}})), "at least one row"),
    ("row not a list", pipeline(EEG, sample([1.0, 2.0, 3.0])), "row 0 is not a list of values"),
    ("row too wide", pipeline(EEG, sample([[1.0, 2.0, 3.0, 4.0]])), "row 0 has 4 values; expected 2 channels"),
    ("row too narrow", pipeline(EEG, sample([[1.0]])), "row 0 has 1 values; expected 2 channels"),
    ("rows of different widths", pipeline(EEG, sample([[1.0, 2.0, 3.0], [1.0, 2.0]])), "row 1 does not have 3"),
    ("EEG value a string", pipeline(EEG, sample([[1.0, "high", 3.0]])), "non-numeric value 'high'"),
    ("EEG value a boolean", pipeline(EEG, sample([[1.0, True, 3.0]])), "non-numeric value True"),
    ("EEG value null", pipeline(EEG, sample([[None, 2.0, 3.0]])), "non-numeric value None"),
    ("EEG value a list", pipeline(EEG, sample([[[1.0], 2.0, 3.0]])), "non-numeric value [1.0]"),
    ("user_data value an object", pipeline(TEXT, sample([[{"a": 1}, "x", 3.0]])), "unsupported value"),
    ("timestamp a string", pipeline(EEG, sample([[1.0, 2.0, "now"]])), "timestamp 'now' is not a finite number"),
    ("timestamp NaN", pipeline(EEG, '{"sample": [[1.0, 2.0, NaN]]}'), "timestamp nan is not a finite number"),
    ("timestamp Infinity", pipeline(EEG, '{"sample": [[1.0, 2.0, Infinity]]}'), "timestamp inf is not a finite"),
    ("timestamp -Infinity", pipeline(EEG, '{"sample": [[1.0, 2.0, -Infinity]]}'), "timestamp -inf is not a"),
    ("too many labels", pipeline(EEG, sample([[1.0, 2.0, 3.0]]), labels=["l"] * (MAX_LABELS + 1)), "labels, limit"),
    (
        "oversized data",
        pipeline(EEG, sample([[1.0, 2.0, 3.0]]) + " " * MAX_PACKET_CHARS),
        f"limit {MAX_PACKET_CHARS}",
    ),
]


class Uplink:
    """One HIA connection that numbers its ``pipeline`` events like the server does (1, 2, ...)."""

    def __init__(self, hia: Socket) -> None:
        self.hia = hia
        self.sent = 0

    def emit(self, payload: Any) -> int:
        self.sent += 1
        self.hia.client.emit("pipeline", payload)
        return self.sent

    def errors(self) -> dict[int, dict[str, Any]]:
        return {error["packet"]: error for error in self.hia.of("pipeline_error")}

    def barrier(self) -> int:
        """Wait until the server answered every packet sent so far (``/hia`` handles them in order, 6.6)."""
        number = self.emit(pipeline("EEG_BARRIER", sample([[0.0, 0.0, 0.0]])))
        self.hia.wait_for(lambda: number in self.errors(), f"the answer to packet {number}", timeout=WAIT_S)
        return number


def valid_rows(stream_id: str, markers: list[float], stamp: float) -> list[list[Any]]:
    """Rows whose channel 0 is a unique marker (and channel 1 derived from it), timestamps from ``stamp``."""
    if stream_id == EEG:
        return [[marker, -marker / 4, stamp + index / 128] for index, marker in enumerate(markers)]
    return [[marker, f"mode {marker:g}, fast", stamp + index / 10] for index, marker in enumerate(markers)]


def export_csv(customer: Customer, recorder_id: int) -> list[dict[str, str]]:
    """Export every stream and column of a recorder through the HTTP API and return the CSV rows."""
    config = {"custom_name": "corpus", "start_timestamp_mode": "start", "end_timestamp_mode": "end"}
    with customer.http() as api:
        response = api.post("/gateway/exporter", json={"recorder_id": recorder_id, "exporter_config": config})
        assert response.status_code in (200, 201), response.text
        exporter_id = response.json()["id"]
        deadline = time.monotonic() + WAIT_S
        while (status := api.get(f"/gateway/exporter/{exporter_id}").json()["status"]) == "exporting":
            assert time.monotonic() < deadline, "the export did not finish"
            time.sleep(0.1)
        assert status == "exported"
        url = api.get("/gateway/exporter/url", params={"exporter_id": exporter_id}).json()["url"]
    text = httpx.get(url, timeout=WAIT_S).text
    return list(csv.DictReader(io.StringIO(text)))


def test_bad_packets_get_an_error_each_and_the_export_holds_exactly_the_valid_samples(
    acme: Customer,
    closing,  # type: ignore[no-untyped-def]
) -> None:
    user = acme.create_user()
    room = open_user_room(user)
    closing(room)
    hia = connected_hia(user, sensors(), closing, hia_id="CORPUS")
    uplink = Uplink(hia)
    recorder = create_recorder(acme, user, "corpus")
    expected: dict[float, dict[str, Any]] = {}  # marker → the valid sample it must become in the export
    bad: dict[int, tuple[str, str]] = {}  # packet number → (case id, needle)
    stamp = 1_750_000_000.0

    def send_valid(stream_id: str, markers: list[float], rows: list[list[Any]] | None = None) -> None:
        nonlocal stamp
        rows = rows or valid_rows(stream_id, markers, stamp)
        stamp += 1.0
        uplink.emit(pipeline(stream_id, sample(rows), labels=[f"before {markers[0]:g}"]))
        for row in rows:
            expected[row[0]] = {"stream_id": stream_id, "row": row, "label": f"before {markers[0]:g}"}

    marker = 1.0
    for case, payload, needle in BAD_PACKETS:
        send_valid(EEG if marker % 2 else TEXT, [marker, marker + 0.5])
        marker += 1
        bad[uplink.emit(payload)] = (case, needle)
    # NaN and ±Infinity channel values mean "missing" (7.4): accepted, exported as empty cells
    nan_rows = [[float("nan"), 1.0, stamp], [float("inf"), float("-inf"), stamp + 0.5]]
    assert "NaN" in sample(nan_rows) and "-Infinity" in sample(nan_rows)  # json.dumps, like the official client
    uplink.emit(pipeline(EEG, sample(nan_rows), labels=["missing values"]))
    nan_stamps = (stamp, stamp + 0.5)
    send_valid(EEG, [marker, marker + 0.5])
    uplink.barrier()

    errors = uplink.errors()
    for number, (case, needle) in bad.items():
        assert number in errors, f"{case}: no pipeline_error for packet {number}"
        assert needle in errors[number]["message"], (case, errors[number])
        assert errors[number]["reason"] == "invalid_packet", case
    assert set(errors) - set(bad) == {uplink.sent}  # nothing else was refused (the last one is the barrier)
    assert hia.client.connected

    assert put_status(acme, recorder["id"], "stopped").status_code == 200
    stopped = get_recorder(acme, recorder["id"])
    assert stopped["packets_count"] == len(BAD_PACKETS) + 2
    rows = export_csv(acme, recorder["id"])
    assert len(rows) == len(expected) + 2
    nan_cells = [row for row in rows if row["packet_labels"] == "missing values"]
    assert [float(row["timestamp"]) for row in nan_cells] == list(nan_stamps)
    assert [(row[f"{EEG}:ch0"], row[f"{EEG}:ch1"]) for row in nan_cells] == [("", "1.0"), ("", "")]
    exported = {float(row[f"{EEG}:ch0"] or row[f"{TEXT}:speed"]): row for row in rows if row not in nan_cells}
    assert set(exported) == set(expected)
    for value, want in expected.items():
        row = exported[value]
        assert row["stream_id"] == want["stream_id"] and row["packet_labels"] == want["label"]
        assert float(row["timestamp"]) == want["row"][-1]
        if want["stream_id"] == EEG:
            assert float(row[f"{EEG}:ch1"]) == want["row"][1] and row[f"{TEXT}:speed"] == ""
        else:
            assert row[f"{TEXT}:mode"] == want["row"][1].replace(",", ";") and row[f"{EEG}:ch0"] == ""
    # the user room saw exactly the accepted packets too
    room.wait_count("data", len(BAD_PACKETS) + 2)
    assert len(room.of("data")) == len(BAD_PACKETS) + 2


# -- floods ---------------------------------------------------------------------------------------------------


def flood(uplink: Uplink, payload: Callable[[int], Any], kind: str, cap: int) -> list[int]:
    """Send packets in batches until the server has rate-limited at least one of them (or ``cap`` were sent);
    returns the numbers of the flood's packets."""
    numbers: list[int] = []
    while len(numbers) < cap:
        for _ in range(200):
            numbers.append(uplink.emit(payload(len(numbers))))
        uplink.barrier()
        if any(error["reason"] == "rate_limited" and kind in error["message"] for error in uplink.errors().values()):
            break
    return numbers


def test_a_stream_flood_is_rejected_packet_by_packet_and_never_corrupts_the_recording(
    acme: Customer,
    closing,  # type: ignore[no-untyped-def]
) -> None:
    user = acme.create_user()
    room = open_user_room(user)
    closing(room)
    hia = connected_hia(user, sensors(), closing, hia_id="FLOOD")
    uplink = Uplink(hia)
    recorder = create_recorder(acme, user, "flood")
    base = 1_760_000_000.0

    def packet(index: int) -> dict[str, Any]:
        return pipeline(TEXT, sample([[float(index), "flood", base + index]]), labels=["flood"])

    numbers = flood(uplink, packet, f"stream {TEXT} sent more than", cap=3000)
    errors = uplink.errors()
    limited = [n for n in numbers if n in errors]
    assert limited, f"{len(numbers)} packets sent without reaching the rate limit"
    for number in limited:
        assert errors[number]["reason"] == "rate_limited" and errors[number]["stream_id"] == TEXT
        assert errors[number]["message"].startswith("rate limit: ")  # the stream's (or the connection's) limit
    assert any(f"more than {limits.STREAM_PACKETS_PER_S:g} packets/s" in errors[n]["message"] for n in limited)
    accepted = [index for index, number in enumerate(numbers) if number not in errors]
    assert len(accepted) >= limits.STREAM_BURST
    assert hia.client.connected
    # the other stream of the same HIA has its own budget, and the flooded one recovers as its bucket refills
    other_stream = uplink.emit(pipeline(EEG, sample([[9999.0, 1.0, base - 1]])))
    recovered = None
    for attempt in range(200):
        number = uplink.emit(pipeline(TEXT, sample([[-1.0 - attempt, "after", base - 2]])))
        uplink.barrier()
        if number not in uplink.errors():
            recovered = -1.0 - attempt
            break
    assert recovered is not None
    assert other_stream not in uplink.errors()

    assert put_status(acme, recorder["id"], "stopped").status_code == 200
    rows = export_csv(acme, recorder["id"])
    exported = sorted(float(row[f"{TEXT}:speed"]) for row in rows if row["stream_id"] == TEXT)
    assert exported == sorted([float(index) for index in accepted] + [recovered])
    assert [float(row[f"{EEG}:ch0"]) for row in rows if row["stream_id"] == EEG] == [9999.0]
    assert get_recorder(acme, recorder["id"])["packets_count"] == len(accepted) + 2
    room.wait_count("data", len(accepted) + 2)


def test_a_connection_flood_is_rejected_packet_by_packet_and_the_server_stays_up(
    acme: Customer,
    closing,  # type: ignore[no-untyped-def]
) -> None:
    user = acme.create_user()
    hia = connected_hia(user, sensors(), closing, hia_id="GARBAGE")
    uplink = Uplink(hia)
    numbers = flood(uplink, lambda index: f"garbage {index}", "this connection sent more than", cap=20_000)
    errors = uplink.errors()
    assert all(number in errors for number in numbers)  # every packet of the flood got its answer
    limited = [n for n in numbers if errors[n]["reason"] == "rate_limited"]
    assert limited, f"{len(numbers)} packets sent without reaching the connection's rate limit"
    assert all(f"more than {limits.CONNECTION_PACKETS_PER_S:g} packets/s" in errors[n]["message"] for n in limited)
    assert all("must be an object" in errors[n]["message"] for n in numbers if n not in limited)
    assert hia.client.connected
    # the server still serves: HTTP, and another HIA of another user streaming to its room
    with acme.http() as api:
        assert api.get("/customers/current").status_code == 200
    other = acme.create_user()
    room = open_user_room(other)
    closing(room)
    fresh = connected_hia(other, sensors(), closing, hia_id="FRESH")
    fresh.client.emit("pipeline", pipeline(EEG, sample([[4.0, 2.0, 1_770_000_000.0]])))
    assert room.wait_count("data", 1)[0]["data"]["sample"] == [[4.0, 2.0, 1_770_000_000.0]]


def test_a_refused_handshake_does_not_disturb_a_connected_hia(acme: Customer, closing) -> None:  # type: ignore[no-untyped-def]
    user = acme.create_user()
    room = open_user_room(user)
    closing(room)
    hia = connected_hia(user, sensors(), closing, hia_id="STEADY")
    broken = sensors()
    broken[EEG]["channel_count"] = 5
    socket = open_hia(user, broken, hia_id="STEADY")  # same hia_id: refused before it could replace the first
    closing(socket)
    assert "channel_map has 2 names, channel_count is 5" in refusal(socket)
    hia.client.emit("pipeline", pipeline(EEG, sample([[1.5, 2.5, 1_780_000_000.0]])))
    assert room.wait_count("data", 1)[0]["hia_id"] == "STEADY" and hia.client.connected
