"""cardiokit.analyze: the chained pipeline on real LUDB records and synthetic edge cases."""

from __future__ import annotations

import hashlib
import json
import shutil
from functools import cache

import numpy as np
import pytest

import cardiokit
from cardiokit import Channel, InvalidArgumentError, Recording, Report
from cardiokit.pipeline import analyze_file, content_sha256, recording_files, validate_subject
from cardiokit.report.model import MEASUREMENT_KEYS
from cardiokit.report.schema import load_schema, validate
from tests.conftest import shared_path

LUDB_IDS = (1, 2, 9, 21, 40, 77, 101, 150)


def rec_path(n: int):
    """LUDB record ``n`` as a WFDB record name (``.../data/<n>``, no extension)."""
    return shared_path("ludb", "data", f"{n}.hea").with_suffix("")


@cache
def ludb(n: int) -> Report:
    return cardiokit.analyze(rec_path(n))


def reference_hr(n: int) -> float:
    import wfdb

    ann = wfdb.rdann(str(rec_path(n)), "ii")
    r = ann.sample[np.array(ann.symbol) == "N"]
    return 60.0 / (float(np.median(np.diff(r))) / ann.fs)


def test_analyze_is_public_next_to_read():
    assert cardiokit.analyze is cardiokit.pipeline.analyze
    assert {"analyze", "Report", "read"} <= set(cardiokit.__all__)


@pytest.mark.parametrize("n", LUDB_IDS)
def test_heart_rate_matches_ludb_reference(n):
    rep = ludb(n)
    assert rep.ok, rep.errors
    assert rep.measurements["heart_rate_bpm"] == pytest.approx(reference_hr(n), abs=3.0)


@pytest.mark.parametrize("n", LUDB_IDS[:4])
def test_report_json_validates_against_the_schema(n):
    doc = json.loads(ludb(n).to_json())
    validate(doc)
    assert set(MEASUREMENT_KEYS) <= set(doc["measurements"])
    assert doc["recording"]["fs"] == 500.0 and len(doc["recording"]["channels"]) == 12
    assert doc["recording"]["duration_s"] == 10.0
    assert doc["ppg"] is None and doc["pcg"] is None and doc["errors"] == []
    assert doc["quality"]["grade"] in ("good", "acceptable")
    assert {lq["lead"] for lq in doc["quality"]["leads"]} == {"i", "ii", "iii", "avr", "avl", "avf",
                                                             "v1", "v2", "v3", "v4", "v5", "v6"}
    # sinus records: the rhythm model's CinC class, "normal" or "other" (LUDB 1, a sinus
    # bradycardia, reads other 0.98)
    probs = doc["rhythm"]["probabilities"]
    assert doc["rhythm"]["label"] == max(("normal", "other", "noisy"), key=probs.get)
    for key in ("pr_ms", "qrs_ms", "qt_ms", "qtc_ms"):
        assert doc["measurements"][key] is None or 40 < doc["measurements"][key] < 700


def test_schema_rejects_broken_documents():
    doc = json.loads(ludb(1).to_json())
    for breakage in (
        lambda d: d.pop("measurements"),
        lambda d: d["measurements"].pop("qtc_ms"),
        lambda d: d["quality"].update(grade="excellent"),
        lambda d: d["statements"][0].pop("criteria"),
        lambda d: d["rhythm"].update(label="sinus"),
    ):
        broken = json.loads(json.dumps(doc))
        breakage(broken)
        with pytest.raises(InvalidArgumentError, match="schema"):
            validate(broken)
    # later keys are allowed
    doc["measurements"]["respiratory_rate_bpm"] = 14.0
    doc["rhythm"] = {"label": "af", "probabilities": {"normal": 0.1, "af": 0.8, "other": 0.05, "noisy": 0.05},
                     "model": "x"}
    validate(doc)
    assert load_schema()["$schema"].endswith("2020-12/schema")


def test_path_input_fills_source_hash_and_subject_from_header():
    rep = ludb(1)
    assert rep.source.endswith("ludb/data/1")
    assert rep.sha256 == content_sha256(rec_path(1))
    assert rep.recording.subject == {"age_years": 51.0, "sex": "F"}
    assert rep.statement("sinus_bradycardia") is not None  # ludb.csv: "Sinus bradycardia"


def test_subject_argument_overrides_the_file_header():
    rec = cardiokit.read(rec_path(1))
    rep = cardiokit.analyze(rec, subject={"sex": "male", "age_years": "60", "weight_kg": 80})
    assert rep.recording.subject == {"age_years": 60.0, "sex": "M", "weight_kg": 80.0}
    assert rep.source.endswith("1") or rep.source is None


