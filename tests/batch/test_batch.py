"""Batch runs: input discovery, local processes, a real Dask LocalCluster, resume after SIGKILL."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cardiokit.batch import discover_inputs, run_batch
from cardiokit.pipeline import content_sha256
from cardiokit.store import Store
from tests.conftest import shared_path

RECORDS = ("1", "2", "3", "4", "5", "6")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six LUDB records (14 files each), one broken EDF, a README and an ISHNE pair."""
    ludb = shared_path("ludb", "data")
    d = tmp_path_factory.mktemp("batch-in")
    for r in RECORDS:
        for f in ludb.glob(f"{r}.*"):
            shutil.copy(f, d / f.name)
    (d / "broken.edf").write_bytes(b"0       not an edf file")
    (d / "README").write_text("not a recording\n")
    return d


@pytest.fixture(scope="module")
def reference(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """A clean run with local worker processes: id -> (n_errors, measurements)."""
    db = tmp_path_factory.mktemp("ref") / "ref.duckdb"
    res = run_batch(inputs, db, workers=1)
    assert (res.n_inputs, res.n_done, res.n_failed, res.n_skipped) == (7, 7, 1, 0)
    assert res.failures[0][0].endswith("broken.edf")
    return _contents(db)


def _contents(db: Path) -> dict[str, dict]:
    with Store(db, read_only=True) as s:
        _, rows = s.query("SELECT id, n_errors, report FROM analyses ORDER BY id")
        _, dup = s.query("SELECT count(*) - count(DISTINCT id) FROM analyses")
    assert dup[0][0] == 0
    return {r[0]: {"n_errors": r[1], "measurements": json.loads(r[2])["measurements"],
                   "errors": [e["stage"] for e in json.loads(r[2])["errors"]]} for r in rows}


def test_discover_groups_records_and_skips_companions(inputs: Path, tmp_path: Path) -> None:
    found = discover_inputs(inputs)
    assert [p.name for p in found] == ["1.hea", "2.hea", "3.hea", "4.hea", "5.hea", "6.hea", "broken.edf"]
    assert [p.name for p in discover_inputs(str(inputs / "[12].*"))] == ["1.hea", "2.hea"]
    lst = tmp_path / "list.txt"
    lst.write_text(f"# two records\n{inputs / '3.dat'}\n{inputs / '5'}\n\n")
    assert [p.name for p in discover_inputs(lst)] == ["3.hea", "5.hea"]
    # an ISHNE .ann beside its .ecg is not a second recording
    from cardiokit import io
    from cardiokit.sim import simulate_ecg

    io.write(simulate_ecg(duration_s=5, fs_hz=200, leads=["II", "V5"], seed=1), tmp_path / "h.ecg")
    assert (tmp_path / "h.ann").is_file()
    assert [p.name for p in discover_inputs(tmp_path) if p.suffix != ".txt"] == ["h.ecg"]


def test_rerun_skips_stored_inputs(inputs: Path, reference: dict, tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    first = run_batch([inputs / "1.hea", inputs / "2.dat"], db, workers=1, parquet=tmp_path / "pq")
    assert first.n_done == 2 and {p.name for p in first.parquet} >= {"analyses.parquet", "beats.parquet"}
    again = run_batch(inputs, db, workers=2)
    assert (again.n_skipped, again.n_done) == (2, 5)
    assert _contents(db) == reference
    assert run_batch(inputs, db).n_done == 0


def test_dask_local_cluster_gives_the_same_store(inputs: Path, reference: dict, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        res = run_batch(inputs, tmp_path / "d.duckdb", scheduler=client)
        assert cluster.scheduler_address.startswith("inproc://")  # the in-process cluster ran it
    assert (res.n_done, res.n_failed) == (7, 1)
    assert _contents(tmp_path / "d.duckdb") == reference


def test_sigkill_at_random_moments_then_resume(inputs: Path, reference: dict, tmp_path: Path) -> None:
    """Kill the whole batch (driver and workers) with SIGKILL several times, then finish it."""
    db = tmp_path / "k.duckdb"
    seed = int(os.environ.get("CARDIOKIT_FAULT_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    cmd = [sys.executable, "-m", "cardiokit", "batch", str(inputs), "--store", str(db), "--workers", "1"]
    env = {**os.environ, "COLUMNS": "100"}
    counts = []
    for _ in range(3):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                start_new_session=True)
        time.sleep(rng.uniform(0.3, 5.0))
        os.killpg(proc.pid, signal.SIGKILL)  # driver and its worker processes, mid-work
        proc.wait()
        if db.exists():
            with Store(db, lock_timeout_s=10) as s:
                counts.append(s.query("SELECT count(*) FROM analyses")[1][0][0])
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr  # the broken file is reported as failed
    assert "broken.edf" in done.stderr
    got = _contents(db)
    diff = {k: (got.get(k), reference.get(k)) for k in set(got) | set(reference) if got.get(k) != reference.get(k)}
    assert not diff, f"seed {seed}, rows after each kill {counts}: {diff}"


def test_failing_input_is_stored_with_its_error(reference: dict, inputs: Path) -> None:
    bad = reference[content_sha256(inputs / "broken.edf")]
    assert bad["n_errors"] == 1 and bad["errors"] == ["read"]
    good = reference[content_sha256(inputs / "1.hea")]
    assert good["n_errors"] == 0 and good["measurements"]["qrs_ms"] is not None
