"""WFDB reader/writer on real PhysioNet records, compared with wfdb-python itself."""

from __future__ import annotations

import shutil
from datetime import datetime

import numpy as np
import pytest
import wfdb

import cardiokit
from cardiokit import Annotations, Channel, Recording
from cardiokit.io import detect_format
from cardiokit.io.wfdb_format import read_annotations, write_annotations
from tests.conftest import shared_path


def test_mitdb_100_equals_wfdb():
    base = shared_path("mitdb", "100.hea").with_suffix("")
    rec = cardiokit.read(base)
    ref = wfdb.rdrecord(str(base))
    assert rec.channel_names == ("MLII", "V5")
    assert [c.kind for c in rec.channels] == ["ecg", "ecg"]
    assert [c.unit for c in rec.channels] == ["mV", "mV"]
    assert rec.fs == 360
    assert rec.n_samples == 650000
    np.testing.assert_array_equal(rec.signals, ref.p_signal.astype(np.float32))
    atr = rec.annotation("atr")
    ref_ann = wfdb.rdann(str(base), "atr")
    assert len(atr) == len(ref_ann.sample) == 2274
    np.testing.assert_array_equal(atr.sample, ref_ann.sample)
    assert list(atr.symbol) == list(ref_ann.symbol)
    assert rec.meta["format"] == "wfdb"
    assert rec.meta["source"] == str(base)
    assert rec.meta["subject"] == {"age_years": 69, "sex": "M"}
    assert rec.meta["filled_samples"] == 0


@pytest.mark.parametrize("suffix", [".hea", ".dat"])
def test_record_given_by_any_file(suffix):
    p = shared_path("mitdb", "100" + suffix)
    assert detect_format(p).name == "wfdb"
    rec = cardiokit.read(p, annotations=False)
    assert rec.n_samples == 650000 and rec.annotations == ()


def test_ludb_12_leads_and_per_lead_annotations():
    base = shared_path("ludb", "data", "1.hea").with_suffix("")
    rec = cardiokit.read(base)
    assert rec.fs == 500 and rec.n_channels == 12 and rec.n_samples == 5000
    assert rec.channel_names[:3] == ("i", "ii", "iii")
    assert all(c.kind == "ecg" for c in rec.channels)
    names = {a.name for a in rec.annotations}
    assert names == {"i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6"}
    ref = wfdb.rdann(str(base), "ii")
    ii = rec.annotation("ii")
    np.testing.assert_array_equal(ii.sample, ref.sample)
    assert set(ii.symbol) == {"(", ")", "p", "N", "t"}
    assert rec.meta["subject"] == {"age_years": 51, "sex": "F"}


def test_cinc2017_mat():
    p = shared_path("cinc2017", "A00005.mat")
    assert detect_format(p).name == "wfdb"
    rec = cardiokit.read(p)
    ref = wfdb.rdrecord(str(p.with_suffix("")))
    assert rec.fs == 300 and rec.n_channels == 1 and rec.n_samples == 18000
    assert rec.channels[0] == Channel("ECG", "ecg", "mV")
    np.testing.assert_array_equal(rec.signals[:, 0], ref.p_signal[:, 0].astype(np.float32))
    assert rec.start == datetime(2000, 12, 1, 8, 12, 8)


def test_qtdb_annotation_selection():
    base = shared_path("qtdb", "sel100.hea").with_suffix("")
    rec = cardiokit.read(base, annotations=["q1c", "pu0"])
    assert [a.name for a in rec.annotations] == ["q1c", "pu0"]
    q1c = rec.annotation("q1c")
    ref = wfdb.rdann(str(base), "q1c")
    assert len(q1c) == len(ref.sample) == 240
    np.testing.assert_array_equal(q1c.sample, ref.sample)
    ref_pu0 = wfdb.rdann(str(base), "pu0")
    assert rec.annotation("pu0").counts()["N"] == ref_pu0.symbol.count("N") > 1000
    all_sets = cardiokit.read(base)
    assert {a.name for a in all_sets.annotations} == {
        "atr", "man", "pu", "pu0", "pu1", "q1c", "q2c", "qt1", "qt2"
    }
    with pytest.raises(cardiokit.MissingFileError, match=r"sel100\.zzz"):
        cardiokit.read(base, annotations=["zzz"])


def test_pcg_record_with_ecg_dat():
    p = shared_path("pcg_physionet2016", "training-a", "a0080.hea")
    rec = cardiokit.read(p)
    assert rec.channel_names == ("PCG", "ECG")
    assert [c.kind for c in rec.channels] == ["pcg", "ecg"]
    assert rec.fs == 2000 and rec.n_samples == 61998
    assert rec.meta["comments"] == ("Normal",)


def test_round_trip_with_annotations(tmp_path):
    base = shared_path("mitdb", "100.hea").with_suffix("")
    rec = cardiokit.read(base).crop(0, 60)
    written = cardiokit.write(rec, tmp_path / "r100.hea")
    assert {p.name for p in written} == {"r100.hea", "r100.dat", "r100.atr"}
    back = cardiokit.read(tmp_path / "r100")
    assert back.channel_names == rec.channel_names and back.fs == rec.fs
    # format 16 with gain chosen per channel: error below half a quantisation step
    span = rec.signals.max(axis=0) - rec.signals.min(axis=0)
    assert np.all(np.abs(back.signals - rec.signals).max(axis=0) <= span / 65532 + 1e-6)
    assert back.annotation("atr") == rec.annotation("atr")
    assert back.meta["subject"] == {"age_years": 69, "sex": "M"}


