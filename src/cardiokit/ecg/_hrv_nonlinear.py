"""Non-linear HRV indices: Poincaré SD1/SD2, sample entropy, DFA (helpers of ``hrv``)."""

from __future__ import annotations

import numpy as np

NAN = float("nan")


def poincare(nn_ms: np.ndarray, pairs: np.ndarray) -> tuple[float, float]:
    """SD1, SD2 (ms): spread of the Poincaré plot across / along the identity line.

    ``pairs`` marks which successive pairs (``nn[i]``, ``nn[i+1]``) are both valid.
    SD1 = SD((x_{i+1} - x_i) / sqrt 2), SD2 = SD((x_{i+1} + x_i) / sqrt 2)
    (Brennan M, Palaniswami M, Kamen P (2001) IEEE TBME 48:1342-1347).
    """
    a, b = nn_ms[:-1][pairs], nn_ms[1:][pairs]
    if a.size < 3:
        return NAN, NAN
    return (float(np.std((b - a) / np.sqrt(2), ddof=1)),
            float(np.std((b + a) / np.sqrt(2), ddof=1)))


def sample_entropy(x: np.ndarray, *, m: int = 2, r_frac: float = 0.2) -> float:
    """Sample entropy SampEn(m, r = r_frac x SD) (Richman & Moorman 2000, Am J Physiol 278:H2039).

    ``-ln(A / B)`` with B the number of pairs of length-``m`` templates (the first
    N - m) within Chebyshev distance <= r and A the same for length m + 1, self-matches
    excluded. NaN with fewer than m + 10 values, zero SD, or no matches (undefined).
    Pairs are counted with a k-d tree, so 24-h series (~10^5 beats) take seconds.
    """
    from scipy.spatial import cKDTree

    x = np.asarray(x, dtype=np.float64)
    n = x.size
    if n < m + 10:
        return NAN
    sd = float(np.std(x, ddof=1))
    if sd == 0:
        return NAN
    r = r_frac * sd
    emb = np.lib.stride_tricks.sliding_window_view(x, m + 1)[: n - m]  # (n - m, m + 1)
    counts = []
    for dim in (m, m + 1):
        pts = np.ascontiguousarray(emb[:, :dim])
        tree = cKDTree(pts)
        # ordered pairs within r, including each point with itself
        counts.append(int(tree.count_neighbors(tree, r, p=np.inf)) - pts.shape[0])
    b_cnt, a_cnt = counts
    if a_cnt <= 0 or b_cnt <= 0:
        return NAN
    return float(-np.log(a_cnt / b_cnt))


def dfa(x: np.ndarray, scales: np.ndarray) -> float:
    """Detrended fluctuation analysis exponent over ``scales`` (window sizes in beats).

    The mean-removed series is integrated, cut into non-overlapping windows of each
    size, each window detrended by a least-squares line; F(n) is the RMS residual and
    alpha the slope of log F(n) vs log n (Peng C-K et al. (1995) Chaos 5:82-87).
    NaN when a scale has fewer than 2 windows or F(n) is zero.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.cumsum(x - x.mean())
    fl = []
    for sc in scales:
        nw = y.size // sc
        if nw < 2:
            return NAN
        seg = y[: nw * sc].reshape(nw, sc)
        t = np.arange(sc, dtype=np.float64)
        tc = t - t.mean()
        slope = (seg - seg.mean(axis=1, keepdims=True)) @ tc / (tc @ tc)
        resid = seg - seg.mean(axis=1, keepdims=True) - slope[:, None] * tc[None, :]
        fl.append(np.sqrt(np.mean(resid**2)))
    f = np.asarray(fl)
    if np.any(f <= 0):
        return NAN
    return float(np.polyfit(np.log(scales), np.log(f), 1)[0])
