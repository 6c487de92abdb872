"""Per-lead, per-segment signal quality grades: :func:`assess_quality`.

Each ECG or PPG channel is cut into 5-s segments (a last piece shorter than 2.5 s joins
the segment before it; records shorter than 5 s form one segment). Every segment gets
the indices of :mod:`cardiokit.quality.indices` and a grade:

* hard rules first: ``flat_fraction >= 0.5`` (flat line), ``clip_fraction >= 0.1``
  (saturation) or fewer than 2 beats in the segment make it ``unusable``;
* ECG: a logistic model over the indices (``cardiokit/models/quality_ecg.json``,
  trained by ``training/train_quality.py`` on clean vs noise-stressed CinC 2017
  segments, CinC 2017 noisy-class records and clinical 12-lead LUDB leads) gives
  ``p_unusable``; ``good`` below ``thresholds.good``, ``unusable`` from
  ``thresholds.unusable``, else ``acceptable``. A segment whose beats both detectors agree
  on (``bsqi >= 0.9``) and match their template (``tsqi >= 0.9``, on the cleaned signal) is
  measurable whatever its baseline: the model can make it ``acceptable`` at worst (its
  issues still name the index, e.g. ``bassqi``). The CinC-only model without this rule
  graded a lead-segment of 52 of 130 held-out clinical LUDB records unusable, mostly for
  slow baseline drift in small limb leads (III, aVL); with the rule alone 29
  (``docs/BENCHMARKS.md`` "Signal quality"). Likewise a segment of III, aVR, aVL or aVF is
  ``acceptable`` at worst when leads I and II are good there and it is their combination
  (:data:`DERIVED_LIMB_LEADS`): its electrodes are sound, its QRS is small.
  The indices of all leads and segments are computed at once
  (:func:`cardiokit.quality.indices.ecg_indices`) from the raw signals, the cleaned
  signals (``cleaned=``, else :func:`cardiokit.ecg.clean_array`) and the primary beats
  (``beats=``, e.g. the pipeline's, else each lead's own ``cardiokit`` detections);
* PPG: rules of Orphanidou et al. (2015): ``tsqi >= 0.86`` and heart rate 40-180 bpm
  for usable, ``tsqi >= 0.95`` for good.

A lead is ``unusable`` when more than half of its duration is unusable, or half of it and the
rest is not all good (a 10-s lead with one 5-s segment spoilt by an electrode pop and the other
good stays ``acceptable``), ``good`` when at least 80 % is good and at most 10 % unusable, else
``acceptable``. The overall grade is
``unusable`` when no lead is usable or more than half are unusable, ``good`` when at
least three quarters of the leads are good and none is unusable, else ``acceptable``.

With the pipeline's beats given, a segment the model calls unusable because of an electrode pop
(:func:`_pop_edges`) is cut: the pop's stretch (:data:`POP_STRETCH_S`) is unusable with the issue
``electrode_pop``, the parts beside it (at least 2 s) are graded on their own, so segments need
not be 5 s long.

``SignalQuality.unusable_segments`` lists ``(start_s, stop_s, lead)`` so measurements
can leave those stretches out.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from cardiokit._core.errors import InvalidArgumentError
from cardiokit._core.recording import Recording

from .._core.units import VOLT_TO_MV
from .indices import ECG_INDICES, ecg_indices, ppg_band, ppg_beats, ppg_segment_indices

__all__ = [
    "GRADES",
    "ISSUE_LIMITS",
    "SEGMENT_S",
    "LeadQuality",
    "SegmentQuality",
    "SignalQuality",
    "UnusableSegment",
    "assess_quality",
    "feature_matrix",
    "model_features",
    "overall_grade",
]

GRADES = ("good", "acceptable", "unusable")
SEGMENT_S = 5.0
METHOD = "sqi-logistic-v2"
#: Limits beyond which an index is listed in ``issues``: (limit, "below"/"above" is worse).
ISSUE_LIMITS: dict[str, tuple[float, str]] = {
    "bsqi": (0.8, "below"),
    "tsqi": (0.8, "below"),
    "ksqi": (5.0, "below"),
    "bassqi": (0.9, "below"),
    "hfsqi": (0.3, "above"),
    "flat_fraction": (0.1, "above"),
    "clip_fraction": (0.01, "above"),
}
#: A segment at or above both (beats agreed by two detectors, template-like on the cleaned
#: signal) is measurable: never ``unusable`` by the model alone (module docstring).
MEASURABLE_BSQI = 0.9
MEASURABLE_TSQI = 0.9
#: Limb leads that are combinations of I and II (Einthoven 1913; Goldberger 1942): where I and II
#: are both good, their electrodes (RA, LA, LL) are sound, and a segment of one of these leads that
#: the model calls unusable (a small QRS beside the same noise) is ``acceptable`` at worst when it
#: is that combination (R^2 of its least-squares fit on I and II >= DERIVED_MIN_R2; per-lead gains
#: allowed); hard rules still apply.
DERIVED_LIMB_LEADS, DERIVED_MIN_R2 = ("III", "aVR", "aVL", "aVF"), 0.98
_UNIT_TO_MV = VOLT_TO_MV
_MODEL_INPUTS = ("bsqi", "tsqi", "log_ksqi", "ssqi", "psqi", "bassqi", "log_hfsqi",
                 "flat_fraction", "clip_fraction", "hr_ok")


def _num(v: Any) -> Any:
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return v if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


@dataclass(frozen=True)
class SegmentQuality:
    """One segment of one lead: ``grade``, ``p_unusable`` (model; None for rules) and indices."""

    lead: str
    start_s: float
    stop_s: float
    grade: str
    p_unusable: float | None
    indices: Mapping[str, float | None] = field(default_factory=dict)
    issues: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"lead": self.lead, "start_s": round(self.start_s, 3), "stop_s": round(self.stop_s, 3),
                "grade": self.grade, "p_unusable": _num(self.p_unusable),
                "indices": {k: _num(v) for k, v in self.indices.items()}, "issues": list(self.issues)}


@dataclass(frozen=True)
class UnusableSegment:
    """A stretch of one lead to leave out of measurements."""

    start_s: float
    stop_s: float
    lead: str

    def to_dict(self) -> dict[str, Any]:
        return {"start_s": round(self.start_s, 3), "stop_s": round(self.stop_s, 3), "lead": self.lead}


@dataclass(frozen=True)
class LeadQuality:
    """Quality of one lead: ``grade``, ``score`` (mean 1 - p_unusable over time, 0-1),
    median ``indices`` over its segments, ``issues`` and the ``segments``."""

    lead: str
    grade: str
    indices: Mapping[str, float | None] = field(default_factory=dict)
    issues: tuple[str, ...] = ()
    score: float = 0.0
    kind: str = "ecg"
    segments: tuple[SegmentQuality, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"lead": self.lead, "grade": self.grade, "kind": self.kind, "score": _num(self.score),
                "indices": {k: _num(v) for k, v in self.indices.items()}, "issues": list(self.issues)}


@dataclass(frozen=True)
class SignalQuality:
    """Signal quality of a recording: overall ``grade``, per lead, per segment.

    JSON (:meth:`to_dict`): ``grade``, ``method``, ``segment_s``, ``leads`` (lead, grade,
    kind, score, indices, issues), ``segments`` (lead, start_s, stop_s, grade,
    p_unusable, indices, issues) and ``unusable_segments`` (start_s, stop_s, lead).
    """

    grade: str
    leads: tuple[LeadQuality, ...] = ()
    method: str = METHOD
    segment_s: float = SEGMENT_S

    @property
    def segments(self) -> tuple[SegmentQuality, ...]:
        return tuple(s for lq in self.leads for s in lq.segments)

    @property
    def unusable_segments(self) -> tuple[UnusableSegment, ...]:
        """Unusable stretches per lead, adjacent segments merged."""
        out: list[UnusableSegment] = []
        for lq in self.leads:
            cur: list[float] | None = None
            for s in lq.segments:
                if s.grade == "unusable":
                    if cur is not None and abs(cur[1] - s.start_s) < 1e-9:
                        cur[1] = s.stop_s
                    else:
                        if cur is not None:
                            out.append(UnusableSegment(cur[0], cur[1], lq.lead))
                        cur = [s.start_s, s.stop_s]
                elif cur is not None:
                    out.append(UnusableSegment(cur[0], cur[1], lq.lead))
                    cur = None
            if cur is not None:
                out.append(UnusableSegment(cur[0], cur[1], lq.lead))
        return tuple(out)

    @property
    def usable_leads(self) -> tuple[str, ...]:
        """Names of the leads not graded unusable."""
        return tuple(lq.lead for lq in self.leads if lq.grade != "unusable")

    def lead(self, name: str) -> LeadQuality:
        for lq in self.leads:
            if lq.lead.lower() == name.lower():
                return lq
        raise InvalidArgumentError(f"no lead {name!r} in the quality summary; leads: "
                                   + ", ".join(lq.lead for lq in self.leads))

    def is_usable(self, start_s: float, stop_s: float, lead: str | None = None) -> bool:
        """False when ``[start_s, stop_s)`` overlaps an unusable segment (of ``lead``, or any)."""
        return not any(u.start_s < stop_s and start_s < u.stop_s and (lead is None or u.lead == lead)
                       for u in self.unusable_segments)

    def to_dict(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "method": self.method,
            "segment_s": self.segment_s,
            "leads": [lq.to_dict() for lq in self.leads],
            "segments": [s.to_dict() for s in self.segments],
            "unusable_segments": [u.to_dict() for u in self.unusable_segments],
        }


def overall_grade(grades: Sequence[str]) -> str:
    """Overall grade from per-lead grades (rule in the module docstring)."""
    if not grades:
        return "unusable"
    n = len(grades)
    n_bad = sum(g == "unusable" for g in grades)
    n_good = sum(g == "good" for g in grades)
    if n_bad == n or n_bad > n / 2:
        return "unusable"
    if n_bad == 0 and n_good >= 0.75 * n:
        return "good"
    return "acceptable"


def model_features(ind: Mapping[str, float]) -> np.ndarray:
    """Inputs of the logistic quality model from ECG segment indices (NaN where missing)."""
    k = ind.get("ksqi", float("nan"))
    hf = ind.get("hfsqi", float("nan"))
    hr = ind.get("hr_bpm", float("nan"))
    return np.array([
        ind["bsqi"], ind["tsqi"], np.log(k) if k and k > 0 else float("nan"),
        min(ind.get("ssqi", float("nan")), 10.0), ind["psqi"], ind["bassqi"],
        np.log10(hf + 1e-4) if np.isfinite(hf) else float("nan"),
        ind["flat_fraction"], ind["clip_fraction"],
        1.0 if np.isfinite(hr) and 24.0 <= hr <= 300.0 else 0.0,
    ], dtype=np.float64)


_COL = {k: i for i, k in enumerate(ECG_INDICES)}


_FEATURE_COLS = [_COL[n] for n in ("bsqi", "tsqi", "ksqi", "ssqi", "psqi", "bassqi", "hfsqi", "flat_fraction",
                                    "clip_fraction", "hr_bpm")]


def feature_matrix(ind: np.ndarray) -> np.ndarray:
    """:func:`model_features` of index arrays ``(..., len(ECG_INDICES))`` -> ``(..., 10)``."""
    f = np.asarray(ind, np.float64)[..., _FEATURE_COLS]  # a copy, transformed in place
    k = f[..., 2]
    f[..., 2] = np.log(np.where(k > 0, k, np.nan))
    np.minimum(f[..., 3], 10.0, out=f[..., 3])
    hf = f[..., 6] + 1e-4
    f[..., 6] = np.log10(np.where(hf > 0, hf, np.nan))  # a negative ratio (never from ecg_indices): NaN
    hr = f[..., 9]
    f[..., 9] = (hr >= 24.0) & (hr <= 300.0)
    return f


@lru_cache(maxsize=1)
def _ecg_model() -> dict[str, Any]:
    import json

    from cardiokit.models import load_card

    card = load_card("quality_ecg")
    w = json.loads(card.path(card.extra["weights_file"]).read_text())
    if tuple(w["inputs"]) != _MODEL_INPUTS:
        raise InvalidArgumentError("quality_ecg weights do not match this cardiokit version's inputs")
    return {"id": card.id, "mean": np.asarray(w["mean"]), "scale": np.asarray(w["scale"]),
            "coef": np.asarray(w["coef"]), "intercept": float(w["intercept"]),
            "good": float(w["thresholds"]["good"]), "unusable": float(w["thresholds"]["unusable"])}


def p_unusable(features: np.ndarray) -> np.ndarray:
    """Model probability that ECG segments (rows of :func:`model_features`) are unusable."""
    m = _ecg_model()
    z = (np.atleast_2d(features) - m["mean"]) / m["scale"]
    z = np.where(np.isfinite(z), z, 0.0)
    return 1.0 / (1.0 + np.exp(-(z @ m["coef"] + m["intercept"])))


def _issues(ind: Mapping[str, float]) -> tuple[str, ...]:
    out = []
    for name, (lim, worse) in ISSUE_LIMITS.items():
        v = ind.get(name)
        if v is None or not math.isfinite(v):
            continue
        if (worse == "below" and v < lim) or (worse == "above" and v > lim):
            out.append(name)
    return tuple(out)


def segment_bounds(n: int, fs: float, segment_s: float = SEGMENT_S) -> list[tuple[int, int]]:
    """Sample bounds of the segments of an ``n``-sample lead (rule in the module docstring)."""
    w = max(1, round(segment_s * fs))
    if n <= w:
        return [(0, n)]
    starts = list(range(0, n, w))
    bounds = [(s, min(s + w, n)) for s in starts]
    if bounds[-1][1] - bounds[-1][0] < w / 2:
        last = bounds.pop()
        bounds[-1] = (bounds[-1][0], last[1])
    return bounds


def _grade_lead(segs: Sequence[SegmentQuality]) -> str:
    tot = sum(s.stop_s - s.start_s for s in segs) or 1.0
    bad = sum(s.stop_s - s.start_s for s in segs if s.grade == "unusable") / tot
    good = sum(s.stop_s - s.start_s for s in segs if s.grade == "good") / tot
    return _lead_grade(bad, good)


def _lead_grade(bad: float, good: float) -> str:
    """A lead's grade from the shares of its duration graded unusable and good (module docstring)."""
    if bad > 0.5 or (bad >= 0.5 and good < 0.5):
        return "unusable"
    if good >= 0.8 and bad <= 0.1:
        return "good"
    return "acceptable"


