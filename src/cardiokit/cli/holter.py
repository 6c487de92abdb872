"""`cardiokit holter FILE...`: long (Holter) recordings summarised chunk by chunk, bounded memory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from .._core.errors import CardiokitError
from ._app import FsOption, KindOption, app, console, err_console
from .analyze import explain_read_error

__all__ = ["holter_cmd"]


def _table(doc: dict[str, Any]) -> Table:
    from ..report.holter import summary_rows

    t = Table(title=str(doc["source"]), show_header=False, title_justify="left")
    t.add_column(style="bold")
    t.add_column()
    for k, v in summary_rows(doc):
        t.add_row(k, v)
    return t


@app.command("holter")
def holter_cmd(
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="Long recordings (ISHNE, WFDB and EDF are streamed; others read whole).")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write one Holter summary per input as JSON lines.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Folder for <name>.holter.png trend plots.")] = None,
    chunk_s: Annotated[float, typer.Option("--chunk-s", help="Chunk length in seconds.")] = 300.0,
    pause_s: Annotated[float, typer.Option("--pause-s", help="RR longer than this is a pause (s).")] = 2.0,
    fs: FsOption = None,
    kind: KindOption = None,
) -> None:
    """Summarise Holter-length ECG: beats, HR trend, long-term HRV, AF burden, ectopy, pauses, quality."""
    from ..batch.long import analyze_long

    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    failed = 0
    for path in files:
        progress = Progress(TextColumn(f"{path.name}"), BarColumn(), MofNCompleteColumn(), TextColumn("chunks"),
                            TimeElapsedColumn(), TimeRemainingColumn(), console=err_console, transient=True,
                            disable=not err_console.is_terminal)
        task = progress.add_task("", total=None)
        try:
            with progress:
                summary = analyze_long(path, chunk_s=chunk_s, pause_s=pause_s, fs=fs,
                                       kind=None if kind is None else kind.value,
                                       on_chunk=lambda done, total, p=progress, t=task: p.update(t, completed=done,
                                                                                                total=total))
        except (CardiokitError, OSError) as exc:
            failed += 1
            err_console.print(f"[bold red]error:[/] {explain_read_error(path, type(exc).__name__, str(exc))}",
                              highlight=False)
            lines.append(json.dumps({"source": str(path), "errors": [{"stage": "holter", "type": type(exc).__name__,
                                                                      "message": str(exc)}]}))
            continue
        doc = summary.to_dict()
        lines.append(json.dumps(doc, allow_nan=False))
        console.print(_table(doc))
        if out is not None:
            png = out / f"{path.stem}.holter.png"
            from ..report.holter import write_trend_figure

            write_trend_figure(doc, png)
            console.print(f"trend plot: {png}", highlight=False)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        tmp = json_out.with_name(json_out.name + ".tmp")
        tmp.write_text("".join(line + "\n" for line in lines))
        os.replace(tmp, json_out)
    if failed:
        err_console.print(f"{failed} of {len(files)} input(s) failed")
        raise SystemExit(1)
