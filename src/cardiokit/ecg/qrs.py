"""Heart-beat (QRS) detection on ECG recordings: :func:`detect_beats`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from cardiokit._core.errors import AnalysisError, InvalidArgumentError
from cardiokit._core.recording import Recording
from cardiokit._core.results import Beats
from cardiokit.dsp._fast import clip, col_max, median0, median1
from cardiokit.dsp.filters import SpectrumNote, decimated_band_rows, design_sos, filtfilt_sos
from cardiokit.dsp.peaks import refine_extrema

from ._qrs_common import (
    _band_sos,
    _beat_windows,
    band,
    band_rows,
    col_median,
    lead_consistency,
    signless_consistency,
    template_consistency,
    window_correlation,
)
from ._qrs_methods import METHODS, cardiokit_fused
from .clean import clean_array, cleaned_spectrum, ecg_channel_indices

__all__ = ["METHODS", "detect_beats", "detect_beats_array", "detect_beats_per_lead"]

#: Below this share of template-like beats a lead's detections are treated as noise
#: (a back-stop: the prominence test below is what separates noise from ECG).
_MIN_CONSISTENCY = 0.25
#: Each detected QRS must rise this many times above the lead's median |slope| ...
_MIN_PROMINENCE = 4.0
#: ... and the detections' median this many times. On 150 white/brown/coloured noise
#: traces the median stayed <= 4.2; on LUDB leads it is >= 11.7 for 99 % of them (>= 15 in
#: the noisiest MIT-BIH record). Twice it is required below 3 beats.
_MIN_MEDIAN_PROMINENCE = 6.0
#: Lowest sampling rate accepted (Nyquist above the 5-22 Hz QRS band).
_MIN_FS_HZ = 50.0
#: Detection sampling rate floor: signals at >= twice this rate are block-averaged.
_DETECT_FS_HZ = 180.0
#: The same floor for the fused multi-lead detector (500 Hz -> 167 Hz, 1 kHz -> 167 Hz; 360 Hz
#: stays at 180 Hz): the lead average is smoother than one lead; on LUDB its accuracy held at
#: 167 Hz (with peaks at the record ends allowed, :func:`cardiokit.ecg._qrs_methods.cardiokit_fused`).
_FUSED_DETECT_FS_HZ = 160.0


def _check(name: str, value: float, lo: float, hi: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{name} must be a number; got {value!r}") from None
    if not (lo <= v <= hi):
        raise InvalidArgumentError(f"{name} must be between {lo:g} and {hi:g}; got {value!r}")
    return v


def _gate(beats: np.ndarray, x_bp: np.ndarray, slope: np.ndarray, floor: float, fs: float
          ) -> tuple[np.ndarray, float]:
    """Honest-result gate: (beats, quality) with beats emptied when they look like noise.

    ``slope`` is ``|diff(x_bp)|`` and ``floor`` its median.
    """
    if beats.size == 0:
        return beats, 0.0
    r = max(1, round(0.05 * fs))
    idx = clip(beats[:, None] + np.arange(-r, r + 1)[None, :], 0, slope.size - 1)
    peak = slope[idx].max(axis=1) if slope.size else np.zeros(beats.size)
    # a (nearly) flat lead has a zero median slope: measure against its largest slope
    floor = max(floor, 1e-3 * float(peak.max()))
    prominent = peak > _MIN_PROMINENCE * floor
    beats = beats[prominent]
    if beats.size == 0:
        return beats, 0.0
    med = median1(peak[prominent]) / floor
    # too few beats to judge morphology: demand clearly outstanding complexes
    if med < _MIN_MEDIAN_PROMINENCE or (beats.size < 3 and med < 2 * _MIN_MEDIAN_PROMINENCE):
        return beats[:0], 0.0
    # judge morphology as detected and aligned at the band-passed peak (the better of
    # the two: alignment helps wide complexes, hurts paced ones with spikes)
    q = max(template_consistency(x_bp, beats, fs),
            template_consistency(x_bp, refine_extrema(x_bp, beats, radius=round(0.05 * fs)), fs))
    if beats.size >= 3 and q < _MIN_CONSISTENCY:
        # the mean beat cancels when the lead's polarity flips part way through: judge the
        # morphology up to its sign before calling the beats noise
        q = signless_consistency(x_bp, beats, fs)
        if q < _MIN_CONSISTENCY:
            return beats[:0], 0.0
    return beats, q


def _gate_fused(beats: np.ndarray, x_bp: np.ndarray, slope: np.ndarray, floors: np.ndarray,
                fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Multi-lead form of :func:`_gate`: (kept beats, per-lead consistency)."""
    n_leads = x_bp.shape[1]
    if beats.size == 0:
        return beats, np.zeros(n_leads)
    r = max(1, round(0.05 * fs))
    idx = clip(beats[:, None] + np.arange(-r, r + 1)[None, :], 0, slope.shape[0] - 1)
    st = slope.T  # rows (leads, n) when slope is their transpose: gather along memory
    if st.flags.c_contiguous:  # (beats, leads); the maxima by argmax and a gather (faster over short rows)
        win = st[:, idx]
        peak = win.reshape(-1)[win.argmax(axis=2) + np.arange(0, win.size, win.shape[2]).reshape(win.shape[:2])].T
    else:
        peak = slope[idx].max(axis=1)
    floors = np.maximum(floors, 1e-3 * peak.max(axis=0))
    ratio = peak / np.where(floors > 0, floors, 1.0)
    strength = _row_percentile75(ratio)  # most leads need not show every QRS
    beats = beats[strength > _MIN_PROMINENCE]
    if beats.size == 0:
        return beats, np.zeros(n_leads)
    med = median1(strength[strength > _MIN_PROMINENCE])
    if med < _MIN_MEDIAN_PROMINENCE or (beats.size < 3 and med < 2 * _MIN_MEDIAN_PROMINENCE):
        return beats[:0], np.zeros(n_leads)
    if beats.size < 3:
        return beats, np.ones(n_leads)
    # the consistency test compares whole +-60 ms windows; a window cut by the record's start or
    # end is padded with its edge sample, and two such windows look alike (12 leads of white
    # noise: hits at the first and last sample plus one inside passed as 3 consistent beats). With
    # fewer than 3 whole windows the prominence must carry the beats, as for fewer than 3 beats
    half = max(2, round(0.06 * fs))
    n_whole = int(np.count_nonzero((beats >= half) & (beats < x_bp.shape[0] - half)))
    if n_whole < 3 and med < 2 * _MIN_MEDIAN_PROMINENCE:
        return beats[:0], np.zeros(n_leads)
    aligned = _refine_on_lead_sum(x_bp, beats, round(0.05 * fs))
    w_raw = _beat_windows(x_bp, beats, fs, 0.06)
    w_al = w_raw if np.array_equal(aligned, beats) else _beat_windows(x_bp, aligned, fs, 0.06)
    q_raw = _window_consistency(w_raw)
    q_al = q_raw if w_al is w_raw else _window_consistency(w_al)
    if max(q_raw, q_al) < _MIN_CONSISTENCY:
        return beats[:0], np.zeros(n_leads)
    return beats, lead_consistency(x_bp, beats if q_raw >= q_al else aligned, fs,
                                   windows=w_raw if q_raw >= q_al else w_al)


