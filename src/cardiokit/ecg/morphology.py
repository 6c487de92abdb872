"""Per-lead QRS/ST/T/P morphology of the median beat, beat classes and pacemaker spikes.

What the diagnostic criteria of :mod:`cardiokit.interpret` need, measured the way the
12-lead programs (Glasgow, GE 12SL, the CSE reference) measure them: on the *median beat*
of each lead (:class:`~cardiokit.ecg.measure.Measurements` ``.median_beat``), with the
global (multi-lead) QRS onset and offset, amplitudes relative to the PR-segment baseline
(the 10 ms before QRS onset).

Per lead (:class:`LeadMorphology`):

* QRS waves: the QRS (global onset to offset) is cut at its baseline crossings into
  positive and negative lobes; lobes smaller than ``max(20 uV, 5 % of the lead's QRS
  peak-to-peak)`` are not waves (merged into their neighbours). The first negative lobe
  before the first positive one is Q, positive lobes are R and R', negative lobes after R
  are S and S'. ``pattern`` names the complex with the usual case convention (capital
  when the wave is >= half the largest wave of the lead): ``QS``, ``rS``, ``Rs``, ``qR``,
  ``qRs``, ``rsR'``, ``RSR'``, ``R`` ... ; ``notched`` is True when an R (or QS) lobe has two
  peaks separated by a dip of at least 10 % of the lobe (and >= 20 uV): a notched or
  "M-shaped" R counts as R' in V1 for right bundle branch block (Surawicz 2009).
* R-peak time (intrinsicoid deflection): QRS onset to the peak of the last R wave (R').
* ST level at J (the global QRS offset), J+60 ms and J+80 ms; ST slope J -> J+80.
* T wave: largest positive and negative deflection between global T onset and offset,
  ``t_polarity`` positive / negative / biphasic (both phases >= 0.1 mV or >= 25 % of the
  other) / flat (< 0.1 mV and < 10 % of R).
* P wave: peak, positive and negative phase amplitude, duration, and in every lead the
  negative terminal phase's depth x duration (P terminal force, PTF; used in V1, Morris
  et al. 1964).

Frontal QRS axis (:func:`frontal_axis`): from the net QRS areas of leads I and aVF of the
median beat (hexaxial: I = A cos(axis), aVF = A sin(axis) x sqrt(3)/2). When the amplitudes
were normalised lead by lead (``calibrated=False``), the relative gains of the six limb
leads are first recovered from the Einthoven (III = II - I) and Goldberger (aVR, aVL, aVF)
relations by least squares (:func:`limb_lead_gains`): four linear relations hold at every
sample, which fixes the five gain ratios (exact on LUDB 1.0.1: the recovered ratios match
the header gains to < 0.3 %). The precordial gains cannot be recovered that way.

Beats (:class:`BeatClasses`): each beat is ``N`` (dominant), ``V`` (premature or
wide with a QRS unlike the dominant one: ventricular ectopic), ``A`` (premature with the
dominant QRS: supraventricular ectopic) or ``P`` (preceded by a pacemaker spike).

Pacemaker spikes (:func:`detect_pace_spikes`): narrow, high-slew deflections seen at the
same instant in several leads, on the *unfiltered* signal. Pacing pulses are 0.1-1 ms
wide; at 500 Hz the device's anti-alias filter leaves a 1-3 sample spike, which is what
this detects. Below 500 Hz a spike cannot be told from a sharp QRS reliably: at
``fs < 400 Hz`` no spikes are searched (``status="fs_too_low"``), and bipolar pacing,
whose spikes are often below 0.2 mV, may be missed at any rate (then paced beats are
recognised only from their morphology, which the criteria do not attempt).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from .._core.recording import Recording
from .._core.units import VOLT_TO_MV

__all__ = [
    "BeatClasses",
    "LeadMorphology",
    "Morphology",
    "PaceSpikes",
    "analyze_morphology",
    "classify_beats",
    "detect_pace_spikes",
    "frontal_axis",
    "lead_morphology",
    "limb_lead_gains",
]

#: smallest deflection counted as a QRS wave (mV) and as a share of the lead's QRS p-p
MIN_WAVE_MV = 0.02
MIN_WAVE_FRACTION = 0.05
_UNITS_TO_MV = {"": 1.0, **VOLT_TO_MV}


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


@dataclass(frozen=True)
class PaceSpikes:
    """Pacemaker spikes: sample indices, leads seen in, and the beats they precede.

    ``status``: ``"ok"``, ``"fs_too_low"`` (not searched) or ``"no_raw"`` (no unfiltered
    signal given). ``ventricular`` / ``atrial``: per beat, True when a spike precedes the
    QRS onset by 0-50 ms / the P onset by 0-50 ms.
    """

    samples: np.ndarray
    n_leads: np.ndarray
    ventricular: np.ndarray
    atrial: np.ndarray
    status: str = "ok"

    @property
    def ventricular_fraction(self) -> float:
        return float(self.ventricular.mean()) if self.ventricular.size else 0.0

    @property
    def atrial_fraction(self) -> float:
        return float(self.atrial.mean()) if self.atrial.size else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"n_spikes": int(self.samples.size), "status": self.status,
                "ventricular_paced_fraction": round(self.ventricular_fraction, 3),
                "atrial_paced_fraction": round(self.atrial_fraction, 3)}


@dataclass(frozen=True)
class BeatClasses:
    """Per beat: ``labels`` (N, V, A, P), RR before the beat (ms, NaN for the first),
    QRS correlation with the dominant beat, QRS width (ms, NaN unknown), premature flag."""

    labels: tuple[str, ...]
    rr_before_ms: np.ndarray
    correlation: np.ndarray
    qrs_ms: np.ndarray
    premature: np.ndarray
    reference_rr_ms: float | None

    def count(self, label: str) -> int:
        return sum(1 for x in self.labels if x == label)

    def to_dict(self) -> dict[str, Any]:
        return {"labels": "".join(self.labels), "n_v": self.count("V"), "n_a": self.count("A"),
                "n_p": self.count("P"), "reference_rr_ms": None if self.reference_rr_ms is None
                else round(self.reference_rr_ms, 1)}


@dataclass(frozen=True, eq=False)
class Morphology:
    """Everything :func:`analyze_morphology` measured: per-lead median-beat morphology,
    beat classes and pacemaker spikes. ``calibrated`` is False when the amplitudes were
    normalised per lead (absolute-voltage criteria must not be applied)."""

    leads: dict[str, LeadMorphology]
    beats: BeatClasses | None
    pace: PaceSpikes | None
    fs: float
    calibrated: bool = True
    extra: dict = field(default_factory=dict)
    qrs_axis_deg: float | None = None
    limb_gains: dict[str, float] | None = None

    def lead(self, name: str) -> LeadMorphology | None:
        return self.leads.get(name.lower())

    def to_dict(self) -> dict[str, Any]:
        return {"leads": {k: v.to_dict() for k, v in self.leads.items()},
                "beats": None if self.beats is None else self.beats.to_dict(),
                "pace": None if self.pace is None else self.pace.to_dict(),
                "calibrated": self.calibrated,
                "qrs_axis_deg": None if self.qrs_axis_deg is None else round(self.qrs_axis_deg, 1),
                "limb_gains": None if self.limb_gains is None
                else {k: round(v, 4) for k, v in self.limb_gains.items()}}


# -- per-lead median-beat morphology ------------------------------------------------------
# Lobes are [sign, start, end, peak_idx, peak] (Python numbers). Every lead's QRS is cut at
# its baseline crossings in one pass over all leads (:func:`_raw_lobes`); the merging and
# naming of a handful of lobes per lead is plain Python.
def _raw_lobes(q: np.ndarray) -> list[list[list[float]]]:
    """Per row of ``q`` ``(n_leads, n)``: its lobes between baseline crossings (0 counts as
    positive), each with the first sample of its largest absolute value."""
    nl, n = q.shape
    start = np.empty((nl, n), bool)
    start[:, 0] = True
    pos = q >= 0
    np.not_equal(pos[:, 1:], pos[:, :-1], out=start[:, 1:])
    st = np.flatnonzero(start)
    flat = q.reshape(-1)
    ab = np.abs(flat)
    top = np.maximum.reduceat(ab, st)
    hit = np.flatnonzero(ab == np.repeat(top, np.diff(np.append(st, flat.size))))
    k = hit[np.searchsorted(hit, st)]
    row = st // n
    a = st - row * n
    b = np.append(a[1:], n)
    b[np.append(row[1:] != row[:-1], True)] = n
    pk = flat[k]
    sg = np.where(pk < 0, -1.0, 1.0)
    out: list[list[list[float]]] = [[] for _ in range(nl)]
    for lb in zip(row.tolist(), sg.tolist(), a.tolist(), b.tolist(), (k - row * n).tolist(), pk.tolist(),
                  strict=True):
        out[lb[0]].append(list(lb[1:]))
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


def _case(letter: str, amp: float, big: float) -> str:
    return letter.upper() if abs(amp) >= 0.5 * big else letter.lower()


def _wave_split(lobes: list[list[float]], ms: float) -> dict[str, Any]:
    out = {"q": (0.0, 0.0), "r": (0.0, 0.0, -1), "s": (0.0, 0.0), "r2": (0.0, -1), "s2": 0.0,
           "pattern": "", "lobes": lobes}
    if not lobes:
        return out
    pos = [lb for lb in lobes if lb[0] > 0]
    big = max(abs(lb[4]) for lb in lobes)
    if not pos:
        lb = min(lobes, key=lambda v: v[4])
        out["q"] = (lb[4], (lobes[-1][2] - lobes[0][1]) * ms)
        out["pattern"] = "QS"
        return out
    first_pos = lobes.index(pos[0])
    pat = ""
    if first_pos > 0:
        q = lobes[first_pos - 1]
        out["q"] = (q[4], (q[2] - q[1]) * ms)
        pat += _case("q", q[4], big)
    r = pos[0]
    out["r"] = (r[4], (r[2] - r[1]) * ms, r[3])
    pat += _case("r", r[4], big)
    after = lobes[first_pos + 1 :]
    negs = [lb for lb in after if lb[0] < 0]
    if negs:
        out["s"] = (negs[0][4], (negs[0][2] - negs[0][1]) * ms)
        pat += _case("s", negs[0][4], big)
    if len(pos) > 1:
        out["r2"] = (pos[1][4], pos[1][3])
        pat += _case("r", pos[1][4], big) + "'"
        if len(negs) > 1:
            out["s2"] = negs[1][4]
            pat += _case("s", negs[1][4], big) + "'"
    out["pattern"] = pat
    return out


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
    if after.size >= 2 and last[4] - float(after.min()) >= max(0.5 * MIN_WAVE_MV, R2_FALL_FRACTION * last[4]):
        return ws
    return _wave_split(_merge_lobes([lb for lb in raw if lb[2] <= last[1]], thr), 1000.0 / fs)


_NONE_P = dict.fromkeys(("p_mv", "p_pos_mv", "p_neg_mv", "p_ms", "p_terminal_mv", "p_terminal_ms",
                         "ptf_mv_ms", "p_notch_ms"))
_NONE_T = dict.fromkeys(("t_pos_mv", "t_neg_mv", "t_mv", "t_polarity"))


def _p_waves(x: np.ndarray, a: int, b: int, fs: float, thr: np.ndarray) -> list[dict[str, float | None]]:
    """P-wave measures of every lead (rows of ``x``) between ``a`` and ``b`` (thresholds ``thr``)."""
    if a < 0 or b <= a + 2:
        return [_NONE_P] * x.shape[0]
    seg = x[:, a : b + 1]
    nl, n = seg.shape
    ms = 1000.0 / fs
    rows = np.arange(nl)
    pk = seg[rows, np.argmax(np.abs(seg), axis=1)].tolist()
    hi, lo = seg.max(axis=1).tolist(), seg.min(axis=1).tolist()
    # terminal negative phase: the samples after the last non-negative one
    nonneg = seg >= 0
    any_nn = nonneg.any(axis=1)
    start = np.where(any_nn, n - np.argmax(nonneg[:, ::-1], axis=1), 0)
    tail = np.minimum.accumulate(seg[:, ::-1], axis=1)[:, ::-1]
    tail_min = np.append(tail, np.zeros((nl, 1)), axis=1)[rows, start].tolist()
    neg_last = (~nonneg[:, -1]).tolist()
    # notch: two peaks >= half the main phase separated by a dip
    pos = [max(h, 0.0) for h in hi]
    neg = [min(v, 0.0) for v in lo]
    flip = np.asarray([p < -m for p, m in zip(pos, neg, strict=True)])
    s = np.where(flip[:, None], -seg, seg)
    top = s.max(axis=1)
    mid = s[:, 1:-1]
    lm = (mid >= s[:, :-2]) & (mid > s[:, 2:]) & (mid >= 0.5 * top[:, None])
    cnt = lm.sum(axis=1)
    i0 = np.argmax(lm, axis=1) + 1
    i1 = n - 2 - np.argmax(lm[:, ::-1], axis=1)
    idx = np.arange(n)
    dip = np.where((idx >= i0[:, None]) & (idx <= i1[:, None]), s, np.inf).min(axis=1)
    si, sj = s[rows, i0].tolist(), s[rows, np.minimum(i1, n - 1)].tolist()
    out = []
    start_l, cnt_l, i0_l, i1_l, dip_l, top_l = (v.tolist() for v in (start, cnt, i0, i1, dip, top))
    for j in range(nl):
        term_mv = term_ms = None
        if neg_last[j] or neg[j] < -thr[j]:
            if start_l[j] < n and tail_min[j] <= -thr[j]:
                term_mv = tail_min[j]
                term_ms = (n - start_l[j]) * ms
        notch = None
        if cnt_l[j] >= 2 and top_l[j] > 0 and min(si[j], sj[j]) - dip_l[j] >= max(thr[j] * 0.5, 0.1 * top_l[j]):
            notch = (i1_l[j] - i0_l[j]) * ms
        out.append({"p_mv": pk[j], "p_pos_mv": pos[j], "p_neg_mv": neg[j], "p_ms": (b - a) * ms,
                    "p_terminal_mv": term_mv, "p_terminal_ms": term_ms,
                    "ptf_mv_ms": None if term_mv is None else abs(term_mv) * term_ms, "p_notch_ms": notch})
    return out


def _t_waves(x: np.ndarray, a: int, b: int, r_mv: list[float]) -> list[dict[str, Any]]:
    """T-wave measures of every lead (rows of ``x``) between ``a`` and ``b``."""
    if a < 0 or b <= a:
        return [_NONE_T] * x.shape[0]
    seg = x[:, a : b + 1]
    pk = seg[np.arange(seg.shape[0]), np.argmax(np.abs(seg), axis=1)].tolist()
    out = []
    for hi, lo, t, r in zip(seg.max(axis=1).tolist(), seg.min(axis=1).tolist(), pk, r_mv, strict=True):
        pos, neg = max(hi, 0.0), min(lo, 0.0)
        big = max(pos, -neg)
        if big < 0.1 and big < 0.1 * max(r, 1e-9):
            pol = "flat"
        elif pos >= max(0.1, 0.25 * -neg) and -neg >= max(0.1, 0.25 * pos):
            pol = "biphasic"
        else:
            pol = "positive" if pos >= -neg else "negative"
        out.append({"t_pos_mv": pos, "t_neg_mv": neg, "t_mv": t, "t_polarity": pol})
    return out


def _lead_morphology(**kw: Any) -> LeadMorphology:
    """``LeadMorphology(**kw)`` (every field given) without the frozen dataclass's
    per-field ``object.__setattr__`` calls: the same object (fields in declaration order,
    a missing one raises KeyError), a few times faster."""
    obj = object.__new__(LeadMorphology)
    obj.__dict__.update({k: kw[k] for k in _LEAD_FIELDS})
    return obj


_LEAD_FIELDS = tuple(f.name for f in fields(LeadMorphology))


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
    x = xs - xs[:, max(qon - w, 0) : qon + 1].mean(axis=1)[:, None]
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
    raw = _raw_lobes(qrs)
    qrs_l = qrs.tolist()
    # local maxima and minima of every lead's QRS (notch candidates)
    mid = qrs[:, 1:-1]
    peaks = []
    for m in ((mid >= qrs[:, :-2]) & (mid > qrs[:, 2:]), (mid <= qrs[:, :-2]) & (mid < qrs[:, 2:])):
        rows, cols = np.nonzero(m)
        by_row: list[list[int]] = [[] for _ in range(nl)]
        for j, i in zip(rows.tolist(), (cols + 1).tolist(), strict=True):
            by_row[j].append(i)
        peaks.append(by_row)
    waves = []
    for j in range(nl):
        thr = max(MIN_WAVE_MV, MIN_WAVE_FRACTION * ptp[j])
        ws = _wave_split(_merge_lobes(raw[j], thr), ms)
        ws = _drop_terminal_upslope(ws, raw[j], x[j], qon, fs, thr)
        qs = ws["pattern"] == "QS"
        notched = any((lb[0] > 0 or qs) and _notch(qrs_l[j], int(lb[1]), int(lb[2]), lb[0], thr,
                                                   peaks[0 if lb[0] > 0 else 1][j]) for lb in ws["lobes"])
        waves.append((ws, notched))
    t = _t_waves(x, int(g[6]), int(g[8]), [max(ws["r"][0], 0.0) for ws, _ in waves])
    p = _p_waves(x, int(g[0]), int(g[2]), fs, [max(MIN_WAVE_MV, 0.02 * v) for v in ptp])
    for j, name in enumerate(median_beat.leads):
        ws, notched = waves[j]
        q_mv, q_ms = ws["q"]
        r_mv, r_ms, r_idx = ws["r"]
        s_mv, s_ms = ws["s"]
        r2_mv, r2_idx = ws["r2"]
        last_r = r2_idx if r2_idx >= 0 else r_idx
        out[name.lower()] = _lead_morphology(
            lead=name, pattern=ws["pattern"], q_mv=float(q_mv), q_ms=float(q_ms), r_mv=float(r_mv),
            r_ms=float(r_ms), s_mv=float(s_mv), s_ms=float(s_ms), r2_mv=float(r2_mv),
            s2_mv=float(ws["s2"]), notched=bool(notched),
            r_peak_time_ms=None if last_r < 0 else float(last_r * ms),
            qrs_ms=lq_ms[j] if lq_ok[j] else None, qrs_ptp_mv=ptp[j], qrs_net_mv=net[j],
            qrs_area_mv_ms=area[j], st_j_mv=st["st_j_mv"][j], st_60_mv=st["st_60_mv"][j],
            st_80_mv=st["st_80_mv"][j], **t[j], **p[j],
        )
    return out


# -- frontal axis and limb-lead gains ----------------------------------------------------------
LIMB_LEADS = ("i", "ii", "iii", "avr", "avl", "avf")
#: the smallest/second-smallest eigenvalue ratio above which the limb leads are not
#: consistent with Einthoven/Goldberger (not a standard limb-lead set): no gains
LIMB_RELATION_MAX_RATIO = 1e-2


def limb_lead_gains(rec: Recording) -> dict[str, float] | None:
    """Relative gains of the six limb leads (lead II = 1) that restore the Einthoven and
    Goldberger relations: multiply lead ``k`` by ``gains[k]`` to undo a per-lead scaling.

    With g the gains and y the recorded leads, g_I y_I - g_II y_II + g_III y_III = 0,
    2 g_aVR y_aVR + g_I y_I + g_II y_II = 0, 2 g_aVL y_aVL - g_I y_I + g_III y_III = 0 and
    2 g_aVF y_aVF - g_II y_II - g_III y_III = 0 at every sample (Einthoven 1913; Goldberger
    1942): g is the null vector of the stacked system (least squares, smallest eigenvector).
    ``None`` when a limb lead is missing, a gain is not positive, or the leads do not obey
    the relations (eigenvalue ratio > :data:`LIMB_RELATION_MAX_RATIO`).
    """
    names = [c.name.lower() for c in rec.channels]
    if any(x not in names for x in LIMB_LEADS):
        return None
    y = np.asarray(rec.signals)[:, [names.index(x) for x in LIMB_LEADS]].astype(np.float64)
    mu = y.mean(axis=0)  # removing it keeps the (linear) lead relations
    n = y.shape[0]
    i, ii, iii, avr, avl, avf = np.subtract(y.T, mu[:, None], out=np.empty((6, n)))
    # the stacked system's columns (one per gain), each the four relations' terms one after
    # the other: rows [I, -II, III, 0, 0, 0], [I, II, 0, 2 aVR, 0, 0], [-I, 0, III, 0, 2 aVL, 0],
    # [0, -II, -III, 0, 0, 2 aVF]; filled as contiguous runs (the same matrix and Gram
    # product as stacking the rows, bit for bit with the same BLAS)
    mt = np.zeros((6, 4, n))
    mt[0, 0], mt[0, 1] = i, i
    np.negative(i, out=mt[0, 2])
    np.negative(ii, out=mt[1, 0])
    mt[1, 1] = ii
    np.negative(ii, out=mt[1, 3])
    mt[2, 0], mt[2, 2] = iii, iii
    np.negative(iii, out=mt[2, 3])
    np.multiply(avr, 2, out=mt[3, 1])
    np.multiply(avl, 2, out=mt[4, 2])
    np.multiply(avf, 2, out=mt[5, 3])
    mt = mt.reshape(6, 4 * n)
    w, v = np.linalg.eigh(mt @ mt.T)
    if w[1] <= 0 or w[0] / w[1] > LIMB_RELATION_MAX_RATIO:
        return None
    g = v[:, 0] * np.sign(v[:, 0].sum())
    if np.any(g <= 0):
        return None
    g = g / g[1]
    return {x: float(k) for x, k in zip(LIMB_LEADS, g, strict=True)}


def frontal_axis(leads: dict[str, LeadMorphology], gains: dict[str, float] | None = None) -> float | None:
    """Frontal QRS axis (degrees, -180..180] from the net QRS areas of I and aVF (hexaxial
    reference system: I = A cos(axis), aVF = A sin(axis) sqrt(3)/2; Kligfield 2007),
    leads rescaled by ``gains`` when given."""
    if "i" not in leads or "avf" not in leads:
        return None
    gi = gains.get("i", 1.0) if gains else 1.0
    gf = gains.get("avf", 1.0) if gains else 1.0
    a_i = leads["i"].qrs_area_mv_ms * gi
    a_f = leads["avf"].qrs_area_mv_ms * gf
    if a_i == 0 and a_f == 0:
        return None
    return float(np.degrees(np.arctan2(2.0 * a_f / np.sqrt(3.0), a_i)))


def _median(a: np.ndarray) -> np.ndarray:
    """``np.median(a, axis=0)`` of finite ``a`` by sorting (same values, less overhead)."""
    v = np.sort(a, axis=0)
    k = v.shape[0]
    return v[k // 2] if k % 2 else (v[k // 2 - 1] + v[k // 2]) / 2


# -- pacemaker spikes -------------------------------------------------------------------------
#: a spike: |x[n] - (x[n-1] + x[n+1]) / 2| >= this share of the lead's QRS peak-to-peak,
#: in at least PACE_MIN_LEADS leads within +-1 sample (12-lead; fewer leads: all of them)
PACE_SPIKE_FRACTION = 0.35
PACE_MIN_LEADS = 3
PACE_MIN_FS_HZ = 400.0


def detect_pace_spikes(raw: Recording | None, beats: np.ndarray, *, qrs_on: np.ndarray | None = None,
                       p_on: np.ndarray | None = None) -> PaceSpikes:
    """Pacemaker spikes in the unfiltered ECG ``raw`` and the beats they precede.

    A spike is a deflection at most ~2 samples wide: its curvature
    ``|x[n] - (x[n-1] + x[n+1]) / 2|`` is at least :data:`PACE_SPIKE_FRACTION` of the lead's
    median QRS peak-to-peak, at the same instant (+-1 sample) in at least
    :data:`PACE_MIN_LEADS` leads (all leads when fewer than 3). A QRS complex, even a
    sharp one, spreads over >= 4 samples at 500 Hz and stays well below that curvature.
    A beat is *ventricular paced* when a spike lies between 50 ms before its QRS onset (R -
    180 ms without one) and its R peak, *atrial paced* when a spike lies 50 ms before to
    20 ms after its P onset.
    """
    b = np.asarray(beats, np.int64)
    empty = np.zeros(b.size, bool)
    if raw is None:
        return PaceSpikes(np.zeros(0, np.int64), np.zeros(0, np.int64), empty, empty.copy(), "no_raw")
    if raw.fs < PACE_MIN_FS_HZ:
        return PaceSpikes(np.zeros(0, np.int64), np.zeros(0, np.int64), empty, empty.copy(), "fs_too_low")
    # leads as rows (contiguous reductions per lead)
    x = np.array(np.asarray(raw.signals).T, np.float64, order="C")
    fs = raw.fs
    nl, n = x.shape
    if n < 5 or b.size == 0:
        return PaceSpikes(np.zeros(0, np.int64), np.zeros(0, np.int64), empty, empty.copy())
    # curvature |x[n] - (x[n-1] + x[n+1]) / 2| of samples 1 .. n-2 (0 at the ends)
    e = x[:, :-2] + x[:, 2:]
    e *= 0.5
    np.subtract(x[:, 1:-1], e, out=e)
    np.abs(e, out=e)
    h = max(1, round(0.1 * fs))
    # each beat's window (clipped at the ends: repeating an end sample leaves its range as is)
    w = x[:, np.clip(b[:, None] + np.arange(-h, h + 1), 0, n - 1)]
    qp = _median((w.max(axis=2) - w.min(axis=2)).T)
    qp = np.where(qp > 0, qp, np.inf)
    need = min(PACE_MIN_LEADS, nl)
    # a lead's largest curvature below 0.99 x the threshold cannot reach it (rounding aside):
    # with fewer than `need` such leads there is no spike, as in most records
    if np.count_nonzero(e.max(axis=1) >= 0.99 * PACE_SPIKE_FRACTION * qp) < need:
        cand = cnt = np.zeros(0, np.int64)
    else:
        hit = np.zeros((nl, n), bool)
        hit[:, 1:-1] = e / qp[:, None] >= PACE_SPIKE_FRACTION
        hit[:, 1:] |= hit[:, :-1].copy()
        hit[:, :-1] |= hit[:, 1:].copy()
        cnt = hit.sum(axis=0)
        cand = np.flatnonzero(cnt >= need)
    spikes: list[int] = []
    nleads: list[int] = []
    gap = max(2, round(0.004 * fs))
    for c, k in zip(cand.tolist(), cnt[cand].tolist(), strict=True):
        if spikes and c - spikes[-1] <= gap:
            if k > nleads[-1]:
                spikes[-1], nleads[-1] = c, k
            continue
        spikes.append(c)
        nleads.append(k)
    sp = np.asarray(spikes, np.int64)
    # a spike in [lo, hi] <=> the insertion points of lo (left) and hi (right) differ
    lo = b - round(0.18 * fs)
    if qrs_on is not None:
        lo = np.where(qrs_on >= 0, np.maximum(lo, qrs_on - round(0.05 * fs)), lo)
    ven = np.searchsorted(sp, lo, "left") < np.searchsorted(sp, b, "right")
    atr = np.zeros(b.size, bool)
    if p_on is not None:
        atr = (p_on >= 0) & (np.searchsorted(sp, p_on - round(0.05 * fs), "left")
                             < np.searchsorted(sp, p_on + round(0.02 * fs), "right"))
    return PaceSpikes(sp, np.asarray(nleads, np.int64), ven, atr)


# -- beat classes -----------------------------------------------------------------------------
#: premature: RR before the beat < this share of the reference RR (median RR of dominant beats)
PREMATURE_RR_FRACTION = 0.85
#: QRS of another morphology: correlation with the dominant QRS (all leads) below this
MORPHOLOGY_CORR_MIN = 0.80
#: beats this close to the start or end of the recording are not classified as ectopic
EDGE_S = 0.25


def classify_beats(cleaned: Recording, delineation: Any, *, pace: PaceSpikes | None = None) -> BeatClasses:
    """Label every beat N (dominant), V (ventricular ectopic), A (supraventricular premature)
    or P (paced).

    The dominant QRS is the median over beats of the multi-lead QRS window (R - 60 ms to R +
    80 ms). A beat is **V** when its QRS correlates < :data:`MORPHOLOGY_CORR_MIN` with it
    *and* it is premature (RR < :data:`PREMATURE_RR_FRACTION` x reference RR) or at least
    40 ms wider than the dominant QRS or has no P wave while most beats do; **A** when it
    is premature with the dominant morphology and a full (compensatory or not) pause
    follows (next RR > the premature RR x 1.1), i.e. not a gradual sinus acceleration.
    Paced beats (a spike before the QRS) are **P**; beats within :data:`EDGE_S` of the
    recording's start or end stay **N** (their windows and P waves are cut). The reference RR is the median RR
    between consecutive dominant-morphology beats.
    """
    r = np.asarray(delineation.beats, np.int64)
    fs = cleaned.fs
    nb = r.size
    sig = np.asarray(cleaned.signals)
    n_samp = sig.shape[0]
    lo, hi = round(0.06 * fs), round(0.08 * fs)
    # QRS windows, edge samples repeated beyond the ends
    idx = np.clip(r[:, None] + np.arange(-lo, hi + 1)[None, :], 0, n_samp - 1)
    seg = sig[idx].reshape(nb, -1).astype(np.float64) if nb else np.zeros((0, 1))
    seg = seg - seg.mean(axis=1, keepdims=True)
    tmpl = _median(seg) if nb else seg
    den = np.linalg.norm(seg, axis=1) * (np.linalg.norm(tmpl) if nb else 1.0)
    corr = np.where(den > 0, seg @ tmpl / np.where(den > 0, den, 1.0), 0.0) if nb else np.zeros(0)
    g = np.asarray(delineation.global_, np.int64)
    ms = 1000.0 / fs
    qrs = np.where((g[:, 3] >= 0) & (g[:, 5] > g[:, 3]), (g[:, 5] - g[:, 3]) * ms, np.nan) if nb else np.zeros(0)
    has_p = g[:, 1] >= 0 if nb else np.zeros(0, bool)
    rr = np.full(nb, np.nan)
    if nb > 1:
        rr[1:] = np.diff(r) * ms
    dom = corr >= MORPHOLOGY_CORR_MIN
    pair = dom[1:] & dom[:-1] if nb > 1 else np.zeros(0, bool)
    # rr[0] is the only NaN: the NaN-median of rr is the median of rr[1:]
    ref_rr = float(_median(rr[1:][pair])) if np.count_nonzero(pair) >= 2 else (
        float(_median(rr[1:])) if nb > 2 else None)
    prem = np.zeros(nb, bool)
    if ref_rr is not None:
        prem[1:] = rr[1:] < PREMATURE_RR_FRACTION * ref_rr
    w_dom = qrs[dom & np.isfinite(qrs)]
    dom_w = float(_median(w_dom)) if w_dom.size else np.nan
    p_share = float(has_p.mean()) if nb else 0.0
    labels = []
    edge = round(EDGE_S * fs)
    paced = pace.ventricular.tolist() if pace is not None and pace.ventricular.size == nb else [False] * nb
    r_l, qrs_l, corr_l, prem_l, rr_l, hp_l = (v.tolist() for v in (r, qrs, corr, prem, rr, has_p))
    for i in range(nb):
        if paced[i]:
            labels.append("P")
            continue
        if r_l[i] < edge or r_l[i] >= n_samp - edge:
            labels.append("N")  # cut by the recording's edge (and the filters' edge effects)
            continue
        # NaN widths compare False
        wide = qrs_l[i] >= dom_w + 40.0
        if corr_l[i] < MORPHOLOGY_CORR_MIN and (prem_l[i] or wide or (p_share >= 0.8 and not hp_l[i])):
            labels.append("V")
        elif prem_l[i] and corr_l[i] >= MORPHOLOGY_CORR_MIN and (i + 1 >= nb or rr_l[i + 1] > 1.1 * rr_l[i]):
            labels.append("A")
        else:
            labels.append("N")
    return BeatClasses(tuple(labels), rr, corr, qrs, prem, ref_rr)


def analyze_morphology(
    cleaned: Recording,
    delineation: Any,
    measurements: Any,
    *,
    raw: Recording | None = None,
    calibrated: bool = True,
) -> Morphology:
    """Per-lead morphology of the median beat, beat classes and pacemaker spikes.

    Parameters
    ----------
    cleaned
        The cleaned ECG (the one beats and delineation were computed on).
    delineation
        :class:`~cardiokit.ecg.delineate.Delineation` of ``cleaned``.
    measurements
        :class:`~cardiokit.ecg.measure.Measurements` (its ``median_beat`` is used).
    raw
        The unfiltered ECG (same channels and rate) for pacemaker-spike detection; without
        it no spikes are searched.
    calibrated
        False when amplitudes were normalised per lead (kept on the result so voltage
        criteria can refuse to run).
    """
    mb = getattr(measurements, "median_beat", None)
    leads = lead_morphology(mb) if mb is not None else {}
    r = np.asarray(delineation.beats, np.int64)
    g = np.asarray(delineation.global_, np.int64)
    pace = detect_pace_spikes(raw, r, qrs_on=g[:, 3] if r.size else None, p_on=g[:, 0] if r.size else None)
    beats = classify_beats(cleaned, delineation, pace=pace) if r.size else None
    gains = None if calibrated else limb_lead_gains(cleaned)
    axis = frontal_axis(leads, gains) if (calibrated or gains is not None) else None
    return Morphology(leads, beats, pace, cleaned.fs, calibrated, qrs_axis_deg=axis, limb_gains=gains)
