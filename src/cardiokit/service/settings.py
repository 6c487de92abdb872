"""Service settings from the environment.

``CARDIOKIT_API_KEYS``
    Comma-separated API keys accepted as ``Authorization: Bearer <key>``. Empty: every
    ``/v1`` request gets 401 (the service never runs open).
``CARDIOKIT_DATA_DIR``
    Folder of the result store (``cardiokit.duckdb``), the uploaded signals kept for the
    viewer (``recordings/``) and the rendered reports (``reports/``). Default: the folder of
    :func:`cardiokit.store.default_store_path`.
``CARDIOKIT_MAX_UPLOAD_MB``
    Largest accepted upload (request body) in MB; default 200. Larger requests get 413.
``CARDIOKIT_LONG_S``
    Streamable uploads (ISHNE, WFDB, EDF) longer than this many seconds are analysed in
    chunks as Holter recordings (default 3600, as ``cardiokit analyze --long-s``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .._core.errors import InvalidArgumentError

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "Settings"]

DEFAULT_MAX_UPLOAD_BYTES = 200_000_000


def _keys(text: str | None) -> tuple[str, ...]:
    return tuple(k.strip() for k in (text or "").split(",") if k.strip())


@dataclass(frozen=True)
class Settings:
    """What the service needs: data folder, API keys, upload limit."""

    data_dir: Path
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    long_s: float = 3600.0

    def __post_init__(self) -> None:
        if not isinstance(self.max_upload_bytes, int) or self.max_upload_bytes < 1:
            raise InvalidArgumentError(f"max_upload_bytes must be an integer >= 1; got {self.max_upload_bytes!r}")
        if not (isinstance(self.long_s, (int, float)) and self.long_s > 0):
            raise InvalidArgumentError(f"long_s must be a positive number of seconds; got {self.long_s!r}")
        object.__setattr__(self, "data_dir", Path(self.data_dir))

    @classmethod
    def from_env(cls, *, data_dir: str | os.PathLike[str] | None = None, api_keys: str | tuple[str, ...] | None = None,
                 max_upload_bytes: int | None = None, long_s: float | None = None) -> Settings:
        """Settings from the environment; arguments given here win over it."""
        if data_dir is None:
            env = os.environ.get("CARDIOKIT_DATA_DIR")
            if env:
                data_dir = Path(env)
            else:
                from ..store import default_store_path

                data_dir = default_store_path().parent
        keys = _keys(os.environ.get("CARDIOKIT_API_KEYS")) if api_keys is None else (
            _keys(api_keys) if isinstance(api_keys, str) else tuple(api_keys))
        if max_upload_bytes is None:
            mb = os.environ.get("CARDIOKIT_MAX_UPLOAD_MB")
            try:
                max_upload_bytes = int(float(mb) * 1_000_000) if mb else DEFAULT_MAX_UPLOAD_BYTES
            except ValueError:
                raise InvalidArgumentError(f"CARDIOKIT_MAX_UPLOAD_MB must be a number of MB; got {mb!r}") from None
        if long_s is None:
            env_long = os.environ.get("CARDIOKIT_LONG_S")
            try:
                long_s = float(env_long) if env_long else 3600.0
            except ValueError:
                raise InvalidArgumentError(f"CARDIOKIT_LONG_S must be a number of seconds; got {env_long!r}") from None
        return cls(Path(data_dir), keys, int(max_upload_bytes), float(long_s))
