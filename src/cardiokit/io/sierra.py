"""Philips SierraECG XML (root element ``restingecgdata``, document versions 1.03, 1.04, 1.04.01).

The 12-lead strip is in ``<parsedwaveforms>``: base64 (or plain text) 16-bit samples of
``durationperchannel`` ms per lead, either uncompressed or XLI-compressed. XLI, as
described by the sierra-ecg-tools project (C. Watford, "XLI compression scheme"), is per
lead chunk:

* an 8-byte little-endian header: compressed size (int32), an unused int16 (1), and the
  first delta code (int16);
* LZW with 10-bit codes (most significant bit first, 256 single-byte roots, no clear code,
  code 1023 ends the stream, the dictionary stops growing at 1023 entries);
* the output holds the most significant bytes of all 16-bit codes, then the least
  significant bytes;
* a second-order predictor: ``x[i] = 2 x[i-1] - x[i-2] - (c[i-1] - 64)`` for ``i >= 3``,
  with the header's delta code standing in for ``c[1] - 64`` and ``x[0] = c[0]``,
  ``x[1] = c[1]``.

In XLI files leads III, aVR, aVL and aVF are stored as residuals and rebuilt from I and II
(integer arithmetic as in the Philips reference decoder):
``III = II - I - r3``, ``aVR = -r4 - (I + II)/2``, ``aVL = (I - III)/2 - r5``,
``aVF = (II + III)/2 - r6``. The strip ends with a 1 mV calibration pulse.
"""

from __future__ import annotations

import base64
import binascii
import struct
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import numpy as np

from .._core.errors import CorruptFileError
from .._core.recording import Channel, Recording
from ._ecg_common import (
    STANDARD_12,
    check_options,
    local_name,
    number,
    parse_xml,
    register_xml_format,
)

__all__ = ["read", "xli_decode"]

_VERSIONS = ("1.03", "1.04", "1.04.01")
_LZW_BITS = 10
_LZW_END = (1 << _LZW_BITS) - 1  # 1023: end of stream; also the dictionary size limit

# (cardiokit name, tags to try in the interpretation's measurements, then the device's global ones)
_MEASUREMENTS = (
    ("heart_rate_bpm", ("heartrate",), ("meanventrate",)),
    ("rr_ms", ("rrint",), ("meanrrint",)),
    ("atrial_rate_bpm", ("atrialrate",), ("atrialrate",)),
    ("p_duration_ms", ("pdur",), ()),
    ("pr_ms", ("print", "meanprint"), ("meanprint",)),
    ("qrs_ms", ("qrsdur", "meanqrsdur"), ("meanqrsdur",)),
    ("qt_ms", ("qtint", "meanqtint"), ("meanqtint",)),
    ("qtc_ms", ("qtcb", "meanqtc"), ("meanqtc",)),
    ("qtcf_ms", ("qtcf",), ()),
    ("p_axis_deg", ("pfrontaxis",), ("pfrontaxis",)),
    ("qrs_axis_deg", ("qrsfrontaxis",), ("qrsfrontaxis",)),
    ("t_axis_deg", ("tfrontaxis",), ("tfrontaxis",)),
)


def _lzw_decompress(data: bytes, max_out: int) -> bytes:
    """LZW with fixed 10-bit codes, MSB-first, stopping at code 1023, end of data or ``max_out`` bytes."""
    table: list[bytes] = [bytes([i]) for i in range(256)]
    out = bytearray()
    prev = b""
    nbits = len(data) * 8
    padded = data + b"\0\0"
    pos = 0
    while pos + _LZW_BITS <= nbits and len(out) < max_out:
        byte = pos >> 3
        word = (padded[byte] << 16) | (padded[byte + 1] << 8) | padded[byte + 2]
        code = (word >> (24 - _LZW_BITS - (pos & 7))) & _LZW_END
        pos += _LZW_BITS
        if code == _LZW_END:
            break
        if code < len(table):
            entry = table[code]
        elif code == len(table) and prev:
            entry = prev + prev[:1]
        else:
            raise ValueError(f"LZW code {code} is not yet defined (dictionary has {len(table)} entries)")
        out += entry
        if prev and len(table) < _LZW_END:
            table.append(prev + entry[:1])
        prev = entry
    return bytes(out)


def _undelta(codes: np.ndarray, first: int) -> np.ndarray:
    out = codes.astype(np.int64)
    n = out.size
    if n < 3:
        return out
    x, y, last = int(out[0]), int(out[1]), int(first)
    c = out.tolist()
    res = c[:2]
    for i in range(2, n):
        z = 2 * y - x - last
        last = c[i] - 64
        res.append(z)
        x, y = y, z
    return np.asarray(res, dtype=np.int64)


