"""Every P wave of a recording, and the AV conduction it shows: :func:`atrial_activity`.

The delineation looks for one P wave before each QRS complex. In second- and third-degree
atrioventricular block some P waves are not followed by a QRS, and in complete block the P
waves have no fixed relation to the QRS complexes at all, so those P waves are found here.
The search runs when such a block can show (:func:`_av_block_can_show`: ventricular rate
below 60/min, a pause, or a regular rhythm with P waves before < 80 % of the QRS complexes).

1. a multi-lead P-wave template: the median, over the beats whose P wave the delineation
   found, of the signal (~250 Hz) in a window of +-80 ms around the P peak, in the
   :data:`SCAN_LEADS` leads where it is largest;
2. template matching over the record outside the QRS complexes and T waves (a T wave at
   half the RR interval would pass for the blocked P wave of a 2:1 block): at each instant
   the window's linear trend is removed and the normalised correlation with the (likewise
   detrended) template is computed over those leads at once, with the template's
   least-squares gain; a P wave is a local maximum with correlation >= :data:`MIN_CORRELATION`
   and gain 0.5-1.6;
3. when the delineation found fewer than three P waves (P waves unrelated to the QRS), the
   ventricular activity is cancelled (the median beat, 0.25 s before to 0.7 RR after the R
   peak, subtracted at every beat), the template is the largest group of alike deflections
   of what remains, and the matching also runs there (inside the T waves too);
4. the atrial rhythm: the basic P-P interval (a P wave hidden in a QRS complex leaves an
   interval of two; a spurious deflection two intervals off time, and is dropped) and
   whether the P waves are regular (>= 85 % of the intervals on time);
5. AV conduction, the definitions of Kusumoto et al. (2019) and Mason et al. (2007), in a
   regular atrial rhythm of at most :data:`ATRIAL_RATE_MAX_BPM`: a P wave matching the
   template closely (correlation >= 0.9), midway between its neighbours (both P-P intervals
   within 10 % of the basic one), not next to a ventricular ectopic beat and not followed by
   a QRS complex within :data:`PR_MAX_S` is *blocked*. Second-degree block: blocked P waves
   among conducted ones (PR >= 60 ms from the P peak): 2:1 when every other one is blocked,
   Mobitz I when the PR before each blocked P wave is >= 30 ms longer than the PR after it,
   Mobitz II when the PR intervals stay within 15 ms. Complete (third-degree) block: P waves
   faster (>= 1.25 x) than a regular ventricular rhythm (RR CV <= 0.08), PR intervals spread
   over >= 120 ms, and P waves spread over the cardiac cycle (at most half of them in one
   fifth of it: T or U waves, tied to the QRS, crowd in one).

References
----------
Kusumoto FM et al. 2018 ACC/AHA/HRS guideline on the evaluation and management of patients
with bradycardia and cardiac conduction delay. Circulation 140:e382-e482, 2019.
Mason JW, Hancock EW, Gettes LS. Recommendations for the standardization and interpretation
of the electrocardiogram, part II. Circulation 115:1325-1332, 2007.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.fft import irfft, next_fast_len, rfft
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from cardiokit.dsp._fast import median0, median1

from ._rhythm_rr import _psum
from .delineate import FIDUCIALS

__all__ = ["AV_BLOCK_KINDS", "AtrialActivity", "atrial_activity"]

P_PEAK, QRS_ON, QRS_OFF, T_OFF = (FIDUCIALS.index(k) for k in ("p_peak", "qrs_on", "qrs_off", "t_off"))

#: What :attr:`AtrialActivity.av_block` can be.
AV_BLOCK_KINDS = ("second_degree_2to1", "mobitz1", "mobitz2", "second_degree", "complete")
#: Template half-width (s), scan rate (Hz), correlation and gain limits of a P wave; the
#: template is matched in the leads where it is largest (at most this many).
HALF_S, SCAN_HZ, MIN_CORRELATION, GAIN_RANGE, SCAN_LEADS = 0.08, 250.0, 0.8, (0.5, 1.6), 4
#: The search runs when the ventricular rate is below this (bpm), or a pause or missing P
#: waves show (:func:`_av_block_can_show`): a 2:1 block at an atrial rate of 120/min or more
#: is not looked for.
GATE_RATE_BPM = 60.0
#: A blocked P wave is evidence of AV block: it must match the template this well, and the
#: P-P intervals on either side of it must be within this fraction of the basic one.
BLOCKED_MIN_CORRELATION, BLOCKED_PP_TOLERANCE = 0.9, 0.10
#: A conducted P wave's peak precedes its QRS onset by PR_MIN_S-PR_MAX_S (s).
PR_MIN_S, PR_MAX_S = 0.03, 0.5
#: ... and the P waves around a blocked one at least this (s): a deflection right before a QRS
#: complex is not a conducted P wave.
PR_CONDUCTED_MIN_S = 0.06
#: 2:1 conduction: the PR intervals around the blocked P waves within this (s) of each other.
TWO_TO_ONE_PR_SPREAD_S = 0.04
#: P waves on time: P-P within this fraction of the basic P-P interval from 1, 2 or 3 times it.
PP_TOLERANCE = 0.15
#: Complete block: the ventricular rhythm is regular (RR CV below) and slower than the atrial
#: one by this factor; the PR intervals spread over at least this (s).
CHB_RR_CV_MAX, CHB_RATE_RATIO_MIN, CHB_PR_SPREAD_S = 0.08, 1.25, 0.12
#: ... and the P waves spread over the cardiac cycle: at most this share in one fifth of it.
CHB_PHASE_CROWDING_MAX = 0.5
#: AV block is stated in a sinus-like atrial rhythm: faster P waves are an atrial tachycardia.
ATRIAL_RATE_MAX_BPM = 150.0
#: At most this many blocked P waves (times) and episodes are listed in the evidence.
MAX_LISTED = 200


@dataclass(frozen=True, eq=False)
class AtrialActivity:
    """The P waves of a recording and the AV conduction they show.

    ``p_samples``: P-wave peaks (samples, ascending); ``rate_bpm``: the atrial rate from the
    basic P-P interval; ``regular``: the P waves come at (multiples of) that interval;
    ``blocked``: indices into ``p_samples`` of the P waves on time and not followed by a
    QRS complex; ``pr_ms``: per beat, the interval from the last P wave before its QRS onset
    (NaN when none lies within :data:`PR_MAX_S`); ``av_block``: one of
    :data:`AV_BLOCK_KINDS` or ``None``; ``evidence``: the values behind it.
    """

    p_samples: np.ndarray
    rate_bpm: float | None
    regular: bool
    blocked: np.ndarray
    pr_ms: np.ndarray
    av_block: str | None
    evidence: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"n_p_waves": int(self.p_samples.size), "atrial_rate_bpm": self.rate_bpm,
                "regular": self.regular, "n_blocked": int(self.blocked.size), "av_block": self.av_block}


def _detrended(w: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Windows ``w`` (..., W, L) minus their mean and linear trend over the axis -2."""
    w = w - w.mean(axis=-2, keepdims=True)
    return w - np.einsum("...wl,w->...l", w, t)[..., None, :] * t[:, None]


