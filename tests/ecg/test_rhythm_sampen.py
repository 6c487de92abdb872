"""The rhythm features' sample entropy counts every template pair an all-pairs reading counts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cardiokit.ecg._rhythm_rr import _sampen


def _all_pairs(x: np.ndarray, m: int, r: float) -> tuple[int, int]:
    """(A, B) from the Chebyshev distances of every pair i < j of the first n - m templates."""
    k = x.size - m
    a = b = 0
    for i in range(k):
        for j in range(i + 1, k):
            d = max(abs(x[i + s] - x[j + s]) for s in range(m))
            if d <= r:
                b += 1
                if max(d, abs(x[i + m] - x[j + m])) <= r:
                    a += 1
    return a, b


@settings(max_examples=150, deadline=None)
@given(ticks=st.lists(st.integers(60, 600), min_size=4, max_size=60),
       fs=st.sampled_from([128.0, 250.0, 300.0, 360.0]), m=st.sampled_from([1, 2]),
       r_ticks=st.integers(0, 40))
def test_counts_equal_the_all_pairs_reading(ticks: list[int], fs: float, m: int, r_ticks: int) -> None:
    # RR intervals on a sampling grid: many differences equal r exactly (the boundary case)
    x = np.asarray(ticks, np.float64) / fs
    r = r_ticks / fs
    se, a, b = _sampen(x, m, r, chunk=7)  # a small chunk: several passes
    if r <= 0:
        assert (a, b) == (0, 0) and np.isnan(se)
        return
    assert (a, b) == _all_pairs(x, m, r)
    assert np.isnan(se) if a == 0 or b == 0 else se == -np.log(a / b)


def test_a_long_series_agrees_with_the_kd_tree_count_without_a_pair_matrix() -> None:
    import tracemalloc

    from cardiokit.ecg._hrv_nonlinear import sample_entropy

    # 2 h of beats at ~75 bpm on a 300 Hz grid: an n x n float64 matrix would take ~650 MB
    rng = np.random.default_rng(3)
    x = np.round(rng.normal(0.8, 0.05, 9000) * 300.0) / 300.0
    tracemalloc.start()
    se, a, b = _sampen(x, 2, 0.2 * float(np.std(x, ddof=1)))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert 0 < a < b and peak < 100e6
    assert se == sample_entropy(x, m=2, r_frac=0.2)  # HRV's k-d tree count, the same SD
