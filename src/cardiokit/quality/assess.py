"""Per-lead, per-segment signal quality grades: :func:`assess_quality`.

Each ECG or PPG channel is cut into 5-s segments (a last piece shorter than 2.5 s joins
the segment before it; records shorter than 5 s form one segment). Every segment gets
the indices of :mod:`cardiokit.quality.indices` and a grade:

* hard rules first: ``flat_fraction >= 0.5`` (flat line), ``clip_fraction >= 0.1``
  (saturation) or fewer than 2 beats in the segment make it ``unusable``;
* ECG: a logistic model over the indices (``cardiokit/models/quality_ecg.json``,
  trained by ``training/train_quality.py`` on clean vs noise-stressed CinC 2017
  segments and CinC 2017 noisy-class records) gives ``p_unusable``; ``good`` below
  ``thresholds.good``, ``unusable`` from ``thresholds.unusable``, else ``acceptable``;
* PPG: rules of Orphanidou et al. (2015): ``tsqi >= 0.86`` and heart rate 40-180 bpm
  for usable, ``tsqi >= 0.95`` for good.

A lead is ``unusable`` when at least half of its duration is unusable, ``good`` when at
least 80 % is good and at most 10 % unusable, else ``acceptable``. The overall grade is
``unusable`` when no lead is usable or more than half are unusable, ``good`` when at
least three quarters of the leads are good and none is unusable, else ``acceptable``.

``SignalQuality.unusable_segments`` lists ``(start_s, stop_s, lead)`` so measurements
can leave those stretches out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from cardiokit._core.errors import InvalidArgumentError
from cardiokit._core.recording import Recording
from cardiokit.dsp.filters import bandpass

from .._core.units import VOLT_TO_MV
from .indices import ecg_segment_indices, ppg_band, ppg_beats, ppg_segment_indices

__all__ = [
    "GRADES",
    "ISSUE_LIMITS",
    "SEGMENT_S",
    "LeadQuality",
    "SegmentQuality",
    "SignalQuality",
    "UnusableSegment",
    "assess_quality",
    "model_features",
    "overall_grade",
]

GRADES = ("good", "acceptable", "unusable")
SEGMENT_S = 5.0
METHOD = "sqi-logistic-v1"
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
        if v is None or not np.isfinite(v):
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


def _ecg_beats(x: np.ndarray, fs: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per-lead beats of the two detectors behind bSQI, for every column of ``x`` at once
    (identical to detecting each lead on its own, with the filtering shared)."""
    from cardiokit.ecg.qrs import detect_beats_per_lead

    a = detect_beats_per_lead(x, fs_hz=fs, method="cardiokit")
    b = detect_beats_per_lead(x, fs_hz=fs, method="zong2003")
    return list(zip(a, b, strict=True))


def _grade_lead(segs: list[SegmentQuality]) -> str:
    dur = np.array([s.stop_s - s.start_s for s in segs])
    tot = dur.sum() or 1.0
    bad = dur[[s.grade == "unusable" for s in segs]].sum() / tot
    good = dur[[s.grade == "good" for s in segs]].sum() / tot
    if bad >= 0.5:
        return "unusable"
    if good >= 0.8 and bad <= 0.1:
        return "good"
    return "acceptable"