@pytest.mark.parametrize(
    ("subject", "match"),
    [({"sex": "X"}, "M or F"), ({"age_years": -3}, "0 to 130"), ({"age_years": "old"}, "0 to 130"),
     ({"height_cm": 1000}, "30 to 272"), ({"shoe_size": 42}, "accepted: id.*age_years.*sex")],
)
def test_subject_validation_names_accepted_values(subject, match):
    with pytest.raises(InvalidArgumentError, match=match):
        validate_subject(subject)


def test_content_hash_single_file_and_wfdb_record(tmp_path):
    f = tmp_path / "x.csv"
    f.write_bytes(b"1,2,3\n")
    assert content_sha256(f) == hashlib.sha256(b"1,2,3\n").hexdigest()
    src = rec_path(1).parent
    for name in ("1.hea", "1.dat", "1.ii"):
        shutil.copy(src / name, tmp_path / name)
    (tmp_path / "10.hea").write_text("other record")
    files = recording_files(tmp_path / "1")
    assert [p.name for p in files] == ["1.dat", "1.hea", "1.ii"]
    assert recording_files(tmp_path / "1.hea") == files == recording_files(tmp_path / "1.dat")
    h1 = content_sha256(tmp_path / "1")
    data = bytearray((tmp_path / "1.dat").read_bytes())
    data[100] ^= 0xFF
    (tmp_path / "1.dat").write_bytes(bytes(data))
    assert content_sha256(tmp_path / "1") != h1


def test_non_ecg_recording_skips_the_ecg_stages():
    t = np.arange(0, 10, 1 / 100)
    rec = Recording(np.sin(2 * np.pi * 1.2 * t)[:, None], 100, (Channel("pleth", "ppg", "au"),))
    rep = cardiokit.analyze(rec)
    doc = rep.to_dict()
    validate(doc)
    assert doc["quality"] is None and doc["rhythm"] is None and doc["statements"] == []
    # the PPG stage (issue 6) fills the pulse rate; every ECG-only measurement stays empty
    ppg_keys = {"heart_rate_bpm", "rr_ms"}
    assert all(doc["measurements"][k] is None for k in MEASUREMENT_KEYS if k not in ppg_keys)
    assert doc["measurements"]["heart_rate_bpm"] == pytest.approx(72, abs=1)
    assert doc["ppg"] is not None
    assert doc["errors"] == [] and doc["recording"]["kinds"] == ["ppg"]


def test_flat_recording_is_unusable_with_a_warning_only():
    rec = Recording(np.zeros((5000, 3), np.float32), 500, tuple(Channel(n, "ecg", "mV") for n in ("I", "II", "V1")))
    rep = cardiokit.analyze(rec)
    assert rep.quality.grade == "unusable"
    assert [s.key for s in rep.statements] == ["poor_signal_quality"]
    assert rep.rhythm.label == "noisy"
    assert rep.measurements["heart_rate_bpm"] is None
    validate(rep.to_dict())


def test_clean_dual_chamber_paced_record_is_interpreted():
    """LUDB 45 (atrial + ventricular pacing, clean): atrial pulses detected as beats used to
    grade all 12 leads unusable and leave only "recording not interpretable"."""
    rep = ludb(45)
    assert rep.quality.grade != "unusable"
    keys = [s.key for s in rep.statements]
    assert "paced_rhythm" in keys
    assert "rhythm_undetermined" not in keys  # the pacing names the rhythm
    unusable = {s["lead"] for s in rep.to_dict()["quality"]["unusable_segments"]}
    assert len(unusable) <= 2, unusable
    assert abs(rep.measurements["heart_rate_bpm"] - 60.0) < 2.0


@pytest.mark.parametrize("style", ["Lead {}", "ECG_{}", "D{}"])
def test_lead_name_spellings_give_the_same_interpretation(style):
    """Leads named "Lead II", "ECG_II" or "DII" (DI/DII/DIII; the chest leads as "V1") are
    analysed as I ... V6: same axis, statements and per-lead quality as LUDB's own names."""
    rec = cardiokit.read(rec_path(3))
    limb = {"i", "ii", "iii"}
    renamed = rec._evolve(channels=tuple(
        Channel(style.format(c.name.upper()) if (c.name in limb or not style.startswith("D")) else c.name.upper(),
                c.kind, c.unit) for c in rec.channels))
    a, b = ludb(3), cardiokit.analyze(renamed)
    assert b.measurements["qrs_axis_deg"] == pytest.approx(a.measurements["qrs_axis_deg"])
    assert [s.key for s in b.statements] == [s.key for s in a.statements]
    assert [lq.lead for lq in b.quality.leads][:3] == ["I", "II", "III"]
    assert [lq.grade for lq in b.quality.leads] == [lq.grade for lq in a.quality.leads]


