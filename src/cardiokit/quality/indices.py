"""Signal quality indices (SQIs) of one lead segment.

ECG indices (Li, Mark & Clifford 2008; Behar et al. 2013; Orphanidou et al. 2015):

=================  =========================================================================
``bsqi``           agreement of two beat detectors of different design: matched beats
                   (within 150 ms) over all beats of either; ``cardiokit`` (slope energy)
                   vs ``zong2003`` (curve length, the wqrs of Li et al.)
``tsqi``           mean correlation of each beat (-0.2..+0.4 s) with the segment's median
                   beat (Orphanidou 2015); 0 with fewer than 2 beats
``ksqi``           kurtosis of the band-passed (0.5-40 Hz) signal (ECG ~ 5-30, noise ~ 3)
``ssqi``           absolute skewness of the band-passed signal
``psqi``           power 5-15 Hz over 5-40 Hz (QRS band share)
``bassqi``         1 - power 0-1 Hz over 0-40 Hz (baseline wander)
``hfsqi``          power >= 40 Hz (mains bands excluded) over 1-40 Hz (muscle/HF noise)
``flat_fraction``  share of 0.2-s windows with peak-to-peak below 10 µV (or constant)
``clip_fraction``  share of samples in runs of >= 3 samples at the segment extremes
``hr_bpm``         heart rate from the primary detector's beats (NaN with < 2 beats)
``beats``          number of beats of the primary detector
=================  =========================================================================

PPG indices (Orphanidou 2015; Elgendi 2016): ``tsqi`` (pulse template correlation),
``ksqi``, ``ssqi``, ``psqi`` (power 0.5-5 Hz over 0-15 Hz), ``flat_fraction``,
``clip_fraction``, ``hr_bpm``, ``beats``.
"""

from __future__ import annotations

import numpy as np

from cardiokit.dsp.filters import bandpass

__all__ = ["ECG_INDICES", "PPG_INDICES", "ecg_segment_indices", "match_fraction", "ppg_beats",
           "ppg_segment_indices"]

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
    if x.size < 3:
        return 0.0
    hi, lo = x.max(), x.min()
    if hi - lo <= 0:
        return 0.0
    eps = 1e-4 * (hi - lo)
    b = (x >= hi - eps) | (x <= lo + eps)
    r = b[:-2] & b[1:-1] & b[2:]
    run = np.zeros_like(b)
    run[:-2] |= r
    run[1:-1] |= r
    run[2:] |= r
    return float(run.mean())


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


def ecg_segment_indices(
    x: np.ndarray, y: np.ndarray, fs: float, beats_a: np.ndarray, beats_b: np.ndarray,
    mv_scale: float | None,
) -> dict[str, float]:
    """ECG indices of one segment: raw ``x``, band-passed ``y``, beats of two detectors
    (sample indices relative to the segment start)."""
    f, p = _spectrum(x, fs)
    k, s = _moments(y)
    qrs_all = _band(f, p, 5.0, 40.0)
    sig = _band(f, p, 1.0, 40.0)
    tot = _band(f, p, 0.0, 40.0)
    hf = float("nan")
    if fs > 90:
        hf_hi = 0.5 * fs
        mains = np.zeros_like(f, bool)
        for line in (50.0, 60.0):
            for m in (1, 2, 3):
                mains |= np.abs(f - m * line) <= 1.5
        keep = (f >= 40.0) & (f < hf_hi) & ~mains
        hf = float(p[keep].sum() / sig) if sig > 0 else float("nan")
    n_a = beats_a.size
    hr = float(60.0 * fs / np.median(np.diff(beats_a))) if n_a >= 2 else float("nan")
    return {
        "bsqi": match_fraction(beats_a, beats_b, round(0.15 * fs)),
        "tsqi": _template_corr(y, beats_a, fs, 0.2, 0.4),
        "ksqi": k,
        "ssqi": s,
        "psqi": _band(f, p, 5.0, 15.0) / qrs_all if qrs_all > 0 else float("nan"),
        "bassqi": 1.0 - _band(f, p, 0.0, 1.0) / tot if tot > 0 else float("nan"),
        "hfsqi": hf,
        "flat_fraction": _flat_fraction(x, fs, mv_scale),
        "clip_fraction": _clip_fraction(x),
        "hr_bpm": hr,
        "beats": float(n_a),
    }


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
