"""``cardiokit.ecg._delineate_ops._argbest``: the short-range search (``span``) finds what the
whole-window search finds, and ranges past the window give positions inside it (no error)."""

from __future__ import annotations

import numpy as np

from cardiokit.ecg._delineate_ops import _argbest


def _masked(v: np.ndarray, a: np.ndarray, b: np.ndarray, negate: bool) -> np.ndarray:
    pos = np.arange(v.shape[2])[None, None, :]
    inside = (pos >= a[:, :, None]) & (pos < b[:, :, None])
    return (np.where(inside, v, np.inf).argmin(axis=2) if negate
            else np.where(inside, v, -np.inf).argmax(axis=2))


def test_span_search_equals_the_window_search() -> None:
    rng = np.random.default_rng(5)
    for trial in range(300):
        nb, n_leads, w = int(rng.integers(1, 8)), int(rng.integers(1, 5)), int(rng.integers(3, 90))
        span = int(rng.integers(1, w + 5))
        v = rng.integers(0, 4, size=(nb, n_leads, w)).astype(np.float32)  # ties: the first one counts
        a = rng.integers(-5, w + 3, size=(nb, n_leads))
        b = a + rng.integers(0, span + 1, size=(nb, n_leads))  # ranges no longer than span
        pos = np.arange(w)[None, None, :]
        for negate in (False, True):
            got = _argbest(v, pos, a, b, negate=negate, span=span)
            assert ((got >= 0) & (got < w)).all()
            live = (np.minimum(b, w) > np.maximum(a, 0))  # a non-empty range inside the window
            assert np.array_equal(got[live], _masked(v, a, b, negate)[live]), trial
            # a sign per row: the search over sign * v, whichever route (span or whole window)
            sign = np.where(rng.random((nb, n_leads, 1)) < 0.5, 1.0, -1.0)
            for sp in (span, None):
                got = _argbest(v, pos, a, b, negate=negate, span=sp, sign=sign)
                assert np.array_equal(got, _argbest(sign * v, pos, a, b, negate=negate, span=sp)), trial


def test_ranges_past_the_window_give_a_position_inside_it() -> None:
    v = np.zeros((2, 3, 10))
    pos = np.arange(10)[None, None, :]
    a = np.full((2, 3), 12)
    for span in (None, 4, 20):
        got = _argbest(v, pos, a, a + 3, span=span)
        assert ((got >= 0) & (got < 10)).all()
