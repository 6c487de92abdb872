"""DICOM waveform reader/writer: real files (GE MAC Hemodynamic object, pydicom's 12-lead
example), round trips, and damaged or non-waveform DICOM raising project errors."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

import cardiokit
from cardiokit import (
    CardiokitError,
    Channel,
    CorruptFileError,
    InvalidArgumentError,
    Recording,
    UnknownFormatError,
    WriteError,
)
from cardiokit.io import detect_format
from cardiokit.io.dicom import SOP_12LEAD, SOP_AMBULATORY, SOP_GENERAL, read_dicom

from ..conftest import shared_path

TWELVE = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")


@pytest.fixture(scope="module")
def pydicom_example() -> Path:
    p = get_testdata_file("waveform_ecg.dcm")
    if p is None:
        pytest.skip("pydicom test data waveform_ecg.dcm not installed")
    return Path(p)


def test_ge_mac_hemodynamic_object_reads_12_leads_in_mv():
    path = shared_path("ecg_formats", "dicom", "test_ecg_ge_mac.dcm")
    assert detect_format(path).name == "dicom"
    rec = cardiokit.read(path)
    assert rec.fs == 240.0
    assert rec.n_samples == 2400 and rec.channel_names == TWELVE
    assert all(c.kind == "ecg" and c.unit == "mV" for c in rec.channels)
    # independent decoding by pydicom: units already mV, sensitivity 0.00122 mV
    ref = pydicom.dcmread(path).waveform_array(0)
    np.testing.assert_allclose(rec.signals, ref, atol=1e-6)
    assert rec.signals[:, 0].min() == pytest.approx(-0.47824, abs=1e-5)
    assert rec.signals[:, 0].max() == pytest.approx(1.54208, abs=1e-5)
    # Einthoven: III = II - I holds on the stored leads up to rounding of the device
    s = rec.signals.astype(np.float64)
    assert np.abs(s[:, 2] - (s[:, 1] - s[:, 0])).max() < 0.01
    m = rec.meta
    assert m["format"] == "dicom" and m["source"] == str(path)
    assert m["sop_class"] == "Hemodynamic Waveform Storage"
    assert dict(m["subject"]) == {"id": "123-654", "age_years": 55.0, "sex": "M", "height_cm": 177.0,
                                  "weight_kg": 90.0, "birth_date": "19440102"}  # fmt: skip
    assert m["device"]["manufacturer"] == "GE Marquette" and m["device"]["model"] == "MACLB"
    assert dict(m["device_measurements"]) == {"heart_rate_bpm": 69}
    assert rec.start == datetime(1999, 12, 23, 10, 7, 9)


def test_pydicom_example_matches_waveform_array_and_converts_uv(pydicom_example: Path):
    rec = cardiokit.read(pydicom_example)
    ds = pydicom.dcmread(pydicom_example)
    assert ds.WaveformSequence[0].ChannelDefinitionSequence[0].ChannelSensitivityUnitsSequence[0].CodeValue == "uV"
    np.testing.assert_allclose(rec.signals, ds.waveform_array(0) / 1000.0, atol=1e-6)
    assert rec.fs == 1000.0 and rec.n_samples == 10000 and rec.channel_names == TWELVE
    assert rec.meta["sop_class"] == "12-lead ECG Waveform Storage"
    assert rec.meta["group_label"] == "RHYTHM" and rec.meta["groups"] == ("RHYTHM", "MEDIAN BEAT")
    assert rec.meta["subject"]["sex"] == "F" and rec.meta["subject"]["age_years"] == 42.0
    assert rec.meta["device_statements"] == ("RITMO SINUSALE", "ECG NORMALE")
    assert dict(rec.meta["device_measurements"]) == {"rr_ms": 982, "pr_ms": 161, "qrs_ms": 75, "qt_ms": 368,
                                                     "qtc_ms": 370, "p_axis_deg": 74, "qrs_axis_deg": 52,
                                                     "t_axis_deg": 57}  # fmt: skip
    ann = rec.annotation("dicom")
    # first P onset is at 1-based sample 299 (annotation group 2) -> index 298
    p_on = [s for s, a in zip(ann.sample, ann.aux, strict=True) if a == "P Onset"]
    assert p_on[:2] == [298, 324]
    assert ann.counts()["Q"] == 11  # fiducial points


def test_group_option_by_label_and_index(pydicom_example: Path):
    median = cardiokit.read(pydicom_example, group="median beat")
    assert median.n_samples == 1200 and median.meta["group"] == 1
    np.testing.assert_allclose(median.signals, pydicom.dcmread(pydicom_example).waveform_array(1) / 1000, atol=1e-6)
    assert cardiokit.read(pydicom_example, group=1) == median
    with pytest.raises(InvalidArgumentError, match="RHYTHM"):
        cardiokit.read(pydicom_example, group="nope")
    with pytest.raises(InvalidArgumentError, match="out of range"):
        cardiokit.read(pydicom_example, group=2)
    with pytest.raises(InvalidArgumentError, match="accepted options: group"):
        cardiokit.read(pydicom_example, lead="II")


def test_round_trip_of_real_12_lead_file(pydicom_example: Path, tmp_path: Path):
    rec = cardiokit.read(pydicom_example)
    out = cardiokit.write(rec, tmp_path / "copy.dcm")
    assert out == [tmp_path / "copy.dcm"]
    ds = pydicom.dcmread(out[0])
    assert ds.SOPClassUID == SOP_12LEAD and ds.file_meta.MediaStorageSOPClassUID == SOP_12LEAD
    assert ds.Modality == "ECG" and ds.StudyInstanceUID != ds.SeriesInstanceUID
    grp = ds.WaveformSequence[0]
    assert grp.WaveformSampleInterpretation == "SS" and grp.WaveformBitsAllocated == 16
    src = grp.ChannelDefinitionSequence[6].ChannelSourceSequence[0]
    assert (src.CodeValue, src.CodingSchemeDesignator, src.CodeMeaning) == ("5.6.3-9-3", "SCPECG", "Lead V1")
    units = grp.ChannelDefinitionSequence[0].ChannelSensitivityUnitsSequence[0].CodeValue
    assert units == "uV"
    back = cardiokit.read(out[0])
    sens_mv = float(grp.ChannelDefinitionSequence[0].ChannelSensitivity) / 1000
    assert back.channel_names == TWELVE and back.fs == rec.fs and back.n_samples == rec.n_samples
    np.testing.assert_allclose(back.signals, rec.signals, atol=sens_mv / 2 + 1e-7)
    # pydicom decodes our file to the same values
    np.testing.assert_allclose(ds.waveform_array(0) / 1000, back.signals, atol=1e-6)
    assert back.meta["subject"]["id"] == "642341" and back.meta["subject"]["sex"] == "F"
    assert back.start == rec.start


@pytest.mark.parametrize(
    ("names", "fs", "sop"),
    [(("I", "II", "ECG3"), 500.0, SOP_GENERAL), (("II",), 128.0, SOP_AMBULATORY), (TWELVE, 250.0, SOP_12LEAD)],
)
def test_writer_picks_sop_class_and_round_trips(names, fs, sop, tmp_path: Path):
    n = int(fs * 3)
    t = np.arange(n) / fs
    sig = np.stack([np.sin(2 * np.pi * (1 + k) * t) * (0.5 + 0.1 * k) for k in range(len(names))], axis=1)
    rec = Recording(sig.astype(np.float32), fs, tuple(Channel(nm, "ecg", "mV") for nm in names))
    path = tmp_path / "x.dcm"
    cardiokit.write(rec, path)
    assert pydicom.dcmread(path).SOPClassUID == sop
    back = cardiokit.read(path)
    assert back.channel_names == names and back.fs == fs
    np.testing.assert_allclose(back.signals, rec.signals, atol=2.5e-4)


def test_writer_rejects_what_dicom_ecg_cannot_hold(tmp_path: Path):
    ppg = Recording(np.zeros((1000, 1), np.float32), 100.0, (Channel("PLETH", "ppg", "a.u."),))
    with pytest.raises(WriteError, match="ECG channels only"):
        cardiokit.write(ppg, tmp_path / "p.dcm")
    slow = Recording(np.zeros((100, 1), np.float32), 25.0, (Channel("II", "ecg", "mV"),))
    with pytest.raises(WriteError, match="50-1000 Hz"):
        cardiokit.write(slow, tmp_path / "s.dcm")
    huge = Recording(np.full((500, 1), 1e6, np.float32), 500.0, (Channel("II", "ecg", "mV"),))
    with pytest.raises(WriteError, match="too large"):
        cardiokit.write(huge, tmp_path / "h.dcm")
    assert not list(tmp_path.iterdir())


def test_truncated_and_damaged_files_raise_project_errors(pydicom_example: Path, tmp_path: Path):
    raw = pydicom_example.read_bytes()
    for frac in (0.0, 0.001, 0.05, 0.5, 0.9, 0.999):
        p = tmp_path / f"cut{frac}.dcm"
        p.write_bytes(raw[: int(len(raw) * frac)])
        with pytest.raises(CorruptFileError):
            read_dicom(p)
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"\0" * 128 + b"DICM" + bytes(range(256)) * 4)
    with pytest.raises(CardiokitError):
        read_dicom(junk)


def test_non_waveform_dicom_and_missing_waveform_sequence(pydicom_example: Path, tmp_path: Path):
    ct = get_testdata_file("CT_small.dcm")
    if ct is None:
        pytest.skip("pydicom test image CT_small.dcm not installed")
    img = tmp_path / "ct.dcm"
    shutil.copy(ct, img)
    with pytest.raises(UnknownFormatError, match="CT Image Storage object is not a waveform"):
        cardiokit.read(img)
    ds = pydicom.dcmread(pydicom_example)
    del ds.WaveformSequence
    nowave = tmp_path / "nowave.dcm"
    ds.save_as(nowave)
    with pytest.raises(CorruptFileError, match="no WaveformSequence"):
        cardiokit.read(nowave)
    ds = pydicom.dcmread(pydicom_example)
    ds.WaveformSequence[0].WaveformData = ds.WaveformSequence[0].WaveformData[:1000]
    short = tmp_path / "short.dcm"
    ds.save_as(short)
    with pytest.raises(CorruptFileError, match="WaveformData holds 1000 bytes"):
        cardiokit.read(short)


def test_sensitivity_correction_and_baseline_follow_ps3_3(pydicom_example: Path, tmp_path: Path):
    ds = pydicom.dcmread(pydicom_example)
    ch = ds.WaveformSequence[0].ChannelDefinitionSequence[1]
    ch.ChannelSensitivityCorrectionFactor = "2"
    ch.ChannelBaseline = "100"  # uV, added after scaling
    p = tmp_path / "mod.dcm"
    ds.save_as(p)
    base = cardiokit.read(pydicom_example)
    mod = cardiokit.read(p)
    np.testing.assert_allclose(mod.signals[:, 1], base.signals[:, 1] * 2 + 0.1, atol=1e-5)
    np.testing.assert_allclose(mod.signals[:, 1], pydicom.dcmread(p).waveform_array(0)[:, 1] / 1000, atol=1e-5)


def test_convert_aecg_to_dicom_keeps_values_and_subject(tmp_path: Path):
    src = cardiokit.read(shared_path("ecg_formats", "aecg", "ecg-kit_ecg_hl7.xml"))
    cardiokit.write(src, tmp_path / "from_aecg.dcm")
    ds = pydicom.dcmread(tmp_path / "from_aecg.dcm")
    assert ds.SOPClassUID == SOP_12LEAD and ds.PatientBirthDate == "19530508" and ds.PatientAge == "046Y"
    back = cardiokit.read(tmp_path / "from_aecg.dcm")
    assert back.channel_names == src.channel_names and back.fs == 500.0
    np.testing.assert_allclose(back.signals, src.signals, atol=2.5e-4 + 1e-7)
