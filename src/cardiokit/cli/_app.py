"""The typer app, consoles and shared options of the CLI."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console

from .. import __version__

app = typer.Typer(
    name="cardiokit",
    help="Cardiac recordings in, validated measurements, findings and reports out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

FsOption = Annotated[
    float | None,
    typer.Option("--fs", metavar="HZ", help="Sampling rate in Hz, for files that do not store one (CSV/TXT)."),
]


class Kind(StrEnum):
    ecg = "ecg"
    ppg = "ppg"
    pcg = "pcg"
    video = "video"


KindOption = Annotated[
    Kind | None, typer.Option("--kind", help="Signal kind for channels the file does not label.")
]


def _version(value: bool) -> None:
    if value:
        console.print(f"cardiokit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """cardiokit command line."""


