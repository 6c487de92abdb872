"""Reading and writing recordings: ``read(path)`` and ``write(recording, path)``.

The format is chosen from the file's magic bytes first and its extension second.
Each format lives in its own module which registers a :class:`FormatSpec`; add a new
format by writing a module and listing it in ``_FORMAT_MODULES``.
"""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .._core.errors import (
    CardiokitError,
    CorruptFileError,
    InvalidArgumentError,
    MissingFileError,
    ReadError,
    UnknownFormatError,
    WriteError,
)
from .._core.recording import CHANNEL_KINDS, Channel, Recording
from .._core.registry import FormatSpec, formats, get_format, register_format

__all__ = ["FormatSpec", "detect_format", "formats", "read", "register_format", "write"]

# One line per format module; each registers itself on import.
_FORMAT_MODULES = (
    "wfdb_format",
    "edf",
    "text",
    "wav",
    "parquet",
    "dicom",
    "aecg",
    "video",
    "muse",
    "sierra",
    "scp",
    "ishne",
    "schiller",
)
for _m in _FORMAT_MODULES:
    importlib.import_module(f"{__name__}.{_m}")

_HEAD_BYTES = 4096


def _resolve(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if p.is_file():
        return p
    if p.suffix == "" and p.with_name(p.name + ".hea").is_file():
        return p  # WFDB record name given without extension
    if p.is_dir():
        raise UnknownFormatError("is a directory; give a recording file", path=p)
    raise MissingFileError("no such file", path=p)


def detect_format(path: str | os.PathLike[str]) -> FormatSpec:
    """The format of ``path``: by magic bytes when a format recognises them, else by extension."""
    p = _resolve(path)
    head = b""
    probe = p if p.is_file() else p.with_name(p.name + ".hea")
    try:
        with open(probe, "rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise ReadError(f"cannot open file: {exc.strerror or exc}", path=p) from None
    specs = list(formats().values())
    hits = []
    for spec in specs:
        if spec.read is None or spec.sniff is None:
            continue
        try:
            if spec.sniff(head, p):
                hits.append(spec)
        except Exception:  # a sniffer must never stop dispatch
            continue
    if hits:
        return max(hits, key=lambda s: s.priority)
    ext = "".join(p.suffixes[-1:]).lower()
    for spec in specs:
        if spec.read is not None and ext in spec.extensions:
            return spec
    accepted = sorted({e for s in specs if s.read for e in s.extensions})
    raise UnknownFormatError(
        f"unrecognised file format (extension {ext or 'none'!r}); readable extensions: "
        + ", ".join(accepted),
        path=p,
    )


def read(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    fs: float | None = None,
    kind: str | None = None,
    **options: Any,
) -> Recording:
    """Read any supported recording file into a :class:`~cardiokit.Recording`.

    Parameters
    ----------
    path
        The file. A WFDB record may be given as ``dir/100``, ``dir/100.hea`` or ``dir/100.dat``.
    format
        Force a format by name (see :func:`formats`) instead of detecting it.
    fs
        Sampling rate in Hz for files that do not store one (CSV/TXT without time column);
        ignored by self-describing formats.
    kind
        Signal kind ("ecg", "ppg", "pcg", ...) for channels whose kind the file does not say.
    options
        Format-specific options (see docs/FORMATS.md).
    """
    if kind is not None and kind not in CHANNEL_KINDS:
        raise InvalidArgumentError(f"kind {kind!r} is not one of {', '.join(CHANNEL_KINDS)}")
    if fs is not None:
        try:
            fs = float(fs)
        except (TypeError, ValueError):
            raise InvalidArgumentError(f"fs must be a number in Hz; got {fs!r}") from None
        if not fs > 0 or fs == float("inf"):
            raise InvalidArgumentError(f"fs must be a finite number > 0 Hz; got {fs!r}")
    spec = get_format(format) if format else detect_format(path)
    if spec.read is None:
        raise InvalidArgumentError(f"format {spec.name!r} cannot be read, only written")
    p = _resolve(path)
    try:
        rec = spec.read(p, fs=fs, **options)
    except CardiokitError:
        raise
    except MemoryError:
        raise CorruptFileError(f"{spec.name}: file declares more data than fits in memory", path=p) from None
    except Exception as exc:  # defence in depth: readers validate explicitly; see bench/fuzz.py
        raise CorruptFileError(
            f"cannot be read as {spec.description}: {type(exc).__name__}: {exc}", path=p
        ) from exc
    if kind is not None:
        chans = tuple(Channel(c.name, kind, c.unit) if c.kind == "other" else c for c in rec.channels)
        rec = rec._evolve(channels=chans)
    return rec


def write(rec: Recording, path: str | os.PathLike[str], *, format: str | None = None, **options: Any) -> list[Path]:
    """Write ``rec`` to ``path`` in the format given by ``format`` or the path's extension.

    Files are written to a temporary folder first and moved into place only when
    complete, so a failure never leaves a half-written file. Returns the written paths.
    """
    if not isinstance(rec, Recording):
        raise InvalidArgumentError(f"write() needs a Recording; got {type(rec).__name__}")
    p = Path(path)
    if format:
        spec = get_format(format)
    else:
        ext = p.suffix.lower()
        cands = [s for s in formats().values() if s.write is not None and ext in s.extensions]
        if not cands:
            accepted = sorted({e for s in formats().values() if s.write for e in s.extensions})
            raise InvalidArgumentError(
                f"cannot tell the output format from extension {ext or 'none'!r}; "
                f"writable extensions: {', '.join(accepted)}"
            )
        spec = max(cands, key=lambda s: s.priority)
    if spec.write is None:
        raise InvalidArgumentError(f"format {spec.name!r} can be read but not written")
    target_dir = p.parent if str(p.parent) else Path(".")
    if not target_dir.is_dir():
        raise WriteError(f"output folder {target_dir} does not exist")
    tmp = Path(tempfile.mkdtemp(prefix=".cardiokit-", dir=target_dir))
    try:
        spec.write(rec, tmp / p.name, **options)
        written = []
        for f in sorted(tmp.iterdir()):
            dest = target_dir / f.name
            os.replace(f, dest)
            written.append(dest)
        return written
    except CardiokitError:
        raise
    except Exception as exc:
        raise WriteError(f"cannot write {spec.description} to {p}: {type(exc).__name__}: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
