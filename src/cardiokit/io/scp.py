"""SCP-ECG (EN 1064:2005, ISO 11073-91064), ``.scp``: reader and writer.

A file is a 6-byte header (CRC-CCITT of the rest of the file, total length) followed by
sections, each with a 16-byte header (CRC of the section after its CRC field, section id,
length, versions, reserved). Section 0 points to the others (id, length, 1-based byte
index). Used here: 1 patient/acquisition tags, 2 Huffman tables, 3 lead definitions,
4 QRS locations for reference-beat subtraction, 5 reference beat, 6 rhythm data.
Rhythm samples may be Huffman coded (default or custom tables), stored as first or second
differences, and have the reference beat subtracted around each QRS (added back here).
Bimodal compression (decimation outside the QRS) is not supported: such files raise
ReadError. The writer stores every lead as second differences with the default Huffman
table (or uncompressed int16 with ``compression="none"``).

Reference: EN 1064:2005+A1:2007 "Health informatics - Standard communication protocol -
Computer-assisted electrocardiography", sections 5.2-5.9 and annex C.
"""

from __future__ import annotations

import struct
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np

from .._core.errors import CorruptFileError, InvalidArgumentError, ReadError, WriteError
from .._core.recording import Channel, Recording
from .._core.registry import FormatSpec, register_format
from .._core.units import VOLT_TO_MV
from ._ecg_common import check_options, crc_ccitt
from ._scp_codec import (
    difference_decode,
    difference_encode,
    huffman_decode,
    huffman_encode_default,
    parse_tables,
)

__all__ = ["LEAD_IDS", "read", "write"]

#: SCP-ECG lead identification codes (section 3) -> names.
LEAD_IDS = {
    1: "I", 2: "II", 3: "V1", 4: "V2", 5: "V3", 6: "V4", 7: "V5", 8: "V6", 9: "V7", 10: "V2R",
    11: "V3R", 12: "V4R", 13: "V5R", 14: "V6R", 15: "V7R", 16: "X", 17: "Y", 18: "Z",
    19: "CC5", 20: "CM5", 21: "LA", 22: "RA", 23: "LL", 61: "III", 62: "aVR", 63: "aVL",
    64: "aVF", 65: "-aVR", 66: "V8", 67: "V9", 68: "V8R", 69: "V9R",
}  # fmt: skip
_LEAD_CODES = {v.lower(): k for k, v in LEAD_IDS.items()}
_SEX = {1: "M", 2: "F"}
_AGE_UNITS = {1: 1.0, 2: 1 / 12, 3: 1 / 52.1775, 4: 1 / 365.25, 5: 1 / 8766}
_UNITS_TO_MV = VOLT_TO_MV
_SECTION_HEADER = struct.Struct("<HHIBB6s")


def _section(data: bytes, offset: int, length: int, sid: int, path: Path, check_crc: bool) -> bytes:
    """Body (after the 16-byte header) of the section at ``offset``; validates id, bounds, CRC."""
    if length < 16 or offset < 6 or offset + length > len(data):
        raise CorruptFileError(
            f"SCP: section {sid} ({length} bytes at byte {offset}) lies outside the {len(data)}-byte file",
            path=path,
        )
    crc, found, declared, _sv, _pv, _res = _SECTION_HEADER.unpack_from(data, offset)
    if found != sid:
        raise CorruptFileError(f"SCP: section pointer for {sid} leads to section id {found}", path=path)
    if declared != length:
        raise CorruptFileError(f"SCP: section {sid} header says {declared} bytes, pointer says {length}", path=path)
    if check_crc and crc_ccitt(data[offset + 2 : offset + length]) != crc:
        raise CorruptFileError(f"SCP: CRC mismatch in section {sid}; pass check_crc=False to read anyway", path=path)
    return data[offset + 16 : offset + length]


