"""The cardiokit exception tree.

Every error raised on purpose by cardiokit derives from :class:`CardiokitError`, so
callers can catch one type. Messages name what was wrong and what is accepted.

::

    CardiokitError
    ├── InvalidArgumentError      (also ValueError)   bad option or parameter value
    ├── InvalidSignalError        (also ValueError)   NaN/inf, no channels, fs <= 0, bad shape
    ├── ReadError                                     a file could not be read
    │   ├── UnknownFormatError                        no reader recognises the file
    │   ├── CorruptFileError                          truncated, inconsistent or malformed content
    │   ├── MissingFileError      (also FileNotFoundError)  file or companion file missing
    │   └── MissingOptionError                        the file needs an option (e.g. ``fs``)
    ├── WriteError                                    a recording cannot be written in a format
    ├── AnalysisError                                 an analysis stage cannot run on this input
    └── MissingDependencyError    (also ImportError)  an optional package is not installed
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AnalysisError",
    "CardiokitError",
    "CorruptFileError",
    "InvalidArgumentError",
    "InvalidSignalError",
    "MissingDependencyError",
    "MissingFileError",
    "MissingOptionError",
    "ReadError",
    "UnknownFormatError",
    "WriteError",
]


class CardiokitError(Exception):
    """Base class of every error cardiokit raises on purpose."""


class InvalidArgumentError(CardiokitError, ValueError):
    """An option or parameter has a value outside what is accepted."""


class InvalidSignalError(CardiokitError, ValueError):
    """Signal content cannot form a valid recording (NaN/inf, no channels, fs <= 0, ...)."""


class ReadError(CardiokitError):
    """A file could not be read. ``path`` names the file when known."""

    def __init__(self, message: str, *, path: str | Path | None = None) -> None:
        self.path = None if path is None else str(path)
        super().__init__(f"{self.path}: {message}" if self.path else message)


class UnknownFormatError(ReadError):
    """No registered reader recognises the file (by magic bytes or extension)."""


class CorruptFileError(ReadError):
    """The file is truncated, inconsistent (e.g. header vs data length) or malformed."""


class MissingFileError(ReadError, FileNotFoundError):
    """The file, or a companion file it needs (e.g. a WFDB ``.dat``), does not exist."""


class MissingOptionError(ReadError):
    """The file cannot be read without an option, e.g. ``fs`` for a CSV with no time column."""


class WriteError(CardiokitError):
    """A recording cannot be written in the requested format."""


class AnalysisError(CardiokitError):
    """An analysis stage cannot run on the given input."""


class MissingDependencyError(CardiokitError, ImportError):
    """An optional package needed for this feature is not installed."""

    def __init__(self, package: str, feature: str, extra: str | None = None) -> None:
        hint = f"pip install 'cardiokit[{extra}]'" if extra else f"pip install {package}"
        super().__init__(f"{feature} needs the optional package {package!r}: {hint}")
