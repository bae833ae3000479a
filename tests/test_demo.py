"""``braindock demo`` (what ``make demo`` runs) works on the real data sets, and again on the same data dir."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import free_port

pytest.importorskip("process_improve", reason="the demo data ships in the 'demo' extra (process-improve)")
pytest.importorskip("openminds", reason="the demo's species ship in the 'demo' extra (openminds)")
try:  # read as package data only: iblatlas is installed with --no-deps and never imported
    importlib.metadata.distribution("iblatlas")
except importlib.metadata.PackageNotFoundError:
    pytest.skip(
        "the demo's brain regions ship in iblatlas (pip install --no-deps iblatlas==1.3.0)", allow_module_level=True
    )
pytest.importorskip("mne", reason="the demo reads its EEG recording with MNE (the 'demo' extra)")
pytest.importorskip("heartpy", reason="the demo's PPG recording ships in heartpy (the 'demo' extra)")
try:  # the EEG recording: data only, installed with --no-deps and never imported
    EDF = Path(
        str(
            importlib.metadata.distribution("biosignalsnotebooks").locate_file(
                "biosignalsnotebooks/notebook_files/osf_files/signal_samples/S001R02.edf"
            )
        )
    )
except importlib.metadata.PackageNotFoundError:
    pytest.skip(
        "the demo's EEG ships in biosignalsnotebooks (pip install --no-deps biosignalsnotebooks==0.6.14)",
        allow_module_level=True,
    )

#: A printed band-power line: time, channel, then delta theta alpha mu smr beta gamma in µV².
BAND_LINE = re.compile(r"^\s*(\d+\.\d) s\s+(Fz|Cz|Oz)" + r"\s+(-?\d+\.\d)" * 7 + r"\s*$", re.MULTILINE)
BAND_EDGES = {
    "delta": (0.5, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "mu": (8.0, 12.0),
    "smr": (12.0, 15.0),
    "beta": (13.0, 30.0),
    "gamma": (30.0, 45.0),
}


def run_demo(data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "braindock.cli", "demo", "--data-dir", str(data_dir), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=600,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(data_dir.parent)},
    )


def test_demo_walks_through_the_real_data_twice(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo-data"
    first = run_demo(data_dir)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    out = " ".join(first.stdout.split())
    assert "9,220 in the memory base, 92 match" in out
    assert "2,329 rows" in out
    assert "pip install braincube-connector==2.8.0" in out
    assert (data_dir / "braindock.sqlite").is_file()
    assert len(list((data_dir / "memory-bases").glob("*.duckdb"))) == 2
    # BrainSTEM: taxonomies from iblatlas' Allen structure tree and openMINDS species, then a lab project
    assert "Brain regions: 1,327 Allen mouse brain structures" in out
    assert "1,327 created now" in out
    assert "Species: 26 with NCBI Taxonomy ids" in out
    assert "Mus musculus (NCBI Taxonomy 10090)" in out
    assert "3 subjects (C57BL/6J), 12 sessions (17 records created now)" in out
    assert "parent CA (Ammon's horn)" in out
    assert "sorted by graph_order): CA1 (Field CA1), CA2 (Field CA2), CA3 (Field CA3)" in out
    assert "8 match, first 5" in out
    # BrainSTEM file fields: the setup's arena picture goes up as multipart and comes back byte for byte
    assert "(PNG drawn with matplotlib) uploaded" in out
    assert "serves image/png, identical bytes, stored once in the content-addressed store at files/sha256/" in out
    # TLS and OAuth2: HTTPS from the demo's own CA, then an authorization-code login whose token reads data
    assert "local CA created" in out and (data_dir / "tls" / "ca.pem").is_file()
    assert "restarted on the same data with --tls-cert/--tls-key: https://127.0.0.1:" in out
    assert "over HTTPS with the OAuth2 token: 9,220 rows of" in out
    assert "the same token now gets 401 (AuthenticationError, also a requests.HTTPError" in out
    second = run_demo(data_dir)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    again = " ".join(second.stdout.split())
    assert "92 match" in again
    assert "Brain regions: 1,327 Allen mouse brain structures" in again
    assert "0 created now" in again and "(0 records created now)" in again
    assert "Species: 26 with NCBI Taxonomy ids" in again
    assert "serves image/png, identical bytes" in again
    assert "local CA reused" in again and "of an earlier run revoked" in again
    assert "over HTTPS with the OAuth2 token: 9,220 rows of" in again
    assert len(list((data_dir / "memory-bases").glob("*.duckdb"))) == 2
    # NeuroSpeed: the same users again, new recorders, the same streams and files
    check_neurospeed(first.stdout, created=True)
    check_neurospeed(second.stdout, created=False)
    check_downloads(data_dir / "demo-downloads")


def expected_band_powers(samples: np.ndarray, frequency: float) -> dict[str, np.ndarray]:
    """Band power per channel of a 2 s window as ``neurospeed.md`` 8.2 recommends (Welch, Hann, 1 s, 50 %)."""
    from scipy.integrate import trapezoid
    from scipy.signal import welch

    n = int(frequency)
    freqs, psd = welch(samples, fs=frequency, window="hann", nperseg=n, noverlap=n // 2, detrend="constant", axis=0)
    out = {}
    for band, (lo, hi) in BAND_EDGES.items():
        mask = (freqs >= lo) & (freqs < min(hi, 0.45 * frequency))
        out[band] = trapezoid(psd[mask], freqs[mask], axis=0)
    return out


def source_eeg() -> Any:
    """S001R02 as MNE reads it, with the 10-10 channel names the demo streams (``Fc5.`` → ``FC5``)."""
    import mne
    from mne.datasets import eegbci

    raw = mne.io.read_raw_edf(EDF, preload=True, verbose="error")
    eegbci.standardize(raw)
    return raw


def source_ppg() -> tuple[np.ndarray, float]:
    """heartpy's data3.csv PPG and its sampling frequency (Hz) estimated by heartpy."""
    import heartpy
    import pandas as pd

    frame = pd.read_csv(Path(str(importlib.metadata.distribution("heartpy").locate_file("heartpy/data/data3.csv"))))
    rate = heartpy.get_samplerate_datetime(frame["datetime"].to_numpy(), timeformat="%Y-%m-%d %H:%M:%S.%f")
    return frame["hr"].to_numpy(dtype=float), float(rate)