def _lead_result(name: str, kind: str, bounds: list[tuple[int, int]], fs: float, inds: list[dict],
                 probs: np.ndarray | None, med: dict | None = None) -> LeadQuality:
    """Grades of one lead's segments from their indices (and ECG model probabilities)."""
    thr = _ecg_model() if probs is not None else None
    segs: list[SegmentQuality] = []
    for j, ((a, b), ind) in enumerate(zip(bounds, inds, strict=True)):
        issues = list(_issues(ind))
        p = None
        if ind["flat_fraction"] >= 0.5:
            grade, issues = "unusable", [*issues, "flat_line"]
        elif ind["clip_fraction"] >= 0.1:
            grade, issues = "unusable", [*issues, "clipping"]
        elif ind["beats"] < 2 and (b - a) >= 0.8 * SEGMENT_S * fs:
            grade, issues = "unusable", [*issues, "no_beats"]
        else:
            grade = None
        if thr is None:
            hr = ind["hr_bpm"]
            if grade is None:
                ok = ind["tsqi"] >= 0.86 and hr is not None and 40.0 <= hr <= 180.0
                grade = "unusable" if not ok else ("good" if ind["tsqi"] >= 0.95 else "acceptable")
        else:
            p = float(probs[j])
            if grade is None:
                grade = "good" if p < thr["good"] else ("unusable" if p >= thr["unusable"] else "acceptable")
        segs.append(SegmentQuality(name, a / fs, b / fs, grade, p, ind, tuple(issues)))
    dur = [s.stop_s - s.start_s for s in segs]
    if thr is None:
        ok = [float(s.grade != "unusable") for s in segs]
    else:
        ok = [1.0 - (1.0 if s.grade == "unusable" and s.p_unusable is not None and s.p_unusable < thr["unusable"]
                     else (s.p_unusable or 0.0)) for s in segs]
    score = sum(d * v for d, v in zip(dur, ok, strict=True)) / (sum(dur) or 1.0)
    if med is None:
        med = {}
        for k in inds[0]:
            vals = [d[k] for d in inds if d[k] is not None]
            med[k] = float(np.median(vals)) if len(vals) > 1 else (vals[0] if vals else None)
    lead_issues = tuple(sorted({i for s in segs for i in s.issues}))
    return LeadQuality(name, _grade_lead(segs), med, lead_issues, score, kind, tuple(segs))