def _pointers(data: bytes, path: Path, check_crc: bool) -> dict[int, bytes]:
    if len(data) < 6 + 16:
        raise CorruptFileError(f"SCP: file is {len(data)} bytes; too short for the header and section 0", path=path)
    crc, rec_len = struct.unpack_from("<HI", data, 0)
    if rec_len > len(data) or rec_len < 22:
        raise CorruptFileError(f"SCP: header declares {rec_len} bytes but the file has {len(data)} (truncated?)", path=path)
    data = data[:rec_len]
    if check_crc and crc_ccitt(data[2:]) != crc:
        raise CorruptFileError("SCP: file CRC mismatch; pass check_crc=False to read anyway", path=path)
    len0 = struct.unpack_from("<I", data, 10)[0]
    body0 = _section(data, 6, len0, 0, path, check_crc)
    sections: dict[int, bytes] = {}
    for k in range(len(body0) // 10):
        sid, length, index = struct.unpack_from("<HII", body0, 10 * k)
        if sid == 0 or length == 0 or index == 0:
            continue
        sections[sid] = _section(data, index - 1, length, sid, path, check_crc)
    return sections


def _tags(body: bytes) -> dict[int, bytes]:
    tags: dict[int, bytes] = {}
    off = 0
    while off + 3 <= len(body):
        tag, length = body[off], int.from_bytes(body[off + 1 : off + 3], "little")
        if tag == 255:
            break
        tags.setdefault(tag, body[off + 3 : off + 3 + length])
        off += 3 + length
    return tags


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("latin-1").strip()


def _demographics(body: bytes | None) -> tuple[dict[str, Any], str | None, datetime | None]:
    if not body:
        return {}, None, None
    tags = _tags(body)
    subject: dict[str, Any] = {}
    if (pid := _cstr(tags.get(2, b""))):
        subject["id"] = pid
    if len(v := tags.get(4, b"")) >= 3 and v[2] in _AGE_UNITS:
        subject["age_years"] = round(int.from_bytes(v[:2], "little") * _AGE_UNITS[v[2]], 3)
    if len(v := tags.get(6, b"")) >= 3 and v[2] in (1, 2, 3):
        subject["height_cm"] = round(int.from_bytes(v[:2], "little") * {1: 1.0, 2: 2.54, 3: 0.1}[v[2]], 1)
    if len(v := tags.get(7, b"")) >= 3 and v[2] in (1, 2, 3):
        factor = {1: 1.0, 2: 1e-3, 3: 0.45359237}[v[2]]
        subject["weight_kg"] = round(int.from_bytes(v[:2], "little") * factor, 1)
    if len(v := tags.get(8, b"")) >= 1 and v[0] in _SEX:
        subject["sex"] = _SEX[v[0]]
    device = None
    if len(v := tags.get(14, b"")) >= 36:
        model = _cstr(v[8:14])
        rest = v[36 + v[35] :].split(b"\0")
        manufacturer = rest[3].decode("latin-1").strip() if len(rest) > 3 else ""
        device = " ".join(p for p in (manufacturer, model) if p) or None
    start = None
    d, t = tags.get(25, b""), tags.get(26, b"")
    if len(d) >= 4:
        try:
            day = date(int.from_bytes(d[:2], "little"), d[2], d[3])
            start = datetime.combine(day, time(t[0], t[1], t[2]) if len(t) >= 3 else time())
        except ValueError:
            start = None
    return subject, device, start


def _leads(body: bytes | None, path: Path) -> tuple[list[tuple[int, int, int]], int]:
    if body is None or len(body) < 2:
        raise CorruptFileError("SCP: no lead definition (section 3)", path=path)
    n, flags = body[0], body[1]
    if n == 0 or len(body) < 2 + 9 * n:
        raise CorruptFileError(f"SCP: section 3 declares {n} leads but holds {(len(body) - 2) // 9}", path=path)
    leads = [struct.unpack_from("<IIB", body, 2 + 9 * k) for k in range(n)]
    for start, end, _ in leads:
        if start < 1 or end < start or end - start > 50_000_000:
            raise CorruptFileError(f"SCP: lead sample range {start}-{end} is invalid", path=path)
    return leads, flags


def _decode_block(body: bytes, n_leads: int, counts: list[int], head: int, tables: Any, order: int,
                  path: Path, what: str) -> list[np.ndarray]:  # fmt: skip
    """Per-lead data of section 5 or 6 after its ``head``-byte header."""
    if len(body) < head + 2 * n_leads:
        raise CorruptFileError(f"SCP: {what} is too short for its lead length table", path=path)
    sizes = struct.unpack_from(f"<{n_leads}H", body, head)
    off = head + 2 * n_leads
    out = []
    for k, (size, n) in enumerate(zip(sizes, counts, strict=True)):
        chunk = body[off : off + size]
        if len(chunk) < size:
            raise CorruptFileError(f"SCP: {what} lead {k + 1} data run past the section end", path=path)
        off += size
        if tables is None:
            if size < 2 * n:
                raise CorruptFileError(
                    f"SCP: {what} lead {k + 1} holds {size // 2} samples; {n} declared", path=path
                )
            values = np.frombuffer(chunk[: 2 * n], dtype="<i2").astype(np.int64)
        else:
            if n > 8 * size:
                raise CorruptFileError(
                    f"SCP: {what} lead {k + 1}: {size} bytes cannot hold {n} Huffman-coded samples", path=path
                )
            try:
                values = huffman_decode(chunk, n, tables)
            except ValueError as exc:
                raise CorruptFileError(f"SCP: {what} lead {k + 1}: {exc}", path=path) from None
        out.append(difference_decode(values, order))
    return out


def _add_reference_beat(rhythm: list[np.ndarray], sections: dict[int, bytes], tables: Any,
                        avm6: float, fs: float, path: Path) -> None:  # fmt: skip
    """Add the section 5 reference beat back at each section 4 QRS of type 0 (in nV, in place)."""
    s4, s5 = sections.get(4), sections.get(5)
    if s4 is None or s5 is None or len(s4) < 6 or len(s5) < 6:
        raise CorruptFileError("SCP: reference beat subtraction is flagged but section 4 or 5 is missing", path=path)
    length_ms, fc0, n_qrs = struct.unpack_from("<HHH", s4, 0)
    if len(s4) < 6 + 14 * n_qrs:
        raise CorruptFileError(f"SCP: section 4 declares {n_qrs} QRS complexes but is too short", path=path)
    avm5, interval5, order5, _ = struct.unpack_from("<HHBB", s5, 0)
    if interval5 == 0 or avm5 == 0:
        raise CorruptFileError("SCP: section 5 has a zero sample interval or amplitude multiplier", path=path)
    n_ref = round(length_ms * 1000 / interval5)
    if abs(1e6 / interval5 - fs) > 1e-6 * fs:
        raise ReadError("SCP: reference beat sampled at a different rate than the rhythm (bimodal files) "
                        "is not supported", path=path)  # fmt: skip
    refs = _decode_block(s5, len(rhythm), [n_ref] * len(rhythm), 6, tables, order5, path, "section 5")
    for k in range(n_qrs):
        btype, sb, fcm, se = struct.unpack_from("<HIII", s4, 6 + 14 * k)
        if btype != 0 or sb == 0:
            continue
        for lead, ref in zip(rhythm, refs, strict=True):
            s = np.arange(max(sb, 1), min(se, lead.size) + 1)  # 1-based samples
            r = s - fcm + fc0 - 1
            ok = (r >= 0) & (r < ref.size)
            lead[s[ok] - 1] += ref[r[ok]] * avm5 / avm6


def read(path: Path, *, fs: float | None = None, check_crc: bool = True, **options: Any) -> Recording:
    """Read an SCP-ECG file (rhythm data of section 6) into a Recording in mV.

    ``check_crc=False`` reads files whose file or section CRCs are wrong.
    """
    check_options(options, ("check_crc",), "SCP-ECG")
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"cannot open file: {exc.strerror or exc}", path=path) from None
    sections = _pointers(data, path, check_crc)
    leads, flags = _leads(sections.get(3), path)
    s6 = sections.get(6)
    if s6 is None or len(s6) < 6:
        raise CorruptFileError("SCP: no rhythm data (section 6)", path=path)
    avm, interval, order, bimodal = struct.unpack_from("<HHBB", s6, 0)
    if avm == 0 or interval == 0:
        raise CorruptFileError(f"SCP: section 6 amplitude multiplier {avm} nV / interval {interval} us is invalid",
                               path=path)  # fmt: skip
    if order not in (0, 1, 2):
        raise CorruptFileError(f"SCP: section 6 difference coding {order}; accepted 0, 1, 2", path=path)
    if bimodal:
        raise ReadError("SCP: bimodal compression is not supported (decimated rhythm data)", path=path)
    tables = None
    if 2 in sections:
        try:
            tables = parse_tables(sections[2])
        except ValueError as exc:
            raise CorruptFileError(f"SCP: {exc}", path=path) from None
    rate = 1e6 / interval
    counts = [end - start + 1 for start, end, _ in leads]
    rhythm = [r.astype(np.float64) for r in _decode_block(s6, len(leads), counts, 6, tables, order, path,
                                                          "section 6")]  # fmt: skip
    if flags & 1:
        _add_reference_beat(rhythm, sections, tables, avm, rate, path)
    n = max(end for _, end, _ in leads)
    signals = np.zeros((n, len(leads)), dtype=np.float64)
    for k, ((start, end, _), values) in enumerate(zip(leads, rhythm, strict=True)):
        signals[start - 1 : end, k] = values * (avm / 1e6)
    names, seen = [], set()
    for k, (_, _, code) in enumerate(leads):
        name = LEAD_IDS.get(code, f"ch{k + 1}")
        name = name if name not in seen else f"{name}_{k + 1}"
        seen.add(name)
        names.append(name)
    subject, device, start_dt = _demographics(sections.get(1))
    meta: dict[str, Any] = {
        "format": "scp",
        "source": str(path),
        "compression": "none" if tables is None else "huffman",
        "difference_order": order,
        "reference_beat_subtraction": bool(flags & 1),
        "amplitude_nv": avm,
    }
    if subject:
        meta["subject"] = subject
    if device:
        meta["device"] = device
    return Recording(
        signals=signals.astype(np.float32),
        fs=rate,
        channels=tuple(Channel(nm, "ecg", "mV") for nm in names),
        start=start_dt,
        meta=meta,
    )


