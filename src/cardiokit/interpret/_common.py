"""Shared pieces of the rules: thresholds, references, lead groups, the Statement builder."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..report.model import Statement

RULES_VERSION = "rules-v10"

# -- references ---------------------------------------------------------------------------
MASON_2007 = (
    "Mason JW, Hancock EW, Gettes LS. Recommendations for the standardization and "
    "interpretation of the electrocardiogram, part II: electrocardiography diagnostic "
    "statement list. Circulation 2007;115:1325-1332."
)
SURAWICZ_2009 = (
    "Surawicz B, Childers R, Deal BJ, Gettes LS. AHA/ACCF/HRS recommendations for the "
    "standardization and interpretation of the electrocardiogram, part III: intraventricular "
    "conduction disturbances. Circulation 2009;119:e235-e240."
)
RAUTAHARJU_2009 = (
    "Rautaharju PM, Surawicz B, Gettes LS. AHA/ACCF/HRS recommendations for the "
    "standardization and interpretation of the electrocardiogram, part IV: the ST segment, "
    "T and U waves, and the QT interval. Circulation 2009;119:e241-e250."
)
HANCOCK_2009 = (
    "Hancock EW, Deal BJ, Mirvis DM, et al. AHA/ACCF/HRS recommendations for the "
    "standardization and interpretation of the electrocardiogram, part V: electrocardiogram "
    "changes associated with cardiac chamber hypertrophy. Circulation 2009;119:e251-e261."
)
WAGNER_2009 = (
    "Wagner GS, Macfarlane P, Wellens H, et al. AHA/ACCF/HRS recommendations for the "
    "standardization and interpretation of the electrocardiogram, part VI: acute ischemia/"
    "infarction. Circulation 2009;119:e262-e270."
)
THYGESEN_2018 = (
    "Thygesen K, Alpert JS, Jaffe AS, et al. Fourth universal definition of myocardial "
    "infarction (2018). Circulation 2018;138:e618-e651 (ECG criteria: Tables 4 and 5)."
)
PRIORI_2015 = (
    "Priori SG, Blomström-Lundqvist C, Mazzanti A, et al. 2015 ESC Guidelines for the "
    "management of patients with ventricular arrhythmias and the prevention of sudden "
    "cardiac death. Eur Heart J 2015;36:2793-2867 (short QT syndrome: QTc <= 340 ms)."
)
KLIGFIELD_2007 = (
    "Kligfield P, Gettes LS, Bailey JJ, et al. Recommendations for the standardization and "
    "interpretation of the electrocardiogram, part I. Circulation 2007;115:1306-1324."
)
SOKOLOW_1949 = (
    "Sokolow M, Lyon TP. The ventricular complex in left ventricular hypertrophy as obtained "
    "by unipolar precordial and limb leads. Am Heart J 1949;37:161-186."
)
CASALE_1985 = (
    "Casale PN, Devereux RB, Kligfield P, et al. Electrocardiographic detection of left "
    "ventricular hypertrophy: development and prospective validation of improved criteria "
    "(Cornell voltage). J Am Coll Cardiol 1985;6:572-580."
)
ROMHILT_1968 = (
    "Romhilt DW, Estes EH Jr. A point-score system for the ECG diagnosis of left "
    "ventricular hypertrophy. Am Heart J 1968;75:752-758."
)
MORRIS_1964 = (
    "Morris JJ Jr, Estes EH Jr, Whalen RE, Thompson HK Jr, McIntosh HD. P-wave analysis in "
    "valvular heart disease. Circulation 1964;29:242-252 (P terminal force in V1)."
)
MACFARLANE_2015 = (
    "Macfarlane PW, Antzelevitch C, Haissaguerre M, et al. The early repolarization pattern: "
    "a consensus paper. J Am Coll Cardiol 2015;66:470-477."
)
HINDRICKS_2020 = (
    "Hindricks G, Potpara T, Dagres N, et al. 2020 ESC Guidelines for the diagnosis and "
    "management of atrial fibrillation. Eur Heart J 2021;42:373-498 (ECG diagnosis: "
    "irregularly irregular RR intervals, no distinct repeating P waves)."
)
KUSUMOTO_2019 = (
    "Kusumoto FM, Schoenfeld MH, Barrett C, et al. 2018 ACC/AHA/HRS guideline on the "
    "evaluation and management of patients with bradycardia and cardiac conduction delay. "
    "Circulation 2019;140:e382-e482."
)
PRINEAS_2010 = (
    "Prineas RJ, Crow RS, Zhang ZM. The Minnesota Code Manual of Electrocardiographic "
    "Findings, 2nd ed. Springer 2010."
)
SPODICK_1992 = (
    "Spodick DH, Raju P, Bishop RL, Rifkin RD. Operational definition of normal sinus heart "
    "rate. Am J Cardiol 1992;69:1245-1246 (normal sinus rate 50-90 bpm)."
)
CHOU_2008 = (
    "Surawicz B, Knilans TK. Chou's Electrocardiography in Clinical Practice, 6th ed. Saunders "
    "Elsevier 2008 (right bundle branch block: rsR' in V1 when complete, rSr' when incomplete)."
)
GOLDBERGER_2013 = (
    "Goldberger AL, Goldberger ZD, Shvilkin A. Goldberger's Clinical Electrocardiography: a "
    "Simplified Approach, 8th ed. Elsevier 2013 (mean QRS axis from the net QRS deflections of the "
    "limb leads)."
)
STRAUSS_2011 = (
    "Strauss DG, Selvester RH, Wagner GS. Defining left bundle branch block in the era of cardiac "
    "resynchronization therapy. Am J Cardiol 2011;107:927-934 (strict LBBB criteria)."
)
KALYAKULINA_2020 = (
    "Kalyakulina AI, Yusipov II, Moskalenko VA, et al. LUDB: a new open-access validation tool "
    "for electrocardiogram delineation algorithms. IEEE Access 2020;8:186181-186190."
)
CLIFFORD_2012 = "cardiokit signal quality rules sqi-rules-v1 (Clifford 2012; Orphanidou 2015)"

# -- conventions ----------------------------------------------------------------------------
#: Thresholds that depend on the reading convention. ``"aha"`` (default): the AHA/ACC/HRS
#: recommendations (Mason 2007 rates, Surawicz 2009 axis and QRS limits). ``"ludb"``: the
#: operating point that follows the LUDB cardiologists' labelling (Russian practice: left
#: axis deviation from about 0 degrees, sinus tachycardia > 90 bpm), every value chosen by
#: one automatic procedure (``bench.bench_interpretation.tune``: coordinate ascent over a
#: fixed grid, specificity shortfall below 0.95 first, then the macro F1 of the goal
#: statements) on all 200 LUDB records; the same procedure run on four folds and scored on
#: the fifth (folds: record id % 5) gives the out-of-fold estimate in docs/BENCHMARKS.md.
#: ``python -m bench.bench_interpretation --tune`` repeats the choice; docs/STATEMENTS.md.
CONVENTIONS: dict[str, dict[str, float]] = {
    "aha": {
        "p_wave_fraction_min": 0.8,  # cardiokit's operational sinus criterion
        "pr_long_above_ms": 200.0,
        "bradycardia_below_bpm": 60.0,
        "tachycardia_above_bpm": 100.0,
        "sinus_irregular_rr_range_ms": 160.0,
        "axis_left_below_deg": -30.0,
        "axis_right_above_deg": 90.0,
        "lafb_axis_below_deg": -45.0,
        "complete_bbb_qrs_from_ms": 120.0,
        "incomplete_bbb_qrs_from_ms": 110.0,
        "ivcd_qrs_above_ms": 110.0,
        "rbbb_needs_wide_s": 1.0,
        "irbbb_needs_wide_s": 1.0,
        "irbbb_v2_counts": 0.0,
        "crbbb_needs_dominant_r2": 0.0,
        "qrs_limb_majority": 1.0,
        "lafb_needs_qr_avl": 1.0,
        "lafb_rs_inferior": 0.0,
        "lbbb_strauss": 0.0,
        "axis_from_net_amplitude": 0.0,
        # a detector's sensitivity, not a reading school: small bipolar pacing spikes beside a
        # wide QRS (0.35 = the spike search alone; docs/STATEMENTS.md "Paced rhythm")
        "pace_spike_fraction_from": 0.15,
        "af_model_probability_from": 0.5,
        "af_rule_model_af_from": 0.3,
        "sinus_arrhythmia_first": 0.0,
        "rate_from_mean_rr": 0.0,
        "sinus_irregular_rr_fraction": 0.0,
    },
    "ludb": {
        "p_wave_fraction_min": 0.75,
        "pr_long_above_ms": 200.0,
        "bradycardia_below_bpm": 56.5,
        "tachycardia_above_bpm": 89.25,
        "sinus_irregular_rr_range_ms": 160.0,
        "axis_left_below_deg": 15.0,
        "axis_right_above_deg": 90.0,
        "lafb_axis_below_deg": -25.0,
        "complete_bbb_qrs_from_ms": 120.0,
        "incomplete_bbb_qrs_from_ms": 0.0,
        "ivcd_qrs_above_ms": 110.0,
        "rbbb_needs_wide_s": 1.0,
        "irbbb_needs_wide_s": 0.0,
        "irbbb_v2_counts": 0.0,
        "crbbb_needs_dominant_r2": 1.0,
        "qrs_limb_majority": 1.0,
        "lafb_needs_qr_avl": 0.0,
        "lafb_rs_inferior": 0.0,
        "lbbb_strauss": 1.0,
        "axis_from_net_amplitude": 2.0,
        "pace_spike_fraction_from": 0.15,
        "af_model_probability_from": 0.5,
        "af_rule_model_af_from": 0.3,
        "sinus_arrhythmia_first": 0.0,
        "rate_from_mean_rr": 1.0,
        "sinus_irregular_rr_fraction": 0.2,
    },
}


def convention(name: str | Mapping[str, float]) -> dict[str, float]:
    """The thresholds of a reading convention: a name in :data:`CONVENTIONS`, or a mapping
    of thresholds (keys of ``CONVENTIONS["aha"]``; missing ones from ``"aha"``)."""
    from .._core.errors import InvalidArgumentError

    if not isinstance(name, str):
        bad = sorted(set(name) - set(CONVENTIONS["aha"]))
        if bad:
            raise InvalidArgumentError(f"unknown convention thresholds {bad}; accepted: {sorted(CONVENTIONS['aha'])}")
        return {**CONVENTIONS["aha"], **{k: float(v) for k, v in name.items()}}
    if name not in CONVENTIONS:
        raise InvalidArgumentError(f"convention must be one of {sorted(CONVENTIONS)} or a mapping; got {name!r}")
    return CONVENTIONS[name]


# -- lead groups ----------------------------------------------------------------------------
LIMB = ("i", "ii", "iii", "avr", "avl", "avf")
PRECORDIAL = ("v1", "v2", "v3", "v4", "v5", "v6")
#: contiguous-lead orders: Cabrera sequence of the limb leads and V1-V6
CABRERA = ("avl", "i", "-avr", "ii", "avf", "iii")
TERRITORIES: dict[str, tuple[str, ...]] = {
    "inferior": ("ii", "iii", "avf"),
    "lateral": ("i", "avl", "v5", "v6"),
    "anterior": ("v3", "v4"),
    "septal": ("v1", "v2"),
}


def num(v: Any) -> float | None:
    if v is None:
        return None
    if v.__class__ is float:  # the common case, fast
        return v if math.isfinite(v) else None
    if isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def rnd(v: Any, nd: int = 1) -> float | None:
    f = num(v)
    return None if f is None else round(f, nd)


def make(key: str, code: str | None, text: str, category: str, evidence: Mapping[str, Any],
         rule: str, reference: str, severity: str = "abnormal", **thresholds: Any) -> Statement:
    """A :class:`Statement` whose ``criteria`` carry the rule, its thresholds and reference."""
    return Statement(
        key=key, code=code, text=text, evidence=dict(evidence),
        criteria={"rule": rule, **thresholds, "reference": reference, "rules_version": RULES_VERSION},
        category=category, severity=severity,
    )


def contiguous_pairs(leads: Sequence[str]) -> bool:
    """True when at least two of ``leads`` are neighbours in V1-V6 or in the Cabrera
    sequence (aVL, I, -aVR, II, aVF, III) - the 'two contiguous leads' of the MI criteria."""
    s = set(leads)
    for seq in (PRECORDIAL, CABRERA):
        for a, b in itertools.pairwise(seq):
            if a in s and b in s:
                return True
    return False


def lead_list(leads: Sequence[str]) -> str:
    names = {"i": "I", "ii": "II", "iii": "III", "avr": "aVR", "avl": "aVL", "avf": "aVF",
             "-avr": "-aVR"}
    return ", ".join(names.get(x, x.upper()) for x in leads)
