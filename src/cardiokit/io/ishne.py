"""ISHNE Holter ECG files (``.ecg``, magic ``ISHNE1.0``) and their ``.ann`` annotation files.

Layout (all little-endian), after Badilini et al. 1998:

* bytes 0-7 magic ``ISHNE1.0`` (annotation files: ``ANN  1.0``), bytes 8-9 CRC-CCITT of
  the header from byte 10 to the end of the variable-length block;
* a 512-byte fixed header: variable block size, samples per lead, block offsets, version,
  subject names and id, sex, race, birth/record/file dates (day, month, year), start time
  (h, m, s), number of leads, lead codes, lead quality, resolution in nV per count,
  pacemaker code, recorder type, sampling rate in Hz, free text;
* the variable-length block, then the ECG: int16 samples interleaved lead by lead.

Annotation files repeat the header, then hold the first sample number (uint32) and 4-byte
records: beat label, sub-label, and the distance in samples from the previous record
(uint16); ``!`` records only carry time forward over long gaps.

Holter files are large: the reader maps the file (``np.memmap``) and converts only the
window ``start_s``..``stop_s`` (seconds from the start) into the float32 Recording.

Reference: F. Badilini et al., "The ISHNE Holter standard output file format",
Ann Noninvasive Electrocardiol 1998;3(3):263-266.
"""

from __future__ import annotations

import struct
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from .._core.annotations import Annotations
from .._core.errors import (
    CorruptFileError,
    InvalidArgumentError,
    MissingFileError,
    ReadError,
    WriteError,
)
from .._core.recording import Channel, Recording
from .._core.registry import FormatSpec, register_format
from .._core.units import VOLT_TO_MV
from ._ecg_common import check_options, crc_ccitt

__all__ = ["read", "write"]

MAGIC_ECG = b"ISHNE1.0"
MAGIC_ANN = b"ANN  1.0"
_HEADER = struct.Struct("<8sHiiiih40s40s20shh3h3h3h3hh12h12h12hh40sh80s80s88s")
_FIXED_END = 522  # 8 magic + 2 CRC + 512 fixed header
assert _HEADER.size == _FIXED_END

#: ISHNE lead codes -> names.
LEAD_NAMES = {
    0: "unknown", 1: "bipolar", 2: "X", 3: "Y", 4: "Z", 5: "I", 6: "II", 7: "III", 8: "aVR",
    9: "aVL", 10: "aVF", 11: "V1", 12: "V2", 13: "V3", 14: "V4", 15: "V5", 16: "V6", 17: "ES",
    18: "AS", 19: "AI",
}  # fmt: skip
_LEAD_CODES = {v.lower(): k for k, v in LEAD_NAMES.items() if k > 1}
_SEX = {1: "M", 2: "F"}
_UNITS_TO_MV = VOLT_TO_MV
_READ_OPTIONS = ("start_s", "stop_s", "check_crc", "annotations")


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("latin-1").strip()


def _parse_header(buf: bytes, path: Path, magic: bytes, check_crc: bool) -> dict[str, Any]:
    if len(buf) < _FIXED_END:
        raise CorruptFileError(f"ISHNE: file is {len(buf)} bytes, shorter than the 522-byte header", path=path)
    f = _HEADER.unpack_from(buf)
    if f[0] != magic:
        raise CorruptFileError(f"ISHNE: magic {f[0]!r}; expected {magic!r}", path=path)
    var_size, n_samples, var_off, ecg_off = f[2], f[3], f[4], f[5]
    if var_size < 0 or var_off != _FIXED_END or ecg_off < _FIXED_END + var_size:
        raise CorruptFileError(
            f"ISHNE: inconsistent header offsets (variable block {var_size} bytes at {var_off}, "
            f"data at {ecg_off})",
            path=path,
        )
    end = _FIXED_END + var_size
    if len(buf) < end:
        raise CorruptFileError(f"ISHNE: header declares {end} bytes but the file has {len(buf)}", path=path)
    if check_crc and crc_ccitt(buf[10:end]) != f[1]:
        raise CorruptFileError(
            f"ISHNE: header CRC mismatch (stored {f[1]:#06x}, computed {crc_ccitt(buf[10:end]):#06x}); "
            "pass check_crc=False to read anyway",
            path=path,
        )
    n_leads = f[24]
    if not 1 <= n_leads <= 12:
        raise CorruptFileError(f"ISHNE: {n_leads} leads; the format allows 1 to 12", path=path)
    return {
        "n_samples": n_samples,
        "ecg_offset": ecg_off,
        "var_block": buf[_FIXED_END:end],
        "version": f[6],
        "first_name": _cstr(f[7]),
        "last_name": _cstr(f[8]),
        "id": _cstr(f[9]),
        "sex": f[10],
        "birth_date": f[12:15],
        "record_date": f[15:18],
        "start_time": f[21:24],
        "n_leads": n_leads,
        "lead_spec": f[25 : 25 + n_leads],
        "lead_qual": f[37 : 37 + n_leads],
        "resolution_nv": f[49 : 49 + n_leads],
        "pacemaker": f[61],
        "recorder": _cstr(f[62]),
        "fs": f[63],
    }


