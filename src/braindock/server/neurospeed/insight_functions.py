"""The functions of the NeuroSpeed cognitive-analysis engine (``output.cognitive_analysis``, ``neurospeed.md`` 6.9).

Each function takes one window of one stream (``samples`` of shape ``(n_samples, n_channels)`` in the sensor's
units, ``sampling_frequency`` in Hz) and returns one float, or ``None`` when the window holds too little signal
for it (too short, flat, no beats found). None of them raises on bad signal: a library error on a window counts
as "no value". The engine (:mod:`.insights_engine`) calls them every :data:`~.insights_engine.COMPUTE_EVERY_S`
seconds of signal on the last :data:`WINDOWS_S` seconds of each stream, off the event loop.

| function | streams | value | source |
|---|---|---|---|
| ``eeg_engagement`` | EEG | β / (α + θ), dimensionless | Pope, Bogart & Bartolome 1995 |
| ``eeg_relaxation`` | EEG | α / β, dimensionless | α/β ratio of relaxation / neurofeedback practice |
| ``heart_rate`` | PPG, SMARTWATCH | beats per minute | Elgendi et al. 2013 peak detector (neurokit2) |
| ``hrv_rmssd`` | PPG, SMARTWATCH | ms, adjacent valid intervals only | Task Force of the ESC/NASPE 1996 |
| ``stress_index`` | PPG, SMARTWATCH | Baevsky's stress index, 1/s² | Baevsky & Chernikova 2017 |
| ``eda_tonic`` | EDA, GSR | mean tonic level, sensor units (µS) | neurokit2 ``eda_phasic`` |
| ``eda_phasic_peaks_per_minute`` | EDA, GSR | SCRs per minute | neurokit2 ``eda_process`` defaults (Makowski 2021) |

The insight id ``neurobrave_stress2`` of the official macros (``output$neurobrave_stress2``) is an alias of
``stress_index`` (:data:`ALIASES`).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable

import numpy as np

from braindock.server.neurospeed import dsp

log = logging.getLogger("braindock.neurospeed.insights")

#: EEG bands of the ratios: :data:`braindock.server.neurospeed.dsp.BANDS` (Hz, half-open).
EEG_BANDS = ("theta", "alpha", "beta")
#: Welch segment of the insight PSD, seconds (longer than the live band powers' 1 s: finer bins for θ).
EEG_SEGMENT_S = 2.0
#: Window analysed per device kind, seconds (Pope et al. used 20 s and 40 s windows; HRV and SCR rates need
#: tens of beats / responses).
WINDOWS_S = {"eeg": 30.0, "ppg": 60.0, "smartwatch": 60.0, "eda": 60.0, "gsr": 60.0}
#: Shortest window on which a function is computed, seconds.
MIN_WINDOW_S = {"eeg": 4.0, "ppg": 15.0, "smartwatch": 15.0, "eda": 20.0, "gsr": 20.0}
#: Baevsky histogram bin width, seconds (50 ms, Baevsky & Chernikova 2017).
BAEVSKY_BIN_S = 0.05
#: A minute whose mean ``stress_index`` is above this is a *stress minute*; at or below, a *rest minute*
#: (Baevsky & Chernikova 2017: 80-150 at rest in healthy adults, several hundred under mental stress).
STRESS_THRESHOLD = 150.0
ALIASES = {"neurobrave_stress2": "stress_index", "stress": "stress_index"}


def eeg_band_powers(samples: np.ndarray, sampling_frequency: float) -> dict[str, float]:
    """θ, α and β absolute power of an EEG window, averaged over channels (input units², µV² for µV).

    :func:`braindock.server.neurospeed.dsp.band_powers` with :data:`EEG_SEGMENT_S` segments (Hann, 50 %
    overlap, one-sided density, trapezoid integral over ``lo <= f < hi`` of :data:`~.dsp.BANDS`, bins clipped at
    0.9 × Nyquist); non-finite samples become 0.

    Returns:
        ``{"theta", "alpha", "beta"}`` (0 for a band without frequency bins).
    """
    powers = dsp.band_powers(np.asarray(samples, dtype=float), sampling_frequency, segment_s=EEG_SEGMENT_S)
    return {name: float(np.mean(powers[name])) for name in EEG_BANDS}


def _ratio(top: float, bottom: float) -> float | None:
    if not (np.isfinite(top) and np.isfinite(bottom)) or bottom <= 0:
        return None
    return float(top / bottom)


def eeg_engagement(samples: np.ndarray, sampling_frequency: float) -> float | None:
    """EEG engagement index β / (α + θ) of a window (dimensionless).

    Source: Pope A.T., Bogart E.H., Bartolome D.S., "Biocybernetic system evaluates indices of operator
    engagement in automated task", *Biological Psychology* 40 (1995) 187-195, doi:10.1016/0301-0511(95)05116-3
    (the index they found best, computed there from the summed power of Cz, Pz, P3 and P4). Here: band powers of
    :func:`eeg_band_powers` averaged over every channel of the stream.
    """
    return _eeg(samples, sampling_frequency)["eeg_engagement"]


def eeg_relaxation(samples: np.ndarray, sampling_frequency: float) -> float | None:
    """EEG relaxation index α / β of a window (dimensionless; higher = more relaxed).

    Source: the alpha/beta power ratio is a common relaxation index in neurofeedback and relaxation studies;
    it is a convention of that practice, not a validated clinical scale (alpha power is known to be higher in
    relaxed wakefulness with eyes closed and to fall with mental effort). Band powers as in
    :func:`eeg_band_powers`.
    """
    return _eeg(samples, sampling_frequency)["eeg_relaxation"]


def ppg_beats(samples: np.ndarray, sampling_frequency: float) -> np.ndarray:
    """Sample indices of the systolic peaks of a PPG window (first channel), with neurokit2.

    ``neurokit2.ppg_clean`` (Elgendi's 0.5-8 Hz Butterworth band-pass) then ``neurokit2.ppg_findpeaks``
    (Elgendi M. et al., "Systolic peak detection in acceleration photoplethysmograms measured from emergency
    responders in tropical conditions", *PLoS ONE* 8 (2013) e76585, doi:10.1371/journal.pone.0076585).

    Returns:
        increasing sample indices (empty when nothing is found or the signal is flat).
    """
    import neurokit2 as nk

    signal = np.nan_to_num(np.asarray(samples, dtype=float)[:, 0])
    if len(signal) < 3 or float(np.ptp(signal)) == 0.0:
        return np.zeros(0, dtype=int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cleaned = nk.ppg_clean(signal, sampling_rate=sampling_frequency)
        info = nk.ppg_findpeaks(cleaned, sampling_rate=sampling_frequency)
    return np.asarray(info["PPG_Peaks"], dtype=int)


def rr_intervals(peaks: np.ndarray, sampling_frequency: float) -> np.ndarray:
    """Beat-to-beat intervals in seconds, keeping the physiological ones (0.3-2.0 s, i.e. 30-200 bpm)."""
    rr = np.diff(np.asarray(peaks, dtype=float)) / sampling_frequency
    return rr[(rr >= 0.3) & (rr <= 2.0)]


def heart_rate(samples: np.ndarray, sampling_frequency: float) -> float | None:
    """Mean heart rate of a PPG window in beats per minute: ``60 / mean(RR)`` over the beats of
    :func:`ppg_beats` (at least 5 intervals), as heartpy's ``bpm`` (van Gent P. et al., "HeartPy: A novel heart
    rate algorithm for the analysis of noisy signals", *Transp. Res. F* 66 (2019) 368-378)."""
    return _cardiac(samples, sampling_frequency)["heart_rate"]


def rmssd_ms(peaks: np.ndarray, sampling_frequency: float) -> float | None:
    """RMSSD in milliseconds of beat indices ``peaks`` (samples at ``sampling_frequency`` Hz): the root mean
    square of the differences of *adjacent* beat-to-beat intervals that are both physiological (0.3-2.0 s, as
    :func:`rr_intervals`); a pair touching a rejected interval (missed or extra beat) is left out. Source: Task
    Force of the European Society of Cardiology and the North American Society of Pacing and Electrophysiology,
    "Heart rate variability: standards of measurement, physiological interpretation and clinical use",
    *Circulation* 93 (1996) 1043-1065.

    Returns:
        the value, or ``None`` with fewer than 5 valid intervals or no valid adjacent pair.
    """
    rr = np.diff(np.asarray(peaks, dtype=float)) / sampling_frequency
    valid = (rr >= 0.3) & (rr <= 2.0)
    if int(valid.sum()) < 5:
        return None
    pairs = valid[1:] & valid[:-1]
    if not pairs.any():
        return None
    diffs = np.diff(rr)[pairs]
    return float(1000.0 * np.sqrt(np.mean(np.square(diffs))))


def hrv_rmssd(samples: np.ndarray, sampling_frequency: float) -> float | None:
    """RMSSD of a PPG window in milliseconds: :func:`rmssd_ms` of the beats of :func:`ppg_beats`."""
    return _cardiac(samples, sampling_frequency)["hrv_rmssd"]


def baevsky_stress_index(rr_s: np.ndarray) -> float | None:
    """Baevsky's stress index ``SI = AMo / (2 · Mo · MxDMn)`` of RR intervals in seconds (unit 1/s²).

    ``Mo`` (mode) is the centre of the most populated 50-ms bin of the RR histogram (seconds), ``AMo`` the
    share of intervals in that bin (percent), ``MxDMn`` the range max(RR) - min(RR) (seconds). Source: Baevsky
    R.M., Chernikova A.G., "Heart rate variability analysis: physiological foundations and main methods",
    *Cardiometry* 10 (2017) 66-76, doi:10.12710/cardiometry.2017.10.6676 (normal 80-150; mental stress
    raises it to several hundred).

    Returns:
        the index, or ``None`` for fewer than 5 intervals or a zero range.
    """
    rr = np.asarray(rr_s, dtype=float)
    if len(rr) < 5:
        return None
    spread = float(rr.max() - rr.min())
    if spread <= 0:
        return None
    edges = np.arange(np.floor(rr.min() / BAEVSKY_BIN_S) * BAEVSKY_BIN_S, rr.max() + BAEVSKY_BIN_S, BAEVSKY_BIN_S)
    counts, edges = np.histogram(rr, bins=edges)
    top = int(np.argmax(counts))
    mode = float((edges[top] + edges[top + 1]) / 2)
    amplitude = 100.0 * counts[top] / len(rr)
    return float(amplitude / (2.0 * mode * spread))


def stress_index(samples: np.ndarray, sampling_frequency: float) -> float | None:
    """Baevsky's stress index (:func:`baevsky_stress_index`) of the RR intervals of a PPG window."""
    return _cardiac(samples, sampling_frequency)["stress_index"]


def _electrodermal(samples: np.ndarray, sampling_frequency: float) -> dict[str, float | None]:
    """The one code path of :func:`eda_tonic` and :func:`eda_phasic_peaks_per_minute`: one
    ``neurokit2.eda_process`` of the window's first channel, then the mean of ``EDA_Tonic`` and the count of
    ``SCR_Peaks`` per minute. A flat window gives its constant value and 0 responses; an empty or too short one
    gives ``None`` for both."""
    import neurokit2 as nk

    signal = np.nan_to_num(np.asarray(samples, dtype=float)[:, 0])
    minutes = len(signal) / sampling_frequency / 60.0
    if len(signal) and float(np.ptp(signal)) == 0.0:
        return {"eda_tonic": float(signal[0]), "eda_phasic_peaks_per_minute": 0.0}
    if len(signal) < 3 or minutes <= 0:
        return {"eda_tonic": None, "eda_phasic_peaks_per_minute": None}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame, _ = nk.eda_process(signal, sampling_rate=sampling_frequency)
    tonic = float(frame["EDA_Tonic"].mean())
    return {
        "eda_tonic": tonic if np.isfinite(tonic) else None,
        "eda_phasic_peaks_per_minute": float(frame["SCR_Peaks"].sum() / minutes),
    }


def eda_tonic(samples: np.ndarray, sampling_frequency: float) -> float | None:
    """Mean tonic skin-conductance level of an EDA/GSR window (sensor units, µS for a conductance sensor).

    ``neurokit2.eda_process`` (low-pass clean, then the high-pass tonic/phasic split of ``eda_phasic``:
    tonic = the < 0.05 Hz component; Boucsein W., *Electrodermal Activity*, 2nd ed., Springer 2012) and the mean
    of ``EDA_Tonic``. A flat window gives its constant value.
    """
    return _electrodermal(samples, sampling_frequency)["eda_tonic"]


def eda_phasic_peaks_per_minute(samples: np.ndarray, sampling_frequency: float) -> float | None:
    """Skin-conductance responses per minute of an EDA/GSR window, divided by its length in minutes.

    The ``SCR_Peaks`` that ``neurokit2.eda_process`` finds with its default ``method="neurokit"`` (cleaning,
    ``eda_phasic`` and ``eda_peaks`` each with their ``"neurokit"`` method; see
    ``neurokit2.eda.eda_methods``). neurokit2: Makowski D. et al., "NeuroKit2: A Python toolbox for
    neurophysiological signal processing", *Behavior Research Methods* 53 (2021) 1689-1696,
    doi:10.3758/s13428-020-01516-y. (Kim K.H. et al. 2004 is a different SCR method of neurokit2,
    ``method="kim2004"``, not used here.) A flat window gives 0.
    """
    return _electrodermal(samples, sampling_frequency)["eda_phasic_peaks_per_minute"]


Function = Callable[[np.ndarray, float], float | None]

#: Device kind → the functions computed on its streams, in the order of ``output.cognitive_analysis``.
FUNCTIONS: dict[str, dict[str, Function]] = {
    "eeg": {"eeg_engagement": eeg_engagement, "eeg_relaxation": eeg_relaxation},
    "ppg": {"heart_rate": heart_rate, "hrv_rmssd": hrv_rmssd, "stress_index": stress_index},
    "eda": {"eda_tonic": eda_tonic, "eda_phasic_peaks_per_minute": eda_phasic_peaks_per_minute},
}
FUNCTIONS["smartwatch"] = FUNCTIONS["ppg"]
FUNCTIONS["gsr"] = FUNCTIONS["eda"]
#: Every function name, in a stable order.
FUNCTION_NAMES: tuple[str, ...] = tuple(dict.fromkeys(n for kind in ("eeg", "ppg", "eda") for n in FUNCTIONS[kind]))


def compute(kind: str, samples: np.ndarray, sampling_frequency: float) -> dict[str, float | None]:
    """Every function of device ``kind`` on one window: ``{name: value or None}`` (``{}`` for other kinds).

    The PPG functions share one beat detection, the EEG ones one PSD, the EDA ones one ``eda_process``. A
    function that raises gives ``None``
    (logged at DEBUG).
    """
    functions = FUNCTIONS.get(kind)
    if not functions:
        return {}
    if len(samples) < MIN_WINDOW_S.get(kind, 0.0) * sampling_frequency:
        return dict.fromkeys(functions)
    if kind in ("ppg", "smartwatch"):
        return _cardiac(samples, sampling_frequency)
    if kind == "eeg":
        return _eeg(samples, sampling_frequency)
    if kind in ("eda", "gsr"):
        try:
            return _electrodermal(samples, sampling_frequency)
        except Exception:  # noqa: BLE001 - a window a library cannot analyse has no value
            log.debug("electrodermal insights failed on a window", exc_info=True)
            return dict.fromkeys(functions)
    values: dict[str, float | None] = {}
    for name, function in functions.items():
        try:
            value = function(samples, sampling_frequency)
        except Exception:  # noqa: BLE001 - a window a library cannot analyse has no value
            log.debug("insight %s failed on a window", name, exc_info=True)
            value = None
        values[name] = value if value is None or np.isfinite(value) else None
    return values


def _cardiac(samples: np.ndarray, sampling_frequency: float) -> dict[str, float | None]:
    """The one code path of heart_rate, hrv_rmssd and stress_index: one beat detection, then
    ``60 / mean(RR)``, :func:`rmssd_ms` and :func:`baevsky_stress_index` of the valid intervals."""
    values: dict[str, float | None] = {"heart_rate": None, "hrv_rmssd": None, "stress_index": None}
    try:
        peaks = ppg_beats(samples, sampling_frequency)
        rr = rr_intervals(peaks, sampling_frequency)
        if len(rr) < 5:
            return values
        values["heart_rate"] = float(60.0 / rr.mean())
        values["hrv_rmssd"] = rmssd_ms(peaks, sampling_frequency)
        values["stress_index"] = baevsky_stress_index(rr)
    except Exception:  # noqa: BLE001
        log.debug("cardiac insights failed on a window", exc_info=True)
    return {k: v if v is None or np.isfinite(v) else None for k, v in values.items()}


def _eeg(samples: np.ndarray, sampling_frequency: float) -> dict[str, float | None]:
    """The one code path of eeg_engagement and eeg_relaxation: one PSD (:func:`eeg_band_powers`)."""
    try:
        powers = eeg_band_powers(samples, sampling_frequency)
    except Exception:  # noqa: BLE001
        log.debug("EEG insights failed on a window", exc_info=True)
        return {"eeg_engagement": None, "eeg_relaxation": None}
    return {
        "eeg_engagement": _ratio(powers["beta"], powers["alpha"] + powers["theta"]),
        "eeg_relaxation": _ratio(powers["alpha"], powers["beta"]),
    }


def resolve(insight: str) -> str:
    """Function name of an insight id or path: ``output$neurobrave_stress2`` → ``stress_index``;
    ``output$cognitive_analysis$heart_rate``, ``cognitive_analysis.heart_rate`` and ``heart_rate`` →
    ``heart_rate`` (``$`` or ``.`` separate the parts; the last part names the function or an alias).

    Raises:
        ValueError: no such function (the message lists them).
    """
    name = str(insight).replace(".", "$").split("$")[-1].strip()
    name = ALIASES.get(name, name)
    if name not in FUNCTION_NAMES:
        known = ", ".join((*FUNCTION_NAMES, *ALIASES))
        raise ValueError(f"unknown insight {insight!r}; known: {known}")
    return name