def _ppg_lead(x: np.ndarray, fs: float, name: str) -> LeadQuality:
    bounds = segment_bounds(x.size, fs)
    y = ppg_band(x, fs) if x.size > 12 else x - x.mean()
    beats = ppg_beats(y, fs)
    inds = []
    for a, b in bounds:
        ba = beats[(beats >= a) & (beats < b)] - a
        inds.append({k: _num(v) for k, v in ppg_segment_indices(x[a:b], y[a:b], fs, ba).items()})
    return _lead_result(name, "ppg", bounds, fs, inds, None)


_ISSUE_NAMES = tuple(ISSUE_LIMITS)
_RULE_ISSUES = ("flat_line", "clipping", "no_beats")
_ISSUE_COLS = np.array([_COL[n] for n in ISSUE_LIMITS])
_ISSUE_LIM = np.array([lim for lim, _ in ISSUE_LIMITS.values()])
_ISSUE_SIGN = np.array([-1.0 if worse == "below" else 1.0 for _, worse in ISSUE_LIMITS.values()])
_ISSUE_BITS = 1 << np.arange(len(ISSUE_LIMITS))
_RULE_BITS = tuple(1 << (len(ISSUE_LIMITS) + k) for k in range(len(_RULE_ISSUES)))


@lru_cache(maxsize=256)
def _issue_names(mask: int, ordered: bool) -> tuple[str, ...]:
    """Issue names of a bit mask (bits: :data:`ISSUE_LIMITS` in order, then the hard rules);
    ``ordered=False``: sorted by name, as a lead's union of its segments' issues."""
    names = [n for k, n in enumerate((*_ISSUE_NAMES, *_RULE_ISSUES)) if mask >> k & 1]
    return tuple(names) if ordered else tuple(sorted(names))


