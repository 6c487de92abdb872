"""RR-series features of the rhythm model (:mod:`._rhythm_features` assembles the vector).

From the RR intervals (s) of one lead's beats alone:

* RR irregularity (:data:`RR_NAMES`): mean/median/SD/CV of RR, RMSSD, pNN20/50,
  pRR>10 %, CoSEn (Lake & Moorman 2011), sample entropy of RR (Richman & Moorman 2000),
  turning-point ratio, Poincaré SD1/SD2, RR histogram entropy, ectopy-robust RMSSD; and
  the RR-only ectopy features (premature beats, compensatory pauses, alternation, trend).
* Visibility graphs (:data:`VG_NAMES`; Lacasa et al. 2008; Luque et al. 2009; used for
  AF by Mohebbi et al. and Zhou et al. 2014): natural and horizontal visibility graph
  mean degree, degree-distribution entropy, share of degree-2 nodes, max degree.
* AF evidence versus ectopy (:data:`RR2_NAMES`): dRR Lorenz plot (Sarkar et al. 2008),
  RR statistics without premature beats, 8-beat rate extremes, RR-histogram bimodality.

Also the small reductions (mean, SD, share, entropy) both feature modules use.
"""

from __future__ import annotations

import bisect
import itertools
import math

import numpy as np

__all__ = ["RR2_NAMES", "RR_NAMES", "VG_NAMES"]

RR_NAMES = (
    "hr_bpm", "n_beats", "rr_mean", "rr_median", "rr_std", "rr_cv", "rr_min_ratio",
    "rr_max_ratio", "rmssd", "rmssd_norm", "pnn20", "pnn50", "prr10", "cosen", "sampen_rr",
    "tpr", "sd1", "sd2", "sd1_sd2", "rr_hist_entropy", "rmssd_robust", "drr_mad_norm",
    "pauses_2s", "drr_sign_change",
)
VG_NAMES = ("nvg_mean_degree", "nvg_degree_entropy", "nvg_max_degree", "hvg_mean_degree",
            "hvg_degree_entropy", "hvg_p2")
#: RR features for AF versus ectopy: AF evidence of the dRR Lorenz plot (Sarkar et al. 2008:
#: occupied 40-ms bins outside the origin, origin and premature-pair counts per point), the
#: dominant-RR share, CV and RMSSD of RR without premature beats and their pauses, highest
#: and lowest 8-beat rate, long-RR share, second RR-histogram peak over the first.
RR2_NAMES = ("afev_irr", "afev_origin", "afev_pac", "rr_dom_share", "rr_clean_cv",
             "rr_clean_rmssd", "hr_win_max", "hr_win_min", "rr_long_share", "rr_bimodal")

_NAN = float("nan")
#: ``a.sum(...)`` without the ndarray method's Python-level wrapper (``_sum(a, None)``: every axis,
#: as ``a.sum()``; the same ufunc reduction and values)
_sum = np.add.reduce


#: series up to this length: sample entropy's pairs counted one by one in plain Python
#: (a 10-s record's RR series; faster than the sorted search's numpy calls), same counts
_SAMPEN_LOOP_MAX = 24


def _sampen(x: np.ndarray, m: int, r: float, chunk: int = 1 << 20) -> tuple[float, int, int]:
    """Sample entropy and the template match counts (A for m+1, B for m) of Richman &
    Moorman (2000): pairs i < j of the first ``n - m`` positions whose templates are within
    Chebyshev distance ``r`` (``max_s |x[i+s] - x[j+s]| <= r``).

    A short finite series (<= :data:`_SAMPEN_LOOP_MAX`) is counted pair by pair
    (:func:`_pair_counts`). Otherwise the pairs come from the sorted first values: each
    value's partners within ``r`` follow it in sorted order (the bound found by a search,
    then settled with the very comparison ``x[q] - x[p] <= r``), and only those candidate
    pairs are checked on the other values, ``chunk`` pairs at a time: the counts of the
    all-pairs matrices in O(n log n + candidates) time and without an n x n array."""
    n = x.size
    if n <= m + 1 or r <= 0:
        return _NAN, 0, 0
    v = x.tolist() if n <= _SAMPEN_LOOP_MAX else None
    if v is not None and math.isfinite(sum(v)):  # NaN or inf anywhere: the sorted search's counts
        a, b = _pair_counts(v, m, r)
    else:
        a, b = _sorted_pair_counts(x, m, r, chunk)
    if a == 0 or b == 0:
        return _NAN, a, b
    return float(-np.log(a / b)), a, b


