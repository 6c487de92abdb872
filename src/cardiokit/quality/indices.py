"""Signal quality indices (SQIs) of one lead segment.

ECG indices (Li, Mark & Clifford 2008; Behar et al. 2013; Orphanidou et al. 2015):

=================  =========================================================================
``bsqi``           agreement of two beat detectors of different design: matched beats
                   (within 150 ms) over all beats of either; the primary beats (the
                   pipeline's, slope energy) vs a per-lead curve-length detector
                   (:func:`curve_length_peaks`, after the wqrs of Zong et al. 2003 that
                   Li et al. used)
``tsqi``           mean correlation of each beat (-0.2..+0.4 s) with the segment's median
                   beat (Orphanidou 2015), beats of a second repeating morphology (ectopic,
                   paced) with each other (:func:`_second_morphology`); 0 with < 2 beats
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
the primary beats); ``ecg_segment_indices`` is the one-lead, one-segment form. Rates: the
raw-signal indices use every sample; the second detector and bSQI every ``fs // 250``-th
sample of the cleaned signal, tSQI, ksqi and ssqi every ``fs // 125``-th (500 Hz: 250 and
125 Hz; the cleaned signal holds little above 40 Hz, so these keep their values:
``work_fs_hz=None`` computes everything at ``fs``).

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

from cardiokit.dsp._fast import clip, hann, median1, rfft_axis, rows_f64
from cardiokit.dsp.filters import bandpass

__all__ = ["ECG_INDICES", "PPG_INDICES", "curve_length_beats", "curve_length_peaks", "ecg_indices", "ecg_segment_indices",
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
    """Beats of a simple per-lead detector, all leads at once: ``(n_leads, n_samples)`` bool
    (:func:`curve_length_beats` as a mask)."""
    out = np.zeros(np.shape(y), bool)
    out[curve_length_beats(y, fs, bounds, thr_frac)] = True
    return out


def curve_length_beats(y: np.ndarray, fs: float, bounds: list[tuple[int, int]],
                       thr_frac: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Beats of a simple per-lead detector, all leads at once: ``(lead, sample)`` index arrays,
    sorted by lead, then sample.

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
    w = max(1, round(0.13 * fs))
    if n < w + 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # curve length / w at sample k: the mean of |dy| over dy[k - h .. k - h + w - 1] (scipy's
    # running sum: a third of the time of numpy's cumsum, which is latency-bound), in float64
    # whatever the input; only samples h .. h + n - w - 1 see a whole window
    from scipy.ndimage import maximum_filter1d, uniform_filter1d

    dy = np.subtract(y[:, 1:], y[:, :-1], dtype=np.float64)
    bw = max(1, round(0.1 * fs))
    nb = -(-n // bw)
    fb = np.empty((n_leads, nb * bw))
    h = w // 2
    uniform_filter1d(np.abs(dy, out=dy), w, axis=1, output=fb[:, : n - 1])
    fb[:, :h] = fb[:, h : h + 1]
    fb[:, h + n - w : n] = fb[:, h + n - w - 1 : h + n - w]
    fb[:, n:] = -np.inf
    # a beat is its block's maximum (the first sample reaching it), so only those are looked at:
    # a block maximum that is also the maximum of the three blocks either side
    # (block maxima by one reduceat, faster than arg-maxima of the many short blocks: the first
    # sample reaching the maximum is looked up for the blocks kept only)
    blocks = fb.reshape(n_leads, nb, bw)
    bm = np.maximum.reduceat(fb.reshape(-1), _block_starts(n_leads, nb * bw, nb, bw).reshape(-1)).reshape(n_leads, nb)
    cand = bm == maximum_filter1d(bm, 7, axis=1, mode="constant", cval=-np.inf)
    m = bounds[0][1] - bounds[0][0]
    if m % bw == 0 and all(a == j * m and b == a + m for j, (a, b) in enumerate(bounds)) and bounds[-1][1] <= nb * bw:
        # segments of whole, equal numbers of blocks: every segment's level at once
        mb = m // bw
        blk = bm[:, : len(bounds) * mb].reshape(n_leads, len(bounds), mb)
        k = max(1, mb // 10)
        thr = thr_frac * np.partition(blk, mb - k, axis=2)[:, :, mb - k : mb - k + 1]
        keep = cand[:, : len(bounds) * mb].reshape(blk.shape) & (blk > np.where(thr > 0, thr, np.inf))
        li, si, bj = keep.nonzero()
        bi = si * mb + bj
    else:
        pos = blocks.argmax(axis=2) + np.arange(0, nb * bw, bw)
        keep = np.zeros_like(cand)
        for a, b in bounds:
            blk = bm[:, a // bw : -(-b // bw)]
            k = max(1, blk.shape[1] // 10)
            thr = thr_frac * np.partition(blk, blk.shape[1] - k, axis=1)[:, blk.shape[1] - k]
            keep |= cand & (pos >= a) & (pos < b) & (bm > thr[:, None]) & (thr[:, None] > 0)
        li, bi = np.nonzero(keep)
    pos = blocks[li, bi].argmax(axis=1) + bi * bw
    # the ends, where the window is incomplete, hold no beat; a plateau (equal neighbours) counts
    # once: its first sample
    ok = (pos > h) & (pos < h + n - w - 1)
    ok[ok] = bm[li[ok], bi[ok]] != fb[li[ok], pos[ok] - 1]
    return li[ok], pos[ok]


@lru_cache(maxsize=64)
def _band_plan(size: int, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """The periodogram's sums over 5-15, 0-1, >= 40 Hz without mains, 5-40, 0-40 and 1-40 Hz
    as ``np.add.reduceat(q, starts) @ combine``, ``q`` the squared real and imaginary parts
    of the spectrum interleaved: ``starts`` where any band begins or ends, ``combine`` which
    of those runs each band holds."""
    f = np.fft.rfftfreq(size, 1.0 / fs)
    rows = [(f >= lo) & (f < hi) for lo, hi in ((5.0, 40.0), (1.0, 40.0), (0.0, 40.0), (5.0, 15.0), (0.0, 1.0))]
    mains = np.zeros_like(f, bool)
    for line in (50.0, 60.0):
        for m in (1, 2, 3):
            mains |= np.abs(f - m * line) <= 1.5
    rows.append((f >= 40.0) & (f < 0.5 * fs) & ~mains)
    m = np.asarray(rows).T[:, [3, 4, 5, 0, 2, 1]]  # (bins, bands): numerators, then denominators
    starts = np.concatenate([[0], np.flatnonzero((m[1:] != m[:-1]).any(axis=1)) + 1])
    combine = m[starts].astype(np.float64)
    starts = 2 * starts  # on the interleaved real and imaginary parts
    starts.flags.writeable = combine.flags.writeable = False
    return starts, combine


#: The second beat detector and bSQI use every ``fs // DETECTOR_FS_HZ``-th sample of the
#: cleaned signal (500 Hz: 250 Hz; 300 Hz: every sample), ksqi, ssqi and tSQI every
#: ``fs // WORK_FS_HZ``-th (500 Hz: 125 Hz; 300 Hz: 150 Hz): the cleaned signal holds little
#: above 40 Hz, so its sample moments and correlations keep their values.
DETECTOR_FS_HZ = 250.0
WORK_FS_HZ = 125.0
#: The raw-signal indices (spectral shares, flat line, clipping) use every raw sample.


def _runs(bounds: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Runs of consecutive, equally long segments: ``(first, stop, start sample, length)``."""
    out = []
    k = 0
    while k < len(bounds):
        a0, b0 = bounds[k]
        w = b0 - a0
        j = k + 1
        while j < len(bounds) and bounds[j][1] - bounds[j][0] == w and bounds[j][0] == bounds[j - 1][1]:
            j += 1
        out.append((k, j, a0, w))
        k = j
    return out