def _refine_on_lead_sum(x: np.ndarray, beats: np.ndarray, radius: int) -> np.ndarray:
    """``refine_extrema(np.abs(x).sum(axis=1), beats, radius=radius)`` summing only the
    samples within reach of the beats."""
    n = x.shape[0]
    idx = beats[:, None] + np.arange(-radius, radius + 1)[None, :]
    vals = np.abs(x[clip(idx, 0, n - 1)]).sum(axis=2)
    vals[(idx < 0) | (idx >= n)] = -np.inf
    return clip(idx[np.arange(beats.size), vals.argmax(axis=1)], 0, n - 1)


def _window_consistency(win: np.ndarray) -> float:
    """:func:`template_consistency` from the beats' ``(n_beats, window, n_leads)`` windows."""
    c = window_correlation(win)
    return np.count_nonzero(np.abs(c) > 0.6) / c.size  # the mean of the flags


def _row_percentile75(a: np.ndarray) -> np.ndarray:
    """``np.percentile(a, 75, axis=1)`` of a 2-D array (same linear interpolation and
    rounding as numpy's; a sort of the short rows is faster than its partition)."""
    n = a.shape[1]
    s = np.sort(a, axis=1)
    if n == 0 or np.isnan(s[:, -1]).any():
        return np.percentile(a, 75, axis=1)
    vi = (n - 1) * 0.75
    lo = math.floor(vi)
    hi = min(lo + 1, n - 1)
    g = vi - lo
    lo_v, hi_v = s[:, lo], s[:, hi]
    diff = hi_v - lo_v
    return hi_v - diff * (1 - g) if g >= 0.5 else lo_v + diff * g