def _pair_counts(v: list[float], m: int, r: float) -> tuple[int, int]:
    """(A, B) of :func:`_sampen` for finite values ``v``, every pair i < j checked in turn:
    ``|v[i] - v[j]|`` is the difference of the sorted search with the larger value first
    (a difference and its negation are exact), so the counts are the same."""
    k = len(v) - m
    a = b = 0
    for i in range(k - 1):
        xi, ti = v[i], v[i + m]
        for j in range(i + 1, k):
            if abs(xi - v[j]) <= r:
                for s in range(1, m):
                    if abs(v[i + s] - v[j + s]) > r:
                        break
                else:
                    b += 1
                    if abs(ti - v[j + m]) <= r:
                        a += 1
    return a, b


def _sorted_pair_counts(x: np.ndarray, m: int, r: float, chunk: int) -> tuple[int, int]:
    """(A, B) of :func:`_sampen` from the sorted first values (``chunk`` candidate pairs
    at a time)."""
    k = x.size - m
    order = np.argsort(x[:k], kind="stable")
    v = x[:k][order]
    cnt = _partners_within(v, r) - np.arange(k) - 1  # partners after each sorted position
    ends = np.cumsum(cnt)
    a = b = 0
    start = 0
    while start < k:
        stop = max(int(np.searchsorted(ends, (ends[start - 1] if start else 0) + chunk, side="right")), start + 1)
        c = cnt[start:stop]
        p = np.repeat(np.arange(start, stop), c)
        q = p + 1 + np.arange(p.size) - np.repeat(np.cumsum(c) - c, c)
        i, j = order[p], order[q]
        ok = np.ones(p.size, bool)
        for s in range(1, m):
            ok &= np.abs(x[i + s] - x[j + s]) <= r
        b += int(np.count_nonzero(ok))
        ok &= np.abs(x[i + m] - x[j + m]) <= r
        a += int(np.count_nonzero(ok))
        start = stop
    return a, b


def _partners_within(v: np.ndarray, r: float) -> np.ndarray:
    """For ascending ``v``: per position p, one past the last q >= p with ``v[q] - v[p] <= r``
    (a search for ``v[p] + r``, then moved while that comparison disagrees: rounding of the
    sum can put the bound a value off)."""
    k = v.size
    pos = np.arange(k)
    hi = np.searchsorted(v, v + r, side="right")
    while True:
        up = hi < k
        up[up] = v[hi[up]] - v[up] <= r
        if not up.any():
            break
        hi += up
    while True:
        dn = hi > pos + 1
        dn[dn] = v[hi[dn] - 1] - v[dn] > r
        if not dn.any():
            break
        hi -= dn
    return np.maximum(hi, pos + 1)


def _mean(a: np.ndarray) -> float:
    """Mean of a 1-D array without numpy's per-call dispatch overhead."""
    return float(_sum(a, None)) / a.size


def _std(a: np.ndarray) -> float:
    """Population SD of a 1-D array (as ``a.std()``, less per-call overhead)."""
    d = a - _mean(a)
    return float(np.sqrt(float(_sum(d * d, None)) / a.size))


def _share(mask: np.ndarray) -> float:
    return np.count_nonzero(mask) / mask.size


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / max(1, _sum(counts, None))
    return float(-_sum(p * np.log(p), None))


_LOG_2RTOL = np.log(2 * 0.03)  # CoSEn tolerance r = 30 ms
_SQRT2 = np.sqrt(2)
_DRR_LIMITS = np.array([0.02, 0.05])


#: Up to this many RR intervals :func:`_rr_features` runs in plain Python on lists (a 10-s
#: record: numpy's per-call overhead dominates), above it vectorised; the same values.
_RR_PY_MAX = 24


def _rr_features(rr: np.ndarray, duration_s: float) -> tuple[list[float], list[float]]:
    """RR irregularity features (:data:`RR_NAMES`) and the RR-only ectopy features
    (premature beats, compensatory pauses, alternation, trend; the first four and the last
    of :data:`._rhythm_features.ECTOPY_NAMES` but two), sharing their intermediate arrays."""
    n_beats = rr.size + 1
    hr = 60.0 * n_beats / max(duration_s, 1e-6)
    if rr.size < 3:
        return [hr, float(n_beats)] + [_NAN] * (len(RR_NAMES) - 2), [_NAN] * 5
    if rr.size <= _RR_PY_MAX:
        v = rr.tolist()
        if math.isfinite(sum(v)) and min(v) > 0:  # ascending beats (else numpy's inf and NaN)
            return _rr_python(rr, v, hr)
    return _rr_numpy(rr, hr)


