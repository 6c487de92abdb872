"""EDF, EDF+ (continuous and discontinuous) and BDF/BDF+ files, read and written in numpy.

References: Kemp B, et al. A simple format for exchange of digitized polygraphic recordings.
Electroencephalogr Clin Neurophysiol 82:391-393 (1992) (EDF); Kemp B, Olivan J. European data
format 'plus' (EDF+). Clin Neurophysiol 114:1755-1761 (2003), https://www.edfplus.info/specs/ ;
BioSemi BDF (24-bit EDF), https://www.biosemi.com/faq/file_format.htm .
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .._core.annotations import Annotations
from .._core.errors import CorruptFileError, InvalidArgumentError, InvalidSignalError, WriteError
from .._core.recording import Recording
from .._core.registry import FormatSpec, register_format
from ._channels import make_channel, typed_name
from ._common import check_options
from ._ecg_common import device_text

__all__ = ["read_edf", "read_edf_events", "write_edf"]

log = logging.getLogger(__name__)

NAME = "edf"
_BDF_MAGIC = b"\xffBIOSEMI"
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_SIGNAL_FIELDS = (  # name, width in bytes
    ("label", 16), ("transducer", 80), ("unit", 8), ("phys_min", 8), ("phys_max", 8),
    ("dig_min", 8), ("dig_max", 8), ("prefilter", 80), ("n_per_record", 8), ("reserved", 32),
)  # fmt: skip
_LABELS = {
    "phys_min": "physical minimum", "phys_max": "physical maximum", "dig_min": "digital minimum",
    "dig_max": "digital maximum", "n_per_record": "number of samples per record",
}  # fmt: skip
#: The writer's trailer in the recording field: true sample count (the last record is padded).
_LENGTH_TAG = "cardiokit_samples="


@dataclass
class _Header:
    bdf: bool
    plus: bool
    discontinuous: bool
    patient: str
    recording: str
    start: datetime | None
    header_bytes: int
    n_records: int
    record_s: float
    labels: list[str]
    units: list[str]
    prefilter: list[str]
    phys_min: np.ndarray
    phys_max: np.ndarray
    dig_min: np.ndarray
    dig_max: np.ndarray
    n_per_record: np.ndarray

    @property
    def bytes_per_sample(self) -> int:
        return 3 if self.bdf else 2

    @property
    def record_bytes(self) -> int:
        return int(self.n_per_record.sum()) * self.bytes_per_sample

    def is_annotation(self, i: int) -> bool:
        return self.plus and self.labels[i] in ("EDF Annotations", "BDF Annotations")


# ----------------------------------------------------------------------------- header
def _sniff(head: bytes, path: Path) -> bool:
    if head[:8] == _BDF_MAGIC:
        return True
    return head[:8] == b"0       " and len(head) >= 256 and head[184:192].strip().isdigit()


def _num(raw: bytes, field: str, path: Path, *, integer: bool = False) -> float:
    text = raw.decode("latin-1").strip()
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        raise CorruptFileError(
            f"EDF header field {field} is {text!r}; a{'n integer' if integer else ' number'} is required",
            path=path,
        ) from None
    if not math.isfinite(value):
        raise CorruptFileError(f"EDF header field {field} is {text!r}; a finite number is required", path=path)
    return value


def _start_time(date: str, time: str, recording: str) -> datetime | None:
    if recording.startswith("Startdate X"):  # EDF+: the start date is unknown
        return None
    m = re.fullmatch(r"(\d\d)\.(\d\d)\.(\d\d)", date.strip())
    t = re.fullmatch(r"(\d\d)\.(\d\d)\.(\d\d)", time.strip())
    if not m or not t:
        return None
    day, month, yy = (int(x) for x in m.groups())
    year = 1900 + yy if yy >= 85 else 2000 + yy
    m4 = re.match(r"Startdate (\d\d)-([A-Z]{3})-(\d{4})\b", recording)
    if m4 and m4.group(2) in _MONTHS:  # EDF+ gives the 4-digit year
        year = int(m4.group(3))
    try:
        return datetime(year, month, day, *(int(x) for x in t.groups()))
    except ValueError:
        return None


def _parse_header(path: Path, data: bytes) -> _Header:
    if len(data) < 256:
        raise CorruptFileError(f"file holds {len(data)} bytes; an EDF header needs at least 256", path=path)
    bdf = data[:8] == _BDF_MAGIC
    if not bdf and data[:8] != b"0       ":
        raise CorruptFileError(
            f"version field is {data[:8]!r}; EDF needs '0       ' and BDF '\\xffBIOSEMI'", path=path
        )
    ns = int(_num(data[252:256], "number of signals", path, integer=True))
    header_bytes = int(_num(data[184:192], "header size", path, integer=True))
    if ns < 1:
        raise CorruptFileError(f"number of signals is {ns}; at least 1 is required", path=path)
    if header_bytes != 256 * (ns + 1):
        raise CorruptFileError(
            f"header size field says {header_bytes} bytes but {ns} signals need 256 x {ns + 1} = "
            f"{256 * (ns + 1)}",
            path=path,
        )
    if len(data) < header_bytes:
        raise CorruptFileError(
            f"file holds {len(data)} bytes, less than its {header_bytes}-byte header", path=path
        )
    reserved = data[192:236].decode("latin-1").strip()
    plus = reserved.startswith(("EDF+", "BDF+"))
    n_records = int(_num(data[236:244], "number of data records", path, integer=True))
    record_s = _num(data[244:252], "duration of a data record", path)
    fields: dict[str, list[bytes]] = {}
    pos = 256
    for name, width in _SIGNAL_FIELDS:
        fields[name] = [data[pos + i * width : pos + (i + 1) * width] for i in range(ns)]
        pos += width * ns

    def nums(name: str, integer: bool = False) -> np.ndarray:
        return np.array(
            [_num(v, f"{_LABELS[name]} of signal {i + 1}", path, integer=integer) for i, v in enumerate(fields[name])],
            dtype=np.int64 if integer else np.float64,
        )

    text = {k: [v.decode("latin-1").strip() for v in fields[k]] for k in ("label", "unit", "prefilter")}
    hdr = _Header(
        bdf=bdf,
        plus=plus,
        discontinuous=reserved.startswith(("EDF+D", "BDF+D")),
        patient=data[8:88].decode("latin-1").strip(),
        recording=data[88:168].decode("latin-1").strip(),
        start=_start_time(data[168:176].decode("latin-1"), data[176:184].decode("latin-1"),
                          data[88:168].decode("latin-1")),
        header_bytes=header_bytes,
        n_records=n_records,
        record_s=record_s,
        labels=text["label"],
        units=text["unit"],
        prefilter=text["prefilter"],
        phys_min=nums("phys_min"),
        phys_max=nums("phys_max"),
        dig_min=nums("dig_min", True).astype(np.float64),
        dig_max=nums("dig_max", True).astype(np.float64),
        n_per_record=nums("n_per_record", True),
    )
    if np.any(hdr.n_per_record < 1):
        bad = int(np.flatnonzero(hdr.n_per_record < 1)[0])
        raise CorruptFileError(
            f"signal {bad + 1} ({hdr.labels[bad]!r}) has {hdr.n_per_record[bad]} samples per record; "
            "at least 1 is required",
            path=path,
        )
    return hdr


# ----------------------------------------------------------------------------- annotations
_TAL_RE = re.compile(rb"([+-]\d+(?:\.\d*)?)(?:\x15(\d+(?:\.\d*)?))?\x14(.*?)\x14\x00", re.DOTALL)


def _parse_tals(raw: bytes) -> tuple[float | None, list[tuple[float, float, str]]]:
    """Record onset (from the time-keeping TAL) and the (onset, duration, text) annotations."""
    record_onset = None
    events: list[tuple[float, float, str]] = []
    for m in _TAL_RE.finditer(raw):
        onset = float(m.group(1))
        duration = float(m.group(2)) if m.group(2) else 0.0
        texts = m.group(3).split(b"\x14")
        if record_onset is None and texts == [b""]:
            record_onset = onset
            continue
        for t in texts:
            text = t.decode("utf-8", errors="replace").strip()
            if text:
                events.append((onset, duration, text))
    return record_onset, events


def read_edf_events(path: str | Path) -> list[tuple[float, float, str]]:
    """The EDF+/BDF+ annotations of a file as ``(onset_s, duration_s, text)`` from the file start.

    Works for annotation-only files (e.g. hypnograms), which :func:`read_edf` rejects.
    """
    p = Path(path)
    data = p.read_bytes()
    hdr = _parse_header(p, data)
    ann_idx = [i for i in range(len(hdr.labels)) if hdr.is_annotation(i)]
    n_records = min(
        hdr.n_records if hdr.n_records >= 0 else 10**12, (len(data) - hdr.header_bytes) // hdr.record_bytes
    )
    offsets = np.concatenate([[0], np.cumsum(hdr.n_per_record)]) * hdr.bytes_per_sample
    events: list[tuple[float, float, str]] = []
    for r in range(n_records):
        rec = data[hdr.header_bytes + r * hdr.record_bytes : hdr.header_bytes + (r + 1) * hdr.record_bytes]
        for i in ann_idx:
            events.extend(_parse_tals(rec[offsets[i] : offsets[i + 1]])[1])
    return events


# ----------------------------------------------------------------------------- reading
def _pick(hdr: _Header, signal_idx: list[int], channels: Sequence[int | str] | None, path: Path) -> list[int]:
    if channels is None:
        return signal_idx
    if isinstance(channels, (str, int)):
        channels = [channels]
    names = [hdr.labels[i].lower() for i in signal_idx]
    out = []
    for c in channels:
        if isinstance(c, (int, np.integer)) and not isinstance(c, bool) and 0 <= int(c) < len(signal_idx):
            out.append(signal_idx[int(c)])
        elif isinstance(c, str) and c.lower() in names:
            out.append(signal_idx[names.index(c.lower())])
        else:
            have = ", ".join(f"{k}: {hdr.labels[i]}" for k, i in enumerate(signal_idx))
            raise InvalidArgumentError(f"channels: no signal {c!r} in {path.name}; signals are {have}")
    return out


def _subject_and_device(hdr: _Header) -> tuple[dict[str, Any], str | None]:
    subject: dict[str, Any] = {}
    device = None
    if hdr.plus:
        parts = hdr.patient.split()
        if parts and parts[0] != "X":
            subject["id"] = parts[0].replace("_", " ")
        if len(parts) > 1 and parts[1] in ("M", "F"):
            subject["sex"] = parts[1]
        if len(parts) > 2 and hdr.start is not None:
            try:
                born = datetime.strptime(parts[2].title(), "%d-%b-%Y")
                age = hdr.start.year - born.year - ((hdr.start.month, hdr.start.day) < (born.month, born.day))
                if 0 <= age < 150:
                    subject["age_years"] = age
            except ValueError:
                pass
        rparts = hdr.recording.split()
        if len(rparts) > 4 and rparts[0] == "Startdate" and rparts[4] != "X":
            device = rparts[4].replace("_", " ")
    elif hdr.patient and hdr.patient.upper() not in ("X", "UNKNOWN"):
        subject["id"] = hdr.patient
    return subject, device


def read_edf(
    path: Path,
    *,
    fs: float | None = None,
    channels: Sequence[int | str] | int | str | None = None,
    allow_truncated: bool = False,
    gaps: str = "fill",
    **options: Any,
) -> Recording:
    """Read an EDF, EDF+C/D, BDF or BDF+ file.

    ``channels`` picks signals by label or index (annotation signals not counted); by default
    all are read and signals with lower rates are resampled to the highest one (polyphase
    filter). ``allow_truncated=True`` reads the complete data records of a file whose size does
    not match the header (a partial last record, trailing bytes). For EDF+D, ``gaps="fill"``
    places records at their onsets and fills the gaps by linear interpolation (count in
    ``meta["filled_samples"]``, gaps in ``meta["gaps_s"]``); ``gaps="concatenate"`` joins them.
    EDF+ annotations become the set ``"edf"`` (symbol = text, duration in samples).
    """
    check_options(NAME, options, ("allow_truncated", "channels", "fs", "gaps"))
    if gaps not in ("fill", "concatenate"):
        raise InvalidArgumentError(f"gaps must be 'fill' or 'concatenate'; got {gaps!r}")
    data = Path(path).read_bytes()
    hdr = _parse_header(path, data)
    ns = len(hdr.labels)
    signal_idx = [i for i in range(ns) if not hdr.is_annotation(i)]
    ann_idx = [i for i in range(ns) if hdr.is_annotation(i)]
    if not signal_idx:
        raise InvalidSignalError(
            f"{path}: this EDF+ file holds annotations only and no signal, so it is not a recording; "
            "read its events with cardiokit.io.edf.read_edf_events(path)"
        )
    if hdr.record_s <= 0:
        raise CorruptFileError(f"data record duration is {hdr.record_s} s; it must be > 0", path=path)
    payload = len(data) - hdr.header_bytes
    complete = payload // hdr.record_bytes
    n_records = hdr.n_records
    if n_records == -1:  # allowed while recording: count the records in the file
        n_records = complete
    expected = hdr.header_bytes + n_records * hdr.record_bytes
    if len(data) != expected:
        if not allow_truncated or complete == 0:
            raise CorruptFileError(
                f"file holds {len(data)} bytes but the header implies {expected} "
                f"({hdr.header_bytes} header + {n_records} records x {hdr.record_bytes} bytes)"
                + ("; pass allow_truncated=True to read the complete records only" if complete else ""),
                path=path,
            )
        n_records = min(n_records, complete)
    if n_records < 1:
        raise CorruptFileError("file holds no data records", path=path)
    chosen = _pick(hdr, signal_idx, channels, path)
    for i in chosen:
        if hdr.dig_min[i] >= hdr.dig_max[i] or hdr.phys_min[i] == hdr.phys_max[i]:
            raise CorruptFileError(
                f"signal {i + 1} ({hdr.labels[i]!r}): digital min {hdr.dig_min[i]:g} / max "
                f"{hdr.dig_max[i]:g}, physical min {hdr.phys_min[i]:g} / max {hdr.phys_max[i]:g}; "
                "digital min must be < max and physical min != max",
                path=path,
            )

    raw = np.frombuffer(data, np.uint8, count=n_records * hdr.record_bytes, offset=hdr.header_bytes)
    if hdr.bdf:
        b = raw.reshape(-1, 3).astype(np.int32)
        values = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        values = np.where(values >= 1 << 23, values - (1 << 24), values)
    else:
        values = raw.view("<i2").astype(np.int32)
    per_rec = values.reshape(n_records, -1)
    offsets = np.concatenate([[0], np.cumsum(hdr.n_per_record)])

    # annotations and record onsets
    onsets = np.arange(n_records) * hdr.record_s
    events: list[tuple[float, float, str]] = []
    if ann_idx:
        bps = hdr.bytes_per_sample
        rec_bytes = raw.reshape(n_records, -1)
        for r in range(n_records):
            for i in ann_idx:
                chunk = rec_bytes[r, offsets[i] * bps : offsets[i + 1] * bps].tobytes()
                onset, evs = _parse_tals(chunk)
                if onset is not None and i == ann_idx[0]:
                    onsets[r] = onset
                events.extend(evs)
    t0 = float(onsets[0])

    out_spr = int(max(hdr.n_per_record[i] for i in chosen))
    fs_out = out_spr / hdr.record_s
    cols = []
    for i in chosen:
        dig = per_rec[:, offsets[i] : offsets[i + 1]].reshape(-1).astype(np.float64)
        gain = (hdr.phys_max[i] - hdr.phys_min[i]) / (hdr.dig_max[i] - hdr.dig_min[i])
        phys = (dig - hdr.dig_min[i]) * gain + hdr.phys_min[i]
        spr = int(hdr.n_per_record[i])
        if spr != out_spr:
            from scipy.signal import resample_poly

            ratio = Fraction(out_spr, spr)
            phys = resample_poly(phys, ratio.numerator, ratio.denominator, padtype="line")
        cols.append(phys)
    sig = np.stack(cols, axis=1)

    meta: dict[str, Any] = {"format": NAME, "source": str(path)}
    variant = ("BDF" if hdr.bdf else "EDF") + (("+D" if hdr.discontinuous else "+C") if hdr.plus else "")
    meta["edf_variant"] = variant
    # sample position of each record on the output time axis
    rec_pos = np.arange(n_records) * out_spr
    if hdr.discontinuous and n_records > 1:
        true_pos = np.round((onsets - t0) * fs_out).astype(np.int64)
        if np.any(np.diff(true_pos) < out_spr):
            raise CorruptFileError("EDF+D data records overlap or are out of time order", path=path)
        if gaps == "fill" and np.any(np.diff(true_pos) > out_spr):
            total = int(true_pos[-1]) + out_spr
            if total > max(10 * sig.shape[0], 10_000_000):
                raise CorruptFileError(
                    f"EDF+D gaps span {total / fs_out:.0f} s for {sig.shape[0] / fs_out:.0f} s of data; "
                    "pass gaps='concatenate' to join the records instead",
                    path=path,
                )
            filled = np.full((int(true_pos[-1]) + out_spr, sig.shape[1]), np.nan)
            for r in range(n_records):
                filled[true_pos[r] : true_pos[r] + out_spr] = sig[r * out_spr : (r + 1) * out_spr]
            from ._common import fill_invalid

            meta["gaps_s"] = tuple(
                (round(float(true_pos[r] + out_spr) / fs_out, 6), round(float(true_pos[r + 1] - true_pos[r] - out_spr) / fs_out, 6))
                for r in range(n_records - 1)
                if true_pos[r + 1] > true_pos[r] + out_spr
            )
            sig, meta["filled_samples"] = fill_invalid(filled)
            rec_pos = true_pos
    # true sample count written by cardiokit (last record padded)
    m = re.search(_LENGTH_TAG + r"(\d+)", hdr.recording)
    if m and sig.shape[0] - out_spr < int(m.group(1)) <= sig.shape[0]:
        sig = sig[: int(m.group(1))]

    anns = []
    if events:
        samples, symbols, durations = [], [], []
        for onset, duration, text in events:
            r = int(np.searchsorted(onsets, onset, side="right")) - 1
            r = max(r, 0)
            s = int(rec_pos[r] + round((onset - onsets[r]) * fs_out))
            if s < 0:
                log.debug("dropping EDF+ annotation %r before the first record", text)
                continue
            samples.append(s)
            symbols.append(text)
            durations.append(round(duration * fs_out))
        anns.append(Annotations("edf", samples, symbols, duration=durations))
    start = hdr.start + timedelta(seconds=t0) if hdr.start is not None else None
    subject, device = _subject_and_device(hdr)
    if subject:
        meta["subject"] = subject
    if device:
        meta["device"] = device
    meta["patient_field"] = hdr.patient
    meta["recording_field"] = hdr.recording
    if any(hdr.prefilter[i] for i in chosen):
        meta["prefilter"] = tuple(hdr.prefilter[i] for i in chosen)
    if len(data) != expected:
        meta["records_read"] = n_records
    if len({int(hdr.n_per_record[i]) for i in chosen}) > 1:
        meta["resampled_from_hz"] = tuple(float(hdr.n_per_record[i] / hdr.record_s) for i in chosen)
    chans = tuple(make_channel(hdr.labels[i], hdr.units[i]) for i in chosen)
    return Recording(sig.astype(np.float32), fs_out, chans, start, tuple(anns), meta)


# ----------------------------------------------------------------------------- writing
def _fmt8(x: float) -> str:
    """Shortest-rounded text of ``x`` that fits the 8-character EDF number fields."""
    if x == int(x) and abs(x) < 1e7:
        return str(int(x))
    for digits in range(8, 0, -1):
        s = f"{x:.{digits}f}".rstrip("0").rstrip(".")
        if len(s) <= 8:
            return s
    s = f"{x:.2g}"
    if len(s) > 8 or "e" in s:
        raise WriteError(f"value {x!r} does not fit an 8-character EDF header field")
    return s


def _field(text: str, width: int) -> bytes:
    raw = text.encode("ascii", errors="replace")[:width]
    return raw.ljust(width, b" ")


def _ascii_token(text: Any) -> str:
    s = re.sub(r"\s+", "_", str(text).strip()).encode("ascii", errors="replace").decode()
    return s.replace("?", "_") or "X"


def _record_layout(fs: float) -> tuple[float, int]:
    """Data record duration (s) and samples per record: the shortest integer-second record."""
    for dur in range(1, 1001):
        spr = fs * dur
        if abs(spr - round(spr)) < 1e-6 * max(1.0, spr) and round(spr) >= 1:
            if len(_fmt8(float(dur))) <= 8:
                return float(dur), round(spr)
    ratio = Fraction(fs).limit_denominator(10_000)
    raise WriteError(f"sampling rate {fs} Hz (~{ratio}) needs a data record of a whole number of seconds <= 1000")


def _tal(onset: float, duration: float, text: str) -> bytes:
    on = f"{onset:+.7f}".rstrip("0").rstrip(".")
    dur = f"\x15{duration:.7f}".rstrip("0").rstrip(".") if duration > 0 else ""
    clean = text.replace("\x14", " ").replace("\x15", " ").replace("\x00", " ")
    return f"{on}{dur}\x14{clean}\x14\x00".encode()


def write_edf(rec: Recording, path: Path, **options: Any) -> None:
    """Write EDF+C (16-bit, ``.edf``) or BDF+C (24-bit, ``.bdf``) with annotations as TALs.

    Physical range per channel = the signal's min/max; data records of 1 s (or the shortest
    whole number of seconds holding an integer number of samples). The last record is padded
    with the last value; the true length is kept in the recording field (``cardiokit_samples=N``).
    Annotation sets are merged into EDF Annotations (symbol as text, with duration; ``chan``
    and ``aux`` are not stored).
    """
    if options:
        raise InvalidArgumentError(f"edf writer takes no options; got {', '.join(sorted(options))}")
    bdf = Path(path).suffix.lower() == ".bdf"
    dmin, dmax = (-(2**23), 2**23 - 1) if bdf else (-32768, 32767)
    bps = 3 if bdf else 2
    record_s, spr = _record_layout(rec.fs)
    n = rec.n_samples
    n_records = math.ceil(n / spr)
    sig = np.asarray(rec.signals, dtype=np.float64)
    if n_records * spr > n:
        sig = np.concatenate([sig, np.repeat(sig[-1:], n_records * spr - n, axis=0)])

    # annotations -> TALs, placed in the record holding their onset
    tals: list[list[bytes]] = [[] for _ in range(n_records)]
    for a in rec.annotations:
        for s, sym, dur in zip(a.sample, a.symbol, a.duration, strict=True):
            r = min(max(int(s) // spr, 0), n_records - 1)
            tals[r].append(_tal(float(s) / rec.fs, float(dur) / rec.fs, sym))
    rec_tal = [_tal(r * record_s, 0, "") + b"".join(t) for r, t in enumerate(tals)]
    ann_spr = max(1, math.ceil(max(len(t) for t in rec_tal) / bps))

    labels, units, pmin, pmax = [], [], [], []
    digital = np.empty(sig.shape, dtype=np.int64)
    for j, ch in enumerate(rec.channels):
        lo, hi = float(sig[:, j].min()), float(sig[:, j].max())
        if hi == lo:
            lo, hi = lo - 1.0, hi + 1.0
        lo_s, hi_s = _fmt8(lo), _fmt8(hi)
        lo_r, hi_r = float(lo_s), float(hi_s)
        if lo_r > lo or hi_r < hi:  # rounding of the 8-char text shrank the range: widen it
            span = hi - lo
            lo_s, hi_s = _fmt8(lo - span * 1e-4 - abs(lo) * 1e-6), _fmt8(hi + span * 1e-4 + abs(hi) * 1e-6)
            lo_r, hi_r = float(lo_s), float(hi_s)
        gain = (dmax - dmin) / (hi_r - lo_r)
        digital[:, j] = np.clip(np.round((sig[:, j] - lo_r) * gain + dmin), dmin, dmax)
        labels.append(typed_name(ch))
        units.append(ch.unit)
        pmin.append(lo_s)
        pmax.append(hi_s)
    ns = rec.n_channels + 1
    start = rec.start or datetime(2000, 1, 1)
    subject = rec.meta.get("subject") or {}
    patient = " ".join([
        _ascii_token(subject.get("id", "X")), str(subject.get("sex", "X"))[:1] or "X", "X", "X",
    ])
    stamp = start.strftime("%d-") + _MONTHS[start.month - 1] + start.strftime("-%Y")
    head, tail = f"Startdate {stamp if rec.start else 'X'} X X ", f" {_LENGTH_TAG}{n}"
    # the equipment token takes the room the 80-character field leaves (a long name is cut)
    device = _ascii_token(device_text(rec.meta.get("device")) or "X")[: max(1, 80 - len(head) - len(tail))]
    recording = head + device + tail
    if len(recording) > 80:
        raise WriteError(f"EDF recording field too long ({len(recording)} > 80 characters): {recording!r}")
    head = b"".join([
        _BDF_MAGIC if bdf else b"0       ",
        _field(patient, 80),
        _field(recording, 80),
        _field(start.strftime("%d.%m.") + f"{start.year % 100:02d}", 8),
        _field(start.strftime("%H.%M.%S"), 8),
        _field(str(256 * (ns + 1)), 8),
        _field("BDF+C" if bdf else "EDF+C", 44),
        _field(str(n_records), 8),
        _field(_fmt8(record_s), 8),
        _field(str(ns), 4),
    ])
    ann_label = "BDF Annotations" if bdf else "EDF Annotations"
    cols = {
        "label": [*labels, ann_label], "transducer": [""] * ns, "unit": [*units, ""],
        "phys_min": [*pmin, "-1"], "phys_max": [*pmax, "1"],
        "dig_min": [str(dmin)] * ns, "dig_max": [str(dmax)] * ns, "prefilter": [""] * ns,
        "n_per_record": [str(spr)] * rec.n_channels + [str(ann_spr)], "reserved": [""] * ns,
    }  # fmt: skip
    head += b"".join(_field(v, w) for name, w in _SIGNAL_FIELDS for v in cols[name])
    # data records: channels' samples then the annotation signal
    d = digital.reshape(n_records, spr, rec.n_channels).transpose(0, 2, 1).reshape(n_records, -1)
    if bdf:
        u = (d & 0xFFFFFF).astype(np.uint32)
        body = np.stack([u & 0xFF, (u >> 8) & 0xFF, (u >> 16) & 0xFF], axis=-1).astype(np.uint8)
        body = body.reshape(n_records, -1)
    else:
        body = d.astype("<i2").view(np.uint8).reshape(n_records, -1)
    ann = np.zeros((n_records, ann_spr * bps), dtype=np.uint8)
    for r, t in enumerate(rec_tal):
        ann[r, : len(t)] = np.frombuffer(t, np.uint8)
    with open(path, "wb") as fh:
        fh.write(head)
        fh.write(np.concatenate([body, ann], axis=1).tobytes())


register_format(
    FormatSpec(
        name=NAME,
        description="EDF/EDF+ (16-bit) or BDF/BDF+ (24-bit) European Data Format file",
        extensions=(".edf", ".bdf", ".rec"),
        read=read_edf,
        write=write_edf,
        sniff=_sniff,
        priority=10,
    )
)
