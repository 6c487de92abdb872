"""DuckDB result store: upsert by content hash, child tables, export, lock retry."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

from cardiokit import InvalidArgumentError
from cardiokit.pipeline import analyze_file
from cardiokit.report.model import RecordingSummary, Report
from cardiokit.store import TABLES, Store, default_store_path
from cardiokit.store.duck import StoreError
from tests.conftest import shared_path


@pytest.fixture
def record(tmp_path):
    """A private copy of LUDB record 1 (header + signal) that tests may modify."""
    src = shared_path("ludb", "data", "1.hea").parent
    for name in ("1.hea", "1.dat"):
        shutil.copy(src / name, tmp_path / name)
    return tmp_path / "1"


def counts(db: Store) -> dict[str, int]:
    return {t: db.query(f"SELECT count(*) FROM {t}")[1][0][0] for t in TABLES}


def test_default_path_follows_cardiokit_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("CARDIOKIT_DATA_DIR", str(tmp_path / "d"))
    assert default_store_path() == tmp_path / "d" / "cardiokit.duckdb"
    monkeypatch.delenv("CARDIOKIT_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "x"))
    assert default_store_path() == tmp_path / "x" / "cardiokit" / "cardiokit.duckdb"
    with Store() as db:
        assert db.path == tmp_path / "x" / "cardiokit" / "cardiokit.duckdb"
    assert (tmp_path / "x" / "cardiokit" / "cardiokit.duckdb").is_file()


def test_same_content_twice_is_one_row_changed_content_two(record, tmp_path):
    path = tmp_path / "store.duckdb"
    rep = analyze_file(record)
    with Store(path) as db:
        db.put(rep)
        first = counts(db)
        assert first["analyses"] == 1 and first["beats"] == len(rep.beats) > 5
        assert first["statements"] == len(rep.statements) > 0
        assert first["measurements"] >= 11
        db.put(analyze_file(record))  # same bytes again
        assert counts(db) == first
    data = bytearray(record.with_suffix(".dat").read_bytes())
    data[2000:2010] = bytes(10)  # change the content
    record.with_suffix(".dat").write_bytes(bytes(data))
    rep2 = analyze_file(record)
    assert rep2.sha256 != rep.sha256
    with Store(path) as db:  # reopening keeps what was written
        db.put(rep2)
        c = counts(db)
        assert c["analyses"] == 2 and c["beats"] == first["beats"] + len(rep2.beats)
        cols, rows = db.query("SELECT id, source, quality_grade, heart_rate_bpm, subject_sex FROM analyses ORDER BY id")
        assert cols == ["id", "source", "quality_grade", "heart_rate_bpm", "subject_sex"]
        assert {r[0] for r in rows} == {rep.sha256, rep2.sha256}
        assert all(r[4] == "F" for r in rows)
        hr = db.query("SELECT value FROM measurements WHERE analysis_id = ? AND name = 'heart_rate_bpm'",
                      [rep.sha256])[1]
        assert hr == [(rep.measurements["heart_rate_bpm"],)]
        fmt = db.query("SELECT text FROM measurements WHERE analysis_id = ? AND name = 'qtc_formula'",
                       [rep.sha256])[1]
        assert fmt == [("bazett",)]
        doc = db.get(rep.sha256)
        assert doc["measurements"] == json.loads(rep.to_json())["measurements"]
        assert db.get("nope") is None
        keys = [r[0] for r in db.query("SELECT key FROM statements WHERE analysis_id = ? ORDER BY idx",
                                       [rep.sha256])[1]]
        assert keys == [s.key for s in rep.statements]
        beats = db.query("SELECT sample, qrs_on FROM beats WHERE analysis_id = ? ORDER BY idx", [rep.sha256])[1]
        assert [b[0] for b in beats] == rep.beats.samples.tolist()
        assert all(b[1] is None or b[1] < b[0] for b in beats)


def test_failed_write_rolls_back_everything(tmp_path, record):
    rep = analyze_file(record)
    broken = Report(source="x", recording=None)  # no sha256: cannot be stored
    with Store(tmp_path / "s.duckdb") as db:
        with pytest.raises(InvalidArgumentError, match="content hash"):
            db.put_many([rep, broken])
        assert counts(db)["analyses"] == 0


def test_export_writes_parquet_per_table(tmp_path, record):
    with Store(tmp_path / "s.duckdb") as db:
        db.put(analyze_file(record))
        written = db.export(tmp_path / "out")
        expected = counts(db)
    assert sorted(p.name for p in written) == sorted(f"{t}.parquet" for t in TABLES)
    for t in TABLES:
        assert pq.read_table(tmp_path / "out" / f"{t}.parquet").num_rows == expected[t]


def test_read_only_store_must_exist(tmp_path):
    with pytest.raises(StoreError, match="no result store"):
        Store(tmp_path / "missing.duckdb", read_only=True)


def test_bad_sql_is_a_clear_error(tmp_path):
    with Store(tmp_path / "s.duckdb") as db, pytest.raises(InvalidArgumentError, match="query failed"):
        db.query("SELEC nonsense")


def test_put_accepts_minimal_reports(tmp_path):
    rep = Report(source="a.csv", recording=RecordingSummary(({"name": "I", "kind": "ecg", "unit": "mV"},), 250.0,
                                                            4.0, 1000), sha256="a" * 64)
    with Store(tmp_path / "s.duckdb") as db:
        assert db.put(rep) == "a" * 64
        assert counts(db) == {"analyses": 1, "measurements": 11, "statements": 0, "beats": 0}


def test_open_waits_for_another_process_holding_the_lock(tmp_path):
    path = tmp_path / "s.duckdb"
    Store(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "time.sleep(1.5); c.close()", str(path)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        t0 = time.monotonic()
        with Store(path, lock_timeout_s=30) as db:
            waited = time.monotonic() - t0
            db.put(Report(source="b", recording=None, sha256="b" * 64))
            assert counts(db)["analyses"] == 1
        assert waited > 0.3  # it had to wait for the other writer
    finally:
        holder.wait(timeout=30)


def test_lock_timeout_gives_a_store_error(tmp_path):
    path = tmp_path / "s.duckdb"
    Store(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "time.sleep(1.2); c.close()", str(path)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreError, match="cannot open result store"):
            Store(path, lock_timeout_s=0.3)
    finally:
        holder.wait(timeout=30)


def test_quality_grade_of_a_recording_without_ecg_is_its_own_signals(tmp_path):
    """A heart-sound WAV has no ECG grade: the column holds the PCG grade; an ECG record keeps the ECG's."""
    wav = shared_path("pcg_physionet2016", "training-e", "e00176.wav")
    rep = analyze_file(wav)
    with Store(tmp_path / "s.duckdb") as db:
        rid = db.put(rep)
        grade = db.query(f"SELECT quality_grade FROM analyses WHERE id = '{rid}'")[1][0][0]
    assert rep.quality is None and grade == rep.pcg["quality"] == "good"
