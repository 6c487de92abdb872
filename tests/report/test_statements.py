"""Interpretation rules: thresholds, mutual exclusion, evidence/criteria, and LUDB records."""

from __future__ import annotations

import csv
from functools import cache, lru_cache

import pytest

from cardiokit.ecg.quality import LeadQuality, Quality
from cardiokit.report.statements import CRITERIA, RhythmFeatures, interpret, rhythm_from_statements
from tests.conftest import shared_path

SINUS = RhythmFeatures(n_beats=10, p_wave_fraction=1.0, pr_iqr_ms=8.0, rr_range_ms=40.0, rr_cv=0.02)
BASE = {"heart_rate_bpm": 72.0, "pr_ms": 160.0, "qrs_ms": 90.0, "qt_ms": 380.0, "qtc_ms": 415.0,
        "qtc_formula": "bazett", "p_axis_deg": 50.0, "qrs_axis_deg": 45.0, "t_axis_deg": 40.0}
EXCLUSIVE = {"rhythm", "axis", "repolarization", "voltage", "quality"}


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
    got = [s for s in run(qtc_ms=qtc, sex=sex) if s.category == "repolarization"]
    assert [s.key for s in got] == ([expected] if expected else [])
    if got:
        assert got[0].code == {"long_qtc": "111975006", "short_qtc": "77867006"}[expected]
        assert got[0].evidence["qtc_ms"] == qtc and got[0].evidence["sex"] == sex


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


# -- LUDB records with a cardiologist's diagnosis ------------------------------------------------
@lru_cache(maxsize=1)
def _ludb_rows() -> dict[int, dict[str, str]]:
    path = shared_path("ludb", "ludb.csv")
    with open(path, newline="") as fh:
        return {int(r["ID"]): r for r in csv.DictReader(fh)}


@cache
def _report(n: int):
    from cardiokit.pipeline import analyze_file

    return analyze_file(shared_path("ludb", "data", f"{n}.hea"))


def _ids(label: str, column: str = "Rhythms", limit: int = 4) -> list[int]:
    rows = _ludb_rows()
    return [i for i, r in rows.items() if r[column].strip().split("\n")[0].strip() == label][:limit]


def test_ludb_sinus_bradycardia_records():
    """Most get sinus bradycardia; the others "rhythm undetermined" (P waves missed, e.g.
    next to bundle branch block), never another sinus rate class."""
    ids = _ids("Sinus bradycardia", limit=8)
    assert len(ids) == 8
    got = {n: keys(_report(n).statements) for n in ids}
    hits = [n for n, k in got.items() if "sinus_bradycardia" in k]
    assert len(hits) >= 5, got
    for k in got.values():
        assert not {"sinus_rhythm", "sinus_tachycardia"} & set(k), got


def test_ludb_sinus_rhythm_records():
    """Cardiologists' "sinus rhythm" records get a sinus statement (rate classes follow the
    measured rate: LUDB calls some records at 55-60 bpm "sinus rhythm") or, where P waves
    were not found often enough, "rhythm undetermined" - never another rhythm."""
    ids = _ids("Sinus rhythm", limit=10)
    got = {n: keys(_report(n).statements) for n in ids}
    sinus = [n for n, k in got.items() if any(x.startswith("sinus") for x in k)]
    assert len(sinus) >= 7, got
    for n in sinus:
        hr = _report(n).measurements["heart_rate_bpm"]
        if 60 <= hr <= 100:
            assert {"sinus_rhythm", "sinus_arrhythmia"} & set(got[n]), (n, hr, got[n])


def test_ludb_atrial_fibrillation_is_never_called_sinus():
    ids = _ids("Atrial fibrillation", limit=4)
    assert ids
    for n in ids:
        k = keys(_report(n).statements)
        assert not any(x.startswith("sinus") for x in k), (n, k)
        assert "first_degree_av_block" not in k


def test_ludb_first_degree_av_block_records():
    rows = _ludb_rows()
    ids = [i for i, r in rows.items() if "I degree av block" in r["Conduction abnormalities"]
           and r["Rhythms"].strip().startswith("Sinus")][:4]
    assert ids
    hits = [n for n in ids if "first_degree_av_block" in keys(_report(n).statements)]
    assert len(hits) >= len(ids) // 2, {n: (_report(n).measurements["pr_ms"], keys(_report(n).statements)) for n in ids}
