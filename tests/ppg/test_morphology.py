"""Fiducials, biomarkers, quality, PRV on synthetic pulses and a PPG-BP segment."""

from __future__ import annotations

import numpy as np
import pytest

from cardiokit.ppg import (
    BIOMARKER_NAMES,
    FIDUCIAL_POINTS,
    analyze_ppg,
    assess_ppg_quality,
    clean_ppg,
    pulse_rate_variability,
)
from tests.conftest import shared_path
from tests.ppg.synth import synth_ppg


def _ppgbp(name: str) -> np.ndarray:
    return np.array(shared_path("ppg_bp", "0_subject", name).read_text().split(), float)


def test_fiducial_order_on_ppgbp_segment() -> None:
    a = analyze_ppg(_ppgbp("2_1.txt"), fs_hz=1000.0, models=False)
    P = a.fiducials.points
    assert set(P) == set(FIDUCIAL_POINTS)
    full = (P["on"] >= 0) & (P["off"] > 0)
    assert full.sum() >= 1
    for i in np.flatnonzero(full):
        assert P["on"][i] < P["a"][i] <= P["u"][i] < P["sp"][i] < P["dn"][i] < P["off"][i]
        assert P["a"][i] < P["b"][i] < P["e"][i]
        assert P["dn"][i] <= P["dp"][i]


def test_biomarkers_physiological_on_ppgbp() -> None:
    a = analyze_ppg(_ppgbp("2_1.txt"), fs_hz=1000.0, models=False)
    bm = a.biomarkers
    assert set(bm) == set(BIOMARKER_NAMES)
    assert 0.05 < bm["Tsp"] < 0.35  # rise time
    assert 0.3 < bm["Tpi"] < 1.5
    assert bm["Tw75"] < bm["Tw50"] < bm["Tw25"]
    assert -1.5 < bm["b_a"] < 0  # b wave is negative
    assert 0 < bm["RI"] < 1 and 0 < bm["IPA"] < 2
    assert bm["AGI"] == pytest.approx(bm["b_a"] - bm["c_a"] - bm["d_a"] - bm["e_a"], abs=0.3)
    assert a.heart_rate_bpm == pytest.approx(60 / bm["Tpp"], rel=0.1)


def test_synthetic_rise_time_and_widths() -> None:
    fs = 500.0
    x, _ = synth_ppg(fs=fs, hr_bpm=60, duration_s=20)
    a = analyze_ppg(x, fs_hz=fs, models=False)
    # Gaussian systolic wave, sigma 90 ms: the full width at half maximum is 2.355 sigma
    assert a.biomarkers["Tw50"] == pytest.approx(2.355 * 0.09, rel=0.15)
    assert a.quality.grade == "good"
    assert a.heart_rate_bpm == pytest.approx(60, abs=1)


def test_quality_noise_is_unusable_and_clean_is_good() -> None:
    fs = 125.0
    rng = np.random.default_rng(0)
    noise = rng.normal(size=int(30 * fs))
    a = analyze_ppg(noise, fs_hz=fs, models=False)
    assert a.quality.grade != "good"
    x, _ = synth_ppg(fs=fs, duration_s=30, noise=0.02)
    y = clean_ppg(x, fs_hz=fs)
    from cardiokit.ppg import detect_ppg_beats

    b = detect_ppg_beats(x, fs_hz=fs)
    q = assess_ppg_quality(y, b.peaks, b.onsets, fs_hz=fs)
    assert q.grade == "good" and q.good_fraction >= 0.95 and q.skewness > 0


def test_prv_of_regular_and_alternating_intervals() -> None:
    fs = 100.0
    peaks = np.cumsum(np.r_[0, np.tile([80, 90], 50)])  # 0.8 / 0.9 s alternating
    prv = pulse_rate_variability(peaks, fs_hz=fs)
    assert prv.mean_nn_ms == pytest.approx(850, abs=1)
    assert prv.rmssd_ms == pytest.approx(100, abs=1)
    d = prv.to_dict()
    assert d["n_intervals"] == 100 and d["lf_ms2"] is not None
