"""Per-lead QRS/ST/T/P morphology of a median beat (see :mod:`cardiokit.ecg.morphology`).

All leads are measured at once: the median beat's leads are rows of one array, every
wave's amplitudes and extremes are row reductions (summed in the same pairwise order as a
1-D per-lead slice, so the numbers are those of measuring lead by lead), the QRS of every
lead is cut at its baseline crossings in one pass; merging and naming the handful of
lobes of each lead is plain Python.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields
from operator import itemgetter
from typing import Any

import numpy as np

__all__ = ["MIN_WAVE_FRACTION", "MIN_WAVE_MV", "LeadMorphology", "lead_morphology"]

#: smallest deflection counted as a QRS wave (mV) and as a share of the lead's QRS p-p
MIN_WAVE_MV = 0.02
MIN_WAVE_FRACTION = 0.05


@dataclass(frozen=True)
class LeadMorphology:
    """Morphology of one lead's median beat (amplitudes in mV, durations in ms; None: absent)."""

    lead: str
    pattern: str
    q_mv: float
    q_ms: float
    r_mv: float
    r_ms: float
    s_mv: float
    s_ms: float
    r2_mv: float  # R' (second positive wave), 0 when none
    s2_mv: float
    notched: bool
    r_peak_time_ms: float | None
    qrs_ms: float | None
    qrs_ptp_mv: float
    qrs_net_mv: float  # largest positive + largest negative deflection
    qrs_area_mv_ms: float
    st_j_mv: float | None
    st_60_mv: float | None
    st_80_mv: float | None
    t_pos_mv: float | None
    t_neg_mv: float | None
    t_mv: float | None
    t_polarity: str | None
    p_mv: float | None
    p_pos_mv: float | None
    p_neg_mv: float | None
    p_ms: float | None
    p_terminal_mv: float | None
    p_terminal_ms: float | None
    ptf_mv_ms: float | None
    p_notch_ms: float | None  # distance between the two peaks of a notched P, None if single

    @property
    def has_q(self) -> bool:
        return self.q_mv < 0.0

    @property
    def qs(self) -> bool:
        return self.pattern.upper() == "QS"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in vars(self).items():
            out[k] = round(float(v), 3) if isinstance(v, (float, np.floating)) else v
        return out


# -- per-lead median-beat morphology ------------------------------------------------------
# Lobes are [sign, start, end, peak_idx, peak] (Python numbers). Every lead's QRS is cut at
# its baseline crossings in one pass over all leads (:func:`_raw_lobes`); the merging and
# naming of a handful of lobes per lead is plain Python.
def _raw_lobes(q: np.ndarray, rows: list[list[float]]) -> list[list[list[float]]]:
    """Per row of ``q`` ``(n_leads, n)`` (``rows``: ``q.tolist()``): its lobes between baseline
    crossings (0 counts as positive), each with the first sample of its largest absolute value.

    The crossings of all rows come from one array pass; a lobe's peak is found on the row's
    list (a positive lobe's largest |x| is its maximum, a negative one's its minimum)."""
    n = q.shape[1]
    pos = q >= 0
    r, c = np.nonzero(pos[:, 1:] != pos[:, :-1])  # a crossing between samples c and c + 1
    cuts: list[list[int]] = [[] for _ in rows]
    for i, k in zip(r.tolist(), (c + 1).tolist(), strict=True):
        cuts[i].append(k)
    out: list[list[list[float]]] = []
    for x, cut in zip(rows, cuts, strict=True):
        lobes = []
        a = 0
        for b in (*cut, n):
            if x[a] >= 0:
                k = x.index(max(x[a:b]), a, b)
                lobes.append([1.0, a, b, k, x[k]])
            else:
                k = x.index(min(x[a:b]), a, b)
                lobes.append([-1.0, a, b, k, x[k]])
            a = b
        out.append(lobes)
    return out


