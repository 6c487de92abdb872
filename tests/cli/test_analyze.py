"""`cardiokit analyze`: JSON lines, unreadable inputs, --meta, --store, --fhir, --out."""

from __future__ import annotations

import json
import sys

import pytest

from cardiokit.cli import main
from cardiokit.cli.analyze import parse_meta
from cardiokit.report.schema import validate
from tests.conftest import shared_path


def run_cli(monkeypatch, *args: str) -> int:
    """Run the real entry point in-process; returns its exit code."""
    monkeypatch.setattr(sys, "argv", ["cardiokit", *map(str, args)])
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.fixture
def ludb():
    return lambda n: shared_path("ludb", "data", f"{n}.hea").with_suffix("")


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CARDIOKIT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_several_files_one_unreadable(monkeypatch, tmp_path, capsys, ludb, data_dir):
    bad = tmp_path / "broken.edf"
    bad.write_bytes(b"0       this is not an EDF header")
    missing = tmp_path / "missing.dat"
    out = tmp_path / "out.jsonl"
    code = run_cli(monkeypatch, "analyze", ludb(1), bad, missing, ludb(2), "--json", out,
                   "--fhir", tmp_path / "fhir", "--meta", "age_years=52", "--meta", "sex=M")
    assert code == 1
    err = capsys.readouterr().err
    assert "broken.edf" in err and "missing.dat" in err and "2 of 4" in err
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [d["source"] for d in lines] == [str(ludb(1)), str(bad), str(missing), str(ludb(2))]
    for d in lines:
        validate(d)
    ok1, bad1, miss, ok2 = lines
    assert bad1["recording"] is None and bad1["errors"][0]["stage"] == "read"
    assert miss["errors"][0]["type"] == "MissingFileError"
    assert ok2["errors"] == [] and ok2["measurements"]["heart_rate_bpm"] > 30
    assert ok1["recording"]["subject"] == {"age_years": 52.0, "sex": "M"}  # --meta over the header's F, 51
    assert ok1["statements"][0]["key"] == "sinus_bradycardia"
    assert sorted(p.name for p in (tmp_path / "fhir").iterdir()) == ["1.fhir.json", "2.fhir.json"]
    from cardiokit.store import Store

    with Store(data_dir / "cardiokit.duckdb", read_only=True) as db:  # default store
        assert db.query("SELECT count(*) FROM analyses")[1] == [(2,)]


def test_all_good_exits_zero_and_json_to_stdout(monkeypatch, capsys, ludb, tmp_path):
    code = run_cli(monkeypatch, "analyze", ludb(9), "--json", "-", "--store", tmp_path / "s.duckdb")
    assert code == 0
    out = capsys.readouterr().out
    doc = json.loads(out.strip().splitlines()[-1])
    validate(doc)
    assert doc["source"] == str(ludb(9)) and doc["sha256"]
    assert (tmp_path / "s.duckdb").is_file()


def test_no_store_writes_nothing(monkeypatch, ludb, data_dir):
    assert run_cli(monkeypatch, "analyze", ludb(9), "--no-store") == 0
    assert not data_dir.exists()


@pytest.mark.parametrize(
    ("meta", "message"),
    [("sex=X", "M or F"), ("age_years=-1", "0 to 130"), ("colour=red", "accepted: id"),
     ("age_years", "KEY=VALUE"), ("=5", "KEY=VALUE")],
)
def test_bad_meta_is_a_clear_error(monkeypatch, capsys, ludb, meta, message):
    code = run_cli(monkeypatch, "analyze", ludb(1), "--meta", meta, "--no-store")
    assert code == 2
    assert message in capsys.readouterr().err.replace("\n", " ")


def test_parse_meta():
    assert parse_meta(["age_years=52", "sex=f", "height_cm=170.5", "weight_kg=70", "id=p1"]) == {
        "age_years": 52.0, "sex": "F", "height_cm": 170.5, "weight_kg": 70.0, "id": "p1"}
    assert parse_meta(None) == {}


def test_kind_choices_are_checked(monkeypatch, capsys, ludb):
    assert run_cli(monkeypatch, "analyze", ludb(1), "--kind", "eeg", "--no-store") == 2


def test_kind_and_fs_reach_the_reader(monkeypatch, tmp_path, ludb):
    import numpy as np

    t = np.arange(0, 8, 1 / 50)
    csv = tmp_path / "ppg.csv"
    csv.write_text("\n".join(f"{v:.5f}" for v in np.sin(2 * np.pi * 1.1 * t)))
    out = tmp_path / "o.jsonl"
    code = run_cli(monkeypatch, "analyze", csv, "--fs", "50", "--kind", "ppg", "--json", out, "--no-store")
    doc = json.loads(out.read_text())
    validate(doc)
    assert code == 0, doc["errors"]
    assert doc["recording"]["fs"] == 50.0 and doc["recording"]["kinds"] == ["ppg"]
    # the ECG stages are skipped; the PPG stage measures the 1.1 Hz pulse (66 bpm)
    assert doc["measurements"]["qrs_ms"] is None
    assert doc["measurements"]["heart_rate_bpm"] == pytest.approx(66, abs=2)


def test_out_writes_html_and_pdf(monkeypatch, tmp_path, ludb):
    pytest.importorskip("matplotlib")
    code = run_cli(monkeypatch, "analyze", ludb(1), "--out", tmp_path / "rep", "--no-store")
    assert code == 0
    html = (tmp_path / "rep" / "1.html").read_text()
    assert "<html" in html.lower() and "Sinus bradycardia" in html
    assert (tmp_path / "rep" / "1.pdf").read_bytes()[:5] == b"%PDF-"


