"""`cardiokit serve`: the HTTP API and web viewer (FastAPI + uvicorn)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from .._core.errors import MissingDependencyError
from ._app import app, err_console

__all__ = ["serve_cmd"]


@app.command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Address to bind (default: loopback only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
    max_upload_mb: Annotated[float | None, typer.Option(
        "--max-upload-mb", help="Upload limit in MB (default: $CARDIOKIT_MAX_UPLOAD_MB or 200).")] = None,
) -> None:
    """Serve /v1/analyses (API keys from CARDIOKIT_API_KEYS, data in CARDIOKIT_DATA_DIR) and the viewer at /."""
    try:
        import uvicorn
    except ImportError:
        raise MissingDependencyError("uvicorn", "cardiokit serve", extra="service") from None
    from ..service import create_app

    # a long-running threaded server: return freed memory to the system (README "Memory and speed")
    os.environ.setdefault("CARDIOKIT_KEEP_FREED_MEMORY", "0")
    application = create_app(max_upload_bytes=None if max_upload_mb is None else int(max_upload_mb * 1e6))
    if not application.state.settings.api_keys:
        err_console.print("[yellow]warning:[/] CARDIOKIT_API_KEYS is empty: every /v1 request will get 401")
    uvicorn.run(application, host=host, port=port, log_level="info", access_log=True)