# ---------------------------------------------------------------------------- writer
def _pack_section(sid: int, body: bytes) -> bytes:
    if len(body) % 2:
        body += b"\0"
    reserved = b"SCPECG" if sid == 0 else b"\0" * 6
    head = struct.pack("<HIBB6s", sid, 16 + len(body), 20, 20, reserved)
    return struct.pack("<H", crc_ccitt(head + body)) + head + body


def assemble(bodies: dict[int, bytes]) -> bytes:
    """A complete SCP-ECG file from section bodies (ids 1-11); section 0 and all CRCs are computed."""
    ids = sorted(set(range(12)) | set(bodies))
    packed = {sid: _pack_section(sid, body) for sid, body in bodies.items() if sid != 0}
    size0 = 16 + 10 * len(ids)
    pointers, pos = [], 6 + size0
    for sid in ids:
        if sid == 0:
            pointers.append(struct.pack("<HII", 0, size0, 7))
        elif sid in packed:
            pointers.append(struct.pack("<HII", sid, len(packed[sid]), pos + 1))
            pos += len(packed[sid])
        else:
            pointers.append(struct.pack("<HII", sid, 0, 0))
    content = _pack_section(0, b"".join(pointers)) + b"".join(packed[s] for s in sorted(packed))
    total = 6 + len(content)
    tail = struct.pack("<I", total) + content
    return struct.pack("<H", crc_ccitt(tail)) + tail


