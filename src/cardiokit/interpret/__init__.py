"""Rule-based 12-lead ECG interpretation (``rules-v10``), documented in docs/STATEMENTS.md.

Like the Glasgow program and GE 12SL, every statement comes from an explicit, published
criterion applied to measurements: the global measurements (rate, intervals, axes), the
per-lead median-beat morphology of :func:`cardiokit.ecg.morphology.analyze_morphology`
and, for atrial fibrillation, the rhythm model (:func:`cardiokit.ecg.rhythm.classify_rhythm`)
when available. Each :class:`~cardiokit.report.model.Statement` carries its SNOMED CT code
(PhysioNet/CinC 2020-2021 mapping), the values it used (``evidence``) and the rule
(``criteria``: rule text, thresholds, reference).

Statements come in clinical-report order (:data:`CATEGORY_ORDER`: quality, rhythm, pacing,
ectopy, AV conduction, intraventricular conduction, fascicular block, axis, chambers,
infarction, ST, T, QT, voltage) and each *category* holds at most one statement, so
mutually exclusive findings (complete vs incomplete RBBB, AF vs sinus rhythm, LBBB vs
LAFB, LVH vs low voltage...) never appear together.

Thresholds that depend on the reading school (rate limits, axis limits, QRS-duration
limits of the conduction statements) come from a *convention* (:data:`CONVENTIONS`):
``"aha"`` (default, AHA/ACC/HRS) or ``"ludb"`` (the LUDB cardiologists' operating point,
chosen by ``bench.bench_interpretation.tune`` on the LUDB records).

This package sits beside :mod:`cardiokit.report`; it imports analysis results
(``ecg``, ``report.model``) and never ``io``, ``store`` or ``cli``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..ecg.quality import Quality
from ..report.model import Rhythm, Statement
from ._atrial import ATRIAL_CRITERIA
from ._chambers import (
    CHAMBER_CRITERIA,
    atrial_statements,
    lvh_statement,
    rvh_statement,
    voltage_statement,
)
from ._common import CLIFFORD_2012, CONVENTIONS, RULES_VERSION, make, num
from ._common import convention as convention_thresholds
from ._conduction import (
    CONDUCTION_CRITERIA,
    axis_statement,
    conduction_qrs_ms,
    fascicular_statement,
    intraventricular_statement,
    net_amplitude_axis,
)
from ._ischemia import (
    ISCHEMIA_CRITERIA,
    infarction_statement,
    qtc_statement,
    st_statements,
    t_wave_statement,
)
from ._rhythm import (
    RHYTHM_CRITERIA,
    RhythmFeatures,
    av_statement,
    dominant_p_share,
    ectopy_statements,
    flutter_statement,
    paced_af_statement,
    paced_beats,
    pacing_convention,
    pacing_statement,
    readable_beats,
    rhythm_statement,
    rr_irregularity,
    sinus_rr_range,
)

__all__ = [
    "CATEGORY_ORDER",
    "CONVENTIONS",
    "CRITERIA",
    "RULES_VERSION",
    "RhythmFeatures",
    "interpret",
    "rhythm_from_statements",
]

#: Every threshold the rules use (docs/STATEMENTS.md is written from these).
CRITERIA: dict[str, Any] = {**RHYTHM_CRITERIA, **ATRIAL_CRITERIA, **CONDUCTION_CRITERIA, **CHAMBER_CRITERIA,
                            **ISCHEMIA_CRITERIA,
                            "qrs_wide_from_ms": CONDUCTION_CRITERIA["complete_bbb_qrs_from_ms"]}

#: Categories in report order; each holds at most one statement.
CATEGORY_ORDER = (
    "quality", "rhythm", "pacing", "ectopy_ventricular", "ectopy_atrial", "av_conduction",
    "intraventricular", "fascicular", "axis", "left_ventricle", "right_ventricle", "left_atrium",
    "right_atrium", "infarction", "st_elevation", "st_depression", "t_wave", "qt", "voltage",
)

_SINUS = ("sinus_rhythm", "sinus_bradycardia", "sinus_tachycardia", "sinus_arrhythmia")


_STANDARD_LEADS = {n.upper(): n for n in ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")}


def _lead_text(name: str) -> str:
    """A lead name as written in statement text: standard spelling (``avf`` -> ``aVF``)."""
    return _STANDARD_LEADS.get(str(name).strip().upper(), str(name))


def _quality_statement(quality: Quality | None) -> Statement | None:
    if quality is None:
        return None
    bad = [lq.lead for lq in quality.leads if lq.grade == "unusable"]
    ev = {"quality_grade": quality.grade, "unusable_leads": bad,
          "issues": {lq.lead: list(lq.issues) for lq in quality.leads if lq.issues}}
    if quality.grade == "unusable":
        return make("poor_signal_quality", "251143007", "Poor signal quality: recording not interpretable",
                    "quality", ev, "overall quality grade is 'unusable' (see quality indices and limits)",
                    CLIFFORD_2012, severity="warning")
    # leads usable on the whole with stretches graded unusable (an electrode pop, a burst of
    # noise): named with the stretches, which the measurements leave out
    spans: dict[tuple[tuple[float, float], ...], list[str]] = {}
    for lq in quality.leads:
        if lq.grade != "unusable":
            sp: list[tuple[float, float]] = []
            for seg in getattr(lq, "segments", ()):
                if seg.grade != "unusable":
                    continue
                if sp and sp[-1][1] == seg.start_s:  # adjacent segments: one stretch
                    sp[-1] = (sp[-1][0], seg.stop_s)
                else:
                    sp.append((seg.start_s, seg.stop_s))
            if sp:
                spans.setdefault(tuple(sp), []).append(lq.lead)
    if not bad and not spans:
        return None
    parts = [f"lead{'s' if len(bad) > 1 else ''} {', '.join(_lead_text(b) for b in bad)}"] if bad else []
    groups = list(spans.items())
    for sp, leads in groups[:4]:
        when = ", ".join(f"{round(a, 1):g}-{round(b, 1):g} s" for a, b in sp[:3]) + (
            f" and {len(sp) - 3} more" if len(sp) > 3 else "")
        parts.append(f"lead{'s' if len(leads) > 1 else ''} {', '.join(_lead_text(x) for x in leads)} ({when})")
    if len(groups) > 4:
        n_more = sum(len(leads) for _, leads in groups[4:])
        parts.append(f"{n_more} more lead{'s' if n_more > 1 else ''} in stretches")
    if spans:
        ev["unusable_stretches"] = [{"lead": x, "start_s": a, "stop_s": b}
                                    for sp, leads in spans.items() for x in leads for a, b in sp]
    return make("poor_signal_quality", "251143007", "Poor signal quality in " + "; ".join(parts),
                "quality", ev, "one or more leads, or stretches of leads, graded 'unusable'", CLIFFORD_2012,
                severity="warning")


def interpret(
    measurements: Mapping[str, Any],
    *,
    rhythm: RhythmFeatures | None = None,
    qrs_amplitude_mv: Mapping[str, float] | None = None,
    quality: Quality | None = None,
    sex: str | None = None,
    age_years: float | None = None,
    morphology: Any = None,
    rhythm_model: Any = None,
    convention: str | Mapping[str, float] = "aha",
    ecg: Any = None,
    beat_samples: Any = None,
) -> tuple[Statement, ...]:
    """Interpretation statements from measurements (rules in docs/STATEMENTS.md).

    Parameters
    ----------
    measurements
        The report's measurements (``heart_rate_bpm``, ``pr_ms``, ``qrs_ms``, ``qtc_ms``,
        ``qrs_axis_deg``, ``p_axis_deg``, ``p_duration_ms``...; ``None`` when not measured).
    rhythm
        P-wave and RR features for the rhythm rules; without them the rhythm is undetermined.
    qrs_amplitude_mv
        QRS peak-to-peak amplitude per lead (lead name -> mV) for the low-voltage rule
        (``None`` with uncalibrated, per-lead normalised data).
    quality
        Signal quality; ``unusable`` suppresses every other statement.
    sex, age_years
        ``"M"``/``"F"`` and age for the sex/age-specific limits (QTc, Cornell, STEMI V2-V3);
        ``None`` uses the more conservative limit.
    morphology
        :class:`cardiokit.ecg.morphology.Morphology` (per-lead median-beat morphology, beat
        classes, pacemaker spikes). Without it only the rhythm, first-degree AV block, QRS
        duration, axis, QT and voltage rules run.
    rhythm_model
        A :class:`cardiokit.ecg.rhythm.RhythmResult` (``label``, ``probabilities``,
        ``model``); AF is then taken from the model, otherwise from the RR/P-wave rule.
    convention
        ``"aha"`` (AHA/ACC/HRS limits) or ``"ludb"`` (the LUDB cardiologists' operating
        point), or a mapping of thresholds; the thresholds are in :data:`CONVENTIONS`
        (docs/STATEMENTS.md).
    ecg, beat_samples
        The cleaned ECG (a :class:`~cardiokit.Recording`) and its beat fiducials (sample
        indices) for the atrial-flutter test of the atrial activity between the QRS
        complexes; without them atrial flutter is not stated.
    """
    conv = convention_thresholds(convention)
    out: list[Statement] = []
    q = _quality_statement(quality)
    if q is not None:
        out.append(q)
        if quality is not None and quality.grade == "unusable":
            return tuple(out)
    beats = getattr(morphology, "beats", None)
    conv = pacing_convention(conv, measurements)
    pace_st = pacing_statement(morphology, conv)
    paced = pace_st is not None and pace_st.text != "Atrial-paced rhythm"
    # the beats the rhythm statements read: not the trailing ones cut by the recording's end
    n_read = readable_beats(beats) if beats is not None else 0
    if rhythm is not None and beats is not None:
        # sinus RR range without the premature complexes and their pauses (sinus-to-sinus cycles)
        rng = rhythm.rr_range_ms
        nn = sinus_rr_range(beats.labels[:n_read], beats.rr_before_ms[:n_read])
        if rng is not None and nn is not None:
            rng = min(rng, nn)
        irr = rhythm.rr_irregularity if rhythm.rr_irregularity is not None else \
            rr_irregularity(beats.rr_before_ms[1:n_read])
        # the P-wave share over the dominant beats (PVCs and paced beats have no P wave of their own)
        pf = rhythm.p_wave_fraction
        pace = getattr(morphology, "pace", None)
        dom = dominant_p_share(beats, paced_beats(pace, conv) if pace is not None and pace_st is not None
                               else None)
        if dom is not None and dom[1] >= RHYTHM_CRITERIA["min_beats"]:
            pf = dom[0]
        rhythm = dataclasses.replace(rhythm, rr_range_ms=rng, rr_irregularity=irr, p_wave_fraction=pf)
    rm = measurements
    if conv.get("rate_from_mean_rr") and beats is not None:
        # the rate over the whole strip (mean RR, ectopic cycles included), as read by hand
        rr = [x for x in np.asarray(beats.rr_before_ms, np.float64).tolist()[1:n_read] if math.isfinite(x) and x > 0]
        if len(rr) >= 2:
            rm = {**measurements, "heart_rate_bpm": 60000.0 * len(rr) / sum(rr), "heart_rate_measure": "mean RR"}
    # second/third-degree AV block needs atrial P waves: not under pacing. In a long record
    # judged in 10-s windows, not when the rhythm model calls the record atrial fibrillation
    # (f waves can line up like P waves for a few seconds); in a strip, regular P waves matching
    # the P template outweigh the model (group beating of a Wenckebach block can read as AF)
    atrial = getattr(morphology, "atrial", None)
    model_p_af = (getattr(rhythm_model, "probabilities", None) or {}).get("af", 0.0)
    windowed = atrial is not None and "episodes" in atrial.evidence
    if paced or getattr(atrial, "av_block", None) is None or (
            windowed and model_p_af >= conv["af_model_probability_from"]):
        atrial = None
    if atrial is not None and rhythm is not None:
        # AV block: the atrial rhythm is named from every P wave at the atrial rate (the QRS
        # complexes follow the ventricles'), not from the P waves before the QRS complexes
        rhythm = dataclasses.replace(rhythm, p_wave_fraction=1.0, pr_iqr_ms=None,
                                     rr_range_ms=atrial.evidence.get("pp_range_ms"), rr_irregularity=None)
        rm = {**rm, "heart_rate_bpm": atrial.rate_bpm, "heart_rate_measure": "atrial rate (every P wave)"}
    rhythm_st = rhythm_statement(rm, rhythm, model=rhythm_model, paced=paced, conv=conv)
    if not paced:
        rhythm_st = flutter_statement(rhythm_st, rhythm_model, ecg, beat_samples, measurements, conv) or rhythm_st
    elif rhythm_st.key == "rhythm_undetermined":
        rhythm_st = paced_af_statement(morphology, rhythm_st, conv) or rhythm_st
    # a paced rhythm names the rhythm: no "Rhythm undetermined" beside it (clinical programs
    # state the pacing alone when no atrial rhythm is identified)
    shown = [] if paced and rhythm_st.key == "rhythm_undetermined" else [rhythm_st]
    out += shown + ([pace_st] if pace_st is not None else [])
    out += ectopy_statements(morphology, rhythm_st.key, paced, num(rhythm_st.evidence.get("p_wave_fraction")))
    av = av_statement(measurements, rhythm_st, atrial, paced, conv)
    if av is not None:
        out.append(av)
    L = dict(getattr(morphology, "leads", {}) or {})
    calibrated = bool(getattr(morphology, "calibrated", qrs_amplitude_mv is not None))
    if paced:
        L = {}  # paced QRS-T: conduction, axis, chamber, infarction and ST-T criteria do not apply
    if not paced:
        ax = getattr(morphology, "qrs_axis_deg", None) if L else None
        ax_stmt = ax  # the axis statement's angle: the net-area one, or the net-amplitude one (convention)
        if ax is not None and conv.get("axis_from_net_amplitude"):
            ax_stmt = net_amplitude_axis(L, getattr(morphology, "limb_gains", None))
        qh = conduction_qrs_ms(measurements, L, conv) if L else None
        # the bundle-branch criteria read V1 and the lateral leads (I, V5, V6): without them (an
        # ambulatory MLII + V1 or MLII + V5 pair) a wide QRS is stated, not classified, and no
        # "nonspecific" delay, which presumes the bundle-branch criteria were checked and not met
        classifiable = L and "v1" in L and any(x in L for x in ("i", "v5", "v6"))
        intra = intraventricular_statement(measurements, L, conv, qh) if classifiable else _wide_qrs(measurements, conv)
        # axis_from_net_amplitude 2: the fascicular criteria read the same (net-amplitude) axis
        ax_fasc = ax_stmt if conv.get("axis_from_net_amplitude", 0.0) >= 2.0 and ax_stmt is not None else ax
        fasc = fascicular_statement(measurements, L, intra, conv, ax_fasc, qh)
        if fasc is not None and intra is not None and intra.key == "nonspecific_intraventricular_conduction_delay":
            intra = None  # a fascicular block (QRS < 120 ms) accounts for the QRS of 110-119 ms (Surawicz 2009)
        out += [s for s in (intra, fasc, axis_statement(measurements, L, conv, ax_stmt)) if s is not None]
        ikey = intra.key if intra is not None else ""
        secondary = "bundle_branch" in ikey
        lvh = lvh_statement(L, measurements, sex, calibrated, ikey)
        out += [s for s in (lvh, rvh_statement(L, measurements, calibrated, ikey)) if s is not None]
        out += atrial_statements(L, measurements, calibrated)
        if L and not secondary:
            mi = infarction_statement(L, calibrated)
            st = st_statements(L, sex, age_years) if calibrated else []
            tw = t_wave_statement(L, calibrated, bool(st))
            out += [s for s in (mi, *st, tw) if s is not None]
    qt = qtc_statement(measurements, sex)
    if qt is not None:
        out.append(qt)
    low = voltage_statement(qrs_amplitude_mv)
    if low is not None and not any(s.key == "left_ventricular_hypertrophy" for s in out):
        out.append(low)
    order = {c: i for i, c in enumerate(CATEGORY_ORDER)}
    if convention != "aha":  # say which limits were used (the default output stays as it was)
        name = convention if isinstance(convention, str) else "custom"
        out = [dataclasses.replace(s, criteria={**s.criteria, "convention": name}) for s in out]
    return tuple(sorted(out, key=lambda s: order.get(s.category, len(order))))


def _wide_qrs(m: Mapping[str, Any], conv: Mapping[str, float]) -> Statement | None:
    """Without per-lead morphology: a wide QRS is stated, not classified."""
    from ._common import SURAWICZ_2009, num

    qrs = num(m.get("qrs_ms"))
    lim = conv["complete_bbb_qrs_from_ms"]
    if qrs is None or qrs < lim:
        return None
    return make("wide_qrs", None, "Wide QRS complex", "intraventricular", {"qrs_ms": round(qrs, 1)},
                f"QRS duration >= {lim:g} ms (morphology not classified: bundle branch block, IVCD or "
                "ventricular origin)", SURAWICZ_2009, qrs_wide_from_ms=lim)


#: second- and third-degree AV block statements: the rhythm class is then "other"
_HIGH_AV_BLOCKS = frozenset({"second_degree_av_block", "mobitz_type_i_av_block", "mobitz_type_ii_av_block",
                             "complete_heart_block"})


def rhythm_from_statements(statements: tuple[Statement, ...], quality: Quality | None,
                           model: Any = None) -> Rhythm:
    """The report's ``rhythm`` block: the rhythm class of the PhysioNet/CinC 2017 challenge
    (``normal`` sinus rhythm, ``af``, ``other`` rhythm, ``noisy``), consistent with the
    statements.

    ``label``, in this order:

    1. ``af`` when the statements name atrial fibrillation; ``other`` for paced rhythm,
       atrial flutter and second- or third-degree AV block;
    2. when the rhythm model ran: its most probable class, except ``af`` beside a sinus
       statement (P waves before the QRS complexes rule AF out: then its most probable
       other class). Its ``other`` beside a sinus statement is CinC's "other rhythm" (e.g.
       sinus rhythm with frequent ectopy), not a contradiction of the atrial rhythm. It is
       read also when the quality grade is ``unusable`` (the model has its own ``noisy``
       class: on the CinC 2017 pool, out of fold, that scores 0.849 against 0.841 for
       calling every unusable record noisy; docs/BENCHMARKS.md "Rhythm");
    3. without the model: ``noisy`` when the quality is unusable, ``normal`` for the sinus
       statements, otherwise ``None``.

    ``probabilities``, ``model`` and ``model_span_s`` come from the rhythm model when one ran.
    """
    probs = getattr(model, "probabilities", None)
    name = getattr(model, "model", None) if probs is not None else None
    mname = f"{RULES_VERSION}+{name}" if name else RULES_VERSION
    spans = list(getattr(model, "spans_s", {}).values()) if probs is not None else []
    keys = {s.key for s in statements}
    label: str | None = None
    if "atrial_fibrillation" in keys:
        label = "af"
    elif keys & (_HIGH_AV_BLOCKS | {"paced_rhythm", "atrial_flutter"}):
        label = "other"  # an AV block: sinus P waves, not all conducted (CinC 2017 "other rhythm")
    elif probs is not None:
        ranked = sorted(probs, key=lambda k: -float(probs[k]))
        if ranked[0] == "af" and keys & set(_SINUS):
            ranked = ranked[1:]
        label = ranked[0]
    elif quality is not None and quality.grade == "unusable":
        label = "noisy"
    elif keys & set(_SINUS):
        label = "normal"
    # one lead read (as in analyze): its stretch; several: each its own (RhythmResult.spans_s)
    return Rhythm(label, probs, mname, spans[0] if len(spans) == 1 else None)
