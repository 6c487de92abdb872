"""cardiokit.dsp.filters: designs per fs, zero phase, powerline detection, validation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import sosfiltfilt

from cardiokit._core.errors import InvalidArgumentError
from cardiokit.dsp import (
    bandpass,
    design_sos,
    detect_powerline_hz,
    filtfilt_sos,
    highpass,
    lowpass,
    notch,
)
from cardiokit.dsp.filters import filtfilt_sos_f32


def _tone(f_hz: float, fs: float, n: int) -> np.ndarray:
    return np.sin(2 * np.pi * f_hz * np.arange(n) / fs)


def _gain(y: np.ndarray, x: np.ndarray) -> float:
    m = slice(len(x) // 4, 3 * len(x) // 4)  # away from the ends
    return float(np.std(y[m]) / np.std(x[m]))


@pytest.mark.parametrize("fs", [100.0, 250.0, 360.0, 500.0, 1000.0])
def test_bandpass_passes_band_and_stops_outside(fs):
    n = int(20 * fs)
    assert _gain(bandpass(_tone(10, fs, n), fs_hz=fs, low_hz=0.5, high_hz=40), _tone(10, fs, n)) > 0.95
    slow = _tone(0.05, fs, n)
    assert _gain(bandpass(slow, fs_hz=fs, low_hz=0.5, high_hz=40), slow) < 0.05
    # high edge clipped below Nyquist at low fs: still a valid, stable filter
    hi = bandpass(_tone(0.45 * fs * 0.99, fs, n), fs_hz=fs, low_hz=0.5, high_hz=150)
    assert np.all(np.isfinite(hi))


def test_zero_phase_no_delay():
    fs = 500.0
    x = np.zeros(5000)
    x[2500] = 1.0
    for y in (bandpass(x, fs_hz=fs, low_hz=5, high_hz=20), lowpass(x, fs_hz=fs, cutoff_hz=30),
              highpass(x, fs_hz=fs, cutoff_hz=0.5)):
        assert int(np.argmax(np.abs(y))) == 2500


def test_matches_scipy_sosfiltfilt_and_does_not_mutate():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3000, 3)) + np.linspace(0, 5, 3000)[:, None]
    before = x.copy()
    sos = design_sos(fs_hz=360, low_hz=0.5, high_hz=40, notch_hz=(60.0,))
    ours = filtfilt_sos(x, sos)
    ref = sosfiltfilt(np.array(sos), x, axis=0, padtype="odd", padlen=3 * (2 * sos.shape[0] + 1))
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(filtfilt_sos(x.T, sos, axis=1), ours.T, atol=1e-9)


@pytest.mark.parametrize(("fs", "low", "high", "notches"), [
    (500.0, 0.5, 40.0, ()), (250.0, 5.0, 22.0, ()), (500.0, 0.5, None, ()), (500.0, 0.5, 40.0, (50.0,)),
])
def test_fast_frequency_domain_path_matches_the_recursive_passes(fs, low, high, notches):
    rng = np.random.default_rng(7)
    # baseline drift and an offset far above the signal, as raw ECG leads have
    x = rng.normal(size=(2500, 12)).cumsum(axis=0) * 0.05 + 30.0 + rng.normal(size=(2500, 12))
    sos = design_sos(fs_hz=fs, low_hz=low, high_hz=high, notch_hz=notches)
    ref = filtfilt_sos(x, sos)
    fast = filtfilt_sos(x, sos, fast=True)
    assert fast.flags.c_contiguous and fast.shape == ref.shape
    np.testing.assert_allclose(fast, ref, rtol=0, atol=1e-10 * np.abs(ref).max())
    np.testing.assert_allclose(filtfilt_sos(x.T, sos, axis=1, fast=True), ref.T, rtol=0, atol=1e-10 * np.abs(ref).max())
    # too few channels: the recursive passes, bit for bit
    np.testing.assert_array_equal(filtfilt_sos(x[:, :2], sos, fast=True), ref[:, :2])


@pytest.mark.parametrize("n_ch", [2, 3, 12])
def test_channels_filtered_in_pairs_are_bit_identical_to_one_at_a_time(n_ch):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(3000, n_ch)).cumsum(axis=0) * 0.05 + 30.0
    for sos in (design_sos(fs_hz=500, low_hz=0.5, high_hz=40), design_sos(fs_hz=360, low_hz=0.5, high_hz=40,
                                                                       notch_hz=(60.0,))):
        together = filtfilt_sos(x, sos)
        alone = np.stack([filtfilt_sos(x[:, j], sos) for j in range(n_ch)], axis=1)
        np.testing.assert_array_equal(together, alone)
        # a NaN stays in its own channel (the pairing is skipped)
        bad = x.copy()
        bad[100, 0] = np.nan
        y = filtfilt_sos(bad, sos)
        assert np.isnan(y[:, 0]).all()
        np.testing.assert_array_equal(y[:, 1:], alone[:, 1:])


@pytest.mark.parametrize(("fs", "low", "high", "notches"), [
    (500.0, 0.5, 40.0, ()), (250.0, 5.0, 22.0, ()), (500.0, 0.5, 40.0, (50.0,)), (360.0, 0.5, 40.0, (60.0,)),
])
def test_float32_frequency_domain_route_matches_to_float32_rounding(fs, low, high, notches):
    rng = np.random.default_rng(5)
    n = int(10 * fs)
    x = (rng.normal(size=(n, 12)).cumsum(axis=0) * 0.01 + 3.0 + 0.3 * rng.normal(size=(n, 12))).astype(np.float32)
    sos = design_sos(fs_hz=fs, low_hz=low, high_hz=high, notch_hz=notches)
    ref = filtfilt_sos(x, sos)
    got = filtfilt_sos_f32(x, sos)
    assert got is not None and got.dtype == np.float32 and got.shape == ref.shape and got.flags.c_contiguous
    span = float(np.abs(x - x[:1]).max())
    assert np.abs(got - ref).max() < 2e-6 * span
    # first and last half second as good as the middle (edge correction)
    h = int(0.5 * fs)
    assert np.abs(got[:h] - ref[:h]).max() < 2e-6 * span and np.abs(got[-h:] - ref[-h:]).max() < 2e-6 * span
    # not applicable: fewer than four channels, too short, a NaN
    assert filtfilt_sos_f32(x[:, :3], sos) is None
    assert filtfilt_sos_f32(x[:100], sos) is None
    bad = x.copy()
    bad[10, 4] = np.nan
    assert filtfilt_sos_f32(bad, sos) is None


def test_powerline_detection_leaves_its_input_alone():
    x = np.random.default_rng(1).normal(size=5000) + 3.0
    before = x.copy()
    detect_powerline_hz(x, fs_hz=500.0)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("line", [50.0, 60.0])
def test_notch_and_powerline_detection(line):
    fs = 500.0
    n = int(30 * fs)
    rng = np.random.default_rng(0)
    ecgish = rng.normal(scale=0.2, size=n)
    hum = 0.5 * _tone(line, fs, n)
    assert detect_powerline_hz(ecgish + hum, fs_hz=fs) == line
    assert detect_powerline_hz(ecgish, fs_hz=fs) is None
    y = notch(hum, fs_hz=fs, freq_hz=line)
    assert _gain(y, hum) < 0.05


def test_powerline_invisible_at_low_fs():
    fs = 100.0
    x = _tone(50.0 * 0.999, fs, 3000)
    assert detect_powerline_hz(x, fs_hz=fs) is None
    # a notch at Nyquist is skipped rather than failing
    assert np.allclose(notch(x, fs_hz=fs, freq_hz=50.0), x)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"fs_hz": 0, "low_hz": 1},
        {"fs_hz": -5, "low_hz": 1},
        {"fs_hz": 100, "low_hz": 60},
        {"fs_hz": 100, "low_hz": 30, "high_hz": 20},
        {"fs_hz": 100, "low_hz": -1},
        {"fs_hz": 100, "low_hz": 1, "order": 0},
    ],
)
def test_invalid_designs_raise(kwargs):
    with pytest.raises(InvalidArgumentError):
        design_sos(**kwargs)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 400), fs=st.sampled_from([100.0, 257.0, 500.0, 1000.0]))
def test_any_length_is_accepted(n, fs):
    x = np.random.default_rng(n).normal(size=n)
    y = bandpass(x, fs_hz=fs, low_hz=0.5, high_hz=40)
    assert y.shape == x.shape
    assert np.all(np.isfinite(y))


@pytest.mark.parametrize(("fs", "q"), [(500.0, 3), (500.0, 2), (1000.0, 6), (360.0, 2)])
def test_decimated_band_from_the_kept_spectrum_matches_block_means_and_filter(fs, q):
    from cardiokit.dsp.filters import decimated_band_rows

    rng = np.random.default_rng(7)
    n = int(10 * fs)
    t = np.arange(n) / fs
    # QRS-like spikes at 1.2 Hz, drift and noise on 12 leads
    spikes = np.exp(-0.5 * ((t[:, None] % (1 / 1.2) - 0.4) / 0.012) ** 2) * rng.uniform(0.5, 2, 12)
    x = (spikes + rng.normal(size=(n, 12)).cumsum(axis=0) * 0.005 + 0.02 * rng.normal(size=(n, 12))
         + 3.0).astype(np.float32)
    sos = design_sos(fs_hz=fs, low_hz=0.5, high_hz=40.0, notch_hz=(50.0,))
    keep: list = []
    y = filtfilt_sos_f32(x, sos, keep=keep)
    # keeping the spectrum changes the cleaned values by float32 rounding at most
    assert np.abs(y - filtfilt_sos_f32(x, sos)).max() < 2e-6 * float(np.abs(x - x[:1]).max())
    note = keep[0]
    assert note.nfft % 6 == 0 and note.n == n
    band = design_sos(fs_hz=fs / q, low_hz=5.0, high_hz=22.0)
    m = n // q
    blocks = np.asarray(y, np.float64)[: m * q].reshape(m, q, 12).mean(axis=1)
    ref = filtfilt_sos(blocks, band).T
    got = decimated_band_rows(note, fs_hz=fs, q=q, sos=band)
    assert got is not None and got.shape == ref.shape and got.dtype == np.float64 and got.flags.c_contiguous
    scale = np.abs(ref).max(axis=1, keepdims=True)
    e = int(0.4 * fs / q)  # the edges differ (odd padding against a detrended periodic extension)
    assert np.abs(got - ref)[:, e:-e].max() < 5e-4 * scale.min()
    assert np.abs(got - ref).max() < 0.1 * scale.max()
    assert decimated_band_rows(note, fs_hz=fs, q=4, sos=band) is None or note.nfft % 4 == 0