@pytest.mark.parametrize("name", ["dicom/test_ecg_ge_mac.dcm", "muse/SYNTHETIC_muse_from_ecg2dcm.xml",
                                  "other_xml/schiller_at10p_sample.xml", "aecg/ecg-kit_ecg_hl7.xml"])
def test_eight_lead_export_gets_its_limb_leads_derived(name):
    """I, II, V1-V6 only (how many carts store a 12-lead ECG): III, aVR, aVL and aVF are
    derived (Einthoven, Goldberger) and the interpretation equals the one of the device's
    own 12 leads, which obey the same relations."""
    rec = cardiokit.read(shared_path("ecg_formats", *name.split("/")))
    limb = {"iii", "avr", "avl", "avf"}
    eight = rec.select([c.name for c in rec.channels if c.name.lower() not in limb])
    a, b = cardiokit.analyze(rec), cardiokit.analyze(eight)
    assert b.recording.derived_leads == ("III", "aVR", "aVL", "aVF")
    assert a.recording.derived_leads == ()
    assert [s.key for s in b.statements] == [s.key for s in a.statements]
    assert b.measurements["qrs_axis_deg"] == pytest.approx(a.measurements["qrs_axis_deg"], abs=1.0)
    assert {lq.lead for lq in b.quality.leads} >= {"III", "aVR", "aVL", "aVF"}
    validate(b.to_dict())


def test_limb_leads_from_any_two_of_i_ii_iii():
    from cardiokit._pipeline_ecg import _with_limb_leads

    rng = np.random.default_rng(0)
    i, ii = rng.normal(size=(2, 500))
    truth = {"I": i, "II": ii, "III": ii - i, "aVR": -(i + ii) / 2, "aVL": i - ii / 2, "aVF": ii - i / 2}
    for pair in (("I", "II"), ("I", "III"), ("II", "III")):
        rec = Recording(np.stack([truth[p] for p in pair], axis=1), 500.0, tuple(Channel(p, "ecg", "mV") for p in pair))
        out, derived = _with_limb_leads(rec)
        assert set(derived) == set(truth) - set(pair)
        for k, name in enumerate(out.channel_names):
            np.testing.assert_allclose(out.signals[:, k], truth[name], atol=1e-5)  # float32 samples
    # one limb lead, or two in different units: nothing derived
    one = Recording(i[:, None], 500.0, (Channel("I", "ecg", "mV"),))
    assert _with_limb_leads(one)[1] == ()
    mixed = Recording(np.stack([i, ii], 1), 500.0, (Channel("I", "ecg", "mV"), Channel("II", "ecg", "uV")))
    assert _with_limb_leads(mixed)[1] == ()


def test_noise_is_not_called_sinus():
    rng = np.random.default_rng(0)
    rec = Recording(rng.normal(0, 0.3, (5000, 2)).astype(np.float32), 500,
                    (Channel("I", "ecg", "mV"), Channel("II", "ecg", "mV")))
    rep = cardiokit.analyze(rec)
    assert not any(s.key.startswith("sinus") for s in rep.statements)


def test_a_failing_stage_is_recorded_and_later_stages_degrade(monkeypatch):
    import cardiokit.pipeline as pl

    def boom(*a, **k):
        raise RuntimeError("delineator exploded")

    monkeypatch.setattr(pl, "_delineate", boom)
    rep = cardiokit.analyze(cardiokit.read(rec_path(2)))
    assert [(e.stage, e.type) for e in rep.errors] == [("delineate", "RuntimeError")]
    assert rep.measurements["heart_rate_bpm"] == pytest.approx(reference_hr(2), abs=3)
    assert rep.measurements["qrs_ms"] is None
    assert rep.statement("rhythm_undetermined") is not None  # no P waves known: no guess
    validate(rep.to_dict())


def test_unreadable_file_gives_a_report_with_a_read_error(tmp_path):
    bad = tmp_path / "bad.edf"
    bad.write_bytes(b"not an edf file at all")
    rep = analyze_file(bad)
    assert rep.recording is None and rep.errors[0].stage == "read"
    assert rep.sha256 == hashlib.sha256(b"not an edf file at all").hexdigest()
    validate(rep.to_dict())
    with pytest.raises(cardiokit.ReadError):
        cardiokit.analyze(bad)
    with pytest.raises(InvalidArgumentError):
        cardiokit.analyze(42)


def test_timings_are_reported_per_stage():
    t = ludb(1).timing_ms
    assert {"quality", "clean", "beats", "delineate", "measure", "statements", "total"} <= set(t)
    assert all(v >= 0 for v in t.values())
