"""Explicit-duration (semi-Markov) Viterbi over the cyclic states S1 -> systole -> S2 -> diastole.

Springer DB, Tarassenko L, Clifford GD. Logistic regression-HSMM-based heart sound
segmentation. IEEE Trans Biomed Eng 63(4):822-832 (2016), section II-D. The first and last
segments may be cut by the edges of the recording: they get no duration penalty.
"""

from __future__ import annotations

import numpy as np

__all__ = ["duration_logpmf", "viterbi_hsmm"]

_NEG = -1e30


def duration_logpmf(means: np.ndarray, sds: np.ndarray, mins: np.ndarray, maxs: np.ndarray
                    ) -> np.ndarray:
    """``(n_states, d_max + 1)`` log probabilities of each duration (in frames) per state:
    a Gaussian restricted to ``[mins, maxs]`` and renormalised; ``-1e30`` outside."""
    dmax = int(np.max(maxs))
    d = np.arange(dmax + 1, dtype=np.float64)
    out = np.full((len(means), dmax + 1), _NEG)
    for j, (m, s, lo, hi) in enumerate(zip(means, sds, mins, maxs, strict=True)):
        ok = (d >= lo) & (d <= hi)
        lp = -0.5 * ((d[ok] - m) / max(s, 1e-3)) ** 2
        lp -= np.log(np.sum(np.exp(lp - lp.max()))) + lp.max()
        out[j, ok] = lp
    return out


def viterbi_hsmm(log_b: np.ndarray, log_dur: np.ndarray) -> np.ndarray:
    """Most likely state of each frame.

    ``log_b`` ``(n_frames, n_states)`` emission log-likelihoods; ``log_dur`` from
    :func:`duration_logpmf`. States follow each other cyclically (``j-1 -> j``). Returns
    int8 states per frame.
    """
    b = np.asarray(log_b, dtype=np.float64)
    n, k = b.shape
    dmax = log_dur.shape[1] - 1
    cum = np.vstack([np.zeros((1, k)), np.cumsum(b, axis=0)])  # cum[t] = sum of frames < t
    prev = (np.arange(k) - 1) % k
    # delta[t + 1, j]: best score of a segment of state j ending at frame t (row 0 = start)
    delta = np.full((n + 1, k), _NEG)
    back = np.zeros((n + 1, k), dtype=np.int32)
    ds = np.arange(1, dmax + 1)
    lp = log_dur[:, 1:].T  # (dmax, k)
    lfirst = np.zeros_like(lp)  # the first segment may be cut: any duration, no penalty
    init = np.log(1.0 / k)
    for t in range(n):
        s = t + 1 - ds  # segment start for each duration
        valid = s >= 0
        sv = np.where(valid, s, 0)
        emis = cum[t + 1][None, :] - cum[sv]  # (dmax, k)
        before = delta[sv][:, prev]  # score of the previous segment ending at s - 1
        cand = np.where((sv > 0)[:, None], before + lp, init + lfirst) + emis
        cand[~valid] = _NEG
        best = np.argmax(cand, axis=0)
        delta[t + 1] = cand[best, np.arange(k)]
        back[t + 1] = ds[best]
    # last segment: may be cut by the end of the recording (no duration penalty)
    t = n - 1
    s = t + 1 - ds
    valid = s >= 0
    sv = np.where(valid, s, 0)
    emis = cum[n][None, :] - cum[sv]
    before = delta[sv][:, prev]
    cand = np.where((sv > 0)[:, None], before, init) + emis
    cand[~valid] = _NEG
    flat = int(np.argmax(cand))
    d_last, j = divmod(flat, k)
    states = np.empty(n, dtype=np.int8)
    end = n
    d = int(ds[d_last])
    while end > 0:
        start = end - d
        states[start:end] = j
        end = start
        if end <= 0:
            break
        j = int(prev[j])
        d = int(back[end, j])
    return states