def xli_decode(raw: bytes, n_samples: int, n_leads: int) -> list[np.ndarray]:
    """Decode up to ``n_leads`` XLI chunks of ``n_samples`` 16-bit samples each (raw counts).

    Raises ``ValueError`` on malformed data (the reader turns it into a CorruptFileError).
    """
    leads: list[np.ndarray] = []
    off = 0
    while len(leads) < n_leads:
        if off + 8 > len(raw):
            raise ValueError(f"XLI data end after {len(leads)} of {n_leads} leads")
        size, _unused, first = struct.unpack_from("<iHh", raw, off)
        off += 8
        if size <= 0 or off + size > len(raw):
            raise ValueError(f"XLI chunk {len(leads) + 1} declares {size} bytes; {len(raw) - off} remain")
        plain = _lzw_decompress(raw[off : off + size], 2 * n_samples)
        off += size
        if len(plain) < 2 * n_samples:
            raise ValueError(
                f"XLI chunk {len(leads) + 1} decodes to {len(plain) // 2} samples; {n_samples} declared"
            )
        msb = np.frombuffer(plain, np.uint8, n_samples, 0).astype(np.uint16)
        lsb = np.frombuffer(plain, np.uint8, n_samples, n_samples).astype(np.uint16)
        codes = ((msb << 8) | lsb).view(np.int16)
        leads.append(_undelta(codes, first))
    return leads


def _reconstruct_limb(leads: list[np.ndarray]) -> None:
    """Rebuild III, aVR, aVL, aVF (positions 2-5) from I, II and the stored residuals, in place."""
    i, ii = leads[0], leads[1]
    iii = ii - i - leads[2]
    leads[2] = iii
    # integer halves truncate toward zero, as the Philips reference decoder does
    leads[3] = -leads[3] - np.fix((i + ii) / 2).astype(np.int64)
    leads[4] = np.fix((i - iii) / 2).astype(np.int64) - leads[4]
    leads[5] = np.fix((ii + iii) / 2).astype(np.int64) - leads[5]


def _child(el: Element | None, name: str) -> Element | None:
    if el is None:
        return None
    for c in el:
        if local_name(c.tag) == name:
            return c
    return None


def _path(el: Element | None, *names: str) -> Element | None:
    for n in names:
        el = _child(el, n)
    return el


def _text(el: Element | None, *names: str) -> str | None:
    el = _path(el, *names)
    if el is None or el.text is None:
        return None
    return el.text.strip() or None


def _measurements(root: Element) -> dict[str, float]:
    interp = _path(root, "interpretations", "interpretation")
    primary = _child(interp, "globalmeasurements")
    if primary is None:
        primary = _child(interp, "interpretationmeasurements")
    fallback = _path(root, "internalmeasurements", "crossleadmeasurements")
    if fallback is None:
        fallback = _path(root, "measurements", "globalmeasurements")
    out: dict[str, float] = {}
    for key, tags, fb_tags in _MEASUREMENTS:
        for el, candidates in ((primary, tags), (fallback, fb_tags)):
            value = next((v for t in candidates if (v := number(_text(el, t))) is not None), None)
            if value is not None:
                out[key] = int(value) if value == int(value) else value
                break
    return out


def _statements(root: Element) -> tuple[list[str], str | None]:
    interp = _path(root, "interpretations", "interpretation")
    out = []
    for st in interp if interp is not None else ():
        if local_name(st.tag) != "statement":
            continue
        left, right = _text(st, "leftstatement"), _text(st, "rightstatement")
        if left or right:
            out.append(", ".join(p for p in (left, right) if p))
    return out, _text(interp, "severity")


def _subject(root: Element) -> dict[str, Any]:
    gen = _path(root, "patient", "generalpatientdata")
    subject: dict[str, Any] = {}
    if gen is None:
        return subject
    if pid := _text(gen, "patientid"):
        subject["id"] = pid
    age = _child(gen, "age")
    years = number(_text(age, "years"))
    if years is None and age is not None:
        years = number(age.get("defaultage"))
    if years is not None:
        subject["age_years"] = years
    sex = (_text(gen, "sex") or "").lower()
    if sex in ("male", "female"):
        subject["sex"] = sex[0].upper()
    height = number(_text(gen, "height", "cm"))
    if height is None and (inch := number(_text(gen, "height", "in"))) is not None:
        height = round(inch * 2.54, 1)
    if height:
        subject["height_cm"] = height
    weight = number(_text(gen, "weight", "kg"))
    if weight is None and (lb := number(_text(gen, "weight", "lb"))) is not None:
        weight = round(lb * 0.45359237, 1)
    if weight:
        subject["weight_kg"] = weight
    return subject


def _start(acq: Element | None) -> datetime | None:
    if acq is None or not acq.get("date"):
        return None
    try:
        return datetime.fromisoformat(f"{acq.get('date')}T{acq.get('time') or '00:00:00'}")
    except ValueError:
        return None


