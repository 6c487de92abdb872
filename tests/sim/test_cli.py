"""`cardiokit simulate` and `cardiokit demo`."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import cardiokit
from cardiokit.cli import app
from cardiokit.sim import LEADS_12, simulate_ecg

runner = CliRunner()


def test_simulate_writes_a_wfdb_record_that_reads_back(tmp_path):
    out = tmp_path / "sim.hea"
    res = runner.invoke(app, ["simulate", str(out), "--duration", "8", "--hr", "80", "--fs", "250",
                              "--seed", "5", "--noise-snr", "25"])
    assert res.exit_code == 0, res.output
    assert "wrote" in res.output and "beats" in res.output
    rec = cardiokit.read(tmp_path / "sim")
    assert rec.channel_names == LEADS_12 and rec.fs == 250 and rec.n_samples == 2000
    assert all(c.unit == "mV" for c in rec.channels)
    ref = simulate_ecg(duration_s=8, heart_rate_bpm=80, fs_hz=250, seed=5, noise_snr_db=25)
    np.testing.assert_allclose(rec.signals, ref.signals, atol=2e-3)  # 16-bit quantisation only
    truth = rec.annotation("truth")
    assert truth == ref.annotation("truth")
    assert "N" in truth.symbol and "p" in truth.symbol


def test_simulate_single_lead_af_to_csv(tmp_path):
    out = tmp_path / "af.csv"
    res = runner.invoke(app, ["simulate", str(out), "--leads", "1", "--af", "--seed", "1", "--duration", "5"])
    assert res.exit_code == 0, res.output
    rec = cardiokit.read(out)
    assert rec.n_channels == 1 and rec.n_samples == 2500


def test_simulate_av_block_reads_back_as_that_block(tmp_path):
    out = tmp_path / "avb.hea"
    res = runner.invoke(app, ["simulate", str(out), "--av-block", "mobitz1", "--hr", "55", "--seed", "2",
                              "--noise-snr", "25"])
    assert res.exit_code == 0, res.output
    assert "atrial rate 73 bpm" in res.output and "P waves blocked" in res.output
    rep = cardiokit.analyze(cardiokit.read(out))
    assert "mobitz_type_i_av_block" in [s.key for s in rep.statements]
    bad = runner.invoke(app, ["simulate", str(tmp_path / "x.hea"), "--av-block", "2:1", "--atrial-rate", "90"])
    assert bad.exit_code != 0 and "atrial_rate_bpm" in str(bad.exception)


def test_simulate_rejects_bad_options(tmp_path):
    from cardiokit.cli import main

    with pytest.raises(SystemExit) as exc:
        import sys

        argv = sys.argv
        sys.argv = ["cardiokit", "simulate", str(tmp_path / "x.hea"), "--hr", "0"]
        try:
            main()
        finally:
            sys.argv = argv
    assert exc.value.code == 2


def test_demo_runs_the_whole_job(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("duckdb")
    out = tmp_path / "demo"
    res = runner.invoke(app, ["demo", "--out", str(out)])
    assert res.exit_code == 0, res.output
    for name in ("demo.hea", "demo.dat", "demo.html", "demo.pdf", "demo.jsonl", "cardiokit.duckdb"):
        assert (out / name).is_file(), name
        assert str(out / name) in res.output.replace("\n", "") or name == "demo.dat"
    doc = json.loads((out / "demo.jsonl").read_text().splitlines()[0])
    assert doc["measurements"]["heart_rate_bpm"] == pytest.approx(68, abs=2)
    assert "truth" in res.output
