"""`cardiokit db query "SQL"` and `cardiokit db export DIR`: the result store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ._app import app, console

db_app = typer.Typer(help="Query and export the result store (DuckDB).", no_args_is_help=True)
app.add_typer(db_app, name="db")

StoreOption = Annotated[
    Path | None,
    typer.Option("--store", help="DuckDB result store (default: $CARDIOKIT_DATA_DIR/cardiokit.duckdb)."),
]


def _fmt(v: object) -> str:
    if v is None:
        return "∅"
    if isinstance(v, float):
        return f"{v:.6g}"
    s = str(v)
    return s if len(s) <= 80 else s[:77] + "..."


@db_app.command("query")
def query(
    sql: Annotated[str, typer.Argument(metavar="SQL", help="SQL, e.g. \"SELECT source, heart_rate_bpm FROM analyses\".")],
    store: StoreOption = None,
    limit: Annotated[int, typer.Option("--limit", help="Print at most this many rows.")] = 1000,
) -> None:
    """Run SQL on the store (read-only) and print the rows as a table.

    Tables: analyses, measurements, statements, beats (see docs/JSON.md).
    """
    from ..store import Store

    with Store(store, read_only=True) as db:
        cols, rows = db.query(sql)
    table = Table(show_lines=False)
    for c in cols:
        table.add_column(c, overflow="fold")
    for row in rows[:limit]:
        table.add_row(*(_fmt(v) for v in row))
    console.print(table)
    more = f" (showing {limit})" if len(rows) > limit else ""
    console.print(f"{len(rows)} row(s){more}")


@db_app.command("export")
def export(
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="Output folder; one <table>.parquet per table.")],
    store: StoreOption = None,
) -> None:
    """Write every table of the store to Parquet."""
    from ..store import Store

    with Store(store, read_only=True) as db:
        written = db.export(folder)
    for p in written:
        console.print(f"wrote {p}")
