"""Command-line interface: a thin typer layer over the library.

Commands live in one module each and register on the shared ``app`` when imported.
"""

from __future__ import annotations

import importlib
import sys

import typer

from .._core.errors import CardiokitError, UnknownFormatError
from ._app import app, err_console

__all__ = ["app", "main"]

_COMMAND_MODULES = ("io_cmds", "annotate", "analyze", "db", "simulate", "demo", "batch", "holter", "serve")
for _m in _COMMAND_MODULES:
    importlib.import_module(f"{__name__}.{_m}")


def main() -> None:
    """Entry point: run the app, turning project errors into a message and exit code 2."""
    try:
        rc = app(standalone_mode=False)
        if isinstance(rc, int) and rc:  # typer.Exit(code) comes back as a return value here
            sys.exit(rc)
    except CardiokitError as exc:
        msg = str(exc)
        if isinstance(exc, UnknownFormatError) and "readable extensions" not in msg:
            from .analyze import ACCEPTED_FORMATS

            msg += f"\n  cardiokit reads: {ACCEPTED_FORMATS}"
        err_console.print(f"[bold red]error:[/] {msg}", highlight=False)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except Exception as exc:  # usage errors (click's, or typer's own when click is not installed)
        if callable(getattr(exc, "show", None)) and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
