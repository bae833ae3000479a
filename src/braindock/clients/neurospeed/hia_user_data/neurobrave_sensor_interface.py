"""``HIA_Client``: upload sensor data over ``/hia`` (``neurospeed.md`` 6.5-6.8, 7; manual 5).

Differences from the official 2.3.5 client, all invisible on the wire (9.3, 9.5):

* **One sender thread per HIA** (``neurospeed-hia-sender-<hia_id>``) drains one bounded queue for all streams
  every :attr:`HIA_Client.send_interval` seconds (200 ms), sending one ``pipeline`` packet per stream and
  label; packets carry the stream's own ``device_type`` and the label that was current when the samples were
  queued; a backlog is sent in packets of at most ~1 MB. The queue keeps data while disconnected
  (oldest samples are dropped beyond ``max_queued_samples``, counted in :attr:`HIA_Client.dropped_samples`).
* ``send_data`` / ``send_data_direct`` accept numpy arrays or lists: one sample (``n_channels`` values) or
  a block of shape ``(n_samples, n_channels)``; the caller's data is never modified; widths are checked.
* ``send_data_direct`` raises :class:`~braindock.clients.neurospeed.errors.NotConnectedError` instead of
  silently dropping data, checks ``timestamp`` lengths and ``device_type``.
* ``connect()`` raises the server's refusal reason; credentials (and ``current_local_time``) are re-read at each
  (re)connection; automatic reconnection after a transport loss with a fresh token.
* ``set_label`` refuses commas/line breaks; one-time labels go on the first packet of each stream only.
* ``pipeline_error`` events (a packet the server refused, with its reason) are logged and passed to
  :meth:`HIA_Client.set_pipeline_error_external_handler`.
* A failure of the sender thread or of a callback is reported to
  :meth:`~braindock.clients.neurospeed.api_socket_handlers._socket.SocketHandlerBase.set_error_external_handler`
  or re-raised (:class:`~braindock.clients.neurospeed.errors.BackgroundError`) by the next ``send_data``,
  ``send_data_direct``, ``connect`` or ``disconnect``; sample values are checked to be numbers when queued, so
  the sender cannot fail on them later.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import socketio

from braindock.clients.neurospeed.api_socket_handlers._socket import CONNECT_TIMEOUT_S, SocketHandlerBase
from braindock.clients.neurospeed.auth._base import AuthHandlerBase
from braindock.clients.neurospeed.errors import (
    ConfigError,
    ConnectionError,
    NotConnectedError,
    SocketConnectionError,
)

__all__ = ["HIA_Client"]

log = logging.getLogger("braindock.clients.neurospeed.hia")

#: Largest ``pipeline.data`` string the sender builds (characters); bigger batches are split (9.3).
MAX_PACKET_CHARS = 1_000_000
MAX_LABEL_CHARS = 128


@dataclass
class _Queued:
    stream_id: str
    rows: list[list[Any]]
    label: str
    onetime: bool


def _scalar(value: Any) -> float | int | None:
    """A sample value as a JSON number (numpy scalars unwrapped; ``None`` kept for a missing value).

    Raises:
        ValueError: not a real number (e.g. a string, a complex number, an object).
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    raise ValueError(f"sample value {value!r} is not a number")


def _is_row(value: Any) -> bool:
    return isinstance(value, np.ndarray) or (isinstance(value, Sequence) and not isinstance(value, str | bytes))


def _local_timezone() -> str:
    """``±HHMM`` offset of the local clock (numeric even on Windows, 9.3)."""
    offset = time.localtime().tm_gmtoff or 0
    sign = "+" if offset >= 0 else "-"
    offset = abs(offset)
    return f"{sign}{offset // 3600:02d}{offset % 3600 // 60:02d}"


