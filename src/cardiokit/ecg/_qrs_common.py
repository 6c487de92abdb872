"""Building blocks shared by the QRS detectors: features, adaptive thresholds, gates."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from cardiokit.dsp._fast import block_max, clip, median0, median1
from cardiokit.dsp.filters import design_sos, filtfilt_sos, filtfilt_sos_f32
from cardiokit.dsp.peaks import find_local_maxima, moving_average


def col_median(a: np.ndarray) -> np.ndarray:
    """``np.median(a, axis=0)`` of a 2-D array without NaN (partition of contiguous rows: faster).

    An odd row length is partitioned at two ranks too (the middle value is the same exact order
    statistic): numpy selects a single rank of a float64 row by another routine, slower here.
    Non-negative float64 values without NaN (e.g. absolute slopes) are selected by their bit
    patterns as int64, which order as the values do: the same values, faster (12 rows of 1665
    slopes of 40 LUDB records: 180 us one rank, 160 us two ranks, 111 us two ranks of int64).
    The rows are partitioned in place in one copy (no second copy by ``np.partition``), and
    the bit patterns checked by one reduction (as uint64, a negative int64 is above +inf's).
    """
    t = np.array(a.T, order="C")  # a copy of our own, partitioned in place
    h = t.shape[1] // 2
    kth = [h - 1, h] if h else h
    if t.dtype == np.float64 and t.size and t.view(np.uint64).max() <= _INF_BITS:  # +0.0 .. +inf
        t.view(np.int64).partition(kth, axis=1)
    else:
        t.partition(kth, axis=1)
    if t.shape[1] % 2:
        return t[:, h]
    return 0.5 * (t[:, h - 1] + t[:, h])


#: the bit pattern of +inf as int64 (above it: NaN)
_INF_BITS = int(np.array(np.inf).view(np.int64))


def band(x: np.ndarray, fs: float, low_hz: float, high_hz: float, order: int = 2) -> np.ndarray:
    """Zero-phase band-pass along axis 0 (upper edge clipped below Nyquist)."""
    return filtfilt_sos(x, _band_sos(fs, low_hz, high_hz, order), axis=0)


@lru_cache(maxsize=64)
def _band_sos(fs: float, low_hz: float, high_hz: float, order: int = 2) -> np.ndarray:
    """The design of :func:`band` (upper edge clipped below Nyquist, lower below half of it)."""
    high = min(high_hz, 0.45 * fs)
    low = min(low_hz, 0.5 * high)
    return design_sos(fs_hz=fs, low_hz=low, high_hz=high, order=order)


def band_rows(x: np.ndarray, fs: float, low_hz: float, high_hz: float, order: int = 2) -> np.ndarray:
    """:func:`band` of ``(n, leads)`` ``x`` as C-ordered float64 rows ``(leads, n)``; four or
    more leads are filtered in float32 arithmetic (:func:`cardiokit.dsp.filters.filtfilt_sos_f32`,
    differences ~1e-7 of the signal range), others by the float64 recursions."""
    sos = _band_sos(fs, low_hz, high_hz, order)
    y = filtfilt_sos_f32(x, sos, rows=True)
    if y is not None:
        return y.astype(np.float64, order="C")
    return np.ascontiguousarray(filtfilt_sos(x, sos, axis=0).T)


def energy_rows(t: np.ndarray, fs: float, window_s: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`energy` of C-ordered rows ``(leads, n)`` (time along memory), as rows."""
    d = np.empty_like(t)  # np.gradient(t, axis=1) * fs, value for value
    if t.shape[1] >= 2:
        np.subtract(t[:, 2:], t[:, :-2], out=d[:, 1:-1])
        d[:, 1:-1] *= fs / 2  # (x / 2) * fs: halving is exact
        np.subtract(t[:, 1], t[:, 0], out=d[:, 0])
        np.subtract(t[:, -1], t[:, -2], out=d[:, -1])
        d[:, :: max(1, t.shape[1] - 1)] *= fs
    else:
        d = np.gradient(t, axis=1) * fs
    e = moving_mean_rows(d * d, max(1, round(window_s * fs)))
    # running sums can leave -1e-17 where the slope is exactly zero: energies are >= 0
    return np.maximum(e, 0.0, out=e), np.abs(d, out=d)


def moving_mean_rows(t: np.ndarray, width: int) -> np.ndarray:
    """``moving_average(t, width=width, axis=1)`` of rows ``(leads, n)`` (same centred windows,
    averaged over what exists at the ends) by running sums (scipy.ndimage), which are about
    twice as fast as the cumulative sums; values agree to rounding (~1e-14 relative)."""
    from scipy.ndimage import uniform_filter1d

    n = t.shape[1]
    a = width // 2  # samples before the centre
    b = width - a  # samples from the centre on (inclusive)
    if width < 2 or n < 2 * width:
        return moving_average(t, width=width, axis=1)
    out = uniform_filter1d(t, width, axis=1, mode="constant")
    # the windows that reach past the ends: means over the samples that exist
    head = t[:, : a + b].cumsum(axis=1)
    out[:, :a] = head[:, b - 1 : a + b - 1] / np.arange(b, a + b)
    m = b - 1  # samples i >= n - b + 1: windows [i - a, n)
    if m:
        tail = t[:, : n - a - m - 1 : -1].cumsum(axis=1)  # tail[:, k] = sum t[:, n - 1 - k :]
        k = np.arange(a, a + m)[::-1]  # i = n - m .. n - 1  ->  k = n - 1 - i + a
        out[:, n - m :] = tail[:, k] / (k + 1)
    return out


def energy(bp: np.ndarray, fs: float, window_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Squared-slope energy integrated over a centred window, and the absolute slope."""
    d = np.gradient(bp, axis=0) * fs
    return moving_average(d * d, width=max(1, round(window_s * fs))), np.abs(d)


def adaptive_pick(
    f: np.ndarray,
    slope: np.ndarray,
    fs: float,
    *,
    refractory_s: float = 0.2,
    thr_frac: float = 0.25,
    searchback_rr: float = 1.66,
    searchback_frac: float = 0.5,
    twave_s: float = 0.36,
    twave_slope: float = 0.5,
    slope_window_s: float = 0.075,
    alpha: float = 0.125,
    level: str = "ema",
    init: tuple[float, float] | None = None,
    floor_frac: float = 0.0,
    replace_slope: float = 0.0,
    ends: bool = False,
    reinit_s: float = 0.0,
    edge_test: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """Pan-Tompkins style decision on a non-negative feature ``f`` (1-D).

    Candidates are local maxima at least ``refractory_s`` apart. A signal level SPK
    and a noise level NPK (``level="ema"``: exponential averages with weight ``alpha``,
    Pan & Tompkins 1985; ``"median8"``: medians of the last 8 peaks, Hamilton &
    Tompkins 1986) set the threshold ``NPK + thr_frac (SPK - NPK)``. A candidate within
    ``twave_s`` of the previous beat whose maximum slope is below ``twave_slope`` x
    that beat's is a T wave. When no beat comes for ``searchback_rr`` x the mean of
    the last 8 RR, the highest candidate above ``searchback_frac`` x threshold in the
    gap is recovered. With ``replace_slope`` > 0, a beat followed within ``twave_s`` by
    a candidate ``replace_slope`` times steeper is replaced by it (it was a P wave or
    an artefact). ``ends``: a feature still rising at the first or last sample peaks there
    (a beat cut by the record's edge). Candidates below ``floor_frac`` x the 90th percentile of all
    candidate heights (the typical QRS level) are never beats, which keeps P and T
    waves out when a record holds only a few beats. ``init`` gives the starting (SPK, NPK), by default
    :func:`initial_levels` of ``f``. ``reinit_s`` > 0: after that long without a beat (search-back
    included) the levels restart from :func:`initial_levels` of the last ``reinit_s`` seconds, as
    OSEA does after 8 s (Hamilton 2002): without it a sudden drop of the ECG's amplitude (gain
    change, electrode contact) leaves the threshold above every later QRS for good.
    ``edge_test`` (candidate samples -> bool per candidate): candidates it marks as an edge of the
    ECG rather than a complex (:func:`edge_like`) are no candidates. Returns the accepted
    candidate samples (int64).
    """
    dist = max(1, round(refractory_s * fs))
    if ends and f.size >= 3:  # a feature still rising at either end peaks there (reflected)
        cand = find_local_maxima(np.concatenate([f[1:2], f, f[-2:-1]]), min_distance=dist) - 1
    else:
        cand = find_local_maxima(f, min_distance=dist)
    if cand.size == 0:
        return cand
    hc = f[cand]
    keep = hc > (max(0.0, floor_frac * float(np.percentile(hc, 90))) if floor_frac else 0.0)
    cand = cand[keep]
    if cand.size == 0:
        return cand
    spk0, npk0 = initial_levels(f[:, None], fs)[0] if init is None else init

    def run(cand: np.ndarray) -> np.ndarray:
        hs = f[cand].tolist()
        sls = window_max(slope, cand, max(1, round(slope_window_s * fs))).tolist()
        cl = cand.tolist()
        spk, npk = float(spk0), float(npk0)
        sig_hist = [spk] * 8
        noi_hist = [npk] * 8
        median8 = level == "median8"
        beats: list[int] = []
        beat_sl: list[float] = []
        rr: list[int] = []
        tw = round(twave_s * fs)

        def levels() -> float:
            if median8:
                return median1(noi_hist[-8:]) + thr_frac * (median1(sig_hist[-8:]) - median1(noi_hist[-8:]))
            return npk + thr_frac * (spk - npk)

        def gap_limit() -> float:  # search-back after this many samples without a beat
            recent = rr[-8:]
            return searchback_rr * sum(recent) / len(recent) if recent else float("inf")

        limit = float("inf")
        reinit = round(reinit_s * fs) if reinit_s > 0 else 0
        since = 0  # the last beat or restart of the levels
        for k, c in enumerate(cl):
            if reinit and c - max(since, beats[-1] if beats else 0) > reinit:
                spk, npk = (float(v) for v in initial_levels(f[c - reinit: c, None], fs)[0])
                sig_hist = [spk] * 8
                noi_hist = [npk] * 8
                since = c
            thr = npk + thr_frac * (spk - npk) if not median8 else levels()
            if beats and c - beats[-1] > limit:
                last = beats[-1]
                lo = bisect_left(cl, last + dist)
                hi = bisect_right(cl, c - dist)
                if hi > lo:
                    j = max(range(lo, hi), key=hs.__getitem__)
                    cj = cl[j]
                    ok = hs[j] > searchback_frac * thr
                    if ok and cj - last < tw and sls[j] < twave_slope * beat_sl[-1]:
                        ok = False
                    if ok:
                        rr.append(cj - last)
                        limit = gap_limit()
                        beats.append(cj)
                        beat_sl.append(sls[j])
                        spk = 0.25 * hs[j] + 0.75 * spk
                        sig_hist.append(hs[j])
                        thr = levels()
            h = hs[k]
            if h >= thr:
                if beats and c - beats[-1] < dist:
                    continue
                if beats and c - beats[-1] < tw and sls[k] < twave_slope * beat_sl[-1]:
                    npk = alpha * h + (1 - alpha) * npk
                    noi_hist.append(h)
                    continue
                if (replace_slope and beats and c - beats[-1] < tw
                        and sls[k] > replace_slope * beat_sl[-1]):
                    # the previous "beat" was a P wave or a spike before this far steeper QRS
                    beats.pop()
                    beat_sl.pop()
                    if rr:
                        rr.pop()
                if beats:
                    rr.append(c - beats[-1])
                limit = gap_limit()
                beats.append(c)
                beat_sl.append(sls[k])
                spk = alpha * h + (1 - alpha) * spk
                sig_hist.append(h)
            else:
                npk = alpha * h + (1 - alpha) * npk
                noi_hist.append(h)
        return np.asarray(beats, dtype=np.int64)

    beats = run(cand)
    if edge_test is None:
        return beats
    # the edge test runs on accepted beats only (far fewer than candidates): an edge among
    # them leaves the candidates and the decision runs again without it
    good: set[int] = set()
    while beats.size:
        new = beats[[b not in good for b in beats.tolist()]]
        bad = edge_test(new) if new.size else np.zeros(0, bool)
        if not bad.any():
            break
        good.update(new[~bad].tolist())
        cand = cand[~np.isin(cand, new[bad])]
        beats = run(cand) if cand.size else cand
    return beats


#: A QRS complex rises and falls: within +-150 ms of it the steepest slope of one sign reaches
#: at least this share of the steepest of the other. A lone edge (an electrode pop, a step of the
#: baseline) stays below (the pops added to the shared MIT-BIH records: median share 0.08 within
#: +-100 ms). Within +-100 ms some wide PVCs of MIT-BIH 208 fell below too (a steep fall into a
#: long S wave), within +-150 ms none: on the full shared records the test drops three artefact
#: detections of record 101 ('|' and '~' marks) and no QRS, and changes no LUDB detection.
_EDGE_BALANCE = 0.1


def edge_like(x: np.ndarray, centers: np.ndarray, fs: float, half_s: float = 0.15, step: int = 1
              ) -> np.ndarray:
    """Which ``centers`` of the ECG ``x`` (1-D, or samples x leads: then per lead, ``(centers,
    leads)``) sit on a single edge rather than a complex: the steepest rise and the steepest
    fall within ``± half_s`` differ more than ``1 / _EDGE_BALANCE`` fold. Centres whose window
    leaves the record are never edges. ``step``: read every ``step``-th sample only (slopes over
    ``step`` samples; for rates far above the QRS band)."""
    r = max(1, round(half_s * fs))
    out = np.zeros((centers.size, *x.shape[1:]), bool)
    inside = (centers >= r) & (centers < x.shape[0] - r - 1)
    if not inside.any():
        return out
    at = np.flatnonzero(inside)
    w = np.take(x, centers[at][:, None] + np.arange(-r, r + 1, step)[None, :], axis=0)
    if w.ndim == 3:  # (centres, window, leads) -> (centres, leads, window): reduce along memory
        w = np.ascontiguousarray(w.transpose(0, 2, 1))
    d = w[..., 1:] - w[..., :-1]
    rise, fall = d.max(axis=-1), -d.min(axis=-1)
    out[at] = np.minimum(rise, fall) < _EDGE_BALANCE * np.maximum(rise, fall)
    return out


def window_max(x: np.ndarray, centers: np.ndarray, radius: int) -> np.ndarray:
    """Maximum of ``x`` within ``± radius`` samples of each centre (gathered, not a full filter)."""
    idx = clip(centers[:, None] + np.arange(-radius, radius + 1)[None, :], 0, x.shape[0] - 1)
    return x[idx].max(axis=1)


def initial_levels(f: np.ndarray, fs: float) -> np.ndarray:
    """Starting (signal, noise) levels per column of ``f``: median 1-s maximum and median
    value over the first 8 s. Returns ``(n_columns, 2)``."""
    n = f.shape[0]
    init_n = min(n, round(8 * fs))
    win = max(1, round(fs))
    m = init_n // win
    head = f[:init_n]
    if f.ndim == 1 or f.shape[1] == 1:  # one column: the same medians from sorts of vectors
        h = head.reshape(-1)
        peak = h[: m * win].reshape(m, win).max(axis=1) if m else h.max(keepdims=True)
        return np.array([[median1(peak), median1(h)]])
    chunks = block_max(head.reshape(head.shape[0], -1), win) if m else head.max(axis=0, keepdims=True)
    return np.stack([median0(chunks), col_median(head.reshape(head.shape[0], -1))], axis=1)


def _beat_windows(x: np.ndarray, beats: np.ndarray, fs: float, half_s: float) -> np.ndarray:
    """``(n_beats, window, ...)`` windows of ``x`` (1-D or 2-D) around each beat, clipped at the ends."""
    r = max(2, round(half_s * fs))
    idx = clip(beats[:, None] + np.arange(-r, r + 1)[None, :], 0, x.shape[0] - 1)
    return x[idx]


def _unit_rows(w: np.ndarray, axis: int) -> np.ndarray:
    """``w`` centred and scaled to unit norm along ``axis`` (``w - mean``, over ``norm + 1e-12``;
    the values of ``np.mean`` and ``np.linalg.norm``, with fewer calls)."""
    add = np.add.reduce
    w = w - add(w, axis=axis, keepdims=True) / w.shape[axis]
    nrm = np.sqrt(add(w * w, axis=axis, keepdims=True))
    nrm += 1e-12
    w /= nrm
    return w


def beat_correlation(x: np.ndarray, beats: np.ndarray, fs: float, half_s: float = 0.06) -> np.ndarray:
    """Correlation of each beat's ±``half_s`` window of ``x`` with the mean normalised beat.

    For a 2-D ``x`` (several leads) the windows of all leads are concatenated, so the
    template is spatio-temporal.
    """
    return window_correlation(_beat_windows(x, beats, fs, half_s))


def window_correlation(win: np.ndarray) -> np.ndarray:
    """:func:`beat_correlation` from the gathered ``(n_beats, window, ...)`` windows."""
    win = _unit_rows(win.reshape(win.shape[0], -1), 1)
    tmpl = np.add.reduce(win, axis=0) / win.shape[0]
    tmpl /= np.sqrt(tmpl.dot(tmpl)) + 1e-12  # np.linalg.norm of a vector
    return win @ tmpl


def lead_consistency(x: np.ndarray, beats: np.ndarray, fs: float, half_s: float = 0.06, *,
                     windows: np.ndarray | None = None) -> np.ndarray:
    """Per-lead :func:`template_consistency` of ``beats`` on ``(n_samples, n_leads)`` ``x``
    (``windows``: the beats' windows of ``x`` when already gathered)."""
    if beats.size < 3:
        return np.ones(x.shape[1])
    win = _unit_rows(_beat_windows(x, beats, fs, half_s) if windows is None else windows, 1)  # (nb, w, L)
    tmpl = np.add.reduce(win, axis=0) / win.shape[0]
    tmpl /= np.sqrt(np.add.reduce(tmpl * tmpl, axis=0, keepdims=True)) + 1e-12
    corr = np.einsum("bwl,wl->bl", win, tmpl)
    return np.add.reduce(np.abs(corr) > 0.6, axis=0, dtype=np.float64) / corr.shape[0]


#: RR series up to this length: the running median of :func:`prune_split_beats` in Python
_PY_MEDIAN_MAX = 64


def _lead_spread(x: np.ndarray, beats: np.ndarray, k: np.ndarray, fs: float) -> np.ndarray:
    """Share of the leads of ``x`` (samples x leads) in which beat ``k``'s ±50-ms peak |x|
    reaches half that lead's median beat peak."""
    r = max(1, round(0.05 * fs))
    idx = clip(beats[:, None] + np.arange(-r, r + 1)[None, :], 0, x.shape[0] - 1)
    peak = np.abs(x[idx]).max(axis=1)  # (beats, leads)
    return np.mean(peak[k] >= 0.5 * median0(peak), axis=1)


def prune_split_beats(beats: np.ndarray, f: np.ndarray, x: np.ndarray, fs: float, *,
                      min_spread: float | None = None) -> np.ndarray:
    """Drop detections that split a normal RR interval and look like noise.

    A beat is removed when it comes early (RR < 0.7 x local median RR), the two
    intervals around it add up to one local median RR (± 25 %), its QRS window
    correlates < 0.7 with the median beat and its feature peak is lower than 1.2 x
    the smaller neighbour. Premature ventricular beats keep their compensatory pause
    and survive. Tuned on the shared MIT-BIH records only. ``min_spread`` (several leads in
    ``x``): a beat seen at >= half its lead's usual QRS size in at least this share of the
    leads is a complex, not a spike, and stays (a PVC that resets the sinus node has no
    compensatory pause: LUDB 125).
    """
    if beats.size < 5:
        return beats
    rr = np.diff(beats).astype(np.float64)
    if rr.min() >= 0.7 * rr.max():  # no interval under 0.7 x any local median (<= the longest)
        return beats
    if rr.size <= _PY_MEDIAN_MAX:
        # a few dozen intervals: the 17-wide running median in Python (sorted windows' middle,
        # the same values as the sorted columns below) costs less than the strided view and sort
        rl = rr.tolist()
        pl = [rl[0]] * 8 + rl + [rl[-1]] * 8  # edge padding
        med = np.array([sorted(pl[i : i + 17])[8] for i in range(len(rl))])
    else:
        pad = np.concatenate([np.full(8, rr[0]), rr, np.full(8, rr[-1])])  # edge padding
        med = median0(np.lib.stride_tricks.sliding_window_view(pad, 17).T)
    h = f[beats]
    k = np.arange(1, beats.size - 1)
    rp, rn, m = rr[k - 1], rr[k], med[k - 1]
    bad = ((rp < 0.7 * m) & (np.abs(rp + rn - m) < 0.25 * m)
           & (h[k] < 1.2 * np.minimum(h[k - 1], h[k + 1])))
    if not bad.any():  # no early, interval-splitting, low beat: the morphology cannot matter
        return beats
    corr = beat_correlation(x, beats, fs)
    bad &= corr[k] < 0.7
    if min_spread is not None and x.ndim == 2 and x.shape[1] >= 3 and bad.any():
        bad[bad] = _lead_spread(x, beats, k[bad], fs) < min_spread
    return np.delete(beats, k[bad])


#: A detection this soon before the next one may be an atrial event (:func:`prune_leading_events`);
#: the T-wave window of :func:`adaptive_pick`
_LEAD_PAIR_S = 0.36


def prune_leading_events(beats: np.ndarray, f: np.ndarray, x: np.ndarray, fs: float) -> np.ndarray:
    """Drop a detection that comes just before a beat of the record's dominant morphology and
    is not one itself: an atrial pacing pulse, a tall P wave or an artefact ahead of a QRS.

    A beat ``k`` goes when the next beat follows within 360 ms and within half the median
    interval between detections (so the fast, irregular intervals of atrial fibrillation,
    where an aberrant beat may come 330 ms before the next, are left alone: CinC 2017
    A00643), the next beat correlates >= 0.8 with the mean beat and ``k`` < 0.5, and ``k``'s
    feature peak is below 0.7 x the next's (or ``k`` sits at the record's first samples,
    where the feature is padded). A normal beat followed by an early PVC is
    kept: the first of that pair is the template-like one. Pacemaker pulses must not count as
    beats (AAMI EC13 4.1.4.1 asks heart-rate meters to reject them); in dual-chamber paced
    ECGs (LUDB 45) the filtered atrial pulse reaches half the QRS feature. Needs >= 5 beats
    for a template.
    """
    if beats.size < 5:
        return beats
    gap = np.diff(beats)
    h = f[beats] if f.ndim == 1 else f[beats].max(axis=-1)
    k = np.flatnonzero(gap < min(_LEAD_PAIR_S * fs, 0.5 * median1(gap.tolist())))
    if k.size == 0:
        return beats
    k = k[(h[k] < 0.7 * h[k + 1]) | (beats[k] <= round(0.05 * fs))]
    if k.size == 0:
        return beats
    corr = beat_correlation(x, beats, fs)
    k = k[(corr[k] < 0.5) & (corr[k + 1] >= 0.8)]
    return np.delete(beats, k) if k.size else beats


def signless_consistency(x: np.ndarray, beats: np.ndarray, fs: float) -> float:
    """:func:`template_consistency` with the template taken up to its sign: the dominant shape
    of the beats' unit windows (their first right singular vector), so that beats of both
    polarities (electrodes swapped part way through a recording) count as one morphology."""
    if beats.size < 3:
        return 1.0
    win = _unit_rows(_beat_windows(x, beats, fs, 0.06).reshape(beats.size, -1), 1)
    shape = np.linalg.svd(win, full_matrices=False)[2][0]
    return float(np.mean(np.abs(win @ shape) > 0.6))


def template_consistency(x: np.ndarray, beats: np.ndarray, fs: float) -> float:
    """Share of beats whose QRS window correlates (in absolute value) > 0.6 with the median beat.

    Real ECG beats repeat a morphology; peaks picked from noise do not. Used as a
    lead-quality weight and as a gate against inventing beats in noise. 1.0 for < 3 beats.
    """
    if beats.size < 3:
        return 1.0
    return float(np.mean(np.abs(beat_correlation(x, beats, fs)) > 0.6))
