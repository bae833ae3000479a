"""NeuroSpeed insight engine benchmark (issue 10): the cost of one analysis window, beside the library baseline.

One command, self-contained::

    python benchmarks/insights.py [--repeat 20] [--write-results]

On the demo's real signals (heartpy's ``data3.csv`` PPG, PhysioNet EEGMMIDB S001R02 EEG; the ``demo`` extra) and
on neurokit2's simulated EDA, it times what the server's worker thread runs for one window of each device kind,
:func:`braindock.server.neurospeed.insight_functions.compute`, and beside it the library calls that
window stands on, run directly on the same samples (the baseline):

* PPG, 60 s: ``neurokit2.ppg_clean`` + ``ppg_findpeaks`` (the beat detection every cardiac value needs); also
  ``heartpy.process`` for scale (another library's whole analysis);
* EEG, 30 s × 8 channels: ``scipy.signal.welch`` with the engine's 2 s segments (the textbook PSD; the engine's
  batched-FFT band power of ``dsp.band_powers`` can beat it);
* EDA, 60 s: ``neurokit2.eda_process``.

Each figure is the median of ``--repeat`` runs after one warm-up run (neurokit2's first call imports and
compiles). "per stream" is that median divided by the 5 s of samples between two windows: the share of one core
a stream's insights take. With ``--write-results`` the report goes to ``benchmarks/RESULTS.md`` under
``## insights (issue 10)``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from braindock.server.neurospeed import insight_functions
from common import run_and_report
from streaming import machine_info

SECTION = "## insights (issue 10)"
#: Seconds of samples between two windows of one stream (the engine's cadence).
EVERY_S = 5.0
EEG_CHANNELS = 8


def median_seconds(function: Callable[[], Any], repeat: int) -> float:
    """Median wall time of ``function()`` over ``repeat`` runs, after one warm-up run."""
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def signals() -> dict[str, tuple[np.ndarray, float]]:
    """``{kind: (samples (n, channels), sampling frequency in Hz)}`` of one window per device kind."""
    import neurokit2 as nk

    from braindock.demo_neurospeed import load_eeg, load_ppg

    ppg = load_ppg(insight_functions.WINDOWS_S["ppg"])
    eeg = load_eeg(insight_functions.WINDOWS_S["eeg"])
    eda_fs = 32.0
    eda = nk.eda_simulate(duration=int(insight_functions.WINDOWS_S["eda"]), sampling_rate=int(eda_fs), scr_number=6)
    return {
        "ppg": (np.asarray(ppg.samples, dtype=float), float(ppg.sampling_frequency)),
        "eeg": (np.asarray(eeg.samples[:, :EEG_CHANNELS], dtype=float), float(eeg.sampling_frequency)),
        "eda": (np.asarray(eda, dtype=float)[:, None], eda_fs),
    }


def run(args: argparse.Namespace, work: Path) -> str:
    """Time every kind's window and its baseline; return the markdown report."""
    import heartpy
    import neurokit2 as nk
    from scipy.signal import welch

    load = os.getloadavg()
    windows = signals()
    ppg, ppg_fs = windows["ppg"]
    eeg, eeg_fs = windows["eeg"]
    eda, eda_fs = windows["eda"]
    segment = int(insight_functions.EEG_SEGMENT_S * eeg_fs)

    def ppg_baseline() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nk.ppg_findpeaks(nk.ppg_clean(ppg[:, 0], sampling_rate=ppg_fs), sampling_rate=ppg_fs)

    def eeg_baseline() -> None:
        welch(eeg, fs=eeg_fs, nperseg=segment, axis=0)

    def eda_baseline() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nk.eda_process(eda[:, 0], sampling_rate=eda_fs)

    cases = [
        ("PPG", "ppg", ppg, ppg_fs, "neurokit2 ppg_clean + ppg_findpeaks", ppg_baseline),
        ("EEG", "eeg", eeg, eeg_fs, "scipy.signal.welch", eeg_baseline),
        ("EDA", "eda", eda, eda_fs, "neurokit2 eda_process", eda_baseline),
    ]
    lines = [
        "| window | samples × channels | values | engine (ms) | baseline | baseline (ms) | × baseline "
        "| engine per stream (% of one core) |",
        "|---|---:|---|---:|---|---:|---:|---:|",
    ]
    for label, kind, samples, fs, baseline_name, baseline in cases:
        values = insight_functions.compute(kind, samples, fs)
        engine = median_seconds(
            lambda kind=kind, samples=samples, fs=fs: insight_functions.compute(kind, samples, fs), args.repeat
        )
        base = median_seconds(baseline, args.repeat)
        shown = ", ".join(f"{name} {value:.3g}" if value is not None else f"{name} –" for name, value in values.items())
        lines.append(
            f"| {label}, {len(samples) / fs:.0f} s at {fs:.4g} Hz | {len(samples):,} × {samples.shape[1]} | {shown} "
            f"| {engine * 1e3:.1f} | {baseline_name} | {base * 1e3:.1f} | {engine / base:.2f} "
            f"| {engine / EVERY_S * 100:.2f} |"
        )
    heartpy_s = median_seconds(lambda: heartpy.process(ppg[:, 0], ppg_fs), args.repeat)
    today = datetime.now().strftime("%Y-%m-%d")
    out = [
        SECTION,
        "",
        f"`python benchmarks/insights.py --repeat {args.repeat}` ({today}). One analysis window per device kind, "
        "as the server's insight worker runs it (`insight_functions.compute`), beside the library calls it "
        f"stands on, on the same samples; medians of {args.repeat} runs after a warm-up. A stream "
        f"is analysed once per {EVERY_S:g} s of samples, so 'per stream' is the engine's median / {EVERY_S:g} s.",
        "",
        *lines,
        "",
        f"- For scale: `heartpy.process` of the same PPG window takes {heartpy_s * 1e3:.1f} ms.",
        "- PPG: heartpy 1.2.7 `data3.csv`; EEG: PhysioNet EEGMMIDB S001R02 (first 8 channels); EDA: "
        "`neurokit2.eda_simulate` (6 responses in 60 s, 32 Hz), since the demo has no EDA recording.",
        "- The live cost per packet on the uplink (ring buffer copy, queueing) is in the streaming section "
        "(`--insights both`: the same load with the engine on and off).",
        *machine_info(),
        "- " + ", ".join(f"{name} {metadata.version(name)}" for name in ("neurokit2", "scipy", "numpy", "heartpy")),
        f"- load average when the run started: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1 / 5 / 15 min).",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command line of the benchmark; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of each window and baseline")
    parser.add_argument("--write-results", action="store_true", help="write the report into benchmarks/RESULTS.md")
    parser.add_argument("--keep", type=Path, default=None, help="use this work directory and keep it afterwards")
    return run_and_report(parser.parse_args(argv), run, SECTION, "braindock-insights-")


if __name__ == "__main__":
    sys.exit(main())