def _start(h: dict[str, Any]) -> datetime | None:
    day, month, year = h["record_date"]
    hour, minute, second = h["start_time"]
    try:
        return datetime.combine(date(year, month, day), time(hour, minute, second))
    except (ValueError, TypeError):
        return None


def _companion(path: Path, suffix: str) -> Path | None:
    for cand in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if cand.is_file() and cand != path:
            return cand
    return None


def _read_annotations(path: Path, fs: int, check_crc: bool) -> Annotations:
    data = path.read_bytes()
    h = _parse_header(data, path, MAGIC_ANN, check_crc)
    if h["fs"] != fs:
        raise CorruptFileError(f"ISHNE annotations: sampling rate {h['fs']} Hz differs from the ECG's {fs} Hz", path=path)
    off = h["ecg_offset"]
    if len(data) < off + 4:
        raise CorruptFileError("ISHNE annotations: no first-sample field after the header", path=path)
    (first,) = struct.unpack_from("<I", data, off)
    body = data[off + 4 :]
    n = len(body) // 4
    rec = np.frombuffer(body[: 4 * n], dtype=[("label", "u1"), ("sub", "u1"), ("toc", "<u2")])
    sample = first + np.cumsum(rec["toc"].astype(np.int64))
    keep = rec["label"] != ord("!")
    labels = [chr(c) for c in rec["label"][keep]]
    subs = ["" if c in (0, 32) else chr(c) for c in rec["sub"][keep]]
    return Annotations("ann", sample[keep], labels, aux=subs)


