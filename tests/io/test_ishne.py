"""ISHNE Holter reader and writer: round trips, byte layout, windows, annotations, damage."""

from __future__ import annotations

import binascii
import struct
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

import cardiokit
from cardiokit._core.annotations import Annotations
from cardiokit._core.errors import (
    CardiokitError,
    CorruptFileError,
    InvalidArgumentError,
    MissingFileError,
    WriteError,
)
from cardiokit._core.recording import Channel, Recording
from cardiokit.io import detect_format


def _recording(n: int = 4000, fs: float = 200.0, anns: tuple = ()) -> Recording:
    t = np.arange(n) / fs
    sig = np.column_stack([np.sin(2 * np.pi * t), 0.5 * np.cos(2 * np.pi * 3 * t), 2.5 * np.sin(0.3 * t)])
    chans = (Channel("V1", "ecg", "mV"), Channel("V5", "ecg", "mV"), Channel("aVF", "ecg", "mV"))
    return Recording(sig, fs, chans, start=datetime(2021, 6, 7, 8, 9, 10), annotations=anns,
                     meta={"subject": {"id": "H-1", "sex": "F"}, "device": "digital"})  # fmt: skip


def test_round_trip_and_byte_layout(tmp_path: Path) -> None:
    rec = _recording()
    out = tmp_path / "h.ecg"
    assert cardiokit.write(rec, out, resolution_nv=100) == [out]
    raw = out.read_bytes()
    assert raw[:8] == b"ISHNE1.0"
    var_size, n, var_off, ecg_off = struct.unpack_from("<iiii", raw, 10)
    assert (var_size, n, var_off, ecg_off) == (0, 4000, 522, 522)
    assert struct.unpack_from("<H", raw, 8)[0] == binascii.crc_hqx(raw[10:522], 0xFFFF)
    assert struct.unpack_from("<h", raw, 156)[0] == 3  # number of leads
    assert struct.unpack_from("<3h", raw, 158) == (11, 15, 10)  # V1, V5, aVF lead codes
    assert struct.unpack_from("<3h", raw, 206) == (100, 100, 100)  # nV per count
    assert struct.unpack_from("<h", raw, 272)[0] == 200
    assert len(raw) == 522 + 4000 * 3 * 2
    first = np.frombuffer(raw, "<i2", 3, 522)  # sample 0 of each lead, interleaved
    np.testing.assert_array_equal(first, np.round(rec.signals[0] * 1e4).astype(int))
    back = cardiokit.read(out)
    assert back.channel_names == ("V1", "V5", "aVF") and back.fs == 200 and back.n_samples == 4000
    np.testing.assert_allclose(back.signals, rec.signals, atol=0.5e-4 + 1e-6)
    assert back.start == datetime(2021, 6, 7, 8, 9, 10)
    assert dict(back.meta["subject"]) == {"id": "H-1", "sex": "F"} and back.meta["device"] == "digital"
    assert back.meta["format"] == "ishne" and back.annotations == ()


def test_window_reading(tmp_path: Path) -> None:
    rec = _recording()
    cardiokit.write(rec, tmp_path / "h.ecg")
    win = cardiokit.read(tmp_path / "h.ecg", start_s=5, stop_s=7.5)
    assert win.n_samples == 500 and list(win.meta["window_samples"]) == [1000, 1500]
    full = cardiokit.read(tmp_path / "h.ecg")
    np.testing.assert_array_equal(win.signals, full.signals[1000:1500])
    assert win.start == datetime(2021, 6, 7, 8, 9, 15)
    tail = cardiokit.read(tmp_path / "h.ecg", start_s=19.5)
    assert tail.n_samples == 100
    for bad in ({"start_s": 30}, {"start_s": 5, "stop_s": 5}, {"start_s": -1}, {"stop_s": float("nan")}):
        with pytest.raises(InvalidArgumentError):
            cardiokit.read(tmp_path / "h.ecg", **bad)
    with pytest.raises(InvalidArgumentError, match="start_s, stop_s, check_crc, annotations"):
        cardiokit.read(tmp_path / "h.ecg", window=3)


