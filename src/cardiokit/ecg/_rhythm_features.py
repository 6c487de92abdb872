"""Hand-crafted rhythm features of one ECG lead (inputs of the CinC 2017 rhythm model).

Everything here works on one lead resampled to :data:`FS` (300 Hz) and its beat
fiducials. The feature vector (:data:`FEATURE_NAMES`, NaN where not computable) groups:

* RR irregularity: mean/median/SD/CV of RR, RMSSD, pNN20/50, pRR>10 %, CoSEn
  (Lake & Moorman 2011), sample entropy of RR (Richman & Moorman 2000), turning-point
  ratio, Poincaré SD1/SD2, RR histogram entropy, ectopy-robust RMSSD.
* Visibility graphs of the RR series (Lacasa et al. 2008; Luque et al. 2009; used for
  AF by Mohebbi et al. and Zhou et al. 2014): natural and horizontal visibility graph
  mean degree, degree-distribution entropy, share of degree-2 nodes, max degree.
* Atrial activity: P-wave strength on the median beat, P-region correlation across
  beats, QRST-cancellation residual power and its 4-9 Hz (f-wave) share, TQ-interval
  RMS (Rieta et al. 2004; Petrenas et al. 2015).
* QRS morphology: beat-to-template correlation (mean, min, share < 0.8), R-amplitude
  CV, QRS width and T/R ratio of the median beat.
* Signal: kurtosis, skewness, spectral ratios (QRS band, baseline, HF), duration.
* Ectopy (for the ``other`` class): premature beats and compensatory pauses, beats whose
  QRS differs from the median beat after a short RR (ventricular ectopy), RR alternation
  (bigeminy), rate trend (de Chazal et al. 2004 for the RR/morphology pairing).
* ST-T and variability: ST level and signed T/R ratio of the median beat, P-peak
  position spread and share of beats with a P wave like the median's (AV block,
  wandering pacemaker), QRS-width variability, low quantile of beat correlation, PR.
* Template and AF evidence: the median beat in 16 steps, beats unlike it, QRS area;
  AF evidence of the dRR Lorenz plot (Sarkar et al. 2008), RR statistics without
  premature beats, 8-beat rate extremes, RR-histogram bimodality.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

import numpy as np

from cardiokit.dsp._fast import hann, median0, median1, median_rows, rfft_axis
from cardiokit.dsp.filters import design_sos, filtfilt_sos

__all__ = ["FEATURE_NAMES", "FS", "band_0540", "cnn_input", "rhythm_features"]

#: Sampling rate the rhythm model works at.
FS = 300.0

RR_NAMES = (
    "hr_bpm", "n_beats", "rr_mean", "rr_median", "rr_std", "rr_cv", "rr_min_ratio",
    "rr_max_ratio", "rmssd", "rmssd_norm", "pnn20", "pnn50", "prr10", "cosen", "sampen_rr",
    "tpr", "sd1", "sd2", "sd1_sd2", "rr_hist_entropy", "rmssd_robust", "drr_mad_norm",
    "pauses_2s", "drr_sign_change",
)
VG_NAMES = ("nvg_mean_degree", "nvg_degree_entropy", "nvg_max_degree", "hvg_mean_degree",
            "hvg_degree_entropy", "hvg_p2")
ATRIAL_NAMES = ("p_amp_ratio", "p_corr", "p_energy_ratio", "resid_ratio", "resid_f_share",
                "tq_rms_ratio", "tq_f_share")
QRS_NAMES = ("beat_corr_mean", "beat_corr_min", "beat_corr_low", "r_amp_cv", "qrs_width_s",
             "t_r_ratio", "r_polarity")
#: Ectopy and rate-change features (premature beats with compensatory pauses, beats of
#: another shape, bigeminy-like alternation), for the ``other`` class.
ECTOPY_NAMES = ("premature_share", "premature_pause_share", "rr_off_share", "rr_alternans",
                "ectopic_morph_share", "premature_corr_mean", "rr_trend")
#: Median-beat ST-T and per-beat P/QRS variability features.
STT_NAMES = ("st_level", "t_signed_ratio", "p_pos_sd", "p_present_share", "qrs_width_cv",
             "beat_corr_q10", "pr_s")
#: The median beat in 16 steps (-0.3..+0.45 s around R, signed and scaled by the main QRS
#: deflection), the share and relative QRS amplitude of beats unlike it (whole-beat
#: correlation < 0.7) and the QRS area: morphology the trees can read (LBBB/RBBB, PVCs).
TEMPLATE_NAMES = (*(f"tmpl_{i}" for i in range(16)), "beat_unlike_share", "unlike_amp_ratio",
                  "qrs_area_ratio")
#: RR features for AF versus ectopy: AF evidence of the dRR Lorenz plot (Sarkar et al. 2008:
#: occupied 40-ms bins outside the origin, origin and premature-pair counts per point), the
#: dominant-RR share, CV and RMSSD of RR without premature beats and their pauses, highest
#: and lowest 8-beat rate, long-RR share, second RR-histogram peak over the first.
RR2_NAMES = ("afev_irr", "afev_origin", "afev_pac", "rr_dom_share", "rr_clean_cv",
             "rr_clean_rmssd", "hr_win_max", "hr_win_min", "rr_long_share", "rr_bimodal")
SIGNAL_NAMES = ("kurtosis", "skewness", "qrs_band_ratio", "baseline_ratio", "hf_ratio",
                "duration_s", "beat_coverage")

#: Order of the feature vector returned by :func:`rhythm_features`.
FEATURE_NAMES = (RR_NAMES + VG_NAMES + ATRIAL_NAMES + QRS_NAMES + SIGNAL_NAMES + ECTOPY_NAMES + STT_NAMES
                 + TEMPLATE_NAMES + RR2_NAMES)

_NAN = float("nan")
_SOS = design_sos(fs_hz=FS, low_hz=0.5, high_hz=40.0, order=2)
_SOS_W = np.array(_SOS, np.float64)  # writable copy for scipy's kernel
_PAD = 3 * (2 * _SOS.shape[0] + 1)  # sosfiltfilt's default odd padding
try:  # scipy's compiled second-order-section kernel (what sosfilt runs after its checks)
    from scipy.signal import sosfilt_zi as _sosfilt_zi
    from scipy.signal._sosfilt import _sosfilt

    _ZI = np.ascontiguousarray(_sosfilt_zi(_SOS_W)[None, :, :])
except ImportError:  # pragma: no cover - another scipy layout: filtfilt_sos
    _sosfilt = None


def band_0540(x: np.ndarray) -> np.ndarray:
    """Zero-phase Butterworth band-pass 0.5-40 Hz (order 2) at :data:`FS`, float64:
    :func:`~cardiokit.dsp.filters.filtfilt_sos` of one lead bit for bit (odd padding,
    steady-state initial conditions), its two passes run in place on one padded copy."""
    x = np.asarray(x, np.float64).reshape(-1)
    n = x.size
    if _sosfilt is None or n <= _PAD + 1:
        return filtfilt_sos(x, _SOS)
    ext = np.empty((1, n + 2 * _PAD))
    e = ext[0]
    e[_PAD : _PAD + n] = x
    np.subtract(2 * x[0], x[_PAD:0:-1], out=e[:_PAD])
    np.subtract(2 * x[-1], x[n - 2 : n - 2 - _PAD : -1], out=e[_PAD + n :])
    _sosfilt(_SOS_W, ext, _ZI * e[0])
    back = ext[:, ::-1].copy()
    _sosfilt(_SOS_W, back, _ZI * back[0, 0])
    return back[0, n + _PAD - 1 : _PAD - 1 : -1].copy()


def cnn_input(x: np.ndarray, *, filtered: np.ndarray | None = None) -> np.ndarray:
    """The CNN input from one raw lead at :data:`FS`: band-passed 0.5-40 Hz, robustly scaled.

    Scaling divides by the median absolute R-band amplitude proxy (the 99th percentile
    of |x| over 1-s blocks' medians), clipped to +-20, so gain differences between
    devices vanish. ``filtered``: :func:`band_0540` of ``x`` when already computed.
    float32 ``(n,)``.
    """
    y = band_0540(x) if filtered is None else filtered
    n = y.size
    w = int(FS)
    if n >= 2 * w:
        blocks = np.abs(y[: (n // w) * w]).reshape(-1, w).max(axis=1)
        scale = median1(blocks)
    else:
        scale = float(np.max(np.abs(y))) if n else 0.0
    if not np.isfinite(scale) or scale <= 1e-6:
        scale = 1.0
    t = y / scale
    return np.minimum(np.maximum(t, -20.0, out=t), 20.0, out=t).astype(np.float32)  # np.clip


def _sampen(x: np.ndarray, m: int, r: float, chunk: int = 1 << 20) -> tuple[float, int, int]:
    """Sample entropy and the template match counts (A for m+1, B for m) of Richman &
    Moorman (2000): pairs i < j of the first ``n - m`` positions whose templates are within
    Chebyshev distance ``r`` (``max_s |x[i+s] - x[j+s]| <= r``).

    The pairs come from the sorted first values: each value's partners within ``r`` follow it
    in sorted order (the bound found by a search, then settled with the very comparison
    ``x[q] - x[p] <= r``), and only those candidate pairs are checked on the other values,
    ``chunk`` pairs at a time: the counts of the all-pairs matrices in O(n log n + candidates)
    time and without an n x n array."""
    n = x.size
    if n <= m + 1 or r <= 0:
        return _NAN, 0, 0
    k = n - m
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
    if a == 0 or b == 0:
        return _NAN, a, b
    return float(-np.log(a / b)), a, b


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


@lru_cache(maxsize=64)
def _freqs(n: int) -> np.ndarray:
    f = np.fft.rfftfreq(n, 1.0 / FS)
    f.flags.writeable = False
    return f


def _mean(a: np.ndarray) -> float:
    """Mean of a 1-D array without numpy's per-call dispatch overhead."""
    return float(a.sum()) / a.size


def _std(a: np.ndarray) -> float:
    """Population SD of a 1-D array (as ``a.std()``, less per-call overhead)."""
    d = a - _mean(a)
    return float(np.sqrt(float((d * d).sum()) / a.size))


def _quantile(a: np.ndarray, q: float) -> float:
    """np.quantile(a, q) (linear interpolation) of a 1-D array."""
    v = np.sort(a)
    pos = q * (v.size - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, v.size - 1)
    return float(v[lo] + (pos - lo) * (v[hi] - v[lo]))


def _share(mask: np.ndarray) -> float:
    return np.count_nonzero(mask) / mask.size


def _entropy(counts: np.ndarray) -> float:
    p = counts[counts > 0] / max(1, counts.sum())
    return float(-(p * np.log(p)).sum())


_LOG_2RTOL = np.log(2 * 0.03)  # CoSEn tolerance r = 30 ms
_SQRT2 = np.sqrt(2)
_DRR_LIMITS = np.array([0.02, 0.05])


def _rr_features(rr: np.ndarray, duration_s: float) -> tuple[list[float], list[float]]:
    """RR irregularity features (:data:`RR_NAMES`) and the RR-only ectopy features
    (premature beats, compensatory pauses, alternation, trend; the first four and the last
    of :data:`ECTOPY_NAMES` but two), sharing their intermediate arrays."""
    n_beats = rr.size + 1
    hr = 60.0 * n_beats / max(duration_s, 1e-6)
    if rr.size < 3:
        return [hr, float(n_beats)] + [_NAN] * (len(RR_NAMES) - 2), [_NAN] * 5
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
    pos = 0.8 * (nd - 1)  # _quantile(ad, 0.8)
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
    return (vis.sum(axis=1) + vis.sum(axis=0)).astype(np.int64)


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


#: beat window (samples before/after R) and its parts, as offsets into the window
_WA, _WB = round(0.30 * FS), round(0.45 * FS)
_OFFS = np.arange(-_WA, _WB)
_OFFS.flags.writeable = False
_BASE = round(0.05 * FS)  # odd: its median is the middle sample
_QRS = slice(_WA - round(0.06 * FS), _WA + round(0.06 * FS))
_P = slice(_WA - round(0.25 * FS), _WA - round(0.08 * FS))
_C = slice(_WA - round(0.25 * FS), _WA + round(0.40 * FS))
_T = slice(_WA + round(0.12 * FS), _WA + round(0.42 * FS))
_ST = slice(_WA + round(0.08 * FS), _WA + round(0.12 * FS))
_TQ_MIN, _TQ_END, _TQ_LEN = round(0.45 * FS), round(0.1 * FS), round(0.06 * FS)


def _beat_windows(y: np.ndarray, r: np.ndarray, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    inner = r[(r - a >= 0) & (r + b < y.size)]
    if inner.size == 0:
        return np.zeros((0, a + b)), inner
    offs = _OFFS if (a, b) == (_WA, _WB) else np.arange(-a, b)
    return y[inner[:, None] + offs], inner


@lru_cache(maxsize=256)
def _band(n: int, lo: float, hi: float, hi_closed: bool) -> slice:
    """The rfft bins of ``n`` samples with ``lo <= f <= hi`` (``< hi`` unless ``hi_closed``)."""
    f = _freqs(n)
    return slice(int(np.searchsorted(f, lo, "left")), int(np.searchsorted(f, hi, "right" if hi_closed else "left")))


@lru_cache(maxsize=256)
def _share_bins(n: int, lo: float, hi: float, lo_all: float, hi_all: float) -> tuple[slice, slice]:
    """The bins ``lo_all..hi_all`` of an ``n``-sample rfft and, within them, ``lo..hi``."""
    b_all, b = _band(n, lo_all, hi_all, True), _band(n, lo, hi, True)
    if not b_all.start <= b.start <= b.stop <= b_all.stop:
        return b_all, b
    return b_all, slice(b.start - b_all.start, b.stop - b_all.start)


def _band_share(seg: np.ndarray, lo: float, hi: float, lo_all: float = 1.0, hi_all: float = 40.0) -> float:
    """Share of the Hann-windowed power spectrum of ``seg`` in ``lo..hi`` Hz out of
    ``lo_all..hi_all`` Hz (the squared magnitudes of only the bins read)."""
    n = seg.size
    if n < 32:
        return _NAN
    c = rfft_axis((seg - _mean(seg)) * hann(n))
    b_all, b = _share_bins(n, lo, hi, lo_all, hi_all)
    if b.start < 0 or b.stop > b_all.stop - b_all.start or b_all.stop < b_all.start:
        p = np.abs(c) ** 2  # a band outside the total: the spectrum as a whole
        tot = p[b_all].sum()
        return float(p[b].sum() / tot) if tot > 0 else _NAN
    p = np.abs(c[b_all])
    p *= p
    tot = p.sum()
    return float(p[b].sum() / tot) if tot > 0 else _NAN


def _unit_corr(w: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``w`` minus their means, their energies and their correlations with the
    zero-mean template ``t`` (0 where a row or ``t`` is flat)."""
    w = w - w.sum(axis=1, keepdims=True) / w.shape[1]
    e = np.einsum("ij,ij->i", w, w)
    den = np.sqrt(e) * np.sqrt(t @ t)
    num = w @ t
    if (den > 0).all():
        return w, e, num / den
    return w, e, np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def _morph_features(y: np.ndarray, r: np.ndarray) -> tuple[list[float], list[float]]:
    """Atrial-activity, QRS-morphology (``ATRIAL_NAMES + QRS_NAMES``) and beat-level
    ectopy/ST-T features (``ectopic_morph_share``, ``premature_corr_mean`` +
    ``STT_NAMES``) from the cleaned lead ``y``."""
    nan_main = [_NAN] * (len(ATRIAL_NAMES) + len(QRS_NAMES))
    nan_extra = [_NAN] * (2 + len(STT_NAMES) + len(TEMPLATE_NAMES))
    a = _WA
    dr = r[1:] - r[:-1]
    ascending = bool((dr > 0).all())
    if ascending:  # the beats inside the signal: a <= r < y.size - _WB
        lo, hi = np.searchsorted(r, (a, y.size - _WB)).tolist()
        ok = slice(lo, hi)
    else:
        ok = (r >= a) & (r + _WB < y.size)
    inner = r[ok]
    if inner.size < 3:
        return nan_main, nan_extra
    win = y[inner[:, None] + _OFFS]
    if np.isfinite(win.sum()):
        # finite: each row's baseline is the middle of its sorted first _BASE (odd) samples,
        # the template the rows' median by dsp._fast.median_rows (both np.median's values)
        win -= np.sort(win[:, :_BASE], axis=1)[:, _BASE // 2 : _BASE // 2 + 1]
        tmpl = median_rows(win)
    else:
        win -= median0(win[:, :_BASE], axis=1)[:, None]
        tmpl = median0(win, axis=0)
    t_qrs = tmpl[_QRS]
    a_qrs = np.abs(t_qrs)
    k_r = int(a_qrs.argmax())
    r_amp = float(a_qrs[k_r])
    if r_amp <= 0:
        return nan_main, nan_extra
    # QRS morphology
    tq = t_qrs - _mean(t_qrs)
    wq, _, corr = _unit_corr(win[:, _QRS], tq)
    amps = np.abs(win[:, a])
    idx = np.flatnonzero(a_qrs >= 0.5 * r_amp)
    width = (idx[-1] - idx[0] + 1) / FS if idx.size else _NAN
    t_seg = tmpl[_T]
    t_k = int(np.abs(t_seg).argmax())
    t_r = float(abs(t_seg[t_k]) / r_amp)
    r_signed = float(t_qrs[k_r])
    pol = float(np.sign(tmpl[a])) if tmpl[a] != 0 else 0.0
    corr_s = np.sort(corr)
    n_c = corr.size
    out_qrs = [_mean(corr), float(corr_s[0]) if corr_s[-1] == corr_s[-1] else _NAN, int(np.searchsorted(corr_s, 0.8)) / n_c,
               _std(amps) / max(_mean(amps), 1e-9), float(width), t_r, pol]
    # P wave on the median beat and its consistency across beats
    tp = tmpl[_P]
    p_t = tp - _mean(tp)
    p_amp = float((tp.max() - tp.min()) / r_amp)
    wp, wp_e, p_c = _unit_corr(win[:, _P], p_t)
    p_energy = float((p_t * p_t).sum() / max(_mean(wp_e), 1e-12))
    # QRST cancellation: subtract the median beat from each beat, look at what remains
    res = (win[:, _C] - tmpl[_C]).ravel()
    res_ratio = float(np.sqrt(_mean(res * res)) / r_amp) if res.size else _NAN
    f_share = _band_share(res, 4.0, 9.0)
    # TQ intervals: from 0.45 s (or 60 % of RR) after one R to 0.1 s before the next
    # (round: half to even, as np.rint); a handful of intervals, in plain Python
    r_l = r.tolist()
    starts, lens, first = [], [], []
    n_tq = 0
    for b0, b1 in itertools.pairwise(r_l):
        s0 = b0 + max(_TQ_MIN, round(0.6 * (b1 - b0)))
        if (ln := b1 - _TQ_END - s0) >= _TQ_LEN:
            starts.append(s0)
            lens.append(ln)
            first.append(n_tq)
            n_tq += ln
    if lens:
        tqa = np.concatenate([y[s0 : s0 + ln] for s0, ln in zip(starts, lens, strict=True)])
        ln = np.array(lens)
        tqa -= np.repeat(np.add.reduceat(tqa, first) / ln, ln)
        tq_rms = float(np.sqrt(_mean(tqa * tqa)) / r_amp)
        tq_f = _band_share(tqa, 4.0, 9.0)
    else:
        tq_rms, tq_f = _NAN, _NAN
    out_atrial = [p_amp, _mean(p_c), p_energy, res_ratio, f_share, tq_rms, tq_f]
    # beat-level ectopy: beats after a short RR and their QRS likeness to the median beat
    # (the RR before each inner beat: r is ascending, so a beat's index in r is its rank)
    if ascending:
        prev = np.zeros(r.size)
        prev[1:] = dr
        prev = prev[ok] / FS
    else:
        j = np.searchsorted(r, inner)
        prev = np.where(j > 0, inner - r[np.maximum(j - 1, 0)], 0) / FS
    rr_s = sorted(dr.tolist())  # integer samples: the median is exact
    k = len(rr_s) // 2
    med_rr = (rr_s[k] if len(rr_s) % 2 else (rr_s[k - 1] + rr_s[k]) / 2) / FS
    prem = (prev > 0) & (prev < 0.85 * med_rr)
    n_prem = int(np.count_nonzero(prem))
    ect = np.count_nonzero(prem & (corr < 0.9)) / n_c
    prem_corr = _mean(corr[prem]) if n_prem else 1.0
    # ST-T of the median beat (signed by the main QRS deflection), P-peak spread, QRS widths
    sgn = 1.0 if r_signed >= 0 else -1.0
    st = float(sgn * _mean(tmpl[_ST]) / r_amp)
    t_signed = float(sgn * t_seg[t_k] / r_amp)
    p_pos = np.abs(wp).argmax(axis=1)[p_c > 0.3] / FS
    p_pos_sd = _std(p_pos) if p_pos.size >= 3 else _NAN
    aw = np.abs(wq)
    widths = (aw >= 0.5 * aw.max(axis=1, keepdims=True)).sum(axis=1, dtype=np.float64)
    w_cv = _std(widths) / max(_mean(widths), 1e-9)
    pr = (a - _P.start - int(np.abs(p_t).argmax())) / FS if p_amp > 0.05 else _NAN
    pos = 0.1 * (n_c - 1)
    lo = int(pos)
    q10 = float(corr_s[lo] + (pos - lo) * (corr_s[min(lo + 1, n_c - 1)] - corr_s[lo]))
    extra = [ect, prem_corr, st, t_signed, p_pos_sd, _share(p_c > 0.5), w_cv, q10, pr]
    return out_atrial + out_qrs, extra + _template_features(win, tmpl, sgn / r_amp)


_TM_LEN = (_WA + _WB) // 16
_AREA = slice(_WA - 2 * (_QRS.stop - _WA), _WA + 2 * (_QRS.stop - _WA))


def _template_features(win: np.ndarray, tmpl: np.ndarray, gain: float) -> list[float]:
    """:data:`TEMPLATE_NAMES` from the baseline-corrected beats ``win``, their median
    ``tmpl`` and ``gain`` = sign of the main QRS deflection / its amplitude."""
    tn = tmpl * gain
    steps = tn[: 16 * _TM_LEN].reshape(16, _TM_LEN).mean(axis=1).tolist()
    w = win - win.mean(axis=1, keepdims=True)
    tt = tmpl - _mean(tmpl)
    c = (w @ tt) / (np.sqrt(np.einsum("ij,ij->i", w, w) * float(tt @ tt)) + 1e-12)
    low = c < 0.7
    amp = float(np.abs(win[low][:, _QRS]).max(axis=1).mean() * abs(gain)) if low.any() else 1.0
    area = float(np.abs(tn[_AREA]).sum() / (_AREA.stop - _AREA.start))
    return [*steps, _share(low), amp, area]


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
    return [irr, float(centre.sum()) / n, pac, _share(np.abs(rel - 1) < 0.08), ccv, crm,
            60.0 * k / float(win.min()), 60.0 * k / float(win.max()), _share(rel > 1.15),
            float(hist[-2]) / max(float(hist[-1]), 1.0)]


def _signal_features(x: np.ndarray, y: np.ndarray, r: np.ndarray) -> list[float]:
    yc = y - _mean(y)
    y2 = yc * yc
    var = _mean(y2)
    sd = np.sqrt(var)
    if sd > 0:
        kurt, skew = _mean(y2 * y2) / (var * var), _mean(y2 * yc) / (var * sd)
    else:
        kurt, skew = _NAN, _NAN
    n = x.size
    xd = x - _mean(x)
    p = np.abs(rfft_axis(xd * hann(n)))
    p *= p

    def band(lo: float, hi: float) -> float:
        return float(p[_band(n, lo, hi, False)].sum())

    tot = band(0.0, 40.0)
    sig = band(1.0, 40.0)
    qrs_r = band(5.0, 15.0) / sig if sig > 0 else _NAN
    base_r = band(0.0, 1.0) / tot if tot > 0 else _NAN
    hf_r = band(40.0, FS / 2) / sig if sig > 0 else _NAN
    dur = n / FS
    cov = float((r[-1] - r[0]) / FS / dur) if r.size > 1 else 0.0
    return [kurt, skew, qrs_r, base_r, hf_r, dur, cov]


def rhythm_features(x: np.ndarray, r: np.ndarray, *, filtered: np.ndarray | None = None) -> np.ndarray:
    """Feature vector (:data:`FEATURE_NAMES`) of raw lead ``x`` at :data:`FS` with beats ``r``.

    ``x`` in mV (any gain works for the ratio features), ``r`` ascending sample indices;
    ``filtered``: ``x`` band-passed 0.5-40 Hz (zero-phase Butterworth order 2) when the
    caller has it already. Returns float64 ``(len(FEATURE_NAMES),)``; NaN where a feature
    cannot be computed (e.g. fewer than 4 beats).
    """
    x = np.asarray(x, np.float64).reshape(-1)
    r = np.asarray(r, np.int64).reshape(-1)
    y = band_0540(x) if filtered is None else filtered
    rr = np.diff(r) / FS
    main, extra = _morph_features(y, r)
    rrf, ect = _rr_features(rr, x.size / FS)
    feats = (rrf + _vg_features(rr) + main + _signal_features(x, y, r)
             + ect[:4] + extra[:2] + ect[4:] + extra[2:] + _rr2_features(rr))
    out = np.asarray(feats, np.float64)
    out[~np.isfinite(out)] = np.nan
    return out