def _assess_lead(x: np.ndarray, fs: float, name: str, kind: str, mv_scale: float | None,
                 primary: np.ndarray | None,
                 detected: tuple[np.ndarray, np.ndarray] | None = None) -> LeadQuality:
    bounds = segment_bounds(x.size, fs)
    if kind == "ppg":
        y = ppg_band(x, fs) if x.size > 12 else x - x.mean()
        beats_a = ppg_beats(y, fs)
        beats_b = beats_a
    else:
        y = bandpass(x, fs_hz=fs, low_hz=0.5, high_hz=40.0) if x.size > 12 else x - x.mean()
        beats_a, beats_b = detected if detected is not None else _ecg_beats(x[:, None], fs)[0]
        if primary is not None:
            beats_a = primary
    segs: list[SegmentQuality] = []
    feats, inds = [], []
    for a, b in bounds:
        ba = beats_a[(beats_a >= a) & (beats_a < b)] - a
        bb = beats_b[(beats_b >= a) & (beats_b < b)] - a
        if kind == "ppg":
            ind = ppg_segment_indices(x[a:b], y[a:b], fs, ba)
        else:
            ind = ecg_segment_indices(x[a:b], y[a:b], fs, ba, bb, mv_scale)
            feats.append(model_features(ind))
        inds.append(ind)
    probs = p_unusable(np.asarray(feats)) if feats else None
    thr = _ecg_model() if feats else None
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
        if kind == "ppg":
            hr = ind["hr_bpm"]
            if grade is None:
                ok = ind["tsqi"] >= 0.86 and np.isfinite(hr) and 40.0 <= hr <= 180.0
                grade = "unusable" if not ok else ("good" if ind["tsqi"] >= 0.95 else "acceptable")
        else:
            p = float(probs[j])
            if grade is None:
                grade = "good" if p < thr["good"] else ("unusable" if p >= thr["unusable"] else "acceptable")
        segs.append(SegmentQuality(name, a / fs, b / fs, grade, p,
                                   {k: _num(v) for k, v in ind.items()}, tuple(issues)))
    dur = np.array([s.stop_s - s.start_s for s in segs])
    if kind == "ppg":
        score = float(np.sum(dur * np.array([s.grade != "unusable" for s in segs])) / dur.sum())
    else:
        pu = np.array([1.0 if s.grade == "unusable" and s.p_unusable is not None and
                       s.p_unusable < thr["unusable"] else (s.p_unusable or 0.0) for s in segs])
        score = float(np.sum(dur * (1.0 - pu)) / dur.sum())
    med = {}
    for k in inds[0]:
        vals = np.array([d[k] for d in inds], dtype=np.float64)
        vals = vals[np.isfinite(vals)]
        med[k] = float(np.median(vals)) if vals.size else None
    lead_issues = tuple(sorted({i for s in segs for i in s.issues}))
    return LeadQuality(name, _grade_lead(segs), med, lead_issues, score, kind, tuple(segs))


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
        indices of ``rec``), e.g. the pipeline's fused beats; by default each lead is
        detected on its own (``detect_beats`` methods ``cardiokit`` and ``zong2003``).
    cleaned
        Accepted for compatibility with the pipeline; the indices use their own filters.
    leads
        Channel indices to assess (default: every ECG and PPG channel, else all channels
        as ECG).
    """
    if not isinstance(rec, Recording):
        raise InvalidArgumentError(f"assess_quality() needs a Recording; got {type(rec).__name__}")
    del cleaned
    if leads is None:
        leads = [i for i, c in enumerate(rec.channels) if c.kind in ("ecg", "ppg")] or list(range(rec.n_channels))
    leads = [int(i) for i in leads]
    if not leads or any(not 0 <= i < rec.n_channels for i in leads):
        raise InvalidArgumentError(f"leads must be channel indices in 0..{rec.n_channels - 1}; got {leads!r}")
    primary = None
    if beats is not None:
        primary = np.asarray(getattr(beats, "samples", beats), dtype=np.int64).reshape(-1)
    ecg_leads = [i for i in leads if rec.channels[i].kind != "ppg"]
    detected: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    if ecg_leads and rec.n_samples > 12:
        cols = np.asarray(rec.signals[:, ecg_leads], dtype=np.float64)
        detected = dict(zip(ecg_leads, _ecg_beats(cols, rec.fs), strict=True))
    out = []
    for i in leads:
        ch = rec.channels[i]
        kind = "ppg" if ch.kind == "ppg" else "ecg"
        x = np.asarray(rec.signals[:, i], dtype=np.float64)
        out.append(_assess_lead(x, rec.fs, ch.name, kind, _UNIT_TO_MV.get(ch.unit.strip().lower()),
                                primary if kind == "ecg" else None, detected.get(i)))
    return SignalQuality(overall_grade([lq.grade for lq in out]), tuple(out))
