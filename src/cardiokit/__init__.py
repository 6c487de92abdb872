"""cardiokit: cardiac recordings in, validated measurements, findings and reports out."""

from __future__ import annotations

from ._core import (
    Annotations,
    CardiokitError,
    Channel,
    CorruptFileError,
    InvalidArgumentError,
    InvalidSignalError,
    MissingDependencyError,
    MissingFileError,
    MissingOptionError,
    ReadError,
    Recording,
    UnknownFormatError,
    WriteError,
)
from .io import formats, read, write
from .pipeline import analyze
from .report.model import Report

__version__ = "0.1.0"

__all__ = [
    "Annotations",
    "CardiokitError",
    "Channel",
    "CorruptFileError",
    "InvalidArgumentError",
    "InvalidSignalError",
    "MissingDependencyError",
    "MissingFileError",
    "MissingOptionError",
    "ReadError",
    "Recording",
    "Report",
    "UnknownFormatError",
    "WriteError",
    "__version__",
    "analyze",
    "formats",
    "read",
    "write",
]
