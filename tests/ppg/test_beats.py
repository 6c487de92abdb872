"""PPG beat detection: synthetic truth, robustness, CinC 2015 floors against the ABP pulses."""

from __future__ import annotations

import numpy as np
import pytest
from bench._common import match_events

from cardiokit._core.errors import InvalidArgumentError
from cardiokit.ppg import BEAT_METHODS, PPGBeats, detect_ppg_beats
from tests.conftest import shared_path
from tests.ppg.synth import synth_ppg


@pytest.mark.parametrize("method", BEAT_METHODS)
@pytest.mark.parametrize("fs", [125.0, 500.0])
def test_synthetic_clean_f1_100(method: str, fs: float) -> None:
    x, truth = synth_ppg(fs=fs, hr_bpm=75, noise=0.02)
    b = detect_ppg_beats(x, fs_hz=fs, method=method)
    s = match_events(truth, b.peaks, int(0.05 * fs))
    assert s.f1 == 100.0
    assert isinstance(b, PPGBeats) and b.onsets.shape == b.peaks.shape
    ok = b.onsets >= 0
    assert np.all(b.onsets[ok] < b.peaks[ok])
    assert b.heart_rate_bpm == pytest.approx(75, abs=2)


def test_low_perfusion_after_motion_burst() -> None:
    """A 10x motion burst must not hide the weak pulses around it (local threshold)."""
    fs = 125.0
    x, truth = synth_ppg(fs=fs, duration_s=90, hr_bpm=70, noise=0.005, seed=3)
    x[: int(40 * fs)] *= 0.1  # low perfusion
    rng = np.random.default_rng(1)
    a, b = int(40 * fs), int(45 * fs)
    x[a:b] += 10 * np.convolve(rng.normal(size=b - a), np.ones(20) / 20, mode="same")
    det = detect_ppg_beats(x, fs_hz=fs).peaks
    keep = (truth < a - fs) | (truth > b + fs)
    dk = det[(det < a - fs) | (det > b + fs)]
    s = match_events(truth[keep], dk, int(0.05 * fs))
    assert s.se >= 99.0 and s.ppv >= 99.0


def test_bad_method_names_choices() -> None:
    with pytest.raises(InvalidArgumentError, match="cardiokit"):
        detect_ppg_beats(np.zeros(1000), fs_hz=100, method="nope")


def _abp_reference_f1(name: str) -> float:
    import wfdb
    from scipy.signal import find_peaks

    from cardiokit.dsp import lowpass

    w = wfdb.rdrecord(str(shared_path("cuffless_bp_physionet2015", "records", f"{name}.hea").with_suffix("")))
    fs = float(w.fs)
    sig = np.nan_to_num(w.p_signal)
    ref, _ = find_peaks(lowpass(sig[:, 3], fs_hz=fs, cutoff_hz=10.0), distance=int(0.3 * fs), prominence=10)
    det = detect_ppg_beats(sig[:, 2], fs_hz=fs).peaks
    # the monitor delays PPG vs ABP by a record-specific constant: take the best one
    diffs = np.concatenate([det[np.abs(det - r) <= fs] - r for r in ref])
    grid = np.arange(-int(fs), int(fs) + 1)
    off = grid[np.argmax([np.count_nonzero(np.abs(diffs - g) <= 0.1 * fs) for g in grid])]
    m = int(1.2 * fs)
    inner = (ref > m) & (ref < sig.shape[0] - m)
    d = det - off
    return match_events(ref[inner], d[(d > m) & (d < sig.shape[0] - m)], int(0.1 * fs)).f1


@pytest.mark.parametrize(("record", "floor"), [("v154s", 99.0), ("v246s", 99.0), ("v218s", 98.5)])
def test_cinc2015_f1_floor(record: str, floor: float) -> None:
    assert _abp_reference_f1(record) >= floor
