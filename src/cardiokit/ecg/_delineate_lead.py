"""Per-lead wave delineation by multiscale smoothed derivatives, vectorised over beats x leads.

A slope-threshold delineator in the spirit of the wavelet delineator of Martínez et al.
(2004): the quadratic-spline wavelet at scale 2^k is, up to a constant, the derivative of
the signal smoothed at that scale, so we use derivative-of-Gaussian filters whose widths
are given in seconds (any sampling rate works). For each wave:

* the *modulus maxima* (largest slopes) of the wave are found inside a search window set
  by the beat positions and the RR interval;
* the wave peak is the extremum of the smoothed signal between the two slopes of opposite
  sign (the zero crossing of the derivative);
* onset and offset are where the slope modulus falls below a fraction of the outermost
  modulus maximum, or reaches a local minimum, whichever comes first;
* a QRS slope counts (as the outermost maximum) when it is at least 10 % of the largest and
  well above the lead's noise level around that beat (:func:`_qrs_noise`), so muscle noise
  does not stretch the QRS (Martínez et al. set their thresholds from the RMS of the
  wavelet transform for the same reason).

Every step works on ``(n_beats, n_leads, window)`` matrices gathered once per wave with
fancy indexing (no Python loop over beats or leads); long recordings are processed in
blocks of beats so memory stays bounded. The settings (:class:`Tuning`) and the filters
searched (:func:`prepare`) are in :mod:`._delineate_filters`.

References
----------
Martínez JP, Almeida R, Olmos S, Rocha AP, Laguna P. A wavelet-based ECG delineator:
evaluation on standard databases. IEEE Trans Biomed Eng 51(4):570-581, 2004.
Laguna P, Jané R, Caminal P. Automatic detection of wave boundaries in multilead ECG
signals: validation with the CSE database. Comput Biomed Res 27(1):45-60, 1994.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..dsp._fast import median1 as _median
from ._delineate_filters import TUNING, LeadFilters, Tuning
from ._delineate_ops import (
    _argbest,
    _at,
    _gather,
    _gather2,
    _gather_rows,
    _lead_rows,
    _refine2,
    _rows,
    _stack3,
    _vertex,
    _walks,
)

__all__ = ["FIDUCIALS", "delineate_leads"]

#: Column names of a delineation array, in order.
FIDUCIALS = ("p_on", "p_peak", "p_off", "qrs_on", "qrs_peak", "qrs_off", "t_on", "t_peak", "t_off")
P_ON, P_PEAK, P_OFF, QRS_ON, QRS_PEAK, QRS_OFF, T_ON, T_PEAK, T_OFF = range(9)

#: P waves are searched in the T waves' pass when every RR interval is at least this long (s):
#: the previous T wave then rarely reaches into the P search window (LUDB: 3 % of such beats)
_STACK_RR_S = 0.8
#: QRS onset / peak / offset rounded down / to nearest / up when halved (the P / T search rate)
_ROUND_QRS = np.array([0, 1, 1])
#: at most this many window samples (beats x window x leads) are gathered at once
_BLOCK_ELEMENTS = 1 << 21
_I64_MAX = np.iinfo(np.int64).max


def _wave(d: np.ndarray, s: np.ndarray, pos: np.ndarray, base0: np.ndarray, base1: np.ndarray,
          lo: np.ndarray, hi: np.ndarray, m0: np.ndarray, m1: np.ndarray, w: int, xi_on: float,
          xi_off: float, late: tuple[np.ndarray, int, float] | None = None, step: int = 1,
          wlen: np.ndarray | None = None, keep: dict | None = None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Onset, peak, offset (window positions) and amplitude of P or T waves; where the wave
    was not found the peak is -1 (and the others meaningless).

    The peak is the largest deviation of the smoothed signal ``s`` from the baseline (a line
    from ``base0`` at ``lo`` to ``base1`` at ``hi``) inside ``m0:m1``; the boundaries come
    from the steepest slopes within ``w`` samples before and after the peak and may go
    from ``lo`` to ``hi``. ``d``, ``s`` are ``(nb, L, W)``; all position arguments are
    ``(nb, L)`` window positions.
    ``late`` = (``(nb, L)`` latest normal peak position, minimum gap in samples, minimum
    relative prominence) turns on the U-wave rule of :func:`_u_wave_rule` (T waves).
    With ``step`` = 2 the matrices hold every other sample of the record and the positions
    returned are in record samples (window position x 2): see :func:`_refine2`.
    ``w``, ``xi_on`` and ``xi_off`` may be ``(nb, 1)`` arrays (the fractions in ``d``'s dtype,
    as :func:`_tp_params` makes them: the thresholds' precision of scalar fractions), and
    ``wlen`` (``(nb, 1, 1)``) the width of each row's window when the matrices are wider
    (stacked windows of two widths).
    ``keep`` (a dict) receives the search's intermediates (window positions of the peak ``k``
    and the onset's slope ``a`` and walk ``on`` at the search rate, ``thr_on``, ``|d|``).
    """
    # the peak search reads only the columns some ``m0:m1`` covers
    c0 = min(max(int(m0.min()), 0), s.shape[2] - 1)
    c1 = min(max(int(m1.max()), c0 + 1), s.shape[2])
    sc, pc = s[:, :, c0:c1], pos[:, :, c0:c1]
    if base1 is base0:  # flat baseline (P waves)
        seg = sc - base0[:, :, None]
    else:
        # sc - (base0 + (base1 - base0) * (pc - lo) / span) on one float64 temporary (positions
        # are int64), in place
        seg = (base1 - base0)[:, :, None] * (pc - lo[:, :, None])
        seg /= np.maximum(hi - lo, 1)[:, :, None]
        seg += base0[:, :, None]
        np.subtract(sc, seg, out=seg)
    inside = (pc >= m0[:, :, None]) & (pc < m1[:, :, None])
    kc = np.where(inside, np.abs(seg), -np.inf).argmax(axis=2)
    # a row without any column inside its m0:m1 keeps window position 0, as over all columns
    k = np.where(np.maximum(m0, c0) < np.minimum(m1, c1), kc + c0, 0)
    ok = (m1 - m0 >= 3) & (hi - lo >= 3) & (k > m0) & (k < m1 - 1)
    val = _at(seg, kc)
    sgn = np.where(val > 0, 1.0, -1.0)[:, :, None]
    if late is not None:  # T waves: a late wave after an earlier opposite lobe is a U wave
        k, sgn, val = _u_wave_rule(s, k, sgn, val, m0, late)
    a0, b1 = np.maximum(lo, k - w), np.minimum(hi, k + w)
    ok &= (k - a0 >= 2) & (b1 - k >= 2)
    span = w if isinstance(w, int) else int(w.max())  # the longest slope search
    # the steepest slopes of sgn * d (the product of the samples searched only)
    dc = d if d.flags.c_contiguous else np.ascontiguousarray(d)
    a = _argbest(dc, pos, a0, k, span=span, sign=sgn)
    b = _argbest(dc, pos, k + 1, b1 + 1, negate=True, span=span, sign=sgn)
    ad = np.abs(d)
    if step == 2:  # the steepest slopes between the samples (see _vertex)
        top = _vertex(ad, np.concatenate((a[..., None], b[..., None]), axis=2), wlen)
        thr_on, thr_off = xi_on * top[:, :, 0], xi_off * top[:, :, 1]
    else:
        thr_on, thr_off = xi_on * _at(ad, a), xi_off * _at(ad, b)
    on, off = _walks(ad, a, lo, thr_on, b, hi, thr_off)
    if keep is not None:
        keep.update(k=k, a=a, on=on, thr_on=thr_on, ad=ad)
    if step == 2:
        tilt = 0.0 if base1 is base0 else (base1 - base0) / np.maximum(hi - lo, 1)
        on, k, off = _refine2(ad, s, on, k, off, thr_on, thr_off, tilt, wlen)
    # the caller masks the rows without a peak (k = -1): on, off and amplitude are only
    # meaningful where k >= 0
    return on, np.where(ok, k, -1), off, np.abs(val)