def _index_dict(r: Sequence[Any]) -> dict[str, Any]:
    """``dict(zip(ECG_INDICES, r, strict=True))`` as a dict display (a few times faster; the
    same keys in the same order, the same values; a new index must be added here too, which
    ``tests/quality`` checks)."""
    a, b, c, d, e, f, g, h, i, j, k = r
    return {"bsqi": a, "tsqi": b, "ksqi": c, "ssqi": d, "psqi": e, "bassqi": f, "hfsqi": g, "flat_fraction": h,
            "clip_fraction": i, "hr_bpm": j, "beats": k}


def _derived_sound(names: list[str], bounds: list[tuple[int, int]], y: np.ndarray, probs: np.ndarray,
                   good: float, bad: float) -> np.ndarray | None:
    """``(segments, leads)``: True where a limb lead of :data:`DERIVED_LIMB_LEADS` the model calls
    unusable is, in that segment, the combination of leads I and II (R^2 >= :data:`DERIVED_MIN_R2`)
    while both of those are good; None when there is no such segment (the usual case)."""
    from cardiokit._core.leads import standard_lead_name

    std = [standard_lead_name(n) for n in names]
    if "I" not in std or "II" not in std:
        return None
    i1, i2 = std.index("I"), std.index("II")
    cand = [j for j, n in enumerate(std) if n in DERIVED_LIMB_LEADS]
    out = np.zeros(probs.shape, bool)
    for s, (a, b) in enumerate(bounds):
        if probs[s, i1] >= good or probs[s, i2] >= good:
            continue
        basis = None
        for j in cand:
            if probs[s, j] < bad:
                continue
            if basis is None:  # the segment's leads I and II, once for all its candidates
                basis = np.asarray(y[a:b][:, [i1, i2]], np.float64)
                basis = basis - basis.mean(axis=0)
            t = np.asarray(y[a:b, j], np.float64)
            t = t - t.mean()
            tt = float(t @ t)
            if tt <= 0:
                continue
            out[s, j] = _combination_of(basis, t, tt)
    return out if out.any() else None