class HIA_Client(SocketHandlerBase):  # noqa: N801 - official name
    """One HIA: a set of streams (``sensor_info``) uploaded for one user.

    Args:
        user_auth_handler: :class:`~braindock.clients.neurospeed.Auth_AS_User_Handler` (its ``HIA_ID`` is the
            HIA id).
        sensor_info: ``{stream_id: {"device_type", "channel_count", "channel_map", "sampling_frequency", ...}}``
            (7.1); copied, never modified in place.
        api_config: another server than the auth handler's.
        send_interval: seconds between two sends of the queued samples (200 ms as in the official client).
        max_queued_samples: samples kept while disconnected before the oldest are dropped.
        reconnect, connect_timeout: see :class:`SocketHandlerBase`.
        connect_attempts: attempts of :meth:`connect` when the server cannot be reached (backoff 0.5, 1, 2 s...).

    Raises:
        ConfigError: ``sensor_info`` is not a non-empty dict of dicts.

    Example::

        hia = HIA_Client(user_auth, {"EEG_A1B2C3": {"device_type": "EEG", "channel_count": 2,
                                                    "channel_map": ["Fp1", "Fp2"], "sampling_frequency": 256}})
        hia.connect()
        hia.send_data(np.zeros((64, 2)), "EEG_A1B2C3")      # 64 samples x 2 channels, microvolts
        hia.disconnect()
    """

    PATH = "hia"
    NEEDS_ROLE = "user"
    _HIA_version = "HIA version 2.2.1 (braindock)"

    def __init__(
        self,
        user_auth_handler: AuthHandlerBase,
        sensor_info: Mapping[str, Mapping[str, Any]],
        api_config: Mapping[str, Any] | None = None,
        *,
        send_interval: float = 0.2,
        max_queued_samples: int = 1_000_000,
        reconnect: bool = True,
        connect_timeout: float = CONNECT_TIMEOUT_S,
        connect_attempts: int = 3,
    ) -> None:
        super().__init__(user_auth_handler, api_config, reconnect=reconnect, connect_timeout=connect_timeout)
        if not isinstance(sensor_info, Mapping) or not all(isinstance(v, Mapping) for v in sensor_info.values()):
            raise ConfigError("sensor_info must be a dict {stream_id: {device_type, channel_count, channel_map, ...}}")
        self._sensor_info: dict[str, dict[str, Any]] = {
            str(k): {**dict(v), "stream_state": v.get("stream_state", "enabled")} for k, v in sensor_info.items()
        }
        self.send_interval = float(send_interval)
        self.max_queued_samples = int(max_queued_samples)
        self.connect_attempts = max(1, int(connect_attempts))
        #: Samples dropped because the queue was full.
        self.dropped_samples = 0
        #: Last ``pipeline_error`` payloads from the server (newest last, at most 100).
        self.pipeline_errors: deque[dict[str, Any]] = deque(maxlen=100)
        self._label = "none"
        self._onetime_pending: set[str] = set()
        self._queue: deque[_Queued] = deque()
        self._queued_samples = 0
        self._queue_lock = threading.Lock()
        self._label_lock = threading.Lock()
        self._sender: threading.Thread | None = None
        self._sender_stop = threading.Event()
        self._version_headers: dict[str, str | None] = {}
        self._connection_handlers: list[Callable[[Any], Any]] = []
        self._disconnect_handlers: list[Callable[[Any], Any]] = []
        self._stream_state_handlers: list[Callable[[Any], Any]] = []
        self._downlink_handlers: list[Callable[[Any], Any]] = []
        self._pipeline_error_handlers: list[Callable[[Any, Any], Any]] = []

    # -- sensor info -----------------------------------------------------------------------------------

    def get_sensor_info(self) -> dict[str, dict[str, Any]]:
        """The sensor_info (with ``stream_state`` as last set by the server)."""
        return self._sensor_info

    def update_sensor_info(self, stream_id: str, payload: Mapping[str, Any]) -> None:
        """Merge ``payload`` into (or create) the sensor of ``stream_id``.

        Raises:
            ValueError: while connected (sensor_info is frozen for a connection, 7.1).
        """
        if self.is_connected():
            raise ValueError("sensor_info cannot change while connected: disconnect(), update, connect()")
        self._sensor_info.setdefault(str(stream_id), {"stream_state": "enabled"}).update(dict(payload))

    def is_stream_enabled(self, stream_id: str) -> bool:
        """``stream_state`` of the stream is ``enabled`` (the server drops packets of disabled streams, 7.8)."""
        return self._sensor(stream_id).get("stream_state", "enabled") == "enabled"

    def get_username(self) -> str:
        """The user this HIA streams for (of the user auth handler)."""
        return self._auth.get_username()  # type: ignore[attr-defined]

    def get_hia_id(self) -> str:
        """The HIA id sent in the handshake (``HIA_ID`` of the user config, 1.7)."""
        return self._auth.get_hia_id()  # type: ignore[attr-defined]

    def _sensor(self, stream_id: str) -> dict[str, Any]:
        try:
            return self._sensor_info[stream_id]
        except KeyError:
            raise ValueError(f"unknown stream_id {stream_id!r}; this HIA has {', '.join(self._sensor_info)}") from None

    # -- labels ------------------------------------------------------------------------------------------

    def set_label(self, label: str) -> None:
        """Label every sample queued or sent from now on (``packet_labels``; ``onetime_labels`` on the first
        packet of each stream), e.g. ``"phase_one"``.

        Raises:
            ValueError: not a string, empty, longer than 128 characters, or containing a comma or line break
                (labels end up in CSV files, manual 5.3.3.3).
        """
        if not isinstance(label, str) or not label.strip():
            raise ValueError("label must be a non-empty string")
        if any(ch in label for ch in ",\r\n") or len(label) > MAX_LABEL_CHARS:
            raise ValueError(f"label {label!r} must have at most {MAX_LABEL_CHARS} characters and no comma/newline")
        with self._label_lock:
            self._label = label
            self._onetime_pending = set(self._sensor_info)

    def get_label(self) -> str:
        """The current label (``"none"`` until :meth:`set_label`)."""
        return self._label

    def _label_for(self, stream_id: str) -> tuple[str, bool]:
        with self._label_lock:
            onetime = stream_id in self._onetime_pending
            self._onetime_pending.discard(stream_id)
            return self._label, onetime

    # -- handlers ----------------------------------------------------------------------------------------

    def set_socket_connection_external_handler(self, handler: Callable[[Any], Any]) -> None:
        """``handler(hia_client)`` after every (re)connection."""
        self._connection_handlers = [handler]

    def set_socket_disconnect_external_handler(self, handler: Callable[[Any], Any]) -> None:
        """``handler(hia_client)`` after every disconnection."""
        self._disconnect_handlers = [handler]

    def attach_socket_connection_handler(self, handler: Callable[[Any], Any]) -> None:
        """Add a connection listener ``handler(hia_client)`` (several may be attached)."""
        self._connection_handlers.append(handler)

    def attach_socket_disconnect_handler(self, handler: Callable[[Any], Any]) -> None:
        """Add a disconnection listener ``handler(hia_client)`` (several may be attached)."""
        self._disconnect_handlers.append(handler)

    def attach_stream_state_handler(self, handler: Callable[[Any], Any]) -> None:
        """Add ``handler(payload)`` for ``ssr_stream_state`` ``{stream_id: "enabled"|"disabled"}`` (after the
        sensor_info was updated)."""
        self._stream_state_handlers.append(handler)

    def attach_downlink_handler(self, handler: Callable[[Any], Any]) -> None:
        """Add ``handler(payload)`` for ``ssr_downlink`` messages (payload as sent, usually JSON text)."""
        self._downlink_handlers.append(handler)

    def set_pipeline_error_external_handler(self, handler: Callable[[Any, Any], Any]) -> None:
        """``handler(hia_client, {"message", "stream_id"})`` when the server refuses a packet (braindock)."""
        self._pipeline_error_handlers = [handler]

    # -- connection --------------------------------------------------------------------------------------

    def _headers(self, token: str) -> dict[str, str]:
        headers: dict[str, Any] = {
            "jwt_token": token,
            "jwt_refresh_token": self._auth.get_refresh_token(),
            "hia_id": self.get_hia_id(),
            "sensors_info": json.dumps(self._sensor_info),
            "current_local_time": str(int(time.time())),
            "local_timezone": _local_timezone(),
            **self._version_headers,
        }
        return {k: str(v) for k, v in headers.items() if v is not None}

    def _register(self, client: socketio.Client) -> None:
        client.on("ping", self._ping)
        client.on("ssr_stream_state", lambda payload=None: self._dispatch(self.stream_state_handler, payload))
        client.on("ssr_downlink", lambda payload=None: self._dispatch(self.downlink_handler, payload))
        client.on("pipeline_error", lambda payload=None: self._dispatch(self._pipeline_error, payload))

    def connect(
        self, hia_version: str | None = None, device: str | None = None, system_version: str | None = None
    ) -> None:
        """Connect to ``/hia/`` and start the sender (blocking until accepted); a no-op when connected.

        Raises:
            SocketConnectionError: the server refused (e.g. invalid sensors_info: ``message`` says why).
            ConnectionError: the server could not be reached after ``connect_attempts`` attempts.
        """
        self._version_headers = {"hia_version": hia_version, "device": device, "system_version": system_version}
        for attempt in range(self.connect_attempts):
            try:
                super().connect()
                break
            except SocketConnectionError:
                raise
            except ConnectionError as exc:
                if attempt + 1 >= self.connect_attempts:
                    raise
                delay = 0.5 * 2**attempt
                log.info("HIA %s: %s; retrying in %.1f s", self.get_hia_id(), exc, delay)
                time.sleep(delay)
        self._start_sender()

    def disconnect(self, flush: bool = True) -> None:
        """Send what is queued (``flush``, while still connected), stop the sender and close the connection.

        Raises:
            BackgroundError: the sender or a callback failed since the last call (no error handler set); raised
                after everything was closed.
        """
        try:
            self._stop_sender(flush=flush)
        finally:
            super().disconnect()

    def _on_final(self) -> None:
        """The server ended the connection for good: stop the sender (the queue is kept for a new connect())."""
        self._stop_sender(flush=False)

    def _on_connected(self) -> None:
        for handler in list(self._connection_handlers):
            handler(self)

    def _on_disconnected(self, reason: Any) -> None:
        for handler in list(self._disconnect_handlers):
            handler(self)

    def _ping(self, *_: Any) -> None:
        if self._client is not None:
            self._client.emit("pong")

    def ping_handler(self) -> None:
        """Answer the server's application-level ``ping`` (6.7)."""
        self._ping()

    def stream_state_handler(self, data: Any) -> None:
        """Apply every key of an ``ssr_stream_state`` payload to sensor_info, then call the attached handlers."""
        if isinstance(data, Mapping):
            for stream_id, state in data.items():
                if stream_id in self._sensor_info:
                    self._sensor_info[stream_id]["stream_state"] = state
        for handler in list(self._stream_state_handlers):
            handler(data)

    def downlink_handler(self, payload: Any) -> None:
        """Pass an ``ssr_downlink`` payload (6.8) to the attached downlink handlers."""
        log.info("HIA %s: downlink message received", self.get_hia_id())
        for handler in list(self._downlink_handlers):
            handler(payload)

    def _pipeline_error(self, payload: Any) -> None:
        record = payload if isinstance(payload, dict) else {"message": str(payload)}
        self.pipeline_errors.append(record)
        log.warning("HIA %s: the server refused a packet: %s", self.get_hia_id(), record.get("message"))
        for handler in list(self._pipeline_error_handlers):
            handler(self, record)

    # -- data ----------------------------------------------------------------------------------------------

    def _rows(self, data: Any, stream_id: str) -> list[list[Any]]:
        """``data`` as a list of sample rows (copies), checked against the stream's ``channel_count``."""
        sensor = self._sensor(stream_id)
        count = int(sensor.get("channel_count", 0) or 0)
        if isinstance(data, np.ndarray):
            array = data[np.newaxis, :] if data.ndim == 1 else data
            if array.ndim != 2:
                raise ValueError(f"stream {stream_id}: expected shape (n_samples, n_channels), got {data.shape}")
            if array.dtype.kind not in "iuf":
                raise ValueError(f"stream {stream_id}: samples must be numbers, not dtype {array.dtype}")
            rows = array.tolist()
        else:
            if isinstance(data, str | bytes | Mapping):
                raise ValueError(f"stream {stream_id}: data must be a sample or a list of samples")
            try:
                items = list(data)
            except TypeError:
                raise ValueError(f"stream {stream_id}: data must be a sample or a list of samples") from None
            if items and _is_row(items[0]):
                rows = [[_scalar(v) for v in (r.tolist() if isinstance(r, np.ndarray) else r)] for r in items]
            else:
                rows = [[_scalar(v) for v in items]]
        if not rows:
            raise ValueError(f"stream {stream_id}: no samples")
        for index, row in enumerate(rows):
            if count and len(row) != count:
                raise ValueError(f"stream {stream_id}: sample {index} has {len(row)} values, channel_count is {count}")
        return rows

    def _timestamps(self, stream_id: str, n: int, timestamp: Any, now: float) -> list[float]:
        if timestamp is not None:
            stamps = np.atleast_1d(np.asarray(timestamp, dtype=float)).tolist()
            if len(stamps) != n:
                raise ValueError(f"stream {stream_id}: {len(stamps)} timestamps for {n} samples")
            return stamps
        frequency = self._sensor(stream_id).get("sampling_frequency")
        step = 1.0 / float(frequency) if isinstance(frequency, int | float) and frequency > 0 else 0.0
        return [now - (n - 1 - i) * step for i in range(n)]

    def send_data(self, data: Any, stream_id: str, timestamp: Any = None) -> None:
        """Queue samples of ``stream_id``; the sender thread sends them within :attr:`send_interval` seconds
        (also before :meth:`connect` or while reconnecting: they wait in the queue).

        Args:
            data: one sample (``n_channels`` values) or ``(n_samples, n_channels)`` (numpy array or lists),
                in the stream's ``channel_map`` order and units (EEG: microvolts by convention).
            stream_id: a key of ``sensor_info``.
            timestamp: optional epoch-seconds timestamp per sample; default: now for the last sample, earlier
                samples spaced by ``1/sampling_frequency``.

        Raises:
            ValueError: unknown stream, a value that is not a number, wrong number of values per sample or of
                timestamps.
            BackgroundError: the sender or a callback failed since the last call (no error handler set).
        """
        self.raise_pending_error()
        rows = self._rows(data, stream_id)
        stamps = self._timestamps(stream_id, len(rows), timestamp, time.time())
        for row, stamp in zip(rows, stamps, strict=True):
            row.append(stamp)
        label, onetime = self._label_for(stream_id)
        with self._queue_lock:
            self._queue.append(_Queued(stream_id, rows, label, onetime))
            self._queued_samples += len(rows)
            while self._queued_samples > self.max_queued_samples and self._queue:
                dropped = self._queue.popleft()
                self._queued_samples -= len(dropped.rows)
                self.dropped_samples += len(dropped.rows)
                log.warning("HIA %s: queue full, dropped %d samples", self.get_hia_id(), len(dropped.rows))

    def send_data_direct(
        self,
        data_packet: Any,
        stream_id: str,
        timestamp: Any = None,
        send_without_timestamp: bool = False,
        device_type: str | None = None,
    ) -> None:
        """Send one packet of ``stream_id`` now, from the calling thread (no pacing).

        Args:
            data_packet: one sample or ``(n_samples, n_channels)`` (numpy array or lists).
            stream_id: a key of ``sensor_info``.
            timestamp: epoch seconds per sample (same length as the samples); default now for the last sample,
                earlier ones spaced by ``1/sampling_frequency``.
            send_without_timestamp: ``True``: send the rows without timestamps (the server stamps them, 7.4).
            device_type: optional check: must equal the stream's ``device_type`` (case-insensitive).

        Raises:
            NotConnectedError: not connected (nothing is sent).
            ValueError: unknown stream, non-numeric values, wrong widths/timestamp count, device_type mismatch.
            BackgroundError: the sender or a callback failed since the last call (no error handler set).
        """
        self.raise_pending_error()
        rows = self._rows(data_packet, stream_id)
        sensor = self._sensor(stream_id)
        if device_type is not None and str(device_type).lower() != str(sensor.get("device_type", "")).lower():
            raise ValueError(f"stream {stream_id} is {sensor.get('device_type')}, not {device_type}")
        if not send_without_timestamp:
            stamps = self._timestamps(stream_id, len(rows), timestamp, time.time())
            for row, stamp in zip(rows, stamps, strict=True):
                row.append(stamp)
        if not self.is_connected():
            raise NotConnectedError(f"HIA {self.get_hia_id()} is not connected; call connect() first")
        label, onetime = self._label_for(stream_id)
        self._emit(stream_id, rows, label, onetime)

    def _emit(self, stream_id: str, rows: list[list[Any]], label: str, onetime: bool) -> None:
        text = json.dumps({"sample": rows})
        if len(text) > MAX_PACKET_CHARS and len(rows) > 1:
            half = len(rows) // 2
            self._emit(stream_id, rows[:half], label, onetime)
            self._emit(stream_id, rows[half:], label, False)
            return
        packet = {
            "stream_id": stream_id,
            "device_type": self._sensor_info[stream_id].get("device_type"),
            "hia_id": self.get_hia_id(),
            "data": text,
            "experiment": {"packet_labels": [label], "onetime_labels": [label if onetime else "none"]},
        }
        self._emit_raw("pipeline", packet)

    # -- the sender thread --------------------------------------------------------------------------------

    def _start_sender(self) -> None:
        if self._sender is not None and self._sender.is_alive():
            return
        self._sender_stop.clear()
        self._sender = threading.Thread(
            target=self._run_sender, name=f"neurospeed-hia-sender-{self.get_hia_id()}", daemon=True
        )
        self._sender.start()

    def _stop_sender(self, flush: bool) -> None:
        sender, self._sender = self._sender, None
        if sender is None:
            return
        self._sender_stop.set()
        if sender is not threading.current_thread():
            sender.join(timeout=30)
        if flush and self.is_connected() and not sender.is_alive():
            self._flush()

    def _run_sender(self) -> None:
        while not self._sender_stop.wait(self.send_interval):
            if self.is_connected():
                try:
                    self._flush()
                except Exception as exc:  # noqa: BLE001 - keep sending; report (never only log, 9.3)
                    self._report_error("sending queued samples", exc)

    def queued_samples(self) -> int:
        """Samples waiting in the queue."""
        return self._queued_samples

    def _flush(self) -> None:
        """Send everything queued: one packet per (stream, label), rows in queue order."""
        with self._queue_lock:
            items = list(self._queue)
            self._queue.clear()
            self._queued_samples = 0
        if not items:
            return
        groups: dict[tuple[str, str], tuple[list[list[Any]], bool]] = {}
        for item in items:
            rows, onetime = groups.setdefault((item.stream_id, item.label), ([], False))
            rows.extend(item.rows)
            if item.onetime and not onetime:
                groups[(item.stream_id, item.label)] = (rows, True)
        sent: set[tuple[str, str]] = set()
        for (stream_id, label), (rows, onetime) in groups.items():
            try:
                self._emit(stream_id, rows, label, onetime)
            except NotConnectedError:
                with self._queue_lock:  # connection lost: put back what was not sent, in front
                    back = [i for i in items if (i.stream_id, i.label) not in sent]
                    self._queue.extendleft(reversed(back))
                    self._queued_samples += sum(len(i.rows) for i in back)
                return
            except Exception as exc:  # noqa: BLE001 - this group cannot be sent: count it lost, send the rest
                with self._queue_lock:
                    self.dropped_samples += len(rows)
                self._report_error(f"sending {len(rows)} samples of {stream_id}", exc)
            sent.add((stream_id, label))
