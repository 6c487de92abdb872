"""`cardiokit analyze --kind ppg` end to end on a PPG-BP segment; the JSON validates."""

from __future__ import annotations

import json

from cardiokit.report.schema import validate
from tests.cli.test_analyze import run_cli
from tests.conftest import shared_path


def test_analyze_ppg_cli(monkeypatch, tmp_path) -> None:
    src = shared_path("ppg_bp", "0_subject", "2_1.txt")
    out = tmp_path / "out.jsonl"
    code = run_cli(monkeypatch, "analyze", src, "--fs", "1000", "--kind", "ppg", "--meta", "age_years=45",
                   "--meta", "sex=F", "--meta", "height_cm=152", "--meta", "weight_kg=63", "--json", out)
    assert code == 0
    doc = json.loads(out.read_text().splitlines()[0])
    validate(doc)
    m = doc["measurements"]
    assert 60 <= m["heart_rate_bpm"] <= 140  # the session HR of subject 2 was 97
    assert 80 <= m["sbp_mmhg"] <= 200 and 40 <= m["dbp_mmhg"] <= 120
    assert m["sbp_interval_mmhg"][0] < m["sbp_mmhg"] < m["sbp_interval_mmhg"][1]
    assert m["vascular_age_years"] is not None
    assert m["vascular_age_gap_years"] == round(m["vascular_age_years"] - 45.0, 1)
    assert "respiratory_rate_bpm" in m  # None: 2.1 s is too short
    ppg = doc["ppg"]
    assert ppg["quality"]["grade"] in ("good", "acceptable", "unusable")
    assert len(ppg["systolic_peaks"]) >= 2 and len(ppg["onsets"]) == len(ppg["systolic_peaks"])
    assert all(0 <= p < 2100 for p in ppg["systolic_peaks"])
    assert set(ppg["fiducials"]) >= {"on", "sp", "dn", "dp", "u", "a", "b", "c", "d", "e"}
    assert "b_a" in ppg["biomarkers"] and "AGI" in ppg["biomarkers"]
    assert doc["errors"] == []


def test_analyze_ppg_cli_calibrated(monkeypatch, tmp_path) -> None:
    """`--meta sbp_cal_mmhg/dbp_cal_mmhg` switches to the calibrated BP on a 5-min ICU record."""
    src = shared_path("cuffless_bp_physionet2015", "records", "v246s.hea")
    out = tmp_path / "out.jsonl"
    code = run_cli(monkeypatch, "analyze", src, "--kind", "ppg", "--meta", "sbp_cal_mmhg=177",
                   "--meta", "dbp_cal_mmhg=78", "--json", out)
    assert code == 0
    doc = json.loads(out.read_text().splitlines()[0])
    validate(doc)
    bp = doc["ppg"]["bp"]
    assert bp["variant"] == "calibrated" and bp["calibration_mmhg"] == [177.0, 78.0]
    assert len(bp["trend"]) >= 10
    # invasive ABP of v246s stays near 178/79 over the 5 minutes
    assert abs(doc["measurements"]["sbp_mmhg"] - 178) <= 10
    assert abs(doc["measurements"]["dbp_mmhg"] - 79) <= 8


def test_unusable_ppg_is_kept_out_of_the_measurements(monkeypatch, tmp_path) -> None:
    """PPG-BP 106_1: a large diastolic wave is taken for a third pulse (intervals 887 and
    386 ms, so a median rate of 94 bpm against the session's 66); the pulses disagree, the
    grade is unusable, and neither the rate nor the BP reaches ``measurements``: they stay
    in ``ppg`` beside the grade, and the summary line says why."""
    src = shared_path("ppg_bp", "0_subject", "106_1.txt")
    out = tmp_path / "out.jsonl"
    code = run_cli(monkeypatch, "analyze", src, "--fs", "1000", "--kind", "ppg", "--json", out,
                   "--out", tmp_path / "rep")
    assert code == 0
    doc = json.loads(out.read_text().splitlines()[0])
    validate(doc)
    assert doc["ppg"]["quality"]["grade"] == "unusable"
    m = doc["measurements"]
    for k in ("heart_rate_bpm", "sbp_mmhg", "dbp_mmhg", "vascular_age_years", "respiratory_rate_bpm"):
        assert m[k] is None, k
    assert doc["ppg"]["heart_rate_bpm"] > 85 and doc["ppg"]["bp"]["input_quality"] == "unusable"
    page = (tmp_path / "rep" / "106_1.txt.html").read_text()
    assert "unreliable" in page and "Pulse wave (PPG)" in page and "most pulses differ" in page