def _merge_lobes(raw: list[list[float]], thr: float) -> list[list[float]]:
    """Lobes below ``thr`` are absorbed (their samples join the neighbour), then same-sign
    neighbours merge."""
    merged: list[list[float]] = []
    for lb in raw:
        if abs(lb[4]) < thr:
            continue
        if merged and merged[-1][0] == lb[0]:
            m = merged[-1]
            m[2] = lb[2]
            if abs(lb[4]) > abs(m[4]):
                m[3], m[4] = lb[3], lb[4]
        else:
            merged.append(list(lb))
    return merged


def _notch(x: list[float], a: int, b: int, sign: float, thr: float, peaks: list[int]) -> bool:
    """Two peaks within one lobe separated by a dip of >= max(thr, 10 % of the lobe).

    ``peaks``: the local maxima of ``sign * x`` (sample ``i`` >= its left, > its right
    neighbour); those inside the lobe (not at its ends) above 35 % of its peak count."""
    if b - a < 5:
        return False
    pk = [i for i in peaks if a < i < b - 1]
    if len(pk) < 2:
        return False
    seg = x if sign > 0 else [-v for v in x]
    top = max(seg[a:b])
    need = max(thr, 0.10 * top)
    lim = 0.35 * top
    pk = [i for i in pk if seg[i] >= lim]
    for i, j in itertools.combinations(pk, 2):
        if min(seg[i], seg[j]) - min(seg[i : j + 1]) >= need:
            return True
    return False


_PEAK = itemgetter(4)  # a lobe's peak value


def _wave_split(lobes: list[list[float]], ms: float) -> dict[str, Any]:
    q: tuple = (0.0, 0.0)
    r: tuple = (0.0, 0.0, -1)
    s: tuple = (0.0, 0.0)
    r2: tuple = (0.0, -1)
    s2 = 0.0
    pat = ""
    pos = [lb for lb in lobes if lb[0] > 0]
    if not pos:
        if lobes:
            lb = min(lobes, key=_PEAK)
            q = (lb[4], (lobes[-1][2] - lobes[0][1]) * ms)
            pat = "QS"
        return {"q": q, "r": r, "s": s, "r2": r2, "s2": s2, "pattern": pat, "lobes": lobes}
    # a wave's letter is a capital when it is >= half the lead's largest wave
    half = 0.5 * max([abs(lb[4]) for lb in lobes])
    first_pos = lobes.index(pos[0])
    if first_pos > 0:
        lb = lobes[first_pos - 1]
        q = (lb[4], (lb[2] - lb[1]) * ms)
        pat = "Q" if abs(lb[4]) >= half else "q"
    lb = pos[0]
    r = (lb[4], (lb[2] - lb[1]) * ms, lb[3])
    pat += "R" if abs(lb[4]) >= half else "r"
    negs = [lb for lb in lobes[first_pos + 1 :] if lb[0] < 0]
    if negs:
        lb = negs[0]
        s = (lb[4], (lb[2] - lb[1]) * ms)
        pat += "S" if abs(lb[4]) >= half else "s"
    if len(pos) > 1:
        lb = pos[1]
        r2 = (lb[4], lb[3])
        pat += "R'" if abs(lb[4]) >= half else "r'"
        if len(negs) > 1:
            s2 = negs[1][4]
            pat += "S'" if abs(s2) >= half else "s'"
    return {"q": q, "r": r, "s": s, "r2": r2, "s2": s2, "pattern": pat, "lobes": lobes}


#: a last positive lobe is an R' only when the signal falls by this share of it (and by at
#: least half the smallest wave, 10 uV) within R2_FALL_S after its peak; otherwise it is the ST upslope / J
#: point caught by a late QRS offset (common in V1-V3), not a wave
R2_FALL_FRACTION = 0.25
R2_FALL_S = 0.06