def _fuse(per_lead: list[np.ndarray], weights: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Weighted vote across leads: (cluster samples from the best voting lead, vote share)."""
    total = float(weights.sum())
    if total <= 0:
        return np.zeros(0, np.int64), np.zeros(0)
    samp = np.concatenate(per_lead)
    lead = np.concatenate([np.full(b.size, i) for i, b in enumerate(per_lead)])
    if samp.size == 0:
        return samp.astype(np.int64), np.zeros(0)
    order = np.argsort(samp, kind="stable")
    samp, lead = samp[order], lead[order]
    tol = max(1, round(0.1 * fs))
    # a new cluster starts where the gap to the previous detection exceeds the tolerance
    starts = np.flatnonzero(np.concatenate([[True], np.diff(samp) > tol]))
    cluster = np.cumsum(np.concatenate([[True], np.diff(samp) > tol])) - 1
    ncl = starts.size
    # vote of each lead counted once per cluster
    key = cluster * len(per_lead) + lead
    uk = np.unique(key)
    votes = np.bincount(uk // len(per_lead), weights=weights[uk % len(per_lead)], minlength=ncl)
    share = votes / total
    # representative: the detection of the highest-weight lead in the cluster
    score = weights[lead] * 1e6 - np.arange(samp.size) * 1e-9
    best = np.full(ncl, -np.inf)
    np.maximum.at(best, cluster, score)
    pick = score == best[cluster]
    rep = samp[pick]
    keep = share > 0.5
    return rep[keep].astype(np.int64), share[keep]


def _inputs(x: np.ndarray, fs_hz: float, method: str, *, keep_f32: bool = False) -> tuple[np.ndarray, float]:
    """Validated ``(samples x leads)`` float64 array and sampling rate for the array detectors
    (``keep_f32``: a float32 array stays float32, for callers that convert what they read)."""
    if method not in METHODS:
        raise InvalidArgumentError(f"unknown method {method!r}; choose one of: {', '.join(METHODS)}")
    arr = np.asarray(x)
    if not (keep_f32 and arr.dtype == np.float32):
        arr = arr.astype(np.float64, copy=False)
    if arr.ndim == 1:
        arr = arr[:, None]
    return arr, _check("fs_hz", fs_hz, 1e-9, 1e6)


def detect_beats_array(
    x: np.ndarray,
    *,
    fs_hz: float,
    method: str = "cardiokit",
    spectrum: SpectrumNote | None = None,
) -> tuple[np.ndarray, dict]:
    """Core of :func:`detect_beats` on an ``(n_samples, n_leads)`` array.

    Returns (R-fiducial samples, details) where details holds per-lead quality, the
    fiducial lead index and the vote share of each beat. ``spectrum``: the filtered spectrum
    :func:`cardiokit.ecg.clean` kept of ``x`` (its cleaned signals); the fused detector then
    takes its band from it (:func:`cardiokit.dsp.filters.decimated_band_rows`).
    """
    arr, fs = _inputs(x, fs_hz, method, keep_f32=True)  # float32 stays: read as float64 below
    n, n_leads = arr.shape
    details: dict = {"lead_quality": [0.0] * n_leads, "fiducial_lead": 0,
                     "vote_share": np.zeros(0)}
    if fs < _MIN_FS_HZ:
        raise AnalysisError(
            f"beat detection needs fs >= {_MIN_FS_HZ:g} Hz (the QRS band reaches 22 Hz); got {fs:g} Hz"
        )
    if n < max(8, round(0.5 * fs)):  # under half a second: no complete beat to judge
        return np.zeros(0, np.int64), details
    raw = arr
    fused = method == "cardiokit" and n_leads >= 3
    # Detection runs at fs / q (180-360 Hz; fused: 160-320 Hz): block means of q samples, whose
    # first spectral null sits at the new rate, are ample anti-aliasing for a 5-22 Hz detector.
    floor_hz = _FUSED_DETECT_FS_HZ if fused else _DETECT_FS_HZ
    q = int(fs // floor_hz) if fs >= 2 * floor_hz else 1
    rows = None
    if fused and q > 1 and spectrum is not None and spectrum.n == n and spectrum.spec.shape[1] == n_leads:
        # the cleaned signals' spectrum at hand: the band without the block means (the
        # fiducial lead's are taken below) and without a filter pass
        rows = decimated_band_rows(spectrum, fs_hz=fs, q=q, sos=_band_sos(fs / q, 5.0, 22.0))
    if rows is not None:
        arr = None
        fs = fs / q
    elif q > 1:
        arr = _block_mean(raw, q)
        fs = fs / q
    else:
        arr = raw.astype(np.float64, copy=False)
    # the fused detector works on (leads, n) rows, time along memory; qbp is their transpose
    if fused and rows is None:
        rows = band_rows(arr, fs, 5.0, 22.0)
    qbp = rows.T if rows is not None else band(arr, fs, 5.0, 22.0)
    # flat leads (constant, or only float rounding left after filtering) carry no beats
    if rows is not None:
        # the largest |value| of any lead bounds each lead's: most records need no per-lead one,
        # and a lead whose band-passed maximum already exceeds the bound needs no minimum
        src = raw if arr is None else arr
        bound = 1e-6 * max(float(src.max()), -float(src.min())) + 1e-12
        qmax = rows.max(axis=1)
        if (qmax <= bound).any():
            qmax = np.maximum(qmax, -rows.min(axis=1))
            flat = qmax <= 1e-6 * _abs_max(src) + 1e-12 if (qmax <= bound).any() else np.zeros(n_leads, bool)
        else:
            flat = np.zeros(n_leads, bool)
    else:
        flat = _abs_max(qbp) <= 1e-6 * _abs_max(arr) + 1e-12
    if flat.all():
        return np.zeros(0, np.int64), details
    if flat.any():
        qbp[:, flat] = 0.0
        if arr is not None:
            arr = arr.copy()
            arr[:, flat] = np.median(arr[:, flat], axis=0)
    if rows is not None:
        slope_rows = np.subtract(rows[:, 1:], rows[:, :-1])
        slope = np.abs(slope_rows, out=slope_rows).T
        floors = col_median(slope[:: max(1, slope.shape[0] // 20000)])
    else:
        slope = np.abs(np.diff(qbp, axis=0))
        # median slope per lead; a strided subsample is plenty for a noise floor
        floors = col_median(slope[:: max(1, slope.shape[0] // 20000)])
    if fused:
        beats, w = _gate_fused(cardiokit_fused(arr, fs, qbp, raw=raw, q=q), qbp, slope, floors, fs)
        details["lead_quality"] = [round(float(v), 4) for v in w]
        if beats.size == 0:
            return beats, details
        amp = median0(np.abs(qbp[beats])) / np.maximum(floors, 1e-12)
        cand = np.flatnonzero(w >= 0.9 * w.max())
        best = int(cand[amp[cand].argmax()])
        share = None  # one detection: every beat has the whole vote (ones, made below)
    else:
        per_lead, quality = [], []

        def run(cols: slice) -> None:
            for j, b in enumerate(METHODS[method](arr[:, cols], fs, qbp[:, cols]), cols.start):
                g, qj = _gate(np.asarray(b, np.int64), qbp[:, j], slope[:, j], float(floors[j]), fs)
                per_lead.append(g)
                quality.append(qj)

        if n_leads == 2:
            # the second lead can only matter when the first scores below 0.5 (see below)
            run(slice(0, 1))
            if quality[0] < 0.5:
                run(slice(1, 2))
            else:
                per_lead.append(np.zeros(0, np.int64))
                quality.append(float("nan"))
        else:
            run(slice(0, n_leads))
        w = np.nan_to_num(np.asarray(quality), nan=0.0)
        details["lead_quality"] = [round(float(v), 4) for v in quality]
        if not np.any(w > 0):
            return np.zeros(0, np.int64), details
        best = int(np.argmax(w))
        if n_leads <= 2:
            # two leads cannot outvote each other: keep the first (primary) lead unless its
            # morphology is much less consistent than the second's (or it failed the gate)
            best = 0 if w[0] >= 0.5 * w.max() else best
            beats, share = per_lead[best], np.ones(per_lead[best].size)
        else:
            beats, share = _fuse(per_lead, w, fs)
    details["fiducial_lead"] = best
    col = _block_mean(raw[:, best], q) if arr is None else arr[:, best]  # the same values
    cl = filtfilt_sos(col, _clean_sos(fs))
    beats = refine_extrema(cl, beats, radius=max(1, round(0.08 * fs)))
    beats, share = _dedupe(beats, share, np.abs(cl), max(1, round(0.2 * fs)))
    if q > 1:
        # back to the full rate: the raw extremum (same polarity as the cleaned
        # deflection) within one block either side of the decimated fiducial
        centre = beats * q + (q - 1) // 2
        idx = clip(centre[:, None] + np.arange(-q, q + 1)[None, :], 0, n - 1)
        vals = raw[idx, best] * np.sign(cl[beats])[:, None]
        beats = idx[np.arange(beats.size), vals.argmax(axis=1)] if beats.size else beats
    share = np.ones(beats.size) if share is None else np.round(share, 3)
    share.flags.writeable = False
    details["vote_share"] = share
    return beats.astype(np.int64), details


def detect_beats_per_lead(x: np.ndarray, *, fs_hz: float, method: str = "cardiokit") -> list[np.ndarray]:
    """Beats of every column on its own, as ``detect_beats_array(x[:, [j]])`` gives them.

    The same single-lead path (decimation, band-pass, detector, honest-result gate, R
    refinement, back to full rate) with the filtering done once for all columns; used
    where per-lead detections are compared (e.g. beat-agreement quality indices).
    """
    raw, fs = _inputs(x, fs_hz, method)
    n, n_leads = raw.shape
    empty = [np.zeros(0, np.int64) for _ in range(n_leads)]
    if fs < _MIN_FS_HZ:
        raise AnalysisError(
            f"beat detection needs fs >= {_MIN_FS_HZ:g} Hz (the QRS band reaches 22 Hz); got {fs:g} Hz"
        )
    if n < max(8, round(0.5 * fs)):
        return empty
    q = int(fs // _DETECT_FS_HZ) if fs >= 2 * _DETECT_FS_HZ else 1
    arr = raw
    if q > 1:
        arr = _block_mean(raw, q)
        fs = fs / q
    qbp = band(arr, fs, 5.0, 22.0)
    flat = _abs_max(qbp) <= 1e-6 * _abs_max(arr) + 1e-12
    slope = np.abs(np.diff(qbp, axis=0))
    floors = col_median(slope[:: max(1, slope.shape[0] // 20000)])
    live = np.flatnonzero(~flat)
    if live.size == 0:
        return empty
    found = METHODS[method](arr[:, live], fs, qbp[:, live])
    cleaned = clean_array(arr[:, live], fs_hz=fs, powerline_hz=None)
    out = list(empty)
    for k, j in enumerate(live):
        beats, quality = _gate(np.asarray(found[k], np.int64), qbp[:, j], slope[:, j], float(floors[j]), fs)
        if not quality > 0:
            continue
        cl = cleaned[:, k]
        beats = refine_extrema(cl, beats, radius=max(1, round(0.08 * fs)))
        beats, _ = _dedupe(beats, None, np.abs(cl), max(1, round(0.2 * fs)))
        if q > 1 and beats.size:
            centre = beats * q + (q - 1) // 2
            idx = clip(centre[:, None] + np.arange(-q, q + 1)[None, :], 0, n - 1)
            vals = raw[idx, j] * np.sign(cl[beats])[:, None]
            beats = idx[np.arange(beats.size), np.argmax(vals, axis=1)]
        out[j] = beats.astype(np.int64)
    return out


@lru_cache(maxsize=32)
def _clean_sos(fs: float) -> np.ndarray:
    """The fiducial lead's 0.5-40 Hz band-pass at ``fs`` (order 2), cached per rate."""
    return design_sos(fs_hz=fs, low_hz=0.5, high_hz=40.0, order=2)


def _block_mean(x: np.ndarray, q: int) -> np.ndarray:
    """Means of ``q`` consecutive rows of ``x`` (the rows left over at the end are dropped),
    float64 (a float32 ``x`` gives the values of its float64 copy)."""
    m = x.shape[0] // q
    if q == 2:  # (a + b) / 2, bit for bit what the mean of the reshaped blocks gives
        out = np.add(x[0 : 2 * m : 2], x[1 : 2 * m : 2], dtype=np.float64)  # float32 read as float64
        out *= 0.5
        return out
    if q < 8:  # the q rows of each block added in order, then / q: what mean gives, bit for bit
        out = np.add(x[0 : m * q : q], x[1 : m * q : q], dtype=np.float64)
        for k in range(2, q):
            out += x[k : m * q : q]
        out /= q
        return out
    x = x.astype(np.float64, copy=False)
    return x[: m * q].reshape(m, q, *x.shape[1:]).mean(axis=1)


def _abs_max(x: np.ndarray) -> np.ndarray:
    """``np.abs(x).max(axis=0)`` of ``(n, leads)`` ``x`` without the temporary."""
    return np.maximum(col_max(x), -col_max(x, np.minimum))


def _dedupe(beats: np.ndarray, share: np.ndarray | None, amp: np.ndarray, dist: int
            ) -> tuple[np.ndarray, np.ndarray | None]:
    """Sort and drop the smaller of two beats closer than ``dist`` after refinement
    (``share``, the beats' vote shares, follows them; None stays None)."""
    if beats.size < 2:
        return beats, share
    step = beats[1:] - beats[:-1]
    if not (step > 0).all():  # ascending beats: the stable sort would leave them as they are
        order = np.argsort(beats, kind="stable")
        beats = beats[order]
        share = None if share is None else share[order]
        step = beats[1:] - beats[:-1]
    if step.min() >= dist:  # (then the loop would keep them all)
        return beats, share
    keep = np.ones(beats.size, bool)
    last = 0
    for i in range(1, beats.size):
        if beats[i] - beats[last] < dist:
            if amp[beats[i]] > amp[beats[last]]:
                keep[last] = False
                last = i
            else:
                keep[i] = False
        else:
            last = i
    return beats[keep], None if share is None else share[keep]


def detect_beats(
    rec: Recording,
    *,
    method: str = "cardiokit",
    leads: int | str | Sequence[int | str] | None = None,
) -> Beats:
    """Detect heart beats; ``Beats.samples`` are R fiducials in ``rec`` sample indices.

    Methods (all return the same :class:`Beats`):

    * ``"cardiokit"`` (default): RMS slope energy of the 5-22 Hz band, narrowed to
      5-15 Hz where muscle noise rises, adaptive thresholds, search-back, T-wave,
      P-wave and noise-spike rejection, and no beat on a lone edge of the signal (an
      electrode pop or baseline step: :func:`cardiokit.ecg._qrs_common.edge_like`)
      (:func:`cardiokit.ecg._qrs_methods.cardiokit`);
    * ``"pantompkins1985"``: Pan & Tompkins (1985) IEEE TBME 32:230;
    * ``"hamilton2002"``: Hamilton (2002) Comput Cardiol 29:101 (OSEA);
    * ``"elgendi2010"``: Elgendi et al. (2010) BIOSIGNALS 428;
    * ``"zong2003"``: Zong, Moody & Jiang (2003) Comput Cardiol 30:737.

    Every adaptive-threshold method restarts its signal and noise levels from the last 8 s
    after 8 s without a beat (as OSEA does), so a sudden drop of the ECG's amplitude does not
    end detection for the rest of the record.

    Signals at >= 360 Hz are block-averaged to 180-360 Hz for detection (the QRS
    band is far below; the fused multi-lead detector: >= 320 Hz to 160-320 Hz, e.g. 500 Hz
    to 167 Hz); the fiducial is found again at the full rate. On the output of
    :func:`cardiokit.ecg.clean` (the very recording it returned) the fused detector takes its
    5-22 Hz band from the spectrum the cleaning filtered (one short inverse FFT instead of the
    block means and a filter pass; the same band to ~1e-4 except within ~0.2 s of the ends).

    ``leads``: channels to use (names or indices; default every ECG channel).
    Published methods run on each lead; a lead whose detections are not QRS-like
    (complexes not standing 4x, and their median 6x, above the lead's median slope, or
    fewer than 25 % of beats correlating > 0.6 with the mean beat) contributes
    nothing, so flat lines and pure noise give an empty result rather than invented
    beats. With two leads the first one is used unless its morphology is far less
    consistent than the second's; with three or more, per-lead detections are
    clustered within 100 ms and kept when leads holding > 50 % of the quality weight
    agree. The default method with three or more leads instead fuses the leads'
    normalised features and detects once
    (:func:`cardiokit.ecg._qrs_methods.cardiokit_fused`), with the same gate.

    Fiducial (one lead for the whole record, the most consistent / largest one): the
    largest absolute deflection of the cleaned (0.5-40 Hz) lead within ±80 ms of the
    detection, then the raw extremum of that polarity within one decimation block;
    beats closer than 200 ms are merged. ``Beats.leads`` lists the leads used,
    ``Beats.extra`` holds ``fiducial_lead``, ``lead_quality`` (0-1 per lead; NaN for a
    second lead that did not need evaluating) and ``vote_share``.
    """
    if not isinstance(rec, Recording):
        raise InvalidArgumentError(f"detect_beats() needs a Recording; got {type(rec).__name__}")
    if not isinstance(method, str) or method not in METHODS:
        raise InvalidArgumentError(f"unknown method {method!r}; choose one of: {', '.join(METHODS)}")
    idx = ecg_channel_indices(rec, leads)
    sig = rec.signals if idx == list(range(rec.n_channels)) else rec.signals[:, idx]
    beats, details = detect_beats_array(sig, fs_hz=rec.fs, method=method,
                                        spectrum=cleaned_spectrum(sig, idx))
    names = tuple(rec.channels[i].name for i in idx)
    details["fiducial_lead"] = names[details["fiducial_lead"]]
    details["lead_quality"] = dict(zip(names, details["lead_quality"], strict=True))
    return Beats(samples=beats, fs=rec.fs, method=method, leads=names, n_samples=rec.n_samples,
                 extra=details)
