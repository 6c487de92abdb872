"""Rule-based interpretation statements (``rules-v1``), documented in docs/STATEMENTS.md.

Each rule reads measured values and emits a :class:`~cardiokit.report.model.Statement`
with its SNOMED CT code (the concept used by the PhysioNet/CinC Challenge 2020-2021
label mapping where one exists), the values it used (``evidence``) and the rule itself
(``criteria``: thresholds and reference). Statements are grouped in *categories*; each
category yields at most one statement, so mutually exclusive statements (sinus rhythm /
sinus bradycardia, long / short QTc, left / right axis deviation) never appear together.

The rules only state what the measurements support: with no consistent P waves in front
of the QRS complexes the rhythm is reported as undetermined rather than guessed, and a
recording graded unusable gets a poor-quality warning and nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..ecg.quality import Quality
from .model import Rhythm, Statement

__all__ = ["CRITERIA", "RULES_VERSION", "RhythmFeatures", "interpret", "rhythm_from_statements"]

RULES_VERSION = "rules-v1"

_MASON_2007 = (
    "Mason JW, Hancock EW, Gettes LS. Recommendations for the standardization and "
    "interpretation of the electrocardiogram, part II: electrocardiography diagnostic "
    "statement list. Circulation 2007;115:1325-1332."
)
_SURAWICZ_2009 = (
    "Surawicz B, Childers R, Deal BJ, Gettes LS. AHA/ACCF/HRS recommendations for the "
    "standardization and interpretation of the electrocardiogram, part III: intraventricular "
    "conduction disturbances. Circulation 2009;119:e235-e240."
)
_RAUTAHARJU_2009 = (
    "Rautaharju PM, Surawicz B, Gettes LS. AHA/ACCF/HRS recommendations for the "
    "standardization and interpretation of the electrocardiogram, part IV: the ST segment, "
    "T and U waves, and the QT interval. Circulation 2009;119:e241-e250."
)
_PRIORI_2015 = (
    "Priori SG, Blomström-Lundqvist C, Mazzanti A, et al. 2015 ESC Guidelines for the "
    "management of patients with ventricular arrhythmias and the prevention of sudden "
    "cardiac death. Eur Heart J 2015;36:2793-2867 (short QT syndrome: QTc <= 340 ms)."
)
_KLIGFIELD_2007 = (
    "Kligfield P, Gettes LS, Bailey JJ, et al. Recommendations for the standardization and "
    "interpretation of the electrocardiogram, part I. Circulation 2007;115:1306-1324."
)

#: Every threshold the rules use (one place; docs/STATEMENTS.md is written from these).
CRITERIA: dict[str, Any] = {
    "min_beats": 3,
    "p_wave_fraction_min": 0.8,  # share of beats with a P wave before the QRS
    "pr_iqr_max_ms": 60.0,  # constant P-QRS relation: PR spread (IQR) at most this
    "p_axis_range_deg": (-30.0, 120.0),  # P axis clearly outside -> not sinus
    "sinus_irregular_rr_range_ms": 160.0,  # max - min of sinus-to-sinus RR
    "bradycardia_below_bpm": 60.0,
    "tachycardia_above_bpm": 100.0,
    "pr_long_above_ms": 200.0,
    "qrs_wide_from_ms": 120.0,
    "qtc_long_from_ms": {"M": 450.0, "F": 460.0, None: 460.0},
    "qtc_short_to_ms": 340.0,
    "axis_left_below_deg": -30.0,
    "axis_right_above_deg": 90.0,
    "low_voltage_limb_below_mv": 0.5,
    "low_voltage_precordial_below_mv": 1.0,
}

_LIMB = ("i", "ii", "iii", "avr", "avl", "avf")
_PRECORDIAL = ("v1", "v2", "v3", "v4", "v5", "v6")


@dataclass(frozen=True)
class RhythmFeatures:
    """What the rhythm rules need besides the averaged measurements.

    ``p_wave_fraction``: share of beats with a detected P wave ending before QRS onset;
    ``pr_iqr_ms``: inter-quartile range of the per-beat PR intervals; ``rr_range_ms``:
    max - min of the RR intervals between consecutive beats that both have a P wave
    (ectopic beats and their pauses excluded); ``rr_cv``: coefficient of variation of
    all RR intervals.
    """

    n_beats: int
    p_wave_fraction: float | None = None
    pr_iqr_ms: float | None = None
    rr_range_ms: float | None = None
    rr_cv: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_beats": self.n_beats,
            "p_wave_fraction": _r(self.p_wave_fraction, 3),
            "pr_iqr_ms": _r(self.pr_iqr_ms),
            "rr_range_ms": _r(self.rr_range_ms),
            "rr_cv": _r(self.rr_cv, 3),
        }


def _num(v: Any) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _r(v: Any, nd: int = 1) -> float | None:
    f = _num(v)
    return None if f is None else round(f, nd)


def _st(key: str, code: str | None, text: str, category: str, evidence: Mapping[str, Any],
        rule: str, reference: str, severity: str = "abnormal", **thresholds: Any) -> Statement:
    return Statement(
        key=key, code=code, text=text, evidence=dict(evidence),
        criteria={"rule": rule, **thresholds, "reference": reference, "rules_version": RULES_VERSION},
        category=category, severity=severity,
    )


def _quality_statement(quality: Quality | None) -> Statement | None:
    if quality is None:
        return None
    bad = [lq.lead for lq in quality.leads if lq.grade == "unusable"]
    ev = {"quality_grade": quality.grade, "unusable_leads": bad,
          "issues": {lq.lead: list(lq.issues) for lq in quality.leads if lq.issues}}
    if quality.grade == "unusable":
        return _st("poor_signal_quality", "251143007",
                   "Poor signal quality: recording not interpretable", "quality", ev,
                   "overall quality grade is 'unusable' (see quality indices and limits)",
                   "cardiokit signal quality rules sqi-rules-v1 (Clifford 2012; Orphanidou 2015)",
                   severity="warning")
    if bad:
        return _st("poor_signal_quality", "251143007",
                   f"Poor signal quality in lead{'s' if len(bad) > 1 else ''} {', '.join(bad)}",
                   "quality", ev, "one or more leads graded 'unusable'",
                   "cardiokit signal quality rules sqi-rules-v1 (Clifford 2012; Orphanidou 2015)",
                   severity="warning")
    return None


def _rhythm_statement(m: Mapping[str, Any], rf: RhythmFeatures | None) -> Statement:
    hr = _num(m.get("heart_rate_bpm"))
    ev: dict[str, Any] = {"heart_rate_bpm": _r(hr), "p_axis_deg": _r(m.get("p_axis_deg"))}
    if rf is not None:
        ev.update(rf.to_dict())
    c = CRITERIA
    undetermined_rule = (
        f"sinus needs >= {c['min_beats']} beats, a P wave before >= "
        f"{c['p_wave_fraction_min']:.0%} of QRS complexes, a constant PR (IQR <= "
        f"{c['pr_iqr_max_ms']:g} ms) and a P axis within {c['p_axis_range_deg']}"
    )

    def undetermined(why: str) -> Statement:
        return _st("rhythm_undetermined", None, f"Rhythm undetermined ({why})", "rhythm",
                   ev, undetermined_rule, _MASON_2007, severity="borderline")

    if rf is None or rf.n_beats < c["min_beats"] or hr is None:
        return undetermined("too few beats detected")
    pf = _num(rf.p_wave_fraction)
    if pf is None:
        return undetermined("P waves not delineated")
    if pf < c["p_wave_fraction_min"]:
        return undetermined("no consistent P wave before QRS")
    iqr = _num(rf.pr_iqr_ms)
    if iqr is not None and iqr > c["pr_iqr_max_ms"]:
        return undetermined("variable PR interval")
    pax = _num(m.get("p_axis_deg"))
    lo, hi = c["p_axis_range_deg"]
    if pax is not None and not lo <= pax <= hi:
        return undetermined("P axis outside the sinus range")
    rng = _num(rf.rr_range_ms)
    irregular = rng is not None and rng > c["sinus_irregular_rr_range_ms"]
    th = {"bradycardia_below_bpm": c["bradycardia_below_bpm"],
          "tachycardia_above_bpm": c["tachycardia_above_bpm"],
          "sinus_irregular_rr_range_ms": c["sinus_irregular_rr_range_ms"],
          "p_wave_fraction_min": c["p_wave_fraction_min"]}
    base = "P wave before each QRS with constant PR"
    if hr < c["bradycardia_below_bpm"]:
        text = "Sinus bradycardia" + (" with sinus arrhythmia" if irregular else "")
        return _st("sinus_bradycardia", "426177001", text, "rhythm", ev,
                   f"{base}; heart rate < {c['bradycardia_below_bpm']:g} bpm", _MASON_2007,
                   severity="borderline", **th)
    if hr > c["tachycardia_above_bpm"]:
        if irregular:
            return undetermined("irregular rhythm at a rate > 100 bpm")
        return _st("sinus_tachycardia", "427084000", "Sinus tachycardia", "rhythm", ev,
                   f"{base}, regular; heart rate > {c['tachycardia_above_bpm']:g} bpm",
                   _MASON_2007, **th)
    if irregular:
        return _st("sinus_arrhythmia", "427393009", "Sinus arrhythmia", "rhythm", ev,
                   f"{base}; heart rate 60-100 bpm; sinus RR range > "
                   f"{c['sinus_irregular_rr_range_ms']:g} ms", _MASON_2007, severity="normal", **th)
    return _st("sinus_rhythm", "426783006", "Sinus rhythm", "rhythm", ev,
               f"{base}, regular; heart rate 60-100 bpm", _MASON_2007, severity="normal", **th)


def _axis_statement(m: Mapping[str, Any]) -> Statement | None:
    ax = _num(m.get("qrs_axis_deg"))
    if ax is None:
        return None
    ax = (ax + 180.0) % 360.0 - 180.0  # (-180, 180]
    ev = {"qrs_axis_deg": round(ax, 1)}
    left, right = CRITERIA["axis_left_below_deg"], CRITERIA["axis_right_above_deg"]
    th = {"axis_left_below_deg": left, "axis_right_above_deg": right}
    if -90.0 <= ax < left:
        return _st("left_axis_deviation", "39732003", "Left axis deviation", "axis", ev,
                   f"frontal QRS axis between -90 and {left:g} degrees", _SURAWICZ_2009, **th)
    if right < ax <= 180.0:
        return _st("right_axis_deviation", "47665007", "Right axis deviation", "axis", ev,
                   f"frontal QRS axis between {right:g} and 180 degrees", _SURAWICZ_2009, **th)
    if ax < -90.0:
        return _st("extreme_axis_deviation", None, "Extreme (northwest) axis deviation", "axis", ev,
                   "frontal QRS axis between -180 and -90 degrees", _SURAWICZ_2009, **th)
    return None


def _qtc_statement(m: Mapping[str, Any], sex: str | None) -> Statement | None:
    qtc = _num(m.get("qtc_ms"))
    if qtc is None:
        return None
    formula = m.get("qtc_formula")
    ev = {"qtc_ms": round(qtc, 1), "qtc_formula": formula, "qt_ms": _r(m.get("qt_ms")),
          "sex": sex}
    long_from = CRITERIA["qtc_long_from_ms"][sex if sex in ("M", "F") else None]
    short_to = CRITERIA["qtc_short_to_ms"]
    if qtc >= long_from:
        who = {"M": "men", "F": "women"}.get(sex or "", "sex unknown: the higher (women's) limit")
        return _st("long_qtc", "111975006", "Prolonged QT interval (QTc)", "repolarization", ev,
                   f"QTc >= {long_from:g} ms ({who}); limits 450 ms men, 460 ms women",
                   _RAUTAHARJU_2009, qtc_long_from_ms=long_from)
    if qtc <= short_to:
        return _st("short_qtc", "77867006", "Short QT interval (QTc)", "repolarization", ev,
                   f"QTc <= {short_to:g} ms", _PRIORI_2015 + " See also " + _RAUTAHARJU_2009,
                   qtc_short_to_ms=short_to)
    return None


def _voltage_statement(amp: Mapping[str, float] | None) -> Statement | None:
    if not amp:
        return None
    a = {str(k).lower(): _num(v) for k, v in amp.items()}
    limb = {k: a[k] for k in _LIMB if a.get(k) is not None}
    prec = {k: a[k] for k in _PRECORDIAL if a.get(k) is not None}
    lim_l, lim_p = CRITERIA["low_voltage_limb_below_mv"], CRITERIA["low_voltage_precordial_below_mv"]
    low_limb = len(limb) == len(_LIMB) and max(limb.values()) < lim_l
    low_prec = len(prec) == len(_PRECORDIAL) and max(prec.values()) < lim_p
    if not (low_limb or low_prec):
        return None
    where = "limb and precordial leads" if low_limb and low_prec else (
        "limb leads" if low_limb else "precordial leads")
    ev = {"max_limb_qrs_mv": _r(max(limb.values()), 3) if limb else None,
          "max_precordial_qrs_mv": _r(max(prec.values()), 3) if prec else None,
          "qrs_amplitude_mv": {k: _r(v, 3) for k, v in a.items()}}
    return _st("low_qrs_voltage", "251146004", f"Low QRS voltage in {where}", "voltage", ev,
               f"QRS peak-to-peak amplitude < {lim_l:g} mV in every limb lead (I, II, III, aVR, "
               f"aVL, aVF) or < {lim_p:g} mV in every precordial lead (V1-V6)", _KLIGFIELD_2007,
               low_voltage_limb_below_mv=lim_l, low_voltage_precordial_below_mv=lim_p)


def interpret(
    measurements: Mapping[str, Any],
    *,
    rhythm: RhythmFeatures | None = None,
    qrs_amplitude_mv: Mapping[str, float] | None = None,
    quality: Quality | None = None,
    sex: str | None = None,
) -> tuple[Statement, ...]:
    """Interpretation statements from measurements (rules in docs/STATEMENTS.md).

    Parameters
    ----------
    measurements
        The report's measurements (``heart_rate_bpm``, ``pr_ms``, ``qrs_ms``, ``qtc_ms``,
        ``qrs_axis_deg``, ``p_axis_deg``...; ``None`` when not measured).
    rhythm
        P-wave and RR features for the rhythm rules; without them the rhythm is undetermined.
    qrs_amplitude_mv
        QRS peak-to-peak amplitude per lead (lead name -> mV) for the low-voltage rule.
    quality
        Signal quality; ``unusable`` suppresses every other statement.
    sex
        ``"M"`` or ``"F"`` for the sex-specific QTc limit; ``None`` uses the higher limit.
    """
    out: list[Statement] = []
    q = _quality_statement(quality)
    if q is not None:
        out.append(q)
        if quality is not None and quality.grade == "unusable":
            return tuple(out)
    rhythm_st = _rhythm_statement(measurements, rhythm)
    out.append(rhythm_st)
    pr = _num(measurements.get("pr_ms"))
    if pr is not None and pr > CRITERIA["pr_long_above_ms"] and rhythm_st.key.startswith("sinus"):
        out.append(_st("first_degree_av_block", "270492004", "First-degree AV block", "conduction",
                       {"pr_ms": round(pr, 1)},
                       f"sinus rhythm with PR > {CRITERIA['pr_long_above_ms']:g} ms", _MASON_2007,
                       pr_long_above_ms=CRITERIA["pr_long_above_ms"]))
    qrs = _num(measurements.get("qrs_ms"))
    if qrs is not None and qrs >= CRITERIA["qrs_wide_from_ms"]:
        out.append(_st("wide_qrs", None, "Wide QRS complex", "intraventricular",
                       {"qrs_ms": round(qrs, 1)},
                       f"QRS duration >= {CRITERIA['qrs_wide_from_ms']:g} ms (morphology not "
                       "classified: bundle branch block, IVCD or ventricular origin)",
                       _SURAWICZ_2009, qrs_wide_from_ms=CRITERIA["qrs_wide_from_ms"]))
    for st in (_axis_statement(measurements), _qtc_statement(measurements, sex),
               _voltage_statement(qrs_amplitude_mv)):
        if st is not None:
            out.append(st)
    return tuple(out)


def rhythm_from_statements(statements: tuple[Statement, ...], quality: Quality | None) -> Rhythm:
    """Rule-based rhythm class: ``noisy`` when unusable, ``normal`` for sinus rhythms
    (sinus rhythm, bradycardia, tachycardia, arrhythmia), else ``None`` (undetermined).

    A trained classifier replaces this with ``probabilities`` in a later version.
    """
    if quality is not None and quality.grade == "unusable":
        return Rhythm("noisy", None, RULES_VERSION)
    keys = {s.key for s in statements}
    if keys & {"sinus_rhythm", "sinus_bradycardia", "sinus_tachycardia", "sinus_arrhythmia"}:
        return Rhythm("normal", None, RULES_VERSION)
    return Rhythm(None, None, RULES_VERSION)
