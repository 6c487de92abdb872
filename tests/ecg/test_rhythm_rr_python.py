"""The rhythm model's RR features of a short series in plain Python equal the vectorised ones."""

from __future__ import annotations

import numpy as np

from cardiokit.ecg import _rhythm_rr as F


def _series(rng: np.random.Generator, n: int, kind: int) -> np.ndarray:
    if kind == 0:
        return rng.uniform(0.3, 2.4, n)  # AF-like, pauses over 2 s
    if kind == 1:
        return 0.8 + rng.normal(0, 0.02, n)
    if kind == 2:
        return np.round(rng.uniform(0.3, 1.2, n) * 300) / 300  # whole samples: ties, equal dRR
    if kind == 3:
        rr = np.full(n, 0.8)
        rr[rng.integers(0, n, 3)] = 0.55  # premature beats and pauses
        rr[rng.integers(0, n, 2)] = 1.1
        return rr
    return np.round(np.full(n, 0.8) + rng.integers(-1, 2, n) / 300.0, 12)  # sign changes, zero dRR


def test_short_rr_series_python_equals_numpy_bit_for_bit():
    rng = np.random.default_rng(7)
    for n in range(3, F._RR_PY_MAX + 1):
        for kind in range(5):
            for _ in range(4):
                rr = _series(rng, n, kind)
                dur = float(rr.sum()) + rng.uniform(0, 1)
                hr = 60.0 * (n + 1) / dur
                got = F._rr_python(rr, rr.tolist(), hr)
                want = F._rr_numpy(rr, hr)
                assert np.array_equal(np.asarray(got[0], np.float64), np.asarray(want[0], np.float64),
                                      equal_nan=True), (n, kind)
                assert np.array_equal(np.asarray(got[1], np.float64), np.asarray(want[1], np.float64),
                                      equal_nan=True), (n, kind)


def test_rr_features_take_the_python_path_only_for_short_finite_series(monkeypatch):
    calls = []
    monkeypatch.setattr(F, "_rr_numpy", lambda rr, hr: calls.append(rr.size) or ([0.0] * 24, [0.0] * 5))
    F._rr_features(np.full(10, 0.8), 10.0)
    F._rr_features(np.full(F._RR_PY_MAX + 1, 0.8), 30.0)
    bad = np.full(10, 0.8)
    bad[3] = np.nan
    F._rr_features(bad, 10.0)
    dup = np.full(10, 0.8)
    dup[4] = 0.0  # a repeated beat: numpy's inf and NaN, not a Python ZeroDivisionError
    F._rr_features(dup, 10.0)
    assert calls == [F._RR_PY_MAX + 1, 10, 10]


def test_repeated_beats_give_the_numpy_values():
    rr = np.array([0.8, 0.0, 0.8, 0.82, 0.0, 0.79, 0.8])
    with np.errstate(all="ignore"):
        got = F._rr_features(rr, 5.0)
        want = F._rr_numpy(rr, 60.0 * 8 / 5.0)
    assert np.array_equal(np.asarray(got[0], np.float64), np.asarray(want[0], np.float64), equal_nan=True)