#: An R^2 from the normal equations this close to DERIVED_MIN_R2 is settled by ``lstsq``
_R2_MARGIN = 1e-6


def _combination_of(basis: np.ndarray, t: np.ndarray, tt: float) -> bool:
    """Whether the least-squares fit of ``t`` (``tt = t @ t > 0``) on the two columns of
    ``basis`` (both mean-removed) reaches R^2 >= :data:`DERIVED_MIN_R2`, as ``np.linalg.lstsq``
    decides it. A well-conditioned pair (Gram matrix condition number <= 1e6) is fitted by
    the 2 x 2 normal equations (~1 us instead of ~70 us): their R^2 and lstsq's are both
    within ~1e-8 of the exact one, so one further than :data:`_R2_MARGIN` from the
    threshold gives lstsq's answer; the others are fitted by lstsq as before."""
    (g00, g01), (g10, g11) = (basis.T @ basis).tolist()
    det = g00 * g11 - g01 * g10
    tr = g00 + g11
    if det > 0 and tr * tr <= 1e6 * det:  # condition number <= tr^2 / det
        v0, v1 = (t @ basis).tolist()
        coef = np.array([(g11 * v0 - g01 * v1) / det, (g00 * v1 - g10 * v0) / det])
        r = t - basis @ coef
        r2 = 1.0 - float(r @ r) / tt
        if abs(r2 - DERIVED_MIN_R2) > _R2_MARGIN:
            return r2 >= DERIVED_MIN_R2
    coef, *_ = np.linalg.lstsq(basis, t, rcond=None)
    r = t - basis @ coef
    return 1.0 - float(r @ r) / tt >= DERIVED_MIN_R2


def _ecg_results(names: list[str], bounds: list[tuple[int, int]], fs: float, ind: np.ndarray,
                 probs: np.ndarray, sound: np.ndarray | None = None) -> list[LeadQuality]:
    """LeadQuality of every lead from the index array ``(segments, leads, indices)`` and the model
    probabilities ``(segments, leads)``: the rules of :func:`_lead_result` on Python lists (for a
    few dozen segments plain Python beats numpy's per-call cost). ``sound``: segments of limb leads
    that are acceptable at worst (:func:`_derived_sound`)."""
    thr = _ecg_model()
    t_good, t_bad = thr["good"], thr["unusable"]
    n_seg = ind.shape[0]
    rows, ps = ind.tolist(), probs.tolist()
    fin = np.isfinite(ind)
    finite = bool(fin.all())  # no index to turn into None (the usual case)
    # issues over their limits (NaN never is, nor inf: not finite is not given)
    over = (ind[..., _ISSUE_COLS] - _ISSUE_LIM) * _ISSUE_SIGN > 0
    masks = ((over if finite else over & fin[..., _ISSUE_COLS]) @ _ISSUE_BITS).tolist()
    start = [a / fs for a, _ in bounds]
    stop = [b / fs for _, b in bounds]
    dur = [b - a for a, b in zip(start, stop, strict=True)]
    tot = sum(dur) or 1.0
    long = [b - a >= 0.8 * SEGMENT_S * fs for a, b in bounds]
    i_flat, i_clip, i_beats = _COL["flat_fraction"], _COL["clip_fraction"], _COL["beats"]
    i_bsqi, i_tsqi = _COL["bsqi"], _COL["tsqi"]
    # each lead's median over its segments, NaN and inf left out (None when none is finite)
    if n_seg == 1:
        meds = rows[0]
    elif n_seg == 2:  # the median of two is their mean (of the finite one when only one is)
        mean2 = (ind[0] + ind[1]) / 2
        meds = (mean2 if finite else np.where(fin[1], np.where(fin[0], mean2, ind[1]), ind[0])).tolist()
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN index of a lead
            meds = np.nanmedian(np.where(fin, ind, np.nan), axis=0).tolist()
    out = []
    new = object.__new__
    sound_l = sound.tolist() if sound is not None else None
    for j, name in enumerate(names):
        segs = []
        bad = good = score = 0.0
        lead_mask = 0
        for s in range(n_seg):
            row = rows[s][j]
            mask = masks[s][j]
            # hard rules first (flat line, clipping, no beats), then the model's thresholds
            p = ps[s][j]
            if row[i_flat] >= 0.5:
                rule = _RULE_BITS[0]
            elif row[i_clip] >= 0.1:
                rule = _RULE_BITS[1]
            elif row[i_beats] < 2 and long[s]:
                rule = _RULE_BITS[2]
            else:
                rule = 0
            if rule or (p >= t_bad and not (row[i_bsqi] >= MEASURABLE_BSQI and row[i_tsqi] >= MEASURABLE_TSQI)
                        and not (sound_l is not None and sound_l[s][j])):
                grade = "unusable"
                bad += dur[s]
            elif p < t_good:
                grade = "good"
                good += dur[s]
            else:
                grade = "acceptable"
            score += dur[s] * (1.0 - (1.0 if rule and p < t_bad else p))
            mask |= rule
            lead_mask |= mask
            # a frozen dataclass's __init__ costs twice this; same fields
            sq = new(SegmentQuality)
            sq.__dict__.update(lead=name, start_s=start[s], stop_s=stop[s], grade=grade, p_unusable=p,
                               indices=_index_dict(row if finite else [v if v - v == 0 else None for v in row]),
                               issues=_issue_names(mask, True))
            segs.append(sq)
        bad /= tot
        good /= tot
        med = meds[j]
        lq = new(LeadQuality)
        lq.__dict__.update(lead=name, grade=_lead_grade(bad, good),
                           indices=_index_dict(med if finite else [v if v - v == 0 else None for v in med]),
                           issues=_issue_names(lead_mask, False), score=score / tot, kind="ecg", segments=tuple(segs))
        out.append(lq)
    return out


