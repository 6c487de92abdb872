"""WAV (RIFF/WAVE) audio, e.g. heart sounds (PCG) of the PhysioNet/CinC 2016 challenge.

Integer PCM is scaled to normalised units in [-1, 1) (unit ""), float WAV is kept as is.
cardiokit's writer adds a ``ckit`` chunk (JSON: exact fs, channel names/kinds/units and
per-channel scale) that other programs skip and this reader applies, so a round trip keeps
physical values. Reference: Microsoft/IBM RIFF WAVE specification (1991) and
WAVE_FORMAT_EXTENSIBLE (2001).
"""

from __future__ import annotations

import json
import struct
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from .._core.errors import CorruptFileError, InvalidArgumentError, WriteError
from .._core.recording import Channel, Recording
from .._core.registry import FormatSpec, register_format
from ._channels import guess_kind
from ._common import check_options

__all__ = ["read_wav", "write_wav"]

NAME = "wav"
_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE


def _sniff(head: bytes, path: Path) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def _chunks(data: bytes, path: Path) -> dict[bytes, bytes]:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        what = "RIFX (big-endian) WAV is not supported" if data[:4] == b"RIFX" else (
            f"starts with {data[:12]!r}; a WAV file starts with b'RIFF' .... b'WAVE'"
        )
        raise CorruptFileError(f"not a RIFF/WAVE file: {what}", path=path)
    out: dict[bytes, bytes] = {}
    pos = 12
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        start, end = pos + 8, pos + 8 + size
        if end > len(data):
            raise CorruptFileError(
                f"chunk {cid.decode('latin-1')!r} declares {size} bytes but only {len(data) - start} "
                "follow (truncated file)",
                path=path,
            )
        out.setdefault(cid, data[start:end])
        pos = end + (size & 1)
    for need in (b"fmt ", b"data"):
        if need not in out:
            raise CorruptFileError(f"no {need.decode().strip()!r} chunk; a WAV file needs fmt and data", path=path)
    return out


def _hea_companion(path: Path) -> tuple[str | None, tuple[str, ...]]:
    """Signal name and comments from a PhysioNet ``.hea`` beside the WAV that describes it."""
    hea = path.with_suffix(".hea")
    if not hea.is_file():
        return None, ()
    try:
        lines = hea.read_text(encoding="latin-1").splitlines()[:64]
    except OSError:
        return None, ()
    name = None
    for ln in lines[1:]:
        parts = ln.split()
        if parts and parts[0] == path.name and len(parts) >= 9:
            name = " ".join(parts[8:])
    comments = tuple(ln.lstrip("#").strip() for ln in lines if ln.startswith("#"))
    return name, comments


def read_wav(path: Path, *, fs: float | None = None, **options: Any) -> Recording:
    """Read a PCM (8/16/24/32-bit) or float WAV; ``fs`` is ignored (the file has it).

    Kind is "pcg" unless cardiokit's ``ckit`` chunk says otherwise. A PhysioNet ``.hea`` with
    the same name only names the channel and gives ``meta["comments"]`` (e.g. "Normal"); read
    the ``.hea`` itself (WFDB) to get the simultaneous ECG of PhysioNet 2016 training-a.
    """
    check_options(NAME, options, ("fs",))
    data = Path(path).read_bytes()
    chunks = _chunks(data, path)
    fmt = chunks[b"fmt "]
    if len(fmt) < 16:
        raise CorruptFileError(f"fmt chunk holds {len(fmt)} bytes; at least 16 are required", path=path)
    tag, n_ch, rate, _, block, bits = struct.unpack("<HHIIHH", fmt[:16])
    if tag == _EXTENSIBLE and len(fmt) >= 40:
        tag = struct.unpack("<H", fmt[24:26])[0]
    if n_ch < 1 or rate < 1 or bits not in (8, 16, 24, 32, 64) or block != n_ch * bits // 8:
        raise CorruptFileError(
            f"inconsistent fmt chunk: {n_ch} channels, {rate} Hz, {bits} bits, block {block} bytes",
            path=path,
        )
    if tag not in (_PCM, _FLOAT) or (tag == _FLOAT and bits not in (32, 64)) or (tag == _PCM and bits == 64):
        raise CorruptFileError(
            f"unsupported WAV encoding (format tag {tag}, {bits} bits); accepted: integer PCM "
            "8/16/24/32-bit and IEEE float 32/64-bit",
            path=path,
        )
    raw = chunks[b"data"]
    if len(raw) % block:
        raise CorruptFileError(
            f"data chunk holds {len(raw)} bytes, not a whole number of {block}-byte frames", path=path
        )
    if not raw:
        raise CorruptFileError("data chunk is empty: no samples", path=path)
    if tag == _FLOAT:
        x = np.frombuffer(raw, "<f4" if bits == 32 else "<f8").astype(np.float64)
    elif bits == 8:
        x = (np.frombuffer(raw, np.uint8).astype(np.float64) - 128) / 128
    elif bits == 24:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        x = np.where(v >= 1 << 23, v - (1 << 24), v) / float(1 << 23)
    else:
        x = np.frombuffer(raw, "<i2" if bits == 16 else "<i4").astype(np.float64) / float(1 << (bits - 1))
    sig = x.reshape(-1, n_ch)
    meta: dict[str, Any] = {"format": NAME, "source": str(path), "wav_encoding": f"{'float' if tag == _FLOAT else 'pcm'}{bits}"}
    fs_out = float(rate)
    start = None
    info = _ckit(chunks.get(b"ckit"))
    if info is not None:
        try:
            fs_out = float(info.get("fs", fs_out))
            chans = info["channels"]
            channels = tuple(Channel(str(c["name"]), str(c["kind"]), str(c["unit"])) for c in chans)
            scales = np.array([float(c.get("scale", 1.0)) for c in chans])
            if scales.size != n_ch:
                raise ValueError(f"{scales.size} channels described for {n_ch} in the data")
            sig = sig * scales
            if info.get("start"):
                start = datetime.fromisoformat(str(info["start"]))
            extra = dict(info.get("meta") or {})
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise CorruptFileError(f"broken cardiokit 'ckit' chunk: {exc}", path=path) from None
        for k, v in extra.items():
            if k not in ("format", "source"):
                meta[k] = tuple(v) if isinstance(v, list) else v
    else:
        hea_name, comments = _hea_companion(Path(path))
        names = [hea_name] if (hea_name and n_ch == 1) else (["PCG"] if n_ch == 1 else [f"ch{i + 1}" for i in range(n_ch)])
        kinds = [guess_kind(n) for n in names]
        channels = tuple(Channel(n, k if k != "other" else "pcg", "") for n, k in zip(names, kinds, strict=True))
        if comments:
            meta["comments"] = comments
    if not np.all(np.isfinite(sig)):
        raise CorruptFileError("float WAV holds NaN or infinite samples", path=path)
    return Recording(sig.astype(np.float32), fs_out, channels, start, (), meta)