def check_neurospeed(stdout: str, created: bool) -> None:
    import heartpy

    out = " ".join(stdout.split())
    raw = source_eeg()
    assert (len(raw.ch_names), raw.info["sfreq"], round(raw.n_times / raw.info["sfreq"])) == (64, 160.0, 61)
    assert "S001R02.edf (biosignalsnotebooks 0.6.14)" in out
    assert "64 channels, 160 Hz, 61 s" in out
    ppg, ppg_rate = source_ppg()
    ppg_samples = int(20 * ppg_rate)
    assert f"data3.csv (heartpy 1.2.7): raw photoplethysmogram (column hr), {ppg_rate:.2f} Hz" in out
    state = "created" if created else "reused (from a previous run)"
    assert f"user eegmmidb-s001 (EEG of EEGMMIDB subject S001): {state}" in out
    assert f"user heartpy-data3 (PPG of heartpy's data3.csv): {state}" in out

    # band powers printed live: every 2 s of signal for Fz, Cz, Oz, equal to an independent Welch estimate
    # over the 2 s of the EDF that ended at that moment
    lines = BAND_LINE.findall(stdout)
    seconds = sorted({float(line[0]) for line in lines})
    assert seconds == [2.0 * k for k in range(1, 11)], seconds
    assert len(lines) == 30
    data = raw.get_data(units="uV").T
    for line in lines:
        end = int(float(line[0]) * 160)
        expected = expected_band_powers(data[end - 320 : end], 160.0)
        channel = raw.ch_names.index(line[1])
        for band, printed in zip(BAND_EDGES, line[2:], strict=True):
            assert float(printed) == pytest.approx(expected[band][channel], rel=1e-3, abs=0.06), (line, band)
    assert "Sent 80 EEG and 80 PPG packets; the EEG user's room received 80 processed packets." in out
    assert re.search(r"Strongest alpha \(8-13 Hz\) over the last 2 s of the 64 channels: O[12z] ", out)

    # the downloaded CSVs: one row per streamed sample; 5 identity + channel + 2 label columns
    assert f": 3,200 rows × {5 + 64 + 2} columns (3,200 EEG samples streamed)" in out
    assert f": {ppg_samples:,} rows × {5 + 1 + 2} columns ({ppg_samples:,} PPG samples streamed)" in out
    assert "time chan delta theta alpha mu smr beta gamma (µV²)" in out
    assert "In MNE: 64 EEG channels × 3,200 samples at 160 Hz (20.0 s); identical to the EDF's samples: True" in out
    bpm = re.search(r"heartpy on the downloaded PPG: ([\d.]+) bpm \(the same window of data3.csv: ([\d.]+) bpm\)", out)
    assert bpm is not None and bpm.group(1) == bpm.group(2)
    source_bpm = heartpy.process(ppg[:ppg_samples], ppg_rate)[1]["bpm"]
    assert float(bpm.group(1)) == pytest.approx(source_bpm, abs=0.05)


def check_downloads(folder: Path) -> None:
    """Two runs downloaded two EEG and two PPG exports holding exactly the streamed samples."""
    import pandas as pd

    raw = source_eeg()
    eeg = raw.get_data(units="uV").T[:3200]
    ppg, ppg_rate = source_ppg()
    eeg_files = sorted(folder.glob("_S001R02-eyes-closed_*.csv"))
    ppg_files = sorted(folder.glob("_data3-ppg_*.csv"))
    assert (len(eeg_files), len(ppg_files)) == (2, 2), sorted(p.name for p in folder.iterdir())
    for path in eeg_files:
        frame = pd.read_csv(path, float_precision="round_trip")  # the exact values written
        assert frame.shape == (3200, 71)
        assert list(frame.columns[:5]) == ["timestamp", "packets_counter", "stream_id", "device_type", "hia_id"]
        assert list(frame.columns[-2:]) == ["packet_labels", "onetime_labels"]
        np.testing.assert_array_equal(frame[raw.ch_names].to_numpy(), eeg)
        assert set(frame["packet_labels"]) == {"eyes-closed-baseline"}
        assert frame["packets_counter"].nunique() == 80 and set(frame["hia_id"]) == {"EEGMMIDB"}
        assert np.diff(frame["timestamp"].to_numpy()) == pytest.approx(1 / 160, abs=1e-5)
    for path in ppg_files:
        frame = pd.read_csv(path, float_precision="round_trip")  # the exact values written
        assert frame.shape == (int(20 * ppg_rate), 8)
        np.testing.assert_array_equal(frame["ppg"].to_numpy(), ppg[: int(20 * ppg_rate)])
