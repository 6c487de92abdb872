"""`cardiokit annotate --method`: the learned delineator writes valid, scorable WFDB annotations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.cli.test_annotate import _pattern_ok, copy_ludb
from tests.conftest import shared_path


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from cardiokit.cli import main; main()", "annotate", *args],
                          capture_output=True, text=True, timeout=180)


def _triples_ok(symbols: list[str], samples: np.ndarray) -> bool:
    """Samples in time order and the QT Database pattern of :func:`_pattern_ok`."""
    return not np.any(np.diff(samples) < 0) and _pattern_ok(symbols)


def test_annotate_method_unet_writes_valid_annotations(tmp_path: Path) -> None:
    import wfdb

    hea = shared_path("ludb", "data", "7.hea")
    src = copy_ludb(tmp_path, "7")
    out = tmp_path / "out"
    res = _run(str(src / "7.hea"), "--out", str(out), "--method", "unet", "--per-lead", "--ext", "unet")
    assert res.returncode == 0, res.stderr
    g = wfdb.rdann(str(out / "7"), "unet")
    sym = list(g.symbol)
    assert _triples_ok(sym, np.asarray(g.sample)) and set(np.asarray(g.chan).tolist()) == {0}
    assert sym.count("N") >= 8 and sym.count("(") >= 2 * sym.count("N")  # QRS and at least P or T bounded
    for lead in ("i", "ii", "v5"):
        a = wfdb.rdann(str(out / "7"), lead)
        assert _triples_ok(list(a.symbol), np.asarray(a.sample))
        # the QRS onsets of the lead land near the LUDB expert's (+-20 ms for 80 %)
        ref = wfdb.rdann(str(hea)[:-4], lead)
        rs, ra = list(ref.symbol), np.asarray(ref.sample)
        ron = np.array([ra[k - 1] for k, s in enumerate(rs) if s == "N" and k > 0 and rs[k - 1] == "("])
        asym, asamp = list(a.symbol), np.asarray(a.sample)
        don = np.array([asamp[k - 1] for k, s in enumerate(asym) if s == "N" and k > 0 and asym[k - 1] == "("])
        assert ron.size and don.size
        near = [np.min(np.abs(don - r)) <= 10 for r in ron]  # 10 samples = 20 ms at 500 Hz
        assert np.mean(near) >= 0.8, (lead, np.mean(near))


def test_annotate_method_rejects_unknown_names(tmp_path: Path) -> None:
    hea = shared_path("ludb", "data", "7.hea")
    res = _run(str(hea), "--out", str(tmp_path), "--method", "wavelet")
    assert res.returncode == 2 and "slope2004" in res.stderr and "unet" in res.stderr
