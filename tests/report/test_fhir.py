"""FHIR R4 export, validated with the fhir.resources R4B models (R4-compatible resources)."""

from __future__ import annotations

import json
from functools import cache

import pytest

from cardiokit.pipeline import analyze_file
from cardiokit.report.fhir import LOINC_MEASUREMENTS, to_fhir, write_fhir
from cardiokit.report.model import RecordingSummary, Report
from tests.conftest import shared_path

R4B = pytest.importorskip("fhir.resources.R4B.bundle")


@cache
def report() -> Report:
    return analyze_file(shared_path("ludb", "data", "1.hea").with_suffix(""))


def validated(bundle: dict):
    return R4B.Bundle.model_validate(bundle)


def test_bundle_validates_and_holds_every_measured_value():
    rep = report()
    bundle = to_fhir(rep)
    model = validated(bundle)
    assert model.type == "collection"
    dr = bundle["entry"][0]["resource"]
    assert dr["resourceType"] == "DiagnosticReport" and dr["status"] == "final"
    assert dr["code"]["coding"][0]["code"] == "11524-6"
    obs = {e["fullUrl"]: e["resource"] for e in bundle["entry"][1:]}
    assert [r["reference"] for r in dr["result"]] == list(obs)
    by_code = {o["code"]["coding"][0]["code"]: o for o in obs.values()}
    for key, (loinc, _display, ucum, _unit) in LOINC_MEASUREMENTS.items():
        value = rep.measurements[key]
        if value is None:
            assert loinc not in by_code
            continue
        q = by_code[loinc]["valueQuantity"]
        assert q["system"] == "http://unitsofmeasure.org" and q["code"] == ucum
        assert q["value"] == pytest.approx(value, abs=0.05)
    assert by_code["8867-4"]["valueQuantity"]["code"] == "/min"
    assert {"8867-4", "8625-6", "8633-0", "8634-8", "8636-3", "8626-4", "8632-2", "8638-1"} <= set(by_code)
    codes = [c["coding"][0]["code"] for c in dr["conclusionCode"]]
    assert "426177001" in codes  # sinus bradycardia
    assert dr["identifier"][0]["value"] == rep.sha256


def test_ids_are_stable_for_the_same_content():
    a, b = to_fhir(report()), to_fhir(report())
    assert [e["fullUrl"] for e in a["entry"]] == [e["fullUrl"] for e in b["entry"]]


def test_missing_measurements_are_left_out_and_still_valid():
    rep = Report(source="x.csv", recording=RecordingSummary((), 250.0, 1.0, 250), sha256="c" * 64,
                 measurements={"heart_rate_bpm": 61.0})
    bundle = to_fhir(rep)
    validated(bundle)
    assert len(bundle["entry"]) == 2
    assert "conclusion" not in bundle["entry"][0]["resource"]


@pytest.mark.parametrize(
    "breakage",
    [lambda o: o.pop("status"), lambda o: o.update(colour="red"),
     lambda o: o["valueQuantity"].update(value="abc")],
    ids=["missing-required", "unknown-element", "wrong-type"],
)
def test_the_validator_can_fail(breakage):
    """fhir.resources checks structure (not code bindings): the checks above can fail."""
    bundle = to_fhir(report())
    breakage(bundle["entry"][1]["resource"])
    with pytest.raises(ValueError):
        validated(bundle)


def test_codes_use_valid_r4_value_sets():
    bundle = to_fhir(report())
    assert bundle["entry"][0]["resource"]["status"] in ("registered", "partial", "preliminary", "final")
    for e in bundle["entry"][1:]:
        assert e["resource"]["status"] == "final"
        assert e["resource"]["category"][0]["coding"][0]["code"] in ("vital-signs", "procedure")


def test_write_fhir(tmp_path):
    p = write_fhir(report(), tmp_path / "fhir")
    assert p.name == "1.fhir.json"
    validated(json.loads(p.read_text()))


def test_ppg_and_heart_sound_reports_are_not_ekg_studies():
    ppg = Report(source="p.csv", recording=RecordingSummary(({"name": "PLETH", "kind": "ppg", "unit": ""},), 125.0,
                                                            60.0, 7500, kinds=("ppg",)), sha256="d" * 64,
                 measurements={"heart_rate_bpm": 94.3, "sbp_mmhg": 126.6, "dbp_mmhg": 70.8,
                               "respiratory_rate_bpm": 15.2})
    bundle = to_fhir(ppg)
    validated(bundle)
    dr = bundle["entry"][0]["resource"]
    assert "category" not in dr and "coding" not in dr["code"] and "PPG" in dr["code"]["text"]
    by_code = {e["resource"]["code"]["coding"][0]["code"]: e["resource"] for e in bundle["entry"][1:]}
    assert by_code["8480-6"]["valueQuantity"] == {"value": 126.6, "unit": "mmHg", "system": "http://unitsofmeasure.org",
                                                  "code": "mm[Hg]"}
    assert "not a cuff measurement" in by_code["8462-4"]["method"]["text"]
    assert by_code["9279-1"]["valueQuantity"]["value"] == 15.2 and "8867-4" in by_code
    pcg = Report(source="a.wav", recording=RecordingSummary(({"name": "PCG", "kind": "pcg", "unit": ""},), 2000.0,
                                                            30.0, 60000, kinds=("pcg",)), sha256="e" * 64,
                 measurements={"heart_rate_bpm": 81.1}, pcg={"label": "abnormal", "probability_abnormal": 0.81})
    dr = validated(to_fhir(pcg)) and to_fhir(pcg)["entry"][0]["resource"]
    assert "phonocardiogram" in dr["code"]["text"]
    assert dr["conclusion"] == "Heart sounds abnormal (probability abnormal 0.81)"


def test_unusable_ppg_says_so_in_the_conclusion():
    """PPG-BP 106_1 is graded unusable: no rate or BP observation, and the conclusion says why."""
    rep = analyze_file(shared_path("ppg_bp", "0_subject", "106_1.txt"), fs=1000.0, kind="ppg")
    bundle = to_fhir(rep)
    validated(bundle)
    dr = bundle["entry"][0]["resource"]
    assert dr["conclusion"].startswith("PPG signal unusable (most pulses differ")
    assert dr["conclusion"].endswith("no pulse rate or blood pressure reported")
    codes = {e["resource"]["code"]["coding"][0]["code"] for e in bundle["entry"][1:]}
    assert not codes & {"8867-4", "8480-6", "8462-4"}
