"""Finding the recordings of a batch: a folder, a glob pattern or a list file.

Every input becomes one path per *recording*: a WFDB record (``.hea`` + ``.dat`` +
annotation files) is one input (its ``.hea``), an ISHNE ``.ann`` beside its ``.ecg`` is
not a second input, and files no reader recognises (README, images...) are left out.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from pathlib import Path

from .._core.errors import CardiokitError, InvalidArgumentError, MissingFileError

__all__ = ["discover_inputs", "group_recordings"]

_GLOB_CHARS = set("*?[")


def _recognised(path: Path) -> bool:
    from ..io import detect_format

    try:
        detect_format(path)
    except (CardiokitError, OSError):
        return False
    return True


def group_recordings(files: Iterable[str | os.PathLike[str]], *, check_format: bool = True) -> list[Path]:
    """One path per recording among ``files`` (sorted, de-duplicated).

    WFDB files ``rec.*`` beside a ``rec.hea`` collapse into ``rec.hea``; an ISHNE ``.ann``
    beside its ``.ecg`` is dropped; hidden files are skipped; with ``check_format`` files
    that no reader recognises (by magic bytes or extension) are skipped.
    """
    paths = sorted({Path(f) for f in files if Path(f).is_file() and not Path(f).name.startswith(".")})
    out: list[Path] = []
    seen: set[Path] = set()
    for p in paths:
        stem = p.name.split(".", 1)[0]
        hea = p.with_name(stem + ".hea")
        if hea.is_file() and p.name != stem + ".hea" and p.name[len(stem) + 1:].find(".") < 0:
            p = hea  # a file of a WFDB record: the record is the input
        elif p.suffix.lower() == ".ann" and p.with_suffix(".ecg").is_file():
            continue  # ISHNE annotation companion
        if p in seen:
            continue
        seen.add(p)
        if check_format and p.suffix.lower() != ".hea" and not _recognised(p):
            continue
        out.append(p)
    return out


def _list_file(path: Path) -> list[Path] | None:
    """The paths listed in ``path`` (one per line, ``#`` comments), or None when it is not a list."""
    try:
        if path.stat().st_size > 64 << 20:
            return None
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if not lines:
        return None
    out = []
    for ln in lines:
        p = Path(ln).expanduser()
        if not p.is_absolute():
            near = path.parent / p
            p = near if (near.exists() or near.with_name(near.name + ".hea").exists()) else p
        if p.suffix == "" and p.with_name(p.name + ".hea").is_file():
            p = p.with_name(p.name + ".hea")  # WFDB record given by name
        if not p.is_file():
            return None
        out.append(p)
    return out


def discover_inputs(spec: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The recordings named by ``spec``: a folder (searched recursively), a glob pattern
    (``data/**/*.hea``), a list file (one path per line) or a single recording file; or an
    iterable of paths. Returns one path per recording (see :func:`group_recordings`)."""
    if not isinstance(spec, (str, os.PathLike)):
        return group_recordings(spec, check_format=False)
    text = os.fspath(spec)
    p = Path(text).expanduser()
    if p.is_dir():
        return group_recordings(f for f in p.rglob("*") if not any(
            part.startswith(".") for part in f.relative_to(p).parts))
    if p.is_file():
        listed = _list_file(p) if not _recognised_binary(p) else None
        if listed is not None:
            return group_recordings(listed, check_format=False)
        return group_recordings([p], check_format=False)
    if p.suffix == "" and p.with_name(p.name + ".hea").is_file():
        return [p.with_name(p.name + ".hea")]
    if _GLOB_CHARS & set(text):
        return group_recordings(glob.glob(os.path.expanduser(text), recursive=True))
    if not p.exists():
        raise MissingFileError("no such file, folder or glob match", path=p)
    raise InvalidArgumentError(f"{p}: give a folder, a glob pattern, a list file or a recording")


def _recognised_binary(path: Path) -> bool:
    """True for files a reader recognises by magic bytes other than plain text (never a list)."""
    if path.suffix.lower() in (".txt", ".lst", ".list", ".csv", ".tsv", ""):
        try:
            head = path.read_bytes()[:512]
        except OSError:
            return False
        return b"\0" in head
    return _recognised(path)
