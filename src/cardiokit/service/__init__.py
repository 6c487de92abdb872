"""HTTP service and web viewer: ``create_app()`` (FastAPI), served by ``cardiokit serve``.

See docs/SERVICE.md for the endpoints, authentication (``CARDIOKIT_API_KEYS``), the data
folder (``CARDIOKIT_DATA_DIR``) and the upload limit.
"""

from __future__ import annotations

from .._core.errors import MissingDependencyError

try:
    import fastapi  # noqa: F401
except ImportError:  # pragma: no cover - the service extra is missing
    raise MissingDependencyError("fastapi", "the cardiokit service", extra="service") from None

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
