"""``cardiokit.ecg._qrs_common.col_median``: the column medians of ``np.median``, bit for bit
those of a float64 selection, whichever selection it takes (float64 values, or the int64 bit
patterns of non-negative ones)."""

from __future__ import annotations

import numpy as np

from cardiokit.ecg._qrs_common import col_median


def test_col_median_equals_numpy_median() -> None:
    rng = np.random.default_rng(3)
    n_bits = 0
    for trial in range(800):
        n, n_cols = int(rng.integers(1, 80)), int(rng.integers(1, 6))
        a = np.abs(rng.standard_normal((n, n_cols))) * 10.0 ** float(rng.integers(-300, 300))
        if trial % 3 == 0:
            a = np.round(a)  # ties and zeros
        if trial % 5 == 0:
            a[rng.random(a.shape) < 0.2] = np.inf
        if trial % 7 == 0:
            a = -a  # negative values: the float64 selection
        if trial % 11 == 0:
            a[a == 0] = -0.0  # a negative zero: the float64 selection
        if trial % 2:
            a = np.asfortranarray(a)
        n_bits += bool((a >= 0).all() and not np.signbit(a).any())
        got = col_median(a)
        assert np.array_equal(got, np.median(a, axis=0)), trial
        t = np.ascontiguousarray(a.T)  # the float64 selection
        h = n // 2
        p = np.partition(t, [h - 1, h] if h else h, axis=1)
        want = p[:, h] if n % 2 else 0.5 * (p[:, h - 1] + p[:, h])
        assert np.array_equal(got.view(np.int64), want.view(np.int64)), trial
    assert n_bits > 300  # the bit-pattern route was taken
