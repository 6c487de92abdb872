"""Interpretation rules: thresholds, mutual exclusion, evidence/criteria, and LUDB records."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from cardiokit.ecg.morphology import BeatClasses, LeadMorphology, Morphology, PaceSpikes
from cardiokit.ecg.quality import LeadQuality, Quality
from cardiokit.interpret import CATEGORY_ORDER
from cardiokit.report.statements import CRITERIA, RhythmFeatures, interpret, rhythm_from_statements

SINUS = RhythmFeatures(n_beats=10, p_wave_fraction=1.0, pr_iqr_ms=8.0, rr_range_ms=40.0, rr_cv=0.02)
BASE = {"heart_rate_bpm": 72.0, "pr_ms": 160.0, "qrs_ms": 90.0, "qt_ms": 380.0, "qtc_ms": 415.0,
        "qtc_formula": "bazett", "p_axis_deg": 50.0, "qrs_axis_deg": 45.0, "t_axis_deg": 40.0}
EXCLUSIVE = set(CATEGORY_ORDER)


def keys(statements) -> list[str]:
    return [s.key for s in statements]


def run(rhythm=SINUS, sex=None, quality=None, amp=None, **changes):
    return interpret({**BASE, **changes}, rhythm=rhythm, sex=sex, quality=quality, qrs_amplitude_mv=amp)


@pytest.mark.parametrize(
    ("hr", "expected"),
    [(72.0, "sinus_rhythm"), (60.0, "sinus_rhythm"), (59.9, "sinus_bradycardia"), (100.0, "sinus_rhythm"),
     (100.1, "sinus_tachycardia"), (45.0, "sinus_bradycardia")],
)
def test_sinus_rate_classes(hr, expected):
    out = run(heart_rate_bpm=hr)
    assert keys(out) == [expected]
    st = out[0]
    assert st.category == "rhythm"
    assert st.evidence["heart_rate_bpm"] == pytest.approx(hr, abs=0.05)
    assert st.criteria["reference"] and st.criteria["rule"]


def test_sinus_needs_p_waves_constant_pr_and_enough_beats():
    no_p = RhythmFeatures(10, p_wave_fraction=0.5, pr_iqr_ms=5.0, rr_range_ms=30.0)
    assert keys(run(rhythm=no_p)) == ["rhythm_undetermined"]
    variable_pr = RhythmFeatures(10, p_wave_fraction=1.0, pr_iqr_ms=120.0, rr_range_ms=30.0)
    assert keys(run(rhythm=variable_pr)) == ["rhythm_undetermined"]
    assert keys(run(rhythm=RhythmFeatures(2, 1.0, 5.0, 10.0))) == ["rhythm_undetermined"]
    assert keys(run(rhythm=None)) == ["rhythm_undetermined"]
    assert keys(run(rhythm=RhythmFeatures(10, None))) == ["rhythm_undetermined"]
    assert keys(run(p_axis_deg=-80.0)) == ["rhythm_undetermined"]
    st = run(rhythm=no_p)[0]
    assert st.code is None and "undetermined" in st.text.lower()
    assert st.evidence["p_wave_fraction"] == 0.5


def test_irregular_sinus():
    irr = RhythmFeatures(10, 1.0, 10.0, rr_range_ms=CRITERIA["sinus_irregular_rr_range_ms"] + 40)
    assert keys(run(rhythm=irr)) == ["sinus_arrhythmia"]
    assert run(rhythm=irr)[0].code == "427393009"
    brady = run(rhythm=irr, heart_rate_bpm=50.0)
    assert keys(brady) == ["sinus_bradycardia"] and "arrhythmia" in brady[0].text
    assert keys(run(rhythm=irr, heart_rate_bpm=130.0)) == ["rhythm_undetermined"]


def test_first_degree_av_block_only_with_sinus_rhythm():
    assert "first_degree_av_block" in keys(run(pr_ms=201.0))
    assert "first_degree_av_block" not in keys(run(pr_ms=200.0))
    no_p = RhythmFeatures(10, p_wave_fraction=0.3)
    assert "first_degree_av_block" not in keys(run(rhythm=no_p, pr_ms=260.0))
    st = next(s for s in run(pr_ms=240.0) if s.key == "first_degree_av_block")
    assert st.code == "270492004" and st.evidence == {"pr_ms": 240.0}
    assert st.criteria["pr_long_above_ms"] == 200.0


def test_wide_qrs():
    assert "wide_qrs" in keys(run(qrs_ms=120.0))
    assert "wide_qrs" not in keys(run(qrs_ms=119.0))


@pytest.mark.parametrize(
    ("qtc", "sex", "expected"),
    [(455.0, "M", "long_qtc"), (455.0, "F", None), (455.0, None, None), (460.0, "F", "long_qtc"),
     (449.0, "M", None), (340.0, None, "short_qtc"), (341.0, "F", None)],
)
def test_qtc_limits_are_sex_specific(qtc, sex, expected):
    got = [s for s in run(qtc_ms=qtc, sex=sex) if s.category == "qt"]
    assert [s.key for s in got] == ([expected] if expected else [])
    if got:
        assert got[0].code == {"long_qtc": "111975006", "short_qtc": "77867006"}[expected]
        assert got[0].evidence["qtc_ms"] == qtc and got[0].evidence["sex"] == sex


@pytest.mark.parametrize(
    ("qt", "rr", "sex", "expected"),
    [(340.0, 451.0, None, None),  # AF at 133 bpm: Bazett 506 ms, Framingham 425 ms
     (490.0, 1200.0, "M", "long_qtc"),  # 50 bpm: Bazett 447 ms misses it, Framingham 459 ms
     (490.0, 1200.0, "F", None),
     (300.0, 750.0, None, "short_qtc"),  # Framingham 338.5 ms (Bazett 346 ms)
     (400.0, 1000.0, "M", None)],
)
def test_qt_statements_judge_the_linear_framingham_qtc(qt, rr, sex, expected):
    bazett = qt / (rr / 1000.0) ** 0.5
    got = [s for s in run(qt_ms=qt, rr_ms=rr, qtc_ms=bazett, heart_rate_bpm=60000.0 / rr, sex=sex)
           if s.category == "qt"]
    assert [s.key for s in got] == ([expected] if expected else [])
    if got:
        ev = got[0].evidence
        assert ev["qtc_formula"] == "framingham"
        assert ev["qtc_ms"] == pytest.approx(qt + 154.0 * (1.0 - rr / 1000.0), abs=0.05)
        assert ev["qtc_bazett_ms"] == pytest.approx(bazett, abs=0.05)
        assert "framingham" in got[0].criteria["rule"]


@pytest.mark.parametrize(
    ("axis", "expected"),
    [(-31.0, "left_axis_deviation"), (-30.0, None), (90.0, None), (91.0, "right_axis_deviation"),
     (-120.0, "extreme_axis_deviation"), (240.0, "extreme_axis_deviation"), (270.0, "left_axis_deviation"), (0.0, None)],
)
def test_axis(axis, expected):
    got = [s.key for s in run(qrs_axis_deg=axis) if s.category == "axis"]
    assert got == ([expected] if expected else [])


def test_low_voltage():
    limb = dict.fromkeys(("I", "II", "III", "aVR", "aVL", "aVF"), 0.4)
    prec = dict.fromkeys(("V1", "V2", "V3", "V4", "V5", "V6"), 1.5)
    st = [s for s in run(amp={**limb, **prec}) if s.key == "low_qrs_voltage"]
    assert len(st) == 1 and st[0].code == "251146004" and "limb" in st[0].text
    assert st[0].evidence["max_limb_qrs_mv"] == 0.4
    assert "low_qrs_voltage" not in keys(run(amp={**limb, "II": 0.6, **prec}))
    low_prec = {k: 0.9 for k in prec}
    assert "precordial" in next(s for s in run(amp={**limb, "II": 0.6, **low_prec})
                            if s.key == "low_qrs_voltage").text
    assert "low_qrs_voltage" not in keys(run(amp={"I": 0.1}))  # leads missing: no call


def _quality(*grades):
    leads = tuple(LeadQuality(f"L{i}", g, {}, ("template_correlation",) if g != "good" else ())
                  for i, g in enumerate(grades))
    from cardiokit.ecg.quality import overall_grade

    return Quality(overall_grade(grades), leads)


def test_unusable_quality_suppresses_everything_else():
    q = _quality("unusable", "unusable", "good")
    out = run(quality=q, pr_ms=260.0, qrs_axis_deg=-60.0)
    assert keys(out) == ["poor_signal_quality"]
    assert out[0].code == "251143007" and out[0].severity == "warning"
    assert rhythm_from_statements(out, q).label == "noisy"


def test_poor_quality_in_some_leads_is_a_warning_next_to_the_interpretation():
    q = _quality("unusable", *["good"] * 11)
    out = run(quality=q)
    assert keys(out) == ["poor_signal_quality", "sinus_rhythm"]
    assert "L0" in out[0].text
    assert rhythm_from_statements(out, q).label == "normal"
    assert keys(run(quality=_quality(*["good"] * 12))) == ["sinus_rhythm"]


def test_categories_never_hold_two_statements():
    combos = [dict(heart_rate_bpm=hr, qrs_axis_deg=ax, qtc_ms=qtc, pr_ms=pr)
              for hr in (40.0, 80.0, 130.0) for ax in (-100.0, -45.0, 30.0, 120.0)
              for qtc in (300.0, 420.0, 500.0) for pr in (150.0, 250.0)]
    for c in combos:
        for sex in ("M", "F", None):
            cats = [s.category for s in run(sex=sex, **c)]
            dup = {k for k in cats if cats.count(k) > 1}
            assert not (dup & EXCLUSIVE), (c, sex, cats)


def test_statement_json_shape():
    out = run(pr_ms=250.0, qrs_ms=130.0, qtc_ms=480.0, qrs_axis_deg=-50.0)
    for s in out:
        d = s.to_dict()
        assert set(d) >= {"code", "text", "evidence", "criteria", "key", "category"}
        assert d["criteria"]["reference"]
        assert d["code"] is None or d["code"].isdigit()


# -- 12-lead criteria on constructed per-lead morphology ------------------------------------------



LEADS = ("i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6")
# a normal adult complex per lead: (pattern, q, r, s, t) in mV
NORMAL = {"i": ("qRs", -0.05, 0.8, -0.1, 0.25), "ii": ("qRs", -0.05, 1.0, -0.2, 0.3),
          "iii": ("Rs", 0.0, 0.4, -0.2, 0.1), "avr": ("Qr", -0.8, 0.1, 0.0, -0.25),
          "avl": ("qRs", -0.05, 0.3, -0.2, 0.1), "avf": ("qRs", -0.05, 0.7, -0.2, 0.2),
          "v1": ("rS", 0.0, 0.2, -1.0, 0.1), "v2": ("rS", 0.0, 0.4, -1.4, 0.4),
          "v3": ("RS", 0.0, 0.8, -0.9, 0.4), "v4": ("Rs", 0.0, 1.3, -0.5, 0.4),
          "v5": ("qRs", -0.05, 1.2, -0.3, 0.3), "v6": ("qR", -0.05, 1.0, -0.1, 0.25)}


def lm(lead, **kw):
    pat, q, r, s, t = NORMAL[lead]
    base = dict(lead=lead, pattern=pat, q_mv=q, q_ms=15.0 if q < 0 else 0.0, r_mv=r, r_ms=40.0, s_mv=s,
                s_ms=25.0 if s < 0 else 0.0, r2_mv=0.0, s2_mv=0.0, notched=False, r_peak_time_ms=35.0,
                qrs_ms=90.0, qrs_ptp_mv=r - min(q, s), qrs_net_mv=r + min(q, s),
                qrs_area_mv_ms=(r + min(q, s)) * 20.0, st_j_mv=0.0, st_60_mv=0.02, st_80_mv=0.03,
                t_pos_mv=max(t, 0.0), t_neg_mv=min(t, 0.0), t_mv=t,
                t_polarity="positive" if t > 0 else "negative", p_mv=0.1, p_pos_mv=0.1, p_neg_mv=0.0, p_ms=100.0,
                p_terminal_mv=None, p_terminal_ms=None, ptf_mv_ms=None, p_notch_ms=None)
    base.update(kw)
    return LeadMorphology(**base)


def morph(calibrated=True, beats=None, pace=None, **changes):
    leads = {x: lm(x, **changes.get(x, {})) for x in LEADS}
    return Morphology(leads, beats, pace, 500.0, calibrated)


def with_qrs(m, qrs_ms):
    """``m`` with every lead's median-beat QRS duration set to ``qrs_ms`` (the conduction
    rules read the limb-lead majority duration)."""
    leads = {k: dataclasses.replace(v, qrs_ms=qrs_ms) for k, v in m.leads.items()}
    return dataclasses.replace(m, leads=leads)


def run12(m=None, rhythm=SINUS, sex="M", age=60.0, model=None, **changes):
    m = m if m is not None else morph()
    if "qrs_ms" in changes:
        m = with_qrs(m, changes["qrs_ms"])
    return keys(interpret({**BASE, **changes}, rhythm=rhythm, sex=sex, age_years=age,
                          morphology=m, rhythm_model=model))


def test_normal_12_lead_gives_only_sinus_rhythm():
    assert run12() == ["sinus_rhythm"]


RBBB = {"v1": dict(pattern="rSR'", r_mv=0.3, s_mv=-0.3, r2_mv=0.8, r_peak_time_ms=80.0),
        "i": dict(s_mv=-0.4, s_ms=50.0), "v6": dict(s_mv=-0.4, s_ms=50.0)}


def test_right_bundle_branch_block_complete_vs_incomplete():
    m = morph(**RBBB)
    assert "complete_right_bundle_branch_block" in run12(m, qrs_ms=140.0)
    inc = run12(m, qrs_ms=114.0)
    assert "incomplete_right_bundle_branch_block" in inc and "complete_right_bundle_branch_block" not in inc
    # without the wide S in I and V6: not RBBB; wide QRS -> nonspecific IVCD
    m2 = morph(v1=RBBB["v1"])
    assert "nonspecific_intraventricular_conduction_delay" in run12(m2, qrs_ms=140.0)
    assert not {"complete_right_bundle_branch_block", "nonspecific_intraventricular_conduction_delay"} & set(
        run12(m, qrs_ms=100.0))


def test_conduction_rules_read_the_limb_lead_majority_qrs():
    """Minnesota Code class 7: the QRS duration reached in a majority of I, II, III, aVL, aVF,
    not the longer global one (earliest onset to latest offset over 12 leads)."""
    m = with_qrs(morph(**RBBB), 100.0)
    got = interpret({**BASE, "qrs_ms": 135.0}, rhythm=SINUS, morphology=m)
    assert not {"complete_right_bundle_branch_block", "nonspecific_intraventricular_conduction_delay"} & set(keys(got))
    # two long limb leads are not a majority
    leads = {**m.leads, **{x: dataclasses.replace(m.leads[x], qrs_ms=140.0) for x in ("i", "ii")}}
    assert "complete_right_bundle_branch_block" not in run12(dataclasses.replace(m, leads=leads))
    leads["iii"] = dataclasses.replace(m.leads["iii"], qrs_ms=140.0)
    st = [s for s in interpret({**BASE, "qrs_ms": 150.0}, rhythm=SINUS, morphology=dataclasses.replace(m, leads=leads))
          if s.key == "complete_right_bundle_branch_block"]
    assert st and st[0].evidence["qrs_ms"] == 140.0 and st[0].evidence["qrs_measure"] == "limb_majority"
    assert st[0].evidence["global_qrs_ms"] == 150.0 and "Minnesota" in st[0].criteria["reference"]
    # a custom convention can read the global duration instead
    glob = interpret({**BASE, "qrs_ms": 135.0}, rhythm=SINUS, morphology=m, convention={"qrs_limb_majority": 0.0})
    assert "complete_right_bundle_branch_block" in keys(glob)


LBBB = {x: dict(q_mv=0.0, q_ms=0.0, pattern="R", r_peak_time_ms=85.0, notched=True, s_mv=0.0, s_ms=0.0,
                t_polarity="negative", t_neg_mv=-0.3, t_pos_mv=0.0, t_mv=-0.3) for x in ("i", "v5", "v6")}
LBBB["v1"] = dict(pattern="QS", q_mv=-1.5, r_mv=0.0, s_mv=0.0)


def test_left_bundle_branch_block_excludes_fascicular_block_and_secondary_st_t():
    m = morph(**LBBB, avl=dict(pattern="qR", q_mv=-0.2, q_ms=20.0, r_peak_time_ms=60.0))
    got = run12(m, qrs_ms=150.0, qrs_axis_deg=-60.0)
    assert "complete_left_bundle_branch_block" in got
    assert "left_anterior_fascicular_block" not in got
    assert "t_wave_inversion" not in got and "left_ventricular_hypertrophy" not in got
    assert "incomplete_left_bundle_branch_block" in run12(m, qrs_ms=115.0)


def test_left_anterior_and_posterior_fascicular_block():
    lafb = morph(avl=dict(pattern="qR", q_mv=-0.1, q_ms=20.0, r_mv=0.8, r_peak_time_ms=50.0),
                 i=dict(qrs_area_mv_ms=10.0), ii=dict(qrs_area_mv_ms=-8.0), avf=dict(qrs_area_mv_ms=-12.0))
    got = run12(lafb, qrs_axis_deg=-60.0)
    assert "left_anterior_fascicular_block" in got and "left_axis_deviation" in got
    assert "left_anterior_fascicular_block" not in run12(lafb, qrs_axis_deg=-35.0)
    rs = dict(pattern="rS", q_mv=0.0, r_mv=0.2, s_mv=-0.6)
    qr = dict(pattern="qR", q_mv=-0.1, q_ms=20.0, r_mv=1.0, s_mv=0.0)
    lpfb = morph(i=rs | {"qrs_area_mv_ms": -8.0}, avl=rs, iii=qr, avf=qr | {"qrs_area_mv_ms": 12.0})
    got = run12(lpfb, qrs_axis_deg=110.0)
    assert "left_posterior_fascicular_block" in got and "right_axis_deviation" in got


def test_axis_from_quadrants_is_gain_independent():
    m = morph(i=dict(qrs_area_mv_ms=5.0), ii=dict(qrs_area_mv_ms=-1.0), avf=dict(qrs_area_mv_ms=-3.0))
    assert "left_axis_deviation" in run12(m, qrs_axis_deg=-10.0)  # angle distorted, signs decide
    m = morph(i=dict(qrs_area_mv_ms=-5.0), avf=dict(qrs_area_mv_ms=3.0))
    assert "right_axis_deviation" in run12(m)


def test_lvh_voltage_criteria_sex_specific_and_calibration():
    sok = morph(v1=dict(s_mv=-1.8), v5=dict(r_mv=1.9))  # 3.7 mV
    got = run12(sok)
    assert "left_ventricular_hypertrophy" in got
    assert "left_ventricular_hypertrophy" not in run12(morph(calibrated=False, v1=dict(s_mv=-1.8), v5=dict(r_mv=1.9)))
    cornell = morph(avl=dict(r_mv=0.9), v3=dict(s_mv=-1.3))  # 2.2 mV: women > 2.0, men not > 2.8
    assert "left_ventricular_hypertrophy" in run12(cornell, sex="F")
    assert "left_ventricular_hypertrophy" not in run12(cornell, sex="M")
    st = next(s for s in interpret(BASE, rhythm=SINUS, sex="M", morphology=sok) if s.key == "left_ventricular_hypertrophy")
    assert st.code == "164873001" and "Sokolow-Lyon" in st.evidence["criteria_met"]
    assert st.evidence["sokolow_lyon_mv"] == pytest.approx(3.7)


def test_rvh_needs_right_axis_and_voltage():
    m = morph(v1=dict(pattern="Rs", r_mv=1.0, s_mv=-0.2), i=dict(qrs_area_mv_ms=-4.0), avf=dict(qrs_area_mv_ms=8.0))
    assert "right_ventricular_hypertrophy" in run12(m, qrs_axis_deg=120.0)
    assert "right_ventricular_hypertrophy" not in run12(m, qrs_axis_deg=60.0)


def test_atrial_enlargement():
    lae = morph(v1=dict(p_terminal_mv=-0.12, p_terminal_ms=50.0, ptf_mv_ms=6.0))
    assert "left_atrial_enlargement" in run12(lae)
    assert "left_atrial_enlargement" not in run12(morph(v1=dict(p_terminal_mv=-0.05, p_terminal_ms=50.0, ptf_mv_ms=2.5)))
    notched = morph(ii=dict(p_notch_ms=45.0))
    assert "left_atrial_enlargement" in run12(notched, p_duration_ms=125.0)
    assert "left_atrial_enlargement" not in run12(notched, p_duration_ms=110.0)
    assert "right_atrial_enlargement" in run12(morph(ii=dict(p_pos_mv=0.3)))


def test_q_waves_by_territory():
    q = dict(pattern="QR", q_mv=-0.3, q_ms=40.0)
    got = run12(morph(ii=q, iii=q, avf=q))
    assert "prior_myocardial_infarction" in got
    st = next(s for s in interpret(BASE, rhythm=SINUS, morphology=morph(ii=q, iii=q, avf=q))
              if s.key == "prior_myocardial_infarction")
    assert "inferior" in st.text and st.code == "164867002"
    assert "prior_myocardial_infarction" not in run12(morph(iii=q))  # one lead: not contiguous
    # Thygesen 2018 counts Q waves in I, II, aVL, aVF, V2-V6: III and V1 (often Q/QS in normals) do not
    assert "prior_myocardial_infarction" not in run12(morph(iii=q, avf=q))
    qs1 = dict(pattern="QS", q_mv=-0.8, r_mv=0.0, s_mv=0.0)
    assert "prior_myocardial_infarction" not in run12(morph(v1=qs1, v2=qs1))  # QS V1-V2 only: V2 and V3 needed
    qs = dict(pattern="QS", q_mv=-0.8, r_mv=0.0, s_mv=0.0)
    got = next(s for s in interpret(BASE, rhythm=SINUS, morphology=morph(v2=qs, v3=qs)) if s.category == "infarction")
    assert "anterior" in got.text and "septal" in got.text


def test_stemi_thresholds_by_sex_age_and_lead():
    v = {"v2": dict(st_j_mv=0.18, st_80_mv=0.25), "v3": dict(st_j_mv=0.18, st_80_mv=0.25)}
    assert "st_elevation" in run12(morph(**v), sex="F")  # women: 0.15 mV
    assert "st_elevation" not in run12(morph(**v), sex="M", age=55.0)  # men >= 40: 0.2 mV
    inf = {x: dict(st_j_mv=0.15, st_80_mv=0.1) for x in ("ii", "iii", "avf")}
    assert "st_elevation" in run12(morph(**inf))
    assert "st_elevation" not in run12(morph(calibrated=False, **inf))  # mV thresholds need calibration
    dep = {x: dict(st_j_mv=-0.1, st_80_mv=-0.12) for x in ("v4", "v5", "v6")}
    got = run12(morph(**dep))
    assert "st_depression" in got and "st_elevation" not in got
    up = {x: dict(st_j_mv=-0.1, st_80_mv=0.05) for x in ("v4", "v5", "v6")}  # upsloping: not ischemic
    assert "st_depression" not in run12(morph(**up))


def test_early_repolarization_is_not_stemi():
    er = {x: dict(st_j_mv=0.15, st_80_mv=0.2, notched=True) for x in ("ii", "iii", "avf", "v5", "v6")}
    got = run12(morph(**er))
    assert "early_repolarization" in got and "st_elevation" not in got


def test_t_wave_inversion_contiguous_leads_only():
    inv = dict(t_polarity="negative", t_neg_mv=-0.3, t_pos_mv=0.0, t_mv=-0.3)
    assert "t_wave_inversion" in run12(morph(v4=inv, v5=inv, v6=inv))
    assert "t_wave_inversion" not in run12(morph(v2=inv, v6=inv))
    assert "t_wave_inversion" not in run12(morph(iii=inv))


def test_low_voltage_and_lvh_exclusive():
    limb = dict.fromkeys(("I", "II", "III", "aVR", "aVL", "aVF"), 0.4)
    sok = morph(v1=dict(s_mv=-1.8), v5=dict(r_mv=1.9))
    out = keys(interpret(BASE, rhythm=SINUS, morphology=sok, qrs_amplitude_mv={**limb, **dict.fromkeys(
        ("V1", "V2", "V3", "V4", "V5", "V6"), 1.5)}))
    assert "left_ventricular_hypertrophy" in out and "low_qrs_voltage" not in out


def _beats(labels, rr):
    n = len(labels)
    rr = np.asarray(rr, float)
    return BeatClasses(tuple(labels), rr, np.where(np.array(list(labels)) == "V", 0.3, 0.99),
                       np.full(n, 90.0), np.nan_to_num(rr, nan=800.0) < 0.85 * 800.0, 800.0)


def test_ectopy_statements():
    b = _beats("NNNVNNNN", [np.nan, 800, 800, 500, 1100, 800, 800, 800])
    got = run12(morph(beats=b))
    assert "premature_ventricular_complexes" in got
    b = _beats("NNANNNNN", [np.nan, 800, 600, 900, 800, 800, 800, 800])
    assert "premature_atrial_complexes" in run12(morph(beats=b))
    # other morphology, neither premature nor >= 40 ms wider (a beat cut by the recording's end): no PVC
    b = _beats("NNNNNNNV", [np.nan, 800, 800, 800, 800, 800, 800, 790])
    assert "premature_ventricular_complexes" not in run12(morph(beats=b))
    af = RhythmFeatures(10, 0.1, None, None, 0.2, 0.3)
    assert "premature_atrial_complexes" not in run12(morph(beats=b), rhythm=af)


class _Model(SimpleNamespace):
    pass


def test_af_from_model_and_fallback_and_rhythm_block_consistent():
    no_p = RhythmFeatures(10, 0.1, None, None, 0.2, 0.3)
    model_af = _Model(label="af", probabilities={"normal": 0.05, "af": 0.9, "other": 0.04, "noisy": 0.01}, model="m@1")
    out = interpret(BASE, rhythm=no_p, morphology=morph(), rhythm_model=model_af)
    assert keys(out)[0] == "atrial_fibrillation" and out[0].code == "164889003"
    rh = rhythm_from_statements(out, None, model_af)
    assert rh.label == "af" and rh.probabilities["af"] == 0.9
    # clear sinus P waves with constant PR overrule an AF probability; never both
    out = interpret(BASE, rhythm=SINUS, morphology=morph(), rhythm_model=model_af)
    assert keys(out)[0] == "sinus_rhythm" and rhythm_from_statements(out, None, model_af).label == "normal"
    # no model: P absence + irregular RR
    assert run12(rhythm=no_p)[0] == "atrial_fibrillation"
    assert run12(rhythm=RhythmFeatures(10, 0.1, None, None, 0.02, 0.03))[0] == "rhythm_undetermined"
    # a model that says normal: no AF from the fallback rule
    model_n = _Model(label="normal", probabilities={"normal": 0.9, "af": 0.05, "other": 0.04, "noisy": 0.01}, model="m")
    assert run12(rhythm=no_p, model=model_n)[0] == "rhythm_undetermined"


def test_paced_rhythm_suppresses_qrs_interpretation():
    n = 10
    pace = PaceSpikes(np.arange(n) * 400, np.full(n, 12), np.ones(n, bool), np.zeros(n, bool))
    m = morph(pace=pace, **LBBB)
    out = interpret({**BASE, "qrs_ms": 160.0, "qrs_axis_deg": -70.0}, rhythm=SINUS, morphology=m)
    k = keys(out)
    assert "paced_rhythm" in k and k.index("paced_rhythm") == 1
    assert not {"complete_left_bundle_branch_block", "left_axis_deviation", "t_wave_inversion"} & set(k)
    assert next(s for s in out if s.key == "paced_rhythm").code == "10370003"
    assert rhythm_from_statements(out, None).label == "other"


def test_report_order_and_one_statement_per_category():
    inv = dict(t_polarity="negative", t_neg_mv=-0.3, t_pos_mv=0.0, t_mv=-0.3)
    q = dict(pattern="QR", q_mv=-0.3, q_ms=40.0)
    m = with_qrs(morph(**{**RBBB, "v5": inv, "v6": inv | {"s_mv": -0.4, "s_ms": 50.0}}, ii=q, iii=q, avf=q), 140.0)
    out = interpret({**BASE, "qrs_ms": 140.0, "pr_ms": 240.0, "qtc_ms": 480.0}, rhythm=SINUS, sex="M",
                    morphology=m)
    cats = [s.category for s in out]
    assert cats == sorted(cats, key=CATEGORY_ORDER.index) and len(cats) == len(set(cats))
    assert keys(out)[:3] == ["sinus_rhythm", "first_degree_av_block", "complete_right_bundle_branch_block"]
    for s in out:
        assert s.criteria["reference"] and s.criteria["rule"] and s.evidence is not None


# -- simulated ECGs with real amplitudes (the LUDB copy is amplitude-normalised) ----------------
def test_simulated_low_voltage_and_calibrated_amplitudes():
    from cardiokit.pipeline import analyze
    from cardiokit.sim import simulate_ecg

    low = analyze(simulate_ecg(duration_s=10, fs_hz=500, amplitude_scale=0.25, seed=3, hrv=None))
    assert "low_qrs_voltage" in keys(low.statements)
    normal = analyze(simulate_ecg(duration_s=10, fs_hz=500, seed=3, hrv=None))
    k = keys(normal.statements)
    assert "low_qrs_voltage" not in k and "left_ventricular_hypertrophy" not in k
    # rhythm comes first; only a signal-quality remark may precede it (the learned quality
    # model grades the noise-free simulated V2 unusable: zong2003 counts its T waves)
    assert next(x for x in k if x != "poor_signal_quality") == "sinus_rhythm"


def test_poor_quality_statement_spells_lead_names_the_standard_way():
    leads = (LeadQuality("avf", "unusable", {}, ("flat_line",)),
             *(LeadQuality(n, "good") for n in ("i", "ii", "iii", "avr", "avl", "v1", "v2", "v3", "v4", "v5", "v6")))
    out = run(quality=Quality("acceptable", leads))
    st = next(s for s in out if s.key == "poor_signal_quality")
    assert st.text == "Poor signal quality in lead aVF"
    assert st.evidence["unusable_leads"] == ["avf"]  # evidence keeps the recording's own names


@pytest.mark.parametrize(
    ("qt", "qrs", "expected", "modified"),
    [(480.0, 160.0, None, 400.0),  # a bundle branch block's wide QRS: Framingham 480 -> modified 400 ms
     (560.0, 160.0, "long_qtc", 480.0),  # repolarisation long too: still prolonged
     (480.0, 118.0, "long_qtc", None),  # below 120 ms the QT is judged as it is
     (330.0, 150.0, "short_qtc", None)],  # a short QT is judged on the QT itself
)
def test_a_wide_qrs_is_judged_on_bogossians_modified_qt(qt, qrs, expected, modified):
    got = [s for s in run(qt_ms=qt, rr_ms=1000.0, qrs_ms=qrs, sex="M") if s.category == "qt"]
    assert [s.key for s in got] == ([expected] if expected else [])
    if got and modified is not None:
        ev = got[0].evidence
        assert ev["qt_modified_ms"] == modified and ev["qtc_formula"] == "framingham, modified QT"
        assert got[0].criteria["qt_wide_qrs_share"] == 0.5 and "Bogossian" in got[0].criteria["reference"]
    if expected == "short_qtc":
        assert got[0].evidence["qtc_formula"] == "framingham" and got[0].evidence["qtc_ms"] == qt


def test_rhythm_block_is_the_model_class_unless_a_statement_names_the_rhythm():
    """``rhythm.label`` (CinC 2017 classes): AF / flutter / pacing / AV-block statements
    first, then the rhythm model's class (never ``af`` beside sinus P waves), also on an
    unusable record; without a model the statements' class."""
    sinus = interpret(BASE, rhythm=SINUS, morphology=morph())
    assert keys(sinus)[0] == "sinus_rhythm"
    other = _Model(label="other", probabilities={"normal": 0.2, "af": 0.1, "other": 0.6, "noisy": 0.1}, model="m@1")
    assert rhythm_from_statements(sinus, None, other).label == "other"  # e.g. sinus rhythm with ectopy
    assert rhythm_from_statements(sinus, None).label == "normal"
    af_first = _Model(label="af", probabilities={"normal": 0.1, "af": 0.5, "other": 0.3, "noisy": 0.1}, model="m@1")
    assert rhythm_from_statements(sinus, None, af_first).label == "other"  # P waves rule AF out
    q = _quality("unusable", "unusable", "good")
    poor = run(quality=q)
    assert keys(poor) == ["poor_signal_quality"]
    assert rhythm_from_statements(poor, q).label == "noisy"
    assert rhythm_from_statements(poor, q, af_first).label == "af"  # no statement to overrule it
    noisy = _Model(label="noisy", probabilities={"normal": 0.1, "af": 0.1, "other": 0.1, "noisy": 0.7}, model="m@1")
    assert rhythm_from_statements(poor, q, noisy).label == "noisy"
    # an undetermined rhythm (no P waves found) takes the model's class instead of None
    und = interpret(BASE, rhythm=RhythmFeatures(10, 0.1, None, None, 0.01, 0.02), morphology=morph())
    assert keys(und)[0] == "rhythm_undetermined"
    assert rhythm_from_statements(und, None).label is None
    normal = _Model(label="normal", probabilities={"normal": 0.9, "af": 0.0, "other": 0.1, "noisy": 0.0}, model="m@1")
    assert rhythm_from_statements(und, None, normal).label == "normal"
