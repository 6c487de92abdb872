"""`cardiokit annotate` end to end on a LUDB record."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.conftest import shared_path


def _pattern_ok(symbols: list[str]) -> bool:
    """Every peak symbol may have ( before and ) after; nothing else appears."""
    for k, s in enumerate(symbols):
        if s == "(" and (k + 1 >= len(symbols) or symbols[k + 1] not in ("p", "N", "t")):
            return False
        if s == ")" and (k == 0 or symbols[k - 1] not in ("p", "N", "t")):
            return False
        if s not in ("(", ")", "p", "N", "t"):
            return False
    return True


def copy_ludb(tmp_path: Path, name: str) -> Path:
    """Copy LUDB record ``name`` (header and signals) into ``tmp_path / "in"``; that folder."""
    hea = shared_path("ludb", "data", f"{name}.hea")
    src = tmp_path / "in"
    src.mkdir()
    for ext in ("hea", "dat"):
        shutil.copy(hea.with_suffix(f".{ext}"), src / f"{name}.{ext}")
    return src


def test_annotate_per_lead(tmp_path: Path) -> None:
    import wfdb

    src = copy_ludb(tmp_path, "2")
    out = tmp_path / "out"
    res = subprocess.run(
        [sys.executable, "-c", "from cardiokit.cli import main; main()", "annotate", str(src / "2"), str(src / "missing.hea"),
         "--out", str(out), "--per-lead"],
        capture_output=True, text=True, timeout=120,
    )
    assert res.returncode != 0 and "missing" in res.stderr  # one unreadable record
    g = wfdb.rdann(str(out / "2"), "cka")
    assert g.symbol.count("N") >= 10 and _pattern_ok(list(g.symbol))
    assert set(np.asarray(g.chan).tolist()) == {0}
    for lead in ("i", "ii", "avf", "v1", "v6"):
        a = wfdb.rdann(str(out / "2"), lead)
        assert _pattern_ok(list(a.symbol)) and a.symbol.count("N") >= 10
        # scorable against LUDB's own file: the QRS peaks land near the expert's
        ref = wfdb.rdann(str(shared_path("ludb", "data", "2.hea"))[:-4], lead)
        rq = ref.sample[np.asarray(ref.symbol) == "N"]
        dq = a.sample[np.asarray(a.symbol) == "N"]
        near = [np.min(np.abs(dq - r)) <= 40 for r in rq]
        assert np.mean(near) >= 0.9


def test_annotate_per_lead_standard_names_from_other_spellings(tmp_path: Path) -> None:
    """Leads named "Lead I" ... in the header: per-lead files still get the LUDB extensions
    (.i, .ii, ...), with the same boundaries (per-lead bias table found) as LUDB's names give."""
    import wfdb

    src = copy_ludb(tmp_path, "2")
    alt = tmp_path / "alt"
    alt.mkdir()
    shutil.copy(src / "2.dat", alt / "2.dat")
    lines = (src / "2.hea").read_text().splitlines()
    head, sigs = lines[0], lines[1:13]
    renamed = [" ".join([*ln.split()[:-1], f"Lead {ln.split()[-1].upper()}"]) for ln in sigs]
    (alt / "2.hea").write_text("\n".join([head, *renamed, *lines[13:]]) + "\n")
    for folder in (src, alt):
        res = subprocess.run(
            [sys.executable, "-c", "from cardiokit.cli import main; main()", "annotate", str(folder / "2"),
             "--out", str(folder / "out"), "--per-lead"],
            capture_output=True, text=True, timeout=120,
        )
        assert res.returncode == 0, res.stderr
    for lead in ("i", "ii", "avl", "v1"):
        a, b = wfdb.rdann(str(src / "out" / "2"), lead), wfdb.rdann(str(alt / "out" / "2"), lead)
        assert a.symbol == b.symbol and np.array_equal(a.sample, b.sample)
