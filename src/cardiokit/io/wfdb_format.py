"""WFDB records (PhysioNet): ``.hea`` header + signal files, and annotation files.

Reading and writing go through the ``wfdb`` package (Xie et al., wfdb-python); this module
adds the checks it does not make (missing or truncated signal files), finds every annotation
file of a record, and maps everything to a :class:`Recording`.

Reference: WFDB header(5), signal(5) and annotation(5) formats,
https://physionet.org/physiotools/wag/ ; Goldberger et al., Circulation 101(23), 2000.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from .._core.annotations import Annotations
from .._core.errors import (
    CorruptFileError,
    InvalidArgumentError,
    MissingFileError,
    WriteError,
)
from .._core.recording import Recording
from .._core.registry import FormatSpec, register_format
from ._channels import make_channel, typed_name
from ._common import check_options, fill_invalid
from ._ecg_common import device_text

__all__ = ["read_annotations", "read_wfdb", "wrann", "write_annotations", "write_wfdb"]

log = logging.getLogger(__name__)

NAME = "wfdb"
#: Bits each sample takes in the signal file, per WFDB storage format.
_FORMAT_BITS = {8: 8, 16: 16, 24: 24, 32: 32, 61: 16, 80: 8, 160: 16, 212: 12, 310: 32 / 3, 311: 32 / 3}
#: Extensions never tried as annotation files.
_NOT_ANNOTATIONS = {
    "hea", "dat", "mat", "wav", "edf", "bdf", "csv", "tsv", "txt", "json", "xml", "gz", "zip",
    "md", "png", "jpg", "pdf", "html", "parquet", "npz", "npy", "dcm", "hdf5", "h5", "flac", "log",
}  # fmt: skip
_HEADER_RE = re.compile(
    rb"^\s*[A-Za-z0-9_-]+(?:/\d+)?[ \t]+\d+(?:[ \t]+[0-9.eE+-]+(?:/[0-9.eE+-]+)?(?:\([0-9.eE+-]+\))?"
    rb"(?:[ \t]+\d+)?)?[ \t]*(?:[ \t][^\r\n]*)?\r?$"
)
_SYMBOLS: frozenset[str] | None = None


def _wfdb() -> Any:
    import wfdb

    return wfdb


def _standard_symbols() -> frozenset[str]:
    global _SYMBOLS
    if _SYMBOLS is None:
        from wfdb.io.annotation import ann_label_table

        _SYMBOLS = frozenset(str(s) for s in ann_label_table.symbol if str(s).strip())
    return _SYMBOLS


# ----------------------------------------------------------------------------- sniff
def _sniff(head: bytes, path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".dat", ".mat"):
        hea = path.with_suffix(".hea")
        try:
            with open(hea, "rb") as fh:
                head = fh.read(4096)
        except OSError:
            return False
    elif suffix not in (".hea", ""):
        return False
    for raw in head.split(b"\n")[:50]:
        line = raw.strip()
        if not line or line.startswith(b"#"):
            continue
        return bool(_HEADER_RE.match(raw.rstrip(b"\r")))
    return False


# ----------------------------------------------------------------------------- reading
def _record_base(path: Path) -> Path:
    return path.with_suffix("") if path.suffix else path


def _read_header(base: Path) -> Any:
    hea = base.with_name(base.name + ".hea")
    if not hea.is_file():
        raise MissingFileError(f"WFDB header {hea.name} not found", path=hea)
    try:
        return _wfdb().rdheader(str(base))
    except Exception as exc:  # wfdb's parser fails in many ways on damaged headers
        raise CorruptFileError(f"invalid WFDB header: {type(exc).__name__}: {exc}", path=hea) from None


def _check_signal_files(header: Any, folder: Path, hea: Path) -> None:
    """Each signal file exists and holds the bytes the header implies (before wfdb reads it)."""
    files: dict[str, list[int]] = {}
    for i, name in enumerate(header.file_name or []):
        files.setdefault(name, []).append(i)
    for name, idx in files.items():
        if name == "-":
            raise CorruptFileError("signals read from standard input ('-') are not supported", path=hea)
        f = folder / name
        if not f.is_file():
            raise MissingFileError(f"signal file {name} named by {hea.name} not found", path=f)
        fmt = int(header.fmt[idx[0]])
        bits = _FORMAT_BITS.get(fmt)
        if bits is None or header.sig_len is None:
            continue  # FLAC formats 508/516/524 and records without a length: let wfdb decide
        spf = sum(int((header.samps_per_frame or [1] * header.n_sig)[i] or 1) for i in idx)
        offset = int((header.byte_offset or [0] * header.n_sig)[idx[0]] or 0)
        frame_bytes = spf * bits / 8
        expected = offset + math.ceil(int(header.sig_len) * frame_bytes)
        actual = f.stat().st_size
        if actual < expected:
            raise CorruptFileError(
                f"signal file {name} is truncated: header {hea.name} implies {expected} bytes "
                f"({header.sig_len} samples x {len(idx)} signals, format {fmt}, offset {offset}) "
                f"but the file holds {actual}",
                path=f,
            )
        if actual > expected + math.ceil(frame_bytes) + 4:
            raise CorruptFileError(
                f"signal file {name} does not match its header: {hea.name} implies {expected} bytes "
                f"({header.sig_len} samples) but the file holds {actual}",
                path=f,
            )


def _check_record_files(base: Path) -> Any:
    header = _read_header(base)
    hea = base.with_name(base.name + ".hea")
    if hasattr(header, "seg_name"):  # multi-segment record
        for seg in header.seg_name:
            if seg == "~":
                continue
            seg_header = _read_header(base.parent / seg)
            try:
                _check_signal_files(seg_header, base.parent, base.parent / f"{seg}.hea")
            except (ValueError, TypeError, IndexError) as exc:
                raise CorruptFileError(f"invalid signal specification: {exc}", path=base.parent / f"{seg}.hea") from None
    else:
        try:
            _check_signal_files(header, base.parent, hea)
        except (ValueError, TypeError, IndexError) as exc:
            raise CorruptFileError(f"invalid signal specification in the header: {exc}", path=hea) from None
    return header


def _subject(comments: Sequence[str]) -> dict[str, Any]:
    subject: dict[str, Any] = {}
    for i, c in enumerate(comments):
        text = c.strip()
        m = re.match(r"^<?\s*(age|sex|gender)\s*>?\s*:\s*(\S+)", text, re.IGNORECASE)
        if m:
            key, val = m.group(1).lower(), m.group(2)
            if key == "age" and re.fullmatch(r"\d+(\.\d+)?", val):
                subject["age_years"] = float(val) if "." in val else int(val)
            elif key in ("sex", "gender") and val[:1].upper() in ("M", "F"):
                subject["sex"] = val[:1].upper()
            continue
        # MIT-BIH style first comment: "69 M 1085 1629 x1"
        m = re.match(r"^(\d{1,3}|\?\??)\s+([MF?])\b", text)
        if i == 0 and m:
            if m.group(1).isdigit():
                subject["age_years"] = int(m.group(1))
            if m.group(2) in "MF":
                subject["sex"] = m.group(2)
    return subject


def _annotation_candidates(base: Path, header: Any) -> list[str]:
    data_files = {Path(n).name for n in (getattr(header, "file_name", None) or [])}
    out = []
    prefix = base.name + "."
    for f in sorted(base.parent.glob(glob_escape(base.name) + ".*")):
        ext = f.name[len(prefix):]
        if (
            f.is_file()
            and f.name not in data_files
            and re.fullmatch(r"[A-Za-z0-9_]+", ext)
            and ext.lower() not in _NOT_ANNOTATIONS
        ):
            out.append(ext)
    return out


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[\]])", r"[\1]", name)


def _to_annotations(ann: Any, name: str, fs: float) -> Annotations:
    sample = np.asarray(ann.sample, dtype=np.int64)
    ann_fs = getattr(ann, "fs", None)
    if ann_fs and abs(float(ann_fs) - fs) > 1e-6 * fs:
        sample = np.round(sample * (fs / float(ann_fs))).astype(np.int64)
    n = sample.size
    chan = np.asarray(ann.chan if ann.chan is not None else np.zeros(n), dtype=np.int64)
    aux = list(ann.aux_note) if ann.aux_note is not None else [""] * n
    symbol = list(ann.symbol) if ann.symbol is not None else [""] * n
    return Annotations(name, sample, symbol, chan, aux)


def _load_annotations(base: Path, header: Any, fs: float, which: bool | Sequence[str]) -> list[Annotations]:
    wfdb = _wfdb()
    if which is False:
        return []
    explicit = which is not True
    exts = list(which) if explicit else _annotation_candidates(base, header)  # type: ignore[arg-type]
    out = []
    for ext in exts:
        f = base.with_name(f"{base.name}.{ext}")
        if explicit and not f.is_file():
            raise MissingFileError(f"annotation file {f.name} not found", path=f)
        try:
            ann = wfdb.rdann(str(base), str(ext))
            res = _to_annotations(ann, str(ext), fs)
        except Exception as exc:  # a file that is not an annotation file
            if explicit:
                raise CorruptFileError(f"not a readable WFDB annotation file: {exc}", path=f) from None
            log.debug("skipping %s: not a WFDB annotation file (%s)", f, exc)
            continue
        if len(res) and res.sample.min() < 0:
            if explicit:
                raise CorruptFileError("annotation file has negative sample numbers", path=f)
            continue
        out.append(res)
    return out


def read_wfdb(
    path: Path,
    *,
    fs: float | None = None,
    annotations: bool | Sequence[str] = True,
    **options: Any,
) -> Recording:
    """Read a WFDB record given as ``dir/100``, ``dir/100.hea`` or ``dir/100.dat``.

    ``annotations``: True (every annotation file ``100.<ext>`` that wfdb can read), False,
    or a list of extensions such as ``["atr", "q1c"]``. ``fs`` is ignored (the header has it).
    Invalid samples (WFDB's reserved "no data" values) are filled by linear interpolation;
    their count is ``meta["filled_samples"]``. Multi-frequency records are read at the frame
    rate (wfdb's ``smooth_frames``); multi-segment records are joined into one.
    """
    check_options(NAME, options, ("annotations", "fs"))
    if not isinstance(annotations, bool) and (
        isinstance(annotations, str) or not all(isinstance(a, str) for a in annotations)
    ):
        raise InvalidArgumentError(
            f"annotations must be True, False or a list of extensions like ['atr']; got {annotations!r}"
        )
    base = _record_base(Path(path))
    header = _check_record_files(base)
    try:
        rec = _wfdb().rdrecord(str(base), physical=True, m2s=True, smooth_frames=True)
    except Exception as exc:  # damaged content the size checks above cannot see
        raise CorruptFileError(f"wfdb cannot read the record: {type(exc).__name__}: {exc}", path=path) from None
    sig = np.asarray(rec.p_signal, dtype=np.float64)
    if sig.ndim != 2 or sig.shape[0] == 0 or sig.shape[1] == 0:
        raise CorruptFileError(f"record holds no samples (shape {sig.shape})", path=path)
    if header.sig_len and sig.shape[0] != int(header.sig_len):
        raise CorruptFileError(
            f"header declares {header.sig_len} samples but {sig.shape[0]} were read", path=path
        )
    sig, n_filled = fill_invalid(sig)
    fs_rec = float(rec.fs)
    units = list(rec.units or [""] * sig.shape[1])
    channels = tuple(make_channel(str(n), str(u or "")) for n, u in zip(rec.sig_name, units, strict=True))
    comments = [str(c) for c in (rec.comments or [])]
    start = None
    if rec.base_date is not None and rec.base_time is not None:
        start = datetime.combine(rec.base_date, rec.base_time)
    meta: dict[str, Any] = {
        "format": NAME,
        "source": str(path),
        "record": base.name,
        "filled_samples": n_filled,
        "comments": tuple(comments),
    }
    if start is None and rec.base_time is not None:
        meta["start_time_of_day"] = rec.base_time.isoformat()
    subject = _subject(comments)
    if subject:
        meta["subject"] = subject
    for c in comments:
        m = re.match(r"^<?\s*device\s*>?\s*:\s*(.+)$", c.strip(), re.IGNORECASE)
        if m:
            meta["device"] = m.group(1).strip()
    anns = _load_annotations(base, header, fs_rec, annotations)
    return Recording(sig.astype(np.float32), fs_rec, channels, start, tuple(anns), meta)


def read_annotations(path: str | Path) -> Annotations:
    """One WFDB annotation file, e.g. ``dir/100.atr``; the set is named by its extension.

    Sample numbers are in the annotation file's own sampling rate.
    """
    p = Path(path)
    ext = p.suffix[1:]
    if not ext:
        raise InvalidArgumentError(f"give an annotation file with its extension (e.g. 100.atr); got {p}")
    if not p.is_file():
        raise MissingFileError("annotation file not found", path=p)
    try:
        ann = _wfdb().rdann(str(p.with_suffix("")), ext)
    except Exception as exc:
        raise CorruptFileError(f"not a readable WFDB annotation file: {exc}", path=p) from None
    return _to_annotations(ann, ext, float(getattr(ann, "fs", None) or 0) or 1.0)


# ----------------------------------------------------------------------------- writing
def _check_name(name: str, what: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9_-]+" if what == "record" else r"[A-Za-z0-9_]+", name):
        raise WriteError(
            f"WFDB {what} name {name!r} is not allowed; use letters, digits, '_'"
            + (" and '-'" if what == "record" else "")
        )


def write_annotations(
    path_base: str | Path, annotations: Annotations | Iterable[Annotations], fs: float
) -> list[Path]:
    """Write annotation sets as WFDB annotation files ``<path_base>.<set name>``.

    Symbols outside WFDB's label table (annotation(5)) are written as comment annotations
    (symbol ``"``) with the label at the start of the aux text; durations are not stored.
    Empty sets are skipped. Returns the written paths.
    """
    base = Path(path_base)
    if base.suffix:
        base = base.with_suffix("")
    _check_name(base.name, "record")
    if not base.parent.is_dir():
        raise WriteError(f"output folder {base.parent} does not exist")
    sets = [annotations] if isinstance(annotations, Annotations) else list(annotations)
    standard = _standard_symbols()
    written = []
    for a in sets:
        if not isinstance(a, Annotations):
            raise InvalidArgumentError(f"write_annotations needs Annotations; got {type(a).__name__}")
        _check_name(a.name, "annotation set")
        if len(a) == 0:
            continue
        if a.sample.min() < 0:
            raise WriteError(f"annotation set {a.name!r} has negative sample numbers")
        if a.chan.min() < 0 or a.chan.max() > 255:
            raise WriteError(f"annotation set {a.name!r}: WFDB channel numbers must be 0-255")
        symbols, aux = [], []
        for s, x in zip(a.symbol, a.aux, strict=True):
            if s in standard:
                symbols.append(s)
                aux.append(x)
            else:
                symbols.append('"')
                aux.append(f"{s} {x}".strip() if x else s)
        written.append(wrann(base, a.name, np.array(a.sample, dtype=np.int64), symbols,
                             np.array(a.chan, dtype=np.int64), float(fs), aux))
    return written


#: wfdb.wrann writes letter-only extensions; others go through this one and a rename
_TMP_EXT = "cktmp"


def wrann(base: Path, ext: str, sample: np.ndarray, symbol: Sequence[str], chan: np.ndarray, fs: float,
          aux: Sequence[str] | None = None) -> Path:
    """``wfdb.wrann`` of ``base.ext`` for any extension: LUDB's per-lead files are ``.v1`` ...
    ``.v6``, which wfdb refuses to write (letters only), so those are written under a
    temporary letter-only extension and renamed. Returns the written path."""
    letters = ext.isalpha() and ext.isascii()
    _wfdb().wrann(base.name, ext if letters else _TMP_EXT, sample, symbol=list(symbol), chan=chan,
                  aux_note=None if aux is None else list(aux), fs=fs, write_dir=str(base.parent))
    dst = base.with_name(f"{base.name}.{ext}")
    if not letters:
        os.replace(base.with_name(f"{base.name}.{_TMP_EXT}"), dst)
    return dst


def _digitise(col: np.ndarray) -> tuple[np.ndarray, float, int]:
    """Gain and baseline for WFDB format 16 keeping the most precision (digital ±32766)."""
    lo, hi = float(col.min()), float(col.max())
    centre, half = (hi + lo) / 2, (hi - lo) / 2
    if half <= 0:
        half = max(abs(centre), 1.0)
    gain = float(f"{32766 / half:.8g}")
    if abs(centre * gain) > 2**31 - 1:
        gain = float(f"{(2**31 - 1) / abs(centre):.8g}") * 0.999
    baseline = round(-centre * gain)
    digital = np.clip(np.round(col.astype(np.float64) * gain + baseline), -32767, 32767)
    return digital.astype(np.int64), gain, int(baseline)


def _unique(names: Sequence[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        base, k = (n.strip() or "signal"), 2
        cand = base
        while cand in out:
            cand, k = f"{base}_{k}", k + 1
        out.append(cand)
    return out


def write_wfdb(rec: Recording, path: Path, **options: Any) -> None:
    """Write ``<name>.hea`` + ``<name>.dat`` (format 16, per-channel gain) + one file per annotation set.

    Units with spaces are written with '_'; an empty unit is written as ``NU`` (WFDB reads a
    missing unit as mV). Duplicate channel names get a ``_2``... suffix.
    """
    if options:
        raise InvalidArgumentError(f"wfdb writer takes no options; got {', '.join(sorted(options))}")
    path = Path(path)
    name = path.stem if path.suffix.lower() in (".hea", ".dat") else path.name
    _check_name(name, "record")
    sig = np.asarray(rec.signals)
    digital = np.empty(sig.shape, dtype=np.int64)
    gains, baselines = [], []
    for j in range(sig.shape[1]):
        digital[:, j], g, b = _digitise(sig[:, j])
        gains.append(g)
        baselines.append(b)
    units = [re.sub(r"[\s/]+", "_", c.unit.strip()) or "NU" for c in rec.channels]
    comments = [str(c) for c in rec.meta.get("comments", ())]
    if not comments:
        subject = rec.meta.get("subject") or {}
        if "age_years" in subject:
            comments.append(f"<age>: {subject['age_years']}")
        if "sex" in subject:
            comments.append(f"<sex>: {subject['sex']}")
        if rec.meta.get("device"):
            comments.append(f"<device>: {device_text(rec.meta['device'])}")
    extra: dict[str, Any] = {}
    if rec.start is not None:
        extra = {"base_date": rec.start.date(), "base_time": rec.start.time()}
    _wfdb().wrsamp(
        name,
        fs=float(rec.fs),
        units=units,
        sig_name=_unique([typed_name(c) for c in rec.channels]),
        d_signal=digital,
        fmt=["16"] * sig.shape[1],
        adc_gain=gains,
        baseline=baselines,
        comments=[c.replace("\n", " ") for c in comments],
        write_dir=str(path.parent),
        **extra,
    )
    write_annotations(path.parent / name, rec.annotations, rec.fs)


register_format(
    FormatSpec(
        name=NAME,
        description="WFDB record (PhysioNet .hea + .dat/.mat, annotation files)",
        extensions=(".hea", ".dat", ".mat"),
        read=read_wfdb,
        write=write_wfdb,
        sniff=_sniff,
        priority=10,
    )
)
