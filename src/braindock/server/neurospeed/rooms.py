"""Rooms and the payloads fanned out to them (``shared/reference/neurospeed.md`` 6.9, 6.10).

* The **user room** of user *u* is the Socket.IO room :func:`user_room` on both user-room paths
  (``/target_is_user_room_as_user`` and ``/target_is_user_room_as_customer``); it receives ``data`` (one per
  accepted packet, D11) and ``events`` (HIA connect/disconnect).
* The **customer room** of customer *c* is :func:`customer_room` on ``/target_is_customer_room``; it
  receives ``hia_events``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

from braindock.server.neurospeed.dsp import BandPowerTracker
from braindock.server.neurospeed.json_codec import StandardJson
from braindock.server.neurospeed.limits import PacketRateLimiter
from braindock.server.neurospeed.validation import Packet, Sensor


def user_room(user_id: int) -> str:
    """Name of the Socket.IO user room of user ``user_id``: ``"user:<user_id>"`` (``neurospeed.md`` 6.9)."""
    return f"user:{user_id}"


def customer_room(customer_id: int) -> str:
    """Name of the Socket.IO customer room of customer ``customer_id``: ``"customer:<customer_id>"`` (6.10)."""
    return f"customer:{customer_id}"


@dataclass
class HiaSession:
    """One connected ``/hia`` socket.

    Attributes:
        sid: Socket.IO session id on the ``/hia`` server.
        user_id, username, customer_id: the authenticated user and its customer.
        hia_id: from the handshake header.
        sensors: validated sensors_info by stream id.
        connection_id: row of ``ns_hia_connections`` (for ``/gateway/connections``).
        packets_counter: accepted packets per stream (sent downstream as ``packets_counter``).
        received: ``pipeline`` events received on this connection (the 1-based ``packet`` number of a
            ``pipeline_error`` refers to this count).
        rejected: rejected packets (of which ``rate_limited`` over a rate limit); ``dropped_disabled``: packets of
            disabled streams (D9 counters).
        limiter: the connection's packet rate limits (:class:`~.limits.PacketRateLimiter`).
        last_warning: ``time.monotonic()`` of the last rejection logged at WARNING (one per second at most).
        missed_pongs: application-level pings without a ``pong`` since the last one (6.7, D25).
        trackers: band-power window per EEG stream.
        insights: the server's :class:`~.insights_engine.InsightEngine` (``None``: no cognitive analysis).
    """

    sid: str
    user_id: int
    username: str
    customer_id: int
    hia_id: str
    sensors: dict[str, Sensor]
    connection_id: int | None = None
    packets_counter: dict[str, int] = field(default_factory=dict)
    received: int = 0
    rejected: int = 0
    rate_limited: int = 0
    dropped_disabled: int = 0
    missed_pongs: int = 0
    connected_at: float = field(default_factory=time.time)
    trackers: dict[str, BandPowerTracker] = field(default_factory=dict)
    last_warning: float = float("-inf")
    insights: Any = None
    limiter: PacketRateLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = PacketRateLimiter(self.sensors)

    def sensors_json(self) -> dict[str, dict[str, Any]]:
        """sensors_info as stored (with ``stream_state``), keyed by stream id."""
        return {stream_id: dict(sensor.info) for stream_id, sensor in self.sensors.items()}

    def output_for(self, packet: Packet) -> dict[str, Any]:
        """``output`` of the downstream ``data`` event (6.9, D14): for EEG ``brainwave_power`` (all seven bands,
        one value per channel); for EEG, PPG, SMARTWATCH, EDA and GSR the insight engine's newest
        ``cognitive_analysis`` values and window, and ``heart`` (PPG, SMARTWATCH) or ``electrodermal`` (EDA, GSR)
        (:mod:`.insights_engine`); ``{}`` for every other type."""
        sensor = packet.sensor
        insights = self.insights.output(self.sid, self.user_id, packet) if self.insights is not None else {}
        if sensor.kind != "eeg" or sensor.sampling_frequency is None:
            return insights
        tracker = self.trackers.get(sensor.stream_id)
        if tracker is None:
            tracker = BandPowerTracker(sensor.channel_count, sensor.sampling_frequency)
            self.trackers[sensor.stream_id] = tracker
        return {"brainwave_power": tracker.update(packet.rows), "cognitive_analysis": {}, **insights}


def data_event(session: HiaSession, packet: Packet) -> dict[str, Any]:
    """The downstream ``data`` payload of 6.9 for one accepted packet (``data`` as an object, D12).

    Shape: ``{stream_id, device_type, hia_id, username, sensor_info, data: {"sample": rows},
    experiment, output, packets_counter, server_timestamp}``; rows keep the HIA's values and end with the
    timestamp (float epoch seconds). A packet with ``NaN``/``Infinity`` values, or band powers that are not
    finite, gives a :class:`~braindock.server.neurospeed.json_codec.StandardJson` (written by the standard library).
    """
    sensor = packet.sensor
    counter = session.packets_counter.get(sensor.stream_id, 0) + 1
    session.packets_counter[sensor.stream_id] = counter
    output = session.output_for(packet)
    # NaN/Infinity as sent, or in band powers of extreme values, must not become null (json_codec)
    standard = packet.extended_json or not _finite(output.get("brainwave_power"))
    return (StandardJson if standard else dict)(
        stream_id=sensor.stream_id,
        device_type=sensor.device_type,
        hia_id=session.hia_id,
        username=session.username,
        sensor_info=dict(sensor.info),
        data={"sample": packet.rows},
        experiment=packet.experiment,
        output=output,
        packets_counter=counter,
        server_timestamp=time.time(),
    )


def _finite(powers: dict[str, list[float]] | None) -> bool:
    """Whether every band power is a finite number (``None``: no band powers, nothing to check)."""
    return powers is None or all(math.isfinite(value) for values in powers.values() for value in values)


def presence_event(session: HiaSession, kind: str) -> dict[str, Any]:
    """``{type: connect|disconnect, username, hia_id, sensors, timestamp}`` of 6.10."""
    return {
        "type": kind,
        "username": session.username,
        "hia_id": session.hia_id,
        "sensors": session.sensors_json(),
        "timestamp": time.time(),
    }