def _drop_terminal_upslope(ws: dict[str, Any], raw: list[list[float]], x: np.ndarray, qon: int, fs: float,
                           thr: float) -> dict[str, Any]:
    """Remove a final positive lobe after a negative one (r' after S, r after QS) that does
    not come down again (see :data:`R2_FALL_FRACTION`): the QRS is re-split without it
    (the lobes before its start, which is a baseline crossing)."""
    lobes = ws["lobes"]
    if len(lobes) < 2 or lobes[-1][0] < 0 or lobes[-2][0] > 0:
        return ws
    last = lobes[-1]
    pk = qon + int(last[3])
    after = x[pk : pk + max(2, round(R2_FALL_S * fs)) + 1]
    if after.size >= 2 and last[4] - float(np.minimum.reduce(after)) >= max(0.5 * MIN_WAVE_MV, R2_FALL_FRACTION * last[4]):
        return ws
    return _wave_split(_merge_lobes([lb for lb in raw if lb[2] <= last[1]], thr), 1000.0 / fs)


#: P and T measures per lead, in :class:`LeadMorphology`'s field order
_P_KEYS = ("p_mv", "p_pos_mv", "p_neg_mv", "p_ms", "p_terminal_mv", "p_terminal_ms", "ptf_mv_ms", "p_notch_ms")
_T_KEYS = ("t_pos_mv", "t_neg_mv", "t_mv", "t_polarity")
_NONE_P = (None,) * len(_P_KEYS)
_NONE_T = (None,) * len(_T_KEYS)


def _peak_values(seg: np.ndarray, hi: list[float], lo: list[float]) -> list[float]:
    """Per row of ``seg``: its first value of largest magnitude (``seg[i, argmax(|seg[i]|)]``),
    from the row's maximum ``hi`` and minimum ``lo``: every sample of largest magnitude
    is the maximum when ``|hi| > |lo|``, the minimum when ``|lo| > |hi|``; rows where
    neither holds (a tie, NaN) by the argmax."""
    out: list[float] = []
    ties = []
    for i, (h, v) in enumerate(zip(hi, lo, strict=True)):
        ah, av = abs(h), abs(v)
        if ah > av:
            out.append(h)
        elif av > ah:
            out.append(v)
        else:
            out.append(h)
            ties.append(i)
    if ties:
        full = seg[np.arange(seg.shape[0]), np.argmax(np.abs(seg), axis=1)].tolist()
        for i in ties:
            out[i] = full[i]
    return out


def _p_waves(x: np.ndarray, a: int, b: int, fs: float, thr: list[float]) -> list[tuple]:
    """P-wave measures (:data:`_P_KEYS`) of every lead (rows of ``x``) between ``a`` and ``b``
    (thresholds ``thr``)."""
    if a < 0 or b <= a + 2:
        return [_NONE_P] * x.shape[0]
    seg = x[:, a : b + 1]
    nl, n = seg.shape
    ms = 1000.0 / fs
    hi, lo = seg.max(axis=1).tolist(), seg.min(axis=1).tolist()
    pk = _peak_values(seg, hi, lo)
    # notch: two local maxima >= half the main phase separated by a dip
    pos = [max(h, 0.0) for h in hi]
    neg = [min(v, 0.0) for v in lo]
    sgn_l = [-1.0 if p < -m else 1.0 for p, m in zip(pos, neg, strict=True)]
    sv = seg * np.asarray(sgn_l)[:, None]  # the main phase positive (exact negation)
    top = sv.max(axis=1)
    mid = sv[:, 1:-1]
    lm = (mid >= sv[:, :-2]) & (mid > sv[:, 2:]) & (mid >= 0.5 * top[:, None])
    cnt = np.count_nonzero(lm, axis=1).tolist()
    top_l = top.tolist()
    rows = seg.tolist()
    lm_l: list[list[bool]] | None = None
    out = []
    for j in range(nl):
        row = rows[j]
        # terminal negative phase: the samples after the last non-negative one (all negative,
        # NaN counting as negative), from `start` (n: the last sample is not negative)
        start = n
        while start > 0 and not row[start - 1] >= 0:
            start -= 1
        term_mv = term_ms = None
        if start < n:
            tail_min = min(row[start:]) if hi[j] == hi[j] else float(seg[j, start:].min())  # NaN: numpy's
            if tail_min <= -thr[j]:
                term_mv = tail_min
                term_ms = (n - start) * ms
        notch = None
        if cnt[j] >= 2 and top_l[j] > 0:
            if lm_l is None:
                lm_l = lm.tolist()
            m = lm_l[j]
            i0, i1 = m.index(True) + 1, len(m) - m[::-1].index(True)  # the first and last such maximum
            # on the main phase made positive: the two maxima and the lowest sample between
            if sgn_l[j] > 0:
                v0, v1, dip = row[i0], row[i1], min(row[i0 : i1 + 1])
            else:
                v0, v1, dip = -row[i0], -row[i1], -max(row[i0 : i1 + 1])
            if min(v0, v1) - dip >= max(thr[j] * 0.5, 0.1 * top_l[j]):
                notch = (i1 - i0) * ms
        out.append((pk[j], pos[j], neg[j], (b - a) * ms, term_mv, term_ms,
                    None if term_mv is None else abs(term_mv) * term_ms, notch))
    return out


