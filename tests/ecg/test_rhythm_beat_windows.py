"""The beat-sequence network's inputs: windows inside the record, read as contiguous rows, equal
the 150-Hz signal (pairs of samples averaged) gathered sample by sample."""

from __future__ import annotations

import numpy as np

from cardiokit.ecg.rhythm import BEAT_POST, BEAT_PRE, beat_sequence


def _plain(inp: np.ndarray, r300: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x150 = inp[: inp.size // 2 * 2].reshape(-1, 2).mean(axis=1)  # float32 pairs, averaged in float32
    r = np.asarray(r300, np.int64) // 2
    w = x150[r[:, None] + np.arange(-BEAT_PRE, BEAT_POST)].astype(np.float64)
    q = w[:, BEAT_PRE - 8 : BEAT_PRE + 8]
    w = np.clip(w / max(float(np.median(q.max(axis=1) - q.min(axis=1))), 1e-3), -8.0, 8.0)
    rr = np.diff(r) / 150.0
    pre, post = np.r_[rr[:1], rr], np.r_[rr, rr[-1:]]
    med = float(np.median(rr))
    return w.astype(np.float32), np.log(np.stack([pre, post, pre / med, post / med], axis=1)).astype(np.float32)


def test_windows_inside_the_record_equal_the_plain_gather():
    rng = np.random.default_rng(4)
    for n in (2999, 3000, 9000):
        inp = (rng.normal(0, 2, n)).astype(np.float32)
        for k in (2, 3, 12, 40):
            r300 = np.sort(rng.choice(np.arange(2 * BEAT_PRE, n - 2 * BEAT_POST), k, replace=False))
            for got, want in zip(beat_sequence(inp, r300), _plain(inp, r300), strict=True):
                assert got.dtype == np.float32 and np.array_equal(got, want)
            # a strided view of the same samples gives the same inputs
            wide = np.repeat(inp, 2)[::2]
            assert all(np.array_equal(a, b) for a, b in zip(beat_sequence(wide, r300), beat_sequence(inp, r300),
                                                            strict=True))