def _ecg_leads(rec: Recording, leads: list[int], beats: Any, cleaned: Recording | None) -> list[LeadQuality]:
    """LeadQuality of the ECG ``leads`` of ``rec``, all leads and segments at once."""
    fs = rec.fs
    every = leads == list(range(rec.n_channels))
    x = rec.signals if every else rec.signals[:, leads]  # (samples, leads), read as float32 rows
    if (cleaned is not None and cleaned.n_samples == rec.n_samples and cleaned.n_channels == rec.n_channels
            and cleaned.fs == fs):
        y = cleaned.signals if every else cleaned.signals[:, leads]
    else:
        from cardiokit.ecg.clean import clean_array

        x64 = np.asarray(x, np.float64)
        y = clean_array(x64, fs_hz=fs) if x.shape[0] > 12 else x64 - x64.mean(axis=0)
    bounds = segment_bounds(x.shape[0], fs)
    scale = np.array([_UNIT_TO_MV.get(rec.channels[i].unit.strip().lower(), np.nan) for i in leads], float)
    if beats is None:
        # each lead graded on its own beats (a noisy lead must not spoil a clean one's grade)
        from cardiokit.ecg.qrs import detect_beats_per_lead

        per = (detect_beats_per_lead(np.asarray(x, np.float64), fs_hz=fs) if x.shape[0] > 12
               else [np.zeros(0, np.int64)] * len(leads))
        ind = np.concatenate([ecg_indices(x[:, j : j + 1], y[:, j : j + 1], fs, per[j], bounds, scale[j : j + 1])
                              for j in range(len(leads))], axis=1)
    else:
        primary = np.sort(np.asarray(getattr(beats, "samples", beats), dtype=np.int64).reshape(-1))
        ind = ecg_indices(x, y, fs, primary, bounds, scale)  # (segments, leads, indices)
    probs = p_unusable(feature_matrix(ind).reshape(-1, len(_MODEL_INPUTS))).reshape(ind.shape[:2])
    names = [rec.channels[i].name for i in leads]
    thr = _ecg_model()
    sound = (_derived_sound(names, bounds, y, probs, thr["good"], thr["unusable"])
             if bool((probs >= thr["unusable"]).any()) else None)
    out = _ecg_results(names, bounds, fs, ind, probs, sound)
    if beats is not None and any(sq.grade == "unusable" for lq in out for sq in lq.segments):
        edges = [_lead_pops(lq, x[:, j], fs, primary, bounds) for j, lq in enumerate(out)]
        if len(out) > 1 and any(e for e, _ in edges):
            edges = _shared_pops(edges, x, fs)
        out = [_split_at_pops(lq, x[:, j], y[:, j], fs, primary, bounds, scale[j], edges[j][0])
               for j, lq in enumerate(out)]
    return out


#: An electrode pop's stretch around its edge, seconds before and after: the transient a baseline
#: step leaves after the cleaning's high-pass
POP_STRETCH_S = (0.25, 0.75)
#: The parts of a segment left beside a pop's stretch are graded on their own when this long (s)
_MIN_PART_S = 2.0