def _t_waves(x: np.ndarray, a: int, b: int, r_mv: list[float]) -> list[tuple]:
    """T-wave measures (:data:`_T_KEYS`) of every lead (rows of ``x``) between ``a`` and ``b``."""
    if a < 0 or b <= a:
        return [_NONE_T] * x.shape[0]
    seg = x[:, a : b + 1]
    hi_l, lo_l = seg.max(axis=1).tolist(), seg.min(axis=1).tolist()
    pk = _peak_values(seg, hi_l, lo_l)
    out = []
    for hi, lo, t, r in zip(hi_l, lo_l, pk, r_mv, strict=True):
        pos, neg = max(hi, 0.0), min(lo, 0.0)
        big = max(pos, -neg)
        if big < 0.1 and big < 0.1 * max(r, 1e-9):
            pol = "flat"
        elif pos >= max(0.1, 0.25 * -neg) and -neg >= max(0.1, 0.25 * pos):
            pol = "biphasic"
        else:
            pol = "positive" if pos >= -neg else "negative"
        out.append((pos, neg, t, pol))
    return out


def _lead_morphology(values: tuple) -> LeadMorphology:
    """``LeadMorphology(*values)`` (every field given, in declaration order) without the
    frozen dataclass's per-field ``object.__setattr__`` calls: the same object, a few times
    faster."""
    obj = object.__new__(LeadMorphology)
    obj.__dict__.update(zip(_LEAD_FIELDS, values, strict=True))
    return obj


_LEAD_FIELDS = tuple(f.name for f in fields(LeadMorphology))
# the P and T measures close the field list, in the order _p_waves and _t_waves give them
assert _LEAD_FIELDS[-len(_P_KEYS) - len(_T_KEYS):] == _T_KEYS + _P_KEYS


def _row_lists(m: np.ndarray, cut: np.ndarray) -> list[list[int]]:
    """Per row of the mask ``m`` ``(rows, n - 2)`` (``cut``: ``arange(rows + 1)``): the columns
    where it holds, plus one (sample indices of the row it was computed from)."""
    rows, cols = np.nonzero(m)
    at = np.searchsorted(rows, cut).tolist()
    cl = (cols + 1).tolist()
    return [cl[at[j] : at[j + 1]] for j in range(cut.size - 1)]


