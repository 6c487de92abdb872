"""`cardiokit annotate --classes`: R-peak symbols carry the beat classes (MIT-BIH symbols), so
standard beat-by-beat tools can score them against an arrhythmia database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bench._common import match_events

from cardiokit._core.errors import InvalidArgumentError
from cardiokit.ecg.delineate import Delineation
from tests.cli.test_annotate_method import _triples_ok
from tests.conftest import shared_path


def test_annotate_classes_writes_the_pvcs_of_mitdb_119(tmp_path: Path) -> None:
    import wfdb

    hea = shared_path("mitdb", "119.hea")
    res = subprocess.run([sys.executable, "-c", "from cardiokit.cli import main; main()", "annotate", str(hea),
                          "--out", str(tmp_path), "--classes", "--ext", "cls"], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    assert "444 V" in res.stdout or " V)" in res.stdout
    got = wfdb.rdann(str(tmp_path / "119"), "cls")
    sym, samp = list(got.symbol), np.asarray(got.sample)
    assert _triples_ok([("N" if s in "VA/Q" else s) for s in sym], samp)
    ref = wfdb.rdann(str(hea)[:-4], "atr")
    ref_v = np.asarray(ref.sample)[np.asarray(ref.symbol) == "V"]
    our_v = samp[np.asarray(sym) == "V"]
    sc = match_events(ref_v, our_v, round(0.15 * 360))
    assert sc.se >= 98.0 and sc.ppv >= 98.0, sc  # 444 of 444 on 2026-11-25
    assert set(sym) <= {"(", ")", "p", "t", "N", "V", "A", "/", "Q"}


def test_beat_classes_must_match_the_beats() -> None:
    per = np.full((1, 3, 9), -1, np.int64)
    per[0, :, 3:6] = [[90, 100, 120], [290, 300, 320], [490, 500, 520]]
    beats = np.array([100, 300, 500])
    dl = Delineation(per, per[0].copy(), beats, 500.0, ("II",), 1000)
    ann = dl.to_annotations(beat_symbols=True, beat_classes=("N", "V", "P"))
    assert [s for s in ann.symbol if s not in "()"] == ["N", "V", "/"]
    assert [s for s in dl.to_annotations(beat_symbols=True).symbol if s not in "()"] == ["N", "N", "N"]
    with pytest.raises(InvalidArgumentError, match="3 beats"):
        dl.to_annotations(beat_symbols=True, beat_classes=("N", "V"))


def test_annotate_classes_calls_no_pacs_in_atrial_fibrillation(tmp_path: Path) -> None:
    """MIT-BIH 210 (AF throughout): its irregular early beats are no PACs (145 were written as A
    before the AF statement was taken into account); its PVCs stay V."""
    import wfdb

    hea = shared_path("mitdb", "210.hea")
    res = subprocess.run([sys.executable, "-c", "from cardiokit.cli import main; main()", "annotate", str(hea),
                          "--out", str(tmp_path), "--classes"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    sym = list(wfdb.rdann(str(tmp_path / "210"), "cka").symbol)
    assert sym.count("A") == 0 and 150 <= sym.count("V") <= 230  # 195 annotated, 173 found
