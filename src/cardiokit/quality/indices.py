"""Signal quality indices (SQIs) of one lead segment.

ECG indices (Li, Mark & Clifford 2008; Behar et al. 2013; Orphanidou et al. 2015):

=================  =========================================================================
``bsqi``           agreement of two beat detectors of different design: matched beats
                   (within 150 ms) over all beats of either; the primary beats (the
                   pipeline's, slope energy) vs a per-lead curve-length detector
                   (:func:`curve_length_peaks`, after the wqrs of Zong et al. 2003 that
                   Li et al. used)
``tsqi``           mean correlation of each beat (-0.2..+0.4 s) with the segment's median
                   beat (Orphanidou 2015); 0 with fewer than 2 beats
``ksqi``           kurtosis of the cleaned (0.5-40 Hz, mains notch) signal (ECG ~ 5-30,
                   noise ~ 3)
``ssqi``           absolute skewness of the cleaned signal
``psqi``           power 5-15 Hz over 5-40 Hz (QRS band share)
``bassqi``         1 - power 0-1 Hz over 0-40 Hz (baseline wander)
``hfsqi``          power >= 40 Hz (mains bands excluded) over 1-40 Hz (muscle/HF noise)
``flat_fraction``  share of 0.2-s windows with peak-to-peak below 10 µV (or constant)
``clip_fraction``  share of samples in runs of >= 3 samples at the segment extremes
``hr_bpm``         heart rate from the primary detector's beats (NaN with < 2 beats)
``beats``          number of beats of the primary detector
=================  =========================================================================

:func:`ecg_indices` computes them for every lead and segment at once (the leads share
the primary beats); ``ecg_segment_indices`` is the one-lead, one-segment form.

References: Li Q, Mark RG, Clifford GD (2008) Robust heart rate estimation from multiple
asynchronous noisy sources using signal quality indices and a Kalman filter. Physiol
Meas 29:15-32. Behar J et al. (2013) ECG signal quality during arrhythmia and its
application to false alarm reduction. IEEE TBME 60:1660-1666. Zong W, Moody GB, Jiang D
(2003) A robust open-source algorithm to detect onset and duration of QRS complexes.
Comput Cardiol 30:737-740.

PPG indices (Orphanidou 2015; Elgendi 2016): ``tsqi`` (pulse template correlation),
``ksqi``, ``ssqi``, ``psqi`` (power 0.5-5 Hz over 0-15 Hz), ``flat_fraction``,
``clip_fraction``, ``hr_bpm``, ``beats``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from cardiokit.dsp._fast import clip, median1, median_small
from cardiokit.dsp.filters import bandpass

__all__ = ["ECG_INDICES", "PPG_INDICES", "curve_length_peaks", "ecg_indices", "ecg_segment_indices",
           "match_fraction", "ppg_beats", "ppg_segment_indices"]

ECG_INDICES = ("bsqi", "tsqi", "ksqi", "ssqi", "psqi", "bassqi", "hfsqi", "flat_fraction",
               "clip_fraction", "hr_bpm", "beats")
PPG_INDICES = ("tsqi", "ksqi", "ssqi", "psqi", "flat_fraction", "clip_fraction", "hr_bpm", "beats")

_FLAT_MV = 0.01


def match_fraction(a: np.ndarray, b: np.ndarray, tol: int) -> float:
    """Matched beats over the union of two detections (Li et al. 2008 bSQI)."""
    if a.size == 0 and b.size == 0:
        return 0.0
    if a.size == 0 or b.size == 0:
        return 0.0
    j = np.searchsorted(b, a)
    d_right = np.abs(b[np.minimum(j, b.size - 1)] - a)
    d_left = np.abs(b[np.maximum(j - 1, 0)] - a)
    matched = int(np.sum(np.minimum(d_left, d_right) <= tol))
    return matched / max(1, a.size + b.size - matched)


def _moments(y: np.ndarray) -> tuple[float, float]:
    sd = y.std()
    if sd <= 0:
        return float("nan"), float("nan")
    z = (y - y.mean()) / sd
    return float(np.mean(z ** 4)), float(abs(np.mean(z ** 3)))


def _flat_fraction(x: np.ndarray, fs: float, mv_scale: float | None) -> float:
    w = max(2, round(0.2 * fs))
    n = (x.size // w) * w
    if n == 0:
        ptp = np.array([np.ptp(x)])
    else:
        blk = x[:n].reshape(-1, w)
        ptp = blk.max(axis=1) - blk.min(axis=1)
    if mv_scale is None:
        return float(np.mean(ptp <= 0))
    return float(np.mean(ptp * mv_scale < _FLAT_MV))


def _clip_fraction(x: np.ndarray) -> float:
    """Share of samples in runs of >= 3 at the signal's extremes (clipping)."""
    return float(_clip_fraction_2d(np.asarray(x)[None, :])[0])


