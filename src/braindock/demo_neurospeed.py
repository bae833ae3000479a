"""The NeuroSpeed part of ``braindock demo``: real EEG and PPG streamed live, band powers, recorder, exporter.

Two real recordings ship inside PyPI packages (nothing is downloaded at run time):

* **EEG**: ``S001R02.edf`` of the PhysioNet *EEG Motor Movement/Imagery Dataset* (EEGMMIDB; subject 1,
  run 2 = eyes-closed baseline; 64 channels of the 10-10 system, 160 Hz, 61 s, µV), bundled by
  ``biosignalsnotebooks`` 0.6.14 as ``notebook_files/osf_files/signal_samples/S001R02.edf``. That package is
  installed with ``--no-deps`` and never imported: the file is found through
  :func:`importlib.metadata.distribution` and read with MNE (:func:`mne.io.read_raw_edf`; the dataset's
  channel labels such as ``Fc5.`` are normalised to ``FC5`` by :func:`mne.datasets.eegbci.standardize`).
* **PPG**: ``heartpy/data/data3.csv`` of ``heartpy`` 1.2.7 (columns ``datetime`` and ``hr``, the latter being
  the raw photoplethysmogram despite its name; about 100.4 Hz, 11 min). Its sampling frequency is estimated
  from the timestamps with :func:`heartpy.get_samplerate_datetime`; the heart rate with :func:`heartpy.process`.

:func:`run_neurospeed_tour` uses only braindock's NeuroSpeed SDK (:mod:`braindock.clients.neurospeed`, the API
of the official ``neurospeed`` client, ``shared/reference/neurospeed.md`` Appendix A):

1. logs in the demo account as the NeuroSpeed **customer** (``Auth_AS_Customer_handler``) and creates, or
   reuses on later runs, one **user** per recording (``Customer_Account_Manager``): ``eegmmidb-s001`` and
   ``heartpy-data3`` (two people, so two users);
2. starts a **recorder** for each user (``macros.start_recording``) and listens to the EEG user's **user room**
   (``UserRoom_AS_User_Handler``);
3. streams the first :data:`WINDOW_S` seconds of both recordings concurrently and at real-time speed, one
   ``HIA_Client`` per user (HIA ids ``EEGMMIDB`` and ``HEARTPY``), in packets of :data:`PACKET_S` seconds
   (``send_data_direct`` with each sample's timestamp, ``t0 + i / sampling_frequency``), while printing the
   server's ``output.brainwave_power`` (delta … gamma, µV², ``neurospeed.md`` 6.9 and 8.2) of
   :data:`SHOWN_CHANNELS` every :data:`SHOW_EVERY_S` seconds as the processed packets arrive in the room;
4. stops the recorders (``macros.stop_recording``), exports and downloads them as CSV (``macros.download_data``,
   into ``<data dir>/demo-downloads``), prints their shapes and first rows (``load_export``) and checks them
   against the sources: the EEG CSV loads into MNE (``export_to_mne``) with exactly the EDF's samples, and
   heartpy finds the same heart rate in the downloaded PPG as in the original window;
5. shows the server's **live insights** that reached both user rooms while streaming (``output.cognitive_analysis``:
   EEG engagement β/(α+θ) and relaxation α/β, PPG heart rate, RMSSD and Baevsky stress index; the heart rate is
   checked with heartpy on the same window, ``output.cognitive_analysis_window``), then the PPG user's stored
   minutes through the insight endpoints (``macros.get_user_insights``, ``macros.get_user_daily_stress``).

Nothing is left behind but the two users (reused by the next run), the stopped recorders and the CSV files.
"""

from __future__ import annotations

import importlib.metadata
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

EEG_DISTRIBUTION = "biosignalsnotebooks"
EEG_VERSION = "0.6.14"
EEG_FILE = "biosignalsnotebooks/notebook_files/osf_files/signal_samples/S001R02.edf"
PPG_DISTRIBUTION = "heartpy"
PPG_VERSION = "1.2.7"
PPG_FILE = "heartpy/data/data3.csv"
INSTALL_HINT = (
    f"pip install --no-deps {EEG_DISTRIBUTION}=={EEG_VERSION} && pip install {PPG_DISTRIBUTION}=={PPG_VERSION} mne"
)