def ecg_indices(
    x: np.ndarray, y: np.ndarray, fs: float, beats: np.ndarray, bounds: list[tuple[int, int]],
    mv_scale: np.ndarray, *, peaks: np.ndarray | None = None, work_fs_hz: float | None = WORK_FS_HZ,
) -> np.ndarray:
    """ECG indices of every lead and segment: ``(n_segments, n_leads, len(ECG_INDICES))``.

    ``x`` raw and ``y`` cleaned ``(n_samples, n_leads)``, ``beats`` the primary beats
    (sorted samples shared by all leads), ``bounds`` the segments' ``(start, stop)``,
    ``mv_scale`` the factor to mV per lead (NaN: unknown unit). ``peaks`` ``(n_samples,
    n_leads)`` bool are the second detector's beats (default :func:`curve_length_peaks`).
    ``work_fs_hz``: rate of ksqi, ssqi and tSQI (:data:`WORK_FS_HZ`; None: every index at
    ``fs``, else bSQI at :data:`DETECTOR_FS_HZ`). The raw signal is read as float32 (its
    spectra are float32 periodograms).
    """
    xt = np.ascontiguousarray(np.asarray(x).T, dtype=np.float32)  # (leads, samples)
    n_leads = xt.shape[0]
    yt = np.asarray(y).T
    beats = np.asarray(beats, np.int64)
    # the cleaned signal at fs / q: every q-th sample (it holds little above 40 Hz)
    q = max(1, int(fs // work_fs_hz)) if work_fs_hz else 1
    bounds_d = [(-(-a // q), -(-b // q)) for a, b in bounds]
    qb = max(1, int(fs // DETECTOR_FS_HZ)) if work_fs_hz else 1
    if qb == q:
        yd = np.ascontiguousarray(yt[:, ::q] if q > 1 else yt, dtype=np.float64)
        yb, bounds_b = yd, bounds_d
    else:
        if q % qb == 0:  # the detector's grid holds the work grid: one float64 copy of the rows (the
            # detector's differences are float64 either way), the work grid every q / qb-th column
            yb = rows_f64(np.asarray(y), qb)
            yd = np.ascontiguousarray(yb[:, :: q // qb])
        else:
            yd = np.ascontiguousarray(yt[:, ::q] if q > 1 else yt, dtype=np.float64)
            yb = yt[:, ::qb] if qb > 1 else yt
        bounds_b = [(-(-a // qb), -(-b // qb)) for a, b in bounds]
    # the second detector's beats as sorted keys lead * nb + sample (on the fs / qb grid)
    nb = yb.shape[1]
    if peaks is None:
        li, si = curve_length_beats(yb, fs / qb, bounds_b)
        keys = li * nb + si
    else:
        si, li = np.nonzero(np.asarray(peaks, bool))
        keys = np.unique(li * nb + np.minimum((si + qb // 2) // qb, nb - 1))  # as the primary beats
    out = np.empty((len(bounds), n_leads, len(ECG_INDICES)))
    # signal-only indices: consecutive segments of equal length as one (leads, segments, w) block
    for k, j, a0, w in _runs(bounds):
        xs = xt[:, a0 : a0 + (j - k) * w].reshape(n_leads, j - k, w)
        out[k:j, :, 4:9] = _raw_indices(xs, fs, mv_scale).transpose(1, 0, 2)
    for k, j, a0, w in _runs(bounds_d):
        ys = yd[:, a0 : a0 + (j - k) * w].reshape(n_leads, j - k, w)
        out[k:j, :, 2:4] = _ecg_moments(ys).transpose(1, 0, 2)
    # beat-dependent indices, the beats of all segments at once
    se = beats.searchsorted(bounds)  # (segments, 2): each segment's beats, beats[lo:hi]
    na = se[:, 1] - se[:, 0]
    out[:, :, 10] = na[:, None]
    bl, lohi = beats.tolist(), se.tolist()
    out[:, :, 9] = np.array([60.0 * fs / median1([bl[i + 1] - bl[i] for i in range(lo, hi - 1)]) if hi - lo >= 2
                             else np.nan for lo, hi in lohi])[:, None]
    if not na.any():
        out[:, :, 0:2] = 0.0
        return out
    if all(lohi[s][1] == lohi[s + 1][0] for s in range(len(lohi) - 1)):
        sel = np.arange(lohi[0][0], lohi[-1][1])
    else:
        sel = np.concatenate([np.arange(lo, hi) for lo, hi in lohi])
    seg = np.arange(len(bounds)).repeat(na)  # segment of each beats[sel]
    out[:, :, 0] = _bsqi(keys, n_leads, nb, qb, fs / qb, beats[sel], seg, na, bounds_b)
    out[:, :, 1] = _tsqi(yd, q, fs / q, beats[sel], seg, bounds_d)
    return out


def _at(b: np.ndarray, q: int, n: int) -> np.ndarray:
    """Samples ``b`` on the grid of every ``q``-th sample (``n`` long): nearest, clipped."""
    return np.minimum((b + q // 2) // q, n - 1) if q > 1 else b


def _bsqi(keys: np.ndarray, n_leads: int, n: int, q: int, fd: float, b: np.ndarray, seg: np.ndarray,
          na: np.ndarray, bounds_d: list[tuple[int, int]]) -> np.ndarray:
    """Beat agreement (Li et al. 2008) per segment and lead: matched / (n_a + n_b - matched), a
    primary beat ``b`` (segment ``seg``) matched when the second detector (sorted ``keys`` lead *
    ``n`` + sample, at ``fd = fs / q``) has a beat within 150 ms in that segment; 0 when either
    detector has none."""
    bd = np.asarray(bounds_d)
    k, n_seg = b.size, bd.shape[0]
    tol = round(0.15 * fd)
    bq = _at(b, q, n)
    # one search for every lead: each beat's window within its segment, and each segment
    edges = np.concatenate([np.maximum(bq - tol, bd[seg, 0]), np.minimum(bq + tol, bd[seg, 1] - 1) + 1,
                            bd[:, 0], bd[:, 1]])
    c = keys.searchsorted(edges + np.arange(0, n_leads * n, n)[:, None])  # (leads, 2 k + 2 segments)
    hit = c[:, k : 2 * k] > c[:, :k]
    matched = (hit @ (seg[:, None] == np.arange(n_seg)).astype(np.float64)).T  # (segments, leads)
    nb = (c[:, 2 * k + n_seg :] - c[:, 2 * k : 2 * k + n_seg]).T
    return np.where((na[:, None] > 0) & (nb > 0), matched / np.maximum(na[:, None] + nb - matched, 1), 0.0)


def _tsqi(yd: np.ndarray, q: int, fd: float, b: np.ndarray, seg: np.ndarray,
          bounds_d: list[tuple[int, int]]) -> np.ndarray:
    """Mean correlation of each beat with its segment's median beat (Orphanidou et al. 2015),
    per segment and lead, on ``yd`` at ``fd = fs / q``: beats ``b`` (segment ``seg``) whose
    -0.2..+0.4 s window lies inside their segment; 0 with fewer than 2 such beats."""
    n_leads = yd.shape[0]
    n_seg = len(bounds_d)
    bd = np.asarray(bounds_d)
    lo_d, hi_d = bd[seg, 0], bd[seg, 1]
    before, after = round(0.2 * fd), round(0.4 * fd)
    bq = _at(b, q, yd.shape[1])
    inside = (bq - lo_d >= before) & (bq + after < hi_d)
    inner, iseg = bq[inside], seg[inside]
    ni = np.bincount(iseg, minlength=n_seg)
    if not (ni >= 2).any():
        return np.zeros((n_seg, n_leads))
    win = yd[:, inner[:, None] + np.arange(-before, after)]  # (leads, beats, samples)
    win -= (win @ np.full(win.shape[2], 1.0 / win.shape[2]))[..., None]  # each window's mean
    # the median beat of each segment: the middle of a sort along the beats (sorted for all
    # segments at once, each segment's beats shifted above the one before so they stay apart;
    # the shift and its removal round: within ~1e-15 of np.median's value, not bit for bit)
    ioff = ni.cumsum() - ni
    lo = np.minimum(ioff + (ni - 1) // 2, inner.size - 1)
    hi = np.minimum(ioff + ni // 2, inner.size - 1)
    if n_seg == 1:
        srt = np.sort(win, axis=1)
        tmpl = (srt[:, lo] + srt[:, hi]) * 0.5
    else:
        span = float(np.abs(win).max()) * 4.0 + 1.0
        shift = iseg * span
        srt = np.sort(win + shift[None, :, None], axis=1)
        tmpl = (srt[:, lo] + srt[:, hi]) * 0.5 - (np.arange(n_seg) * span)[None, :, None]
    if np.isnan(srt[:, -1]).any():  # NaN sorts last: numpy's median (NaN) per segment
        tmpl = np.stack([np.median(win[:, a : a + k], axis=1) if k else np.zeros(win.shape[::2])
                         for a, k in zip(ioff.tolist(), ni.tolist(), strict=True)], axis=1)
    onehot = (iseg[:, None] == np.arange(n_seg)).astype(np.float64)  # (beats, segments)
    num = np.einsum("lkw,lkw->lk", win, tmpl[:, iseg])
    dn = np.sqrt(np.einsum("lkw,lkw->lk", win, win) * np.einsum("lsw,lsw->ls", tmpl, tmpl)[:, iseg])
    corr = np.where(dn > 0, num / np.where(dn > 0, dn, 1.0), 0.0)  # (leads, beats)
    _second_morphology(corr, win, ioff, ni)
    mean = (corr @ onehot).T / np.maximum(ni, 1)[:, None]
    return np.where(ni[:, None] >= 2, clip(mean, -1.0, 1.0), 0.0)


#: A beat correlating below this with its segment's median beat may be of a second morphology
SECOND_MORPHOLOGY_BELOW = 0.8


def _second_morphology(corr: np.ndarray, win: np.ndarray, ioff: np.ndarray, ni: np.ndarray) -> None:
    """Let beats of a second repeating morphology (ectopic, paced or fused beats) count with
    their own kind, in place: in each segment and lead, a beat correlating < 0.8 with the
    median beat takes instead its mean correlation with the other such beats when that is
    higher (>= 2 of them). The other beats, not a template of them all, so two unrelated
    noise bursts stay uncorrelated (a mean of two would correlate 0.7 with each). Without it
    a bigeminy or an intermittently paced segment scores like noise. ``corr`` (leads, beats),
    ``win`` the beats' mean-removed windows (leads, beats, samples), segment blocks
    ``ioff`` / ``ni``; all leads of a segment at once."""
    low = corr < SECOND_MORPHOLOGY_BELOW
    if not low.any():
        return
    for a, k in zip(ioff.tolist(), ni.tolist(), strict=True):
        blk = low[:, a : a + k]
        leads = np.flatnonzero(np.add.reduce(blk, axis=1) >= 2)
        if leads.size == 0:
            continue
        b = blk[leads]  # (leads, k)
        w = win[leads, a : a + k]
        w = w / np.maximum(np.sqrt(np.einsum("lkw,lkw->lk", w, w)), 1e-12)[..., None]
        pair = b[:, :, None] & b[:, None, :]
        pair[:, np.arange(k), np.arange(k)] = False
        n_other = np.add.reduce(pair, axis=2)
        other = np.einsum("lkw,ljw->lkj", w, w)
        other = np.add.reduce(other * pair, axis=2) / np.maximum(n_other, 1)
        cur = corr[leads, a : a + k]
        corr[leads, a : a + k] = np.where(n_other > 0, np.maximum(cur, other), cur)


def _ecg_moments(ys: np.ndarray) -> np.ndarray:
    """ksqi (kurtosis) and ssqi (absolute skewness) of cleaned ``ys`` blocks ``(leads, segments,
    w)``: ``(leads, segments, 2)``; NaN for a constant block."""
    n = ys.shape[2]
    o = np.empty((*ys.shape[:2], 2))
    yc = ys - ys.mean(axis=2, keepdims=True)
    z2 = yc * yc
    s2 = z2.sum(axis=2)
    s2 = np.where(s2 > 0, s2, np.nan)
    o[..., 0] = np.einsum("lsj,lsj->ls", z2, z2) * n / (s2 * s2)
    o[..., 1] = np.abs(np.einsum("lsj,lsj->ls", z2, yc)) * n ** 0.5 / (s2 * np.sqrt(s2))
    return o


@lru_cache(maxsize=32)
def _block_starts(rows: int, size: int, m: int, width: int) -> np.ndarray:
    """Flat index of the first sample of each of the ``m`` ``width``-sample blocks of ``rows``
    rows of ``size`` samples: ``(rows, m)``, read-only."""
    out = np.arange(0, rows * size, size)[:, None] + np.arange(0, m * width, width)
    out.flags.writeable = False
    return out


def _raw_indices(xs: np.ndarray, fs: float, mv_scale: np.ndarray) -> np.ndarray:
    """psqi, bassqi, hfsqi, flat_fraction, clip_fraction of raw float32 ``xs`` blocks
    ``(leads, segments, w)``: ``(leads, segments, 5)``."""
    n_leads, n_seg, size = xs.shape
    o = np.empty((n_leads, n_seg, 5))
    # spectral shares of the raw signal (Hann-windowed periodogram, float32): the squared real
    # and imaginary parts side by side, summed per band run in float64
    mean = np.add.reduce(xs, axis=2, keepdims=True)
    mean /= size  # (as xs.mean: a float32 sum over the float32 count)
    xd = xs - mean
    xd *= hann(size, np.float32)
    sq = rfft_axis(xd, axis=2).view(np.float32)
    np.square(sq, out=sq)
    starts, combine = _band_plan(size, float(fs))
    b = np.add.reduceat(sq, starts, axis=2, dtype=np.float64) @ combine  # (leads, segments, 6)
    # psqi 5-15 / 5-40 Hz, 0-1 / 0-40 Hz (bassqi is 1 - that), hfsqi >= 40 (no mains) / 1-40 Hz;
    # x / NaN is NaN without a warning
    den = b[..., 3:]
    o[..., :3] = b[..., :3] / np.where(den > 0, den, np.nan)
    o[..., 1] = 1.0 - o[..., 1]
    if fs <= 90:
        o[..., 2] = np.nan
    # flat line: 0.2-s windows with peak-to-peak under 10 uV (constant when unit unknown)
    wflat = max(2, round(0.2 * fs))
    m = size // wflat
    ext = blocks = None
    if m:
        blk = xs[..., : m * wflat].reshape(n_leads, n_seg, m, wflat)
        if xs.flags.c_contiguous and m * wflat == size:
            # the blocks end to end in memory: one reduceat each (~25 % faster than the arg-extremes below)
            starts = _block_starts(n_leads * n_seg, size, m, wflat).reshape(-1)
            xf = xs.reshape(-1)
            bhi = np.maximum.reduceat(xf, starts).reshape(n_leads, n_seg, m)
            blo = np.minimum.reduceat(xf, starts).reshape(n_leads, n_seg, m)
        elif xs.flags.c_contiguous:  # arg-extremes and a gather: 2-3x faster than max over short rows
            off = _block_starts(n_leads * n_seg, size, m, wflat).reshape(n_leads, n_seg, m)
            xf = xs.reshape(-1)
            bhi, blo = xf[blk.argmax(axis=3) + off], xf[blk.argmin(axis=3) + off]
        else:
            bhi, blo = blk.max(axis=3), blk.min(axis=3)
        ptp = bhi - blo
        if m * wflat == size:  # the blocks cover the segment: its extremes for the clipping index
            ext = (bhi.max(axis=2, keepdims=True), blo.min(axis=2, keepdims=True))
            blocks = (bhi, blo, wflat)
    else:
        ptp = (xs.max(axis=2) - xs.min(axis=2))[..., None]
    known = np.isfinite(mv_scale)
    if known.all():
        o[..., 3] = np.add.reduce(ptp * mv_scale[:, None, None] < _FLAT_MV, axis=2) / ptp.shape[2]
    else:
        scale = np.where(known, mv_scale, 1.0)[:, None, None]
        o[..., 3] = np.where(known[:, None], np.mean(ptp * scale < _FLAT_MV, axis=2), np.mean(ptp <= 0, axis=2))
    o[..., 4] = _clip_fraction_2d(xs, ext, blocks)
    return o


def _clip_fraction_2d(x: np.ndarray, extremes: tuple[np.ndarray, np.ndarray] | None = None,
                      blocks: tuple[np.ndarray, np.ndarray, int] | None = None) -> np.ndarray:
    """:func:`_clip_fraction` along the last axis of ``x`` (e.g. ``(leads, segments, samples)``);
    ``extremes``: its maxima and minima along that axis (keepdims), when known; ``blocks``:
    maxima and minima of consecutive ``width``-sample blocks covering that axis and the width,
    so only blocks that reach the extremes (and two samples either side) are looked at."""
    size = x.shape[-1]
    if size < 3:
        return np.zeros(x.shape[:-1])
    hi, lo = (x.max(axis=-1, keepdims=True), x.min(axis=-1, keepdims=True)) if extremes is None else extremes
    eps = 1e-4 * (hi - lo)
    top, bottom = hi - eps, lo + eps
    if blocks is not None:
        # a sample at the extremes lies in a block whose maximum (minimum) reaches them, and
        # whether it is in a run of three depends on the two samples either side only
        bhi, blo, width = blocks
        m = bhi.shape[-1]
        where = (((bhi >= top) | (blo <= bottom)) & (hi - lo > 0)).reshape(-1).nonzero()[0]
        rows, blk = np.divmod(where, m)
        # the block and two samples either side, read from the flattened rows (``clip`` mode:
        # the first and last rows' outer samples; every sample outside the row is masked below)
        vals = x.reshape(-1).take((rows * size + blk * width)[:, None] + np.arange(-2, width + 2), mode="clip")
        b = (vals >= top.reshape(-1)[rows][:, None]) | (vals <= bottom.reshape(-1)[rows][:, None])
        b[:, :2] &= (blk > 0)[:, None]
        b[:, -2:] &= (blk < m - 1)[:, None]
        r = b[:, :-2] & b[:, 1:-1]
        r &= b[:, 2:]
        if not r.any():  # no run of three anywhere
            return np.zeros(x.shape[:-1])
        run = r[:, 2:].copy()  # sample i of the block (column i + 2) starts, is inside or ends a run
        run |= r[:, 1:-1]
        run |= r[:, :-2]
        counts = np.bincount(rows, weights=np.add.reduce(run, axis=1), minlength=int(np.prod(x.shape[:-1])))
        return counts.reshape(x.shape[:-1]) / size
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