def _decode_samples(pw: Element, path: Path) -> bytes | list[int]:
    encoding = (pw.get("dataencoding") or "Base64").strip()
    text = pw.text or ""
    if encoding == "Plain":
        try:
            return [int(v) for v in text.split()]
        except ValueError:
            raise CorruptFileError("Sierra: Plain waveform data contain non-integer values", path=path) from None
    if encoding != "Base64":
        raise CorruptFileError(f"Sierra: dataencoding {encoding!r}; accepted: Base64, Plain", path=path)
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise CorruptFileError("Sierra: <parsedwaveforms> is not valid base64", path=path) from None


def read(path: Path, *, fs: float | None = None, **options: Any) -> Recording:
    """Read a Philips SierraECG XML file (XLI-compressed or uncompressed); signals in mV."""
    check_options(options, (), "Philips SierraECG XML")
    path = Path(path)
    root = parse_xml(path, "restingecgdata", "Philips SierraECG XML")
    version = _text(root, "documentinfo", "documentversion")
    if version not in _VERSIONS:
        raise CorruptFileError(
            f"Sierra: document version {version!r}; supported versions: {', '.join(_VERSIONS)}", path=path
        )
    pw = _path(root, "waveforms", "parsedwaveforms")
    if pw is None:
        raise CorruptFileError("Sierra: no <waveforms>/<parsedwaveforms> element", path=path)
    acq = _child(root, "dataacquisition")
    sig = _child(acq, "signalcharacteristics")
    rate = number(pw.get("samplespersecond")) or number(_text(sig, "samplingrate"))
    resolution_uv = number(pw.get("resolution")) or number(_text(sig, "resolution")) or number(
        _text(sig, "signalresolution")
    )
    duration_ms = number(pw.get("durationperchannel"))
    if not rate or rate <= 0:
        raise CorruptFileError("Sierra: missing or invalid sampling rate", path=path)
    if not resolution_uv or resolution_uv <= 0:
        raise CorruptFileError("Sierra: missing or invalid signal resolution (uV per count)", path=path)
    if not duration_ms or duration_ms <= 0:
        raise CorruptFileError("Sierra: missing or invalid durationperchannel", path=path)
    n_samples = round(duration_ms * rate / 1000.0)
    labels_attr = pw.get("leadlabels")
    n_leads = int(
        number(pw.get("numberofleads"))
        or number(_text(sig, "numberchannelsvalid"))
        or number(_text(sig, "numberchannelsallocated"))
        or 12
    )
    if not 1 <= n_leads <= 16 or n_samples < 1:
        raise CorruptFileError(f"Sierra: {n_leads} leads x {n_samples} samples is not plausible", path=path)
    labels = labels_attr.split() if labels_attr else list(STANDARD_12[:n_leads])
    labels += [f"ch{k + 1}" for k in range(len(labels), n_leads)]
    labels = labels[:n_leads]
    if version == "1.03":
        compressed = (pw.get("compressflag") or "False").strip().lower() == "true"
        method = (pw.get("compressmethod") or "").strip()
    else:
        method = (pw.get("compression") or "").strip()
        compressed = bool(method)
    data = _decode_samples(pw, path)
    if compressed:
        if method != "XLI":
            raise CorruptFileError(f"Sierra: compression {method!r}; only XLI is supported", path=path)
        if not isinstance(data, bytes):
            raise CorruptFileError("Sierra: XLI data must be Base64-encoded", path=path)
        try:
            leads = xli_decode(data, n_samples, n_leads)
        except ValueError as exc:
            raise CorruptFileError(f"Sierra: XLI data are corrupt: {exc}", path=path) from None
        reconstructed = labels[:6] == list(STANDARD_12[:6])
        if reconstructed:
            _reconstruct_limb(leads)
        counts = np.column_stack(leads)
    else:
        if isinstance(data, bytes) and len(data) % 2:
            raise CorruptFileError(f"Sierra: odd number of waveform bytes ({len(data)})", path=path)
        values = np.frombuffer(data, dtype="<i2") if isinstance(data, bytes) else np.asarray(data)
        if values.size != n_samples * n_leads:
            raise CorruptFileError(
                f"Sierra: {values.size} samples stored; {n_leads} leads x {n_samples} declared", path=path
            )
        counts = values.reshape(n_leads, n_samples).T
        reconstructed = False
    statements, severity = _statements(root)
    meta: dict[str, Any] = {
        "format": "sierra",
        "source": str(path),
        "document_version": version,
        "compression": method if compressed else "none",
        "reconstructed_leads": list(STANDARD_12[2:6]) if reconstructed else [],
        "device_measurements": _measurements(root),
        "device_statements": statements,
    }
    if severity:
        meta["device_severity"] = severity
    if subject := _subject(root):
        meta["subject"] = subject
    machine = _child(acq, "machine")
    if machine is not None and machine.text and machine.text.strip():
        meta["device"] = machine.text.strip()
    return Recording(
        signals=(counts.astype(np.float64) * resolution_uv / 1000.0).astype(np.float32),
        fs=rate,
        channels=tuple(Channel(name, "ecg", "mV") for name in labels),
        start=_start(acq),
        meta=meta,
    )


register_xml_format("sierra", "Philips SierraECG XML", "restingecgdata", read)
