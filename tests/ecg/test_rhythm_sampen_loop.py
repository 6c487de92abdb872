"""The rhythm features' sample entropy: the short-series pair loop counts what the sorted search counts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cardiokit.ecg._rhythm_rr import _pair_counts, _sampen, _sorted_pair_counts


@settings(max_examples=200, deadline=None)
@given(ticks=st.lists(st.integers(60, 600), min_size=3, max_size=24),
       m=st.sampled_from([1, 2, 3]), r_ticks=st.integers(1, 40))
def test_short_series_pair_loop_equals_the_sorted_search(ticks: list[int], m: int, r_ticks: int) -> None:
    # RR intervals on a 300 Hz grid: many differences equal r exactly (the boundary case)
    x = np.asarray(ticks, np.float64) / 300.0
    r = r_ticks / 300.0
    if x.size > m + 1:
        assert _pair_counts(x.tolist(), m, r) == _sorted_pair_counts(x, m, r, 1 << 20)


def test_non_finite_short_series_keep_the_sorted_search_counts() -> None:
    # two NaN values: the sorted search pairs them (its bound comparison is False for NaN),
    # the pair loop does not; a series with NaN keeps the sorted search's counts
    x = np.array([0.8, 0.82, np.nan, 0.81, 0.79, np.nan, 0.8, 0.83, 0.8])
    assert _pair_counts(x.tolist(), 1, 0.03) != _sorted_pair_counts(x, 1, 0.03, 1 << 20)
    assert _sampen(x, 1, 0.03)[1:] == _sorted_pair_counts(x, 1, 0.03, 1 << 20)
