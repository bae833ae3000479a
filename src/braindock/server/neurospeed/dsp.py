"""EEG band power (``output.brainwave_power``) from a Welch PSD over a sliding window per stream.

``shared/reference/neurospeed.md`` 6.9 and 8.2 (decision D13). Per EEG stream and per channel:

* **Window**: a ring buffer of the last :data:`WINDOW_S` = 2 s of samples (``2 × sampling_frequency`` rows);
  after every accepted packet the whole buffer is analysed. Until :data:`MIN_BUFFER_S` = 1 s is buffered,
  every band is ``0.0``.
* **PSD**: ``scipy.signal.welch`` with a Hann window, segment length ``nperseg = min(1 s, buffer)`` samples,
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

import numpy as np
from scipy.integrate import trapezoid
from scipy.signal import welch

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


def band_powers(samples: np.ndarray, sampling_frequency: float) -> dict[str, list[float]]:
    """Absolute band power per channel of ``samples`` (shape ``(n_samples, n_channels)``, any units).

    Returns:
        ``{band: [power of channel 0, channel 1, ...]}`` for every band of :data:`BANDS`, in units² of the
        input; all zeros when fewer than :data:`MIN_BUFFER_S` seconds (or fewer than 2 samples) are given.
    """
    data = np.nan_to_num(np.asarray(samples, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
    if data.ndim != 2:
        raise ValueError(f"samples must be 2-D (n_samples, n_channels), not shape {data.shape}")
    n_samples, n_channels = data.shape
    zeros = {band: [0.0] * n_channels for band in BANDS}
    if n_samples < max(2, int(MIN_BUFFER_S * sampling_frequency)):
        return zeros
    nperseg = min(n_samples, max(2, int(round(SEGMENT_S * sampling_frequency))))
    freqs, psd = welch(
        data, fs=sampling_frequency, window="hann", nperseg=nperseg, noverlap=nperseg // 2, detrend="constant", axis=0
    )
    top = NYQUIST_CLIP * sampling_frequency / 2.0
    result: dict[str, list[float]] = {}
    for band, (lo, hi) in BANDS.items():
        hi = min(hi, top)
        mask = (freqs >= lo) & (freqs < hi)
        if lo >= top or mask.sum() == 0:
            result[band] = [0.0] * n_channels
        elif mask.sum() == 1:
            step = float(freqs[1] - freqs[0])
            result[band] = [float(v) for v in psd[mask][0] * step]
        else:
            result[band] = [float(v) for v in trapezoid(psd[mask], freqs[mask], axis=0)]
    return result


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
            block = np.array([[float(v) for v in row[: self.channel_count]] for row in rows], dtype=float)
            self._buffer = np.concatenate([self._buffer, block])[-self.capacity :]
        return band_powers(self._buffer, self.sampling_frequency)