def read(
    path: Path,
    *,
    fs: float | None = None,
    start_s: float = 0.0,
    stop_s: float | None = None,
    check_crc: bool = True,
    annotations: bool = True,
    **options: Any,
) -> Recording:
    """Read an ISHNE Holter ``.ecg`` file (or the ``.ecg`` beside a given ``.ann``).

    Only samples from ``start_s`` to ``stop_s`` seconds are loaded (default: all). The
    ``.ann`` file beside the ECG, when present and ``annotations`` is True, becomes the
    annotation set ``"ann"``. ``check_crc=False`` reads files whose header CRC is wrong.
    """
    check_options(options, _READ_OPTIONS, "ISHNE Holter")
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            magic = fh.read(8)
    except OSError as exc:
        raise ReadError(f"cannot open file: {exc.strerror or exc}", path=path) from None
    if magic == MAGIC_ANN:
        ecg = _companion(path, ".ecg")
        if ecg is None:
            raise MissingFileError("ISHNE annotation file without its .ecg signal file beside it", path=path)
        path = ecg
    with open(path, "rb") as fh:
        head = fh.read(_FIXED_END)
        if len(head) == _FIXED_END:
            var_size = struct.unpack_from("<i", head, 10)[0]
            head += fh.read(max(0, min(var_size, 1 << 24)))
    h = _parse_header(head, path, MAGIC_ECG, check_crc)
    rate, n_leads, n = h["fs"], h["n_leads"], h["n_samples"]
    if rate <= 0:
        raise CorruptFileError(f"ISHNE: sampling rate {rate} Hz; must be > 0", path=path)
    res = np.asarray(h["resolution_nv"], dtype=np.float64)
    if np.any(res <= 0):
        raise CorruptFileError(f"ISHNE: lead resolutions {list(h['resolution_nv'])} nV; must be > 0", path=path)
    size = path.stat().st_size
    available = (size - h["ecg_offset"]) // (2 * n_leads)
    if n <= 0 or available < n:
        raise CorruptFileError(
            f"ISHNE: header declares {n} samples per lead but the file holds {max(available, 0)} (truncated?)",
            path=path,
        )
    for name, val in (("start_s", start_s), ("stop_s", stop_s)):
        if val is not None and (not isinstance(val, (int, float)) or not np.isfinite(val) or val < 0):
            raise InvalidArgumentError(f"{name} must be a number of seconds >= 0; got {val!r}")
    a = round(start_s * rate)
    b = n if stop_s is None else min(n, round(stop_s * rate))
    if a >= n or b <= a:
        raise InvalidArgumentError(
            f"window start_s={start_s}, stop_s={stop_s} is outside the recording (0-{n / rate:.3f} s)"
        )
    mm = np.memmap(path, dtype="<i2", mode="r", offset=h["ecg_offset"], shape=(n, n_leads))
    try:
        signals = (mm[a:b].astype(np.float32) * (res / 1e6).astype(np.float32)).astype(np.float32)
    finally:
        del mm
    names, seen = [], set()
    for k, code in enumerate(h["lead_spec"]):
        name = LEAD_NAMES.get(code, "unknown") if code > 1 else f"ch{k + 1}"
        name = name if name not in seen else f"{name}_{k + 1}"
        seen.add(name)
        names.append(name)
    anns: tuple[Annotations, ...] = ()
    ann_path = _companion(path, ".ann") if annotations else None
    if ann_path is not None:
        ann = _read_annotations(ann_path, rate, check_crc)
        anns = (ann.take((ann.sample >= a) & (ann.sample < b)).shift(-a),)
    start = _start(h)
    if start is not None and a:
        start += timedelta(seconds=a / rate)
    subject: dict[str, Any] = {}
    if h["id"]:
        subject["id"] = h["id"]
    if h["sex"] in _SEX:
        subject["sex"] = _SEX[h["sex"]]
    meta: dict[str, Any] = {
        "format": "ishne",
        "source": str(path),
        "file_version": h["version"],
        "lead_quality": list(h["lead_qual"]),
        "resolution_nv": [int(r) for r in res],
        "pacemaker_code": h["pacemaker"],
        "n_samples_total": n,
        "window_samples": [a, b],
    }
    if subject:
        meta["subject"] = subject
    if h["recorder"]:
        meta["device"] = h["recorder"]
    if ann_path is not None:
        meta["annotation_source"] = str(ann_path)
    return Recording(
        signals=signals,
        fs=float(rate),
        channels=tuple(Channel(nm, "ecg", "mV") for nm in names),
        start=start,
        annotations=anns,
        meta=meta,
    )


def _header_bytes(rec: Recording, magic: bytes, n: int, res: list[int], var_block: bytes) -> bytes:
    start = rec.start
    rdate = (start.day, start.month, start.year) if start else (-9, -9, -9)
    stime = (start.hour, start.minute, start.second) if start else (-9, -9, -9)
    today = datetime.now()
    subject = rec.meta.get("subject") or {}
    sex = {"M": 1, "F": 2}.get(str(subject.get("sex", "")), 0)
    specs = [_LEAD_CODES.get(c.name.lower(), 0) for c in rec.channels]
    pad = 12 - rec.n_channels
    fields = (
        magic, 0, len(var_block), n, _FIXED_END, _FIXED_END + len(var_block), 1,
        b"", b"", str(subject.get("id", ""))[:20].encode("latin-1", "replace"), sex, 0,
        (-9, -9, -9), rdate, (today.day, today.month, today.year), stime, rec.n_channels,
        specs + [-9] * pad, [-9] * 12, res + [-9] * pad, 0,
        str(rec.meta.get("device", ""))[:40].encode("latin-1", "replace"), int(rec.fs),
        b"", b"", b"",
    )  # fmt: skip
    flat: list[Any] = []
    for f in fields:
        if isinstance(f, (tuple, list)):
            flat.extend(f)
        else:
            flat.append(f)
    buf = bytearray(_HEADER.pack(*flat) + var_block)
    struct.pack_into("<H", buf, 8, crc_ccitt(buf[10:]))
    return bytes(buf)


