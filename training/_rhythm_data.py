"""Data access for training/train_rhythm.py and bench/bench_rhythm.py (CinC 2017).

The training pool is the full CinC 2017 training set minus every record of the shared
evaluation subset (shared/data/cinc2017/RECORDS) and minus the CinC 2017 ids reserved
in shared/data/RESERVED.md. Signals and derived arrays are cached under /work/cache.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import numpy as np
from training._paths import SHARED_DATA

TRAIN_DIR = Path(os.environ.get("CINC2017_DIR", "/work/cache/cinc2017/training2017"))
SHARED = SHARED_DATA
SHARED_DIR = SHARED / "cinc2017"
CACHE = Path(os.environ.get("CARDIOKIT_CACHE", "/work/cache/cardiokit_rhythm"))
#: The final (v3) labels of all 8528 training records: REFERENCE-v3.csv of github
#: awerdich/physionet @ 86248467abe6d33ee91a08ce5953dbd367af1ec3 (sha256 ae517e47...855b;
#: the file shared/data/cinc2017 takes its labels from). The REFERENCE.csv beside the
#: signals is an earlier release (112 of the 7328 pool records differ).
V3_CSV = Path(os.environ.get("CINC2017_V3", "/work/cache/cinc2017/v3/REFERENCE-v3.csv"))
CLASSES = ("N", "A", "O", "~")
LABELS = ("normal", "af", "other", "noisy")
SEED = 2017
N_FOLDS = 5


def reserved_ids() -> set[str]:
    text = (SHARED / "RESERVED.md").read_text()
    m = re.search(r"## CinC 2017[^\n]*\n```(.*?)```", text, re.S)
    return set(m.group(1).split()) if m else set()


def shared_ids() -> list[str]:
    return (SHARED_DIR / "RECORDS").read_text().split()


def pool() -> tuple[list[str], np.ndarray]:
    """Training-pool record ids and labels (0..3 in CLASSES order) from REFERENCE.csv."""
    excluded = reserved_ids() | set(shared_ids())
    ids, y = [], []
    with open(TRAIN_DIR / "REFERENCE.csv") as f:
        for row in csv.reader(f):
            if len(row) < 2 or row[1] not in CLASSES or row[0] in excluded:
                continue
            ids.append(row[0])
            y.append(CLASSES.index(row[1]))
    return ids, np.asarray(y, np.int64)


def pool_v3() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Pool ids, their final (v3) labels and the CV folds. The folds stay those of
    :func:`folds` on the REFERENCE.csv labels, so models cached per fold stay out of fold."""
    ids, y_ref = pool()
    with open(V3_CSV) as f:
        v3 = {row[0]: row[1] for row in csv.reader(f) if len(row) >= 2}
    return ids, np.asarray([CLASSES.index(v3[i]) for i in ids], np.int64), folds(y_ref)


def shared() -> tuple[list[str], np.ndarray]:
    """The 600 shared evaluation records and their final (v3) labels from labels.csv."""
    ids, y = [], []
    with open(SHARED_DIR / "labels.csv") as f:
        for row in csv.DictReader(f):
            ids.append(row["record"])
            y.append(CLASSES.index(row["label"]))
    return ids, np.asarray(y, np.int64)


def folds(y: np.ndarray) -> np.ndarray:
    """Stratified 5-fold assignment by record (one record per subject in CinC 2017), seeded."""
    rng = np.random.default_rng(SEED)
    out = np.zeros(y.size, np.int64)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        out[idx] = np.arange(idx.size) % N_FOLDS
    return out


def read_mat(path: Path) -> np.ndarray:
    """One CinC 2017 record in mV (MATLAB v4 ``val``, 1000 adu/mV, 300 Hz)."""
    from scipy.io import loadmat

    return loadmat(str(path))["val"].astype(np.float64).reshape(-1) / 1000.0


def signals(name: str, ids: list[str], folder: Path) -> list[np.ndarray]:
    """Raw signals (mV, 300 Hz) of ``ids``, cached as one npz per set."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"signals_{name}.npz"
    if path.exists():
        z = np.load(path)
        if list(z["ids"]) == list(ids):
            off = z["offsets"]
            data = z["data"]
            return [data[off[i] : off[i + 1]].astype(np.float64) for i in range(len(ids))]
    sigs = [read_mat(folder / f"{i}.mat") for i in ids]
    off = np.concatenate([[0], np.cumsum([s.size for s in sigs])])
    np.savez(path, ids=np.asarray(ids), offsets=off, data=np.concatenate(sigs).astype(np.float32))
    return sigs


def cinc_f1(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Per-class F1 (N, A, O, ~) and the CinC 2017 score: mean F1 over N, A and O."""
    out = {}
    for c, name in enumerate(CLASSES):
        tp = np.sum((y_true == c) & (y_pred == c))
        denom = np.sum(y_true == c) + np.sum(y_pred == c)
        out[name] = float(2 * tp / denom) if denom else 0.0
    out["score"] = (out["N"] + out["A"] + out["O"]) / 3
    return out
