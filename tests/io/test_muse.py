"""GE MUSE XML reader: the shared synthetic MUSE file and hand-built documents."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pytest

import cardiokit
from cardiokit._core.errors import CardiokitError, CorruptFileError, InvalidArgumentError
from cardiokit.io import detect_format
from tests.conftest import shared_path

MUSE = ("ecg_formats", "muse", "SYNTHETIC_muse_from_ecg2dcm.xml")


def test_real_file_rhythm() -> None:
    rec = cardiokit.read(shared_path(*MUSE))
    assert rec.meta["format"] == "muse"
    assert rec.channel_names == ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
    assert rec.fs == 500 and rec.n_samples == 5000
    assert all(c.unit == "mV" and c.kind == "ecg" for c in rec.channels)
    assert rec.meta["derived_leads"] == ["III", "aVR", "aVL", "aVF"]
    s = {n: rec.signals[:, i].astype(np.float64) for i, n in enumerate(rec.channel_names)}
    assert np.allclose(s["III"], s["II"] - s["I"], atol=1e-5)
    assert np.allclose(s["aVR"], -(s["I"] + s["II"]) / 2, atol=1e-5)
    assert np.allclose(s["aVF"], s["II"] - s["I"] / 2, atol=1e-5)
    peak = np.abs(rec.signals).max(axis=0)
    assert np.all(peak < 5) and peak[1] > 0.5  # lead II has mV-sized R waves
    assert str(rec.start) == "2025-08-17 09:15:11"
    assert rec.meta["device"] == "MAC55"
    assert dict(rec.meta["subject"]) == {"id": "SYNTH0001", "age_years": 45.0, "sex": "M"}


def test_real_file_measurements_and_statements() -> None:
    rec = cardiokit.read(shared_path(*MUSE))
    m = dict(rec.meta["device_measurements"])
    assert m["heart_rate_bpm"] == 72 and m["pr_ms"] == 144 and m["qrs_ms"] == 86
    assert m["qt_ms"] == 402 and m["qtc_ms"] == 440
    assert (m["p_axis_deg"], m["qrs_axis_deg"], m["t_axis_deg"]) == (60, 45, 40)
    assert list(rec.meta["device_statements"]) == ["Sinus rhythm (synthetic example)"]


def test_real_file_median_and_first_sample_scaling() -> None:
    path = shared_path(*MUSE)
    rec = cardiokit.read(path, series="median")
    assert rec.n_samples == 600 and rec.n_channels == 12
    # first stored sample of lead I, straight from the XML: counts * 4.88 uV
    text = path.read_text(encoding="latin-1")
    wf = text.split("<WaveformType>Median</WaveformType>")[1]
    b64 = wf.split("<WaveFormData>")[1].split("</WaveFormData>")[0]
    counts = np.frombuffer(base64.b64decode("".join(b64.split())), "<i2")
    assert np.allclose(rec.signals[:, 0], counts * 4.88e-3, atol=1e-6)


def _lead(name: str, values: np.ndarray, *, per_bit: str = "4.88", units: str = "MICROVOLTS",
          offset: int = 0, count: int | None = None) -> str:  # fmt: skip
    b64 = base64.b64encode(np.asarray(values, "<i2").tobytes()).decode()
    return (
        f"<LeadData><LeadSampleCountTotal>{len(values) if count is None else count}</LeadSampleCountTotal>"
        f"<LeadAmplitudeUnitsPerBit>{per_bit}</LeadAmplitudeUnitsPerBit>"
        f"<LeadAmplitudeUnits>{units}</LeadAmplitudeUnits><LeadID>{name}</LeadID>"
        f"<LeadOffsetFirstSample>{offset}</LeadOffsetFirstSample><LeadSampleSize>2</LeadSampleSize>"
        f"<WaveFormData>{b64[:40]}\n{b64[40:]}</WaveFormData></LeadData>"
    )


def _doc(leads: str, *, base: int = 25, exponent: int = 1, extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<!DOCTYPE RestingECG SYSTEM "restecg.dtd">\n'
        "<RestingECG><PatientDemographics><PatientID>P7</PatientID><PatientAge>30</PatientAge>"
        "<AgeUnits>MONTHS</AgeUnits><Gender>FEMALE</Gender><HeightCM>160</HeightCM><WeightKG>55</WeightKG>"
        "</PatientDemographics><RestingECGMeasurements><VentricularRate>61</VentricularRate>"
        "<QTCorrected>Failed</QTCorrected></RestingECGMeasurements>"
        "<Diagnosis><DiagnosisStatement><StmtText>Sinus</StmtText><StmtText>rhythm</StmtText>"
        "</DiagnosisStatement><DiagnosisStatement><StmtText>Normal ECG</StmtText></DiagnosisStatement></Diagnosis>"
        f"{extra}<Waveform><WaveformType>Rhythm</WaveformType><SampleBase>{base}</SampleBase>"
        f"<SampleExponent>{exponent}</SampleExponent>{leads}</Waveform></RestingECG>"
    )


def test_hand_built_document(tmp_path: Path) -> None:
    i = np.array([0, 100, 200, -300], np.int16)
    ii = np.array([10, 20, 30, 40], np.int16)
    v1 = np.array([1, 2, 3], np.int16)
    leads = _lead("I", i) + _lead("II", ii, per_bit="0.005", units="MILLIVOLTS") + _lead("V1", v1, offset=1)
    p = tmp_path / "muse_export.xml"
    p.write_text(_doc(leads), encoding="latin-1")
    assert detect_format(p).name == "muse"
    rec = cardiokit.read(p)
    assert rec.fs == 250 and rec.n_samples == 4
    assert rec.channel_names == ("I", "II", "III", "aVR", "aVL", "aVF", "V1")
    np.testing.assert_allclose(rec.signals[:, 0], i * 4.88e-3, rtol=1e-6)
    np.testing.assert_allclose(rec.signals[:, 1], ii * 0.005, rtol=1e-6)
    np.testing.assert_allclose(rec.signals[:, 6], [0, 1 * 4.88e-3, 2 * 4.88e-3, 3 * 4.88e-3], rtol=1e-6)
    np.testing.assert_allclose(rec.signals[:, 2], ii * 0.005 - i * 4.88e-3, atol=1e-6)
    assert dict(rec.meta["subject"]) == {"id": "P7", "age_years": 2.5, "sex": "F", "height_cm": 160.0,
                                         "weight_kg": 55.0}  # fmt: skip
    assert dict(rec.meta["device_measurements"]) == {"heart_rate_bpm": 61}
    assert list(rec.meta["device_statements"]) == ["Sinus rhythm", "Normal ECG"]


def test_twelve_stored_leads_are_not_derived(tmp_path: Path) -> None:
    names = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
    leads = "".join(_lead(n, np.full(5, k, np.int16)) for k, n in enumerate(names))
    p = tmp_path / "m.xml"
    p.write_text(_doc(leads))
    rec = cardiokit.read(p)
    assert list(rec.meta["derived_leads"]) == []
    np.testing.assert_allclose(rec.signals[0], np.arange(12) * 4.88e-3, rtol=1e-6)


@pytest.mark.parametrize(
    "leads, kw",
    [
        (_lead("I", np.arange(4), count=5), {}),  # sample count mismatch
        (_lead("I", np.arange(4)).replace("<LeadID>I</LeadID>", ""), {}),
        (_lead("I", np.arange(4)).replace("<WaveFormData>", "<WaveFormData>@@"), {}),
        (_lead("I", np.arange(4), units="FURLONGS"), {}),
        (_lead("I", np.arange(4), per_bit="-1"), {}),
        ("", {}),
        (_lead("I", np.arange(4)), {"base": 0}),
    ],
)
def test_malformed_documents_raise_corrupt(tmp_path: Path, leads: str, kw: dict) -> None:
    p = tmp_path / "bad.xml"
    p.write_text(_doc(leads, **kw))
    with pytest.raises(CorruptFileError):
        cardiokit.read(p)


def test_options_are_checked(tmp_path: Path) -> None:
    p = tmp_path / "m.xml"
    p.write_text(_doc(_lead("I", np.arange(4))))
    with pytest.raises(InvalidArgumentError, match="rhythm, median"):
        cardiokit.read(p, series="beat")
    with pytest.raises(InvalidArgumentError, match="series"):
        cardiokit.read(p, bogus=1)
    with pytest.raises(CorruptFileError, match="rhythm"):
        cardiokit.read(p, series="median")


def test_truncated_and_damaged_real_file_raise_project_errors(tmp_path: Path) -> None:
    data = shared_path(*MUSE).read_bytes()
    rng = np.random.default_rng(0)
    variants = [data[:n] for n in (0, 100, len(data) // 3, len(data) - 20)]
    for _ in range(4):
        b = bytearray(data)
        for pos in rng.integers(0, len(b), 30):
            b[pos] = int(rng.integers(0, 256))
        variants.append(bytes(b))
    for k, v in enumerate(variants):
        p = tmp_path / f"v{k}.xml"
        p.write_bytes(v)
        try:
            cardiokit.read(p, format="muse")
        except CardiokitError:
            pass
