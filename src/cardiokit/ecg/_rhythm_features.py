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

The groups read from the RR intervals alone (RR irregularity, visibility graphs, the
RR-only ectopy features, AF evidence) are computed in :mod:`._rhythm_rr`; this module
holds the band-pass and CNN input, the waveform groups (atrial activity, QRS morphology,
signal, beat-level ectopy, ST-T, template) and assembles the vector.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np

from cardiokit.dsp._fast import hann, median0, median1, median_rows, rfft_axis
from cardiokit.dsp.filters import design_sos, filtfilt_sos

from ._rhythm_rr import (
    _NAN,
    RR2_NAMES,
    RR_NAMES,
    VG_NAMES,
    _mean,
    _rr2_features,
    _rr_features,
    _share,
    _std,
    _sum,
    _vg_features,
)

__all__ = ["FEATURE_NAMES", "FS", "band_0540", "cnn_input", "rhythm_features"]

#: Sampling rate the rhythm model works at.
FS = 300.0

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
SIGNAL_NAMES = ("kurtosis", "skewness", "qrs_band_ratio", "baseline_ratio", "hf_ratio",
                "duration_s", "beat_coverage")

#: Order of the feature vector returned by :func:`rhythm_features`.
FEATURE_NAMES = (RR_NAMES + VG_NAMES + ATRIAL_NAMES + QRS_NAMES + SIGNAL_NAMES + ECTOPY_NAMES + STT_NAMES
                 + TEMPLATE_NAMES + RR2_NAMES)

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


@lru_cache(maxsize=64)
def _freqs(n: int) -> np.ndarray:
    f = np.fft.rfftfreq(n, 1.0 / FS)
    f.flags.writeable = False
    return f


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
        tot = _sum(p[b_all], None)
        return float(_sum(p[b], None) / tot) if tot > 0 else _NAN
    p = np.abs(c[b_all])
    p *= p
    tot = _sum(p, None)
    return float(_sum(p[b], None) / tot) if tot > 0 else _NAN


def _unit_corr(w: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of ``w`` minus their means, their energies and their correlations with the
    zero-mean template ``t`` (0 where a row or ``t`` is flat)."""
    w = w - _sum(w, axis=1, keepdims=True) / w.shape[1]
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
    if np.isfinite(_sum(win, None)):
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
    p_energy = float(_sum(p_t * p_t, None) / max(_mean(wp_e), 1e-12))
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
    widths = _sum(aw >= 0.5 * np.maximum.reduce(aw, axis=1, keepdims=True), axis=1, dtype=np.float64)
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
    # row means as .mean(axis=1) computes them (the sums, then a division by the count)
    steps = (np.add.reduce(tn[: 16 * _TM_LEN].reshape(16, _TM_LEN), axis=1) / _TM_LEN).tolist()
    w = win - np.add.reduce(win, axis=1, keepdims=True) / win.shape[1]
    tt = tmpl - _mean(tmpl)
    c = (w @ tt) / (np.sqrt(np.einsum("ij,ij->i", w, w) * float(tt @ tt)) + 1e-12)
    low = c < 0.7
    amp = _mean(np.abs(win[low][:, _QRS]).max(axis=1)) * abs(gain) if low.any() else 1.0
    area = float(_sum(np.abs(tn[_AREA]), None) / (_AREA.stop - _AREA.start))
    return [*steps, _share(low), amp, area]


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
        return float(_sum(p[_band(n, lo, hi, False)], None))

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