#: Seconds of each recording that are streamed (the demo stays short).
WINDOW_S = 20.0
#: Seconds of signal per ``pipeline`` packet (the sensor's ``buffer_length``).
PACKET_S = 0.25
#: EEG channels whose band powers are printed live (frontal, central, occipital midline).
SHOWN_CHANNELS = ("Fz", "Cz", "Oz")
#: A line of band powers is printed for every packet ending on a multiple of this many seconds.
SHOW_EVERY_S = 2.0
#: Bands of ``output.brainwave_power`` in the order of ``neurospeed.md`` 8.2.
BANDS = ("delta", "theta", "alpha", "mu", "smr", "beta", "gamma")
EEG_USER = "eegmmidb-s001"
PPG_USER = "heartpy-data3"
USER_PASSWORD = "braindock-demo-user"
EEG_LABEL = "eyes-closed-baseline"
WAIT_S = 60.0


class MissingDemoData(RuntimeError):
    """A package holding one of the demo recordings is not installed (the message says how to install it)."""


@dataclass(frozen=True)
class Signal:
    """The streamed window of one real recording.

    Attributes:
        source: where it comes from, e.g. ``"S001R02.edf (biosignalsnotebooks 0.6.14)"``.
        device_type: NeuroSpeed device type, ``"EEG"`` or ``"PPG"``.
        channels: channel names in column order.
        sampling_frequency: Hz.
        samples: shape ``(n_samples, n_channels)``, in :attr:`unit`.
        unit: physical unit of the samples (``"µV"``; ``"a.u."`` for the PPG sensor's raw counts).
        file_samples, file_duration_s: size of the whole file (samples per channel, seconds).
    """

    source: str
    device_type: str
    channels: list[str]
    sampling_frequency: float
    samples: np.ndarray
    unit: str
    file_samples: int
    file_duration_s: float

    @property
    def duration_s(self) -> float:
        """Seconds of the streamed window."""
        return len(self.samples) / self.sampling_frequency

    def packet_bounds(self, packet_s: float = PACKET_S) -> list[tuple[int, int]]:
        """``[(first, end), ...]`` sample ranges of consecutive packets of ``packet_s`` seconds of signal."""
        ends = [
            min(len(self.samples), int(round((k + 1) * packet_s * self.sampling_frequency)))
            for k in range(int(np.ceil(self.duration_s / packet_s)))
        ]
        starts = [0, *ends[:-1]]
        return [(a, b) for a, b in zip(starts, ends, strict=True) if b > a]


def _package_file(distribution: str, version: str, relative: str) -> Path:
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        raise MissingDemoData(f"{distribution} is not installed: {INSTALL_HINT}") from None
    path = Path(str(dist.locate_file(relative)))
    if not path.is_file():
        raise MissingDemoData(f"{distribution} {dist.version} has no {relative}; install version {version}")
    return path


def eeg_file() -> Path:
    """Path of ``S001R02.edf`` inside the installed ``biosignalsnotebooks`` distribution (never imported).

    Raises:
        MissingDemoData: the distribution or the file is missing.
    """
    return _package_file(EEG_DISTRIBUTION, EEG_VERSION, EEG_FILE)


def load_eeg(window_s: float = WINDOW_S) -> Signal:
    """The first ``window_s`` seconds of PhysioNet EEGMMIDB S001R02 (64 channels, 160 Hz), in µV.

    Channel names are standardised to the 10-10 spelling (``FC5``, ``Cz``, ``Oz``) with
    :func:`mne.datasets.eegbci.standardize`.

    Raises:
        MissingDemoData: biosignalsnotebooks or MNE is missing.
    """
    path = eeg_file()
    try:
        import mne
        from mne.datasets import eegbci
    except ImportError:
        raise MissingDemoData(f"reading the EEG recording needs MNE: {INSTALL_HINT}") from None
    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    eegbci.standardize(raw)
    data = raw.get_data(units="uV").T  # (n_samples, n_channels)
    frequency = float(raw.info["sfreq"])
    keep = int(round(window_s * frequency))
    return Signal(
        source=f"{path.name} ({EEG_DISTRIBUTION} {EEG_VERSION})",
        device_type="EEG",
        channels=list(raw.ch_names),
        sampling_frequency=frequency,
        samples=np.ascontiguousarray(data[:keep]),
        unit="µV",
        file_samples=int(raw.n_times),
        file_duration_s=raw.n_times / frequency,
    )


