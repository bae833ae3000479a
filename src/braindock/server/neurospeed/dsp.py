"""EEG band power (``output.brainwave_power``) from a Welch PSD over a sliding window per stream.

``shared/reference/neurospeed.md`` 6.9 and 8.2 (decision D13). Per EEG stream and per channel:

* **Window**: a ring buffer of the last :data:`WINDOW_S` = 2 s of samples (``2 × sampling_frequency`` rows);
  after every accepted packet the whole buffer is analysed. Until :data:`MIN_BUFFER_S` = 1 s is buffered,
  every band is ``0.0``.
* **PSD**: Welch's method exactly as ``scipy.signal.welch`` computes it (one batched real FFT here) with a
  Hann window, segment length ``nperseg = min(1 s, buffer)`` samples,
  **50 % overlap** (``noverlap = nperseg // 2``), constant (mean) detrending per segment, one-sided density
  scaling, so the PSD is in input units²/Hz and a 1 s segment gives 1 Hz resolution.
* **Band power**: absolute power in input units² (µV² for µV input): the trapezoid integral of the PSD over
  the bins with ``lo <= f < hi``. A band's upper edge is clipped to 0.9 × Nyquist; a band whose lower edge is
  at or above that clip reports ``0.0``. Non-finite samples (``NaN``, ``±Infinity``) are replaced by 0.0.
* **Bands** (half-open, Hz), chosen as recommended in ``neurospeed.md`` 8.2: delta [0.5, 4), theta [4, 8),
  alpha [8, 13), beta [13, 30), gamma [30, 45) follow the clinical definitions of the IFCN glossary — Kane N.
  et al., "A revised glossary of terms most commonly used by clinical electroencephalographers and updated
  proposal for the report format of the EEG findings. Revision 2017", *Clin. Neurophysiol. Pract.* 2 (2017)
  170-185, doi:10.1016/j.cnp.2017.07.002 — with the 13 Hz alpha/beta boundary of common analysis practice
  (e.g. BrainFlow's ``get_avg_band_powers``), a 0.5 Hz delta floor against DC drift, and gamma capped at
  45 Hz below mains interference. mu [8, 12) is the sensorimotor rhythm in the alpha range (Pfurtscheller &
  Lopes da Silva, *Clin. Neurophysiol.* 110 (1999) 1842-1857) and overlaps alpha by design; smr [12, 15) is
  Sterman's sensorimotor rhythm (*Biofeedback Self-Regul.* 21 (1996) 3-33).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy.signal import get_window

#: Band name → half-open edges [lo, hi) in Hz, in the order of ``neurospeed.md`` 8.2.
BANDS: dict[str, tuple[float, float]] = {
    "delta": (0.5, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "mu": (8.0, 12.0),
    "smr": (12.0, 15.0),
    "beta": (13.0, 30.0),
    "gamma": (30.0, 45.0),
}
WINDOW_S = 2.0
MIN_BUFFER_S = 1.0
SEGMENT_S = 1.0
NYQUIST_CLIP = 0.9


@lru_cache(maxsize=64)
def _plan(nperseg: int, sampling_frequency: float) -> tuple[np.ndarray, np.ndarray]:
    """The Hann window scaled for a one-sided PSD density, and the band-integration matrix, for one
    segment length and sampling frequency (cached: every stream of a given rate shares them).

    Returns:
        ``(window, weights)``: ``window`` of shape ``(nperseg,)`` is the periodic Hann window divided by
        ``sqrt(fs * sum(w**2))`` (scipy's ``welch`` density scaling); ``weights`` of shape
        ``(len(BANDS), nperseg // 2 + 1)`` turns a one-sided PSD into band powers: the trapezoid rule over the
        bins with ``lo <= f < min(hi, clip)``, ``psd × bin width`` for a band of one bin, zeros for an empty
        band or one whose lower edge is at or above the clip (0.9 × Nyquist).
    """
    window = get_window("hann", nperseg)
    window = window / np.sqrt(sampling_frequency * float(np.sum(window * window)))
    freqs = np.fft.rfftfreq(nperseg, d=1.0 / sampling_frequency)
    top = NYQUIST_CLIP * sampling_frequency / 2.0
    weights = np.zeros((len(BANDS), len(freqs)))
    step = float(freqs[1] - freqs[0]) if len(freqs) > 1 else 0.0
    for row, (lo, hi) in enumerate(BANDS.values()):
        hi = min(hi, top)
        picked = np.flatnonzero((freqs >= lo) & (freqs < hi))
        if lo >= top or len(picked) == 0:
            continue
        if len(picked) == 1:
            weights[row, picked[0]] = step
            continue
        gaps = np.diff(freqs[picked])
        weights[row, picked[:-1]] += gaps / 2
        weights[row, picked[1:]] += gaps / 2
    return window, weights


def _welch(data: np.ndarray, sampling_frequency: float, nperseg: int) -> np.ndarray:
    """One-sided Welch PSD of ``data`` (``(n_samples, n_channels)``), shape ``(nperseg // 2 + 1, n_channels)``.

    The same estimate as ``scipy.signal.welch(data, fs, window="hann", nperseg=nperseg, noverlap=nperseg // 2,
    detrend="constant", axis=0)`` (mean of the segments' periodograms; samples after the last full segment are
    not used), computed with one batched real FFT.
    """
    window, _ = _plan(nperseg, sampling_frequency)
    step = nperseg - nperseg // 2
    count = (len(data) - nperseg) // step + 1
    starts = np.arange(count) * step
    segments = data[starts[:, None] + np.arange(nperseg)[None, :]]  # (count, nperseg, channels)
    segments = segments - segments.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(segments * window[None, :, None], axis=1)
    psd = (spectrum.real**2 + spectrum.imag**2).mean(axis=0)
    if nperseg % 2 == 0:
        psd[1:-1] *= 2.0
    else:
        psd[1:] *= 2.0
    return psd


def band_powers(samples: np.ndarray, sampling_frequency: float, segment_s: float = SEGMENT_S) -> dict[str, list[float]]:
    """Absolute band power per channel of ``samples`` (shape ``(n_samples, n_channels)``, any units), from Welch
    segments of ``segment_s`` seconds (default :data:`SEGMENT_S`; the insight engine uses 2 s).

    Returns:
        ``{band: [power of channel 0, channel 1, ...]}`` for every band of :data:`BANDS`, in units² of the
        input; all zeros when fewer than :data:`MIN_BUFFER_S` seconds (or fewer than 2 samples) are given.

    Raises:
        ValueError: ``samples`` is not 2-D.
    """
    data = np.nan_to_num(np.asarray(samples, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
    if data.ndim != 2:
        raise ValueError(f"samples must be 2-D (n_samples, n_channels), not shape {data.shape}")
    n_samples, n_channels = data.shape
    if n_samples < max(2, int(MIN_BUFFER_S * sampling_frequency)):
        return {band: [0.0] * n_channels for band in BANDS}
    nperseg = min(n_samples, max(2, int(round(segment_s * sampling_frequency))))
    _, weights = _plan(nperseg, float(sampling_frequency))
    powers = weights @ _welch(data, float(sampling_frequency), nperseg)  # (bands, channels)
    return dict(zip(BANDS, powers.tolist(), strict=True))


class BandPowerTracker:
    """The sliding window of one EEG stream: feed rows, read the current band powers.

    Args:
        channel_count: channels per row (timestamp excluded).
        sampling_frequency: Hz (> 0).
    """

    def __init__(self, channel_count: int, sampling_frequency: float) -> None:
        self.channel_count = channel_count
        self.sampling_frequency = sampling_frequency
        self.capacity = max(2, int(round(WINDOW_S * sampling_frequency)))
        self._buffer = np.zeros((0, channel_count))

    def update(self, rows: Sequence[Sequence[float]]) -> dict[str, list[float]]:
        """Append ``rows`` (their first ``channel_count`` values; the timestamp is ignored) and return
        :func:`band_powers` over the last :data:`WINDOW_S` seconds."""
        if rows:
            try:  # validated EEG rows: numbers of one width, so numpy converts them in one call
                block = np.asarray(rows, dtype=float)[:, : self.channel_count]
            except (TypeError, ValueError):
                block = np.array([[float(v) for v in row[: self.channel_count]] for row in rows], dtype=float)
            self._buffer = np.concatenate([self._buffer, block])[-self.capacity :]
        return band_powers(self._buffer, self.sampling_frequency)