def _pop_edges(x: np.ndarray, fs: float, lo: int, hi: int, step_min: float) -> list[int]:
    """Samples in ``[lo, hi)`` of the raw lead ``x`` where its level jumps by more than ``step_min``
    within 20 ms and stays there: the medians of 30-130 ms after and before differ by at least
    60 % of the jump (an electrode pop; a QRS returns to its baseline, and a QRS next to the pop
    does not move the medians much)."""
    from cardiokit.dsp.peaks import find_local_maxima

    k = max(1, round(0.02 * fs))
    lo, hi = max(lo, 0), min(hi, x.shape[0])
    seg = np.asarray(x[lo:hi], np.float64)
    if seg.size <= 2 * k:
        return []
    jump = np.abs(seg[k:] - seg[:-k])
    cand = find_local_maxima(jump, min_distance=max(1, round(0.5 * fs)))
    cand = cand[jump[cand] > step_min]
    w0, w1 = round(0.03 * fs), round(0.13 * fs)
    at = cand + lo + k // 2
    inside = (at - w1 >= 0) & (at + w1 < x.shape[0])
    cand, at = cand[inside], at[inside]
    if cand.size == 0:
        return []
    xx = np.asarray(x, np.float64)
    off = np.arange(w0, w1)[None, :]
    level_after = np.median(xx[at[:, None] + off], axis=1)
    level_before = np.median(xx[at[:, None] - off], axis=1)
    return at[np.abs(level_after - level_before) >= 0.6 * jump[cand]].tolist()


def _splittable(sq: SegmentQuality) -> bool:
    """A segment the model (not a flat-line, clipping or no-beat rule) graded unusable."""
    return sq.grade == "unusable" and not (set(sq.issues) & set(_RULE_ISSUES))


def _lead_pops(lq: LeadQuality, x: np.ndarray, fs: float, beats: np.ndarray,
               bounds: list[tuple[int, int]]) -> tuple[list[int], float]:
    """The electrode pops (:func:`_pop_edges`, samples) in or just before the segments of ``lq``
    the model graded unusable, and the lead's jump threshold: half its median QRS
    peak-to-peak (0 and no pops without a beat)."""
    r = max(1, round(0.06 * fs))
    ok = beats[(beats >= r) & (beats < x.shape[0] - r)]
    if ok.size == 0:
        return [], 0.0
    win = np.asarray(x)[ok[:, None] + np.arange(-r, r + 1)[None, :]]
    step_min = 0.5 * float(np.median(win.max(axis=1) - win.min(axis=1)))
    after = round(POP_STRETCH_S[1] * fs)
    found: set[int] = set()
    for sq, (a, b) in zip(lq.segments, bounds, strict=True):
        if _splittable(sq):  # a pop just before the segment may reach into it
            found.update(_pop_edges(x, fs, a - after, b, step_min))
    return sorted(found), step_min


#: A pop another lead shows is looked for in a lead with this share of the lead's own jump
#: threshold (an electrode's pop reaches the leads that use it at a fraction of its size: a
#: limb electrode's reaches V1-V6 through Wilson's central terminal at a third)
_SHARED_POP_SHARE = 0.5
#: Edges of different leads this close (s) are one pop (the leads' 20-ms jump windows peak up to
#: ~60 ms apart on one electrode's pop)
_SAME_POP_S = 0.1


def _shared_pops(edges: list[tuple[list[int], float]], x: np.ndarray, fs: float) -> list[tuple[list[int], float]]:
    """Each lead's pops (``edges``: per lead its own pops and jump threshold, :func:`_lead_pops`)
    plus the electrode pops it shows but missed: one pop is the leads' edges within
    :data:`_SAME_POP_S` of each other, found in two leads or more (in one lead alone it is that
    lead's own artefact, e.g. clipping); a lead without an edge of its own there gets the pop's
    median time when it jumps there (+-:data:`_SAME_POP_S`) by at least :data:`_SHARED_POP_SHARE`
    of its own threshold and stays (:func:`_pop_edges`). One pop on a limb electrode is in up to
    11 of 12 leads, but the precordial leads see it at a third, often below their own threshold,
    which left their whole segment unusable."""
    k = round(_SAME_POP_S * fs)
    found = sorted((e, j) for j, (own, _) in enumerate(edges) for e in own)
    pops: list[list[tuple[int, int]]] = []
    for e, j in found:  # edges closer than k in a row belong to one pop
        if pops and e - pops[-1][-1][0] <= k:
            pops[-1].append((e, j))
        else:
            pops.append([(e, j)])
    shared = [(int(np.median([e for e, _ in grp])), {j for _, j in grp}) for grp in pops
              if len({j for _, j in grp}) >= 2]
    out = []
    for j, (own, step_min) in enumerate(edges):
        add = [t for t, leads in shared if j not in leads and step_min > 0.0
               and _pop_edges(x[:, j], fs, t - k, t + k, _SHARED_POP_SHARE * step_min)]
        out.append((sorted(own + add), step_min))
    return out