def load_ppg(window_s: float = WINDOW_S) -> Signal:
    """The first ``window_s`` seconds of heartpy's ``data3.csv`` PPG (one channel, raw sensor counts).

    The file's timestamps have a ~15 ms clock resolution, so the sampling frequency is estimated over the whole
    file with :func:`heartpy.get_samplerate_datetime` (about 100.42 Hz) and samples are taken as equally spaced,
    as heartpy itself does.

    Raises:
        MissingDemoData: heartpy is missing.
    """
    import pandas as pd

    path = _package_file(PPG_DISTRIBUTION, PPG_VERSION, PPG_FILE)
    try:
        import heartpy
    except ImportError:
        raise MissingDemoData(f"heartpy is not installed: {INSTALL_HINT}") from None
    frame = pd.read_csv(path)
    frequency = float(heartpy.get_samplerate_datetime(frame["datetime"].to_numpy(), timeformat="%Y-%m-%d %H:%M:%S.%f"))
    keep = int(window_s * frequency)
    values = frame["hr"].to_numpy(dtype=float)
    return Signal(
        source=f"{path.name} ({PPG_DISTRIBUTION} {PPG_VERSION})",
        device_type="PPG",
        channels=["ppg"],
        sampling_frequency=frequency,
        samples=values[:keep, None].copy(),
        unit="a.u.",
        file_samples=len(values),
        file_duration_s=len(values) / frequency,
    )


def heart_rate(values: np.ndarray, sampling_frequency: float) -> float:
    """Mean heart rate (beats per minute) of a raw PPG trace, with :func:`heartpy.process`."""
    import heartpy

    _, measures = heartpy.process(np.asarray(values, dtype=float), sampling_frequency)
    return float(measures["bpm"])


def sensor_info(signal: Signal, stream_id: str, manufacturer: str) -> dict[str, Any]:
    """The ``sensor_info`` entry of one stream (``neurospeed.md`` 7.1): every channel, no timestamp column."""
    return {
        "device_type": signal.device_type,
        "channel_count": len(signal.channels),
        "channel_map": list(signal.channels),
        "sampling_frequency": signal.sampling_frequency,
        "buffer_length": PACKET_S,
        "manufacturer_id": manufacturer,
        "sensor_id": stream_id,
        "stream_id": stream_id,
        "stream_state": "enabled",
    }


def stream_in_real_time(
    send: Callable[[list[list[float]], list[float]], None], signal: Signal, t0: float, stop: threading.Event
) -> int:
    """Send ``signal`` packet by packet as if it were being measured from ``t0`` (epoch seconds) on.

    Sample *i* gets the timestamp ``t0 + i / sampling_frequency``; a packet is sent once its last sample's time
    has passed. ``send(rows, timestamps)`` receives plain Python floats. Returns the number of packets sent
    (fewer if ``stop`` is set).
    """
    period = 1.0 / signal.sampling_frequency
    sent = 0
    for first, end in signal.packet_bounds():
        delay = t0 + end * period - time.time()
        if delay > 0 and stop.wait(delay):
            break
        if stop.is_set():
            break
        rows = signal.samples[first:end].tolist()
        stamps = [t0 + i * period for i in range(first, end)]
        send(rows, stamps)
        sent += 1
    return sent


def band_power_header() -> str:
    """Column titles of :func:`band_power_line` (band powers in µV²)."""
    return f"{'time':>7}  {'chan':<4}" + "".join(f"{band:>8}" for band in BANDS) + "  (µV²)"


