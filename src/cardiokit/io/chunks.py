"""Reading long recordings (Holter: 24-48 h) in overlapping chunks with bounded memory.

``iter_chunks(path, chunk_s=300, overlap_s=10)`` yields :class:`Chunk` objects: the samples
``[start, stop)`` of the file as a :class:`~cardiokit.Recording` plus the *core*
``[core_start, core_stop)`` that the chunk owns. Cores tile the file without gaps or
overlap; each chunk reaches ``overlap_s`` beyond its core on both sides so filters and
detectors see full context at the borders. Whoever stitches results keeps from each chunk
only what falls in its core, so nothing is counted twice.

Only one chunk is in memory at a time: ISHNE through its memory-mapped window reader
(``start_s``/``stop_s``), WFDB through ``wfdb.rdrecord(sampfrom=..., sampto=...)``, EDF/BDF
through a memory map of the data records. Other formats are read whole and cropped
(:func:`chunk_source` says which way a file is read).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._core.errors import CorruptFileError, InvalidArgumentError, MissingFileError
from .._core.recording import Channel, Recording

__all__ = ["Chunk", "ChunkSource", "chunk_source", "iter_chunks"]


@dataclass(frozen=True)
class Chunk:
    """One chunk of a long recording. Sample indices are of the whole file."""

    index: int
    recording: Recording
    start: int
    stop: int
    core_start: int
    core_stop: int
    n_samples_total: int

    @property
    def fs(self) -> float:
        return self.recording.fs


class ChunkSource:
    """A long recording opened for windowed reads: ``fs``, ``n_samples``, ``channels``,
    ``read(a, b)`` -> Recording of samples ``[a, b)``; ``streaming`` False when the whole
    file had to be loaded (formats without a windowed reader)."""

    def __init__(self, path: Path, fs: float, n_samples: int, reader: Any, *, streaming: bool,
                 format: str, start: Any = None, meta: dict[str, Any] | None = None) -> None:
        self.path, self.fs, self.n_samples = path, float(fs), int(n_samples)
        self._reader = reader
        self.streaming = streaming
        self.format = format
        self.start = start
        self.meta = meta or {}

    def read(self, a: int, b: int) -> Recording:
        if not 0 <= a < b <= self.n_samples:
            raise InvalidArgumentError(f"window [{a}, {b}) outside 0-{self.n_samples}")
        return self._reader(a, b)


def _ishne(path: Path) -> ChunkSource:
    from . import ishne

    head = ishne.read(path, start_s=0.0, stop_s=1.0, annotations=False)
    n = int(head.meta["n_samples_total"])
    fs = head.fs

    def reader(a: int, b: int) -> Recording:
        return ishne.read(path, start_s=a / fs, stop_s=b / fs, annotations=False)

    return ChunkSource(path, fs, n, reader, streaming=True, format="ishne", start=head.start,
                       meta={"subject": dict(head.meta.get("subject") or {})})


def _wfdb(path: Path) -> ChunkSource:
    import wfdb

    from ._channels import make_channel
    from ._common import fill_invalid

    base = path.with_suffix("") if path.suffix.lower() in (".hea", ".dat") else path
    try:
        hdr = wfdb.rdheader(str(base))
    except Exception as exc:
        raise CorruptFileError(f"wfdb cannot read the header: {type(exc).__name__}: {exc}", path=path) from None
    n = int(hdr.sig_len or 0)
    if n <= 0:
        raise CorruptFileError("WFDB header declares no samples", path=path)
    fs = float(hdr.fs)

    missing = [f for f in dict.fromkeys(hdr.file_name or ()) if f and not (base.parent / f).is_file()]
    if missing:
        raise MissingFileError(f"signal file {missing[0]} named by {base.name}.hea not found", path=path)

    def reader(a: int, b: int) -> Recording:
        try:
            rec = wfdb.rdrecord(str(base), sampfrom=a, sampto=b, physical=True, m2s=True, smooth_frames=True)
        except (OSError, ValueError, IndexError, KeyError, TypeError) as exc:
            raise CorruptFileError(f"wfdb cannot read samples {a}-{b}: {type(exc).__name__}: {exc}",
                                   path=path) from None
        sig, _ = fill_invalid(np.asarray(rec.p_signal, dtype=np.float64))
        units = list(rec.units or [""] * sig.shape[1])
        chans = tuple(make_channel(str(nm), str(u or "")) for nm, u in zip(rec.sig_name, units, strict=True))
        return Recording(sig.astype(np.float32), fs, chans, meta={"format": "wfdb", "source": str(path)})

    return ChunkSource(path, fs, n, reader, streaming=True, format="wfdb")


def _edf(path: Path) -> ChunkSource | None:
    from . import edf

    with open(path, "rb") as fh:
        head = fh.read(256)
        if len(head) < 256:
            return None
        try:
            ns = int(head[252:256].decode("ascii").strip())
        except ValueError:
            return None
        head += fh.read(256 * ns)
    try:
        hdr = edf._parse_header(path, head)
    except Exception:
        return None
    sig_idx = [i for i in range(len(hdr.labels)) if not hdr.is_annotation(i)]
    rates = {int(hdr.n_per_record[i]) for i in sig_idx}
    if hdr.bdf or len(rates) != 1 or hdr.discontinuous:
        return None  # BDF, mixed rates or discontinuous: the whole-file reader handles these
    spr = rates.pop()
    n_rec = (path.stat().st_size - hdr.header_bytes) // hdr.record_bytes
    if hdr.n_records > 0:
        n_rec = min(n_rec, hdr.n_records)
    if n_rec < 1 or hdr.record_s <= 0:
        return None
    fs = spr / hdr.record_s
    words = hdr.record_bytes // 2
    offsets = np.concatenate([[0], np.cumsum(hdr.n_per_record)])
    gain = (hdr.phys_max - hdr.phys_min) / (hdr.dig_max - hdr.dig_min)
    off = hdr.phys_min - gain * hdr.dig_min
    from ._channels import make_channel

    chans = tuple(make_channel(hdr.labels[i], hdr.units[i]) for i in sig_idx)

    def reader(a: int, b: int) -> Recording:
        r0, r1 = a // spr, (b - 1) // spr + 1
        mm = np.memmap(path, dtype="<i2", mode="r", offset=hdr.header_bytes, shape=(n_rec, words))
        try:
            cols = []
            for i in sig_idx:
                x = np.asarray(mm[r0:r1, offsets[i]:offsets[i + 1]], dtype=np.float64).reshape(-1)
                cols.append((x * gain[i] + off[i])[a - r0 * spr: b - r0 * spr])
        finally:
            del mm
        return Recording(np.column_stack(cols).astype(np.float32), fs, chans,
                         meta={"format": "edf", "source": str(path)})

    n_total = n_rec * spr
    tag = edf._LENGTH_TAG  # cardiokit's writer pads the last record and notes the true length
    if tag in hdr.recording:
        try:
            n_total = min(n_total, int(hdr.recording.split(tag, 1)[1].split()[0]))
        except (ValueError, IndexError):
            pass
    return ChunkSource(path, fs, n_total, reader, streaming=True, format="edf", start=hdr.start)


def chunk_source(path: str | os.PathLike[str], *, fs: float | None = None, kind: str | None = None) -> ChunkSource:
    """Open ``path`` for windowed reads (ISHNE, WFDB, EDF stream; others are loaded whole)."""
    from . import _resolve, detect_format, read

    p = _resolve(path)
    spec = detect_format(p)
    src: ChunkSource | None = None
    if spec.name == "ishne":
        src = _ishne(p)
    elif spec.name == "wfdb":
        src = _wfdb(p)
    elif spec.name == "edf":
        src = _edf(p)
    if src is None:
        whole = read(p, fs=fs, kind=kind)
        src = ChunkSource(p, whole.fs, whole.n_samples,
                          lambda a, b: whole.crop(a / whole.fs, b / whole.fs) if (a, b) != (0, whole.n_samples)
                          else whole, streaming=False, format=spec.name, start=whole.start)
    if kind is not None:
        inner = src._reader

        def relabel(a: int, b: int) -> Recording:
            r = inner(a, b)
            return r._evolve(channels=tuple(Channel(c.name, kind, c.unit) if c.kind == "other" else c
                                            for c in r.channels))

        src._reader = relabel
    return src


def iter_chunks(
    path: str | os.PathLike[str] | ChunkSource,
    *,
    chunk_s: float = 300.0,
    overlap_s: float = 10.0,
    fs: float | None = None,
    kind: str | None = None,
) -> Iterator[Chunk]:
    """Yield the recording at ``path`` as chunks whose cores are ``chunk_s`` seconds long,
    each read with ``overlap_s`` seconds of context on both sides (see the module notes)."""
    for name, v in (("chunk_s", chunk_s), ("overlap_s", overlap_s)):
        if not isinstance(v, (int, float)) or not math.isfinite(v):
            raise InvalidArgumentError(f"{name} must be a number of seconds; got {v!r}")
    if chunk_s < 1.0:
        raise InvalidArgumentError(f"chunk_s must be >= 1 s; got {chunk_s!r}")
    if not 0 <= overlap_s <= chunk_s:
        raise InvalidArgumentError(f"overlap_s must be between 0 and chunk_s ({chunk_s}); got {overlap_s!r}")
    src = path if isinstance(path, ChunkSource) else chunk_source(path, fs=fs, kind=kind)
    n = src.n_samples
    core = max(1, round(chunk_s * src.fs))
    ov = round(overlap_s * src.fs)
    for k, c0 in enumerate(range(0, n, core)):
        c1 = min(n, c0 + core)
        a, b = max(0, c0 - ov), min(n, c1 + ov)
        yield Chunk(k, src.read(a, b), a, b, c0, c1, n)