def _tag(tag: int, value: bytes) -> bytes:
    return struct.pack("<BH", tag, len(value)) + value


def _section1(rec: Recording) -> bytes:
    subject = rec.meta.get("subject") or {}
    out = _tag(2, str(subject.get("id", "")).encode("latin-1", "replace")[:40] + b"\0")
    age = subject.get("age_years")
    if isinstance(age, (int, float)) and 0 <= age < 65535:
        out += _tag(4, struct.pack("<HB", round(age), 1))
    sex = {"M": 1, "F": 2}.get(str(subject.get("sex", "")))
    out += _tag(8, bytes([sex if sex else 0]))
    name = str(rec.meta.get("device", "")).encode("latin-1", "replace")
    model, maker = (name, b"") if len(name) <= 5 else (b"", name[:200])
    device = struct.pack("<HHHBB", 0, 0, 0, 0, 255) + model.ljust(6, b"\0") + bytes([20, 0xA0, 0, 0, 0])
    device += b"\0" * 16 + b"\x01\0" + b"\0" + b"\0" + b"cardiokit\0" + maker + b"\0"
    out += _tag(14, device)
    if rec.start is not None:
        s = rec.start
        out += _tag(25, struct.pack("<HBB", s.year, s.month, s.day))
        out += _tag(26, struct.pack("<BBB", s.hour, s.minute, s.second))
    return out + _tag(255, b"")