def band_power_lines(payload: dict[str, Any], channels: list[str], shown: tuple[str, ...] = SHOWN_CHANNELS) -> str:
    """One line per shown channel of a ``data`` event: ``"  4.0 s  Oz      135.5   181.7  1460.6 …"``.

    The time is the end of the packet in the stream (``packets_counter × PACKET_S``); the values are
    ``output.brainwave_power[band][channel]`` in :data:`BANDS` order (µV² for µV input, ``neurospeed.md`` 8.2).
    """
    seconds = int(payload.get("packets_counter", 0)) * PACKET_S
    power = payload["output"]["brainwave_power"]
    lines = []
    for name in shown:
        index = channels.index(name)
        values = "".join(f"{power[band][index]:8.1f}" for band in BANDS)
        lines.append(f"{seconds:5.1f} s  {name:<4}{values}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The tour (braindock's NeuroSpeed SDK)
# --------------------------------------------------------------------------------------------


@dataclass
class DemoUser:
    """A NeuroSpeed user of the demo: its ``hia_config`` (user credentials dict) and logged-in auth handler."""

    username: str
    hia_config: dict[str, Any]
    auth: Any
    created: bool


def ensure_user(manager: Any, account_id: str, username: str, api_config: dict[str, str], hia_id: str) -> DemoUser:
    """Create ``username`` unless it exists (a previous run), then log it in.

    A user that exists but refuses the demo password (changed by someone) gets it back through
    ``modify_user`` first.

    Raises:
        braindock.clients.neurospeed.NeuroSpeedError: creating or logging in the user failed.
    """
    from braindock.clients.neurospeed import Auth_AS_User_Handler, AuthenticationError, NotFound

    hia_config = {"account_id": account_id, "username": username, "user_password": USER_PASSWORD, "HIA_ID": hia_id}
    try:
        user_id = manager.get_user_id(username)
    except NotFound:
        user_id = int(manager.create_new_user(username, USER_PASSWORD)["id"])
        created = True
    else:
        created = False
    auth = Auth_AS_User_Handler(dict(hia_config), api_config=api_config)
    try:
        auth.login()
    except AuthenticationError:
        if created:
            raise
        manager.modify_user(user_id, username, USER_PASSWORD)
        auth.login()
    return DemoUser(username, hia_config, auth, created)


class BandPowerFeed:
    """Collects the ``data`` events of one EEG stream from a user room (called from the SDK's socket threads).

    Every event whose ``packets_counter`` is a multiple of ``every`` is queued for printing; the latest event
    is kept for the summary.
    """

    def __init__(self, stream_id: str, every: int) -> None:
        self.stream_id = stream_id
        self.every = every
        self.shown: queue.Queue[dict[str, Any]] = queue.Queue()
        self.count = 0
        self.last: dict[str, Any] | None = None
        self.first_stamp: float | None = None
        self._cond = threading.Condition()

    def __call__(self, payload: dict[str, Any]) -> None:
        """The room's data handler: ``payload`` is the ``data`` event of ``neurospeed.md`` 6.9."""
        if payload.get("stream_id") != self.stream_id:
            return
        counter = int(payload.get("packets_counter", 0))
        with self._cond:
            self.count += 1
            if counter == 1:
                self.first_stamp = float(payload["data"]["sample"][0][-1])
            if self.last is None or counter >= int(self.last.get("packets_counter", 0)):
                self.last = payload
            self._cond.notify_all()
        if counter % self.every == 0:
            self.shown.put(payload)

    def wait_for_packet(self, counter: int, timeout: float) -> bool:
        """Wait until the event of packet ``counter`` (or a later one) has arrived."""
        with self._cond:
            return self._cond.wait_for(
                lambda: self.last is not None and int(self.last.get("packets_counter", 0)) >= counter, timeout
            )


def run_neurospeed_tour(settings: Any, server_url: str, tour: Any, section: str = "6") -> dict[str, Any]:
    """Stream real EEG and PPG through braindock's NeuroSpeed SDK, record, export and download them.

    Args:
        settings: the demo's :class:`braindock.config.Settings` (downloads go to ``<data dir>/demo-downloads``).
        server_url: ``http://host:port`` of the running server (API and Socket.IO on one port).
        tour: the demo's :class:`braindock.demo.Tour` printer.
        section: the section number shown in the heading.

    Returns:
        ``{"eeg_packets", "ppg_packets", "band_power_events", "eeg_csv_shape", "ppg_csv_shape", "users_created"}``.

    Raises:
        MissingDemoData: a recording's package is not installed.
        braindock.clients.neurospeed.NeuroSpeedError: a NeuroSpeed step failed (the SDK's typed errors).
        RuntimeError: streaming failed or the server did not deliver the processed packets in time.
    """
    from braindock.clients.neurospeed import Auth_AS_Customer_handler, Customer_Account_Manager, macros
    from braindock.demo import EMAIL, PASSWORD

    tour.section(f"{section}. NeuroSpeed: live EEG and PPG, recorder, exporter (braindock SDK)")
    eeg, ppg = load_eeg(), load_ppg()
    tour.say(
        f"EEG: [bold]{eeg.source}[/], PhysioNet EEG Motor Movement/Imagery Dataset, subject 1, run 2 (eyes-closed "
        f"baseline): {len(eeg.channels)} channels, {eeg.sampling_frequency:g} Hz, {eeg.file_duration_s:.0f} s."
    )
    tour.say(
        f"PPG: [bold]{ppg.source}[/]: raw photoplethysmogram (column hr), {ppg.sampling_frequency:.2f} Hz "
        f"(heartpy.get_samplerate_datetime), {ppg.file_duration_s / 60:.1f} min."
    )
    tour.say(
        f"Both are streamed concurrently at real-time speed for {WINDOW_S:g} s: {len(eeg.samples):,} EEG samples × "
        f"{len(eeg.channels)} channels and {len(ppg.samples):,} PPG samples, in packets of {PACKET_S:g} s."
    )

    ws_url = "ws" + server_url.removeprefix("http")
    api_config = {"api_address": server_url, "pipeline_address": ws_url}
    tour.code(
        "from braindock.clients.neurospeed import Auth_AS_Customer_handler, Customer_Account_Manager, macros\n\n"
        f'api_config = {{"api_address": "{server_url}", "pipeline_address": "{ws_url}"}}\n'
        f'customer = Auth_AS_Customer_handler({{"email": "{EMAIL}", "password": ...}}, api_config=api_config)\n'
        "customer.login()\n"
        "manager = Customer_Account_Manager(customer, api_config=api_config)\n"
        f'manager.create_new_user("{EEG_USER}", ...)   # skipped when it exists'
    )
    customer = Auth_AS_Customer_handler({"email": EMAIL, "password": PASSWORD}, api_config=api_config)
    customer.login()
    manager = Customer_Account_Manager(customer, api_config=api_config)
    account_id = manager.get_customer_details()["account_id"]
    eeg_user = ensure_user(manager, account_id, EEG_USER, api_config, "EEGMMIDB")
    ppg_user = ensure_user(manager, account_id, PPG_USER, api_config, "HEARTPY")
    tour.say(f"Customer {EMAIL} (the demo's braindock account): NeuroSpeed account id [bold]{account_id}[/].")
    for user, what in ((eeg_user, "EEG of EEGMMIDB subject S001"), (ppg_user, "PPG of heartpy's data3.csv")):
        state = "[green]created[/]" if user.created else "[yellow]reused[/] (from a previous run)"
        tour.say(f"  user [bold]{user.username}[/] ({what}): {state}")
    tour.say(f"Both log in with account_id {account_id} and password {USER_PASSWORD!r} (Auth_AS_User_Handler).")

    recorders = {
        user.username: macros.start_recording(customer, user.hia_config, f"{user.username} demo", api_config=api_config)
        for user in (eeg_user, ppg_user)
    }
    counts, feed, ppg_feed = _stream_live(tour, api_config, eeg_user, ppg_user, eeg, ppg, recorders)
    insights = _show_live_insights(tour, feed, ppg_feed, eeg, ppg)

    for user in (eeg_user, ppg_user):
        macros.stop_recording(customer, recorders[user.username], api_config=api_config)
    folder = Path(settings.data_dir) / "demo-downloads"
    downloads = {}
    for user, name in ((eeg_user, "S001R02-eyes-closed"), (ppg_user, "data3-ppg")):
        config = {"custom_name": name, "start_timestamp_mode": "start", "end_timestamp_mode": "end"}
        downloads[user.username] = Path(
            macros.download_data(
                customer, recorders[user.username], config, user.hia_config, folder, api_config=api_config
            )
        )
    tour.code(
        "macros.stop_recording(customer, recorder_id, api_config=api_config)\n"
        'config = {"custom_name": "S001R02-eyes-closed", "start_timestamp_mode": "start",\n'
        '          "end_timestamp_mode": "end"}\n'
        "path = macros.download_data(customer, recorder_id, config, hia_config, save_folder, api_config=api_config)"
    )
    eeg_shape, ppg_shape = _show_downloads(tour, downloads[EEG_USER], downloads[PPG_USER], eeg, ppg)
    stored = _show_stored_insights(tour, customer, ppg_user, api_config)
    return {
        **insights,
        "stored_heart_rate_minutes": stored,
        "eeg_packets": counts.get("EEG", 0),
        "ppg_packets": counts.get("PPG", 0),
        "band_power_events": feed.count,
        "eeg_csv_shape": eeg_shape,
        "ppg_csv_shape": ppg_shape,
        "users_created": int(eeg_user.created) + int(ppg_user.created),
    }


def _stream_live(
    tour: Any,
    api_config: dict[str, str],
    eeg_user: DemoUser,
    ppg_user: DemoUser,
    eeg: Signal,
    ppg: Signal,
    recorders: dict[str, int],
) -> tuple[dict[str, int], BandPowerFeed, BandPowerFeed]:
    """Stream both signals concurrently (one HIA per user) while printing the EEG room's band powers; the PPG
    user's room is listened to as well (for its live insights)."""
    from braindock.clients.neurospeed import HIA_Client, UserRoom_AS_User_Handler, UtilService

    eeg_stream = "EEG_" + UtilService.generateId(6)
    ppg_stream = "PPG_" + UtilService.generateId(6)
    feed = BandPowerFeed(eeg_stream, every=int(round(SHOW_EVERY_S / PACKET_S)))
    room = UserRoom_AS_User_Handler(eeg_user.auth, api_config=api_config)
    room.set_data_external_handler(feed)
    room.connect()
    ppg_feed = BandPowerFeed(ppg_stream, every=10**9)
    ppg_room = UserRoom_AS_User_Handler(ppg_user.auth, api_config=api_config)
    ppg_room.set_data_external_handler(ppg_feed)
    ppg_room.connect()
    tour.code(
        "room = UserRoom_AS_User_Handler(eeg_user, api_config=api_config)\n"
        "room.set_data_external_handler(show)   # payload['output']['brainwave_power'][band][channel]\n"
        "room.connect()\n"
        f'recorder_id = macros.start_recording(customer, hia_config, "{EEG_USER} demo", api_config=api_config)\n'
        f'hia = HIA_Client(eeg_user, {{"{eeg_stream}": {{"device_type": "EEG", "channel_count": 64, '
        f'"channel_map": [...], "sampling_frequency": 160, ...}}}}, api_config=api_config)\n'
        f'hia.connect()\nhia.set_label("{EEG_LABEL}")\n'
        f"hia.send_data_direct(rows, stream_id, timestamp=sample_times)   # every {PACKET_S:g} s, for {WINDOW_S:g} s"
    )
    tour.say(
        "Recording: "
        + ", ".join(f"{name} → recorder {recorder_id}" for name, recorder_id in recorders.items())
        + f". Band power (µV², Welch PSD over the last 2 s, computed by the server) of {', '.join(SHOWN_CHANNELS)} "
        f"every {SHOW_EVERY_S:g} s, as the EEG user's room receives it:"
    )
    tour.console.print(band_power_header(), markup=False, highlight=False)
    hias = []
    counts: dict[str, int] = {}
    errors: list[BaseException] = []
    stop = threading.Event()
    try:
        eeg_hia = HIA_Client(
            eeg_user.auth, {eeg_stream: sensor_info(eeg, eeg_stream, "BCI2000 (EEGMMIDB)")}, api_config=api_config
        )
        ppg_hia = HIA_Client(
            ppg_user.auth, {ppg_stream: sensor_info(ppg, ppg_stream, "heartpy example data")}, api_config=api_config
        )
        hias = [eeg_hia, ppg_hia]
        for hia in hias:
            hia.connect()
        eeg_hia.set_label(EEG_LABEL)
        t0 = time.time() + 0.2

        def worker(name: str, hia: Any, stream_id: str, signal: Signal) -> None:
            try:
                counts[name] = stream_in_real_time(
                    lambda rows, stamps: hia.send_data_direct(rows, stream_id, timestamp=stamps), signal, t0, stop
                )
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
                stop.set()

        threads = [
            threading.Thread(target=worker, args=("EEG", eeg_hia, eeg_stream, eeg), daemon=True),
            threading.Thread(target=worker, args=("PPG", ppg_hia, ppg_stream, ppg), daemon=True),
        ]
        for thread in threads:
            thread.start()
        expected_lines = len(eeg.packet_bounds()) // feed.every
        printed = 0
        deadline = t0 + WINDOW_S + WAIT_S
        while printed < expected_lines and time.time() < deadline and not errors:
            try:
                payload = feed.shown.get(timeout=0.5)
            except queue.Empty:
                continue
            tour.console.print(band_power_lines(payload, eeg.channels), markup=False, highlight=False)
            printed += 1
        for thread in threads:
            thread.join(timeout=WAIT_S)
        if errors:
            raise RuntimeError(f"streaming failed: {type(errors[0]).__name__}: {errors[0]}")
        if not feed.wait_for_packet(counts.get("EEG", 0), WAIT_S):
            raise RuntimeError(f"the EEG user's room did not receive packet {counts.get('EEG', 0)} within {WAIT_S} s")
    finally:
        stop.set()
        for hia in hias:
            hia.disconnect()
        room.disconnect()
        ppg_room.disconnect()

    tour.say(
        f"Sent {counts.get('EEG', 0)} EEG and {counts.get('PPG', 0)} PPG packets; the EEG user's room received "
        f"{feed.count} processed packets."
    )
    if feed.last is not None:
        alpha = np.asarray(feed.last["output"]["brainwave_power"]["alpha"], dtype=float)
        top = np.argsort(-alpha)[:5]
        tour.say(
            f"Strongest alpha (8-13 Hz) over the last 2 s of the {len(alpha)} channels: "
            + ", ".join(f"{eeg.channels[i]} {alpha[i]:.0f} µV²" for i in top)
            + ": the occipital alpha rhythm of closed eyes."
        )
    return counts, feed, ppg_feed


def _show_live_insights(
    tour: Any, feed: BandPowerFeed, ppg_feed: BandPowerFeed, eeg: Signal, ppg: Signal
) -> dict[str, Any]:
    """Print the last live ``output.cognitive_analysis`` of both rooms; check the heart rate with heartpy on the
    same window of the PPG (``output.cognitive_analysis_window``)."""
    result: dict[str, Any] = {}
    eeg_values = (feed.last or {}).get("output", {}).get("cognitive_analysis") or {}
    ppg_output = (ppg_feed.last or {}).get("output", {})
    ppg_values = ppg_output.get("cognitive_analysis") or {}
    window = ppg_output.get("cognitive_analysis_window")
    tour.say(
        "Live insights (output.cognitive_analysis, computed by the server every 5 s on the last 30 s of EEG / 60 s "
        "of PPG): "
        + ", ".join(
            f"{name} {value:.3g}" if isinstance(value, float) else f"{name} –"
            for name, value in (*eeg_values.items(), *ppg_values.items())
        )
    )
    if window and isinstance(ppg_values.get("heart_rate"), float):
        t0 = float(ppg_feed.first_stamp or window["start"])
        first = int(round((window["start"] - t0) * ppg.sampling_frequency))
        samples = ppg.samples[first : first + int(window["samples"]), 0]
        reference = heart_rate(samples, ppg.sampling_frequency)
        tour.say(
            f"Heart rate of the last PPG window ({window['samples']} samples): server {ppg_values['heart_rate']:.1f} "
            f"bpm, heartpy on the same samples {reference:.1f} bpm."
        )
        result["live_heart_rate"] = ppg_values["heart_rate"]
        result["heartpy_heart_rate"] = reference
    if isinstance(eeg_values.get("eeg_engagement"), float):
        result["live_engagement"] = eeg_values["eeg_engagement"]
    return result


def _show_stored_insights(tour: Any, customer: Any, ppg_user: DemoUser, api_config: dict[str, str]) -> int:
    """Ask an insight endpoint for the PPG user's stored minutes (``macros.get_user_insights``,
    ``macros.get_user_daily_stress``); returns the heart-rate minutes stored."""
    from datetime import UTC, datetime

    from braindock.clients.neurospeed import macros

    deadline = time.time() + WAIT_S
    summary: dict[str, Any] = {}
    while time.time() < deadline:  # written when the HIA disconnected
        summary = macros.get_user_insights(customer, username=ppg_user.username, api_config=api_config) or {}
        if summary.get("functions", {}).get("heart_rate"):
            break
        time.sleep(0.5)
    heart = summary.get("functions", {}).get("heart_rate")
    if not heart:
        tour.say("No heart-rate minutes were stored.")
        return 0
    today = datetime.now(UTC).date().isoformat()
    daily = macros.get_user_daily_stress(customer, today, None, ppg_user.username, api_config=api_config)
    tour.code(
        "macros.get_user_insights(customer, username=ppg_user)   # GET /users/settings/insights\n"
        f'macros.get_user_daily_stress(customer, "{today}", None, ppg_user)'
    )
    tour.say(
        f"Stored for {ppg_user.username}: heart rate in {heart['minutes']} minute(s), mean {heart['mean']:.1f} bpm "
        f"(range {heart['min']:.1f}-{heart['max']:.1f}); today's stress: {daily['measured_minutes']} measured "
        f"minute(s), {daily['stress_minutes']} above Baevsky's stress index {daily['threshold']:g}."
    )
    return int(heart["minutes"])


def _show_downloads(tour: Any, eeg_path: Path, ppg_path: Path, eeg: Signal, ppg: Signal) -> tuple[Any, Any]:
    """Print the downloaded CSVs' shapes and first rows; check them against the source recordings."""
    from braindock.clients.neurospeed import export_to_mne, load_export

    eeg_frame = load_export(eeg_path)
    ppg_frame = load_export(ppg_path)
    for frame, path, signal in ((eeg_frame, eeg_path, eeg), (ppg_frame, ppg_path, ppg)):
        rows, columns = frame.shape
        tour.say(
            f"[bold]{path.name}[/]: {rows:,} rows × {columns} columns "
            f"({len(signal.samples):,} {signal.device_type} samples streamed)."
        )
    tour.say(
        "Columns: timestamp, packets_counter, stream_id, device_type, hia_id, one per channel (the stream's "
        "channel_map), packet_labels and onetime_labels."
    )
    eeg_columns = ["timestamp", "packets_counter", "packet_labels", *SHOWN_CHANNELS]
    tour.frame(f"load_export(eeg_path)[{eeg_columns}].head(3)", eeg_frame[eeg_columns].head(3), index=False)
    ppg_columns = ["timestamp", "packets_counter", "stream_id", "ppg", "packet_labels"]
    tour.frame(f"load_export(ppg_path)[{ppg_columns}].head(3)", ppg_frame[ppg_columns].head(3), index=False)

    raw = export_to_mne(eeg_frame, sfreq=eeg.sampling_frequency, unit="uV")
    order = [eeg.channels.index(name) for name in raw.ch_names]
    same = bool(np.allclose(raw.get_data(units="uV").T, eeg.samples[:, order]))
    tour.code(
        "from braindock.clients.neurospeed import export_to_mne, load_export\n"
        "frame = load_export(path)                      # pandas, one row per sample\n"
        "raw = export_to_mne(frame, sfreq=160, unit='uV')   # mne.io.RawArray, volts"
    )
    tour.say(
        f"In MNE: {raw.info['nchan']} EEG channels × {raw.n_times:,} samples at {raw.info['sfreq']:g} Hz "
        f"({raw.n_times / raw.info['sfreq']:.1f} s); identical to the EDF's samples: [bold]{same}[/]."
    )
    bpm_csv = heart_rate(ppg_frame[ppg.channels[0]].to_numpy(), ppg.sampling_frequency)
    bpm_source = heart_rate(ppg.samples[:, 0], ppg.sampling_frequency)
    tour.say(
        f"heartpy on the downloaded PPG: [bold]{bpm_csv:.1f} bpm[/] "
        f"(the same window of data3.csv: {bpm_source:.1f} bpm)."
    )
    return eeg_frame.shape, ppg_frame.shape
