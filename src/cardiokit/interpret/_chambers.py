"""Chamber hypertrophy / enlargement and low QRS voltage.

Voltage criteria need calibrated amplitudes: with per-lead normalised data
(``Morphology.calibrated`` False) the voltage rules do not run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..report.model import Statement
from ._common import (
    CASALE_1985,
    HANCOCK_2009,
    KLIGFIELD_2007,
    LIMB,
    MORRIS_1964,
    PRECORDIAL,
    ROMHILT_1968,
    SOKOLOW_1949,
    make,
    num,
    rnd,
)

CHAMBER_CRITERIA: dict[str, Any] = {
    "sokolow_lyon_from_mv": 3.5,  # S V1 + max(R V5, R V6)
    "cornell_above_mv": {"M": 2.8, "F": 2.0, None: 2.8},  # R aVL + S V3
    "r_avl_above_mv": 1.1,
    "romhilt_estes_definite_from": 5,
    "rvh_r_v1_from_mv": 0.7,
    "rvh_rs_v1_above": 1.0,
    "rvh_sokolow_from_mv": 1.05,  # R V1 + max(S V5, S V6)
    "lae_p_duration_from_ms": 120.0,
    "lae_ptf_v1_from_mv_ms": 4.0,  # 0.04 mm*s
    "lae_p_notch_from_ms": 40.0,
    "rae_p_ii_above_mv": 0.25,
    "rae_p_v1_above_mv": 0.15,
    "low_voltage_limb_below_mv": 0.5,
    "low_voltage_precordial_below_mv": 1.0,
}


def _g(L: Mapping[str, Any], lead: str, attr: str) -> float | None:
    lm = L.get(lead)
    return None if lm is None else num(getattr(lm, attr))


def romhilt_estes(L: Mapping[str, Any], m: Mapping[str, Any], *, voltage: bool) -> tuple[int, dict[str, int]]:
    """Romhilt-Estes points (digitalis unknown: ST-T strain scores 3)."""
    pts: dict[str, int] = {}
    limb_r = max([abs(_g(L, x, "r_mv") or 0) for x in LIMB] + [abs(_g(L, x, "s_mv") or 0) for x in LIMB])
    s12 = max(abs(_g(L, x, "s_mv") or 0) for x in ("v1", "v2"))
    r56 = max(_g(L, x, "r_mv") or 0 for x in ("v5", "v6"))
    if voltage and (limb_r >= 2.0 or s12 >= 3.0 or r56 >= 3.0):
        pts["voltage"] = 3
    strain = [x for x in ("i", "avl", "v5", "v6") if L.get(x) is not None and L[x].r_mv >= 1.0 * 0.5
              and (num(L[x].st_j_mv) or 0) <= -0.05 and L[x].t_polarity in ("negative", "biphasic")]
    if voltage and strain:
        pts["st_t_strain"] = 3
    ptf = _g(L, "v1", "ptf_mv_ms")
    term_ms = _g(L, "v1", "p_terminal_ms")
    if voltage and ptf is not None and term_ms is not None and ptf >= 4.0 and term_ms >= 40.0:
        pts["left_atrial_involvement"] = 3
    ax = num(m.get("qrs_axis_deg"))
    if ax is not None and -90.0 <= ax <= -30.0:
        pts["left_axis_deviation"] = 2
    qrs = num(m.get("qrs_ms"))
    if qrs is not None and qrs >= 90.0:
        pts["qrs_duration"] = 1
    rpt = [_g(L, x, "r_peak_time_ms") for x in ("v5", "v6")]
    if any(v is not None and v >= 50.0 for v in rpt):
        pts["intrinsicoid_deflection"] = 1
    return sum(pts.values()), pts


def lvh_statement(L: Mapping[str, Any], m: Mapping[str, Any], sex: str | None, calibrated: bool,
                  intra_key: str) -> Statement | None:
    c = CHAMBER_CRITERIA
    if not calibrated or not L or "bundle_branch" in intra_key:
        return None
    sv1, sv3 = abs(_g(L, "v1", "s_mv") or 0), abs(_g(L, "v3", "s_mv") or 0)
    rv5, rv6, ravl = _g(L, "v5", "r_mv") or 0, _g(L, "v6", "r_mv") or 0, _g(L, "avl", "r_mv") or 0
    sokolow = sv1 + max(rv5, rv6)
    cornell = ravl + sv3
    cornell_lim = c["cornell_above_mv"][sex if sex in ("M", "F") else None]
    re_pts, re_items = romhilt_estes(L, m, voltage=True)
    met = []
    if sokolow >= c["sokolow_lyon_from_mv"]:
        met.append("Sokolow-Lyon")
    if cornell > cornell_lim:
        met.append("Cornell")
    if ravl > c["r_avl_above_mv"]:
        met.append("R aVL")
    if re_pts >= c["romhilt_estes_definite_from"]:
        met.append("Romhilt-Estes")
    if not met:
        return None
    strain = "st_t_strain" in re_items
    ev = {"criteria_met": met, "sokolow_lyon_mv": rnd(sokolow, 2), "cornell_mv": rnd(cornell, 2),
          "r_avl_mv": rnd(ravl, 2), "romhilt_estes_points": re_pts, "romhilt_estes_items": re_items,
          "sex": sex}
    return make("left_ventricular_hypertrophy", "164873001",
                "Left ventricular hypertrophy" + (" with repolarization abnormality" if strain else ""),
                "left_ventricle", ev,
                f"any of: Sokolow-Lyon S V1 + R V5/V6 >= {c['sokolow_lyon_from_mv']:g} mV; Cornell R aVL + "
                f"S V3 > 2.8 mV (men) / 2.0 mV (women); R aVL > {c['r_avl_above_mv']:g} mV; Romhilt-Estes "
                f">= {c['romhilt_estes_definite_from']} points; not with bundle branch block",
                f"{HANCOCK_2009} {SOKOLOW_1949} {CASALE_1985} {ROMHILT_1968}",
                sokolow_lyon_from_mv=c["sokolow_lyon_from_mv"], cornell_above_mv=cornell_lim)


def rvh_statement(L: Mapping[str, Any], m: Mapping[str, Any], calibrated: bool, intra_key: str) -> Statement | None:
    c = CHAMBER_CRITERIA
    if not calibrated or not L or "bundle_branch" in intra_key or L.get("v1") is None:
        return None
    ax = num(m.get("qrs_axis_deg"))
    rad = ax is not None and 90.0 < ax <= 180.0
    v1 = L["v1"]
    r1, s1 = v1.r_mv + max(v1.r2_mv, 0.0), abs(v1.s_mv)
    s56 = max(abs(_g(L, "v5", "s_mv") or 0), abs(_g(L, "v6", "s_mv") or 0))
    volt = []
    if r1 >= c["rvh_r_v1_from_mv"]:
        volt.append("R V1 >= 0.7 mV")
    if r1 >= 0.5 and (s1 == 0 or r1 / s1 > c["rvh_rs_v1_above"]):
        volt.append("R/S V1 > 1")
    if r1 + s56 >= c["rvh_sokolow_from_mv"]:
        volt.append("R V1 + S V5/V6 >= 1.05 mV")
    if not (rad and volt):
        return None
    return make("right_ventricular_hypertrophy", "89792004", "Right ventricular hypertrophy", "right_ventricle",
                {"qrs_axis_deg": rnd(ax), "r_v1_mv": rnd(r1, 2), "s_v1_mv": rnd(s1, 2), "s_v5_v6_mv": rnd(s56, 2),
                 "criteria_met": volt},
                "right axis deviation (> +90 degrees) and at least one of: R V1 >= 0.7 mV; R/S in V1 > 1 with "
                "R >= 0.5 mV; R V1 + S V5/V6 >= 1.05 mV; not with bundle branch block",
                HANCOCK_2009, rvh_r_v1_from_mv=c["rvh_r_v1_from_mv"])


def atrial_statements(L: Mapping[str, Any], m: Mapping[str, Any], calibrated: bool) -> list[Statement]:
    c = CHAMBER_CRITERIA
    out: list[Statement] = []
    if not L:
        return out
    p_ms = num(m.get("p_duration_ms"))
    ptf = _g(L, "v1", "ptf_mv_ms")
    term_ms = _g(L, "v1", "p_terminal_ms")
    notch = [x for x in ("i", "ii", "avl") if (_g(L, x, "p_notch_ms") or 0) >= c["lae_p_notch_from_ms"]]
    met = []
    if p_ms is not None and p_ms >= c["lae_p_duration_from_ms"] and notch:
        met.append("P >= 120 ms with notched P (interpeak >= 40 ms)")
    if calibrated and ptf is not None and term_ms is not None and ptf >= c["lae_ptf_v1_from_mv_ms"] \
            and term_ms >= 40.0:
        met.append("P terminal force V1 >= 0.04 mm*s")
    if met:
        out.append(make("left_atrial_enlargement", "67741000119109", "Left atrial enlargement", "left_atrium",
                        {"p_duration_ms": rnd(p_ms), "ptf_v1_mv_ms": rnd(ptf, 2), "p_terminal_v1_ms": rnd(term_ms),
                         "notched_p_leads": notch, "criteria_met": met},
                        f"P duration >= {c['lae_p_duration_from_ms']:g} ms with a notched P (peaks >= "
                        f"{c['lae_p_notch_from_ms']:g} ms apart) in I, II or aVL, or (calibrated amplitudes) "
                        "a negative terminal P in V1 >= 40 ms long with depth x duration >= 0.04 mm*s",
                        HANCOCK_2009 + " " + MORRIS_1964, lae_p_duration_from_ms=c["lae_p_duration_from_ms"],
                        lae_ptf_v1_from_mv_ms=c["lae_ptf_v1_from_mv_ms"]))
    if calibrated:
        pii = _g(L, "ii", "p_pos_mv")
        pv1 = max(_g(L, "v1", "p_pos_mv") or 0, _g(L, "v2", "p_pos_mv") or 0)
        if (pii is not None and pii > c["rae_p_ii_above_mv"]) or pv1 > c["rae_p_v1_above_mv"]:
            out.append(make("right_atrial_enlargement", "446358003", "Right atrial enlargement", "right_atrium",
                            {"p_ii_mv": rnd(pii, 3), "p_v1_v2_mv": rnd(pv1, 3)},
                            f"P amplitude in II > {c['rae_p_ii_above_mv']:g} mV or positive P in V1/V2 > "
                            f"{c['rae_p_v1_above_mv']:g} mV", HANCOCK_2009,
                            rae_p_ii_above_mv=c["rae_p_ii_above_mv"], rae_p_v1_above_mv=c["rae_p_v1_above_mv"]))
    return out


def voltage_statement(amp: Mapping[str, float] | None) -> Statement | None:
    """Low QRS voltage from per-lead QRS peak-to-peak (mV)."""
    c = CHAMBER_CRITERIA
    if not amp:
        return None
    a = {str(k).lower(): num(v) for k, v in amp.items()}
    limb = {k: a[k] for k in LIMB if a.get(k) is not None}
    prec = {k: a[k] for k in PRECORDIAL if a.get(k) is not None}
    lim_l, lim_p = c["low_voltage_limb_below_mv"], c["low_voltage_precordial_below_mv"]
    low_limb = len(limb) == len(LIMB) and max(limb.values()) < lim_l
    low_prec = len(prec) == len(PRECORDIAL) and max(prec.values()) < lim_p
    if not (low_limb or low_prec):
        return None
    where = "limb and precordial leads" if low_limb and low_prec else (
        "limb leads" if low_limb else "precordial leads")
    ev = {"max_limb_qrs_mv": rnd(max(limb.values()), 3) if limb else None,
          "max_precordial_qrs_mv": rnd(max(prec.values()), 3) if prec else None,
          "qrs_amplitude_mv": {k: rnd(v, 3) for k, v in a.items()}}
    return make("low_qrs_voltage", "251146004", f"Low QRS voltage in {where}", "voltage", ev,
                f"QRS peak-to-peak amplitude < {lim_l:g} mV in every limb lead (I, II, III, aVR, "
                f"aVL, aVF) or < {lim_p:g} mV in every precordial lead (V1-V6)", KLIGFIELD_2007,
                low_voltage_limb_below_mv=lim_l, low_voltage_precordial_below_mv=lim_p)