def write(rec: Recording, path: Path, *, compression: str = "huffman", resolution_nv: int | None = None,
          **options: Any) -> None:  # fmt: skip
    """Write ``rec`` as SCP-ECG: default-Huffman second differences, or ``compression="none"``.

    ``resolution_nv`` is the amplitude step in nV (1-65535; default: the finest step that
    keeps every lead within int16). The sampling interval is stored in whole microseconds,
    so ``fs`` must be 1e6/k Hz for an integer k (e.g. 250, 500, 1000 Hz).
    """
    if options:
        raise InvalidArgumentError(
            f"SCP writer: unknown option(s) {', '.join(sorted(options))}; accepted: compression, resolution_nv"
        )
    if compression not in ("huffman", "none"):
        raise InvalidArgumentError(f"compression {compression!r} is not one of huffman, none")
    bad = [f"{c.name} ({c.kind})" for c in rec.channels if c.kind not in ("ecg", "other")]
    if bad:  # SCP-ECG section 3 describes ECG leads only
        raise WriteError(f"SCP-ECG stores ECG leads only; not ECG: {', '.join(bad)} (select the ECG channels first)")
    if rec.n_channels > 255:
        raise WriteError(f"SCP holds at most 255 leads; this recording has {rec.n_channels}")
    interval = round(1e6 / rec.fs)
    if not 1 <= interval <= 65535 or abs(1e6 / interval - rec.fs) > 1e-6 * rec.fs:
        raise WriteError(f"SCP stores the sampling interval in whole microseconds; {rec.fs:g} Hz is not "
                         "1e6/k Hz for an integer k (resample first, e.g. to 250, 500 or 1000 Hz)")  # fmt: skip
    scale = np.array([_UNITS_TO_MV.get(c.unit.lower(), 1.0) for c in rec.channels])
    nv = rec.signals.astype(np.float64) * scale * 1e6
    if resolution_nv is None:
        resolution_nv = int(min(65535, max(1, np.ceil(np.abs(nv).max() / 32767))))
    elif not isinstance(resolution_nv, (int, np.integer)) or not 1 <= resolution_nv <= 65535:
        raise InvalidArgumentError(f"resolution_nv must be an integer 1-65535; got {resolution_nv!r}")
    counts = np.round(nv / resolution_nv).astype(np.int64)
    if np.abs(counts).max() > 32767:
        raise WriteError(f"signal range exceeds int16 at {resolution_nv} nV per count; use a larger resolution_nv")
    order = 2
    for candidate in (2, 1, 0):
        order = candidate
        if all(np.abs(difference_encode(counts[:, k], candidate)).max() <= 32767 for k in range(rec.n_channels)):
            break
    blocks = []
    for k in range(rec.n_channels):
        d = difference_encode(counts[:, k], order)
        blocks.append(huffman_encode_default(d) if compression == "huffman" else d.astype("<i2").tobytes())
    if max(len(b) for b in blocks) > 65535:
        raise WriteError("a lead needs more than 65535 bytes in section 6; write a shorter recording")
    s6 = struct.pack("<HHBB", resolution_nv, interval, order, 0)
    s6 += b"".join(struct.pack("<H", len(b)) for b in blocks) + b"".join(blocks)
    n = rec.n_samples
    s3 = bytes([rec.n_channels, 0x04 | (min(rec.n_channels, 31) << 3)])
    s3 += b"".join(struct.pack("<IIB", 1, n, _LEAD_CODES.get(c.name.lower(), 0)) for c in rec.channels)
    bodies = {1: _section1(rec), 3: s3, 6: s6}
    if compression == "huffman":
        bodies[2] = struct.pack("<H", 19999)
    Path(path).write_bytes(assemble(bodies))


def _sniff(head: bytes, path: Path) -> bool:
    if len(head) < 22 or head[8:10] != b"\0\0":
        return False
    len0 = int.from_bytes(head[10:14], "little")
    if not 16 + 10 * 12 <= len0 <= len(head) - 6:
        return False
    return crc_ccitt(head[8 : 6 + len0]) == int.from_bytes(head[6:8], "little")


register_format(
    FormatSpec(
        name="scp",
        description="SCP-ECG (EN 1064)",
        extensions=(".scp",),
        read=read,
        write=write,
        sniff=_sniff,
        priority=10,
    )
)
