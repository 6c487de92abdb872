"""Shared benchmark helpers: data paths, record loading, beat matching, timing, tables.

Reusable by every bench script: ``load_wfdb``, ``reference_beats``, ``match_events``,
``Score``, ``time_call``, ``markdown_table``, ``write_section``, ``versions``.
"""

from __future__ import annotations

import os
import platform
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CARDIOKIT_SHARED_DATA", REPO.parent / "shared" / "data"))
BENCHMARKS_MD = REPO / "docs" / "BENCHMARKS.md"

#: WFDB beat annotation symbols (physionet "Table of beat annotations"); everything else
#: (rhythm, noise, ``|`` artefact, ``~`` quality, ``+`` rhythm change, ``!`` flutter wave...)
#: is not a beat.
BEAT_SYMBOLS = frozenset("NLRBAaJSVrFejnE/fQ?")


def data_path(*parts: str) -> Path:
    """Path inside the shared data folder (``CARDIOKIT_SHARED_DATA`` or ../shared/data)."""
    return SHARED_DATA.joinpath(*parts)


def record_names(dataset: str) -> list[str]:
    """Record names listed in ``<dataset>/RECORDS`` (one per line)."""
    txt = data_path(dataset, "RECORDS").read_text()
    return [r.strip() for r in txt.splitlines() if r.strip()]


@dataclass(frozen=True)
class WfdbRecord:
    name: str
    signals: np.ndarray  # (n_samples, n_channels) float64 physical units
    fs: float
    sig_names: tuple[str, ...]
    ann_sample: np.ndarray
    ann_symbol: tuple[str, ...]


def load_wfdb(path: str | Path, annotator: str | None = "atr", *, sampto: int | None = None
              ) -> WfdbRecord:
    """Read a WFDB record (and one annotation file) with the ``wfdb`` library."""
    import wfdb

    path = str(path)
    rec = wfdb.rdrecord(path, sampto=sampto)
    samp, sym = np.zeros(0, np.int64), ()
    if annotator is not None:
        ann = wfdb.rdann(path, annotator, sampto=sampto)
        samp, sym = np.asarray(ann.sample, np.int64), tuple(ann.symbol)
    sig = np.asarray(rec.p_signal, dtype=np.float64)
    return WfdbRecord(Path(path).name, sig, float(rec.fs), tuple(rec.sig_name), samp, sym)


def reference_beats(rec: WfdbRecord, symbols: Iterable[str] = BEAT_SYMBOLS) -> np.ndarray:
    """Sample indices of the beat annotations of ``rec`` (non-beat symbols excluded)."""
    keep = np.array([s in symbols for s in rec.ann_symbol], dtype=bool)
    return rec.ann_sample[keep] if keep.size else np.zeros(0, np.int64)


@dataclass(frozen=True)
class Score:
    """Detection counts; Se, PPV and F1 in percent."""

    tp: int
    fp: int
    fn: int

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def se(self) -> float:
        return 100.0 * self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def ppv(self) -> float:
        return 100.0 * self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def f1(self) -> float:
        d = 2 * self.tp + self.fp + self.fn
        return 100.0 * 2 * self.tp / d if d else float("nan")


def match_events(reference: np.ndarray, detected: np.ndarray, tolerance: int) -> Score:
    """One-to-one matching of detected to reference events within ``± tolerance`` samples.

    Greedy in time order on sorted arrays (each reference matched at most once, to the
    nearest free detection), the usual beat-by-beat comparison of ANSI/AAMI EC57.
    """
    ref = np.sort(np.asarray(reference, np.int64))
    det = np.sort(np.asarray(detected, np.int64))
    if ref.size == 0 or det.size == 0:
        return Score(0, int(det.size), int(ref.size))
    used = np.zeros(det.size, bool)
    tp = 0
    j0 = 0
    for r in ref:
        while j0 < det.size and det[j0] < r - tolerance:
            j0 += 1
        best, bestd = -1, tolerance + 1
        j = j0
        while j < det.size and det[j] <= r + tolerance:
            if not used[j] and abs(int(det[j]) - int(r)) < bestd:
                best, bestd = j, abs(int(det[j]) - int(r))
            j += 1
        if best >= 0:
            used[best] = True
            tp += 1
    return Score(tp, int(det.size - tp), int(ref.size - tp))


def time_call(fn: Callable[[], Any], *, repeat: int = 1) -> tuple[Any, float]:
    """Result of ``fn()`` and its best wall time in seconds over ``repeat`` runs."""
    best, out = float("inf"), None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def versions(packages: Sequence[str]) -> dict[str, str]:
    """Installed versions of ``packages`` (``"absent"`` when not installed), plus Python."""
    out = {"python": platform.python_version()}
    for p in packages:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "absent"
    return out


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A GitHub markdown table; floats printed with 2 decimals."""
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return "nan" if v != v else f"{v:.2f}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_section(title: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or append) the ``## title`` section of docs/BENCHMARKS.md, keeping the others."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    heading = f"## {title}"
    section = f"{heading}\n\n{body.strip()}\n"
    pat = re.compile(rf"^{re.escape(heading)}\s*$.*?(?=^## |\Z)", re.M | re.S)
    if pat.search(text):
        text = pat.sub(lambda _m: section + "\n", text, count=1)
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text.rstrip() + "\n")


def today() -> str:
    return date.today().isoformat()
