"""Validation of ``sensors_info`` (at the ``/hia`` handshake) and of ``pipeline`` packets.

References: ``shared/reference/neurospeed.md`` 6.6 (packet), 7.1-7.4 (sensor_info, device types, rows).
Both validators raise :class:`ValidationError` with a message that names the stream and the rule; the
socket layer turns it into a namespace refusal (handshake) or a ``pipeline_error`` event (packet).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from typing import Any

from braindock.server.neurospeed import json_codec

#: Device types of 7.3, lower-cased for comparison (the HIA's spelling is kept and echoed).
DEVICE_TYPES = frozenset({"eeg", "eda", "gsr", "ppg", "smartwatch", "keyboard", "gamepad", "user_data"})
#: Types whose rows must be numeric and which need ``sampling_frequency`` (7.1, 7.2 rule 6).
PROCESSED_TYPES = frozenset({"eeg", "eda", "gsr", "ppg", "smartwatch"})
STREAM_STATES = ("enabled", "disabled")
#: Largest accepted ``pipeline.data`` string (characters, 6.6, D10). Half the 16 MB Engine.IO frame limit
#: (``socket.MAX_FRAME_BYTES``): a frame above that limit is closed by the transport before the server sees it
#: (the HIA only notices a disconnect), so the packet limit sits well below it and an oversized packet, even one
#: whose text needs JSON escaping inside the frame, still arrives whole and is answered with a
#: ``pipeline_error``. 8 M characters hold minutes of a 64-channel EEG backlog.
MAX_PACKET_CHARS = 8_000_000
MAX_STREAMS = 64
#: Highest accepted ``sampling_frequency`` (Hz): above the fastest biosignal amplifiers (tens of kHz); the band
#: power window holds 2 s of rows, so an absurd frequency would let one stream grow it without bound.
MAX_SAMPLING_FREQUENCY_HZ = 100_000.0
#: Longest stream id / channel name (characters); they become CSV header cells (5.5).
MAX_NAME_CHARS = 128
#: Most labels one packet may carry in ``packet_labels`` or ``onetime_labels`` (the official client sends one).
MAX_LABELS = 32


class ValidationError(ValueError):
    """A sensors_info or packet that breaks a rule; ``str(exc)`` is the message sent to the HIA."""


@dataclass
class Sensor:
    """One validated stream of an HIA.

    Attributes:
        stream_id: the key in sensors_info.
        device_type: as sent by the HIA (case kept).
        channel_count: data channels per row (timestamp excluded).
        sampling_frequency: Hz, or ``None`` for types that need none.
        info: the sensor object as sent, with ``stream_state`` filled in (echoed downstream as ``sensor_info``).
    """

    stream_id: str
    device_type: str
    channel_count: int
    sampling_frequency: float | None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """Lower-case device type (``"eeg"``, ``"user_data"``, ...)."""
        return self.device_type.lower()

    @property
    def enabled(self) -> bool:
        """Whether ``stream_state`` is ``"enabled"`` (the default); packets of a disabled stream are dropped (7.8)."""
        return self.info.get("stream_state", "enabled") == "enabled"


def _show(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters (error messages echo client input, which may be huge)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _bad_name(name: str) -> str | None:
    """Why ``name`` cannot be a stream id or channel name (a CSV header cell, 5.5), or ``None``."""
    if len(name) > MAX_NAME_CHARS:
        return f"is longer than {MAX_NAME_CHARS} characters"
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        return "contains a control character"
    return None


def check_hia_id(value: str | None) -> str:
    """The ``hia_id`` handshake header (6.5): any non-empty string of at most :data:`MAX_NAME_CHARS` characters
    without control characters (it is echoed in events and becomes a CSV cell, 5.5).

    Raises:
        ValidationError: missing, too long or with a control character.
    """
    if not value:
        raise ValidationError("hia_id header is missing")
    problem = _bad_name(value)
    if problem:
        raise ValidationError(f"hia_id {_show(value)} {problem}")
    return value


def _positive_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        return None
    return float(value)


def parse_sensors_info(header: str | None) -> dict[str, Sensor]:
    """Parse and validate the ``sensors_info`` handshake header (7.2).

    Returns:
        ``{stream_id: Sensor}`` with at least one entry.

    Raises:
        ValidationError: missing/not JSON/not an object/empty; a stream without ``device_type``,
            ``channel_count`` or ``channel_map``; ``channel_count`` not a positive integer; ``channel_map``
            (trailing ``timestamp`` names stripped) not ``channel_count`` names; unknown device type; missing
            or non-positive ``sampling_frequency`` for EEG/EDA/GSR/PPG/SMARTWATCH; bad ``stream_state``.
    """
    if not header:
        raise ValidationError("invalid sensors_info: the sensors_info header is missing")
    try:
        parsed = json.loads(header)
    except (ValueError, RecursionError):
        raise ValidationError("invalid sensors_info: not valid JSON (or nested too deeply)") from None
    if not isinstance(parsed, dict) or not parsed:
        raise ValidationError("invalid sensors_info: must be a JSON object with at least one stream")
    if len(parsed) > MAX_STREAMS:
        raise ValidationError(f"invalid sensors_info: more than {MAX_STREAMS} streams")
    sensors: dict[str, Sensor] = {}
    for stream_id, info in parsed.items():
        sensors[stream_id] = _parse_sensor(stream_id, info)
    return sensors


def _parse_sensor(stream_id: str, info: Any) -> Sensor:
    where = f"invalid sensors_info: stream {stream_id}"
    if not stream_id:
        raise ValidationError("invalid sensors_info: empty stream id")
    problem = _bad_name(stream_id)
    if problem:
        raise ValidationError(f"invalid sensors_info: stream id {_show(stream_id)} {problem}")
    if not isinstance(info, dict):
        raise ValidationError(f"{where} is not an object")
    for key in ("device_type", "channel_count", "channel_map"):
        if key not in info:
            raise ValidationError(f"{where} has no {key}")
    device_type = info["device_type"]
    if not isinstance(device_type, str) or device_type.lower() not in DEVICE_TYPES:
        raise ValidationError(
            f"{where}: unknown device_type {_show(device_type)}; known: EEG, EDA, GSR, PPG, "
            "SMARTWATCH, keyboard, gamepad, user_data"
        )
    count = info["channel_count"]
    if (
        isinstance(count, bool)
        or not isinstance(count, int | float)
        or not math.isfinite(count)
        or count != int(count)
        or count < 1
    ):
        raise ValidationError(f"{where}: channel_count must be a positive integer, not {_show(count)}")
    count = int(count)
    channel_map = info["channel_map"]
    if not isinstance(channel_map, list) or not all(isinstance(name, str) for name in channel_map):
        raise ValidationError(f"{where}: channel_map must be a list of names")
    for name in channel_map:
        problem = _bad_name(name)
        if problem:
            raise ValidationError(f"{where}: channel_map name {_show(name)} {problem}")
    names = list(channel_map)
    while names and names[-1].lower() == "timestamp":
        names.pop()
    if len(names) != count:
        raise ValidationError(f"{where}: channel_map has {len(names)} names, channel_count is {count}")
    frequency = None
    if "sampling_frequency" in info and info["sampling_frequency"] is not None:
        frequency = _positive_number(info["sampling_frequency"])
        if frequency is None or frequency > MAX_SAMPLING_FREQUENCY_HZ:
            raise ValidationError(
                f"{where}: sampling_frequency must be a positive number of Hz up to {MAX_SAMPLING_FREQUENCY_HZ:g}, "
                f"not {_show(info['sampling_frequency'])}"
            )
    if frequency is None and device_type.lower() in PROCESSED_TYPES:
        raise ValidationError(f"{where}: sampling_frequency is required for {device_type}")
    state = info.get("stream_state", "enabled")
    if state not in STREAM_STATES:
        raise ValidationError(f"{where}: stream_state must be enabled or disabled, not {_show(state)}")
    return Sensor(stream_id, device_type, count, frequency, {**info, "stream_state": state})


@dataclass
class Packet:
    """An accepted ``pipeline`` packet.

    Attributes:
        sensor: the stream it belongs to.
        rows: sample rows, each ``channel_count`` values followed by a float epoch-seconds timestamp
            (server-stamped when the HIA sent none, 7.4).
        experiment: ``{"packet_labels": [...], "onetime_labels": [...]}`` (``["none"]`` when absent).
        stamped_by_server: whether the timestamps were assigned here.
        extended_json: ``data`` used what only Python's ``json`` parses (``NaN``/``Infinity`` channel values):
            its ``data`` event and recorder line must be written by the standard library too
            (:class:`~braindock.server.neurospeed.json_codec.StandardJson`).
    """

    sensor: Sensor
    rows: list[list[Any]]
    experiment: dict[str, list[str]]
    stamped_by_server: bool = False
    extended_json: bool = False


def _labels(value: Any, key: str, stream_id: str) -> list[str]:
    if not isinstance(value, list):
        value = ["none"] if value is None else [value]
    if len(value) > MAX_LABELS:
        raise ValidationError(f"stream {stream_id}: experiment.{key} has {len(value)} labels, limit {MAX_LABELS}")
    return [str(label).replace(",", " ").replace("\r", " ").replace("\n", " ")[:128] for label in value]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_timestamp(value: Any) -> bool:
    return _is_number(value) and math.isfinite(value)


def parse_packet(packet: Any, sensors: dict[str, Sensor], now: float | None = None) -> Packet:
    """Validate one ``pipeline`` payload of an HIA with ``sensors`` (6.6, 7.4).

    Rules: an object; ``stream_id`` names a stream of the handshake; ``data`` is a string of at most
    :data:`MAX_PACKET_CHARS` characters holding JSON ``{"sample": [row, ...]}`` (``NaN``/``Infinity`` accepted)
    with at least one row; every row has ``channel_count`` or ``channel_count + 1`` values (the extra one being
    the timestamp) and all rows the same width; values are numbers for EEG/EDA/GSR/PPG/SMARTWATCH (numbers,
    strings or null otherwise; ``NaN``/``±Infinity`` are kept and mean a missing value, 7.4); a timestamp is a
    finite number; at most :data:`MAX_LABELS` labels per label list. The packet's own ``device_type``/``hia_id``
    are ignored (the handshake is trusted).

    Raises:
        ValidationError: with a message naming the rule broken.
    """
    if not isinstance(packet, dict):
        raise ValidationError("pipeline packet must be an object")
    stream_id = packet.get("stream_id")
    if not isinstance(stream_id, str) or stream_id not in sensors:
        raise ValidationError(f"unknown stream_id {_show(stream_id)}: not in this HIA's sensors_info")
    sensor = sensors[stream_id]
    data = packet.get("data")
    if not isinstance(data, str):
        raise ValidationError(f"stream {stream_id}: data must be a JSON string, not {type(data).__name__}")
    if len(data) > MAX_PACKET_CHARS:
        raise ValidationError(f"stream {stream_id}: data has {len(data)} characters, limit {MAX_PACKET_CHARS}")
    try:
        body, extended = json_codec.loads_flagged(data)
    except (ValueError, RecursionError):
        raise ValidationError(f"stream {stream_id}: data is not valid JSON (or nested too deeply)") from None
    rows = body.get("sample") if isinstance(body, dict) else None
    if not isinstance(rows, list) or not rows:
        raise ValidationError(f'stream {stream_id}: data must be {{"sample": [[...], ...]}} with at least one row')
    count = sensor.channel_count
    for index, row in enumerate(rows):
        if not isinstance(row, list):
            raise ValidationError(f"stream {stream_id}: row {index} is not a list of values")
    width = len(rows[0])
    if width not in (count, count + 1):
        raise ValidationError(
            f"stream {stream_id}: row 0 has {width} values; expected {count} channels (+ 1 timestamp)"
        )
    numeric = sensor.kind in PROCESSED_TYPES
    for index, row in enumerate(rows):
        if len(row) != width:  # every row is a list (checked above)
            raise ValidationError(f"stream {stream_id}: row {index} does not have {width} values like row 0")
        # the common case (all numbers) without a call per value; ``type(...) is`` also excludes bool
        if not numeric or not all(type(value) is float or type(value) is int for value in row[:count]):
            for value in row[:count]:
                if numeric and not _is_number(value):
                    raise ValidationError(f"stream {stream_id}: row {index} has a non-numeric value {_show(value)}")
                if not numeric and not (_is_number(value) or value is None or isinstance(value, str)):
                    raise ValidationError(f"stream {stream_id}: row {index} has an unsupported value {_show(value)}")
        if width == count + 1 and not _is_timestamp(row[count]):
            raise ValidationError(
                f"stream {stream_id}: row {index} timestamp {_show(row[count])} is not a finite number of epoch seconds"
            )
    experiment = packet.get("experiment") if isinstance(packet.get("experiment"), dict) else {}
    labels = {
        "packet_labels": _labels(experiment.get("packet_labels", ["none"]), "packet_labels", stream_id),
        "onetime_labels": _labels(experiment.get("onetime_labels", ["none"]), "onetime_labels", stream_id),
    }
    stamped = width == count
    if stamped:
        rows = _stamp(rows, sensor.sampling_frequency, time.time() if now is None else now)
    return Packet(sensor, rows, labels, stamped, extended)


def _stamp(rows: list[list[Any]], frequency: float | None, now: float) -> list[list[Any]]:
    """Append server timestamps: the last row gets ``now``, earlier ones are spaced by 1/frequency (7.4)."""
    step = 1.0 / frequency if frequency else 0.0
    last = len(rows) - 1
    return [[*row, now - (last - index) * step] for index, row in enumerate(rows)]
