"""cardiokit.dsp.peaks: moving average/max, local maxima, extremum refinement."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardiokit._core.errors import InvalidArgumentError
from cardiokit.dsp import find_local_maxima, moving_average, moving_max, refine_extrema


def _naive_ma(x: np.ndarray, w: int) -> np.ndarray:
    n = len(x)
    out = np.empty(n)
    for i in range(n):
        lo, hi = max(0, i - w // 2), min(n, i - w // 2 + w)
        out[i] = x[lo:hi].mean()
    return out


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 80), w=st.integers(1, 100), seed=st.integers(0, 10))
def test_moving_average_matches_naive(n, w, seed):
    x = np.random.default_rng(seed).normal(size=n)
    np.testing.assert_allclose(moving_average(x, width=w), _naive_ma(x, w), atol=1e-10)
    two = np.stack([x, 2 * x], axis=1)
    np.testing.assert_allclose(moving_average(two, width=w)[:, 1], 2 * _naive_ma(x, w), atol=1e-10)


def test_moving_max_and_width_validation():
    x = np.array([0, 1, 0, 0, 5, 0, 0.0])
    np.testing.assert_array_equal(moving_max(x, width=3), [1, 1, 1, 5, 5, 5, 0])
    with pytest.raises(InvalidArgumentError):
        moving_average(x, width=0)
    with pytest.raises(InvalidArgumentError):
        moving_max(x, width=0)


def test_find_local_maxima_keeps_higher_within_distance():
    x = np.zeros(100)
    x[[10, 14, 50]] = [1.0, 2.0, 1.0]
    np.testing.assert_array_equal(find_local_maxima(x, min_distance=10), [14, 50])
    assert find_local_maxima(np.ones(2)).size == 0


def test_refine_extrema_modes_and_edges():
    x = np.array([0, -3, 1, 2, 0, 0, 0, 0, 4.0])
    np.testing.assert_array_equal(refine_extrema(x, [2], radius=1, mode="abs"), [1])
    np.testing.assert_array_equal(refine_extrema(x, [2], radius=1, mode="max"), [3])
    np.testing.assert_array_equal(refine_extrema(x, [2], radius=1, mode="min"), [1])
    np.testing.assert_array_equal(refine_extrema(x, [8, 0], radius=3), [8, 1])
    assert refine_extrema(x, [], radius=2).size == 0
    with pytest.raises(InvalidArgumentError):
        refine_extrema(x, [1], radius=1, mode="median")