def _rr_python(rr: np.ndarray, v: list[float], hr: float) -> tuple[list[float], list[float]]:
    """:func:`_rr_features` of a short finite positive series ``rr`` (``v``: ``rr.tolist()``) in plain
    Python: numpy's pairwise sums (:func:`_psum`), the same square roots (correctly rounded
    both ways), numpy for the logarithms; bit for bit :func:`_rr_numpy`."""
    n_rr = len(v)
    srr = sorted(v)
    h = n_rr // 2
    med = srr[h] if n_rr % 2 else (srr[h - 1] + srr[h]) / 2  # median1
    mean = _psum(v) / n_rr
    sd = math.sqrt(_psum([(x - mean) * (x - mean) for x in v]) / n_rr)
    d = [b - a for a, b in itertools.pairwise(v)]
    nd = len(d)
    ad = [abs(x) for x in d]
    rmssd = math.sqrt(_psum([x * x for x in d]) / nd)
    n_rel = sum(x / y > 0.1 for x, y in zip(ad, v, strict=False))
    # CoSEn: sample entropy of RR with m=1, r=30 ms, corrected for r and mean RR
    se, a, b = _sampen(rr, 1, 0.03)
    if not math.isfinite(se):
        # no matches: bound by the smallest possible count (Lake & Moorman 2011)
        se = float(-np.log(max(a, 1) / max(b, 1))) if b else float(np.log(max(n_rr, 2)))
    cosen = se + _LOG_2RTOL - np.log(mean)
    sampen2 = _sampen(rr, 2, 0.2 * sd)[0] if n_rr >= 8 and sd > 0 else _NAN
    tp = sum(x * y < 0 for x, y in itertools.pairwise(d))
    tpr = tp / max(1, n_rr - 2)
    md = _psum(d) / nd
    sd1 = math.sqrt(_psum([(x - md) * (x - md) for x in d]) / nd) / _SQRT2
    sd2 = math.sqrt(max(0.0, 2 * sd * sd - sd1 * sd1))
    rel_m = [x / med for x in v]
    hist = [0] * 16
    for q in rel_m:
        hist[min(int((min(max(q, 0.3), 2.0) - 0.3) / (1.7 / 16)), 15)] += 1
    sad = sorted(ad)
    pos = 0.8 * (nd - 1)  # np.quantile(ad, 0.8), linear interpolation
    lo = int(pos)
    hi = min(lo + 1, nd - 1)
    lim = sad[lo] + (pos - lo) * (sad[hi] - sad[lo])
    kept = [x * x for x, y in zip(d, ad, strict=True) if y <= lim]
    rmssd_rob = math.sqrt(_psum(kept) / len(kept)) if kept else _NAN
    sg = [(x > 0) - (x < 0) for x in d]  # np.sign (d finite)
    sign_change = sum(x != y for x, y in itertools.pairwise(sg)) / (nd - 1) if nd > 1 else _NAN
    h = nd // 2
    med_ad = sad[h] if nd % 2 else (sad[h - 1] + sad[h]) / 2
    out = [
        hr, float(n_rr + 1), mean, med, sd, sd / mean, srr[0] / med, srr[-1] / med,
        rmssd, rmssd / mean, (nd - bisect.bisect_right(sad, 0.02)) / nd,
        (nd - bisect.bisect_right(sad, 0.05)) / nd, n_rel / nd, float(cosen), float(sampen2), tpr,
        sd1, sd2, sd1 / sd2 if sd2 > 0 else _NAN, _entropy(np.array(hist)), rmssd_rob / mean,
        med_ad / med, float(n_rr - bisect.bisect_right(srr, 2.0)), sign_change,
    ]
    if n_rr < 4:
        return out, [_NAN] * 5
    # ectopy: premature beats (< 85 % of the median RR), compensatory pauses, alternation
    prem = [q < 0.85 for q in rel_m]
    pause = sum(p and q > 1.1 for p, q in zip(prem, rel_m[1:], strict=False))
    off = sum(abs(q - 1.0) > 0.15 for q in rel_m) / n_rr
    alt = tp / (nd - 1) * ((_psum(ad) / nd) / med)
    k = max(1, n_rr // 3)
    trend = (_psum(v[-k:]) / k - _psum(v[:k]) / k) / med
    return out, [sum(prem) / n_rr, pause / (n_rr - 1), off, alt, trend]


def _rr_numpy(rr: np.ndarray, hr: float) -> tuple[list[float], list[float]]:
    """:func:`_rr_features` vectorised (>= 3 RR intervals)."""
    n_beats = rr.size + 1
    n_rr = rr.size
    srr = np.sort(rr)
    h = n_rr // 2
    med = float(srr[h]) if n_rr % 2 else float((srr[h - 1] + srr[h]) / 2)  # median1
    mean = _mean(rr)
    dv = rr - mean
    sd = float(np.sqrt(_mean(dv * dv)))
    d = rr[1:] - rr[:-1]
    nd = d.size
    ad = np.abs(d)
    rmssd = float(np.sqrt(_mean(d * d)))
    rel = ad / rr[:-1]
    # CoSEn: sample entropy of RR with m=1, r=30 ms, corrected for r and mean RR
    r_tol = 0.03
    se, a, b = _sampen(rr, 1, r_tol)
    if not np.isfinite(se):
        # no matches: bound by the smallest possible count (Lake & Moorman 2011)
        se = float(-np.log(max(a, 1) / max(b, 1))) if b else float(np.log(max(n_rr, 2)))
    cosen = se + _LOG_2RTOL - np.log(mean)
    sampen2 = _sampen(rr, 2, 0.2 * sd)[0] if n_rr >= 8 and sd > 0 else _NAN
    turn = d[:-1] * d[1:] < 0
    tp = int(np.count_nonzero(turn))
    tpr = float(tp / max(1, n_rr - 2))
    dd = d - _mean(d)
    sd1 = float(np.sqrt(_mean(dd * dd)) / _SQRT2)
    sd2 = float(np.sqrt(max(0.0, 2 * sd * sd - sd1 * sd1)))
    rel_m = rr / med
    hb = np.minimum(((np.minimum(np.maximum(rel_m, 0.3), 2.0) - 0.3) / (1.7 / 16)).astype(np.int64), 15)
    hist = np.bincount(hb, minlength=16)
    sad = np.sort(ad)
    pos = 0.8 * (nd - 1)  # np.quantile(ad, 0.8), linear interpolation
    lo = int(np.floor(pos))
    hi = min(lo + 1, nd - 1)
    keep = ad <= float(sad[lo] + (pos - lo) * (sad[hi] - sad[lo]))
    rmssd_rob = float(np.sqrt(_mean(d[keep] ** 2))) if keep.any() else _NAN
    sgn = np.sign(d)
    sign_change = float(np.count_nonzero(sgn[1:] != sgn[:-1]) / (nd - 1)) if nd > 1 else _NAN
    h = nd // 2
    med_ad = float(sad[h]) if nd % 2 else float((sad[h - 1] + sad[h]) / 2)
    n_le = np.searchsorted(sad, _DRR_LIMITS, "right")  # |dRR| <= 20 ms, <= 50 ms
    out = [
        hr, float(n_beats), mean, med, sd, sd / mean, float(srr[0] / med), float(srr[-1] / med),
        rmssd, rmssd / mean, (nd - int(n_le[0])) / nd, (nd - int(n_le[1])) / nd,
        np.count_nonzero(rel > 0.1) / nd, float(cosen), float(sampen2), tpr, sd1, sd2,
        sd1 / sd2 if sd2 > 0 else _NAN, _entropy(hist), rmssd_rob / mean,
        med_ad / med, float(n_rr - int(np.searchsorted(srr, 2.0, "right"))), sign_change,
    ]
    if n_rr < 4:
        return out, [_NAN] * 5
    # ectopy: premature beats (< 85 % of the median RR), compensatory pauses, alternation
    prem = rel_m < 0.85
    pause = prem[:-1] & (rel_m[1:] > 1.1)
    off = _share(np.abs(rel_m - 1.0) > 0.15)
    alt = tp / turn.size * (_mean(ad) / med)
    k = max(1, n_rr // 3)
    trend = (_mean(rr[-k:]) - _mean(rr[:k])) / med
    return out, [_share(prem), _share(pause), off, alt, trend]


#: series up to this length: the visibility graph pair by pair (faster than the matrices)
_NVG_LOOP_MAX = 20


def _nvg_degrees(y: np.ndarray) -> np.ndarray:
    """Degrees of the natural visibility graph of series ``y`` (Lacasa et al. 2008).

    ``j`` sees ``i < j`` when the slope from ``i`` to ``j`` exceeds every slope from ``i``
    to the points between them (all pairs at once, upper triangle; a short series pair by
    pair in Python, the same slopes and comparisons)."""
    n = y.size
    if n <= _NVG_LOOP_MAX:
        v = y.tolist()
        deg = [0] * n
        for i in range(n - 1):
            yi, top = v[i], -np.inf
            for j in range(i + 1, n):
                sl = (v[j] - yi) / (j - i)
                if sl > top:
                    top = sl
                    deg[i] += 1
                    deg[j] += 1
        return np.asarray(deg, np.int64)
    k = np.arange(n)
    k = k[None, :] - k[:, None]
    up = k > 0
    s = np.full((n, n), -np.inf)
    s[up] = ((y[None, :] - y[:, None]) / np.where(up, k, 1))[up]
    prev = np.full((n, n), -np.inf)
    np.maximum.accumulate(s[:, :-1], axis=1, out=prev[:, 1:])
    vis = (s > prev) & up
    return (_sum(vis, axis=1) + _sum(vis, axis=0)).astype(np.int64)


def _hvg_degrees(y: np.ndarray) -> np.ndarray:
    """Degrees of the horizontal visibility graph (Luque et al. 2009), O(n) with a stack."""
    n = y.size
    deg = [0] * n
    v = y.tolist()
    stack: list[int] = []
    for j in range(n):
        while stack:
            i = stack[-1]
            deg[i] += 1
            deg[j] += 1
            if v[i] > v[j]:
                break
            stack.pop()
            if v[i] == v[j]:
                break
        stack.append(j)
    return np.asarray(deg, np.int64)


def _vg_features(rr: np.ndarray) -> list[float]:
    if rr.size < 6:
        return [_NAN] * len(VG_NAMES)
    y = rr[:200]
    nd = _nvg_degrees(y)
    hd = _hvg_degrees(y)
    nb = np.bincount(nd)
    hb = np.bincount(hd)
    return [
        _mean(nd), _entropy(nb), float(nd.max() / y.size), _mean(hd),
        _entropy(hb), _share(hd == 2),
    ]


def _psum(v: list[float]) -> float:
    """``float(np.asarray(v).sum())`` in plain Python: numpy's float64 pairwise sum (eight
    partial sums per block of <= 128, halves above), the same value bit for bit."""
    n = len(v)
    if n < 8:
        s = 0.0
        for x in v:
            s += x
        return s
    if n > 128:
        h = n // 2
        h -= h % 8
        return _psum(v[:h]) + _psum(v[h:])
    r0, r1, r2, r3, r4, r5, r6, r7 = v[:8]
    m = n - n % 8
    for i in range(8, m, 8):
        r0 += v[i]
        r1 += v[i + 1]
        r2 += v[i + 2]
        r3 += v[i + 3]
        r4 += v[i + 4]
        r5 += v[i + 5]
        r6 += v[i + 6]
        r7 += v[i + 7]
    s = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for x in v[m:]:
        s += x
    return s


_CENTRE = (434, 435, 464, 465)  # dRR Lorenz bins (14..15, 14..15): the origin
#: Up to this many RR intervals :func:`_rr2_features` runs in plain Python (~3x faster
#: than numpy's per-call overhead on a 10-s record), above it vectorised; same values.
_RR2_PY_MAX = 24


def _rr2_features(rr: np.ndarray) -> list[float]:
    """:data:`RR2_NAMES` of RR intervals ``rr`` (s); NaN with fewer than 5."""
    n_rr = rr.size
    if n_rr < 5:
        return [_NAN] * len(RR2_NAMES)
    if n_rr > _RR2_PY_MAX:
        return _rr2_numpy(rr)
    v = rr.tolist()
    srr = sorted(v)
    h = n_rr // 2
    med = srr[h] if n_rr % 2 else (srr[h - 1] + srr[h]) / 2  # np.median
    d = [(b - a) * 1000.0 for a, b in itertools.pairwise(v)]
    codes = set()
    n_cpts = pac = 0
    for a, b in itertools.pairwise(d):  # dRR Lorenz plot, 40-ms bins over +-600 ms
        if -600 <= a <= 600 and -600 <= b <= 600:
            c = min(int((a + 600) / 40), 29) * 30 + min(int((b + 600) / 40), 29)
            codes.add(c)
            n_cpts += c in _CENTRE
        if (a < -100 and b > 100) or (a > 100 and b < -100):
            pac += 1
    n = max(1, n_rr - 2)
    clean = []
    prev_prem = False
    n_near = n_long = 0
    bins: dict[int, int] = {}
    for x in v:
        q = x / med
        prem = q < 0.85
        if not (prem or (prev_prem and q > 1.1)):  # premature beats and their pauses out
            clean.append(x)
        prev_prem = prem
        n_near += abs(q - 1) < 0.08
        n_long += q > 1.15
        b = min(int(q / 0.05), 60)
        bins[b] = bins.get(b, 0) + 1
    if (nc := len(clean)) >= 3:
        cm = _psum(clean) / nc
        sd = math.sqrt(_psum([(x - cm) * (x - cm) for x in clean]) / nc)
        dc = [(b - a) * (b - a) for a, b in itertools.pairwise(clean)]
        ccv, crm = sd / cm, math.sqrt(_psum(dc) / (nc - 1)) / cm
    else:
        ccv = crm = _NAN
    k = min(8, n_rr)
    cs = list(itertools.accumulate(v))
    win = [cs[k - 1]] + [cs[j] - cs[j - k] for j in range(k, n_rr)]
    top = sorted(bins.values())
    n_centre = sum(c in codes for c in _CENTRE)
    return [(len(codes) - n_centre) / n, n_cpts / n, pac / n, n_near / n_rr, ccv, crm,
            60.0 * k / min(win), 60.0 * k / max(win), n_long / n_rr,
            (top[-2] if len(top) > 1 else 0) / max(top[-1], 1)]


def _rr2_numpy(rr: np.ndarray) -> list[float]:
    """:func:`_rr2_features` vectorised (>= 5 RR intervals)."""
    n_rr = rr.size
    srr = np.sort(rr)
    h = n_rr // 2
    med = float(srr[h]) if n_rr % 2 else float((srr[h - 1] + srr[h]) / 2)  # np.median
    d = (rr[1:] - rr[:-1]) * 1000.0
    a, b = d[:-1], d[1:]
    n = max(1, a.size)
    # dRR Lorenz plot, 40-ms bins over +-600 ms (kept points: both bin indices in 0..30)
    keep = (np.abs(a) <= 600) & (np.abs(b) <= 600)
    ia = np.minimum(((a[keep] + 600) / 40).astype(np.int64), 29)
    ib = np.minimum(((b[keep] + 600) / 40).astype(np.int64), 29)
    occ = np.bincount(ia * 30 + ib, minlength=900)
    centre = occ[[434, 435, 464, 465]]  # bins (14..15, 14..15): the origin
    n_centre = int(np.count_nonzero(centre))
    irr = (int(np.count_nonzero(occ)) - n_centre) / n
    pac = (int(np.count_nonzero((a < -100) & (b > 100))) + int(np.count_nonzero((a > 100) & (b < -100)))) / n
    rel = rr / med
    prem = rel < 0.85
    drop = prem.copy()
    drop[1:] |= prem[:-1] & (rel[1:] > 1.1)
    clean = rr[~drop]
    if clean.size >= 3:
        cm = _mean(clean)
        dc = clean[1:] - clean[:-1]
        ccv, crm = _std(clean) / cm, float(np.sqrt(_mean(dc * dc))) / cm
    else:
        ccv = crm = _NAN
    k = min(8, n_rr)
    cs = np.cumsum(rr)
    win = cs[k - 1 :].copy()
    win[1:] -= cs[: n_rr - k]
    hist = np.sort(np.bincount(np.minimum((rel / 0.05).astype(np.int64), 60), minlength=61))
    return [irr, float(_sum(centre, None)) / n, pac, _share(np.abs(rel - 1) < 0.08), ccv, crm,
            60.0 * k / float(win.min()), 60.0 * k / float(win.max()), _share(rel > 1.15),
            float(hist[-2]) / max(float(hist[-1]), 1.0)]
