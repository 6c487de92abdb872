"""`cardiokit db query` and `cardiokit db export`."""

from __future__ import annotations

import pyarrow.parquet as pq

from cardiokit.store import TABLES
from tests.cli.test_analyze import run_cli
from tests.conftest import shared_path


def test_query_and_export(monkeypatch, tmp_path, capsys):
    store = tmp_path / "s.duckdb"
    rec = shared_path("ludb", "data", "2.hea").with_suffix("")
    assert run_cli(monkeypatch, "analyze", rec, "--store", store) == 0
    assert run_cli(monkeypatch, "analyze", rec, "--store", store) == 0  # same content: updated, not added
    capsys.readouterr()
    assert run_cli(monkeypatch, "db", "query", "SELECT count(*) AS n_rows, max(quality_grade) AS q FROM analyses",
                   "--store", store) == 0
    out = capsys.readouterr().out
    assert "n_rows" in out and "1 row(s)" in out and "│ 1 " in out
    assert run_cli(monkeypatch, "db", "export", tmp_path / "pq", "--store", store) == 0
    for t in TABLES:
        assert (tmp_path / "pq" / f"{t}.parquet").is_file()
    assert pq.read_table(tmp_path / "pq" / "analyses.parquet").num_rows == 1
    assert pq.read_table(tmp_path / "pq" / "beats.parquet").num_rows > 5


def test_query_errors(monkeypatch, tmp_path, capsys):
    assert run_cli(monkeypatch, "db", "query", "SELECT 1", "--store", tmp_path / "none.duckdb") == 2
    assert "no result store" in capsys.readouterr().err
    store = tmp_path / "s.duckdb"
    from cardiokit.store import Store

    Store(store).close()
    assert run_cli(monkeypatch, "db", "query", "SELEKT 1", "--store", store) == 2
    assert "query failed" in capsys.readouterr().err
    assert run_cli(monkeypatch, "db", "query", "SELECT * FROM analyses", "--store", store) == 0
    assert "0 row(s)" in capsys.readouterr().out


def test_default_store_location(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CARDIOKIT_DATA_DIR", str(tmp_path))
    rec = shared_path("ludb", "data", "9.hea").with_suffix("")
    assert run_cli(monkeypatch, "analyze", rec) == 0
    capsys.readouterr()
    assert run_cli(monkeypatch, "db", "query", "SELECT source FROM analyses") == 0
    assert "9" in capsys.readouterr().out