def lead_morphology(median_beat: Any) -> dict[str, LeadMorphology]:
    """Per-lead morphology (lead name lowercased -> :class:`LeadMorphology`) of a median beat.

    ``median_beat`` is a :class:`cardiokit.ecg._measure_median.MedianBeat` (signals in mV,
    finite, ``global_`` fiducials). Leads are measured between the *global* QRS onset and
    offset. All leads are measured at once (one array per wave), lobes per lead.
    """
    g = np.asarray(median_beat.global_, np.int64)
    fs = float(median_beat.fs)
    # leads as rows: the per-row reductions below sum in the same (pairwise) order as the
    # per-lead 1-D ones, so every value is the same as measuring lead by lead
    xs = np.array(np.asarray(median_beat.signals).T, np.float64, order="C")
    qon, qoff = int(g[3]), int(g[5])
    out: dict[str, LeadMorphology] = {}
    if qon < 0 or qoff <= qon or xs.shape[0] == 0:
        return out
    ms = 1000.0 / fs
    w = max(1, round(0.01 * fs))
    nl, n = xs.shape
    base = xs[:, max(qon - w, 0) : qon + 1]
    # the PR-segment mean as np.mean computes it (sum, then division by the count), taken
    # off in place (xs is our own copy)
    xs -= (np.add.reduce(base, axis=1) / base.shape[1])[:, None]
    x = xs
    qrs = np.ascontiguousarray(x[:, qon : qoff + 1])
    qmax, qmin = qrs.max(axis=1), qrs.min(axis=1)
    ptp = (qmax - qmin).tolist()
    net = (qmax + qmin).tolist()
    area = (qrs.sum(axis=1) * ms).tolist()
    st = {}
    for key, off in (("st_j_mv", 0.0), ("st_60_mv", 0.06), ("st_80_mv", 0.08)):
        k = qoff + round(off * fs)
        st[key] = x[:, k].tolist() if k < n else [None] * nl
    per = np.asarray(median_beat.per_lead, np.int64)
    lq = per[:nl] if per.ndim == 2 and per.shape[0] >= nl else np.asarray(
        [per[j] if per.ndim == 2 and j < per.shape[0] else g for j in range(nl)])
    lq_ok = ((lq[:, 3] >= 0) & (lq[:, 5] > lq[:, 3])).tolist()
    lq_ms = (lq[:, 5] - lq[:, 3]) * ms
    qrs_l = qrs.tolist()
    raw = _raw_lobes(qrs, qrs_l)
    # local maxima of every lead's QRS (notch candidates of R lobes); the minima (of QS
    # lobes) only when a lead is QS
    mid = qrs[:, 1:-1]
    cut = np.arange(nl + 1)
    maxima = _row_lists((mid >= qrs[:, :-2]) & (mid > qrs[:, 2:]), cut)
    minima: list[list[int]] | None = None
    waves = []
    for j in range(nl):
        thr = max(MIN_WAVE_MV, MIN_WAVE_FRACTION * ptp[j])
        ws = _wave_split(_merge_lobes(raw[j], thr), ms)
        ws = _drop_terminal_upslope(ws, raw[j], x[j], qon, fs, thr)
        if ws["pattern"] == "QS":
            if minima is None:
                minima = _row_lists((mid <= qrs[:, :-2]) & (mid < qrs[:, 2:]), cut)
            notched = any(_notch(qrs_l[j], lb[1], lb[2], lb[0], thr, maxima[j] if lb[0] > 0 else minima[j])
                          for lb in ws["lobes"])
        else:
            notched = any(lb[0] > 0 and _notch(qrs_l[j], lb[1], lb[2], lb[0], thr, maxima[j]) for lb in ws["lobes"])
        waves.append((ws, notched))
    t = _t_waves(x, int(g[6]), int(g[8]), [max(ws["r"][0], 0.0) for ws, _ in waves])
    p = _p_waves(x, int(g[0]), int(g[2]), fs, [max(MIN_WAVE_MV, 0.02 * v) for v in ptp])
    st_j, st_60, st_80 = st["st_j_mv"], st["st_60_mv"], st["st_80_mv"]
    for j, name in enumerate(median_beat.leads):
        ws, notched = waves[j]
        q_mv, q_ms = ws["q"]
        r_mv, r_ms, r_idx = ws["r"]
        s_mv, s_ms = ws["s"]
        r2_mv, r2_idx = ws["r2"]
        last_r = r2_idx if r2_idx >= 0 else r_idx
        # the wave values are Python floats already (the rows' lists, products with ms)
        out[name.lower()] = _lead_morphology((
            name, ws["pattern"], q_mv, q_ms, r_mv, r_ms, s_mv, s_ms,
            r2_mv, ws["s2"], notched, None if last_r < 0 else last_r * ms,
            lq_ms[j] if lq_ok[j] else None, ptp[j], net[j], area[j], st_j[j], st_60[j], st_80[j],
            *t[j], *p[j]))
    return out