def _split_at_pops(lq: LeadQuality, x: np.ndarray, y: np.ndarray, fs: float, beats: np.ndarray,
                   bounds: list[tuple[int, int]], scale: float, pops: list[int]) -> LeadQuality:
    """``lq`` with each segment the model graded unusable because of electrode pops (``pops``:
    their samples, :func:`_lead_pops` and :func:`_shared_pops`) cut into the pops' stretches
    (:data:`POP_STRETCH_S`, unusable, issue ``electrode_pop``) and the parts beside them, graded
    on their own (parts under :data:`_MIN_PART_S` join the stretch). A pop is a jump of the raw
    lead that stays (:func:`_pop_edges`), larger than half its median QRS peak-to-peak, or a
    smaller one at the instant of a pop two leads or more show; a 10-s lead with one pop thus keeps
    up to ~9 s to measure instead of 5."""
    if not pops:
        return lq
    before, after = round(POP_STRETCH_S[0] * fs), round(POP_STRETCH_S[1] * fs)
    min_part = round(_MIN_PART_S * fs)
    segs: list[SegmentQuality] = []
    changed = False
    for sq, (a, b) in zip(lq.segments, bounds, strict=True):
        if not _splittable(sq):
            segs.append(sq)
            continue
        # a pop just before the segment may reach into it
        stretches: list[list[int]] = []
        for e in (e for e in pops if a - after <= e < b):
            s0, s1 = max(a, e - before), min(b, e + after)
            if s1 <= s0:
                continue
            if stretches and s0 <= stretches[-1][1]:
                stretches[-1][1] = max(stretches[-1][1], s1)
            else:
                stretches.append([s0, s1])
        if not stretches:
            segs.append(sq)
            continue
        # the parts beside the stretches; short ones join their neighbouring stretch
        parts, t = [], a
        for s0, s1 in stretches:
            if s0 - t >= min_part:
                parts.append((t, s0))
            t = s1
        if b - t >= min_part:
            parts.append((t, b))
        if not parts:
            segs.append(sq)
            continue
        # the segment alone (its indices do not read beyond it), times shifted back below
        inb = beats[(beats >= a) & (beats < b)] - a
        rel = [(p0 - a, p1 - a) for p0, p1 in parts]
        ind = ecg_indices(x[a:b, None], y[a:b, None], fs, inb, rel, np.array([scale]))
        probs = p_unusable(feature_matrix(ind).reshape(-1, len(_MODEL_INPUTS))).reshape(ind.shape[:2])
        graded = _ecg_results([lq.lead], rel, fs, ind, probs)[0].segments
        t = a
        out: list[SegmentQuality] = []
        for g, (p0, p1) in zip(graded, parts, strict=True):  # the gaps are the pops' stretches
            if p0 > t:
                out.append(SegmentQuality(lq.lead, t / fs, p0 / fs, "unusable", sq.p_unusable, sq.indices,
                                          (*sq.issues, "electrode_pop")))
            out.append(replace(g, start_s=p0 / fs, stop_s=p1 / fs))
            t = p1
        if b > t:
            out.append(SegmentQuality(lq.lead, t / fs, b / fs, "unusable", sq.p_unusable, sq.indices,
                                      (*sq.issues, "electrode_pop")))
        segs.extend(out)
        changed = True
    if not changed:
        return lq
    tot = sum(q.stop_s - q.start_s for q in segs) or 1.0
    score = sum((q.stop_s - q.start_s) * (1.0 - (q.p_unusable if q.p_unusable is not None else 1.0))
                for q in segs) / tot
    issues = tuple(dict.fromkeys((*lq.issues, "electrode_pop")))
    return LeadQuality(lq.lead, _grade_lead(segs), lq.indices, issues, score, lq.kind, tuple(segs))


def assess_quality(
    rec: Recording,
    *,
    beats: Any = None,
    cleaned: Recording | None = None,
    leads: Sequence[int] | None = None,
) -> SignalQuality:
    """Per-lead, per-segment and overall signal quality of ``rec``.

    Parameters
    ----------
    rec
        The recording as read (indices are computed on the raw signals).
    beats
        Primary beat detections (a :class:`~cardiokit._core.results.Beats` or sample
        indices of ``rec``) shared by all leads, e.g. the pipeline's fused beats; by
        default each lead's own beats (``detect_beats`` method ``cardiokit`` per lead).
    cleaned
        :func:`cardiokit.ecg.clean` of ``rec`` (same channels), reused for the indices
        of the cleaned signal; cleaned here when not given.
    leads
        Channel indices to assess (default: every ECG and PPG channel, else all channels
        as ECG).
    """
    if not isinstance(rec, Recording):
        raise InvalidArgumentError(f"assess_quality() needs a Recording; got {type(rec).__name__}")
    if leads is None:
        leads = [i for i, c in enumerate(rec.channels) if c.kind in ("ecg", "ppg")] or list(range(rec.n_channels))
    leads = [int(i) for i in leads]
    if not leads or any(not 0 <= i < rec.n_channels for i in leads):
        raise InvalidArgumentError(f"leads must be channel indices in 0..{rec.n_channels - 1}; got {leads!r}")
    ecg_leads = [i for i in leads if rec.channels[i].kind != "ppg"]
    by_lead: dict[int, LeadQuality] = {}
    if ecg_leads:
        by_lead.update(zip(ecg_leads, _ecg_leads(rec, ecg_leads, beats, cleaned), strict=True))
    for i in leads:
        if i not in by_lead:
            by_lead[i] = _ppg_lead(np.asarray(rec.signals[:, i], dtype=np.float64), rec.fs, rec.channels[i].name)
    out = [by_lead[i] for i in leads]
    return SignalQuality(overall_grade([lq.grade for lq in out]), tuple(out))