def _u_wave_rule(s: np.ndarray, k: np.ndarray, sgn: np.ndarray, val: np.ndarray,
                 m0: np.ndarray, late: tuple[np.ndarray, int, float]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """T peak ``k`` moved to an earlier lobe of opposite polarity when ``k`` is later than a
    rate-dependent limit (``late[0]``, from a Bazett-scaled bound on the R-to-T-peak interval)
    and the signal shows a distinct earlier lobe at a normal T-peak time: a trough (or hump)
    at least ``late[1]`` samples before ``k`` whose depth below the preceding ST level is at
    least ``late[2]`` times its height below ``k``. The late wave is then a U wave (the T wave
    ends before it), as in negative-T records whose U wave is larger than the T wave
    (QT Database sel100 / MIT-BIH 100; Lepeschkin E, Surawicz B, Circulation 6:378, 1952).
    """
    lim, gap, rho = late
    late_k = k > lim
    if not late_k.any():  # no peak late enough to be a U wave
        return k, sgn, val
    # only the (beat, lead) rows with a late peak can change: work on those rows
    rows = late_k.reshape(-1).nonzero()[0]
    nb, n_leads, w = s.shape
    kr, m0r, limr = k.reshape(-1)[rows], m0.reshape(-1)[rows], lim.reshape(-1)[rows]
    sg = sgn.reshape(-1)[rows]
    ss = s.reshape(nb * n_leads, w)[rows] * sg[:, None]  # the main wave is a maximum of ss
    p = np.arange(w)[None, :]
    from_m0 = p >= m0r[:, None]
    k2 = np.where(from_m0 & (p <= (kr - gap)[:, None]), ss, np.inf).argmin(axis=1)
    st_level = np.where(from_m0 & (p <= k2[:, None]), ss, -np.inf).max(axis=1)
    # k2 (an argmin) and kr (a peak of _wave) are window positions: no clipping needed
    ri = np.arange(rows.size)
    at_k2 = ss[ri, k2]
    depth = st_level - at_k2
    rise = ss[ri, kr] - at_k2
    # (every row has kr > limr)
    use = ((k2 <= limr) & (k2 > m0r + 1) & (kr - k2 > gap) & (depth >= rho * rise) & (rise > 0))
    if not use.any():
        return k, sgn, val
    ch = rows[use]
    k_new, sg_new, val_new = k.copy(), sgn.copy(), val.copy()
    k_new.reshape(-1)[ch] = k2[use]
    sg_new.reshape(-1)[ch] = -sg[use]
    val_new.reshape(-1)[ch] = -sg[use] * depth[use]
    return k_new, sg_new, val_new


def _qrs_noise(g: np.ndarray, c0: int, c1: int, lag: int, q: float) -> np.ndarray:
    """``(nb, L, 1)`` noise level of each beat and lead from the signed QRS-scale derivative
    ``g`` (``(nb, L, W)``): the ``q`` quantile, over the columns before ``c0`` and from ``c1``
    on (outside the QRS search segment), of ``|g[t] - (g[t - lag] + g[t + lag]) / 2|``. That
    difference passes what changes within ``lag`` (muscle noise, electrode motion) and leaves
    the smooth slopes of P and T waves out (at 8 ms: ~3 % of a 5-Hz wave's), so a clean lead
    reads near zero also at fast rates, where P and T reach into those columns."""
    w = g.shape[2]
    res = np.abs(g[:, :, lag:w - lag] - 0.5 * (g[:, :, :w - 2 * lag] + g[:, :, 2 * lag:]))  # column t = lag + i
    out = np.concatenate((res[:, :, :c0 - lag], res[:, :, c1 - lag:]), axis=2)  # ~60 ms either side
    k = int(q * (out.shape[2] - 1))
    return np.partition(out, k, axis=2)[:, :, k:k + 1]


# -- the three waves, for a block of beats --------------------------------------------------
# ``f`` here holds the filtered leads transposed, each ``(n_leads, n_samples)`` (contiguous rows)
def _qrs_block(f: LeadFilters, r: np.ndarray, lo: np.ndarray, hi: np.ndarray, fs: float, tu: Tuning
               ) -> tuple[np.ndarray, np.ndarray]:
    """``(nb, L, 3)`` QRS onset/peak/offset (samples, -1 absent) and ``(nb, L)`` peak-to-peak amplitude."""
    pre, post = round(0.16 * fs), round(0.18 * fs)
    ws = r - pre
    width = pre + post + 1
    n_leads = f.hp.shape[0]
    gq = _gather(f.d_qrs, ws, width)
    dq = np.abs(gq)
    pos = np.arange(width)[None, None, :]
    lo_w, hi_w = (lo - ws)[:, None], (hi - ws)[:, None]
    # the QRS search segment c0:c1 is the same for every lead of a beat: (nb, 1)
    c0 = np.maximum(lo_w, pre - round(tu.qrs_pre_s * fs))
    c1 = np.minimum(hi_w, pre + round(tu.qrs_post_s * fs))
    inseg = (pos >= c0[:, :, None]) & (pos < c1[:, :, None])
    masked = np.where(inseg, dq, -np.inf)
    kmax = masked.argmax(axis=2)
    rows = _rows(dq)
    amax = masked.reshape(-1)[rows[:, :, 0] + kmax]  # the maximum (a gather: faster than a reduction over short rows)
    ok = (c1 - c0 >= 3) & (amax > 0)
    # significant slopes: local maxima strictly inside the segment (both neighbours in it)
    # of at least qrs_sig x the largest slope
    sig = np.zeros(dq.shape, bool)
    mid = dq[:, :, 1:-1]
    floor = tu.qrs_sig * amax[:, :, None]
    if tu.qrs_noise_sig > 0:  # ... and well above the noise (without this, noise bumps of 10 % of the
        # largest slope widened the QRS of noisy leads: LUDB with nstdb noise at 6 dB, +30 ms on average)
        floor = np.maximum(floor, tu.qrs_noise_sig * _qrs_noise(
            gq, pre - round(tu.qrs_pre_s * fs), pre + round(tu.qrs_post_s * fs),
            max(1, round(tu.qrs_noise_lag_s * fs)), tu.qrs_noise_q))
    sig[:, :, 1:-1] = ((mid >= dq[:, :, :-2]) & (mid > dq[:, :, 2:]) & (inseg[:, :, :-2] & inseg[:, :, 2:])
                       & (mid >= floor))
    # the first and last of them (the largest slope where there is none) and their slopes
    kk = np.concatenate((sig.argmax(axis=2)[..., None], (width - 1 - sig[:, :, ::-1].argmax(axis=2))[..., None]),
                        axis=2)
    kk = np.where(sig.reshape(-1)[rows + kk], kk, kmax[..., None])
    ends = dq.reshape(-1)[rows + kk]
    n_first, n_last = kk[:, :, 0], kk[:, :, 1]
    lo_l = lo_w + np.zeros((1, n_leads), np.int64)
    hi_l = hi_w + np.zeros((1, n_leads), np.int64)
    on, off = _walks(dq, n_first, lo_l, tu.qrs_on_xi * ends[:, :, 0], n_last, hi_l, tu.qrs_off_xi * ends[:, :, 1])
    # peak and amplitude read only the columns from the earliest onset to the latest offset
    q0 = int(on.min())
    q1 = max(int(off.max()) + 1, q0 + 1)
    hp = _gather(f.hp, ws + q0, q1 - q0)
    on_q, off_q = on - q0, off - q0
    inq = (pos[:, :, : q1 - q0] >= on_q[:, :, None]) & (pos[:, :, : q1 - q0] <= off_q[:, :, None])
    hrows = _rows(hp)
    y = hp.reshape(-1)[hrows + np.minimum(np.maximum(np.concatenate((on_q[..., None], off_q[..., None]), axis=2), 0),
                                               q1 - q0 - 1)]
    base = 0.5 * (y[:, :, 0] + y[:, :, 1])
    peak = np.where(inq, np.abs(hp - base[:, :, None]), -np.inf).argmax(axis=2) + q0
    peak[on > off] = 0  # no column inside on..off: position 0, as over the whole window
    # the extremes by arg-extremes and a gather (faster than reductions over short rows)
    top, bottom = np.where(inq, hp, -np.inf), np.where(inq, hp, np.inf)
    hrows = hrows[:, :, 0]
    amp = (top.reshape(-1)[hrows + top.argmax(axis=2)]
           - bottom.reshape(-1)[hrows + bottom.argmin(axis=2)])
    out = _stack3(on, peak, off) + ws[:, None, None]
    out[~ok] = -1
    return out, np.where(ok, amp, 0.0)


def _span(r: np.ndarray, lo: np.ndarray, hi: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, int]:
    """Per-beat window start (earliest ``lo`` over the leads) and one width covering every
    ``lo..hi`` of the block (``lo``, ``hi`` and ``ok`` are ``(nb, L)``)."""
    ws = np.where(ok, lo, _I64_MAX).min(axis=1)
    ws = np.where(ws == _I64_MAX, r, ws)
    span = np.where(ok, hi - ws[:, None], 0)
    return ws, max(3, int(span.max()) + 1 if span.size else 1)


def _t_args(f: LeadFilters, r: np.ndarray, q: np.ndarray, nxt_on: np.ndarray, rr_next: np.ndarray,
            fs: float, tu: Tuning, rel: bool = True) -> tuple:
    """Window starts and width, baselines, ``lo, hi, m0, m1`` (window positions; samples with
    ``rel`` False) and the latest normal peak (window positions) of the T waves of :func:`_t_block`."""
    n = f.hp.shape[1]
    ms = lambda sec: np.rint(sec * fs).astype(np.int64)  # noqa: E731
    on, off = q[:, :, 0], q[:, :, 2]
    t_hi = np.minimum(np.minimum(nxt_on - round(0.04 * fs), (r + ms(np.minimum(0.75 * rr_next, 0.72)))[:, None]), n - 1)
    t_m0 = off + round(0.06 * fs)
    t_m1 = np.minimum(t_hi, (r + ms(np.minimum(0.6 * rr_next, 0.55)))[:, None])
    cols = np.arange(f.hp.shape[0])[None, :]
    b0 = f.smooth[cols, np.maximum(on - round(0.01 * fs), 0)]
    b1 = f.smooth[cols, np.minimum(np.maximum(nxt_on - round(0.01 * fs), 0), n - 1)]
    ws, width = _span(r, off, t_hi, on >= 0)
    wsl = ws[:, None]
    # latest normal T peak: R + u_tpk_s * sqrt(RR) (Bazett scaling)
    lim = (r + ms(tu.u_tpk_s * np.sqrt(np.minimum(np.maximum(rr_next, 0.3), 2.0))) - ws)[:, None] + np.zeros_like(on)
    if not rel:
        return ws, width, b0, b1, off, t_hi, t_m0, t_m1, lim
    return ws, width, b0, b1, off - wsl, t_hi - wsl, t_m0 - wsl, t_m1 - wsl, lim


def _p_args(f: LeadFilters | None, r: np.ndarray, q: np.ndarray, prev_end: np.ndarray, fs: float,
            rel: bool = True) -> tuple:
    """Window starts and width, baseline and ``lo, hi, m0, m1`` (window positions; samples with
    ``rel`` False) of the P waves of :func:`_p_block` (no baseline without ``f``: it is the T
    waves' first baseline, see :func:`_t_args`)."""
    on = q[:, :, 0]
    b0 = None if f is None else f.smooth[np.arange(f.hp.shape[0])[None, :], np.maximum(on - round(0.01 * fs), 0)]
    p_lo = np.maximum(np.maximum(prev_end, on - round(0.36 * fs)), 0)
    p_m0 = np.maximum(np.maximum(prev_end, on - round(0.30 * fs)), 0)
    p_m1 = on - round(0.02 * fs)
    ws, width = _span(r, p_lo, on, on >= 0)
    if not rel:
        return ws, width, b0, p_lo, on, p_m0, p_m1
    wsl = ws[:, None]
    return ws, width, b0, p_lo - wsl, on - wsl, p_m0 - wsl, p_m1 - wsl


def _t_block(f: LeadFilters, r: np.ndarray, q: np.ndarray, nxt_on: np.ndarray, rr_next: np.ndarray,
             fs: float, tu: Tuning) -> tuple[np.ndarray, np.ndarray]:
    """``(nb, L, 3)`` T onset/peak/offset and amplitudes; ``q`` is ``(nb, L, 3)`` QRS, ``nxt_on``
    ``(nb, L)`` the next QRS onset (or where it would be)."""
    ws, width, b0, b1, lo, hi, m0, m1, lim = _t_args(f, r, q, nxt_on, rr_next, fs, tu)
    sm, d = _gather2(f.smooth, f.d_t, ws, width)
    pos = np.arange(width)[None, None, :]
    late = (lim, round(tu.u_gap_s * fs), tu.u_rho) if tu.u_rho > 0 else None
    ton, tpk, toff, ta = _wave(d, sm, pos, b0, b1, lo, hi, m0, m1,
                               round(0.2 * fs), tu.t_on_xi, tu.t_off_xi, late, f.step)
    ok = (tpk >= 0) & (q[:, :, 0] >= 0)
    out = _stack3(ton, tpk, toff) + f.step * ws[:, None, None]
    out[~ok] = -1
    return out, np.where(ok, ta, 0.0)


def _p_block(f: LeadFilters, r: np.ndarray, q: np.ndarray, prev_end: np.ndarray, fs: float, tu: Tuning
             ) -> tuple[np.ndarray, np.ndarray]:
    """``(nb, L, 3)`` P onset/peak/offset and amplitudes; ``prev_end`` ``(nb, L)`` is where the
    previous beat's T wave (or QRS) ended."""
    ws, width, b0, lo, hi, m0, m1 = _p_args(f, r, q, prev_end, fs)
    sm, d = _gather2(f.smooth, f.d_p, ws, width)
    pos = np.arange(width)[None, None, :]
    pon, ppk, poff, pa = _wave(d, sm, pos, b0, b0, lo, hi, m0, m1,
                               round(0.08 * fs), tu.p_on_xi, tu.p_off_xi, step=f.step)
    ok = (ppk >= 0) & (q[:, :, 0] >= 0)
    out = _stack3(pon, ppk, poff) + f.step * ws[:, None, None]
    out[~ok] = -1
    return out, np.where(ok, pa, 0.0)


def _tp_block(f: LeadFilters, r: np.ndarray, q: np.ndarray, nxt_on: np.ndarray, rr_next: np.ndarray,
              prev_end: np.ndarray, prev_t0: np.ndarray, fs: float, tu: Tuning) -> tuple[np.ndarray, ...]:
    """:func:`_t_block` and :func:`_p_block` (P after ``prev_end``) in one pass of :func:`_wave`
    over the T windows stacked on the P windows, each padded to the wider of the two (no
    search reaches the padding, and the window ends are each row's own: ``wlen``): the same
    results as the two calls, with about half their numpy calls."""
    nb = q.shape[0]
    # bounds in samples, made window positions once for both waves; the P baseline is the T
    # waves' first one (the smoothed signal just before the QRS onset)
    tws, twidth, tb0, tb1, tlo, thi, tm0, tm1, tlim = _t_args(f, r, q, nxt_on, rr_next, fs, tu, rel=False)
    pws, pwidth, _, plo, phi, pm0, pm1 = _p_args(None, r, q, prev_end, fs, rel=False)
    width = max(twidth, pwidth)
    cat = lambda a, b: np.concatenate((a, b))  # noqa: E731
    n_leads = q.shape[1]
    ws2 = cat(tws, pws)
    ws2l = ws2[:, None]
    if f.tp is not None and f.tp.shape[1] >= width and f.tp.strides[1] == f.tp.itemsize:
        # the T windows of d_t and the P windows of d_p in one gather, and both of smooth
        s_all = _gather_rows(f.smooth, _lead_rows(nb, n_leads, 1), ws2, width)
        d_all = _gather_rows(f.tp, _lead_rows(nb, n_leads, 2), ws2, width)
    else:
        sm, d = _gather2(f.smooth, f.d_t, tws, width)
        psm, pd = _gather2(f.smooth, f.d_p, pws, width)
        s_all, d_all = cat(sm, psm), cat(d, pd)
    late = None
    if tu.u_rho > 0:  # no P window has a late peak
        late = (cat(tlim, _no_late(nb, n_leads)), round(tu.u_gap_s * fs), tu.u_rho)
    wpar = _tp_params(nb, round(0.2 * fs), round(0.08 * fs), tu.t_on_xi, tu.p_on_xi, tu.t_off_xi, tu.p_off_xi,
                      d_all.dtype)
    wlen = _tp_wlen(nb, twidth, pwidth)
    keep: dict = {}
    on, pk, off, amp = _wave(d_all, s_all, np.arange(width)[None, None, :], cat(tb0, tb0), cat(tb1, tb0),
                             cat(tlo, plo) - ws2l, cat(thi, phi) - ws2l, cat(tm0, pm0) - ws2l, cat(tm1, pm1) - ws2l,
                             wpar[0], wpar[1], wpar[2], late, f.step, wlen, keep)
    ok = (pk >= 0) & (cat(q[:, :, 0], q[:, :, 0]) >= 0)
    out = _stack3(on, pk, off) + f.step * ws2[:, None, None]
    out[~ok] = -1
    amp = np.where(ok, amp, 0.0)
    t_out, p_out, p_amp = out[:nb], out[nb:], amp[nb:]
    # the P waves after the previous beat's T wave: the bounds that T offset sets
    st = f.step
    prev_t = np.empty_like(prev_end)
    prev_t[0] = prev_t0
    prev_t[1:] = t_out[:-1, :, 2]
    if st > 1:  # T offsets at fs (see _refine2): in P-search samples
        prev_t = np.where(prev_t >= 0, _ceil_div(prev_t, st), -1)
    true_end = np.where(prev_t >= 0, prev_t, prev_end)
    on_q = q[:, :, 0]
    x = on_q - round(0.36 * fs)
    moved = (np.maximum(true_end, x) != np.maximum(prev_end, x)) & (on_q >= 0)
    redo = np.zeros(nb, bool)
    if moved.any():
        i, j = moved.nonzero()
        redo = _p_bounds_moved(keep, i, j, nb, true_end, r, q, pws, pwidth, round(0.08 * fs), st, fs, p_out, p_amp)
    return t_out, amp[:nb], p_out, p_amp, true_end, redo


def _p_bounds_moved(keep: dict, i: np.ndarray, j: np.ndarray, nb: int, true_end: np.ndarray, r: np.ndarray,
                    q: np.ndarray, pws: np.ndarray, pwidth: int, w: int, st: int, fs: float,
                    p_out: np.ndarray, p_amp: np.ndarray) -> np.ndarray:
    """The P waves of rows ``(i, j)`` (beat, lead) of :func:`_tp_block` searched after the
    previous T wave (``true_end``) instead of the previous QRS: their later lower bound ``lo``
    and peak-search start ``m0`` (:func:`_p_args`) applied to the search done with the earlier
    ones, in place in ``p_out`` / ``p_amp``. Exact where the peak and the onset's steepest
    slope lie inside the new bounds: the onset walk then stops at ``max(on, lo)``; the
    other beats (returned as a mask) must be searched again."""
    ws_t, _, _, lo_t, _, m0_t, _ = _p_args(None, r, q, true_end, fs)
    off = (ws_t - pws)[i]  # true window start, provisional window position
    lo2, m02 = lo_t[i, j] + off, m0_t[i, j] + off
    on_q = q[i, j, 0]
    hi = on_q - pws[i]
    m1 = hi - round(0.02 * fs)
    k, a, on = (keep[x][nb:][i, j] for x in ("k", "a", "on"))
    ok_b = (m1 - m02 >= 3) & (hi - lo2 >= 3)
    again = ok_b & (k < m02)
    a0 = np.maximum(lo2, k - w)
    ok = ok_b & (k > m02) & (k < m1 - 1) & (k - a0 >= 2) & (np.minimum(hi, k + w) - k >= 2)
    # the onset slope outside the new bounds, or on the new window's first sample (no neighbour there)
    again |= ok & ((a < a0) | (a - off < 1))
    keep_rows = ok & ~again
    on2 = np.maximum(on, lo2)
    if st == 2:  # as _refine2: one sample back when the slope half-way there is below the threshold
        ad = keep["ad"][nb:]
        _, nl, wd = ad.shape
        flat = ad.reshape(-1)
        base = (i * nl + j) * wd
        ya = flat[base + np.minimum(on2, pwidth - 1)] + flat[base + np.minimum(on2 + 1, pwidth - 1)]
        on2 = 2 * on2 + (ya < 2.0 * keep["thr_on"][nb:][i, j])
    new_on = on2 + st * pws[i]
    p_out[i, j, 0] = np.where(keep_rows, new_on, p_out[i, j, 0])
    drop = ~ok & ~again
    p_out[i[drop], j[drop]] = -1
    p_amp[i[drop], j[drop]] = 0.0
    redo = np.zeros(nb, bool)
    redo[i[again]] = True
    return redo


@lru_cache(maxsize=64)
def _tp_wlen(nb: int, twidth: int, pwidth: int) -> np.ndarray:
    """``(2 nb, 1, 1)`` window widths of the stacked T and P rows of :func:`_tp_block` (read-only)."""
    out = np.repeat(np.array([twidth, pwidth], np.int64), nb)[:, None, None]
    out.flags.writeable = False
    return out


@lru_cache(maxsize=64)
def _no_late(nb: int, n_leads: int) -> np.ndarray:
    """``(nb, L)`` latest normal peak positions no peak reaches (the P rows of :func:`_tp_block`; read-only)."""
    out = np.full((nb, n_leads), _I64_MAX // 4, np.int64)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=64)
def _tp_params(nb: int, tw: int, pw: int, t_on: float, p_on: float, t_off: float, p_off: float,
               dtype: np.dtype = np.dtype(np.float64)) -> tuple[np.ndarray, ...]:
    """``(2 nb, 1)`` boundary-search half-widths and onset / offset threshold fractions of the
    stacked T and P rows of :func:`_tp_block` (read-only), the fractions in the slopes' ``dtype``
    (as :func:`_wave` casts them)."""
    out = tuple(np.repeat(np.array([t, p], dt).astype(ct), nb)[:, None]
                for t, p, dt, ct in ((tw, pw, np.int64, np.int64), (t_on, p_on, np.float64, dtype),
                                     (t_off, p_off, np.float64, dtype)))
    for a in out:
        a.flags.writeable = False
    return out


def _col_median(v: np.ndarray, sel: np.ndarray, empty: float = np.nan) -> np.ndarray:
    """Median of each column of ``v`` (nb, L) over the rows where ``sel``; ``empty`` where none."""
    srt = np.sort(np.where(sel, v, np.inf), axis=0)
    n = sel.sum(axis=0)
    cols = np.arange(v.shape[1])
    lo, hi = srt[np.maximum((n - 1) // 2, 0), cols], srt[np.maximum(n // 2, 0), cols]
    return np.where(n > 0, 0.5 * (lo + hi), empty)


def _ceil_div(x: np.ndarray, st: int) -> np.ndarray:
    """``ceil(x / st)`` of integers (a shift for ``st`` = 2: integer division costs more)."""
    return (x + 1) >> 1 if st == 2 else (x + st - 1) // st


def _blocks(nb: int, width: int, n_leads: int) -> list[slice]:
    step = max(1, _BLOCK_ELEMENTS // max(1, width * n_leads))
    return [slice(i, min(nb, i + step)) for i in range(0, nb, step)]


def delineate_leads(f: LeadFilters, r: np.ndarray, fs: float, tu: Tuning = TUNING,
                    *, rr_s: float | None = None) -> np.ndarray:
    """``(n_leads, n_beats, 9)`` fiducials of every lead given beat positions ``r``; -1 = absent.

    ``rr_s`` is the RR interval assumed where a beat has no neighbour (default: the median RR,
    or 1 s for a single beat).

    Three passes over the beats: QRS, then T (after the QRS offset, up to the next QRS onset),
    then P (before the QRS onset, after the previous T offset). When every RR interval is at
    least ``_STACK_RR_S`` the P waves are searched in the T waves' pass (one stacked
    :func:`_wave` call, about half the numpy calls) and their bounds moved to the previous T
    offsets afterwards (:func:`_p_bounds_moved`): the same fiducials as three passes.
    """
    n, n_leads = f.hp.shape
    r = np.asarray(r, np.int64)
    nb = r.size
    out = np.empty((nb, n_leads, 9), np.int64)  # every column is written below
    if nb == 0:
        return out.transpose(1, 0, 2)
    # the blocks work on (beats, leads, window) matrices gathered from contiguous lead rows
    # (no copies when ``f`` comes from :func:`prepare`)
    ft = LeadFilters(*(x.T if x.strides[0] == x.itemsize else np.ascontiguousarray(x.T)
                       for x in (f.hp, f.smooth, f.d_qrs, f.d_t, f.d_p)), step=f.step, tp=f.tp)
    rr = (r[1:] - r[:-1]) / fs
    med_rr = rr_s if rr_s is not None else (_median(rr) if rr.size else 1.0)
    rr_next = np.concatenate((rr, [med_rr]))
    rr_prev = np.concatenate(([med_rr], rr))
    ms = lambda sec: np.rint(sec * fs).astype(np.int64)  # noqa: E731
    lo = np.maximum(np.maximum(r - round(0.16 * fs), r - ms(0.5 * rr_prev)), 0)
    hi = np.minimum(np.minimum(r + round(0.18 * fs), r + ms(0.5 * rr_next)), n - 1)
    qamp = np.empty((nb, n_leads))
    for b in _blocks(nb, round(0.34 * fs) + 1, n_leads):
        out[b, :, QRS_ON:QRS_OFF + 1], qamp[b] = _qrs_block(ft, r[b], lo[b], hi[b], fs, tu)
    # T and P need the QRS boundaries of the neighbours
    q = out[:, :, QRS_ON:QRS_OFF + 1]
    nxt_on = np.empty((nb, n_leads), np.int64)
    nxt_on[:-1] = q[1:, :, 0]
    default = np.minimum(r + ms(rr_next), n - 1)[:, None]
    nxt_on = np.where(nxt_on >= 0, nxt_on, default) if nb > 1 else np.broadcast_to(default, (1, n_leads)).copy()
    nxt_on[-1] = default[-1]
    # P and T are searched at fs / step (their filters' rate): QRS positions in those samples,
    # onsets rounded down and offsets up (a wave searched after an offset starts after it)
    st = ft.step
    fw, fc, rc, qc = fs, ft, r, q
    if st > 1:
        fw = fs / st
        fc = LeadFilters(ft.smooth, ft.smooth, ft.smooth, ft.d_t, ft.d_p, st, ft.tp)  # hp: for the shape only
        if st == 2:  # prepare's only other step: >> 1 is // 2, without integer division's cost
            rc = np.minimum((r + 1) >> 1, ft.smooth.shape[1] - 1)
            qc = np.where(q >= 0, (q + _ROUND_QRS) >> 1, -1)
            nxt_on = nxt_on >> 1
        else:
            rc = np.minimum((r + st // 2) // st, ft.smooth.shape[1] - 1)
            qc = np.where(q >= 0, (q + np.array([0, st // 2, st - 1])) // st, -1)
            nxt_on = nxt_on // st
    # (every beat's T and P fiducials and amplitudes are written below)
    tc = np.empty((nb, n_leads, 3), np.int64)
    tamp = np.empty((nb, n_leads))
    pc = np.empty((nb, n_leads, 3), np.int64)
    pamp = np.empty((nb, n_leads))
    # P is searched after the previous beat's T wave. With RR intervals all >= _STACK_RR_S, in
    # the same pass as the T waves: after the previous QRS, then moved to the T offset (see
    # _p_bounds_moved; exact), and the few beats where that is not exact searched again after
    # their T offsets. At faster rates most P windows start at the previous T offset: a T
    # pass, then a P pass.
    prev_q = np.zeros((nb, n_leads), np.int64)
    if nb > 1:
        prev_q[1:] = np.maximum(qc[:-1, :, 2], 0)
    prev_end = prev_q.copy()
    redo = np.ones(nb, bool)
    if nb > 1 and rr.min() >= _STACK_RR_S:
        none = np.full(n_leads, -1, np.int64)
        for b in _blocks(nb, round(0.88 * fw) + 4, n_leads):
            t0 = tc[b.start - 1, :, 2] if b.start else none
            tc[b], tamp[b], pc[b], pamp[b], prev_end[b], redo[b] = _tp_block(
                fc, rc[b], qc[b], nxt_on[b], rr_next[b], prev_q[b], t0, fw, tu)
    else:
        for b in _blocks(nb, round(0.88 * fw) + 4, n_leads):
            tc[b], tamp[b] = _t_block(fc, rc[b], qc[b], nxt_on[b], rr_next[b], fw, tu)
        if nb > 1:
            prev_t = tc[:-1, :, 2]
            if st > 1:  # T offsets at fs (see _refine2): in P-search samples
                prev_t = np.where(prev_t >= 0, _ceil_div(prev_t, st), -1)
            prev_end[1:] = np.where(prev_t >= 0, prev_t, prev_q[1:])
    if redo.any():
        idx = redo.nonzero()[0]
        for b in _blocks(idx.size, round(0.70 * fw) + 4, n_leads):
            i = idx[b] if idx.size < nb else b
            pc[i], pamp[i] = _p_block(fc, rc[i], qc[i], prev_end[i], fw, tu)
    # (positions at fs: see _refine2)
    out[:, :, T_ON:T_OFF + 1] = np.minimum(tc, n - 1) if st > 1 else tc
    out[:, :, P_ON:P_OFF + 1] = np.minimum(pc, n - 1) if st > 1 else pc
    # presence: amplitude relative to the lead's QRS, and a stable PR interval for P
    ref = _col_median(qamp, qamp > 0, empty=0.0)
    out[:, :, T_ON:T_OFF + 1][tamp < tu.t_min_rel * ref[None, :]] = -1
    out[:, :, P_ON:P_OFF + 1][pamp < tu.p_min_rel * ref[None, :]] = -1
    has_p = out[:, :, P_PEAK] >= 0
    many = has_p.sum(axis=0) >= 3
    if many.any():
        pr = (out[:, :, QRS_ON] - out[:, :, P_PEAK]) / fs
        med = _col_median(pr, has_p)
        bad = has_p & many[None, :] & (np.abs(pr - med[None, :]) > tu.p_pr_tol_s)
        out[:, :, P_ON:P_OFF + 1][bad] = -1
    return out.transpose(1, 0, 2)
