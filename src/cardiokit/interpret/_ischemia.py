"""Q waves / prior infarction by territory, ST elevation and depression, T-wave inversion,
early repolarization, nonspecific ST-T changes and QT.

These rules read the ST level and Q/T amplitudes of the median beats. ST and Q/T depth
thresholds are in mV and need calibrated amplitudes; with per-lead normalised data the
ST rules do not run and Q-wave / T-wave rules use thresholds relative to the lead's QRS
(documented in docs/STATEMENTS.md). None of them is given with bundle branch block,
ventricular pacing or pre-excitation, where repolarization is secondary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..report.model import Statement
from ._common import (
    MACFARLANE_2015,
    PRINEAS_2010,
    PRIORI_2015,
    RAUTAHARJU_2009,
    TERRITORIES,
    THYGESEN_2018,
    contiguous_pairs,
    lead_list,
    make,
    num,
    rnd,
)

ISCHEMIA_CRITERIA: dict[str, Any] = {
    "q_v2_v3_from_ms": 20.0,  # any Q > 0.02 s or QS in V2-V3
    "q_from_ms": 30.0,  # elsewhere: Q >= 0.03 s and >= 0.1 mV deep (or QS) in 2 contiguous leads
    "q_depth_from_mv": 0.1,
    "q_depth_relative_from": 1.0 / 3.0,  # uncalibrated: Q/R >= 1/3 (Minnesota 1-2)
    # the leads whose Q waves count (Thygesen 2018: I, II, aVL, aVF, V4-V6, and V2-V3 by their own
    # rule); III and V1 are left out (a Q or QS there is common in normal ECGs)
    "q_leads": ("i", "ii", "avl", "avf", "v2", "v3", "v4", "v5", "v6"),
    "ste_from_mv": 0.1,  # J point, leads other than V2-V3
    "ste_v2v3_from_mv": {"M>=40": 0.2, "M<40": 0.25, "F": 0.15},
    "std_from_mv": 0.05,  # horizontal or downsloping, J point
    "twi_from_mv": 0.1,
    "twi_relative_from": 0.1,  # uncalibrated: T <= -10 % of the lead's QRS peak-to-peak
    "twi_leads": ("i", "ii", "avl", "avf", "v2", "v3", "v4", "v5", "v6"),
    "er_j_from_mv": 0.1,
    "qtc_long_from_ms": {"M": 450.0, "F": 460.0, None: 460.0},
    "qtc_short_to_ms": 340.0,
    # from this QRS duration (ms; bundle branch block, ventricular pacing) the QT statements judge
    # the modified QT = QT - this share of the QRS (Bogossian 2014): the wide QRS lengthens the QT
    # without lengthening repolarisation (Rautaharju 2009: judge the JT or a QRS-adjusted QT)
    "qt_wide_qrs_from_ms": 120.0,
    "qt_wide_qrs_share": 0.5,
}


def _q_leads(L: Mapping[str, Any], calibrated: bool) -> dict[str, list[str]]:
    """Leads with pathological Q waves, grouped by territory (two contiguous leads needed)."""
    c = ISCHEMIA_CRITERIA
    hit: list[str] = []
    for lead, lm in L.items():
        if lead not in c["q_leads"]:
            continue
        if lm.qs:
            hit.append(lead)
            continue
        if lm.q_mv >= 0 or lm.r_mv <= 0:
            continue
        deep = abs(lm.q_mv) >= c["q_depth_from_mv"] if calibrated else (
            abs(lm.q_mv) >= c["q_depth_relative_from"] * lm.r_mv)
        if lead in ("v2", "v3"):
            if lm.q_ms > c["q_v2_v3_from_ms"]:
                hit.append(lead)
        elif lm.q_ms >= c["q_from_ms"] and deep:
            hit.append(lead)
    out: dict[str, list[str]] = {}
    if "v2" in hit and "v3" in hit:
        out["septal"] = [x for x in ("v1", "v2") if x in hit]
        out["anterior"] = [x for x in ("v3", "v4") if x in hit]
    for terr, leads in TERRITORIES.items():
        h = [x for x in leads if x in hit]
        if contiguous_pairs(h):
            out[terr] = h
    return out


def infarction_statement(L: Mapping[str, Any], calibrated: bool) -> Statement | None:
    c = ISCHEMIA_CRITERIA
    terr = _q_leads(L, calibrated)
    if not terr:
        return None
    names = [t for t in ("septal", "anterior", "lateral", "inferior") if t in terr]
    ev = {"territories": {t: terr[t] for t in names},
          "q_waves": {x: {"q_mv": rnd(L[x].q_mv, 3), "q_ms": rnd(L[x].q_ms), "pattern": L[x].pattern}
                      for t in names for x in terr[t]}, "calibrated": calibrated}
    text = f"Q waves consistent with prior infarction, {' and '.join(names)}"
    return make("prior_myocardial_infarction", "164867002", text, "infarction", ev,
                f"any Q > {c['q_v2_v3_from_ms']:g} ms or QS in V2-V3; Q >= {c['q_from_ms']:g} ms and >= "
                f"{c['q_depth_from_mv']:g} mV deep (uncalibrated: >= {c['q_depth_relative_from']:.0%} of R) or QS "
                "in two contiguous leads among I, II, aVL, aVF, V4-V6 (III and V1 do not count); territories "
                "inferior II, aVF; lateral I, aVL, V5, V6; anterior V3, V4; septal V2",
                THYGESEN_2018 + " See also " + PRINEAS_2010 + " (codes 1-1 to 1-2)",
                q_from_ms=c["q_from_ms"], q_depth_from_mv=c["q_depth_from_mv"])


def _ste_limit(lead: str, sex: str | None, age: float | None) -> float:
    c = ISCHEMIA_CRITERIA
    if lead not in ("v2", "v3"):
        return c["ste_from_mv"]
    lim = c["ste_v2v3_from_mv"]
    if sex == "F":
        return lim["F"]
    if sex == "M" and age is not None and age < 40:
        return lim["M<40"]
    if sex == "M":
        return lim["M>=40"]
    return lim["M<40"]  # sex/age unknown: the highest limit


def st_statements(L: Mapping[str, Any], sex: str | None, age: float | None) -> list[Statement]:
    """ST elevation (STEMI criteria by territory) / ST depression; early repolarization."""
    c = ISCHEMIA_CRITERIA
    out: list[Statement] = []
    elev = [x for x, lm in L.items() if x != "avr" and lm.st_j_mv is not None
            and lm.st_j_mv >= _ste_limit(x, sex, age)]
    dep = [x for x, lm in L.items() if x != "avr" and lm.st_j_mv is not None and lm.st_80_mv is not None
           and lm.st_j_mv <= -c["std_from_mv"] and lm.st_80_mv <= lm.st_j_mv + 0.02]
    terr = {t: [x for x in leads if x in elev] for t, leads in TERRITORIES.items()}
    terr = {t: h for t, h in terr.items() if contiguous_pairs(h)}
    if elev and contiguous_pairs(elev) and not terr:
        terr = {"precordial" if elev[0].startswith("v") else "limb": elev}
    recip = [x for x in dep if not any(x in h for h in terr.values())]
    # early repolarization: inferior/lateral J elevation with terminal notch/slur, upsloping ST,
    # no reciprocal ST depression and no anterior (V1-V4) elevation
    er_leads = [x for x in elev if x in ("ii", "iii", "avf", "i", "avl", "v4", "v5", "v6")
                and L[x].st_80_mv is not None and L[x].st_80_mv >= L[x].st_j_mv and L[x].notched]
    anterior = [x for x in elev if x in ("v1", "v2", "v3")]
    if terr and contiguous_pairs(er_leads) and not recip and not anterior:
        out.append(make("early_repolarization", "428417006", "Early repolarization pattern", "st_elevation",
                        {"j_elevation_leads": er_leads,
                         "st_j_mv": {x: rnd(L[x].st_j_mv, 3) for x in er_leads}},
                        f"J-point elevation >= {c['er_j_from_mv']:g} mV with a notched/slurred end of QRS "
                        "and upsloping ST in >= 2 contiguous inferior and/or lateral leads, no reciprocal ST "
                        "depression", MACFARLANE_2015, er_j_from_mv=c["er_j_from_mv"]))
    elif terr:
        names = sorted(terr)
        out.append(make("st_elevation", "164931005",
                        f"ST elevation, {' and '.join(names)}" + (" (meets STEMI criteria)" if terr else ""),
                        "st_elevation",
                        {"territories": terr, "st_j_mv": {x: rnd(L[x].st_j_mv, 3) for h in terr.values() for x in h},
                         "reciprocal_depression_leads": recip, "sex": sex, "age_years": age},
                        "new ST elevation at the J point in >= 2 contiguous leads: >= 0.1 mV in all leads "
                        "other than V2-V3; in V2-V3 >= 0.2 mV men >= 40 y, >= 0.25 mV men < 40 y, >= 0.15 mV "
                        "women (sex/age unknown: 0.25 mV)", THYGESEN_2018,
                        ste_from_mv=c["ste_from_mv"], ste_v2v3_from_mv=c["ste_v2v3_from_mv"]))
    std_c = dep if contiguous_pairs(dep) else []
    if std_c and not terr:
        out.append(make("st_depression", "429622005", f"ST depression in {lead_list(std_c)}", "st_depression",
                        {"leads": std_c, "st_j_mv": {x: rnd(L[x].st_j_mv, 3) for x in std_c},
                         "st_80_mv": {x: rnd(L[x].st_80_mv, 3) for x in std_c}},
                        f"horizontal or downsloping ST depression >= {c['std_from_mv']:g} mV at the J point "
                        "in >= 2 contiguous leads", THYGESEN_2018, std_from_mv=c["std_from_mv"]))
    return out


def t_wave_statement(L: Mapping[str, Any], calibrated: bool, has_st: bool) -> Statement | None:
    """T-wave inversion in >= 2 contiguous leads (not III, aVR, V1), else flat T -> nonspecific."""
    c = ISCHEMIA_CRITERIA
    inv, flat = [], []
    for x in c["twi_leads"]:
        lm = L.get(x)
        if lm is None or lm.t_neg_mv is None:
            continue
        deep = (lm.t_neg_mv <= -c["twi_from_mv"]) if calibrated else (
            lm.t_neg_mv <= -c["twi_relative_from"] * lm.qrs_ptp_mv)
        if lm.t_polarity == "negative" and deep and (x not in ("avl", "avf") or lm.r_mv > abs(lm.s_mv)):
            inv.append(x)
        elif lm.t_polarity == "flat" and x in ("i", "ii", "v4", "v5", "v6") and lm.r_mv > 0.5 * lm.qrs_ptp_mv:
            flat.append(x)
    if contiguous_pairs(inv):
        return make("t_wave_inversion", "59931005", f"T-wave inversion in {lead_list(inv)}", "t_wave",
                    {"leads": inv, "t_mv": {x: rnd(L[x].t_mv, 3) for x in inv}, "calibrated": calibrated},
                    f"negative T >= {c['twi_from_mv']:g} mV deep (uncalibrated: >= {c['twi_relative_from']:.0%} "
                    "of the QRS peak-to-peak) in >= 2 contiguous leads among I, II, aVL, aVF (aVL/aVF only "
                    "with a dominant R), V2-V6", THYGESEN_2018 + " See also " + PRINEAS_2010 + " (codes 5-1, 5-2)",
                    twi_from_mv=c["twi_from_mv"])
    if contiguous_pairs(flat) and not has_st:
        return make("nonspecific_st_t_abnormality", "428750005", "Nonspecific ST-T abnormality", "t_wave",
                    {"flat_t_leads": flat},
                    "flat T (< 0.1 mV and < 10 % of R) in >= 2 contiguous leads among I, II, V4-V6 with a "
                    "dominant R, no ST or T criteria met", RAUTAHARJU_2009 + " See also " + PRINEAS_2010
                    + " (code 5-3)")
    return None


SAGIE_1992 = (
    "Sagie A, Larson MG, Goldberg RJ, Bengtson JR, Levy D. An improved method for adjusting the "
    "QT interval for heart rate (the Framingham Heart Study). Am J Cardiol 1992;70:797-801."
)
VANDENBERK_2016 = (
    "Vandenberk B, Vandael E, Robyns T, et al. Which QT correction formulae to use for QT "
    "monitoring? J Am Heart Assoc 2016;5:e003264 (Bazett over-corrects at fast rates)."
)


BOGOSSIAN_2014 = (
    "Bogossian H, Frommeyer G, Ninios I, et al. New formula for evaluation of the QT interval in "
    "patients with left bundle branch block. Heart Rhythm 2014;11:2273-2277. Bogossian H, Linz D, "
    "Heijman J, et al. QTc evaluation in patients with bundle branch block. IJC Heart Vasc "
    "2020;30:100636."
)


def modified_qt(m: Mapping[str, Any]) -> float | None:
    """The QT the QT statements judge: with a QRS of :data:`ISCHEMIA_CRITERIA`
    ``qt_wide_qrs_from_ms`` or more, Bogossian's modified QT, QT - 0.5 QRS (Bogossian 2014,
    validated in left and right bundle branch block; Bogossian 2020), else the QT itself."""
    c = ISCHEMIA_CRITERIA
    qt, qrs = num(m.get("qt_ms")), num(m.get("qrs_ms"))
    if qt is None or qrs is None or qrs < c["qt_wide_qrs_from_ms"]:
        return qt
    return qt - c["qt_wide_qrs_share"] * qrs


def statement_qtc(m: Mapping[str, Any]) -> tuple[float | None, str | None]:
    """The QTc the QT statements judge, and its formula.

    Rautaharju 2009 recommends a linear rate correction rather than Bazett's, which
    over-corrects at fast rates: a fast atrial fibrillation at 133 bpm with QT 340 ms reads 506 ms by Bazett, 425 ms by Framingham. The statement uses
    the Framingham correction QT + 154 (1 - RR) (Sagie 1992; among the most rate-independent
    in Vandenberk 2016) from the reported QT and RR; the displayed ``qtc_ms`` keeps the
    formula the caller chose. Without QT and RR the reported ``qtc_ms`` is used as given.
    With a wide QRS the QT is first reduced by half the QRS (:func:`modified_qt`): formula
    ``"framingham, modified QT"``.
    """
    qt, rr = modified_qt(m), num(m.get("rr_ms"))
    if qt is not None and rr is not None and rr > 0:
        wide = qt != num(m.get("qt_ms"))
        return qt + 154.0 * (1.0 - rr / 1000.0), "framingham, modified QT" if wide else "framingham"
    qtc = num(m.get("qtc_ms"))
    return (qtc, m.get("qtc_formula")) if qtc is not None else (None, None)


def qtc_statement(m: Mapping[str, Any], sex: str | None) -> Statement | None:
    c = ISCHEMIA_CRITERIA
    qtc, formula = statement_qtc(m)
    if qtc is None:
        return None
    ev = {"qtc_ms": round(qtc, 1), "qtc_formula": formula, "qt_ms": rnd(m.get("qt_ms")),
          "rr_ms": rnd(m.get("rr_ms")), "sex": sex}
    wide = formula is not None and formula.endswith("modified QT")
    if wide:
        ev |= {"qrs_ms": rnd(m.get("qrs_ms")), "qt_modified_ms": rnd(modified_qt(m))}
    if formula != m.get("qtc_formula") and num(m.get("qtc_ms")) is not None:
        ev[f"qtc_{m.get('qtc_formula') or 'reported'}_ms"] = rnd(m.get("qtc_ms"))
    long_from = c["qtc_long_from_ms"][sex if sex in ("M", "F") else None]
    short_to = c["qtc_short_to_ms"]
    ref = RAUTAHARJU_2009 + " " + SAGIE_1992 + " " + VANDENBERK_2016
    th: dict[str, Any] = {}
    how = ""
    if wide:
        ref += " " + BOGOSSIAN_2014
        th = {"qt_wide_qrs_from_ms": c["qt_wide_qrs_from_ms"], "qt_wide_qrs_share": c["qt_wide_qrs_share"]}
        how = f" of the modified QT = QT - {c['qt_wide_qrs_share']:g} QRS (QRS >= {c['qt_wide_qrs_from_ms']:g} ms)"
    if qtc >= long_from:
        who = {"M": "men", "F": "women"}.get(sex or "", "sex unknown: the higher (women's) limit")
        return make("long_qtc", "111975006", "Prolonged QT interval (QTc)", "qt", ev,
                    f"QTc ({formula}){how} >= {long_from:g} ms ({who}); limits 450 ms men, 460 ms women",
                    ref, qtc_long_from_ms=long_from, **th)
    if wide:  # a short QT is judged on the QT itself (the modification only shortens it)
        qtc = float(m["qt_ms"]) + 154.0 * (1.0 - float(m["rr_ms"]) / 1000.0)
        formula = "framingham"
        ev |= {"qtc_ms": round(qtc, 1), "qtc_formula": formula}
    if qtc <= short_to:
        return make("short_qtc", "77867006", "Short QT interval (QTc)", "qt", ev,
                    f"QTc ({formula}) <= {short_to:g} ms", PRIORI_2015 + " See also " + ref,
                    qtc_short_to_ms=short_to)
    return None
