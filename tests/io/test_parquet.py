"""Parquet reader/writer: complete round trip, foreign tables, broken inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cardiokit
from cardiokit.io import detect_format
from tests.conftest import shared_path


def test_round_trip_is_complete(tmp_path):
    src = cardiokit.read(shared_path("qtdb", "sel100.hea"), annotations=["q1c", "atr"]).crop(100, 400)
    written = cardiokit.write(src, tmp_path / "q.parquet")
    assert written == [tmp_path / "q.parquet"]
    assert detect_format(tmp_path / "q.parquet").name == "parquet"
    back = cardiokit.read(tmp_path / "q.parquet")
    assert back == src  # signals bit-identical, channels, fs, annotations
    assert back.meta["subject"] == {"age_years": 69, "sex": "M"}
    assert back.meta["comments"] == src.meta["comments"]
    assert back.meta["format"] == "parquet" and back.meta["source"] == str(tmp_path / "q.parquet")
    names = pq.read_schema(tmp_path / "q.parquet").names
    assert names == ["time_s", "MLII", "V5"]


def test_foreign_table_from_bidmc(tmp_path):
    csv = shared_path("bidmc_subset", "bidmc_02_Signals.csv.gz")
    df = pd.read_csv(csv)
    df.columns = [c.strip() for c in df.columns]
    df["note"] = "x"  # a text column is skipped
    df.to_parquet(tmp_path / "b.parquet")
    rec = cardiokit.read(tmp_path / "b.parquet")
    ref = cardiokit.read(csv)
    assert rec.fs == 125 and rec.channel_names == ref.channel_names
    np.testing.assert_array_equal(rec.signals, ref.signals)
    assert rec.meta["skipped_columns"] == ("note",)
    assert [c.kind for c in rec.channels] == ["ecg", "ppg", "resp", "ecg", "ecg"]


def test_timestamp_column_and_fs_option(tmp_path):
    t = pd.date_range("2024-05-01 12:00:00", periods=500, freq="4ms")
    pd.DataFrame({"ts": t, "PPG": np.sin(np.arange(500) / 9)}).to_parquet(tmp_path / "t.parquet")
    rec = cardiokit.read(tmp_path / "t.parquet")
    assert rec.fs == 250 and rec.start.isoformat() == "2024-05-01T12:00:00"
    assert rec.channels[0].kind == "ppg"
    pd.DataFrame({"a": np.sin(np.arange(50)), "b": np.cos(np.arange(50))}).to_parquet(tmp_path / "n.parquet")
    with pytest.raises(cardiokit.MissingOptionError, match="pass fs="):
        cardiokit.read(tmp_path / "n.parquet")
    assert cardiokit.read(tmp_path / "n.parquet", fs=50).n_channels == 2


def test_bad_tables(tmp_path):
    pq.write_table(pa.table({"I": pa.array([1.0, None, 3.0])}), tmp_path / "null.parquet")
    with pytest.raises(cardiokit.CorruptFileError, match="'I' has a missing value at row 2"):
        cardiokit.read(tmp_path / "null.parquet", fs=10)
    pq.write_table(pa.table({"s": ["a", "b"]}), tmp_path / "text.parquet")
    with pytest.raises(cardiokit.CorruptFileError, match=r"no numeric column; columns are s \(string\)"):
        cardiokit.read(tmp_path / "text.parquet", fs=10)
    pq.write_table(pa.table({"I": pa.array([], pa.float64())}), tmp_path / "empty.parquet")
    with pytest.raises(cardiokit.CorruptFileError, match="no rows"):
        cardiokit.read(tmp_path / "empty.parquet", fs=10)
    good = (tmp_path / "null.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(good[: len(good) // 2])
    with pytest.raises(cardiokit.CorruptFileError, match="not a readable Parquet file"):
        cardiokit.read(tmp_path / "cut.parquet", fs=10)
    with pytest.raises(cardiokit.InvalidArgumentError, match="accepted options: fs"):
        cardiokit.read(tmp_path / "null.parquet", fs=10, columns=["I"])
