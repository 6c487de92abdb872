"""EDF/EDF+/BDF reader and writer: real files, hand-built edge cases, round trips."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest
from wfdb.io.convert.edf import read_edf as wfdb_read_edf

import cardiokit
from cardiokit import Annotations, Channel, Recording
from cardiokit.io import detect_format
from cardiokit.io.edf import read_edf_events
from tests.conftest import shared_path


def build_edf(signals, spr, *, record_s=1.0, labels=None, reserved="", tals=None,
              dig=(-32768, 32767), phys=(-10.0, 10.0), n_records_field=None, ann_spr=30):
    """A minimal EDF(+) file written independently of cardiokit's writer (for reader tests).

    ``signals``: list of int arrays (digital values), one per signal, each n_records*spr[i] long.
    ``tals``: per-record annotation bytes (adds an "EDF Annotations" signal).
    """
    n_records = len(signals[0]) // spr[0]
    labels = labels or [f"S{i}" for i in range(len(signals))]
    spr = list(spr)
    if tals is not None:
        labels = [*labels, "EDF Annotations"]
        spr = [*spr, ann_spr]
    ns = len(labels)

    def f(v, w):
        return str(v).encode().ljust(w)[:w]

    head = b"0       " + f("X X X X", 80) + f("Startdate 02-MAR-2002 X X X", 80) + b"02.03.0210.11.12"
    head += f(256 * (ns + 1), 8) + f(reserved, 44)
    head += f(n_records if n_records_field is None else n_records_field, 8) + f(record_s, 8) + f(ns, 4)
    cols = [
        [f(x, 16) for x in labels], [f("", 80)] * ns, [f("mV", 8)] * ns,
        [f(phys[0], 8)] * ns, [f(phys[1], 8)] * ns, [f(dig[0], 8)] * ns, [f(dig[1], 8)] * ns,
        [f("", 80)] * ns, [f(s, 8) for s in spr], [f("", 32)] * ns,
    ]
    head += b"".join(b"".join(c) for c in cols)
    body = b""
    for r in range(n_records):
        for i, s in enumerate(signals):
            body += np.asarray(s[r * spr[i] : (r + 1) * spr[i]], "<i2").tobytes()
        if tals is not None:
            body += tals[r].ljust(ann_spr * 2, b"\0")
    return head + body


def test_cardio_sample_a00001():
    p = shared_path("ecg_formats", "edf", "cardio_sample_A00001.edf")
    assert detect_format(p).name == "edf"
    rec = cardiokit.read(p)
    assert rec.channels == (Channel("ECG", "ecg", "mV"),)
    assert rec.fs == 300 and rec.n_samples == 12000  # 4 records x 10 s
    ref = wfdb_read_edf(str(p))  # an independent EDF implementation
    np.testing.assert_allclose(rec.signals[:, 0], ref.p_signal[:, 0], atol=2e-6)
    x = rec.signals[:9000, 0].astype(np.float64)
    # CinC 2017 A00001: 9000 samples at 300 Hz, 1000 units/mV -> multiples of 0.001 mV
    np.testing.assert_allclose(x * 1000, np.round(x * 1000), atol=1e-3)
    np.testing.assert_allclose(x[:5], [-0.127, -0.162, -0.197, -0.229, -0.245], atol=1e-6)
    assert -0.8 < x.min() < -0.7 and 0.9 < x.max() < 1.0
    # the converter padded the last record with the digital minimum
    np.testing.assert_allclose(rec.signals[9000:, 0], -32.768, atol=1e-5)
    assert rec.meta["format"] == "edf" and rec.meta["edf_variant"] == "EDF"
    assert rec.meta["subject"]["id"] == "challenge/2017/training/A00/A00001"


def test_annotation_only_file():
    p = shared_path("ecg_formats", "edf", "wfdb_test_edfann.edf")
    with pytest.raises(cardiokit.InvalidSignalError, match="annotations only and no signal"):
        cardiokit.read(p)
    events = read_edf_events(p)
    assert len(events) == 856
    assert events[0] == (0.0, 30.0, "Sleep stage W")
    assert events[2] == (33.43, 0.0, "Lights off@@EEG F4-A1")
    assert events[-1] == (25618.74, 0.0, "Lights on@@EEG Fpz-Cz")


def test_edf_plus_annotations_and_start(tmp_path):
    sig = np.arange(300) - 150
    tals = [b"+0\x14\x14\x00+0.5\x1530.25\x14Sleep stage W\x14\x00", b"+1\x14\x14\x00",
            b"+2\x14\x14\x00+2.25\x14N\x14V\x14\x00"]
    (tmp_path / "a.edf").write_bytes(build_edf([sig], [100], reserved="EDF+C", tals=tals))
    rec = cardiokit.read(tmp_path / "a.edf")
    assert rec.fs == 100 and rec.n_samples == 300
    edf = rec.annotation("edf")
    assert list(edf.sample) == [50, 225, 225]
    assert edf.symbol == ("Sleep stage W", "N", "V")
    assert list(edf.duration) == [3025, 0, 0]
    assert rec.start.isoformat() == "2002-03-02T10:11:12"
    gain = 20.0 / 65535
    np.testing.assert_allclose(rec.signals[:, 0], (sig + 32768) * gain - 10, atol=1e-5)


def test_edf_plus_discontinuous(tmp_path):
    sig = np.concatenate([np.full(100, 1000), np.full(100, 3000)])
    tals = [b"+0\x14\x14\x00", b"+3\x14\x14\x00+3.5\x14N\x14\x00"]
    (tmp_path / "d.edf").write_bytes(build_edf([sig], [100], reserved="EDF+D", tals=tals))
    rec = cardiokit.read(tmp_path / "d.edf")
    assert rec.n_samples == 400  # records at 0 s and 3 s; 2 s gap filled
    assert rec.meta["filled_samples"] == 200 and rec.meta["gaps_s"] == ((1.0, 2.0),)
    assert list(rec.annotation("edf").sample) == [350]
    x = rec.signals[:, 0]
    assert x[50] < x[150] < x[250] < x[350]  # linear ramp across the gap
    cat = cardiokit.read(tmp_path / "d.edf", gaps="concatenate")
    assert cat.n_samples == 200 and list(cat.annotation("edf").sample) == [150]


def test_mixed_rates_resampled_or_picked(tmp_path):
    t_fast = np.arange(400) / 200
    fast = np.round(8000 * np.sin(2 * np.pi * 1 * t_fast)).astype(int)
    slow = np.round(8000 * np.sin(2 * np.pi * 1 * np.arange(100) / 50)).astype(int)
    (tmp_path / "m.edf").write_bytes(build_edf([fast, slow], [200, 50], labels=["ECG", "PLETH"]))
    rec = cardiokit.read(tmp_path / "m.edf")
    assert rec.fs == 200 and rec.n_samples == 400
    assert [c.kind for c in rec.channels] == ["ecg", "ppg"]
    np.testing.assert_allclose(rec.signals[20:380, 1], rec.signals[20:380, 0], atol=0.05)
    assert rec.meta["resampled_from_hz"] == (200.0, 50.0)
    only = cardiokit.read(tmp_path / "m.edf", channels=["pleth"])
    assert only.fs == 50 and only.n_samples == 100 and only.channel_names == ("PLETH",)
    with pytest.raises(cardiokit.InvalidArgumentError, match="0: ECG, 1: PLETH"):
        cardiokit.read(tmp_path / "m.edf", channels=["RESP"])


def test_truncated_and_allow_truncated(tmp_path):
    data = build_edf([np.arange(500)], [100])
    (tmp_path / "t.edf").write_bytes(data[:-50])
    with pytest.raises(cardiokit.CorruptFileError, match="holds 1462 bytes but the header implies 1512"):
        cardiokit.read(tmp_path / "t.edf")
    rec = cardiokit.read(tmp_path / "t.edf", allow_truncated=True)
    assert rec.n_samples == 400 and rec.meta["records_read"] == 4


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dig": (100, 100)}, "digital min must be < max"),
        ({"phys": ("abc", 10)}, "physical minimum of signal 1 is 'abc'"),
        ({"record_s": "x1"}, "duration of a data record is 'x1'"),
    ],
)
def test_bad_header_fields(tmp_path, kwargs, message):
    (tmp_path / "b.edf").write_bytes(build_edf([np.arange(100)], [100], **kwargs))
    with pytest.raises(cardiokit.CorruptFileError, match=message):
        cardiokit.read(tmp_path / "b.edf")


def test_header_size_mismatch_and_garbage(tmp_path):
    data = bytearray(build_edf([np.arange(100)], [100]))
    data[184:192] = b"1024    "
    (tmp_path / "h.edf").write_bytes(bytes(data))
    with pytest.raises(cardiokit.CorruptFileError, match="1 signals need 256 x 2 = 512"):
        cardiokit.read(tmp_path / "h.edf")
    (tmp_path / "g.edf").write_bytes(b"garbage" * 10)
    with pytest.raises(cardiokit.CorruptFileError, match="at least 256"):
        cardiokit.read(tmp_path / "g.edf")
    (tmp_path / "e.edf").write_bytes(b"")
    with pytest.raises(cardiokit.CorruptFileError):
        cardiokit.read(tmp_path / "e.edf")


@pytest.mark.parametrize("ext", [".edf", ".bdf"])
def test_round_trip_mitdb(tmp_path, ext):
    src = cardiokit.read(shared_path("mitdb", "100.hea")).crop(0, 30.5)
    cardiokit.write(src, tmp_path / f"r{ext}")
    back = cardiokit.read(tmp_path / f"r{ext}")
    assert back.meta["edf_variant"] == ("BDF+C" if ext == ".bdf" else "EDF+C")
    assert back.n_samples == src.n_samples == 10980  # padded last record trimmed
    assert back.channels == src.channels and back.fs == 360
    span = (src.signals.max(axis=0) - src.signals.min(axis=0)).astype(np.float64)
    steps = 2**24 - 1 if ext == ".bdf" else 65535
    assert np.all(np.abs(back.signals - src.signals).max(axis=0) <= span * 1.001 / steps + 1e-6)
    edf = back.annotation("edf")
    atr = src.annotation("atr")
    np.testing.assert_array_equal(edf.sample, atr.sample)
    assert edf.symbol == atr.symbol
    assert back.meta["subject"]["sex"] == "M"
    assert back.start is None  # the record has no start date: written as "Startdate X"


def test_round_trip_fractional_rate_and_durations(tmp_path):
    sig = np.random.default_rng(0).normal(size=(1001, 3)).astype(np.float32)
    ann = Annotations("events", [3, 500], ["Arousal", "N"], duration=[40, 0])
    rec = Recording(sig, 128.5, (Channel("I", "ecg", "uV"), Channel("ABP", "abp", "mmHg"),
                                 Channel("x", "other", "")), annotations=(ann,), meta={"device": "Holter 3000"})
    cardiokit.write(rec, tmp_path / "f.edf")
    back = cardiokit.read(tmp_path / "f.edf")
    assert back.fs == 128.5 and back.n_samples == 1001
    assert back.channels == rec.channels
    assert back.meta["device"] == "Holter 3000"
    edf = back.annotation("edf")
    assert list(edf.sample) == [3, 500] and list(edf.duration) == [40, 0]
    np.testing.assert_allclose(back.signals, sig, atol=float(np.ptp(sig)) / 65535)


def test_unknown_option():
    with pytest.raises(cardiokit.InvalidArgumentError, match="allow_truncated, channels, fs, gaps"):
        cardiokit.read(shared_path("ecg_formats", "edf", "cardio_sample_A00001.edf"), annotations=False)


def test_device_given_as_a_mapping_is_written_as_equipment_text(tmp_path):
    """A DICOM cart's device (a mapping: manufacturer, model, software, station) used to make
    the EDF writer refuse the file (recording field > 80 characters); now it is cut to fit."""
    rec = cardiokit.read(shared_path("ecg_formats", "dicom", "test_ecg_ge_mac.dcm"))
    assert isinstance(rec.meta["device"], Mapping)
    out = tmp_path / "ge.edf"
    cardiokit.write(rec, out)
    field = out.read_bytes()[88:168].decode("ascii")
    assert field.startswith("Startdate 23-DEC-1999 X X GE_Marquette_MACLB") and len(field) == 80
    back = cardiokit.read(out)
    assert back.channel_names == rec.channel_names and back.n_samples == rec.n_samples
    np.testing.assert_allclose(back.signals, rec.signals, atol=0.01)
