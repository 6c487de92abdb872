"""Intraventricular conduction (bundle branch and fascicular blocks, IVCD) and QRS axis."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..report.model import Statement
from ._common import (
    CHOU_2008,
    GOLDBERGER_2013,
    PRINEAS_2010,
    STRAUSS_2011,
    SURAWICZ_2009,
    lead_list,
    make,
    num,
    rnd,
)

CONDUCTION_CRITERIA: dict[str, Any] = {
    "complete_bbb_qrs_from_ms": 120.0,
    "incomplete_bbb_qrs_from_ms": 110.0,
    "ivcd_qrs_above_ms": 110.0,
    "rbbb_s_wave_from_ms": 40.0,  # S in I and V6 wider than R or > 40 ms
    "rbbb_r_peak_time_v1_above_ms": 50.0,
    "rbbb_needs_wide_s": 1.0,  # 1: S wider than R or > 40 ms in I and V6 (Surawicz 2009)
    "irbbb_needs_wide_s": 1.0,
    "irbbb_v2_counts": 0.0,  # 1: the incomplete-RBBB pattern in V2 alone counts (Surawicz: V1 or V2)
    # 1: complete RBBB needs a dominant terminal R' (rsR': R' >= |S|) in V1/V2 (or the dominant-R
    # variant); an rSr' (r' smaller than S) at a complete-block duration is then the incomplete
    # pattern (Chou: rsR' in complete, rSr' in incomplete RBBB); 0: any rsr' (Surawicz 2009)
    "crbbb_needs_dominant_r2": 0.0,
    "lbbb_r_peak_time_v5v6_above_ms": 60.0,
    "lafb_axis_deg": (-90.0, -45.0),
    "lafb_axis_below_deg": -45.0,
    "lafb_r_peak_time_avl_from_ms": 45.0,
    "lafb_needs_qr_avl": 1.0,  # 1: qR and R-peak time in aVL (Surawicz 2009); 0: axis and QRS only (Minnesota 7-7)
    # the rS pattern of the inferior leads (Surawicz 2009: rS in II, III and aVF): 0 not checked,
    # 1 in III and aVF (rS or QS: predominantly negative without an initial q), 2 in II, III and aVF
    "lafb_rs_inferior": 0.0,
    "lpfb_axis_deg": (90.0, 180.0),
    "axis_left_below_deg": -30.0,
    "axis_right_above_deg": 90.0,
    "qrs_limb_majority": 1.0,  # 1: QRS duration reached in a majority of I, II, III, aVL, aVF (Minnesota)
    # 1: complete LBBB also by the strict criteria of Strauss 2011 (QS/rS in V1 and V2, mid-QRS
    # notching in >= 2 of V1, V2, V5, V6, I, aVL; QRS >= 130 ms), which need no q-free I, V5, V6
    "lbbb_strauss": 0.0,
    # 1: the frontal axis of the axis statement from the net QRS amplitudes of I and aVF (largest
    # positive + largest negative deflection, as read by eye) instead of the net areas; 2: the
    # fascicular criteria (their axis limits) read that axis too (one frontal axis per reading)
    "axis_from_net_amplitude": 0.0,
}

_LIMB5 = ("i", "ii", "iii", "avl", "avf")
#: the lower QRS limit of the strict LBBB criteria (Strauss 2011: 130 ms women, 140 ms men)
STRAUSS_QRS_FROM_MS = 130.0


def conduction_qrs_ms(m: Mapping[str, Any], L: Mapping[str, Any],
                      conv: Mapping[str, Any] | None = None) -> tuple[float | None, str]:
    """The QRS duration the conduction criteria read, and its name.

    With per-lead morphology (and ``qrs_limb_majority``): the duration reached in a
    majority of the limb leads I, II, III, aVL, aVF (the median of their median-beat QRS
    durations), the measurement of the Minnesota Code class 7 (Prineas 2010). The global
    QRS (earliest onset to latest offset over 12 leads) is longer than a single lead's,
    and the published limits (Surawicz 2009: 110 / 120 ms) were set on lead-based reading.
    Otherwise the global QRS duration of the measurements.
    """
    c = _conv(conv)
    if c["qrs_limb_majority"] and L:
        v = sorted((float(L[x].qrs_ms) for x in _LIMB5 if L.get(x) is not None and num(L[x].qrs_ms) is not None),
                   reverse=True)
        if len(v) >= 3:
            return v[len(v) // 2], "limb_majority"
    return num(m.get("qrs_ms")), "global"


def _ev_lead(lm: Any) -> dict[str, Any]:
    return {"pattern": lm.pattern, "r_mv": rnd(lm.r_mv, 3), "s_mv": rnd(lm.s_mv, 3), "q_mv": rnd(lm.q_mv, 3),
            "r2_mv": rnd(lm.r2_mv, 3), "s_ms": rnd(lm.s_ms), "r_ms": rnd(lm.r_ms), "q_ms": rnd(lm.q_ms),
            "notched": lm.notched, "r_peak_time_ms": rnd(lm.r_peak_time_ms)}


def _rsr_v1(lm: Any) -> bool:
    """rsr', rsR', rSR' (an R'), or a notched/M-shaped dominant R in V1/V2 (Surawicz 2009)."""
    if lm is None:
        return False
    if lm.r2_mv > 0 and lm.s_mv < 0:
        return True
    return lm.notched and lm.r_mv > 0 and lm.r_mv >= abs(lm.s_mv)


def _wide_s(lm: Any) -> bool:
    """S wave of greater duration than R or > 40 ms (leads I and V6, RBBB)."""
    if lm is None or lm.s_mv >= 0:
        return False
    return lm.s_ms > CONDUCTION_CRITERIA["rbbb_s_wave_from_ms"] or lm.s_ms > lm.r_ms


def _dominant_r2(L: Mapping[str, Any], leads: list[str]) -> bool:
    """A dominant terminal R' in one of ``leads`` (V1/V2 with the RBBB pattern): R' at least as
    large as the S before it (rsR', RsR'), or a notched dominant R (M-shaped)."""
    for x in leads:
        lm = L.get(x)
        if lm is None:
            continue
        if lm.r2_mv > 0 and lm.r2_mv >= abs(lm.s_mv):
            return True
        if lm.r2_mv <= 0 and lm.notched and lm.r_mv > 0 and lm.r_mv >= abs(lm.s_mv):
            return True
    return False


def _dominant_r(lm: Any) -> bool:
    """A wide, dominant R in V1 (R >= 2 |S|, no q): the minority RBBB pattern of Surawicz 2009,
    only counted together with the wide S in I and V6."""
    return lm is not None and lm.r_mv > 0 and lm.q_mv >= 0 and lm.r_mv >= 2.0 * abs(lm.s_mv)


def _rbbb(L: Mapping[str, Any]) -> tuple[list[str], bool, bool]:
    """Leads V1/V2 with the RBBB pattern, whether I and V6 have the wide S, and whether V1
    has a dominant R instead."""
    v = [x for x in ("v1", "v2") if _rsr_v1(L.get(x))]
    s_ok = all(_wide_s(L.get(x)) for x in ("i", "v6") if L.get(x) is not None) and \
        any(L.get(x) is not None for x in ("i", "v6"))
    return v, s_ok, _dominant_r(L.get("v1"))


def _lbbb(L: Mapping[str, Any]) -> tuple[bool, dict[str, Any]]:
    c = CONDUCTION_CRITERIA
    lat = [L.get(x) for x in ("i", "v5", "v6")]
    if any(x is None for x in lat) or L.get("v1") is None:
        return False, {}
    no_q = all(x.q_mv >= 0 and x.r_mv > 0 for x in lat)
    v1 = L["v1"]
    v1_neg = v1.qs or (abs(v1.s_mv) > v1.r_mv and v1.r2_mv == 0)
    rpt = [x.r_peak_time_ms for x in (L.get("v5"), L.get("v6")) if x is not None and x.r_peak_time_ms is not None]
    late = bool(rpt) and max(rpt) > c["lbbb_r_peak_time_v5v6_above_ms"]
    notched = [x for x in ("i", "avl", "v5", "v6") if L.get(x) is not None and L[x].notched]
    return no_q and v1_neg and (late or bool(notched)), {
        "no_q_in_i_v5_v6": no_q, "v1_predominantly_negative": v1_neg,
        "r_peak_time_v5_v6_ms": [rnd(x) for x in rpt], "notched_r_leads": notched}


def _rs(lm: Any) -> bool:
    """rS or QS: a predominantly negative QRS without an initial q (the inferior leads in LAFB)."""
    return lm is not None and (lm.qs or (lm.q_mv >= 0 and lm.r_mv > 0 and abs(lm.s_mv) > lm.r_mv))


def _negative_v(lm: Any) -> bool:
    """QS or rS: a predominantly negative QRS (the S deeper than the R and any r') without a q."""
    return lm is not None and (lm.qs or (lm.q_mv >= 0 and abs(lm.s_mv) > max(lm.r_mv, lm.r2_mv)))


def _lbbb_strauss(L: Mapping[str, Any]) -> tuple[bool, dict[str, Any]]:
    """Strict LBBB morphology (Strauss 2011): QS or rS in V1 and V2 and mid-QRS notching or
    slurring (here: a notched R or QS lobe) in >= 2 of V1, V2, V5, V6, I, aVL."""
    notched = [x for x in ("v1", "v2", "v5", "v6", "i", "avl") if L.get(x) is not None and L[x].notched]
    neg = [x for x in ("v1", "v2") if _negative_v(L.get(x))]
    return len(neg) == 2 and len(notched) >= 2, {"qs_or_rs_leads": neg, "notched_leads": notched}


def _ref(how: str) -> str:
    """Surawicz 2009, plus the Minnesota Code when the QRS duration is the limb-lead majority one."""
    if how != "limb_majority":
        return SURAWICZ_2009
    return (SURAWICZ_2009 + " QRS duration: reached in a majority of I, II, III, aVL, aVF as in "
            + PRINEAS_2010 + " (class 7).")


def _conv(conv: Mapping[str, float] | None) -> dict[str, Any]:
    """The conduction criteria with a convention's thresholds over them (the convention's
    other keys ride along unused: one C-level merge instead of a filtered copy)."""
    return CONDUCTION_CRITERIA if not conv else {**CONDUCTION_CRITERIA, **conv}


def intraventricular_statement(m: Mapping[str, Any], L: Mapping[str, Any],
                               conv: Mapping[str, float] | None = None,
                               qrs_how: tuple[float | None, str] | None = None) -> Statement | None:
    """One of complete/incomplete RBBB, complete/incomplete LBBB, nonspecific IVCD.

    ``qrs_how``: :func:`conduction_qrs_ms` when the caller already has it."""
    c = _conv(conv)
    qrs, how = qrs_how if qrs_how is not None else conduction_qrs_ms(m, L, c)
    if qrs is None or not L:
        return None
    if qrs <= c["ivcd_qrs_above_ms"] and qrs < c["incomplete_bbb_qrs_from_ms"] and qrs < c["complete_bbb_qrs_from_ms"]:
        return None  # below every limit: no statement
    v, wide_s, dom_r = _rbbb(L)
    s_rule = f"; S wave longer than R or > {c['rbbb_s_wave_from_ms']:g} ms in I and V6"
    rb = bool(v) and (wide_s or not c["rbbb_needs_wide_s"])
    r2_dom = True
    if not rb and dom_r and wide_s:
        rb, v = True, ["v1"]
    elif v and c["crbbb_needs_dominant_r2"]:
        r2_dom = _dominant_r2(L, v)
    # incomplete: the pattern in V1 (an r' in V2 alone is a frequent normal variant)
    irb = ("v1" in v or (c["irbbb_v2_counts"] and "v2" in v)) and (wide_s or not c["irbbb_needs_wide_s"])
    lb, lev = _lbbb(L)
    ev: dict[str, Any] = {"qrs_ms": round(qrs, 1), "qrs_measure": how, "global_qrs_ms": rnd(m.get("qrs_ms")),
                          "wide_s_in_i_v6": wide_s}
    for x in ("v1", "v2", "i", "v5", "v6"):
        if L.get(x) is not None:
            ev[x] = _ev_lead(L[x])
    if c["crbbb_needs_dominant_r2"] and v:
        ev["dominant_r_prime"] = r2_dom
    if qrs >= c["complete_bbb_qrs_from_ms"]:
        if rb and r2_dom:
            dom_rule = (" with a dominant terminal R' (R' >= |S|: rsR', or a notched dominant R)"
                        if c["crbbb_needs_dominant_r2"] else "")
            return make("complete_right_bundle_branch_block", "713427006", "Right bundle branch block",
                        "intraventricular", ev | {"rsr_leads": v},
                        f"QRS >= {c['complete_bbb_qrs_from_ms']:g} ms; rsr'/rsR'/rSR' or notched R in V1 or V2"
                        + dom_rule + " (or a dominant R in V1 with the wide S in I and V6)"
                        + (s_rule if c["rbbb_needs_wide_s"] else ""),
                        _ref(how) + (" " + CHOU_2008 if c["crbbb_needs_dominant_r2"] else ""),
                        complete_bbb_qrs_from_ms=c["complete_bbb_qrs_from_ms"])
        strict = (not lb and c["lbbb_strauss"] and qrs >= max(c["complete_bbb_qrs_from_ms"], STRAUSS_QRS_FROM_MS)
                  and not rb)
        if strict:
            sb, sev = _lbbb_strauss(L)
            if sb:
                return make("complete_left_bundle_branch_block", "733534002", "Left bundle branch block",
                            "intraventricular", ev | lev | sev,
                            f"QRS >= {max(c['complete_bbb_qrs_from_ms'], STRAUSS_QRS_FROM_MS):g} ms; QS or rS in V1 "
                            "and V2; mid-QRS notching in >= 2 of V1, V2, V5, V6, I, aVL (strict LBBB criteria)",
                            _ref(how) + " " + STRAUSS_2011, complete_bbb_qrs_from_ms=c["complete_bbb_qrs_from_ms"])
        if c["crbbb_needs_dominant_r2"] and irb and not lb:
            return make("incomplete_right_bundle_branch_block", "713426002",
                        "Incomplete right bundle branch block", "intraventricular", ev | {"rsr_leads": v},
                        f"QRS >= {c['complete_bbb_qrs_from_ms']:g} ms with the RBBB pattern in V1 but not the "
                        "complete block's: a dominant terminal R' (>= the S; an rSr' is the incomplete pattern)"
                        + (" and the wide S in I and V6" if c["rbbb_needs_wide_s"] else ""),
                        _ref(how) + " " + CHOU_2008,
                        complete_bbb_qrs_from_ms=c["complete_bbb_qrs_from_ms"])
        if lb:
            return make("complete_left_bundle_branch_block", "733534002", "Left bundle branch block",
                        "intraventricular", ev | lev,
                        f"QRS >= {c['complete_bbb_qrs_from_ms']:g} ms; no q in I, V5, V6; QS or rS in V1; "
                        f"R-peak time > {c['lbbb_r_peak_time_v5v6_above_ms']:g} ms in V5/V6 or notched R in "
                        "I, aVL, V5 or V6", _ref(how), complete_bbb_qrs_from_ms=c["complete_bbb_qrs_from_ms"])
    elif qrs >= c["incomplete_bbb_qrs_from_ms"]:
        if irb:
            return make("incomplete_right_bundle_branch_block", "713426002",
                        "Incomplete right bundle branch block", "intraventricular", ev | {"rsr_leads": v},
                        f"QRS {c['incomplete_bbb_qrs_from_ms']:g}-{c['complete_bbb_qrs_from_ms'] - 1:g} ms with "
                        "the RBBB pattern (rsr'/rsR'/rSR' or notched R in V1"
                        + ("; wide S in I and V6)" if c["irbbb_needs_wide_s"] else ")"), _ref(how),
                        incomplete_bbb_qrs_from_ms=c["incomplete_bbb_qrs_from_ms"])
        rpt = [L[x].r_peak_time_ms for x in ("v4", "v5", "v6") if L.get(x) is not None
               and L[x].r_peak_time_ms is not None]
        if lb and rpt and max(rpt) > c["lbbb_r_peak_time_v5v6_above_ms"]:
            return make("incomplete_left_bundle_branch_block", "251120003",
                        "Incomplete left bundle branch block", "intraventricular", ev | lev,
                        f"QRS {c['incomplete_bbb_qrs_from_ms']:g}-{c['complete_bbb_qrs_from_ms'] - 1:g} ms; "
                        f"R-peak time > {c['lbbb_r_peak_time_v5v6_above_ms']:g} ms in V4, V5 or V6; no q in "
                        "I, V5, V6", _ref(how), incomplete_bbb_qrs_from_ms=c["incomplete_bbb_qrs_from_ms"])
    if qrs > c["ivcd_qrs_above_ms"]:
        return make("nonspecific_intraventricular_conduction_delay", "698252002",
                    "Nonspecific intraventricular conduction delay", "intraventricular", ev,
                    f"QRS > {c['ivcd_qrs_above_ms']:g} ms without the criteria of right or left bundle "
                    "branch block", _ref(how), ivcd_qrs_above_ms=c["ivcd_qrs_above_ms"])
    return None


def net_amplitude_axis(L: Mapping[str, Any], gains: Mapping[str, float] | None = None) -> float | None:
    """Frontal QRS axis (degrees) from the net QRS *amplitudes* of leads I and aVF (largest
    positive plus largest negative deflection of the median beat, limb-lead gains restored
    when given): the hexaxial estimate a reader makes from the net deflections (Goldberger
    2013), beside the net-area axis of :func:`cardiokit.ecg.morphology.frontal_axis`."""
    i, f = L.get("i"), L.get("avf")
    if i is None or f is None:
        return None
    a_i = i.qrs_net_mv * (gains.get("i", 1.0) if gains else 1.0)
    a_f = f.qrs_net_mv * (gains.get("avf", 1.0) if gains else 1.0)
    if a_i == 0 and a_f == 0:
        return None
    return math.degrees(math.atan2(2.0 * a_f / math.sqrt(3.0), a_i))


def _axis(m: Mapping[str, Any]) -> float | None:
    ax = num(m.get("qrs_axis_deg"))
    return None if ax is None else (ax + 180.0) % 360.0 - 180.0


def fascicular_statement(m: Mapping[str, Any], L: Mapping[str, Any], intra: Statement | None,
                         conv: Mapping[str, float] | None = None, axis_deg: float | None = None,
                         qrs_how: tuple[float | None, str] | None = None) -> Statement | None:
    """LAFB / LPFB (Surawicz 2009); never with LBBB (the fascicles are part of it)."""
    c = _conv(conv)
    ax = axis_deg if axis_deg is not None else _axis(m)
    qrs, how = qrs_how if qrs_how is not None else conduction_qrs_ms(m, L, c)
    if ax is None or qrs is None or not L:
        return None
    key = intra.key if intra is not None else ""
    if "left_bundle" in key:
        return None
    # with RBBB (complete, or the incomplete pattern at a complete-block duration) the QRS width
    # is the right bundle's: the fascicular criteria still apply
    rbbb = key in ("complete_right_bundle_branch_block", "incomplete_right_bundle_branch_block")
    if qrs >= c["complete_bbb_qrs_from_ms"] and not rbbb:
        return None
    lo, hi = c["lafb_axis_deg"][0], c["lafb_axis_below_deg"]
    avl = L.get("avl")
    ev: dict[str, Any] = {"qrs_axis_deg": round(ax, 1), "qrs_ms": round(qrs, 1), "qrs_measure": how}
    if lo <= ax <= hi and avl is not None:
        qr_avl = avl.r_mv > 0 and avl.q_mv < 0
        rpt = avl.r_peak_time_ms
        ev |= {"avl": _ev_lead(avl)}
        inf_mode = int(c["lafb_rs_inferior"])
        inf = ("ii", "iii", "avf") if inf_mode >= 2 else ("iii", "avf") if inf_mode == 1 else ()
        if inf:
            ev["rs_leads"] = [x for x in ("ii", "iii", "avf") if _rs(L.get(x))]
            if not all(_rs(L.get(x)) for x in inf):
                return None
        inf_rule = f"; rS (or QS) in {lead_list(inf)}" if inf else ""
        if not c["lafb_needs_qr_avl"]:
            return make("left_anterior_fascicular_block", "445118002", "Left anterior fascicular block",
                        "fascicular", ev,
                        f"frontal axis {lo:g} to {hi:g} degrees{inf_rule}; QRS < {c['complete_bbb_qrs_from_ms']:g} ms "
                        "in a majority of the limb leads (unless with RBBB); Minnesota Code 7-7",
                        _ref(how) if how == "limb_majority" else SURAWICZ_2009 + " " + PRINEAS_2010,
                        lafb_axis_deg=(lo, hi))
        if qr_avl and rpt is not None and rpt >= c["lafb_r_peak_time_avl_from_ms"]:
            return make("left_anterior_fascicular_block", "445118002", "Left anterior fascicular block",
                        "fascicular", ev,
                        f"frontal axis {lo:g} to {hi:g} degrees; qR in aVL{inf_rule}; R-peak time in aVL >= "
                        f"{c['lafb_r_peak_time_avl_from_ms']:g} ms; QRS < {c['complete_bbb_qrs_from_ms']:g} ms "
                        "(unless with RBBB)",
                        _ref(how), lafb_axis_deg=(lo, hi))
    lo, hi = c["lpfb_axis_deg"]
    if lo <= ax <= hi:
        i, avl_, iii, avf = (L.get(x) for x in ("i", "avl", "iii", "avf"))
        if None in (i, avl_, iii, avf):
            return None
        rs_i = i.r_mv > 0 and abs(i.s_mv) > i.r_mv and i.q_mv >= 0
        rs_avl = avl_.r_mv > 0 and abs(avl_.s_mv) > avl_.r_mv and avl_.q_mv >= 0
        qr_inf = all(x.q_mv < 0 and x.r_mv > abs(x.s_mv) for x in (iii, avf))
        if rs_i and rs_avl and qr_inf:
            return make("left_posterior_fascicular_block", "445211001", "Left posterior fascicular block",
                        "fascicular", ev | {x: _ev_lead(L[x]) for x in ("i", "avl", "iii", "avf")},
                        f"frontal axis {lo:g} to {hi:g} degrees; rS in I and aVL; qR in III and aVF; "
                        "QRS < 120 ms (right ventricular hypertrophy not excluded)", _ref(how),
                        lpfb_axis_deg=c["lpfb_axis_deg"])
    return None


def axis_statement(m: Mapping[str, Any], L: Mapping[str, Any], conv: Mapping[str, float] | None = None,
                   axis_deg: float | None = None) -> Statement | None:
    """Left / right / extreme axis deviation.

    With ``axis_deg`` (the morphology's frontal axis from the net QRS areas of I and aVF,
    limb-lead gains restored when the leads were normalised one by one) the angle is
    compared with the convention's limits (``"aha"``: left < -30, right > +90 degrees,
    Surawicz 2009). Without it, and with the ``"aha"`` limits, the hexaxial quadrant
    method on the signs of the net QRS areas of I, II and aVF decides (left: I positive,
    II negative; right: I negative, aVF positive). The measured angle is evidence.
    """
    c = _conv(conv)
    left, right = c["axis_left_below_deg"], c["axis_right_above_deg"]
    net = {x: L[x].qrs_area_mv_ms for x in ("i", "ii", "avf") if L.get(x) is not None}
    ax = axis_deg if axis_deg is not None else _axis(m)
    ev = {"qrs_axis_deg": rnd(ax), "net_qrs_area_mv_ms": {k: rnd(v, 2) for k, v in net.items()}}
    th = {"axis_left_below_deg": left, "axis_right_above_deg": right}
    ref = SURAWICZ_2009
    if c["axis_from_net_amplitude"] and axis_deg is not None:
        ev["qrs_axis_measure"] = "net QRS amplitudes of I and aVF"
        ev["net_qrs_amplitude_mv"] = {k: rnd(L[k].qrs_net_mv, 3) for k in ("i", "avf") if L.get(k) is not None}
        ref = SURAWICZ_2009 + " Axis from the net QRS amplitudes: " + GOLDBERGER_2013
    if axis_deg is None and len(net) == 3 and left == -30.0 and right == 90.0:
        i_pos, ii_pos, f_pos = net["i"] > 0, net["ii"] > 0, net["avf"] > 0
        zone = ("left" if i_pos and not ii_pos else "right" if not i_pos and f_pos
                else "extreme" if not i_pos and not f_pos else None)
        how = {"left": "net QRS positive in I, negative in II", "right": "net QRS negative in I, positive in aVF",
               "extreme": "net QRS negative in I and aVF"}.get(zone or "", "")
    elif ax is not None:
        zone = ("left" if -90.0 <= ax < left else "right" if right < ax <= 180.0
                else "extreme" if -180.0 < ax < -90.0 else None)
        how = f"frontal QRS axis {ax:.0f} degrees"
    else:
        return None
    if zone == "left":
        return make("left_axis_deviation", "39732003", "Left axis deviation", "axis", ev,
                    f"frontal QRS axis between -90 and {left:g} degrees ({how})", ref, **th)
    if zone == "right":
        return make("right_axis_deviation", "47665007", "Right axis deviation", "axis", ev,
                    f"frontal QRS axis between {right:g} and 180 degrees ({how})", ref, **th)
    if zone == "extreme":
        return make("extreme_axis_deviation", None, "Extreme (northwest) axis deviation", "axis", ev,
                    "frontal QRS axis between -180 and -90 degrees", ref, **th)
    return None


__all__ = ["CONDUCTION_CRITERIA", "axis_statement", "fascicular_statement", "intraventricular_statement",
           "lead_list"]
