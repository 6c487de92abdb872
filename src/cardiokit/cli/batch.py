"""`cardiokit batch INPUT --store DB`: analyse a folder, glob or list of recordings, resumable."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ._app import FsOption, KindOption, app, console, err_console
from .analyze import parse_meta

__all__ = ["batch_cmd"]


class _RateColumn(ProgressColumn):
    """Records per second since the start (rich's own speed, taken over the last few updates,
    reads thousands per second when workers hand back results in a burst)."""

    def render(self, task: Any) -> Text:
        t = task.elapsed
        speed = task.completed / t if t and task.completed else None
        return Text("-- rec/s" if speed is None else f"{speed:.2f} rec/s", style="progress.data.speed")


@app.command("batch")
def batch_cmd(
    input: Annotated[str, typer.Argument(metavar="INPUT",
        help="A folder (all recordings in it, recursively), a glob pattern ('data/*.hea') or a list file (one path per line).")],
    store: Annotated[Path, typer.Option("--store", help="DuckDB result store (created when missing).")],
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Local worker processes (default: CPU count).")] = None,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Run on an existing Dask distributed cluster, e.g. tcp://127.0.0.1:8786.")] = None,
    parquet: Annotated[Path | None, typer.Option("--parquet", help="Also export the store tables to this folder as Parquet.")] = None,
    fs: FsOption = None,
    kind: KindOption = None,
    long_s: Annotated[float | None, typer.Option(
        "--long-s", min=1.0, help="ISHNE/WFDB/EDF recordings longer than this (s, default 3600) are analysed in "
                                  "chunks as Holter recordings (summary in the report's 'holter').")] = None,
    meta: Annotated[list[str] | None, typer.Option("--meta", help="Subject data KEY=VALUE applied to every input.")] = None,
) -> None:
    """Analyse many recordings into the store; a killed run continues where it stopped."""
    from ..batch import run_batch

    subject = parse_meta(meta)
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                        _RateColumn(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                        console=err_console)
    task: list[Any] = []

    def on_start(n_todo: int, n_skipped: int) -> None:
        if n_skipped:
            err_console.print(f"{n_skipped} input(s) already in the store: skipped")
        task.append(progress.add_task("analysing", total=n_todo))

    shown: set[str] = set()

    def on_result(source: str, report: Any) -> None:
        if report.errors and report.recording is None:
            shown.add(source)
            err_console.print(f"[bold red]failed:[/] {report.errors[0].message}", highlight=False)
        progress.advance(task[0])

    with progress:
        res = run_batch(input, store, workers=workers, scheduler=scheduler, parquet=parquet, subject=subject,
                        fs=fs, kind=kind.value if kind else None, long_s=long_s, on_start=on_start,
                        on_result=on_result)
    for source, message in res.failures:
        if source not in shown:  # hash failures, or failures stored by an earlier (killed) run
            err_console.print(f"[bold red]failed:[/] {source}: {message}", highlight=False)
    console.print(
        f"{res.n_inputs} recording(s), {res.n_unique} unique, {res.n_skipped} already stored, "
        f"{res.n_done} analysed in {res.elapsed_s:.1f} s ({res.rate_per_s:.2f}/s), {res.n_failed} failed"
        + (f"; Parquet in {parquet}" if parquet else ""), highlight=False)
    if res.n_failed:
        raise typer.Exit(1)