def _decimate_mean(x: np.ndarray, q: int) -> np.ndarray:
    """Means of consecutive groups of ``q`` rows of ``x`` (n, L) (a trailing partial group
    dropped) in float64: ``x[: n // q * q].astype(np.float64).reshape(-1, q, L).mean(axis=1)``
    summed slice by slice (float32 or integer rows are cast exactly as they are added)."""
    m = x.shape[0] // q * q
    s = x[0:m:q].astype(np.float64)
    for i in range(1, q):
        s += x[i:m:q]
    s /= q
    return s


def _lane_sum(a: np.ndarray) -> np.ndarray:
    """``a.T.sum(axis=1)`` of ``a`` (lanes, n), real or complex, with the values numpy gives
    on a C-ordered ``(n, lanes)`` array, column by column instead of row by row: numpy's
    pairwise sum of each row from 0, i.e. fewer than 8 doubles added one by one, else 8
    double accumulators (4 complex) over blocks combined pairwise, then the rest one by one
    (numpy's ``pairwise_sum``, blocks of <= 128 doubles; more lanes: numpy itself)."""
    lanes = a.shape[0]
    per = 8 if a.dtype.kind == "f" else 4  # accumulators: 8 doubles
    if lanes * (8 // per) > 128:
        return np.ascontiguousarray(a.T).sum(axis=1)
    if lanes * (8 // per) < 8:
        acc = a[0] + 0.0
        for k in range(1, lanes):
            acc += a[k]
    else:
        r = [a[k].copy() for k in range(per)]
        m = lanes - lanes % per
        for i in range(per, m, per):
            for k in range(per):
                r[k] += a[i + k]
        if per == 8:
            acc = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        else:
            acc = (r[0] + r[1]) + (r[2] + r[3])
        for k in range(m, lanes):
            acc += a[k]
    acc += 0.0  # the reduction's start value, 0
    return acc


@lru_cache(maxsize=16)
def _ramp_spectrum(half: int, nfft: int) -> tuple[np.ndarray, np.ndarray]:
    """The unit ramp over ``2 half + 1`` samples and the ``nfft``-point rfft of it reversed."""
    t = np.arange(-half, half + 1, dtype=np.float64)
    t /= np.sqrt(t @ t)
    spec = rfft(t[::-1], nfft)
    t.flags.writeable = False
    spec.flags.writeable = False
    return t, spec


def _match(xs: np.ndarray, tmpl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Correlation of the detrended template with the detrended window centred at each
    sample of ``xs`` (n, L), and the template's least-squares gain there (-1 and 0 at the
    edges). The detrended template is orthogonal to a constant and a ramp, so its product
    with a window equals that with the detrended window: a cross-correlation; the window's
    detrended energy comes from running sums (no window is formed). The running sums and
    the sums over the leads run lead by lead on contiguous rows (:func:`_lane_sum`: the
    values of the row-wise sums)."""
    half = tmpl.shape[0] // 2
    width = 2 * half + 1
    n = xs.shape[0]
    nfft = next_fast_len(n + width - 1, real=True)
    t, t_spec = _ramp_spectrum(half, nfft)
    tt = _detrended(tmpl, t)
    tn = float((tt * tt).sum())
    corr = np.full(n, -1.0)
    gain = np.zeros(n)
    if n <= 2 * half or tn <= 0:
        return corr, gain
    # one transform of the signal for both correlations (the template's summed over leads)
    spec = rfft(xs, nfft, axis=0)
    num = irfft(_lane_sum((spec * rfft(tt[::-1], nfft, axis=0)).T), nfft)[width - 1: n]
    ramp = irfft(spec * t_spec[:, None], nfft, axis=0)[width - 1: n].T
    lanes = xs.shape[1]
    xl = np.ascontiguousarray(xs.T)
    c = np.zeros((2 * lanes, n + 1))  # running sums of the signal and its square, lead by lead
    np.cumsum(xl, axis=1, out=c[:lanes, 1:])
    np.cumsum(np.square(xl), axis=1, out=c[lanes:, 1:])
    s = c[:, width:] - c[:, :-width]
    s1, s2 = s[:lanes], s[lanes:]
    energy = np.maximum(_lane_sum(s2 - s1 * s1 / width - ramp * ramp), 0.0)
    corr[half:-half] = num / np.maximum(np.sqrt(energy * tn), 1e-12)
    gain[half:-half] = num / tn
    return corr, gain


def _find(xs: np.ndarray, fsq: float, tmpl: np.ndarray, qrs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P-wave peaks (samples of ``xs``): local maxima of the template match outside the spans
    ``qrs`` (start, stop) +- 30 ms; and their correlation with the template."""
    corr, gain = _match(xs, tmpl)
    ok = (corr >= MIN_CORRELATION) & (gain >= GAIN_RANGE[0]) & (gain <= GAIN_RANGE[1])
    pad = round(0.03 * fsq)
    for a, b in qrs:
        ok[max(0, a - pad): b + pad + 1] = False
    rad = round(0.1 * fsq)
    masked = np.where(ok, corr, -2.0)
    peak = ok & (masked >= maximum_filter1d(masked, 2 * rad + 1, mode="constant", cval=-2.0))
    out: list[int] = []
    for i in np.flatnonzero(peak):  # equal maxima within rad: the first
        if not out or i - out[-1] > rad:
            out.append(int(i))
    idx = np.asarray(out, np.int64)
    return idx, corr[idx]


def _on_time(pp: np.ndarray, base: float | np.ndarray) -> np.ndarray:
    """P-P intervals within PP_TOLERANCE x ``base`` of 1, 2 or 3 times ``base`` (an array of
    bases: one row per base)."""
    ratio = pp / np.asarray(base, np.float64)[..., None] if np.ndim(base) else pp / base
    mult = np.rint(ratio)
    return (mult >= 1) & (mult <= 3) & (np.abs(ratio - mult) <= PP_TOLERANCE)


def _basic_interval(pp: np.ndarray) -> float | None:
    """The basic P-P interval: of the observed intervals (0.25-2 s, in 10-ms steps) the
    longest one that puts the most intervals on time, those of one interval counting fully
    and those of two or three (a P wave hidden in a QRS complex) a quarter; a spurious
    deflection leaves two intervals off time."""
    cand = np.unique(np.round(pp[(pp >= 0.25) & (pp <= 2.0)], 2))
    if pp.size < 2 or cand.size == 0:
        return None
    score = (_on_time(pp, cand) * np.where(np.rint(pp / cand[:, None]) == 1, 1.0, 0.25)).sum(axis=1)
    best = cand[score >= score.max() - 1e-9].max()
    return median1(pp[np.abs(pp - best) <= PP_TOLERANCE * best])


def _drop_off_time(p: np.ndarray, corr: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray, float | None]:
    """P waves (and their correlations) without the off-time ones (both neighbouring P-P
    intervals off time, or the only one at an end), and the basic P-P interval."""
    pp = (p[1:] - p[:-1]) / fs
    base = _basic_interval(pp)
    if base is None:
        return p, corr, None
    ok = _on_time(pp, base)
    keep = np.concatenate((ok[:1], ok[:-1] | ok[1:], ok[-1:])) if ok.size else np.ones(p.size, bool)
    return p[keep], corr[keep], base


def atrial_activity(signals: np.ndarray, fs: float, beats: np.ndarray, fiducials: np.ndarray,
                    labels: tuple[str, ...] | None = None) -> AtrialActivity | None:
    """Every P wave of a (cleaned, baseline-free) ECG and the AV conduction it shows.

    ``signals`` (n, leads); ``beats`` R peaks and ``fiducials`` the global delineation
    (n_beats, 9; :data:`cardiokit.ecg.delineate.FIDUCIALS`, -1 when absent); ``labels``
    the beat classes (:class:`cardiokit.ecg.morphology.BeatClasses`): a P wave next to a
    ventricular ectopic beat (``V``) is not blocked by the AV node but by the ectopic beat's
    refractoriness (the compensatory pause), so it does not count as blocked. ``None``
    when no P-wave template can be built (fewer than three delineated P waves and no group of
    three alike deflections) or the record has fewer than three beats.
    """
    x = np.asarray(signals)  # the signals' own precision: _decimate_mean sums in float64
    if x.ndim == 1:
        x = x[:, None]
    beats = np.asarray(beats, np.int64)
    g = np.asarray(fiducials, np.int64).reshape(-1, 9)
    if beats.size < 3 or not _av_block_can_show(beats, g, fs):
        return None
    q = max(1, round(fs / SCAN_HZ))
    xs = _decimate_mean(x, q)
    fsq = fs / q
    half = round(HALF_S * fsq)
    seeds = g[:, P_PEAK][g[:, P_PEAK] >= 0] // q
    seeds = seeds[(seeds >= half) & (seeds < xs.shape[0] - half)]
    qrs_off = np.where(g[:, QRS_OFF] >= 0, g[:, QRS_OFF], beats + int(0.05 * fs))
    qrs = np.stack([np.where(g[:, QRS_ON] >= 0, g[:, QRS_ON], beats - int(0.05 * fs)), qrs_off], axis=1) // q
    # QRS and T waves: on the signal a T wave can pass for a P wave (at half the RR: a false 2:1)
    qrst = np.stack([qrs[:, 0], np.maximum(np.where(g[:, T_OFF] >= 0, g[:, T_OFF], qrs_off + int(0.35 * fs)) // q,
                                           qrs[:, 1])], axis=1)
    if seeds.size >= 3:  # P waves the delineation found: searched on the signal itself, in
        # the leads where the template is largest
        tmpl = median0(xs[seeds[:, None] + np.arange(-half, half + 1)], axis=0)  # np.median's values
        top = np.sort(np.argsort(-(tmpl - tmpl.mean(axis=0)).var(axis=0))[:SCAN_LEADS])
        found, corr = _find(xs[:, top], fsq, tmpl[:, top], qrst)
    else:  # hardly any P wave before a QRS: P waves unrelated to the QRS, also within the T
        # waves of the cancelled signal
        res = _cancel_ventricles(xs, fsq, beats // q)
        tmpl = _alike_deflections(res, fsq, half)
        if tmpl is None:
            return None
        (f1, c1), (f2, c2) = _find(xs, fsq, tmpl, qrst), _find(res, fsq, tmpl, qrs)
        order = np.argsort(np.r_[f1, f2], kind="stable")
        found, corr = np.r_[f1, f2][order], np.r_[c1, c2][order]
    keep = np.concatenate(([True], (found[1:] - found[:-1]) > round(0.1 * fsq))) if found.size else np.zeros(0, bool)
    p, corr = found[keep] * q + q // 2, corr[keep]
    n = x.shape[0]
    if n <= EPISODES_FROM_S * fs:
        return _conduction(p, corr, fs, beats, g, n, labels)
    return _episodes(p, corr, fs, beats, g, n, labels)


#: Records longer than EPISODES_FROM_S (s; Holter chunks, not a 10-61 s ECG strip) are judged in
#: consecutive windows of EPISODE_S: the atrial rate drifts and blocks come and go; the result
#: names the kind of most windows.
EPISODE_S, EPISODES_FROM_S = 10.0, 62.0
_SEVERITY = ("mobitz1", "second_degree", "second_degree_2to1", "mobitz2", "complete")


def _episodes(p: np.ndarray, corr: np.ndarray, fs: float, beats: np.ndarray, g: np.ndarray, n: int,
              labels: tuple[str, ...] | None) -> AtrialActivity:
    """:func:`_conduction` in consecutive :data:`EPISODE_S` windows; the block of most windows
    (ties: the more serious) with one such window's evidence, and every window's block as
    ``episodes`` (start_s, stop_s, av_block) in the evidence."""
    step = int(EPISODE_S * fs)
    found: list[tuple[int, int, AtrialActivity]] = []
    rates, blocked = [], []
    for a in range(0, n - step // 2, step):
        b = min(n, a + step) if n - (a + step) >= step // 2 else n  # a short tail joins the last window
        ib = (beats >= a) & (beats < b)
        ip = (p >= a) & (p < b)
        if np.count_nonzero(ib) < 3:
            continue
        w = _conduction(p[ip] - a, corr[ip], fs, beats[ib] - a, np.where(g[ib] >= 0, g[ib] - a, -1), b - a,
                        tuple(np.asarray(labels)[ib]) if labels is not None and len(labels) == beats.size else None)
        if w.rate_bpm is not None:
            rates.append(w.rate_bpm)
        # the window's blocked P waves as samples of the record: ``w.blocked`` indexes the
        # window's own P waves, those its off-time screening kept (``w.p_samples``)
        blocked.append(w.p_samples[w.blocked] + a)
        if w.av_block is not None:
            found.append((a, b, w))
        if b == n:
            break
    whole = _conduction(p, corr, fs, beats, g, n, labels)  # P waves and PR of the whole record
    # the record's kind: the one of most windows (a 2:1 window whose blocked P wave hid in a
    # QRS reads as Mobitz II), then the more serious
    count = {k: sum(f[2].av_block == k for f in found) for k in _SEVERITY}
    worst = max(found, key=lambda f: (count[f[2].av_block], _SEVERITY.index(f[2].av_block))) if found else None
    ev = dict(worst[2].evidence) if worst else dict(whole.evidence)
    ev["episodes"] = [{"start_s": round(a / fs, 1), "stop_s": round(b / fs, 1), "av_block": w.av_block}
                      for a, b, w in found][:MAX_LISTED]
    at = np.concatenate(blocked).astype(np.int64) if blocked else np.zeros(0, np.int64)
    ev["n_blocked_p"] = int(at.size)
    ev["blocked_p_s"] = [round(float(v) / fs, 3) for v in at[:MAX_LISTED]]
    # as indices into the whole record's P waves (``AtrialActivity.blocked``); one the whole
    # record's off-time screening dropped is listed by time only
    idx = np.searchsorted(whole.p_samples, at)
    found_p = idx < whole.p_samples.size
    found_p[found_p] = whole.p_samples[idx[found_p]] == at[found_p]
    every = idx[found_p]
    rate = round(median1(rates), 1) if rates else None
    return AtrialActivity(whole.p_samples, rate, whole.regular, every, whole.pr_ms,
                          worst[2].av_block if worst else None, ev)


def _av_block_can_show(beats: np.ndarray, g: np.ndarray, fs: float) -> bool:
    """Whether a second- or third-degree AV block can show in these beats (the search is
    skipped otherwise): a ventricular rate below :data:`GATE_RATE_BPM` (2:1 block), a pause
    (an RR >= 1.5 x the median: a blocked P wave), or a regular rhythm (RR CV < 0.1) with P
    waves found before fewer than 80 % of the QRS complexes (P waves unrelated to them)."""
    # a handful of beats: plain Python on lists, numpy's values (np.median, and np.mean and
    # np.std by numpy's pairwise sum, _psum)
    b = beats.tolist()
    rr = [(v - u) / fs for u, v in itertools.pairwise(b)]
    med = median1(rr)
    n = len(rr)
    mean = _psum(rr) / n
    share_p = np.count_nonzero(g[:, P_PEAK] >= 0) / g.shape[0] if g.shape[0] else math.nan
    unrelated = share_p < 0.8 and math.sqrt(_psum([(v - mean) * (v - mean) for v in rr]) / n) < 0.1 * mean
    return bool(med >= 60.0 / GATE_RATE_BPM or max(rr) >= 1.5 * med or unrelated)


def _cancel_ventricles(xs: np.ndarray, fsq: float, r: np.ndarray) -> np.ndarray:
    """``xs`` minus its median beat (0.25 s before to 0.7 median RR after each R peak) at every
    beat; where two beats' windows overlap (short RR intervals) one of them is subtracted."""
    rr = int(np.median(np.diff(r))) if r.size >= 2 else int(fsq)
    pre, post = int(0.25 * fsq), max(1, int(0.7 * rr))
    inside = r[(r >= pre) & (r + post <= xs.shape[0])]
    res = xs.copy()
    if inside.size < 3:
        return res
    idx = inside[:, None] + np.arange(-pre, post)[None, :]
    res[idx] -= np.median(xs[idx], axis=0)[None]
    return res


def _alike_deflections(res: np.ndarray, fsq: float, half: int) -> np.ndarray | None:
    """Template from the largest group (>= 3) of alike deflections of the cancelled signal:
    peaks of its multi-lead envelope, correlation >= MIN_CORRELATION with the group's medoid."""
    env = np.sqrt((uniform_filter1d(res, max(1, round(0.02 * fsq)), axis=0) ** 2).sum(axis=1))
    rad = round(0.1 * fsq)
    peak = (env >= 4.0 * float(np.median(env))) & (env == maximum_filter1d(env, 2 * rad + 1, mode="nearest"))
    cand = [int(i) for i in np.flatnonzero(peak) if half <= i < env.size - half]
    if len(cand) < 3:
        return None
    t = np.arange(-half, half + 1, dtype=np.float64)
    t /= np.sqrt(t @ t)
    w = _detrended(np.stack([res[c - half: c + half + 1] for c in cand]), t).reshape(len(cand), -1)
    w /= np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-12)
    alike = (w @ w.T) >= MIN_CORRELATION
    best = int(np.argmax(alike.sum(axis=1)))
    members = np.flatnonzero(alike[best])
    if members.size < 3:
        return None
    return np.median(np.stack([res[cand[m] - half: cand[m] + half + 1] for m in members]), axis=0)


def _conduction(p: np.ndarray, corr: np.ndarray, fs: float, beats: np.ndarray, g: np.ndarray, n: int,
                labels: tuple[str, ...] | None) -> AtrialActivity:
    """Atrial rhythm and AV conduction from the P-wave peaks ``p`` (``corr``: their
    correlation with the template) and the beats."""
    qon = np.where(g[:, QRS_ON] >= 0, g[:, QRS_ON], beats - int(0.05 * fs))
    p, corr, base = _drop_off_time(p, corr, fs)
    pp = np.diff(p) / fs
    ev: dict[str, Any] = {"n_p_waves": int(p.size), "n_beats": int(beats.size)}
    # per beat: the last P wave before its QRS onset, within PR_MAX_S
    k = np.searchsorted(p, qon) - 1
    pr = np.full(beats.size, np.nan)
    has = k >= 0
    pr[has] = (qon[has] - p[k[has]]) / fs
    pr[pr > PR_MAX_S] = np.nan
    pr_ms = pr * 1000.0
    if base is None:
        return AtrialActivity(p, None, False, np.zeros(0, np.int64), pr_ms, None, ev)
    mult = np.rint(pp / base)
    on_time = _on_time(pp, base)
    on_frac = int(np.count_nonzero(on_time)) / on_time.size if on_time.size else math.nan  # on_time.mean()
    regular = bool(pp.size >= 2 and on_frac >= 0.85)
    rate = round(60.0 / base, 1)
    single = pp[on_time & (mult == 1)] * 1000.0  # consecutive P waves, none hidden between
    ev |= {"atrial_rate_bpm": rate, "pp_on_time_fraction": round(on_frac, 2),
           "pp_range_ms": round(float(single.max() - single.min()), 1) if single.size >= 2 else None}
    # a blocked P wave: on time (the P-P intervals before and after it within
    # BLOCKED_PP_TOLERANCE of the basic interval: midway between its neighbours, where a U wave
    # or a T wave is not), no QRS onset PR_MIN_S-PR_MAX_S after it, and far enough from the
    # end to see one
    nxt = np.searchsorted(qon, p + int(PR_MIN_S * fs))
    follow = np.where(nxt < qon.size, (qon[np.minimum(nxt, qon.size - 1)] - p) / fs, np.inf)
    one = np.abs(pp / base - 1.0) <= BLOCKED_PP_TOLERANCE
    prev_ok = np.concatenate(([False], one)) & np.concatenate((one, [False]))
    after = np.minimum(np.searchsorted(beats, p), beats.size - 1)
    ectopic = np.asarray([x == "V" for x in labels], bool) if labels is not None and len(labels) == beats.size \
        else np.zeros(beats.size, bool)
    near_ectopic = ectopic[after] | ectopic[np.maximum(after - 1, 0)]
    blocked = np.flatnonzero(prev_ok & (follow > PR_MAX_S) & (p + int(PR_MAX_S * fs) < n)
                             & (p > beats[0]) & ~near_ectopic & (corr >= BLOCKED_MIN_CORRELATION))
    ev["n_blocked_p"] = int(blocked.size)
    ev["blocked_p_s"] = [round(float(p[b]) / fs, 3) for b in blocked[:MAX_LISTED]]
    rr = np.diff(beats) / fs
    v_rate = 60.0 / median1(rr)
    ev["ventricular_rate_bpm"] = round(v_rate, 1)
    kind = None
    if regular and blocked.size and rate <= ATRIAL_RATE_MAX_BPM:
        conducted = pr[np.isfinite(pr)]
        rr_cv = float(np.std(rr) / np.mean(rr))
        spread = float(conducted.max() - conducted.min()) if conducted.size >= 2 else 0.0
        phase = _phase_crowding(p, beats)
        ev |= {"rr_cv": round(rr_cv, 3), "pr_spread_ms": round(spread * 1000.0, 1),
               "p_phase_crowding": None if phase is None else round(phase, 2)}
        if rr_cv <= CHB_RR_CV_MAX and rate >= CHB_RATE_RATIO_MIN * v_rate and spread >= CHB_PR_SPREAD_S:
            kind = "complete" if phase is not None and phase <= CHB_PHASE_CROWDING_MAX else None
        else:
            kind = _second_degree(blocked, pr, k, beats, ev)
    return AtrialActivity(p, rate, regular, blocked, pr_ms, kind, ev)


def _phase_crowding(p: np.ndarray, beats: np.ndarray) -> float | None:
    """Largest share of the P waves in one fifth of the cardiac cycle (their time since the
    last R peak over that RR interval): dissociated P waves march through every phase (about
    0.2-0.4), deflections tied to the QRS-T (T or U waves) crowd in one or two (None with
    fewer than 5 P waves between beats)."""
    j = np.searchsorted(beats, p) - 1
    ok = (j >= 0) & (j + 1 < beats.size)
    if np.count_nonzero(ok) < 5:
        return None
    ph = (p[ok] - beats[j[ok]]) / (beats[j[ok] + 1] - beats[j[ok]])
    return float(np.bincount(np.minimum((ph * 5).astype(np.int64), 4), minlength=5).max() / ph.size)


def _second_degree(blocked: np.ndarray, pr: np.ndarray, k: np.ndarray, beats: np.ndarray,
                   ev: dict[str, Any]) -> str | None:
    """Type of a second-degree block: 2:1, Mobitz I or II, or unspecified."""
    conducted_p = set(k[np.isfinite(pr)].tolist())
    if len(conducted_p) < 2:
        return None
    # PR before and after each blocked P wave (the beats whose P wave is the one before / after it)
    before, after = [], []
    for b in blocked:
        i = np.flatnonzero(k == b - 1)
        j = np.flatnonzero(k == b + 1)
        # a conducted P wave has its PR (peak to QRS onset) >= PR_CONDUCTED_MIN_S: a deflection
        # right before the QRS is not a P wave conducted over the AV node
        if i.size and j.size and min(pr[i[0]], pr[j[0]]) >= PR_CONDUCTED_MIN_S:
            before.append(pr[i[0]])
            after.append(pr[j[0]])
    if not before:
        return None
    # 2:1: every other P wave blocked (blocked ones two P waves apart), not a dropped beat now and
    # then, and the conducted ones at a fixed PR (a drifting PR is dissociation near a 2:1 ratio)
    fixed = float(np.ptp(np.r_[before, after])) <= TWO_TO_ONE_PR_SPREAD_S
    two_to_one = len(before) >= 2 and bool(np.all(np.diff(blocked) == 2)) and fixed
    ev["pr_before_blocked_ms"] = [round(float(v) * 1000.0, 1) for v in before]
    ev["pr_after_blocked_ms"] = [round(float(v) * 1000.0, 1) for v in after]
    if two_to_one:
        return "second_degree_2to1"
    if min(b - a for a, b in zip(after, before, strict=True)) >= 0.03:
        return "mobitz1"
    if float(np.ptp(pr[np.isfinite(pr)])) <= 0.015:
        return "mobitz2"
    return "second_degree"
