"""``detect_beats_per_lead`` equals detecting every lead on its own (shared filtering only)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cardiokit
from cardiokit.ecg.qrs import detect_beats_array, detect_beats_per_lead
from cardiokit.sim import simulate_ecg

from ..conftest import shared_path


def _single(x: np.ndarray, fs: float, method: str) -> list[np.ndarray]:
    return [detect_beats_array(x[:, [j]], fs_hz=fs, method=method)[0] for j in range(x.shape[1])]


@pytest.mark.parametrize("method", ["cardiokit", "zong2003", "pantompkins1985"])
def test_equals_single_lead_detection_on_ludb(method: str):
    rec = cardiokit.read(shared_path("ludb", "data", "101.hea"))  # AF record
    x = rec.signals.astype(np.float64)
    got = detect_beats_per_lead(x, fs_hz=rec.fs, method=method)
    want = _single(x, rec.fs, method)
    assert all(np.array_equal(a, b) for a, b in zip(got, want, strict=True))
    assert sum(len(b) for b in got) > 12 * 8  # real beats were found in most leads


@settings(max_examples=15, deadline=None)
@given(hr=st.floats(35, 200), fs=st.sampled_from([125.0, 250.0, 360.0, 500.0]), seed=st.integers(0, 99),
       flat=st.booleans())
def test_equals_single_lead_detection_on_simulated(hr: float, fs: float, seed: int, flat: bool):
    rec = simulate_ecg(duration_s=6, fs_hz=fs, heart_rate_bpm=hr, seed=seed, noise_snr_db=15)
    x = rec.signals.astype(np.float64)[:, :4].copy()
    if flat:
        x[:, 2] = 0.3  # a disconnected lead
    got = detect_beats_per_lead(x, fs_hz=fs, method="cardiokit")
    assert all(np.array_equal(a, b) for a, b in zip(got, _single(x, fs, "cardiokit"), strict=True))
    if flat:
        assert got[2].size == 0
