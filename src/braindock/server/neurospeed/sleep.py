"""Sleep staging of recorded EEG with YASA (``weekly_best_sleep`` / ``weekly_worst_sleep``, ``neurospeed.md`` 3.8).

A recording qualifies when it holds an EEG stream of at least :data:`MIN_MINUTES` minutes (YASA's
``SleepStaging`` needs 30-s epochs and recommends 5 minutes or more). One channel is staged (the first of
``C4, C3, Cz, Fz, Pz, Oz`` present, else the stream's first channel; µV are converted to volts for MNE) with
YASA's pre-trained LightGBM classifier: Vallat R., Walker M.P., "An open-source, high-performance tool for
automated sleep staging", *eLife* 10 (2021) e70092, doi:10.7554/eLife.70092. The sampling frequency is
estimated from the recorded sample timestamps (median spacing); a rate that is not a whole number of Hz is
resampled to 100 Hz with MNE (YASA needs whole numbers).

Per recording: ``{"recorder_id", "start", "minutes", "epochs", "stages": {"W", "N1", "N2", "N3", "R"} (minutes),
"total_sleep_minutes", "sleep_efficiency"}`` (percent of epochs not ``W``).

Staging is costly (seconds per night of EEG), so :func:`analyse` runs one staging at a time in the process
(:data:`_STAGING`, a lock: further requests wait) and caches every outcome, result or reason, in memory per
recording file (keyed by recorder id, file size and modification time; :data:`CACHE_SIZE` entries, least
recently used dropped): a stopped recording is staged once. A recording whose timestamps give no positive finite
sampling frequency (e.g. every timestamp equal) answers a reason, not an error.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from braindock.server.neurospeed.recording_store import FILE_NAME, read_records, recording_dir

log = logging.getLogger("braindock.neurospeed.sleep")

MIN_MINUTES = 5.0
PREFERRED = ("C4", "C3", "CZ", "FZ", "PZ", "OZ")
STAGES = ("W", "N1", "N2", "N3", "R")
#: YASA 0.8's stage names (``WAKE``, ``REM``) and older ones → :data:`STAGES`.
NAMES = {"WAKE": "W", "W": "W", "N1": "N1", "N2": "N2", "N3": "N3", "REM": "R", "R": "R"}
#: Staging outcomes kept in memory.
CACHE_SIZE = 256
_STAGING = threading.Lock()
_CACHE: OrderedDict[tuple[str, int, int, int], tuple[dict[str, Any] | None, str | None]] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def yasa_available() -> str | None:
    """``None`` when YASA imports, else the reason it does not."""
    try:
        import yasa  # noqa: F401
    except Exception as exc:  # noqa: BLE001
        return f"sleep staging needs YASA, which is not installed here ({type(exc).__name__})"
    return None


def eeg_of_recording(data_dir: Path, recorder_id: int) -> tuple[np.ndarray, np.ndarray, str] | None:
    """``(values of one channel, sample timestamps, channel name)`` of the recording's first EEG stream."""
    path = recording_dir(data_dir, recorder_id) / FILE_NAME
    stream: str | None = None
    channels: list[str] = []
    values: list[np.ndarray] = []
    stamps: list[np.ndarray] = []
    column = 0
    for record in read_records(path):
        if str(record.get("d", "")).lower() != "eeg":
            continue
        if stream is None:
            stream = record.get("s")
            channels = [str(c) for c in record.get("c", [])]
            upper = [c.upper() for c in channels]
            column = next((upper.index(name) for name in PREFERRED if name in upper), 0)
        if record.get("s") != stream:
            continue
        rows = np.asarray(record["r"], dtype=float)
        values.append(rows[:, column])
        stamps.append(rows[:, -1])
    if not values:
        return None
    name = channels[column] if column < len(channels) else f"ch{column}"
    return np.concatenate(values), np.concatenate(stamps), name


