"""Registry of file formats: readers and writers chosen by magic bytes and extension.

A format module registers itself with :func:`register_format`; ``cardiokit.io`` imports
every format module, so the dispatch table stays open for new formats (one line each).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import InvalidArgumentError
from .recording import Recording

__all__ = ["FormatSpec", "formats", "get_format", "register_format"]

Reader = Callable[..., Recording]
Writer = Callable[..., None]
Sniffer = Callable[[bytes, Path], bool]


@dataclass(frozen=True)
class FormatSpec:
    """One file format.

    ``sniff(head, path)`` gets the first 4096 bytes and returns True when the content is
    this format; it must be cheap and never raise. ``extensions`` are lower case with dot.
    ``priority`` breaks ties when several sniffers accept (higher wins).
    """

    name: str
    description: str
    extensions: tuple[str, ...]
    read: Reader | None = None
    write: Writer | None = None
    sniff: Sniffer | None = None
    priority: int = 0


_FORMATS: dict[str, FormatSpec] = {}


def register_format(spec: FormatSpec) -> FormatSpec:
    """Add (or replace) a format in the dispatch table."""
    _FORMATS[spec.name] = spec
    return spec


def formats() -> dict[str, FormatSpec]:
    """All registered formats by name."""
    return dict(_FORMATS)


def get_format(name: str) -> FormatSpec:
    """The format called ``name``, or an error listing the known ones."""
    try:
        return _FORMATS[name]
    except KeyError:
        raise InvalidArgumentError(
            f"unknown format {name!r}; known formats: {', '.join(sorted(_FORMATS))}"
        ) from None