def _spectrum(x: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    xd = x - x.mean()
    p = np.abs(np.fft.rfft(xd * np.hanning(xd.size))) ** 2
    return np.fft.rfftfreq(xd.size, 1.0 / fs), p


def _band(f: np.ndarray, p: np.ndarray, lo: float, hi: float) -> float:
    return float(p[(f >= lo) & (f < hi)].sum())


def _template_corr(y: np.ndarray, beats: np.ndarray, fs: float, before_s: float, after_s: float) -> float:
    a, b = round(before_s * fs), round(after_s * fs)
    inner = beats[(beats >= a) & (beats + b < y.size)]
    if inner.size < 2:
        return 0.0
    win = y[inner[:, None] + np.arange(-a, b)[None, :]]
    win = win - win.mean(axis=1, keepdims=True)
    tmpl = np.median(win, axis=0) if inner.size > 2 else win.mean(axis=0)
    den = np.linalg.norm(win, axis=1) * np.linalg.norm(tmpl)
    corr = np.where(den > 0, win @ tmpl / np.where(den > 0, den, 1.0), 0.0)
    return float(np.clip(corr.mean(), -1.0, 1.0))


def curve_length_peaks(y: np.ndarray, fs: float, bounds: list[tuple[int, int]],
                       thr_frac: float = 0.5) -> np.ndarray:
    """Beats of a simple per-lead detector, all leads at once: ``(n_leads, n_samples)`` bool.

    ``y``: cleaned signals ``(n_leads, n_samples)``. Curve length (sum of ``|dy|`` over
    130 ms, the transform of Zong et al. 2003); a beat is a sample that is the maximum
    of the curve length from the 100-ms block three blocks before to three after (about
    +-300 ms, so a T wave never wins against its QRS) and exceeds ``thr_frac`` x the
    segment's typical QRS level (its ``n_blocks // 10``-th largest block maximum). Cheap
    and independent of the primary detector's feature, which is what beat agreement
    (bSQI) needs. ``thr_frac`` 0.5 was chosen by the quality model's grouped 5-fold CV AUC
    on the CinC 2017 training pool (0.3: 0.963, 0.4: 0.966, 0.5: 0.967, 0.6: 0.968).
    """
    n_leads, n = y.shape
    out = np.zeros((n_leads, n), bool)
    w = max(1, round(0.13 * fs))
    if n < w + 2:
        return out
    c = np.zeros((n_leads, n))
    dy = np.diff(y, axis=1)
    np.cumsum(np.abs(dy, out=dy), axis=1, out=c[:, 1:])
    bw = max(1, round(0.1 * fs))
    nb = -(-n // bw)
    fb = np.full((n_leads, nb * bw), -np.inf)
    h = w // 2
    np.subtract(c[:, w:], c[:, :-w], out=fb[:, h : h + n - w])
    fb[:, :h] = fb[:, h : h + 1]
    fb[:, h + n - w : n] = fb[:, h + n - w - 1 : h + n - w]
    bm = fb.reshape(n_leads, nb, bw).max(axis=2)
    wm = bm.copy()
    for k in (1, 2, 3):
        np.maximum(wm[:, k:], bm[:, :-k], out=wm[:, k:])
        np.maximum(wm[:, :-k], bm[:, k:], out=wm[:, :-k])
    f = fb[:, :n]
    peak = (fb.reshape(n_leads, nb, bw) == wm[:, :, None]).reshape(n_leads, nb * bw)[:, :n]
    # a plateau (equal neighbours, also the padded ends) counts once: its first sample;
    # the ends, where the window is incomplete, hold no beat
    peak[:, 1:] &= f[:, 1:] != f[:, :-1]
    peak[:, : h + 1] = False
    peak[:, h + n - w - 1 :] = False
    for a, b in bounds:
        blk = bm[:, a // bw : -(-b // bw)]
        k = max(1, blk.shape[1] // 10)
        thr = thr_frac * np.partition(blk, blk.shape[1] - k, axis=1)[:, blk.shape[1] - k]
        out[:, a:b] = peak[:, a:b] & (f[:, a:b] > thr[:, None]) & (thr[:, None] > 0)
    return out


@lru_cache(maxsize=64)
def _band_matrix(size: int, fs: float) -> np.ndarray:
    """Columns sum the periodogram over 5-40, 1-40, 0-40, 5-15, 0-1 Hz and >= 40 Hz without mains."""
    f = np.fft.rfftfreq(size, 1.0 / fs)
    rows = [(f >= lo) & (f < hi) for lo, hi in ((5.0, 40.0), (1.0, 40.0), (0.0, 40.0), (5.0, 15.0), (0.0, 1.0))]
    mains = np.zeros_like(f, bool)
    for line in (50.0, 60.0):
        for m in (1, 2, 3):
            mains |= np.abs(f - m * line) <= 1.5
    rows.append((f >= 40.0) & (f < 0.5 * fs) & ~mains)
    m = np.asarray(rows, np.float64).T
    m.flags.writeable = False
    return m


@lru_cache(maxsize=64)
def _hann(size: int) -> np.ndarray:
    w = np.hanning(size)
    w.flags.writeable = False
    return w


def ecg_indices(
    x: np.ndarray, y: np.ndarray, fs: float, beats: np.ndarray, bounds: list[tuple[int, int]],
    mv_scale: np.ndarray, *, peaks: np.ndarray | None = None,
) -> np.ndarray:
    """ECG indices of every lead and segment: ``(n_segments, n_leads, len(ECG_INDICES))``.

    ``x`` raw and ``y`` cleaned ``(n_samples, n_leads)``, ``beats`` the primary beats
    (sorted samples shared by all leads), ``bounds`` the segments' ``(start, stop)``,
    ``mv_scale`` the factor to mV per lead (NaN: unknown unit). ``peaks`` ``(n_samples,
    n_leads)`` bool are the second detector's beats (default :func:`curve_length_peaks`).
    """
    xt = np.ascontiguousarray(np.asarray(x, np.float64).T)  # (leads, samples)
    yt = np.ascontiguousarray(np.asarray(y, np.float64).T)
    n_leads = xt.shape[0]
    beats = np.asarray(beats, np.int64)
    pk = curve_length_peaks(yt, fs, bounds) if peaks is None else np.ascontiguousarray(np.asarray(peaks, bool).T)
    out = np.full((len(bounds), n_leads, len(ECG_INDICES)), np.nan)
    # signal-only indices: consecutive segments of equal length as one (leads, segments, w) block
    k = 0
    while k < len(bounds):
        a0, b0 = bounds[k]
        w = b0 - a0
        j = k + 1
        while j < len(bounds) and bounds[j][1] - bounds[j][0] == w and bounds[j][0] == bounds[j - 1][1]:
            j += 1
        xs = xt[:, a0 : a0 + (j - k) * w].reshape(n_leads, j - k, w)
        ys = yt[:, a0 : a0 + (j - k) * w].reshape(n_leads, j - k, w)
        out[k:j, :, 2:9] = np.moveaxis(_signal_indices(xs, ys, fs, mv_scale), 0, 1)
        k = j
    # beat-dependent indices, per segment
    tol = round(0.15 * fs)
    before, after = round(0.2 * fs), round(0.4 * fs)
    for s, (a, b) in enumerate(bounds):
        ba = beats[(beats >= a) & (beats < b)]
        na = ba.size
        o = out[s]
        # beat agreement (Li et al. 2008): matched / (n_a + n_b - matched)
        nb = np.count_nonzero(pk[:, a:b], axis=1)
        if na:
            idx = clip(ba[:, None] + np.arange(-tol, tol + 1)[None, :], a, b - 1)
            matched = np.count_nonzero(pk[:, idx].any(axis=2), axis=1)
        else:
            matched = np.zeros(n_leads, np.int64)
        o[:, 0] = np.where((na > 0) & (nb > 0), matched / np.maximum(na + nb - matched, 1), 0.0)
        # template correlation with the median beat (Orphanidou et al. 2015)
        inner = ba[(ba - a >= before) & (ba - a + after < b - a)]
        if inner.size >= 2:
            win = yt[:, inner[:, None] + np.arange(-before, after)[None, :]]  # (L, k, w)
            win = win - win.mean(axis=2, keepdims=True)
            if inner.size > 2:
                # in the (window, leads) memory order numpy's sort along the beats gave, so the
                # einsum sums below add up in the same order (same tSQI to the last bit)
                tmpl = np.empty((win.shape[2], win.shape[0])).T
                tmpl[...] = median_small(win, 1)
            else:
                tmpl = win.mean(axis=1)
            dn = np.sqrt(np.einsum("lkw,lkw->lk", win, win) * np.einsum("lw,lw->l", tmpl, tmpl)[:, None])
            num = np.einsum("lkw,lw->lk", win, tmpl)
            corr = np.where(dn > 0, num / np.where(dn > 0, dn, 1.0), 0.0)
            o[:, 1] = clip(corr.mean(axis=1), -1.0, 1.0)
        else:
            o[:, 1] = 0.0
        o[:, 9] = 60.0 * fs / median1(np.diff(ba)) if na >= 2 else np.nan
        o[:, 10] = float(na)
    return out


def _signal_indices(xs: np.ndarray, ys: np.ndarray, fs: float, mv_scale: np.ndarray) -> np.ndarray:
    """ksqi .. clip_fraction of raw ``xs`` and cleaned ``ys`` blocks ``(leads, segments, w)``:
    ``(leads, segments, 7)``."""
    from scipy import fft as sfft

    n_leads, n_seg, size = xs.shape
    o = np.full((n_leads, n_seg, 7), np.nan)
    # moments of the cleaned signal
    yc = ys - ys.mean(axis=2, keepdims=True)
    z2 = yc * yc
    var = z2.mean(axis=2)
    ok = var > 0
    inv = 1.0 / np.where(ok, var, 1.0)
    o[..., 0] = np.where(ok, np.einsum("lsj,lsj->ls", z2, z2) / size * inv * inv, np.nan)
    o[..., 1] = np.where(ok, np.abs(np.einsum("lsj,lsj->ls", z2, yc)) / size * inv ** 1.5, np.nan)
    # spectral shares of the raw signal (Hann-windowed periodogram)
    xd = xs - xs.mean(axis=2, keepdims=True)
    sp = sfft.rfft(xd * _hann(size), axis=2)
    p = sp.real ** 2 + sp.imag ** 2
    qrs_all, sig, tot, qrs, low, hf = np.moveaxis(p @ _band_matrix(size, float(fs)), 2, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        o[..., 2] = np.where(qrs_all > 0, qrs / qrs_all, np.nan)
        o[..., 3] = np.where(tot > 0, 1.0 - low / tot, np.nan)
        o[..., 4] = np.where(sig > 0, hf / sig, np.nan) if fs > 90 else np.nan
    # flat line: 0.2-s windows with peak-to-peak under 10 uV (constant when unit unknown)
    wflat = max(2, round(0.2 * fs))
    m = size // wflat
    ext = blocks = None
    if m:
        blk = xs[..., : m * wflat].reshape(n_leads, n_seg, m, wflat)
        bhi, blo = blk.max(axis=3), blk.min(axis=3)
        ptp = bhi - blo
        if m * wflat == size:  # the blocks cover the segment: its extremes for the clipping index
            ext = (bhi.max(axis=2, keepdims=True), blo.min(axis=2, keepdims=True))
            blocks = (bhi, blo, wflat)
    else:
        ptp = (xs.max(axis=2) - xs.min(axis=2))[..., None]
    known = np.isfinite(mv_scale)[:, None]
    scale = np.where(known[:, 0], mv_scale, 1.0)[:, None, None]
    o[..., 5] = np.where(known, np.mean(ptp * scale < _FLAT_MV, axis=2), np.mean(ptp <= 0, axis=2))
    o[..., 6] = _clip_fraction_2d(xs, ext, blocks)
    return o


def _clip_fraction_2d(x: np.ndarray, extremes: tuple[np.ndarray, np.ndarray] | None = None,
                      blocks: tuple[np.ndarray, np.ndarray, int] | None = None) -> np.ndarray:
    """:func:`_clip_fraction` along the last axis of ``x`` (e.g. ``(leads, segments, samples)``);
    ``extremes``: its maxima and minima along that axis (keepdims), when known; ``blocks``:
    maxima and minima of consecutive ``width``-sample blocks covering that axis and the width,
    so only blocks that reach the extremes are looked at sample by sample."""
    if x.shape[-1] < 3:
        return np.zeros(x.shape[:-1])
    hi, lo = (x.max(axis=-1, keepdims=True), x.min(axis=-1, keepdims=True)) if extremes is None else extremes
    eps = 1e-4 * (hi - lo)
    top, bottom = hi - eps, lo + eps
    if blocks is not None:
        # a sample at the extremes lies in a block whose maximum (minimum) reaches them
        bhi, blo, width = blocks
        cand = (bhi >= top) | (blo <= bottom)
        where = np.nonzero(cand)
        vals = x.reshape(*x.shape[:-1], -1, width)[where]  # (candidate blocks, width)
        rows = where[:-1]
        hits = np.count_nonzero((vals >= top[rows]) | (vals <= bottom[rows]), axis=-1)
        counts = np.zeros(x.shape[:-1], np.int64)
        np.add.at(counts, rows, hits)
    else:
        counts = np.count_nonzero((x >= top) | (x <= bottom), axis=-1)
    out = np.zeros(x.shape[:-1])
    # a run of three needs three samples at the extremes: most rows have one or two
    sel = (counts >= 3) & (hi[..., 0] - lo[..., 0] > 0)
    if sel.any():
        b = (x[sel] >= top[sel]) | (x[sel] <= bottom[sel])
        r = b[..., :-2] & b[..., 1:-1] & b[..., 2:]
        run = np.zeros_like(b)
        run[..., :-2] |= r
        run[..., 1:-1] |= r
        run[..., 2:] |= r
        out[sel] = np.count_nonzero(run, axis=-1) / x.shape[-1]
    return out


def ecg_segment_indices(
    x: np.ndarray, y: np.ndarray, fs: float, beats_a: np.ndarray, beats_b: np.ndarray | None,
    mv_scale: float | None,
) -> dict[str, float]:
    """ECG indices of one segment of one lead: raw ``x``, cleaned ``y``, primary beats
    ``beats_a`` (samples relative to the segment start); ``beats_b`` the second
    detector's beats (default :func:`curve_length_peaks`)."""
    x2 = np.asarray(x, np.float64).reshape(-1, 1)
    y2 = np.asarray(y, np.float64).reshape(-1, 1)
    peaks = None
    if beats_b is not None:
        peaks = np.zeros(x2.shape, bool)
        peaks[np.asarray(beats_b, np.int64), 0] = True
    scale = np.array([np.nan if mv_scale is None else float(mv_scale)])
    row = ecg_indices(x2, y2, fs, np.sort(np.asarray(beats_a, np.int64)), [(0, x2.shape[0])], scale,
                      peaks=peaks)[0, 0]
    return dict(zip(ECG_INDICES, (float(v) for v in row), strict=True))


def ppg_beats(y: np.ndarray, fs: float) -> np.ndarray:
    """Systolic peaks of a band-passed PPG: local maxima >= 0.33 s apart above the median."""
    from scipy.signal import find_peaks

    if y.size < 3:
        return np.zeros(0, np.int64)
    prom = 0.3 * (np.percentile(y, 95) - np.percentile(y, 5))
    peaks, _ = find_peaks(y, distance=max(1, round(0.33 * fs)), prominence=max(prom, 1e-12))
    return peaks.astype(np.int64)


def ppg_segment_indices(x: np.ndarray, y: np.ndarray, fs: float, beats: np.ndarray) -> dict[str, float]:
    """PPG indices of one segment (raw ``x``, band-passed 0.5-8 Hz ``y``, pulse peaks)."""
    f, p = _spectrum(x, fs)
    k, s = _moments(y)
    tot = _band(f, p, 0.0, min(15.0, 0.5 * fs))
    hr = float(60.0 * fs / np.median(np.diff(beats))) if beats.size >= 2 else float("nan")
    return {
        "tsqi": _template_corr(y, beats, fs, 0.3, 0.5),
        "ksqi": k,
        "ssqi": s,
        "psqi": _band(f, p, 0.5, 5.0) / tot if tot > 0 else float("nan"),
        "flat_fraction": _flat_fraction(x, fs, None),
        "clip_fraction": _clip_fraction(x),
        "hr_bpm": hr,
        "beats": float(beats.size),
    }


def ppg_band(x: np.ndarray, fs: float) -> np.ndarray:
    """The PPG band used by the indices (0.5-8 Hz, zero phase)."""
    return bandpass(x, fs_hz=fs, low_hz=0.5, high_hz=8.0)
