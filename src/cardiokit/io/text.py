"""Delimited text: CSV, TSV, TXT (also gzip-compressed ``.csv.gz``...), one column per channel.

The delimiter (tab, semicolon, comma or whitespace) and a header row are detected; the
time column follows the rule in :mod:`cardiokit.io._tabular`. A file that is a single row
of many numbers without header (e.g. PPG-BP ``2_1.txt``) is one channel over time.
"""

from __future__ import annotations

import gzip
import logging
import re
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from .._core.errors import CorruptFileError, InvalidArgumentError, MissingOptionError, WriteError
from .._core.recording import Recording
from .._core.registry import FormatSpec, register_format
from ._channels import make_channel, typed_name
from ._common import check_options
from ._tabular import choose_time_column, fs_from_time, split_name_unit

__all__ = ["read_text", "write_text"]

log = logging.getLogger(__name__)

NAME = "text"
_EXTENSIONS = (".csv", ".tsv", ".txt")
_DELIMITERS = {"tab": "\t", "\t": "\t", ",": ",", "comma": ",", ";": ";", "semicolon": ";",
               "whitespace": None, " ": None}  # fmt: skip
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|inf|infinity)$", re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+([eE][+-]?\d+)?$")
_MAX_LINES_SNIFF = 20


def _sniff(head: bytes, path: Path) -> bool:
    name = path.name.lower()
    if head[:2] == b"\x1f\x8b":
        return name.endswith(tuple(e + ".gz" for e in _EXTENSIONS))
    return False  # plain text is chosen by extension


