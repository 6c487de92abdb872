"""cardiokit.dsp._fast: each stand-in gives numpy's values bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from cardiokit.dsp._fast import (
    block_max,
    clip,
    col_max,
    hann,
    median0,
    median1,
    median_rows,
    percentile1,
    rows_f64,
)


@pytest.mark.parametrize("n", [1, 2, 7, 9, 2500, 2501])
def test_column_and_block_extrema_equal_numpy(n):
    rng = np.random.default_rng(n)
    a = rng.normal(size=(n, 12))
    assert np.array_equal(col_max(a), a.max(axis=0))
    assert np.array_equal(col_max(a, np.minimum), a.min(axis=0))
    a[n // 2, 3] = np.nan
    assert np.array_equal(col_max(a), a.max(axis=0), equal_nan=True)
    one = rng.normal(size=(n, 1)).astype(np.float32)  # one column: the halving path
    assert np.array_equal(col_max(one, np.minimum), one.min(axis=0))
    b = rng.normal(size=(n, 5))
    for w in (1, 3, 250):
        m = n // w
        want = b[: m * w].reshape(m, w, 5).max(axis=1)
        assert np.array_equal(block_max(b, w), want)
        assert np.array_equal(block_max(b, w, np.minimum), b[: m * w].reshape(m, w, 5).min(axis=1))


def test_medians_and_percentiles_equal_numpy():
    rng = np.random.default_rng(0)
    for k in range(1, 14):
        v = np.round(rng.normal(size=k) * 40, 1)
        assert median1(v) == float(np.median(v))
        assert median1(v.tolist()) == float(np.median(v))  # a list: sorted in Python
        for q in (10, 25, 50, 75, 90):
            assert percentile1(v, q) == float(np.percentile(v, q))
            assert percentile1(v.tolist(), q) == float(np.percentile(v, q))  # a list: sorted in Python
        a = rng.normal(size=(k, 30, 4))
        assert np.array_equal(median0(a), np.median(a, axis=0))
    assert np.isnan(median1(np.array([1.0, np.nan, 2.0])))
    assert np.isnan(median1(np.zeros(0)))
    assert np.isnan(median1([1.0, float("nan"), 2.0])) and np.isnan(median1([]))


def test_clip_equals_numpy():
    a = np.arange(-5, 15)
    assert np.array_equal(clip(a, 0, 9), np.clip(a, 0, 9))


def test_median_rows_equals_numpy_in_its_dtype():
    rng = np.random.default_rng(3)
    for k in range(1, 26):
        # small slices: sorted columns; large: the network; in between: the cheaper of the two
        for shape in ((k, 7, 3), (k, 600, 12), (k, 900)):
            for dt in (np.float32, np.float64):
                a = rng.normal(size=shape).astype(dt)
                got = median_rows(a)
                assert got.dtype == dt
                assert np.array_equal(got, np.median(a, axis=0).astype(dt))


def test_median_networks_select_the_median_of_every_zero_one_input():
    # 0-1 principle (Knuth TAOCP vol. 3, 5.3.4): a min/max network that gives the median of
    # every 0-1 input gives it for all inputs; one column per 0-1 input, the network route
    for k in range(3, 14):
        cols = (np.arange(2**k)[None, :] >> np.arange(k)[:, None]) & 1
        a = np.tile(cols.astype(np.float64), (1, max(1, 4096 >> k)))  # >= 4096 per row: the network
        assert np.array_equal(median_rows(a), np.median(a, axis=0))


@pytest.mark.parametrize(("n", "step", "block"), [(5000, 2, 256), (4999, 3, 7), (1, 1, 256), (600, 4, 150)])
def test_rows_f64_is_the_float64_transposed_copy_of_every_step_th_sample(n, step, block):
    x = np.random.default_rng(n).normal(size=(n, 5)).astype(np.float32)
    got = rows_f64(x, step, block)
    assert got.flags.c_contiguous and got.dtype == np.float64
    assert np.array_equal(got, np.ascontiguousarray(x[::step].T, dtype=np.float64))


def test_hann_is_numpys_window_cached_and_read_only():
    for n, dt in ((1, np.float64), (7, np.float32), (3000, np.float64)):
        w = hann(n, dt)
        assert w.dtype == dt and np.array_equal(w, np.hanning(n).astype(dt))
        assert hann(n, dt) is w and not w.flags.writeable


def test_median_rows_of_many_slices_sorts_without_building_a_network():
    # a Holter record's thousands of beats: Batcher's network on that many wires takes tenths of
    # a second to plan (once per beat count) and is never the cheaper path there
    from cardiokit.dsp import _fast

    a = np.random.default_rng(5).normal(size=(1001, 40))
    _fast._median_plan.cache_clear()
    np.testing.assert_array_equal(_fast.median_rows(a), np.median(a, axis=0))
    np.testing.assert_array_equal(_fast.median_rows(a[:1000]), np.median(a[:1000], axis=0))
    assert _fast._median_plan.cache_info().currsize == 0
