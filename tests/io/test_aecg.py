"""HL7 aECG reader/writer: the FDA minimal file, the Mortara ELI250 example (rhythm and
representative beat), annotations, derived limb leads, round trips, damaged XML."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

import cardiokit
from cardiokit import (
    Channel,
    CorruptFileError,
    InvalidArgumentError,
    MissingOptionError,
    Recording,
    UnknownFormatError,
    WriteError,
)
from cardiokit.io import detect_format
from cardiokit.io.aecg import _sniff, read_aecg

from ..conftest import shared_path

FILE_ORDER = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6", "III", "aVR", "aVL", "aVF")


def _mortara() -> Path:
    return shared_path("ecg_formats", "aecg", "ecg-kit_ecg_hl7.xml")


def _first_digits(text: str, code: str, occurrence: int = 0) -> np.ndarray:
    """Digits of the ``occurrence``-th sequence coded ``code`` (independent regex parse)."""
    pat = rf'code="{code}".*?<digits>([^<]*)</digits>'
    return np.array(re.findall(pat, text, flags=re.S)[occurrence].split(), dtype=float)


def test_minimum_file_one_lead():
    path = shared_path("ecg_formats", "aecg", "minimum_aecg.xml")
    assert detect_format(path).name == "aecg"  # a leading XML comment does not hide the root
    rec = cardiokit.read(path)
    assert rec.channel_names == ("II",) and rec.fs == pytest.approx(500.0)
    digits = [-2, -2, -2, -2, -3, -4, -3, -5, -5, -4, -6, -9, -9]
    np.testing.assert_allclose(rec.signals[:, 0], np.array(digits) * 2.5e-3, atol=1e-7)
    assert rec.meta["subject"]["id"] == "SBJ-123"
    assert rec.start == datetime(2002, 11, 22, 9, 10, 0)
    assert rec.annotations == ()


def test_mortara_rhythm_series_values_and_metadata():
    path = _mortara()
    text = path.read_text()
    rec = cardiokit.read(path)
    assert rec.channel_names == FILE_ORDER
    assert rec.fs == pytest.approx(500.0) and rec.n_samples == 5000  # 10 s at 2 ms
    assert all(c.kind == "ecg" and c.unit == "mV" for c in rec.channels)
    for k, lead in enumerate(("I", "II", "V1", "AVF")):
        ref = _first_digits(text, f"MDC_ECG_LEAD_{lead}") * 2.5e-3  # origin 0, scale 2.5 uV
        np.testing.assert_allclose(rec.signals[:, rec.channel_index(FILE_ORDER[k] if k < 3 else "aVF")], ref, atol=1e-7)
    # stored limb leads obey Einthoven/Goldberger up to the 2.5 uV quantisation
    s = rec.signals.astype(np.float64)
    i, ii = s[:, 0], s[:, 1]
    assert np.abs(s[:, rec.channel_index("III")] - (ii - i)).max() <= 2.5e-3
    assert np.abs(s[:, rec.channel_index("aVR")] + (i + ii) / 2).max() <= 2.5e-3
    assert -2.0 < s.min() < -1.0 and 0.5 < s.max() < 1.5  # V2 S wave about -1.9 mV
    m = rec.meta
    assert dict(m["subject"]) == {"id": "SBJ-123", "sex": "M", "birth_date": "19530508", "age_years": 46.0}
    assert dict(m["device"]) == {"model": "ELI250", "software": "5.3", "manufacturer": "Mortara Instrument, Inc."}
    assert dict(m["device_measurements"]) == {"p_duration_ms": 102, "pr_ms": 148, "qrs_ms": 120, "qt_ms": 420,
                                              "qtc_ms": 443, "p_axis_deg": 44, "qrs_axis_deg": -61,
                                              "t_axis_deg": 86}  # fmt: skip
    assert m["device_statements"] == ("Sinus Rhythm",)
    assert m["available_series"] == ("REPRESENTATIVE_BEAT", "RHYTHM")
    assert rec.start == datetime(2002, 11, 22, 9, 10, 0)


def test_mortara_wave_and_beat_annotations():
    rec = cardiokit.read(_mortara())
    waves = rec.annotation("aecg")
    first = list(zip(waves.sample[:6], waves.symbol[:6], waves.aux[:6], strict=True))
    # P 122-224 ms, QRS 270-390 ms, R peak (lead I) 332 ms, T end 690 ms at 500 Hz
    assert first == [(61, "(", "P"), (112, ")", "P"), (135, "(", "QRS"), (166, "N", "R peak"),
                     (195, ")", "QRS"), (345, ")", "T")]  # fmt: skip
    assert waves.counts()["N"] == 4  # four annotated R peaks
    qrst = waves.take(np.array([a == "QRST" for a in waves.aux]))
    assert len(qrst) and set(qrst.chan.tolist()) == {rec.channel_index("II")}
    beats = rec.annotation("aecg_beats")
    assert len(beats) == 12 and set(beats.symbol) == {"N"}
    assert beats.sample[0] == 135  # beats sit at their QRS onset
    rr_s = np.diff(beats.sample) / rec.fs
    assert 0.75 < rr_s.mean() < 0.95  # about 70 bpm


def test_representative_beat_series():
    rec = cardiokit.read(_mortara(), series="representative")
    blocks = re.findall(r"<digits>([^<]*)</digits>", _mortara().read_text())
    assert len(blocks) == 24  # 12 rhythm + 12 representative-beat leads
    rep_i = np.array(blocks[12].split(), dtype=float) * 2.5e-3
    assert rec.n_samples == rep_i.size == 599 and rec.n_channels == 12  # 1.2 s beat at 500 Hz
    np.testing.assert_allclose(rec.signals[:, 0], rep_i, atol=1e-7)
    assert rec.meta["series"] == "representative"
    ann = rec.annotation("aecg")
    # P 286-388 ms, QRS 434-554 ms, T end 854 ms (TIME_RELATIVE)
    assert ann.sample.tolist() == [143, 194, 217, 277, 427]
    with pytest.raises(InvalidArgumentError, match="rhythm, representative"):
        cardiokit.read(_mortara(), series="median")
    with pytest.raises(InvalidArgumentError, match="accepted options"):
        cardiokit.read(_mortara(), lead="II")


def test_derived_limb_leads_when_missing(tmp_path: Path):
    text = _mortara().read_text()
    drop = re.sub(r'<component>\s*<sequence>\s*<code code="MDC_ECG_LEAD_(III|AVR|AVL|AVF)".*?</component>',
                  "", text, flags=re.S)  # fmt: skip
    p = tmp_path / "eight.xml"
    p.write_text(drop)
    eight = cardiokit.read(p)
    assert eight.channel_names == FILE_ORDER[:8] and "derived_leads" not in eight.meta
    full = cardiokit.read(_mortara())
    rec = cardiokit.read(p, derive_limb_leads=True)
    assert rec.channel_names == FILE_ORDER and rec.meta["derived_leads"] == ("III", "aVR", "aVL", "aVF")
    for lead in ("III", "aVR", "aVL", "aVF"):
        diff = rec.signals[:, rec.channel_index(lead)] - full.signals[:, full.channel_index(lead)]
        assert np.abs(diff).max() <= 1.25e-3 + 1e-6  # device stored them rounded to 2.5 uV steps
    # already complete: nothing is derived
    assert "derived_leads" not in cardiokit.read(_mortara(), derive_limb_leads=True).meta


def test_round_trip_real_file_and_arbitrary_leads(tmp_path: Path):
    rec = cardiokit.read(_mortara())
    out = cardiokit.write(rec, tmp_path / "copy.xml")
    assert _sniff(out[0].read_bytes()[:4096], out[0])
    back = cardiokit.read(out[0])
    assert back.channel_names == rec.channel_names and back.n_samples == 5000
    assert back.fs == pytest.approx(rec.fs, rel=1e-9)
    np.testing.assert_allclose(back.signals, rec.signals, atol=5e-4 + 1e-7)  # scale 1 uV
    assert back.start == rec.start and back.meta["subject"]["sex"] == "M"
    assert back.meta["subject"]["age_years"] == 46.0
    names = ("ECG1", "V4R", "aVL")
    sig = np.random.default_rng(3).normal(0, 0.8, (1234, 3)).astype(np.float32)
    odd = Recording(sig, 257.0, tuple(Channel(n, "ecg", "uV" if n == "V4R" else "mV") for n in names))
    cardiokit.write(odd, tmp_path / "odd.xml", scale_uv=0.5)
    back = cardiokit.read(tmp_path / "odd.xml")
    assert back.channel_names == names and back.fs == pytest.approx(257.0, rel=1e-9)
    expected = sig.astype(np.float64) * np.array([1.0, 1e-3, 1.0])
    np.testing.assert_allclose(back.signals, expected, atol=2.5e-4 + 1e-6)


def test_writer_errors(tmp_path: Path):
    ppg = Recording(np.zeros((10, 1), np.float32), 100.0, (Channel("PLETH", "ppg", "a.u."),))
    with pytest.raises(WriteError, match="ECG leads only"):
        cardiokit.write(ppg, tmp_path / "p.xml", format="aecg")
    ecg = Recording(np.zeros((10, 1), np.float32), 100.0, (Channel("II", "ecg", "mmHg"),))
    with pytest.raises(WriteError, match="not a voltage"):
        cardiokit.write(ecg, tmp_path / "q.xml", format="aecg")
    with pytest.raises(InvalidArgumentError, match="scale_uv"):
        cardiokit.write(ppg.replace(channels=(Channel("II", "ecg", "mV"),)), tmp_path / "r.xml", scale_uv=0)


@pytest.mark.parametrize(
    ("name", "edit", "error", "match"),
    [
        ("cut", lambda t: t[: len(t) // 2], CorruptFileError, "not well-formed"),
        ("no_digits", lambda t: re.sub(r"<digits>[^<]*</digits>", "<digits></digits>", t, count=1),
         CorruptFileError, "lead I: missing or empty <digits>"),
        ("junk_digits", lambda t: t.replace("<digits>-2 -2", "<digits>-2 x2", 1), CorruptFileError, "other than numbers"),
        ("mismatch", lambda t: re.sub(r"(<digits>[^<]*?) -13</digits>", r"\1</digits>", t, count=1),
         CorruptFileError, "I=4999, II=5000"),
        ("unit", lambda t: t.replace('<scale value="2.5" unit="uV"/>', '<scale value="2.5" unit="mmHg"/>', 1),
         CorruptFileError, "unknown scale unit 'mmHg'"),
        ("no_scale", lambda t: t.replace('<scale value="2.5" unit="uV"/>', "", 1), CorruptFileError, "without <scale>"),
        ("no_increment", lambda t: t.replace('<increment value="0.002" unit="s"/>', "", 1),
         CorruptFileError, "without <increment>"),
        ("no_rhythm", lambda t: t.replace('code="RHYTHM"', 'code="OTHER"'), MissingOptionError, "series='representative'"),
        ("entities", lambda t: '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><AnnotatedECG>&e;</AnnotatedECG>',
         CorruptFileError, "forbidden"),
        ("other_root", lambda t: "<RestingECG><Waveform/></RestingECG>", UnknownFormatError, "not an HL7"),
    ],
)
def test_malformed_documents_raise_project_errors(name, edit, error, match, tmp_path: Path):
    p = tmp_path / f"{name}.xml"
    p.write_text(edit(_mortara().read_text()))
    with pytest.raises(error, match=re.escape(match)):
        read_aecg(p)


def test_sniffer_claims_only_annotated_ecg_roots():
    assert _sniff(b'<?xml version="1.0"?>\n<!-- c -->\n<hl7:AnnotatedECG xmlns:hl7="urn:hl7-org:v3">', Path("x"))
    assert _sniff("<AnnotatedECG/>".encode("utf-16"), Path("x"))
    for head in (b'<?xml version="1.0"?><RestingECG>', b"<restingecgdata xmlns='x'>", b"<AnnotatedECGs>",
                 b"<x><AnnotatedECG/></x>", b"", b"<!-- unterminated"):  # fmt: skip
        assert not _sniff(head, Path("x")), head
    for rel in ("muse/SYNTHETIC_muse_from_ecg2dcm.xml", "sierra/129DYPRG.XML", "other_xml/schiller_at10p_sample.xml"):
        p = shared_path("ecg_formats", *rel.split("/"))
        assert not _sniff(p.read_bytes()[:4096], p), rel
