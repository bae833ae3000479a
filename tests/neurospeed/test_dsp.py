"""Band power on synthetic signals (``braindock.server.neurospeed.dsp``, ``neurospeed.md`` 8.2)."""

from __future__ import annotations

import numpy as np
import pytest

from braindock.server.neurospeed.dsp import BANDS, BandPowerTracker, band_powers

FS = 256.0


def sine(frequency: float, seconds: float = 2.0, amplitude: float = 10.0, fs: float = FS) -> np.ndarray:
    t = np.arange(int(seconds * fs)) / fs
    return amplitude * np.sin(2 * np.pi * frequency * t)


def powers(signal: np.ndarray, fs: float = FS) -> dict[str, float]:
    return {band: values[0] for band, values in band_powers(signal[:, None], fs).items()}


def test_a_10_hz_sine_puts_most_power_in_alpha() -> None:
    result = powers(sine(10))
    assert max(result, key=result.get) == "alpha"
    total_without_overlaps = sum(v for band, v in result.items() if band not in ("mu",))
    assert result["alpha"] > 0.95 * total_without_overlaps
    assert result["alpha"] == pytest.approx(10.0**2 / 2, rel=0.1)  # a sine of amplitude A carries A²/2


@pytest.mark.parametrize(
    ("frequency", "band"), [(2, "delta"), (6, "theta"), (10, "alpha"), (20, "beta"), (38, "gamma")]
)
def test_each_band_catches_its_own_sine(frequency: float, band: str) -> None:
    result = powers(sine(frequency))
    others = {name: value for name, value in result.items() if name not in (band, "mu", "smr")}
    assert result[band] > 10 * max(v for name, v in others.items() if name != band)


def test_mu_and_smr_overlap_alpha_and_beta_as_defined() -> None:
    assert BANDS["mu"] == (8.0, 12.0) and BANDS["smr"] == (12.0, 15.0)
    result = powers(sine(13.5))
    assert result["smr"] > 0.5 * result["beta"]


def test_channels_are_independent() -> None:
    both = np.column_stack([sine(10), sine(20, amplitude=5)])
    result = band_powers(both, FS)
    assert result["alpha"][0] > 100 * result["alpha"][1]
    assert result["beta"][1] > 100 * result["beta"][0]


def test_less_than_one_second_gives_zeros_in_every_band() -> None:
    result = band_powers(sine(10, seconds=0.5)[:, None], FS)
    assert set(result) == set(BANDS)
    assert all(values == [0.0] for values in result.values())


def test_bands_above_the_nyquist_clip_are_zero() -> None:
    result = powers(sine(10, fs=50), fs=50)  # 0.9 × Nyquist = 22.5 Hz: gamma is out of reach
    assert result["gamma"] == 0.0
    assert max(result, key=result.get) == "alpha"


def test_non_finite_samples_do_not_poison_the_result() -> None:
    signal = sine(10)
    signal[::50] = np.nan
    signal[7] = np.inf
    result = powers(signal)
    assert all(np.isfinite(v) for v in result.values())
    assert max(result, key=result.get) == "alpha"


def test_tracker_keeps_a_two_second_sliding_window() -> None:
    tracker = BandPowerTracker(channel_count=1, sampling_frequency=FS)
    rows = [[v, 1_700_000_000.0 + i / FS] for i, v in enumerate(sine(10, seconds=2))]
    assert tracker.update(rows[:64])["alpha"] == [0.0]  # a quarter second: not enough yet
    assert tracker.update(rows[64:])["alpha"][0] == pytest.approx(50.0, rel=0.1)
    later = [[v, 0.0] for v in sine(20, seconds=2)]
    result = tracker.update(later)  # the 10 Hz part has slid out of the window
    assert max(result, key=lambda band: result[band][0]) == "beta"
    assert result["alpha"][0] < 0.01 * result["beta"][0]


def _scipy_reference(samples: np.ndarray, fs: float) -> dict[str, list[float]]:
    """The definition of the docstring, written with ``scipy.signal.welch`` and ``scipy.integrate.trapezoid``."""
    from scipy.integrate import trapezoid
    from scipy.signal import welch

    nperseg = min(len(samples), max(2, int(round(fs))))
    freqs, psd = welch(
        samples, fs=fs, window="hann", nperseg=nperseg, noverlap=nperseg // 2, detrend="constant", axis=0
    )
    top = 0.9 * fs / 2
    result = {}
    for band, (lo, hi) in BANDS.items():
        mask = (freqs >= lo) & (freqs < min(hi, top))
        if lo >= top or mask.sum() == 0:
            result[band] = [0.0] * samples.shape[1]
        elif mask.sum() == 1:
            result[band] = list(psd[mask][0] * (freqs[1] - freqs[0]))
        else:
            result[band] = list(trapezoid(psd[mask], freqs[mask], axis=0))
    return result


@pytest.mark.parametrize(
    ("fs", "seconds"), [(256.0, 2.0), (256.0, 1.3), (250.0, 2.0), (125.0, 1.5), (50.0, 2.0), (9.0, 1.0)]
)
def test_band_powers_equal_scipy_welch_and_trapezoid(fs: float, seconds: float) -> None:
    """The batched-FFT implementation gives scipy's Welch estimate and trapezoid integral (to rounding)."""
    rng = np.random.default_rng(int(fs * 10 + seconds * 100))
    samples = rng.normal(0, 10, (int(fs * seconds), 3)) + 5
    ours = band_powers(samples, fs)
    reference = _scipy_reference(samples, fs)
    for band in BANDS:
        np.testing.assert_allclose(ours[band], reference[band], rtol=1e-9, atol=1e-12)
