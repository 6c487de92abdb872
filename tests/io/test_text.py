"""CSV/TSV/TXT reader and writer on real PhysioNet/PPG-BP text files and edge cases."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

import cardiokit
from cardiokit import Channel, Recording
from cardiokit.io import detect_format
from tests.conftest import shared_path


def test_ppg_bp_single_row_needs_fs():
    p = shared_path("ppg_bp", "0_subject", "2_1.txt")
    with pytest.raises(cardiokit.MissingOptionError, match=r"no time column.*pass fs= in Hz \(CLI --fs\)"):
        cardiokit.read(p)
    rec = cardiokit.read(p, fs=1000, kind="ppg")
    ref = [float(x) for x in p.read_text().split("\t") if x.strip()]
    assert rec.n_channels == 1 and rec.n_samples == len(ref) == 2100
    assert rec.channels == (Channel("ch1", "ppg", ""),)
    np.testing.assert_array_equal(rec.signals[:, 0], np.array(ref, dtype=np.float32))
    assert rec.signals[:4, 0].tolist() == [2438.0, 2438.0, 2438.0, 2455.0]
    assert rec.fs == 1000 and rec.meta["format"] == "text" and rec.meta["delimiter"] == "\t"


def test_bidmc_gzip_csv_with_time_column():
    p = shared_path("bidmc_subset", "bidmc_02_Signals.csv.gz")
    assert detect_format(p).name == "text"
    rec = cardiokit.read(p)
    assert rec.fs == 125  # from "Time [s]" printed with few digits (even repeated values)
    assert rec.n_samples == 60001
    assert rec.channel_names == ("II", "PLETH", "RESP", "V", "AVR")
    assert [c.kind for c in rec.channels] == ["ecg", "ppg", "resp", "ecg", "ecg"]
    with gzip.open(p, "rt") as fh:
        lines = fh.read().splitlines()
    row2 = [float(x) for x in lines[2].split(",")]
    last = [float(x) for x in lines[-1].split(",")]
    np.testing.assert_allclose(rec.signals[1], row2[1:], rtol=1e-6)
    np.testing.assert_allclose(rec.signals[-1], last[1:], rtol=1e-6)
    assert rec.meta["time_column"] == "Time [s]"


def test_header_units_semicolon_decimal_comma(tmp_path):
    p = tmp_path / "eu.csv"
    p.write_text("t [ms];I [mV];PPG\n0;0,5;1\n4;0,25;3\n8;-0,5;2\n12;1,5e1;4\n")
    rec = cardiokit.read(p)
    assert rec.fs == 250
    assert rec.channels == (Channel("I", "ecg", "mV"), Channel("PPG", "ppg", ""))
    np.testing.assert_allclose(rec.signals[:, 0], [0.5, 0.25, -0.5, 15.0])


def test_headerless_first_column_time_rule(tmp_path):
    t = np.arange(100) / 50
    x = np.sin(t * 7)
    (tmp_path / "a.txt").write_text("\n".join(f"{a:.2f} {b:.5f}" for a, b in zip(t, x, strict=True)))
    rec = cardiokit.read(tmp_path / "a.txt")
    assert rec.fs == 50 and rec.n_channels == 1 and rec.meta["delimiter"] == "whitespace"
    # two increasing uniform columns: ambiguous, so no time column
    (tmp_path / "b.csv").write_text("\n".join(f"{i},{2 * i}" for i in range(10)))
    with pytest.raises(cardiokit.MissingOptionError):
        cardiokit.read(tmp_path / "b.csv")
    assert cardiokit.read(tmp_path / "b.csv", fs=10).n_channels == 2
    # a 0,1,2... counter without header is a sample index: dropped, fs needed
    (tmp_path / "c.csv").write_text("\n".join(f"{i},{np.sin(i):.4f}" for i in range(10)))
    with pytest.raises(cardiokit.MissingOptionError):
        cardiokit.read(tmp_path / "c.csv")
    rec = cardiokit.read(tmp_path / "c.csv", fs=100)
    assert rec.n_channels == 1 and rec.signals[1, 0] == pytest.approx(np.sin(1), abs=1e-4)


def test_uneven_time_column(tmp_path):
    (tmp_path / "u.csv").write_text("time,ECG\n0,1\n0.01,2\n0.02,3\n0.05,4\n0.06,5\n0.07,6\n")
    with pytest.raises(cardiokit.CorruptFileError, match="not evenly sampled at line 5"):
        cardiokit.read(tmp_path / "u.csv")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "file is empty"),
        ("\n\n# only a comment\n", "file is empty"),
        ("a,b\n", "header row but no data rows"),
        ("I,II\n1,2\n3\n", "line 3 has 1 fields but the header has 2"),
        ("I,II\n1,2\n3,x\n", r"line 3, column 2 \('II'\): 'x' is not a number"),
        ("I,II\n1,2\n3,nan\n", r"line 3, column 2 \('II'\): 'nan' is not a finite number"),
        ("1,2\n3,inf\n", "line 2, column 2: 'inf' is not a finite number"),
        ("I,II\n1,\n3,4\n", r"line 2, column 2 \('II'\): is empty"),
    ],
)
def test_bad_tables(tmp_path, content, message):
    p = tmp_path / "bad.csv"
    p.write_text(content)
    with pytest.raises(cardiokit.CorruptFileError, match=message):
        cardiokit.read(p, fs=100)


def test_binary_garbage_and_broken_gzip(tmp_path):
    (tmp_path / "g.csv").write_bytes(b"\x00\x01\x02garbage")
    with pytest.raises(cardiokit.CorruptFileError, match="binary data"):
        cardiokit.read(tmp_path / "g.csv", fs=1)
    data = gzip.compress(b"time,I\n0,1\n0.1,2\n" * 100)
    (tmp_path / "t.csv.gz").write_bytes(data[:-20])
    with pytest.raises(cardiokit.CorruptFileError, match="gzip"):
        cardiokit.read(tmp_path / "t.csv.gz")


@pytest.mark.parametrize("ext", [".csv", ".tsv"])
def test_round_trip(tmp_path, ext):
    src = cardiokit.read(shared_path("mitdb", "100.hea"), annotations=False).crop(0, 20)
    cardiokit.write(src, tmp_path / f"r{ext}")
    header = (tmp_path / f"r{ext}").read_text().splitlines()[0]
    assert header == ("time_s,MLII [mV],V5 [mV]" if ext == ".csv" else "time_s\tMLII [mV]\tV5 [mV]")
    back = cardiokit.read(tmp_path / f"r{ext}")
    assert back.fs == 360 and back.channels == src.channels
    np.testing.assert_array_equal(back.signals, src.signals)


def test_round_trip_fractional_rate(tmp_path):
    sig = np.random.default_rng(1).normal(size=(500, 2)).astype(np.float32) * 1e-3
    rec = Recording(sig, 128.5, (Channel("PLETH", "ppg", "NU"), Channel("x")))
    cardiokit.write(rec, tmp_path / "f.csv")
    back = cardiokit.read(tmp_path / "f.csv")
    assert back.fs == 128.5
    np.testing.assert_array_equal(back.signals, rec.signals)


def test_options_validated(tmp_path):
    (tmp_path / "o.csv").write_text("1,2\n3,4\n")
    with pytest.raises(cardiokit.InvalidArgumentError, match="accepted options: delimiter, fs"):
        cardiokit.read(tmp_path / "o.csv", fs=1, sep=",")
    with pytest.raises(cardiokit.InvalidArgumentError, match="'tab'"):
        cardiokit.read(tmp_path / "o.csv", fs=1, delimiter="|")