def _ckit(raw: bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        info = json.loads(raw.rstrip(b"\0").decode("utf-8"))
        chans = info["channels"]
        if not isinstance(chans, list) or not all(isinstance(c, dict) and "name" in c for c in chans):
            return None
        for c in chans:
            c.setdefault("kind", "other")
            c.setdefault("unit", "")
        return info
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def write_wav(rec: Recording, path: Path, **options: Any) -> None:
    """Write 16-bit PCM WAV: each channel scaled by its peak, scales kept in a ``ckit`` chunk.

    Annotations are not stored (WAV has no place for them); the header rate is fs rounded to
    a whole Hz (the exact fs is in the ``ckit`` chunk).
    """
    if options:
        raise InvalidArgumentError(f"wav writer takes no options; got {', '.join(sorted(options))}")
    rate = round(rec.fs)
    if not 1 <= rate < 2**32:
        raise WriteError(f"sampling rate {rec.fs} Hz cannot be stored in a WAV header (1 Hz - 4.29 GHz)")
    sig = np.asarray(rec.signals, dtype=np.float64)
    scale = np.abs(sig).max(axis=0)
    scale[scale == 0] = 1.0
    scale = np.array([float(f"{s:.9g}") for s in scale])
    pcm = np.clip(np.round(sig / scale * 32767), -32767, 32767).astype("<i2")
    info = {
        "fs": rec.fs,
        "channels": [
            {"name": c.name, "kind": c.kind, "unit": c.unit, "scale": float(s / 32767 * 32768)}
            for c, s in zip(rec.channels, scale, strict=True)
        ],
        "start": rec.start.isoformat() if rec.start else None,
        "meta": _jsonable({k: v for k, v in rec.meta.items() if k in ("subject", "device", "comments")}),
    }
    ckit = json.dumps(info, separators=(",", ":")).encode("utf-8")
    if len(ckit) & 1:
        ckit += b" "
    n_ch = rec.n_channels
    fmt = struct.pack("<HHIIHH", _PCM, n_ch, rate, rate * n_ch * 2, n_ch * 2, 16)
    body = pcm.tobytes()
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    chunks += b"data" + struct.pack("<I", len(body)) + body + (b"\0" if len(body) & 1 else b"")
    chunks += b"ckit" + struct.pack("<I", len(ckit)) + ckit
    if len(chunks) + 4 >= 2**32:
        raise WriteError("recording too long for a WAV file (4 GiB limit)")
    with open(path, "wb") as fh:
        fh.write(b"RIFF" + struct.pack("<I", len(chunks) + 4) + b"WAVE" + chunks)


register_format(
    FormatSpec(
        name=NAME,
        description="WAV audio (RIFF/WAVE PCM or float), e.g. heart sounds",
        extensions=(".wav",),
        read=read_wav,
        write=write_wav,
        sniff=_sniff,
        priority=10,
    )
)
