"""Single-lead wave delineation by multiscale smoothed derivatives.

A slope-threshold delineator in the spirit of the wavelet delineator of Martínez et al.
(2004): the quadratic-spline wavelet at scale 2^k is, up to a constant, the derivative of
the signal smoothed at that scale, so we use derivative-of-Gaussian filters whose widths
are given in seconds (any sampling rate works). For each wave:

* the *modulus maxima* (largest slopes) of the wave are found inside a search window set
  by the beat positions and the RR interval;
* the wave peak is the extremum of the smoothed signal between the two slopes of opposite
  sign (the zero crossing of the derivative);
* onset and offset are where the slope modulus falls below a fraction of the outermost
  modulus maximum, or reaches a local minimum, whichever comes first.

References
----------
Martínez JP, Almeida R, Olmos S, Rocha AP, Laguna P. A wavelet-based ECG delineator:
evaluation on standard databases. IEEE Trans Biomed Eng 51(4):570-581, 2004.
Laguna P, Jané R, Caminal P. Automatic detection of wave boundaries in multilead ECG
signals: validation with the CSE database. Comput Biomed Res 27(1):45-60, 1994.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import butter, sosfiltfilt

__all__ = ["FIDUCIALS", "LeadFilters", "delineate_lead", "prepare"]

#: Column names of a delineation array, in order.
FIDUCIALS = ("p_on", "p_peak", "p_off", "qrs_on", "qrs_peak", "qrs_off", "t_on", "t_peak", "t_off")
P_ON, P_PEAK, P_OFF, QRS_ON, QRS_PEAK, QRS_OFF, T_ON, T_PEAK, T_OFF = range(9)


@dataclass(frozen=True)
class Tuning:
    """Widths (s) and thresholds of the delineator (tuned on LUDB, see docs/BENCHMARKS.md)."""

    hp_hz: float = 0.5
    sigma_qrs_s: float = 0.004
    sigma_wave_s: float = 0.010
    sigma_t_s: float = 0.030
    sigma_p_s: float = 0.016
    qrs_sig: float = 0.10  # a slope is part of the QRS if >= this x the largest QRS slope
    qrs_on_xi: float = 0.05
    qrs_off_xi: float = 0.10
    t_on_xi: float = 0.6
    t_off_xi: float = 0.6
    p_on_xi: float = 0.5
    p_off_xi: float = 0.7
    t_min_rel: float = 0.04  # T amplitude >= this x the lead's QRS amplitude
    p_min_rel: float = 0.025
    p_pr_tol_s: float = 0.040


TUNING = Tuning()


@dataclass(frozen=True)
class LeadFilters:
    """Filtered versions of all leads, each ``(n_samples, n_leads)`` float64."""

    hp: np.ndarray  # baseline-removed signal
    smooth: np.ndarray  # smoothed for wave amplitudes
    d_qrs: np.ndarray  # fine-scale derivative (QRS)
    d_t: np.ndarray  # coarse-scale derivative (T)
    d_p: np.ndarray  # medium-scale derivative (P)


def prepare(signals: np.ndarray, fs: float, tuning: Tuning = TUNING, *, highpass: bool = True) -> LeadFilters:
    """Baseline removal and the derivative filters for every lead at once."""
    x = np.asarray(signals, dtype=np.float64)
    if not highpass:
        hp = x
    elif x.shape[0] > 3 * int(2 * fs / max(tuning.hp_hz, 1e-3)) // 10 + 12:
        sos = butter(2, tuning.hp_hz, btype="highpass", fs=fs, output="sos")
        hp = sosfiltfilt(sos, x, axis=0)
    else:
        hp = x - np.median(x, axis=0, keepdims=True)
    sq, sw, st, sp = (s * fs for s in (tuning.sigma_qrs_s, tuning.sigma_wave_s, tuning.sigma_t_s, tuning.sigma_p_s))
    return LeadFilters(
        hp=hp,
        smooth=gaussian_filter1d(hp, sw, axis=0, mode="nearest"),
        d_qrs=gaussian_filter1d(hp, sq, axis=0, order=1, mode="nearest") * fs,
        d_t=gaussian_filter1d(hp, st, axis=0, order=1, mode="nearest") * fs,
        d_p=gaussian_filter1d(hp, sp, axis=0, order=1, mode="nearest") * fs,
    )


def _walk(a: np.ndarray, start: int, limit: int, thr: float) -> int:
    """From ``start`` towards ``limit`` (inclusive), the first sample where ``a`` < ``thr``
    or ``a`` has a local minimum; ``limit`` when neither happens."""
    if start == limit:
        return start
    step = 1 if limit > start else -1
    seg = a[start : limit + step if limit + step >= 0 else None : step]
    if seg.size < 2:
        return start
    below = seg < thr
    # local minimum: not larger than the previous and smaller than the next
    lmin = np.zeros(seg.size, bool)
    lmin[1:-1] = (seg[1:-1] <= seg[:-2]) & (seg[1:-1] < seg[2:])
    hit = np.flatnonzero(below | lmin)
    k = int(hit[0]) if hit.size else seg.size - 1
    return start + step * k


def _local_maxima(a: np.ndarray) -> np.ndarray:
    if a.size < 3:
        return np.array([int(np.argmax(a))]) if a.size else np.zeros(0, int)
    m = np.flatnonzero((a[1:-1] >= a[:-2]) & (a[1:-1] > a[2:])) + 1
    return m


def _qrs(f: LeadFilters, j: int, r: int, lo: int, hi: int, fs: float, tu: Tuning) -> tuple[int, int, int, float]:
    """QRS onset, main-deflection peak, offset and peak-to-peak amplitude of one beat."""
    dq = np.abs(f.d_qrs[:, j])
    c0, c1 = max(lo, r - round(0.09 * fs)), min(hi, r + round(0.09 * fs))
    if c1 - c0 < 3:
        return -1, -1, -1, 0.0
    seg = dq[c0:c1]
    amax = float(seg.max())
    if not amax > 0:
        return -1, -1, -1, 0.0
    lm = _local_maxima(seg)
    lm = lm[seg[lm] >= tu.qrs_sig * amax]
    if lm.size == 0:
        lm = np.array([int(np.argmax(seg))])
    n_first, n_last = c0 + int(lm[0]), c0 + int(lm[-1])
    on = _walk(dq, n_first, lo, tu.qrs_on_xi * dq[n_first])
    off = _walk(dq, n_last, hi, tu.qrs_off_xi * dq[n_last])
    x = f.hp[on : off + 1, j]
    base = 0.5 * (x[0] + x[-1])
    peak = on + int(np.argmax(np.abs(x - base)))
    return on, peak, off, float(x.max() - x.min())


def _wave(d: np.ndarray, s: np.ndarray, base0: float, base1: float, lo: int, hi: int, m0: int, m1: int,
          w: int, xi_on: float, xi_off: float) -> tuple[int, int, int, float]:
    """Onset, peak, offset and amplitude of a P or T wave.

    The peak is the largest deviation of the smoothed signal ``s`` from the baseline (a line
    from ``base0`` at ``lo`` to ``base1`` at ``hi``) inside ``m0:m1``; the boundaries come
    from the steepest slopes within ``w`` samples before and after the peak; they may go
    from ``lo`` to ``hi``.
    """
    if m1 - m0 < 3 or hi - lo < 3:
        return -1, -1, -1, 0.0
    seg = s[m0:m1] - (base0 + (base1 - base0) * (np.arange(m0, m1) - lo) / (hi - lo))
    k = int(np.argmax(np.abs(seg)))
    if k == 0 or k == seg.size - 1:  # monotonic: no wave in the window
        return -1, -1, -1, 0.0
    peak = m0 + k
    up = seg[k] > 0
    a0, b1 = max(lo, peak - w), min(hi, peak + w)
    if peak - a0 < 2 or b1 - peak < 2:
        return -1, -1, -1, 0.0
    left, right = d[a0:peak], d[peak + 1 : b1 + 1]
    a = a0 + int(np.argmax(left) if up else np.argmin(left))
    b = peak + 1 + int(np.argmin(right) if up else np.argmax(right))
    ad = np.abs(d)
    on = _walk(ad, a, lo, xi_on * ad[a])
    off = _walk(ad, b, hi, xi_off * ad[b])
    return on, peak, off, float(abs(seg[k]))


def delineate_lead(f: LeadFilters, j: int, r: np.ndarray, fs: float, tu: Tuning = TUNING,
                   *, rr_s: float | None = None) -> np.ndarray:
    """``(n_beats, 9)`` fiducials of lead ``j`` given beat positions ``r``; -1 = absent.

    ``rr_s`` is the RR interval assumed where a beat has no neighbour (default: the median RR,
    or 1 s for a single beat).
    """
    n = f.hp.shape[0]
    nb = r.size
    out = np.full((nb, 9), -1, np.int64)
    if nb == 0:
        return out
    rr = np.diff(r) / fs
    med_rr = rr_s if rr_s is not None else (float(np.median(rr)) if rr.size else 1.0)
    rr_next = np.append(rr, med_rr) if rr.size else np.array([med_rr])
    rr_prev = np.insert(rr, 0, med_rr) if rr.size else np.array([med_rr])
    qamp = np.zeros(nb)
    tamp = np.zeros(nb)
    pamp = np.zeros(nb)
    ms = lambda sec: round(sec * fs)  # noqa: E731
    for i, ri in enumerate(r):
        ri = int(ri)
        lo = max(0, ri - ms(0.16), ri - ms(0.5 * rr_prev[i]))
        hi = min(n - 1, ri + ms(0.18), ri + ms(0.5 * rr_next[i]))
        on, pk, off, qa = _qrs(f, j, ri, lo, hi, fs, tu)
        if on < 0:
            continue
        out[i, QRS_ON:QRS_OFF + 1] = on, pk, off
        qamp[i] = qa
    # T and P need the QRS boundaries of the neighbours
    for i, ri in enumerate(r):
        ri = int(ri)
        on, off = out[i, QRS_ON], out[i, QRS_OFF]
        if on < 0:
            continue
        rn = rr_next[i]
        nxt_on = out[i + 1, QRS_ON] if i + 1 < nb and out[i + 1, QRS_ON] >= 0 else min(n - 1, ri + ms(rn))
        t_hi = min(nxt_on - ms(0.04), ri + ms(min(0.75 * rn, 0.72)), n - 1)
        t_m0 = off + ms(0.06)
        t_m1 = min(t_hi, ri + ms(min(0.6 * rn, 0.55)))
        sm = f.smooth[:, j]
        b0 = float(sm[max(on - ms(0.01), 0)])
        b1 = float(sm[max(nxt_on - ms(0.01), 0)])
        ton, tpk, toff, ta = _wave(f.d_t[:, j], sm, b0, b1, off, t_hi, t_m0, t_m1, ms(0.2),
                                   tu.t_on_xi, tu.t_off_xi)
        if ton >= 0:
            out[i, T_ON:T_OFF + 1] = ton, tpk, toff
            tamp[i] = ta
        prev_end = out[i - 1, T_OFF] if i > 0 and out[i - 1, T_OFF] >= 0 else (
            out[i - 1, QRS_OFF] if i > 0 and out[i - 1, QRS_OFF] >= 0 else 0
        )
        p_lo = max(prev_end, on - ms(0.36), 0)
        p_m0 = max(prev_end, on - ms(0.30), 0)
        p_m1 = on - ms(0.02)
        pon, ppk, poff, pa = _wave(f.d_p[:, j], sm, b0, b0, p_lo, on, p_m0, p_m1, ms(0.08),
                                   tu.p_on_xi, tu.p_off_xi)
        if pon >= 0:
            out[i, P_ON:P_OFF + 1] = pon, ppk, poff
            pamp[i] = pa
    # presence: amplitude relative to the lead's QRS, and a stable PR interval for P
    ref = float(np.median(qamp[qamp > 0])) if np.any(qamp > 0) else 0.0
    out[tamp < tu.t_min_rel * ref, T_ON:T_OFF + 1] = -1
    out[pamp < tu.p_min_rel * ref, P_ON:P_OFF + 1] = -1
    has_p = out[:, P_PEAK] >= 0
    if has_p.sum() >= 3:
        pr = (out[has_p, QRS_ON] - out[has_p, P_PEAK]) / fs
        bad = np.abs(pr - np.median(pr)) > tu.p_pr_tol_s
        idx = np.flatnonzero(has_p)[bad]
        out[idx, P_ON:P_OFF + 1] = -1
    return out
