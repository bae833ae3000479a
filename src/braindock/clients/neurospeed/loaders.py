"""Load exported CSV files into pandas and MNE (braindock addition; CSV layout ``neurospeed.md`` 5.5).

An export has one row per sample: ``timestamp`` (epoch seconds), ``packets_counter``, ``stream_id``,
``device_type``, optionally ``hia_id``, one column per channel (named by the stream's ``channel_map``;
``<stream_id>:<channel>`` when several streams are exported), ``packet_labels`` and ``onetime_labels``.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    import mne

__all__ = ["channel_columns", "export_to_mne", "load_export"]

TEXT_COLUMNS = ("stream_id", "device_type", "hia_id", "packet_labels", "onetime_labels")
META_COLUMNS = ("timestamp", "packets_counter", *TEXT_COLUMNS)
#: Factor from the unit of the exported values to volts (MNE's unit for EEG).
UNIT_TO_VOLTS = {"V": 1.0, "mV": 1e-3, "uV": 1e-6, "µV": 1e-6, "nV": 1e-9}


def load_export(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read an export CSV.

    Returns:
        DataFrame with one row per sample, in file order (by timestamp): ``timestamp`` float64 (epoch
        seconds), ``packets_counter`` int64, text columns (``stream_id``, ``device_type``, ``hia_id``,
        labels) as strings (a label such as ``NA`` stays a string), channel columns numeric where every value is
        a number (empty cells → NaN), else text.

    Raises:
        FileNotFoundError: no such file. ValueError: not an export (header lacks ``timestamp``,
            ``packets_counter``, ``stream_id`` or ``device_type``).
    """
    header = pd.read_csv(path, nrows=0).columns
    missing = [c for c in ("timestamp", "packets_counter", "stream_id", "device_type") if c not in header]
    if missing:
        raise ValueError(f"{path}: not a NeuroSpeed export (missing column(s) {', '.join(missing)})")
    dtypes = {c: str for c in TEXT_COLUMNS if c in header}
    frame = pd.read_csv(
        path, dtype=dtypes, keep_default_na=False, na_values={c: [""] for c in header if c not in dtypes}
    )
    frame["timestamp"] = frame["timestamp"].astype("float64")
    frame["packets_counter"] = frame["packets_counter"].astype("int64")
    for column in channel_columns(frame):
        if frame[column].dtype == object:
            converted = pd.to_numeric(frame[column], errors="coerce")
            if converted.notna().sum() == frame[column].replace("", np.nan).notna().sum():
                frame[column] = converted
    frame.attrs["source"] = str(path)
    return frame


def channel_columns(frame: pd.DataFrame, stream_id: str | None = None) -> list[str]:
    """Channel columns of ``frame`` (of ``stream_id`` only, when the export has ``<stream_id>:`` prefixes)."""
    columns = [c for c in frame.columns if c not in META_COLUMNS]
    if stream_id is not None and any(":" in c for c in columns):
        columns = [c for c in columns if c.startswith(f"{stream_id}:")]
    return columns


def export_to_mne(
    data: str | os.PathLike[str] | pd.DataFrame,
    sfreq: float | None = None,
    stream_id: str | None = None,
    *,
    unit: str = "uV",
    ch_type: str = "eeg",
    annotate_labels: bool = True,
) -> mne.io.RawArray:
    """One stream of an export as an :class:`mne.io.RawArray` (``mne`` is an optional dependency).

    Args:
        data: path of an export CSV or the frame of :func:`load_export`.
        sfreq: sampling frequency in Hz; default: estimated from the timestamps
            (``(n - 1) / (last - first)``). Pass the stream's ``sampling_frequency`` when known.
        stream_id: the stream to convert; may be omitted when the export holds one stream.
        unit: unit of the exported values: ``"uV"`` (default: EEG devices stream microvolts), ``"mV"``, ``"V"``,
            ``"nV"``. Values are multiplied by the factor to volts (MNE's unit), e.g. 12.5 µV → 1.25e-05 V.
        ch_type: MNE channel type of every channel (``"eeg"``, ``"misc"``...).
        annotate_labels: add an annotation for every run of samples with the same ``packet_labels`` other than
            ``none`` (onset relative to the first sample, in seconds).

    Returns:
        ``RawArray`` of shape ``(n_channels, n_samples)``, channel names = the stream's ``channel_map`` (column
        names without the ``<stream_id>:`` prefix), samples ordered by timestamp, ``meas_date`` = the first
        timestamp (UTC).

    Raises:
        ImportError: mne is not installed. ValueError: several streams and no ``stream_id``, unknown stream, no
            channel column, non-numeric values, unknown ``unit``, fewer than two samples without ``sfreq``.
    """
    try:
        import mne
    except ImportError as exc:  # pragma: no cover - mne is optional
        raise ImportError("export_to_mne needs mne: pip install mne") from exc
    if unit not in UNIT_TO_VOLTS:
        raise ValueError(f"unit must be one of {', '.join(UNIT_TO_VOLTS)}, not {unit!r}")
    frame = data if isinstance(data, pd.DataFrame) else load_export(data)
    streams = list(dict.fromkeys(frame["stream_id"]))
    if stream_id is None:
        if len(streams) != 1:
            raise ValueError(f"the export holds {len(streams)} streams ({', '.join(streams)}): pass stream_id=")
        stream_id = streams[0]
    if stream_id not in streams:
        raise ValueError(f"stream {stream_id!r} is not in the export ({', '.join(streams)})")
    rows = frame[frame["stream_id"] == stream_id]
    rows = rows.sort_values(["timestamp", "packets_counter"], kind="stable")
    columns = channel_columns(frame, stream_id)
    if not columns:
        raise ValueError(f"stream {stream_id!r} has no channel column")
    values = rows[columns]
    if not all(pd.api.types.is_numeric_dtype(values[c]) for c in columns):
        raise ValueError(f"stream {stream_id!r} has non-numeric channel values")
    stamps = rows["timestamp"].to_numpy(dtype=float)
    if sfreq is None:
        if len(stamps) < 2 or stamps[-1] <= stamps[0]:
            raise ValueError("cannot estimate sfreq from fewer than two distinct timestamps: pass sfreq=")
        sfreq = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    names = [c.split(":", 1)[1] if c.startswith(f"{stream_id}:") else c for c in columns]
    info = mne.create_info(names, float(sfreq), ch_types=ch_type)
    raw = mne.io.RawArray(values.to_numpy(dtype=float).T * UNIT_TO_VOLTS[unit], info, verbose="error")
    raw.set_meas_date(datetime.fromtimestamp(float(stamps[0]), tz=UTC))
    if annotate_labels and "packet_labels" in rows:
        onsets, durations, descriptions = _label_runs(rows["packet_labels"].to_numpy(), float(sfreq))
        if onsets:
            raw.set_annotations(mne.Annotations(onsets, durations, descriptions))
    return raw


def _label_runs(labels: np.ndarray, sfreq: float) -> tuple[list[float], list[float], list[str]]:
    onsets: list[float] = []
    durations: list[float] = []
    descriptions: list[str] = []
    start = 0
    for index in range(1, len(labels) + 1):
        if index == len(labels) or labels[index] != labels[start]:
            label = str(labels[start])
            if label and label.lower() != "none" and label != "nan":
                onsets.append(start / sfreq)
                durations.append((index - start) / sfreq)
                descriptions.append(label)
            start = index
    return onsets, durations, descriptions
