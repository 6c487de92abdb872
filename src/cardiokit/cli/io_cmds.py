"""`cardiokit info` and `cardiokit convert`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..io import read, write
from ._app import FsOption, KindOption, app, console


@app.command()
def info(file: Annotated[Path, typer.Argument(metavar="FILE", help="Recording file (any supported format).")],
         fs: FsOption = None, kind: KindOption = None) -> None:
    """Print channels, sampling rate, duration, units and an annotation summary."""
    rec = read(file, fs=fs, kind=kind.value if kind else None)
    head = Table(show_header=False, box=None)
    head.add_row("file", str(file))
    head.add_row("format", str(rec.meta.get("format", "?")))
    head.add_row("sampling rate", f"{rec.fs:g} Hz")
    head.add_row("duration", f"{rec.duration_s:.3f} s ({rec.n_samples} samples)")
    head.add_row("channels", str(rec.n_channels))
    if rec.start is not None:
        head.add_row("start", rec.start.isoformat())
    if rec.frames is not None:
        head.add_row("video", f"{rec.frames.n_frames} frames {rec.frames.shape[1]}x{rec.frames.shape[0]} px")
    subject = rec.meta.get("subject") or {}
    for key, val in subject.items():
        head.add_row(f"subject {key}", str(val))
    if rec.meta.get("device"):
        head.add_row("device", str(rec.meta["device"]))
    console.print(head)
    table = Table(title="Channels")
    for col in ("#", "name", "kind", "unit", "min", "max"):
        table.add_column(col, justify="right" if col in ("#", "min", "max") else "left")
    mins, maxs = rec.signals.min(axis=0), rec.signals.max(axis=0)
    for i, ch in enumerate(rec.channels):
        table.add_row(str(i), ch.name, ch.kind, ch.unit or "-", f"{mins[i]:.4g}", f"{maxs[i]:.4g}")
    console.print(table)
    if rec.annotations:
        ann = Table(title="Annotations")
        for col in ("set", "count", "symbols"):
            ann.add_column(col)
        for a in rec.annotations:
            counts = sorted(a.counts().items(), key=lambda kv: -kv[1])
            shown = ", ".join(f"{s or '∅'}:{n}" for s, n in counts[:12]) + (" ..." if len(counts) > 12 else "")
            ann.add_row(a.name, str(len(a)), shown)
        console.print(ann)
    else:
        console.print("Annotations: none")


@app.command()
def convert(
    src: Annotated[Path, typer.Argument(metavar="IN", help="Input recording.")],
    dst: Annotated[
        Path,
        typer.Argument(metavar="OUT", help="Output file; format from its extension (.hea/.dat WFDB, .edf, .bdf, .dcm, .xml aECG, .csv, .parquet)."),
    ],
    fs: FsOption = None,
    kind: KindOption = None,
) -> None:
    """Convert a recording to another format (chosen by the output's extension)."""
    rec = read(src, fs=fs, kind=kind.value if kind else None)
    written = write(rec, dst)
    for p in written:
        console.print(f"wrote {p}")
