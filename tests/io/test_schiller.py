"""Schiller EDI XML reader on the shared AT-10P sample and damaged variants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import cardiokit
from cardiokit import CardiokitError, CorruptFileError, InvalidArgumentError
from cardiokit.io import detect_format
from cardiokit.io.schiller import read as read_schiller

from ..conftest import shared_path


@pytest.fixture(scope="module")
def sample() -> Path:
    return shared_path("ecg_formats", "other_xml", "schiller_at10p_sample.xml")


def test_rhythm_strip_leads_rate_and_values(sample: Path):
    assert detect_format(sample).name == "schiller"
    rec = cardiokit.read(sample)
    assert rec.channel_names == ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
    assert rec.fs == 500 and rec.n_samples == 5000
    assert rec.meta["device"] == "Schiller AT-10P"
    # the first samples of lead I in the file are 35,25,25 uV at 1 uV/bit -> mV
    med = cardiokit.read(sample, series="median")
    np.testing.assert_allclose(med.signals[:3, 0], [0.035, 0.025, 0.025], atol=1e-7)
    assert med.n_samples == 500
    # Einthoven's law holds within the device's rounding (a few uV)
    err = rec.signals[:, 1] - rec.signals[:, 0] - rec.signals[:, 2]
    assert np.percentile(np.abs(err), 99) < 0.011


def test_device_measurements_and_beat_delineation(sample: Path):
    rec = cardiokit.read(sample)
    dm = rec.meta["device_measurements"]
    assert dm == {
        "heart_rate_bpm": 69, "rr_ms": 869, "p_duration_ms": 108, "pr_ms": 174, "qrs_ms": 94,
        "qt_ms": 370, "qtc_ms": 397, "p_axis_deg": 42, "qrs_axis_deg": 0, "t_axis_deg": 3,
    }
    ann = rec.annotation("schiller")
    qrs_on = ann.sample[[s == "(" and a == "N" for s, a in zip(ann.symbol, ann.aux, strict=True)]]
    assert list(qrs_on[:4]) == [353, 760, 1163, 1566]
    # the device's mean RR agrees with its beat-by-beat QRS onsets
    assert np.median(np.diff(qrs_on)) * 2 == pytest.approx(869, abs=60)


def test_options_are_checked(sample: Path):
    with pytest.raises(InvalidArgumentError, match="rhythm, median"):
        cardiokit.read(sample, series="beats")
    with pytest.raises(InvalidArgumentError, match="accepted options: series"):
        cardiokit.read(sample, lead="I")


@pytest.mark.parametrize(
    ("old", "new", "series", "match"),
    [
        ("<samplecount>5000</samplecount>", "<samplecount>4000</samplecount>", "rhythm", "samplecount"),
        ("<units>UV</units>", "<units>FURLONG</units>", "median", "amplitude unit"),
        ("<value>500</value>", "<value>-1</value>", "median", "samplerate"),
        ("35,25,25", "35,x5,25", "median", "non-integer"),
        ("<type>ECG_RHYTHMS</type>", "<type>ECG_OTHER</type>", "rhythm", "no ECG_RHYTHMS"),
    ],
)
def test_damaged_variants_raise_project_errors(
    sample: Path, tmp_path: Path, old: str, new: str, series: str, match: str
):
    text = sample.read_text()
    bad = tmp_path / "bad.xml"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(CorruptFileError, match=match):
        read_schiller(bad, series=series)


def test_cut_file_is_a_project_error(sample: Path, tmp_path: Path):
    raw = sample.read_bytes()
    for frac in (0.1, 0.5, 0.9):
        cut = tmp_path / f"cut{frac}.xml"
        cut.write_bytes(raw[: int(len(raw) * frac)])
        with pytest.raises(CardiokitError):
            read_schiller(cut)