def test_round_trip_nonstandard_symbols_and_empty_unit(tmp_path):
    sig = np.sin(np.linspace(0, 20, 1000))[:, None] * 3.0
    ann = Annotations("evt", [10, 500], ["N", "Lights off"], aux=["", ""])
    rec = Recording(sig, 100.0, (Channel("PLETH", "ppg", ""),), annotations=(ann,),
                    meta={"device": "Nellcor N-600", "subject": {"age_years": 40, "sex": "F"}})
    cardiokit.write(rec, tmp_path / "x.hea")
    back = cardiokit.read(tmp_path / "x.hea")
    assert back.meta["device"] == "Nellcor N-600"
    assert back.meta["subject"] == {"age_years": 40, "sex": "F"}
    assert back.channels == (Channel("PLETH", "ppg", "NU"),)
    evt = back.annotation("evt")
    assert list(evt.sample) == [10, 500]
    assert evt.symbol == ("N", '"') and evt.aux == ("", "Lights off")
    np.testing.assert_allclose(back.signals, rec.signals, atol=3.0 / 32766)


def test_write_and_read_annotations_helpers(tmp_path):
    ann = Annotations("cka", [5, 100, 180], ["(", "N", ")"], chan=[0, 0, 0])
    written = write_annotations(tmp_path / "rec1", ann, fs=500)
    assert written == [tmp_path / "rec1.cka"]
    back = read_annotations(tmp_path / "rec1.cka")
    assert back == ann
    assert wfdb.rdann(str(tmp_path / "rec1"), "cka").fs == 500


def test_invalid_samples_are_interpolated(tmp_path):
    d = np.array([[0], [100], [-32768], [-32768], [400], [500]], dtype=np.int64)
    wfdb.wrsamp("gap", fs=10, units=["mV"], sig_name=["II"], d_signal=d, fmt=["16"],
                adc_gain=[100.0], baseline=[0], write_dir=str(tmp_path))
    rec = cardiokit.read(tmp_path / "gap")
    np.testing.assert_allclose(rec.signals[:, 0], [0, 1, 2, 3, 4, 5])
    assert rec.meta["filled_samples"] == 2


def test_multi_segment_record(tmp_path):
    a = (np.arange(300) % 50)[:, None].astype(np.int64)
    b = (np.arange(200) % 20)[:, None].astype(np.int64) * 2
    for name, d in (("seg1", a), ("seg2", b)):
        wfdb.wrsamp(name, fs=100, units=["mV"], sig_name=["II"], d_signal=d, fmt=["16"],
                    adc_gain=[10.0], baseline=[0], write_dir=str(tmp_path))
    (tmp_path / "multi.hea").write_text("multi/2 1 100 500\nseg1 300\nseg2 200\n")
    rec = cardiokit.read(tmp_path / "multi")
    assert rec.n_samples == 500 and rec.channel_names == ("II",)
    np.testing.assert_allclose(rec.signals[:300, 0], a[:, 0] / 10)
    np.testing.assert_allclose(rec.signals[300:, 0], b[:, 0] / 10)
    (tmp_path / "seg2.dat").unlink()
    with pytest.raises(cardiokit.MissingFileError, match=r"seg2\.dat"):
        cardiokit.read(tmp_path / "multi")


def _copy_record(tmp_path, *names):
    src = shared_path("mitdb", "100.hea").parent
    for n in names:
        shutil.copy(src / n, tmp_path / n)
    return tmp_path / "100"


def test_missing_dat(tmp_path):
    base = _copy_record(tmp_path, "100.hea")
    with pytest.raises(cardiokit.MissingFileError, match=r"100\.dat"):
        cardiokit.read(base)


def test_truncated_dat(tmp_path):
    base = _copy_record(tmp_path, "100.hea", "100.dat")
    data = (tmp_path / "100.dat").read_bytes()
    (tmp_path / "100.dat").write_bytes(data[: len(data) // 2])
    with pytest.raises(cardiokit.CorruptFileError, match=r"truncated.*1950000 bytes"):
        cardiokit.read(base)


def test_header_length_mismatch(tmp_path):
    base = _copy_record(tmp_path, "100.hea", "100.dat")
    hea = (tmp_path / "100.hea").read_text().replace("100 2 360 650000", "100 2 360 600000")
    (tmp_path / "100.hea").write_text(hea)
    with pytest.raises(cardiokit.CorruptFileError, match="does not match its header"):
        cardiokit.read(base)


def test_garbage_header(tmp_path):
    (tmp_path / "bad.hea").write_text("bad 2 abc 10\nbad.dat 16 200 16 0 0 0 0 I\n")
    (tmp_path / "bad.dat").write_bytes(b"\0" * 40)
    with pytest.raises(cardiokit.CorruptFileError):
        cardiokit.read(tmp_path / "bad.hea", format="wfdb")


def test_unknown_option_rejected():
    with pytest.raises(cardiokit.InvalidArgumentError, match="accepted options: annotations, fs"):
        cardiokit.read(shared_path("mitdb", "100.hea"), channelz=[0])


def test_ludb_record_with_per_lead_annotations_round_trips(tmp_path):
    """LUDB's annotation files are named after the leads (.i ... .v6); wfdb.wrann refuses
    extensions with digits, so writing a LUDB record used to fail on .v1."""
    src = cardiokit.read(shared_path("ludb", "data", "3.hea"))
    cardiokit.write(src, tmp_path / "3.hea")
    assert (tmp_path / "3.v1").exists() and not list(tmp_path.glob("*.cktmp"))
    back = cardiokit.read(tmp_path / "3.hea")
    a = {x.name: x for x in src.annotations}
    b = {x.name: x for x in back.annotations}
    assert set(a) == set(b) and "v6" in b
    for k in a:
        assert np.array_equal(a[k].sample, b[k].sample) and list(a[k].symbol) == list(b[k].symbol)