def test_annotations_round_trip_with_long_gap(tmp_path: Path) -> None:
    n = 140_000  # > 65535 samples between two beats: needs '!' records
    rec = _recording(n=n, fs=1000.0, anns=(Annotations("beats", [5, 900, 1800, 139_000], ["N", "V", "N", "S"],
                                                        aux=["", "x", "", ""]),))  # fmt: skip
    written = cardiokit.write(rec, tmp_path / "long.ecg", resolution_nv=1000)
    assert sorted(p.name for p in written) == ["long.ann", "long.ecg"]
    ann_raw = (tmp_path / "long.ann").read_bytes()
    assert ann_raw[:8] == b"ANN  1.0"
    assert struct.unpack_from("<I", ann_raw, 522)[0] == 5
    assert ann_raw.count(b"!\x00\xff\xff") == 2
    back = cardiokit.read(tmp_path / "long.ecg")
    a = back.annotation("ann")
    assert list(a.sample) == [5, 900, 1800, 139_000] and a.symbol == ("N", "V", "N", "S")
    assert a.aux == ("", "x", "", "")
    via_ann = cardiokit.read(tmp_path / "long.ann", start_s=1, stop_s=2)  # the .ann leads to its .ecg
    assert list(via_ann.annotation("ann").sample) == [800] and via_ann.n_samples == 1000
    assert cardiokit.read(tmp_path / "long.ecg", annotations=False).annotations == ()


def test_ann_without_ecg_is_missing_file(tmp_path: Path) -> None:
    rec = _recording(anns=(Annotations("b", [10], ["N"]),))
    cardiokit.write(rec, tmp_path / "a.ecg")
    (tmp_path / "a.ecg").unlink()
    assert detect_format(tmp_path / "a.ann").name == "ishne"
    with pytest.raises(MissingFileError):
        cardiokit.read(tmp_path / "a.ann")


def test_sniffed_by_magic_and_unknown_lead_codes(tmp_path: Path) -> None:
    rec = Recording(np.zeros((10, 2)), 128, (Channel("foo", "ecg", "mV"), Channel("II", "ecg", "uV")))
    cardiokit.write(rec, tmp_path / "x.ecg")
    p = tmp_path / "x.dat"
    (tmp_path / "x.ecg").rename(p)
    assert detect_format(p).name == "ishne"
    back = cardiokit.read(p)
    assert back.channel_names == ("ch1", "II") and back.start is None


def test_header_crc_and_check_crc(tmp_path: Path) -> None:
    cardiokit.write(_recording(), tmp_path / "h.ecg")
    raw = bytearray((tmp_path / "h.ecg").read_bytes())
    raw[108] = ord("Z")  # the subject id changes after the CRC was computed
    (tmp_path / "h.ecg").write_bytes(bytes(raw))
    with pytest.raises(CorruptFileError, match="CRC"):
        cardiokit.read(tmp_path / "h.ecg")
    assert cardiokit.read(tmp_path / "h.ecg", check_crc=False).meta["subject"]["id"] == "Z-1"


def test_truncated_and_inconsistent_files(tmp_path: Path) -> None:
    cardiokit.write(_recording(), tmp_path / "h.ecg")
    raw = (tmp_path / "h.ecg").read_bytes()
    cases = {"short": raw[:300], "data": raw[:-10]}
    bad_leads = bytearray(raw)
    struct.pack_into("<h", bad_leads, 156, 13)
    cases["leads"] = bytes(bad_leads)
    bad_res = bytearray(raw)
    struct.pack_into("<h", bad_res, 206, 0)
    cases["res"] = bytes(bad_res)
    bad_fs = bytearray(raw)
    struct.pack_into("<h", bad_fs, 272, 0)
    cases["fs"] = bytes(bad_fs)
    for name, data in cases.items():
        p = tmp_path / f"{name}.ecg"
        p.write_bytes(data)
        with pytest.raises(CorruptFileError):
            cardiokit.read(p, check_crc=False)


def test_writer_limits(tmp_path: Path) -> None:
    rec = _recording()
    with pytest.raises(WriteError, match="integer sampling rate"):
        cardiokit.write(rec.resample(333.3), tmp_path / "a.ecg")
    many = Recording(np.zeros((5, 13)), 100, tuple(Channel(f"c{k}") for k in range(13)))
    with pytest.raises(WriteError, match="12 leads"):
        cardiokit.write(many, tmp_path / "b.ecg")
    with pytest.raises(WriteError, match="int16"):
        cardiokit.write(rec, tmp_path / "c.ecg", resolution_nv=1)
    with pytest.raises(InvalidArgumentError, match="resolution_nv"):
        cardiokit.write(rec, tmp_path / "d.ecg", gain=2)


def test_damaged_files_raise_project_errors(tmp_path: Path) -> None:
    cardiokit.write(_recording(anns=(Annotations("b", [10, 20], ["N", "N"]),)), tmp_path / "h.ecg")
    raw = (tmp_path / "h.ecg").read_bytes()
    rng = np.random.default_rng(2)
    for k in range(12):
        b = bytearray(raw)
        for pos in rng.integers(0, 522, 6):
            b[pos] = int(rng.integers(0, 256))
        p = tmp_path / f"d{k}.ecg"
        p.write_bytes(bytes(b[: int(rng.integers(0, len(b)))] if k % 2 else b))
        try:
            cardiokit.read(p, format="ishne", check_crc=False)
        except CardiokitError:
            pass