def stage(values_uv: np.ndarray, sampling_frequency: float, channel: str) -> list[str]:
    """YASA's hypnogram (one of :data:`STAGES` per 30-s epoch) of one EEG channel in µV.

    Raises:
        ValueError: too short for YASA (less than one epoch).
    """
    import mne
    import yasa

    info = mne.create_info([channel], sampling_frequency, ch_types="eeg", verbose="error")
    raw = mne.io.RawArray(np.asarray(values_uv, dtype=float)[None, :] * 1e-6, info, verbose="error")
    if sampling_frequency != round(sampling_frequency):  # YASA wants a whole number of Hz
        raw.resample(100.0, verbose="error")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        staging = yasa.SleepStaging(raw, eeg_name=channel)
        hypnogram = staging.predict()
    return [NAMES.get(str(s).upper(), str(s)) for s in np.asarray(getattr(hypnogram, "hypno", hypnogram))]


def analyse(data_dir: Path, recorder_id: int, start: float | None) -> tuple[dict[str, Any] | None, str | None]:
    """Stage one recording: ``(result, None)`` or ``(None, reason)`` (too short, no EEG, no usable sampling
    frequency, YASA missing, staging failed). Cached per recording file, one staging at a time (module docstring);
    the result dict is a copy the caller may change."""
    path = recording_dir(data_dir, recorder_id) / FILE_NAME
    try:
        stat = path.stat()
        key: tuple[str, int, int, int] | None = (str(data_dir), recorder_id, stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = None
    with _STAGING:
        if key is not None:
            with _CACHE_LOCK:
                hit = _CACHE.get(key)
                if hit is not None:
                    _CACHE.move_to_end(key)
        if key is None or hit is None:
            hit = _analyse(data_dir, recorder_id)
            if key is not None:
                with _CACHE_LOCK:
                    _CACHE[key] = hit
                    while len(_CACHE) > CACHE_SIZE:
                        _CACHE.popitem(last=False)
    result, reason = hit
    return ({**result, "stages": dict(result["stages"]), "start": start} if result is not None else None), reason


def _analyse(data_dir: Path, recorder_id: int) -> tuple[dict[str, Any] | None, str | None]:
    eeg = eeg_of_recording(data_dir, recorder_id)
    if eeg is None:
        return None, "no EEG stream in the recording"
    values, stamps, channel = eeg
    if len(stamps) < 2:
        return None, "too few EEG samples"
    gaps = np.diff(stamps)
    gaps = gaps[np.isfinite(gaps)]
    gap = float(np.median(gaps)) if len(gaps) else 0.0
    if not (np.isfinite(gap) and gap > 0):
        return None, "the EEG timestamps give no sampling frequency (median spacing not positive)"
    fs = 1.0 / gap
    if not np.isfinite(fs):
        return None, "the EEG timestamps give no sampling frequency (median spacing not positive)"
    fs = float(round(fs)) if abs(fs - round(fs)) < 1e-3 else fs  # float jitter of the timestamps
    minutes = len(values) / fs / 60.0
    if minutes < MIN_MINUTES:
        return None, f"EEG recording of {minutes:.1f} min, shorter than the {MIN_MINUTES:g} min YASA needs"
    reason = yasa_available()
    if reason is not None:
        return None, reason
    try:
        hypnogram = stage(values, fs, channel)
    except Exception as exc:  # noqa: BLE001
        log.warning("recorder %d: sleep staging failed: %s", recorder_id, exc)
        return None, f"sleep staging failed: {exc}"
    epochs = len(hypnogram)
    stages = {name: hypnogram.count(name) * 0.5 for name in STAGES}
    sleep = sum(v for k, v in stages.items() if k != "W")
    return {
        "recorder_id": recorder_id,
        "start": None,
        "minutes": round(minutes, 3),
        "channel": channel,
        "epochs": epochs,
        "stages": stages,
        "total_sleep_minutes": sleep,
        "sleep_efficiency": round(100.0 * sleep / (epochs * 0.5), 2) if epochs else 0.0,
    }, None