def _load_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise CorruptFileError(f"broken gzip stream: {exc}", path=path) from None
    if b"\x00" in raw[:4096]:
        raise CorruptFileError("holds binary data (NUL bytes), not delimited text", path=path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _split(line: str, delim: str | None) -> list[str]:
    cells = line.split(delim) if delim else line.split()
    return [c.strip().strip('"').strip("'").strip() for c in cells]


def _guess_delimiter(lines: list[str]) -> str | None:
    sample = lines[:_MAX_LINES_SNIFF]
    for d in ("\t", ";", ","):
        if all(d in ln for ln in sample):
            return d
    for d in ("\t", ";", ","):
        if any(d in ln for ln in sample):
            return d
    return None


def read_text(
    path: Path,
    *,
    fs: float | None = None,
    delimiter: str | None = None,
    **options: Any,
) -> Recording:
    """Read a CSV/TSV/TXT (optionally gzip) table of samples.

    ``fs`` (Hz) is needed when the table has no time column; a time column wins over ``fs``.
    ``delimiter``: "," ";" "tab" or "whitespace" to override the detection.
    Channel names and units come from a header row (``"II [mV]"`` -> name II, unit mV).
    """
    check_options(NAME, options, ("delimiter", "fs"))
    if delimiter is not None and delimiter not in _DELIMITERS:
        raise InvalidArgumentError(
            f"delimiter {delimiter!r} is not one of ',', ';', 'tab', 'whitespace'"
        )
    text = _load_text(path)
    numbered = [
        (i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip() and not ln.lstrip().startswith("#")
    ]
    if not numbered:
        raise CorruptFileError("file is empty: no data rows", path=path)
    delim = _DELIMITERS[delimiter] if delimiter is not None else _guess_delimiter([ln for _, ln in numbered])
    rows = [_split(ln, delim) for _, ln in numbered]
    line_no = [n for n, _ in numbered]
    # a trailing delimiter on every line gives an empty last field: drop it
    if all(r and r[-1] == "" for r in rows) and all(len(r) > 1 for r in rows):
        rows = [r[:-1] for r in rows]
    labels = None
    if any(c and not _NUMBER.match(c) and not _DECIMAL_COMMA.match(c) for c in rows[0]):
        labels = rows[0]
        rows, line_no = rows[1:], line_no[1:]
        if not rows:
            raise CorruptFileError("file has a header row but no data rows", path=path)
    width = len(labels) if labels is not None else len(rows[0])
    for r, n in zip(rows, line_no, strict=True):
        if len(r) != width:
            raise CorruptFileError(
                f"line {n} has {len(r)} fields but {'the header' if labels else f'line {line_no[0]}'} "
                f"has {width} (delimiter {delim or 'whitespace'!r})",
                path=path,
            )
    decimal_comma = delim != "," and any(_DECIMAL_COMMA.match(c) for c in rows[0])
    data = _to_numbers(rows, line_no, labels, decimal_comma, path)
    if labels is None and data.shape[0] == 1 and data.shape[1] > 1:
        data = data.T  # one row of many values: one channel over time
        line_no = [line_no[0]] * data.shape[0]
    t_col, scale, is_index = choose_time_column(labels, data)
    meta: dict[str, Any] = {"format": NAME, "source": str(path), "delimiter": delim or "whitespace"}
    fs_out: float
    if t_col is not None and not is_index:
        where = f"time column {labels[t_col]!r}" if labels else "time column 1"
        fs_out = fs_from_time(data[:, t_col], scale, where=where, path=path,
                              row=lambda i: f"line {line_no[i]}")
        t0 = float(data[0, t_col]) * scale
        if t0:
            meta["time_offset_s"] = t0
        meta["time_column"] = labels[t_col] if labels else 1
        if fs is not None and abs(fs - fs_out) > 1e-6 * fs_out:
            log.info("%s: fs=%g ignored; the time column gives %g Hz", path, fs, fs_out)
    elif fs is None:
        raise MissingOptionError(
            "has no time column, so the sampling rate is unknown; pass fs= in Hz "
            "(CLI --fs), e.g. read(path, fs=1000)",
            path=path,
        )
    else:
        fs_out = float(fs)
    keep = [j for j in range(data.shape[1]) if j != t_col]
    if not keep:
        raise CorruptFileError("the table holds only a time column and no signal", path=path)
    channels = []
    for j in keep:
        name, unit = split_name_unit(labels[j]) if labels else (f"ch{j + 1}", "")
        channels.append(make_channel(name or f"ch{j + 1}", unit))
    return Recording(data[:, keep].astype(np.float32), fs_out, tuple(channels), meta=meta)


def _to_numbers(
    rows: list[list[str]], line_no: list[int], labels: list[str] | None, decimal_comma: bool, path: Path
) -> np.ndarray:
    if decimal_comma:
        rows = [[c.replace(",", ".") for c in r] for r in rows]
    try:
        data = np.array(rows, dtype=np.float64)
    except ValueError:
        data = None
    if data is None or not np.all(np.isfinite(data)):
        for r, n in zip(rows, line_no, strict=True):
            for j, c in enumerate(r):
                col = f"column {j + 1}" + (f" ({labels[j]!r})" if labels else "")
                try:
                    v = float(c)
                except ValueError:
                    what = "is empty" if c == "" else f"{c!r} is not a number"
                    raise CorruptFileError(f"line {n}, {col}: {what}", path=path) from None
                if not np.isfinite(v):
                    raise CorruptFileError(
                        f"line {n}, {col}: {c!r} is not a finite number; only finite samples are accepted",
                        path=path,
                    )
    assert data is not None
    return data


def write_text(rec: Recording, path: Path, **options: Any) -> None:
    """Write CSV (comma; ``.tsv``: tab): header ``time_s,<name [unit]>...``, one row per sample.

    Values are written as the shortest text that reads back to the same float32; time with
    12 significant digits.
    """
    if options:
        raise InvalidArgumentError(f"text writer takes no options; got {', '.join(sorted(options))}")
    delim = "\t" if Path(path).suffix.lower() == ".tsv" else ","
    names = []
    for c in rec.channels:
        name = typed_name(c)
        label = f"{name} [{c.unit}]" if c.unit else name
        if any(ch in label for ch in (delim, '"', "\n", "\r")):
            raise WriteError(f"channel name {label!r} contains the delimiter, a quote or a newline")
        names.append(label)
    t = np.arange(rec.n_samples, dtype=np.float64) / rec.fs
    sig = np.asarray(rec.signals)
    body = np.empty((rec.n_samples, rec.n_channels + 1), dtype=object)
    body[:, 0] = [f"{x:.12g}" for x in t]
    for j in range(rec.n_channels):
        body[:, j + 1] = [str(x) for x in sig[:, j].astype(np.float32)]  # shortest exact float32
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(delim.join(["time_s", *names]) + "\n")
        fh.writelines(delim.join(row) + "\n" for row in body.tolist())


register_format(
    FormatSpec(
        name=NAME,
        description="delimited text table (CSV/TSV/TXT, optionally gzip)",
        extensions=_EXTENSIONS,
        read=read_text,
        write=write_text,
        sniff=_sniff,
        priority=1,
    )
)
