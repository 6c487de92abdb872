"""The rules delineator's decimation by 2: pair means written as (leads, samples) rows."""

from __future__ import annotations

import numpy as np
import pytest

from cardiokit.ecg.delineate import _pair_means_rows


@pytest.mark.parametrize(("n", "n_leads", "dtype"), [(5000, 12, np.float32), (1023, 3, np.float64), (2, 1, np.float32),
                                                   (771, 8, np.float32)])
def test_pair_means_equal_the_float64_pair_sums_halved(n, n_leads, dtype):
    x = np.random.default_rng(n).normal(size=(n, n_leads)).astype(dtype)
    m = n // 2
    got = _pair_means_rows(x, m)
    want = np.add(x[0 : 2 * m : 2].T, x[1 : 2 * m : 2].T, dtype=np.float64) / 2
    assert got.shape == (n_leads, m) and got.dtype == np.float64 and got.flags.c_contiguous
    assert np.array_equal(got, want)