def write(rec: Recording, path: Path, *, resolution_nv: int | None = None, **options: Any) -> None:
    """Write ``rec`` as an ISHNE ``.ecg`` file (plus a ``.ann`` file for its first annotation set).

    ``resolution_nv`` is the quantisation step in nV per count (1-32767); by default the
    finest step that fits each lead's range into int16 (at least 1 nV). Channels in V, mV
    or uV are stored in mV; other units are written as they are.
    """
    if options:
        raise InvalidArgumentError(
            f"ISHNE writer: unknown option(s) {', '.join(sorted(options))}; accepted options: resolution_nv"
        )
    if rec.n_channels > 12:
        raise WriteError(f"ISHNE holds at most 12 leads; this recording has {rec.n_channels}")
    bad = [f"{c.name} ({c.kind})" for c in rec.channels if c.kind not in ("ecg", "other")]
    if bad:  # the reader would call them ECG leads
        raise WriteError(f"ISHNE stores ECG leads only; not ECG: {', '.join(bad)} (select the ECG channels first)")
    if abs(rec.fs - round(rec.fs)) > 1e-9 or not 1 <= round(rec.fs) <= 32767:
        raise WriteError(f"ISHNE stores an integer sampling rate of 1-32767 Hz; got {rec.fs:g} Hz")
    scale = np.array([_UNITS_TO_MV.get(c.unit.lower(), 1.0) for c in rec.channels])
    mv = rec.signals.astype(np.float64) * scale
    peak_nv = np.abs(mv).max(axis=0) * 1e6
    if resolution_nv is None:
        res = [int(min(32767, max(1, np.ceil(p / 32767)))) for p in peak_nv]
    else:
        if not isinstance(resolution_nv, (int, np.integer)) or not 1 <= resolution_nv <= 32767:
            raise InvalidArgumentError(f"resolution_nv must be an integer 1-32767; got {resolution_nv!r}")
        res = [int(resolution_nv)] * rec.n_channels
    counts = np.round(mv * 1e6 / np.asarray(res, dtype=np.float64))
    if np.any(np.abs(counts) > 32767):
        raise WriteError(
            f"signal range exceeds int16 at resolution {max(res)} nV per count; use a larger resolution_nv"
        )
    path = Path(path)
    n = rec.n_samples
    with open(path, "wb") as fh:
        fh.write(_header_bytes(rec, MAGIC_ECG, n, res, b""))
        fh.write(counts.astype("<i2").tobytes())
    if rec.annotations:
        ann = rec.annotations[0]
        body = bytearray()
        prev = 0
        first = int(ann.sample[0]) if len(ann) else 0
        prev = first
        for s, sym, aux in zip(ann.sample.tolist(), ann.symbol, ann.aux, strict=True):
            gap = int(s) - prev
            while gap > 65535:
                body += struct.pack("<BBH", ord("!"), 0, 65535)
                gap -= 65535
            label = (sym or "?")[0].encode("latin-1", "replace")[0]
            sub = aux[0].encode("latin-1", "replace")[0] if aux else 0
            body += struct.pack("<BBH", label, sub, gap)
            prev = int(s)
        with open(path.with_suffix(".ann"), "wb") as fh:
            fh.write(_header_bytes(rec, MAGIC_ANN, n, res, b""))
            fh.write(struct.pack("<I", first) + bytes(body))


def _sniff(head: bytes, path: Path) -> bool:
    return head.startswith((MAGIC_ECG, MAGIC_ANN))


register_format(
    FormatSpec(
        name="ishne",
        description="ISHNE Holter ECG",
        extensions=(".ecg", ".ann"),
        read=read,
        write=write,
        sniff=_sniff,
        priority=10,
    )
)
