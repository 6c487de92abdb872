"""`cardiokit annotate`: beat and wave-boundary annotations in WFDB format."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.progress import Progress

from .._core.errors import CardiokitError
from .._core.leads import standard_lead_name
from ..ecg import clean, delineate, detect_beats
from ..ecg.delineate import METHODS as DELINEATION_METHODS
from ..ecg.delineate import Delineation
from ..io import read
from ..io.wfdb_format import wrann
from ._app import app, console, err_console


def _record_name(path: Path) -> str:
    name = path.name
    return name[: -len(".hea")] if name.lower().endswith(".hea") else (path.stem if path.suffix.lower() in (".dat", ".edf", ".xml", ".csv", ".dcm", ".parquet", ".txt", ".wav", ".bdf") else name)


def _wrann(out_dir: Path, record: str, ext: str, dl: Delineation, fs: float, lead: int | None,
           classes: tuple[str, ...] | None = None) -> Path:
    ann = dl.to_annotations(lead=lead, beat_symbols=lead is None, beat_classes=classes if lead is None else None)
    sample = np.asarray(ann.sample, np.int64)
    if sample.size == 0:  # wrann cannot write an empty file: write nothing but say so
        raise CardiokitError(f"{record}: no beat found, no annotation written")
    # LUDB's extensions are like "v1", which wfdb.wrann refuses: wrann writes and renames
    return wrann(out_dir / record, ext, sample, list(ann.symbol), np.zeros(sample.size, np.int64), fs)


@app.command()
def annotate(
    records: Annotated[list[Path], typer.Argument(metavar="RECORD", help="Recordings (any readable format; WFDB with or without .hea).")],
    out: Annotated[Path, typer.Option("--out", help="Output directory.")],
    ext: Annotated[str, typer.Option("--ext", help="Annotator extension of the global file.")] = "cka",
    per_lead: Annotated[
        bool, typer.Option("--per-lead", help="Also write one file per lead, extension = lead name lowercased (LUDB style; 'Lead II', 'DII' -> .ii).")
    ] = False,
    method: Annotated[
        str, typer.Option("--method", help="Delineation method: slope2004 (rules, default) or unet (learned, ONNX).")
    ] = "slope2004",
    classes: Annotated[
        bool, typer.Option("--classes", help="R-peak symbols carry the beat class of cardiokit analyze "
                                             "(MIT-BIH symbols: N, V ventricular ectopic, A supraventricular "
                                             "premature, / paced) instead of N.")
    ] = False,
) -> None:
    """Detect beats and delineate P/QRS/T; write WFDB annotations (QT Database convention).

    ``N`` at each R peak, ``(`` / ``)`` at each wave's onset / offset around the peak symbols
    ``p``, ``N``, ``t``; channel 0 holds the multi-lead (global) delineation. With ``--classes``
    the beats are those of ``cardiokit analyze`` and each R-peak symbol is its beat class
    (accuracy: docs/BENCHMARKS.md, "Beat classes (MIT-BIH)").
    """
    if not re.fullmatch(r"[A-Za-z0-9_]+", ext):
        raise typer.BadParameter(f"--ext must be letters, digits or _; got {ext!r}")
    if method not in DELINEATION_METHODS:
        raise typer.BadParameter(f"--method must be one of {', '.join(DELINEATION_METHODS)}; got {method!r}")
    out.mkdir(parents=True, exist_ok=True)
    failed = 0
    with Progress(console=err_console, transient=True,
                  disable=len(records) < 2 or not err_console.is_terminal) as progress:
        task = progress.add_task("annotating", total=len(records))
        for path in records:
            name = _record_name(path)
            try:
                rec = read(path)
                labels = None
                if classes:  # analyze's beats and their classes; the delineation of those beats
                    from ..pipeline import analyze

                    rep = analyze(rec)
                    if rep.beats is None or rep.cleaned is None:
                        raise CardiokitError(f"{name}: no ECG beats found, no annotation written")
                    rec_c, beats = rep.cleaned, rep.beats
                    bc = getattr(rep.morphology, "beats", None)
                    labels = bc.labels if bc is not None else ("Q",) * len(beats)
                    if any(rep.statement(k) is not None for k in ("atrial_fibrillation", "atrial_flutter")):
                        # an irregular ventricular response: its early beats are no PACs (as the Holter summary)
                        labels = tuple("N" if c == "A" else c for c in labels)
                else:
                    rec_c = clean(rec)
                    beats = detect_beats(rec_c)
                dl = delineate(rec_c, beats=beats, method=method)
                written = [_wrann(out, name, ext, dl, rec.fs, None, labels)]
                if per_lead:
                    for j, lead in enumerate(dl.leads):
                        std = standard_lead_name(lead)  # "Lead II" / "DII" -> ".ii"
                        lext = re.sub(r"[^a-z0-9_]", "", (std or lead).lower()) or f"ch{j}"
                        written.append(_wrann(out, name, lext, dl, rec.fs, j))
                counts = "" if labels is None else " (" + ", ".join(
                    f"{labels.count(c)} {c}" for c in ("N", "V", "A", "P", "Q") if labels.count(c)) + ")"
                console.print(f"{path}: {len(beats)} beats{counts} -> " + ", ".join(p.name for p in written),
                              highlight=False)
            except (CardiokitError, OSError, ValueError) as exc:
                failed += 1
                err_console.print(f"[bold red]error:[/] {path}: {exc}", highlight=False)
            progress.advance(task)
    if failed:
        err_console.print(f"{failed} of {len(records)} record(s) failed")
        raise SystemExit(1)
