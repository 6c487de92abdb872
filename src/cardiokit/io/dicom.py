"""DICOM waveform files (12-lead ECG, General/Ambulatory ECG, Hemodynamic, ... IODs).

Reads one multiplex group of the Waveform Sequence into a :class:`Recording` in physical
units (ECG in mV) and writes 12-Lead / General / Ambulatory ECG Waveform Storage objects.

References: DICOM PS3.3 C.10.9 (Waveform module: channel sensitivity, correction factor,
baseline), A.34 (ECG IODs and their constraints), C.10.10 (Waveform Annotation);
PS3.16 CID 3001 (ECG leads, SCPECG and MDC codes); EN 1064 SCP-ECG lead table.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from .._core.annotations import Annotations
from .._core.errors import (
    CorruptFileError,
    InvalidArgumentError,
    MissingDependencyError,
    UnknownFormatError,
    WriteError,
)
from .._core.recording import Channel, Recording
from .._core.registry import FormatSpec, register_format
from .._core.units import VOLT_TO_MV
from ._channels import guess_kind

__all__ = ["read_dicom", "write_dicom"]

_OPTIONS = ("group",)

SOP_12LEAD = "1.2.840.10008.5.1.4.1.1.9.1.1"
SOP_GENERAL = "1.2.840.10008.5.1.4.1.1.9.1.2"
SOP_AMBULATORY = "1.2.840.10008.5.1.4.1.1.9.1.3"

# SCP-ECG lead codes (EN 1064 table; DICOM coding scheme "SCPECG", code "5.6.3-9-<n>").
_SCP_LEADS = {
    0: "Unspecified", 1: "I", 2: "II", 3: "V1", 4: "V2", 5: "V3", 6: "V4", 7: "V5", 8: "V6",
    9: "V7", 10: "V2R", 11: "V3R", 12: "V4R", 13: "V5R", 14: "V6R", 15: "V7R",
    16: "X", 17: "Y", 18: "Z", 19: "CC5", 20: "CM5", 21: "LA", 22: "RA", 23: "LL",
    61: "III", 62: "aVR", 63: "aVL", 64: "aVF", 65: "-aVR", 66: "V8", 67: "V9", 68: "V8R", 69: "V9R",
}
_LEAD_TO_SCP = {v: k for k, v in _SCP_LEADS.items() if k}
_TWELVE = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")

# Sample interpretation -> numpy dtype (PS3.3 C.10.9.1.5); MB/AB (mu-/A-law) are not supported.
_DTYPES = {
    "SB": "i1", "UB": "u1", "SS": "<i2", "US": "<u2", "SL": "<i4", "UL": "<u4",
    "SV": "<i8", "UV": "<u8", "FL": "<f4", "FD": "<f8",
}
_TO_MV = VOLT_TO_MV

# Annotation concepts (SCPECG codes, PS3.16 CID 3339 "ECG Annotation") -> WFDB-style symbol.
_ANN_SYMBOLS = {
    "p onset": "(", "p offset": ")", "qrs onset": "(", "qrs offset": ")", "t onset": "(",
    "t offset": ")", "fiducial point": "Q", "r wave peak": "Q", "p wave peak": "p",
    "t wave peak": "t",
}
# Measurement concept names (SCPECG / LOINC code meanings) -> keys shared with the other readers.
_MEASUREMENTS = {
    "heart rate": "heart_rate_bpm", "ventricular heart rate": "heart_rate_bpm", "rr interval": "rr_ms",
    "p duration": "p_duration_ms", "pr interval": "pr_ms", "qrs duration": "qrs_ms", "qt interval": "qt_ms",
    "qtc interval": "qtc_ms", "p axis": "p_axis_deg", "qrs axis": "qrs_axis_deg", "t axis": "t_axis_deg",
}


# ------------------------------------------------------------------------------ sniff
def _sniff(head: bytes, path: Path) -> bool:
    return len(head) >= 132 and head[128:132] == b"DICM"


# ------------------------------------------------------------------------------ helpers
def _pydicom() -> Any:
    try:
        import pydicom
    except ImportError:  # pragma: no cover - pydicom is a core dependency
        raise MissingDependencyError("pydicom", "Reading and writing DICOM waveforms") from None
    return pydicom


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _num(value: Any, default: float | None = None) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return default
    return out if np.isfinite(out) else default


def _code(item: Any) -> tuple[str, str, str]:
    """(scheme, value, meaning) of a code sequence item."""
    return (
        _text(item.get("CodingSchemeDesignator")),
        _text(item.get("CodeValue")),
        _text(item.get("CodeMeaning")),
    )


def _lead_from_code(scheme: str, value: str, meaning: str) -> str | None:
    number = None
    if scheme.upper() == "SCPECG":
        m = re.fullmatch(r"5\.6\.3-9-(\d+)", value)
        number = int(m.group(1)) if m else None
    elif scheme.upper() == "MDC":
        m = re.fullmatch(r"2:(\d+)", value)
        number = int(m.group(1)) if m else None
    if number is not None and number in _SCP_LEADS and number != 0:
        return _SCP_LEADS[number]
    m = re.match(r"(?i)^lead\s+(\S+)", meaning)
    if m:
        name = m.group(1)
        for std in _TWELVE:
            if std.lower() == name.lower():
                return std
        return name
    return None


def _channel_info(ch: Any, index: int) -> tuple[str, str, str, float]:
    """Name, kind, unit and factor to the output unit of one channel definition item."""
    src = ch.get("ChannelSourceSequence")
    scheme, value, meaning = _code(src[0]) if src else ("", "", "")
    lead = _lead_from_code(scheme, value, meaning)
    label = _text(ch.get("ChannelLabel"))
    name = label or lead or meaning or f"ch{index + 1}"
    if lead is not None or scheme.upper() == "SCPECG":
        kind = "ecg"
    else:
        kind = guess_kind(name)
        if kind == "other" and meaning:
            kind = guess_kind(meaning)
    units = ch.get("ChannelSensitivityUnitsSequence")
    unit = _text(units[0].get("CodeValue")) if units else ""
    factor = 1.0
    if kind == "ecg" and unit.lower() in _TO_MV:
        factor = _TO_MV[unit.lower()]
        unit = "mV"
    return name, kind, unit, factor


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        return [value]
    return list(value)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        out.append(n if k == 0 else f"{n}_{k + 1}")
        seen[n] = k + 1
    return out


def _parse_dt(ds: Any) -> datetime | None:
    raw = _text(ds.get("AcquisitionDateTime"))
    if not raw:
        date = _text(ds.get("ContentDate") or ds.get("StudyDate"))
        raw = date + _text(ds.get("ContentTime") or ds.get("StudyTime")) if date else ""
    m = re.match(r"^(\d{8})(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,6}))?", raw)
    if not m:
        return None
    try:
        out = datetime.strptime(m.group(1), "%Y%m%d")
        out = out.replace(hour=int(m.group(2) or 0), minute=int(m.group(3) or 0), second=int(m.group(4) or 0))
    except ValueError:
        return None
    if m.group(5):
        out += timedelta(microseconds=int(m.group(5).ljust(6, "0")))
    return out


def _age_years(text: str) -> float | None:
    m = re.fullmatch(r"(\d{1,3})([DWMY])", text.strip().upper())
    if not m:
        return None
    n = int(m.group(1))
    return float({"Y": n, "M": n / 12, "W": n * 7 / 365.25, "D": n / 365.25}[m.group(2)])


def _subject(ds: Any) -> dict[str, Any]:
    subj: dict[str, Any] = {}
    if _text(ds.get("PatientID")):
        subj["id"] = _text(ds.get("PatientID"))
    age = _age_years(_text(ds.get("PatientAge")))
    if age is not None:
        subj["age_years"] = round(age, 3)
    sex = _text(ds.get("PatientSex")).upper()
    if sex in ("M", "F"):
        subj["sex"] = sex
    height = _num(ds.get("PatientSize"))
    if height:
        subj["height_cm"] = round(height * 100.0, 2)
    weight = _num(ds.get("PatientWeight"))
    if weight:
        subj["weight_kg"] = weight
    if _text(ds.get("PatientBirthDate")):
        subj["birth_date"] = _text(ds.get("PatientBirthDate"))
    return subj


def _device(ds: Any) -> dict[str, str]:
    keys = {
        "manufacturer": "Manufacturer", "model": "ManufacturerModelName",
        "software": "SoftwareVersions", "serial": "DeviceSerialNumber", "station": "StationName",
    }
    return {k: _text(ds.get(v)) for k, v in keys.items() if _text(ds.get(v))}


def _pick_group(seq: Any, group: int | str | None, path: Path) -> int:
    labels = [_text(g.get("MultiplexGroupLabel")) for g in seq]
    if group is None:
        for i, g in enumerate(seq):
            chans = g.get("ChannelDefinitionSequence") or []
            if any(_channel_info(c, j)[1] == "ecg" for j, c in enumerate(chans)):
                return i
        return 0
    if isinstance(group, bool) or not isinstance(group, (int, np.integer, str)):
        raise InvalidArgumentError(f"dicom reader: group must be an index or a label; got {group!r}")
    if isinstance(group, str):
        for i, lab in enumerate(labels):
            if lab.lower() == group.strip().lower():
                return i
        raise InvalidArgumentError(
            f"dicom reader: no multiplex group labelled {group!r}; groups are: "
            + ", ".join(f"{i} ({lab or 'no label'})" for i, lab in enumerate(labels))
        )
    if not 0 <= int(group) < len(seq):
        raise InvalidArgumentError(
            f"dicom reader: group {group} out of range; this file has {len(seq)} multiplex "
            f"group(s) (0..{len(seq) - 1}): " + ", ".join(lab or "no label" for lab in labels)
        )
    return int(group)


def _decode_group(g: Any, path: Path) -> tuple[np.ndarray, float]:
    n_ch = int(_num(g.get("NumberOfWaveformChannels"), 0) or 0)
    n_s = int(_num(g.get("NumberOfWaveformSamples"), 0) or 0)
    fs = _num(g.get("SamplingFrequency"))
    if n_ch <= 0 or n_s <= 0:
        raise CorruptFileError(f"multiplex group declares {n_ch} channels x {n_s} samples", path=path)
    if fs is None or fs <= 0:
        raise CorruptFileError(
            f"multiplex group has no valid SamplingFrequency ({g.get('SamplingFrequency')!r})", path=path
        )
    interp = _text(g.get("WaveformSampleInterpretation")).upper()
    if interp not in _DTYPES:
        raise CorruptFileError(
            f"unsupported WaveformSampleInterpretation {interp or 'none'!r}; supported: {', '.join(_DTYPES)}",
            path=path,
        )
    dtype = np.dtype(_DTYPES[interp])
    bits = int(_num(g.get("WaveformBitsAllocated"), 0) or 0)
    if bits != dtype.itemsize * 8:
        raise CorruptFileError(f"WaveformBitsAllocated {bits} does not match sample interpretation {interp}", path=path)
    raw = g.get("WaveformData")
    raw = b"" if raw is None else bytes(raw)
    need = n_ch * n_s * dtype.itemsize
    if len(raw) < need:
        raise CorruptFileError(
            f"WaveformData holds {len(raw)} bytes but {n_ch} channels x {n_s} samples need {need} "
            "(file truncated?)",
            path=path,
        )
    data = np.frombuffer(raw[:need], dtype=dtype).reshape(n_s, n_ch).astype(np.float64)
    return data, float(fs)


def _annotations(ds: Any, group_index: int, n_samples: int, fs: float) -> tuple[list[Annotations], dict, list[str]]:
    """Temporal annotations of the group, numeric measurements and text statements (C.10.10)."""
    samples: list[int] = []
    symbols: list[str] = []
    chans: list[int] = []
    aux: list[str] = []
    measurements: dict[str, Any] = {}
    statements: list[str] = []
    for item in ds.get("WaveformAnnotationSequence") or []:
        ref_raw = item.get("ReferencedWaveformChannels")
        ref = [int(x) for x in _as_list(ref_raw)] if ref_raw is not None else []
        if len(ref) >= 2 and ref[0] != group_index + 1:
            continue
        chan = max(ref[1] - 1, 0) if len(ref) >= 2 else 0
        names = item.get("ConceptNameCodeSequence")
        meaning = _code(names[0])[2] if names else ""
        text = _text(item.get("UnformattedTextValue"))
        if text and not meaning:
            statements.append(text)
            continue
        value = _num(item.get("NumericValue"))
        if value is not None and meaning and item.get("ReferencedSamplePositions") is None:
            units = item.get("MeasurementUnitsCodeSequence")
            unit = _code(units[0])[1] if units else ""
            key = _MEASUREMENTS.get(meaning.lower())
            if key is not None:
                value = value * 1000.0 if unit == "s" and key.endswith("_ms") else value
                measurements.setdefault(key, int(value) if value == int(value) else value)
            continue
        positions = item.get("ReferencedSamplePositions")
        offsets = item.get("ReferencedTimeOffsets")
        if positions is not None:  # 1-based sample numbers
            pos = [int(p) - 1 for p in _as_list(positions)]
        elif offsets is not None:  # seconds from the group start
            pos = [round(float(t) * fs) for t in _as_list(offsets)]
        else:
            continue
        sym = _ANN_SYMBOLS.get(meaning.lower(), '"')
        for p in pos:
            if 0 <= p < n_samples:
                samples.append(p)
                symbols.append(sym)
                chans.append(chan)
                aux.append(meaning or text)
    anns = [Annotations("dicom", samples, tuple(symbols), chans, tuple(aux))] if samples else []
    return anns, measurements, statements


# ------------------------------------------------------------------------------ read
def read_dicom(path: Path, *, fs: float | None = None, group: int | str | None = None, **options: Any) -> Recording:
    """Read one multiplex group of a DICOM waveform object.

    ``group``: index (0-based) or ``MultiplexGroupLabel`` (e.g. ``"RHYTHM"``, ``"MEDIAN BEAT"``);
    default: the first group holding ECG channels. Physical value = sample x ChannelSensitivity
    x ChannelSensitivityCorrectionFactor + ChannelBaseline (PS3.3 C.10.9.1.4.3); ECG channels
    are converted to mV. ``fs`` is ignored (the file states its sampling frequency).
    """
    if options:
        raise InvalidArgumentError(
            f"dicom reader: unknown option(s) {', '.join(sorted(options))}; accepted options: {', '.join(_OPTIONS)}"
        )
    path = Path(path)
    with warnings.catch_warnings():  # pydicom warns on every invalid value of a damaged file
        warnings.simplefilter("ignore")
        return _read(path, group)


def _read(path: Path, group: int | str | None) -> Recording:
    pydicom = _pydicom()
    from pydicom.errors import InvalidDicomError

    try:
        ds = pydicom.dcmread(str(path))
        seq = ds.get("WaveformSequence")
        sop = _text(ds.get("SOPClassUID"))
    except InvalidDicomError as exc:
        raise CorruptFileError(f"not a valid DICOM file: {exc}", path=path) from None
    except Exception as exc:  # pydicom raises OSError, EOFError, ValueError ... on damaged files
        raise CorruptFileError(
            f"DICOM file cannot be parsed (truncated or malformed): {type(exc).__name__}: {exc}", path=path
        ) from None
    sop_name = getattr(ds.get("SOPClassUID"), "name", sop) if sop else "unknown SOP class"
    if not seq:
        if sop.startswith("1.2.840.10008.5.1.4.1.1.9.") or sop == "":
            raise CorruptFileError(f"DICOM {sop_name} object has no WaveformSequence (5400,0100) to read", path=path)
        raise UnknownFormatError(
            f"DICOM {sop_name} object is not a waveform; only waveform IODs (12-lead, General, "
            "Ambulatory ECG, Hemodynamic, ... with a WaveformSequence) are read",
            path=path,
        )
    try:
        gi = _pick_group(seq, group, path)
        g = seq[gi]
        data, rate = _decode_group(g, path)
        chdefs = list(g.get("ChannelDefinitionSequence") or [])
        if len(chdefs) != data.shape[1]:
            raise CorruptFileError(
                f"multiplex group {gi} has {data.shape[1]} channels but {len(chdefs)} channel definitions",
                path=path,
            )
        names, channels = [], []
        for j, ch in enumerate(chdefs):
            name, kind, unit, factor = _channel_info(ch, j)
            sens = _num(ch.get("ChannelSensitivity"), 1.0) or 1.0
            corr = _num(ch.get("ChannelSensitivityCorrectionFactor"), 1.0) or 1.0
            base = _num(ch.get("ChannelBaseline"), 0.0) or 0.0
            data[:, j] = (data[:, j] * sens * corr + base) * factor
            names.append(name)
            channels.append((kind, unit))
        names = _unique(names)
        chans = tuple(Channel(n, k, u) for n, (k, u) in zip(names, channels, strict=True))
        anns, measurements, statements = _annotations(ds, gi, data.shape[0], rate)
        start = _parse_dt(ds)
        offset_s = _num(g.get("MultiplexGroupTimeOffset"), 0.0) or 0.0
        if start is not None and offset_s:
            start += timedelta(seconds=offset_s / 1000.0)
        meta: dict[str, Any] = {
            "format": "dicom",
            "source": str(path),
            "sop_class": sop_name,
            "group": gi,
            "group_label": _text(g.get("MultiplexGroupLabel")),
            "groups": tuple(_text(x.get("MultiplexGroupLabel")) for x in seq),
        }
        subj = _subject(ds)
        if subj:
            meta["subject"] = subj
        dev = _device(ds)
        if dev:
            meta["device"] = dev
        if chdefs:
            lo, hi = _num(chdefs[0].get("FilterLowFrequency")), _num(chdefs[0].get("FilterHighFrequency"))
            if lo is not None or hi is not None:
                meta["filter_hz"] = {"low": lo, "high": hi}
        if measurements:
            meta["device_measurements"] = measurements
        if statements:
            meta["device_statements"] = tuple(statements)
    except (CorruptFileError, InvalidArgumentError):
        raise
    except Exception as exc:  # malformed element values deep inside the dataset
        raise CorruptFileError(f"malformed DICOM waveform: {type(exc).__name__}: {exc}", path=path) from None
    if not np.all(np.isfinite(data)):
        raise CorruptFileError("waveform contains non-finite values", path=path)
    return Recording(data.astype(np.float32), rate, chans, start=start, annotations=tuple(anns), meta=meta)


# ------------------------------------------------------------------------------ write
_NICE_UV = (0.5, 1.0, 1.25, 2.5, 5.0, 10.0, 12.5, 25.0, 50.0, 100.0, 125.0, 250.0, 500.0, 1000.0,
            2500.0, 5000.0, 10000.0)


def _sop_for(names: tuple[str, ...], fs: float, n: int) -> str:
    n_ch = len(names)
    if 200 <= fs <= 1000 and n_ch <= 13 and n <= 16384 and all(nm in _TWELVE for nm in names):
        return SOP_12LEAD
    if 200 <= fs <= 1000 and n_ch <= 24:
        return SOP_GENERAL
    if 50 <= fs <= 1000 and n_ch <= 12:
        return SOP_AMBULATORY
    raise WriteError(
        f"DICOM ECG objects need 200-1000 Hz with up to 24 channels (General ECG) or 50-1000 Hz with "
        f"up to 12 channels (Ambulatory ECG); got {fs:g} Hz and {n_ch} channels. "
        "Resample (rec.resample(500)) or select channels first."
    )


def _dicom_age(age: Any) -> str | None:
    a = _num(age)
    if a is None or a < 0 or a > 999:
        return None
    return f"{round(a):03d}Y"


def write_dicom(rec: Recording, path: Path, *, sensitivity_uv: float | None = None) -> None:
    """Write ``rec`` as a 12-Lead (standard leads, <= 16384 samples), General or Ambulatory ECG
    Waveform Storage object: one multiplex group "RHYTHM", 16-bit signed samples, leads coded
    with SCPECG codes, ``sensitivity_uv`` per LSB (default: the finest of 0.5, 1, 1.25, 2.5, 5 ...
    uV that holds the largest amplitude). ECG channels must be in mV, uV or V (empty = mV).
    """
    pydicom = _pydicom()
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.sequence import Sequence
    from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, ExplicitVRLittleEndian, generate_uid

    non_ecg = [f"{c.name} ({c.kind})" for c in rec.channels if c.kind not in ("ecg", "other")]
    if non_ecg:
        raise WriteError(f"the DICOM writer stores ECG channels only; not ECG: {', '.join(non_ecg)}")
    to_uv = []
    for c in rec.channels:
        u = c.unit.strip().lower() or "mv"
        if u not in _TO_MV:
            raise WriteError(f"channel {c.name!r}: unit {c.unit!r} is not a voltage; accepted: mV, uV, V")
        to_uv.append(_TO_MV[u] * 1000.0)
    sop = _sop_for(rec.channel_names, rec.fs, rec.n_samples)
    uv = rec.signals.astype(np.float64) * np.asarray(to_uv)[None, :]
    peak = float(np.max(np.abs(uv))) if uv.size else 0.0
    if sensitivity_uv is None:
        sens = next((s for s in _NICE_UV if peak / s <= 32767), None)
        if sens is None:
            raise WriteError(f"amplitude {peak / 1000:g} mV is too large for 16-bit DICOM samples")
    else:
        sens = _num(sensitivity_uv)
        if sens is None or sens <= 0:
            raise InvalidArgumentError(f"sensitivity_uv must be a number > 0 (uV per LSB); got {sensitivity_uv!r}")
        if peak / sens > 32767:
            raise WriteError(f"sensitivity_uv={sens:g} cannot hold amplitude {peak / 1000:g} mV in 16 bits")
    digital = np.round(uv / sens).astype("<i2")

    meta_in = rec.meta
    subj = dict(meta_in.get("subject") or {})
    dev_raw = meta_in.get("device")
    dev = dict(dev_raw) if isinstance(dev_raw, Mapping) else ({"model": str(dev_raw)} if dev_raw else {})
    now = datetime.now()
    start = rec.start or now

    fm = FileMetaDataset()
    fm.MediaStorageSOPClassUID = sop
    fm.MediaStorageSOPInstanceUID = generate_uid()
    fm.TransferSyntaxUID = ExplicitVRLittleEndian
    fm.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds = FileDataset(str(path), {}, file_meta=fm, preamble=b"\0" * 128)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = sop
    ds.SOPInstanceUID = fm.MediaStorageSOPInstanceUID
    ds.InstanceCreationDate = now.strftime("%Y%m%d")
    ds.InstanceCreationTime = now.strftime("%H%M%S")
    # Patient
    ds.PatientName = ""
    ds.PatientID = str(subj.get("id", ""))[:64]
    birth = re.sub(r"\D", "", str(subj.get("birth_date", "")))
    ds.PatientBirthDate = birth if len(birth) == 8 else ""
    ds.PatientSex = subj.get("sex") if subj.get("sex") in ("M", "F") else ""
    age = _dicom_age(subj.get("age_years"))
    if age:
        ds.PatientAge = age
    if _num(subj.get("height_cm")):
        ds.PatientSize = f"{float(subj['height_cm']) / 100:.3f}"
    if _num(subj.get("weight_kg")):
        ds.PatientWeight = f"{float(subj['weight_kg']):.1f}"
    # Study / series / equipment / waveform identification
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.StudyDate = ds.ContentDate = start.strftime("%Y%m%d")
    ds.StudyTime = ds.ContentTime = start.strftime("%H%M%S")
    ds.AcquisitionDateTime = start.strftime("%Y%m%d%H%M%S.%f")
    ds.ReferringPhysicianName = ""
    ds.StudyID = ""
    ds.AccessionNumber = ""
    ds.Modality = "ECG"
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.Manufacturer = str(dev.get("manufacturer", ""))[:64]
    if dev.get("model"):
        ds.ManufacturerModelName = str(dev["model"])[:64]
    if dev.get("serial"):
        ds.DeviceSerialNumber = str(dev["serial"])[:64]
    ds.SoftwareVersions = "cardiokit"
    ds.SynchronizationFrameOfReferenceUID = generate_uid()
    ds.SynchronizationTrigger = "NO TRIGGER"
    ds.AcquisitionTimeSynchronized = "N"
    ds.AcquisitionContextSequence = Sequence([])
    # Waveform
    channels = []
    for c in rec.channels:
        src = pydicom.Dataset()
        num = _LEAD_TO_SCP.get(c.name, 0)
        src.CodeValue = f"5.6.3-9-{num}"
        src.CodingSchemeDesignator = "SCPECG"
        src.CodingSchemeVersion = "1.3"
        src.CodeMeaning = f"Lead {c.name}" if num else "Unspecified lead"
        unit = pydicom.Dataset()
        unit.CodeValue = "uV"
        unit.CodingSchemeDesignator = "UCUM"
        unit.CodingSchemeVersion = "1.4"
        unit.CodeMeaning = "microvolt"
        ch = pydicom.Dataset()
        ch.ChannelLabel = c.name[:16]
        ch.ChannelSourceSequence = Sequence([src])
        ch.ChannelSensitivity = f"{sens:g}"
        ch.ChannelSensitivityUnitsSequence = Sequence([unit])
        ch.ChannelSensitivityCorrectionFactor = "1"
        ch.ChannelBaseline = "0"
        ch.ChannelSampleSkew = "0"
        ch.WaveformBitsStored = 16
        channels.append(ch)
    grp = pydicom.Dataset()
    grp.MultiplexGroupTimeOffset = "0"
    grp.TriggerTimeOffset = "0"
    grp.WaveformOriginality = "ORIGINAL"
    grp.NumberOfWaveformChannels = rec.n_channels
    grp.NumberOfWaveformSamples = rec.n_samples
    grp.SamplingFrequency = f"{rec.fs:.10g}"
    grp.MultiplexGroupLabel = "RHYTHM"
    grp.ChannelDefinitionSequence = Sequence(channels)
    grp.WaveformBitsAllocated = 16
    grp.WaveformSampleInterpretation = "SS"
    grp.WaveformData = digital.tobytes()
    ds.WaveformSequence = Sequence([grp])
    if abs(float(grp.SamplingFrequency) - rec.fs) > 1e-9 * rec.fs:
        raise WriteError(f"sampling frequency {rec.fs!r} Hz cannot be stored exactly in a DICOM DS value")
    ds.save_as(str(path), enforce_file_format=True)


register_format(
    FormatSpec(
        name="dicom",
        description="DICOM waveform (12-lead / General / Ambulatory ECG, Hemodynamic ...)",
        extensions=(".dcm", ".dicom"),
        read=read_dicom,
        write=write_dicom,
        sniff=_sniff,
        priority=10,
    )
)
