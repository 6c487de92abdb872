"""Respiratory rate: synthetic modulation and a BIDMC floor against the RESP channel."""

from __future__ import annotations

import numpy as np
import pytest

from cardiokit.ppg import RESP_METHODS, analyze_ppg, respiratory_rate
from tests.conftest import shared_path
from tests.ppg.synth import synth_ppg


@pytest.mark.parametrize("method", RESP_METHODS)
def test_synthetic_modulation(method: str) -> None:
    fs = 125.0
    x, _ = synth_ppg(fs=fs, duration_s=96, hr_bpm=70, resp_bpm=15, am=0.2, bw=0.3, noise=0.01)
    a = analyze_ppg(x, fs_hz=fs, models=False)
    rr = respiratory_rate(x, a.beats.peaks, a.beats.onsets, fs_hz=fs, method=method)
    assert len(rr.windows) == 3
    assert rr.rate_bpm == pytest.approx(15, abs=1.0)


def test_too_short_gives_none() -> None:
    x, _ = synth_ppg(fs=125.0, duration_s=10)
    assert analyze_ppg(x, fs_hz=125.0, models=False).respiration.rate_bpm is None


def test_bidmc06_mae_floor() -> None:
    import pandas as pd
    from scipy.signal import find_peaks

    from cardiokit.dsp import bandpass

    df = pd.read_csv(shared_path("bidmc_subset", "bidmc_06_Signals.csv.gz"))
    df.columns = [c.strip() for c in df.columns]
    fs = 125.0
    x = df["PLETH"].to_numpy(float)
    a = analyze_ppg(x, fs_hz=fs, models=False)
    rf = bandpass(df["RESP"].to_numpy(float), fs_hz=fs, low_hz=0.1, high_hz=1.0)
    err = []
    for w in a.respiration.windows:
        seg = rf[int(w.start_s * fs) : int((w.start_s + 32) * fs)]
        pk, _ = find_peaks(seg)
        pk = pk[seg[pk] > 0.2 * np.percentile(seg[pk], 75)]
        ref = 60.0 / np.mean(np.diff(pk) / fs)
        if w.fused_bpm is not None:
            err.append(abs(w.fused_bpm - ref))
    assert len(err) >= 12  # of 15 windows
    assert float(np.mean(err)) <= 1.0  # measured 0.35 breaths/min
