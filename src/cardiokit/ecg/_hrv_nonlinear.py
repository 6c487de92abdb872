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


def sample_entropy(x: np.ndarray, *, m: int = 2, r_frac: float = 0.2, chunk: int = 2048) -> float:
    """Sample entropy SampEn(m, r = r_frac x SD) (Richman & Moorman 2000, Am J Physiol 278:H2039).

    ``-ln(A / B)`` with B the number of pairs of length-``m`` templates (first N - m)
    within Chebyshev distance <= r and A the same for length m + 1, self-matches
    excluded. NaN with fewer than 10 values, zero SD, or no matches (undefined).
    Pairwise distances are computed in chunks of ``chunk`` rows (O(N^2) time, O(chunk N) memory).
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    if n < m + 10:
        return NAN
    sd = float(np.std(x, ddof=1))
    if sd == 0:
        return NAN
    r = r_frac * sd
    nt = n - m
    emb = np.lib.stride_tricks.sliding_window_view(x, m + 1)[:nt]  # (nt, m+1)
    a_cnt = 0
    b_cnt = 0
    for s in range(0, nt, chunk):
        blk = emb[s : s + chunk]
        # Chebyshev distance on the first m coordinates, then extended by one
        dm = np.abs(blk[:, None, 0] - emb[None, :, 0])
        for k in range(1, m):
            np.maximum(dm, np.abs(blk[:, None, k] - emb[None, :, k]), out=dm)
        close_m = dm <= r
        rows = np.arange(s, s + blk.shape[0])
        close_m[np.arange(blk.shape[0]), rows] = False
        b_cnt += int(close_m.sum())
        ext = np.abs(blk[:, None, m] - emb[None, :, m]) <= r
        a_cnt += int((close_m & ext).sum())
    if a_cnt == 0 or b_cnt == 0:
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