def test_unreadable_inputs_say_what_cardiokit_reads(monkeypatch, tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("hello world\n")
    xml = tmp_path / "order.xml"
    xml.write_text("<order><item/></order>")
    truncated = tmp_path / "short.edf"
    truncated.write_bytes(shared_path("ecg_formats", "edf", "cardio_sample_A00001.edf").read_bytes()[:5000])
    for bad in (text, xml):
        assert run_cli(monkeypatch, "analyze", bad, "--no-store") == 1
        err = " ".join(capsys.readouterr().err.split())
        assert bad.name in err and "cardiokit reads:" in err
        assert "EDF" in err and "WFDB" in err and "MUSE" in err and "--fs" in err
    assert run_cli(monkeypatch, "analyze", truncated, "--no-store") == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "short.edf" in err and "header implies" in err and "cardiokit reads:" not in err  # known format, damaged


def test_summary_line_of_ppg_and_video_results():
    from types import SimpleNamespace

    from cardiokit.cli.analyze import _summary_line

    ppg = SimpleNamespace(errors=(), recording=object(), quality=None, statements=(), pcg=None, rppg=None,
                          measurements={"heart_rate_bpm": 94.3, "sbp_mmhg": 126.6, "dbp_mmhg": 70.8})
    assert _summary_line(ppg) == "HR 94 bpm, BP (est.) 127/71 mmHg"
    video = SimpleNamespace(errors=(), recording=object(), quality=None, statements=(), pcg=None,
                            measurements={"heart_rate_bpm": None},
                            rppg={"heart_rate_bpm": 169.6, "snr_db": -6.3, "quality": {"grade": "unusable"}})
    line = _summary_line(video)
    assert "unusable" in line and "no pulse rate reported" in line and "HR" not in line


def test_summary_line_names_the_stretches_left_out():
    from types import SimpleNamespace

    from cardiokit.cli.analyze import _summary_line
    from cardiokit.quality.assess import LeadQuality, SegmentQuality, SignalQuality

    segs = lambda name, grades: tuple(SegmentQuality(name, 5.0 * i, 5.0 * (i + 1), g, None)  # noqa: E731
                                      for i, g in enumerate(grades))
    q = SignalQuality("acceptable", (LeadQuality("ii", "unusable", segments=segs("ii", ["good", "unusable"])),
                                     LeadQuality("avf", "good", segments=segs("avf", ["unusable", "unusable"])),
                                     LeadQuality("V1", "good", segments=segs("V1", ["good", "good"]))))
    rep = SimpleNamespace(errors=(), recording=object(), quality=q, statements=(), pcg=None, rppg=None,
                          measurements={"heart_rate_bpm": 60.0})
    assert _summary_line(rep) == "quality acceptable (II 5-10 s, aVF 0-10 s not measured), HR 60 bpm"
    rep.quality = SignalQuality("good", (LeadQuality("I", "good", segments=segs("I", ["good"])),))
    assert _summary_line(rep) == "quality good, HR 60 bpm"


def test_holter_names_a_bad_file_once_and_what_is_read(monkeypatch, tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("hello world\n")
    assert run_cli(monkeypatch, "holter", text) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert err.count("notes.txt") == 1 and "cardiokit reads:" in err and "1 of 1 input(s) failed" in err


def test_info_on_an_xml_of_no_known_kind_lists_the_formats(monkeypatch, tmp_path, capsys):
    xml = tmp_path / "order.xml"
    xml.write_text("<order><item/></order>")
    assert run_cli(monkeypatch, "info", xml) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "order.xml" in err and "cardiokit reads:" in err and "Schiller" in err


def test_outputs_of_a_wfdb_header_are_named_after_the_record(monkeypatch, tmp_path, ludb):
    pytest.importorskip("matplotlib")
    hea = ludb(1).with_suffix(".hea")
    assert run_cli(monkeypatch, "analyze", hea, "--no-store", "--out", tmp_path / "r", "--fhir", tmp_path / "f") == 0
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["1.html", "1.pdf"]
    assert [p.name for p in (tmp_path / "f").iterdir()] == ["1.fhir.json"]


def test_convention_option_switches_interpretation_thresholds(monkeypatch, tmp_path, ludb) -> None:
    """LUDB record 5 has a frontal QRS axis between -30 and 0 degrees: left axis deviation
    under the LUDB convention only, and the statement names its convention."""
    import json

    rec = ludb(5)
    docs = {}
    for conv in ("aha", "ludb"):
        out = tmp_path / f"{conv}.jsonl"
        assert run_cli(monkeypatch, "analyze", rec, "--json", out, "--no-store", "--convention", conv) in (0, 1)
        docs[conv] = json.loads(out.read_text())
    assert -30 < docs["aha"]["measurements"]["qrs_axis_deg"] < 0
    lad = {c: [s for s in d["statements"] if s["key"] == "left_axis_deviation"] for c, d in docs.items()}
    assert not lad["aha"] and len(lad["ludb"]) == 1
    assert lad["ludb"][0]["criteria"]["convention"] == "ludb"
    assert run_cli(monkeypatch, "analyze", rec, "--no-store", "--convention", "nope") == 2


def test_analyze_rejects_unknown_convention_before_any_work() -> None:
    import cardiokit
    from cardiokit import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="convention"):
        cardiokit.analyze("does-not-exist.hea", convention="esc")
