"""GE MUSE resting ECG XML (root element ``RestingECG``).

Each ``<Waveform>`` holds one series (``Rhythm``: the 10 s strip, ``Median``: the
representative beat) with one ``<LeadData>`` per stored lead: base64 little-endian int16
``WaveFormData``, scaled by ``LeadAmplitudeUnitsPerBit`` in ``LeadAmplitudeUnits``; the
sampling rate is ``SampleBase * 10**SampleExponent``. MUSE usually stores 8 leads (I, II,
V1-V6); III, aVR, aVL and aVF are then derived from I and II and listed in
``meta["derived_leads"]``. The device's measurements and statements are kept in
``meta["device_measurements"]`` and ``meta["device_statements"]``.

References: GE Healthcare, *MUSE XML format* (restecg.dtd); the layout as published by
open-source readers of exported MUSE files.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import numpy as np

from .._core.errors import CorruptFileError, InvalidArgumentError
from .._core.recording import Channel, Recording
from ._ecg_common import (
    STANDARD_12,
    check_options,
    derive_limb_leads,
    number,
    parse_xml,
    register_xml_format,
)

__all__ = ["read"]

_SERIES = ("rhythm", "median")
_UNITS_TO_MV = {"MICROVOLTS": 1e-3, "MILLIVOLTS": 1.0, "VOLTS": 1e3, "NANOVOLTS": 1e-6}
#: MUSE measurement tag -> cardiokit measurement name.
_MEASUREMENTS = {
    "VentricularRate": "heart_rate_bpm",
    "AtrialRate": "atrial_rate_bpm",
    "PRInterval": "pr_ms",
    "QRSDuration": "qrs_ms",
    "QTInterval": "qt_ms",
    "QTCorrected": "qtc_ms",
    "PAxis": "p_axis_deg",
    "RAxis": "qrs_axis_deg",
    "TAxis": "t_axis_deg",
    "QRSCount": "qrs_count",
}


def _text(parent: Element | None, tag: str) -> str | None:
    if parent is None:
        return None
    el = parent.find(tag)
    if el is None or el.text is None:
        return None
    t = el.text.strip()
    return t or None


def _lead_samples(lead: Element, path: Path) -> tuple[str, np.ndarray, int]:
    """Lead name, samples in mV, and offset of the first sample."""
    name = _text(lead, "LeadID")
    if not name:
        raise CorruptFileError("MUSE: a <LeadData> has no <LeadID>", path=path)
    raw_text = _text(lead, "WaveFormData")
    if raw_text is None:
        raise CorruptFileError(f"MUSE: lead {name} has no <WaveFormData>", path=path)
    try:
        raw = base64.b64decode("".join(raw_text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise CorruptFileError(f"MUSE: lead {name}: <WaveFormData> is not valid base64", path=path) from None
    size = number(_text(lead, "LeadSampleSize")) or 2
    if size != 2:
        raise CorruptFileError(f"MUSE: lead {name}: LeadSampleSize {size:g} bytes; only 2 is supported", path=path)
    if len(raw) % 2:
        raise CorruptFileError(f"MUSE: lead {name}: odd number of waveform bytes ({len(raw)})", path=path)
    counts = np.frombuffer(raw, dtype="<i2")
    declared = number(_text(lead, "LeadSampleCountTotal"))
    if declared is not None and int(declared) != counts.size:
        raise CorruptFileError(
            f"MUSE: lead {name}: LeadSampleCountTotal is {int(declared)} but the data hold {counts.size} samples",
            path=path,
        )
    if counts.size == 0:
        raise CorruptFileError(f"MUSE: lead {name} has no samples", path=path)
    per_bit = number(_text(lead, "LeadAmplitudeUnitsPerBit"))
    if per_bit is None or per_bit <= 0:
        raise CorruptFileError(f"MUSE: lead {name}: missing or invalid LeadAmplitudeUnitsPerBit", path=path)
    units = (_text(lead, "LeadAmplitudeUnits") or "MICROVOLTS").upper()
    if units not in _UNITS_TO_MV:
        raise CorruptFileError(
            f"MUSE: lead {name}: LeadAmplitudeUnits {units!r}; accepted: {', '.join(_UNITS_TO_MV)}", path=path
        )
    offset = int(number(_text(lead, "LeadOffsetFirstSample")) or 0)
    if offset < 0:
        raise CorruptFileError(f"MUSE: lead {name}: negative LeadOffsetFirstSample {offset}", path=path)
    return name, counts.astype(np.float64) * per_bit * _UNITS_TO_MV[units], offset


def _waveform(root: Element, series: str, path: Path) -> Element:
    found = {}
    for wf in root.findall("Waveform"):
        kind = (_text(wf, "WaveformType") or "").lower()
        found.setdefault(kind, wf)
    if series not in found:
        have = ", ".join(sorted(k for k in found if k)) or "none"
        raise CorruptFileError(f"MUSE: no {series!r} waveform in this file; it has: {have}", path=path)
    return found[series]


def _subject(root: Element) -> dict[str, Any]:
    demo = root.find("PatientDemographics")
    subject: dict[str, Any] = {}
    if demo is None:
        return subject
    if pid := _text(demo, "PatientID"):
        subject["id"] = pid
    age = number(_text(demo, "PatientAge"))
    if age is not None:
        units = (_text(demo, "AgeUnits") or "YEARS").upper()
        factor = {"YEARS": 1.0, "MONTHS": 1 / 12, "WEEKS": 1 / 52.1775, "DAYS": 1 / 365.25, "HOURS": 1 / 8766}
        if units in factor:
            subject["age_years"] = round(age * factor[units], 3)
    sex = (_text(demo, "Gender") or "").upper()
    if sex in ("MALE", "FEMALE"):
        subject["sex"] = sex[0]
    height = number(_text(demo, "HeightCM"))
    if height is None and (inch := number(_text(demo, "HeightIN"))) is not None:
        height = inch * 2.54
    if height:
        subject["height_cm"] = round(height, 1)
    weight = number(_text(demo, "WeightKG"))
    if weight is None and (lbs := number(_text(demo, "WeightLBS"))) is not None:
        weight = lbs * 0.45359237
    if weight:
        subject["weight_kg"] = round(weight, 1)
    return subject


def _start(root: Element) -> datetime | None:
    test = root.find("TestDemographics")
    date, time = _text(test, "AcquisitionDate"), _text(test, "AcquisitionTime")
    if not date:
        return None
    for fmt in ("%m-%d-%Y %H:%M:%S", "%m-%d-%Y %H:%M", "%m/%d/%Y %H:%M:%S"):
        try:
            return datetime.strptime(f"{date} {time or '00:00:00'}", fmt)
        except ValueError:
            continue
    return None


def _measurements(root: Element) -> dict[str, float]:
    meas = root.find("RestingECGMeasurements")
    out: dict[str, float] = {}
    for tag, key in _MEASUREMENTS.items():
        value = number(_text(meas, tag))
        if value is not None:
            out[key] = int(value) if value == int(value) else value
    return out


def _statements(root: Element) -> list[str]:
    diag = root.find("Diagnosis")
    if diag is None:
        diag = root.find("OriginalDiagnosis")
    if diag is None:
        return []
    out = []
    for stmt in diag.findall("DiagnosisStatement"):
        parts = [t.text.strip() for t in stmt.findall("StmtText") if t.text and t.text.strip()]
        if parts:
            out.append(" ".join(parts))
    return out


def read(path: Path, *, fs: float | None = None, series: str = "rhythm", **options: Any) -> Recording:
    """Read a GE MUSE XML resting ECG.

    ``series`` chooses the ``"rhythm"`` strip (default) or the ``"median"`` beat.
    Signals are in mV, leads in the standard 12-lead order.
    """
    check_options(options, ("series",), "GE MUSE XML")
    if series not in _SERIES:
        raise InvalidArgumentError(f"series {series!r} is not one of {', '.join(_SERIES)}")
    path = Path(path)
    root = parse_xml(path, "RestingECG", "GE MUSE XML")
    wf = _waveform(root, series, path)
    base = number(_text(wf, "SampleBase"))
    exponent = number(_text(wf, "SampleExponent")) or 0
    if base is None or base <= 0:
        raise CorruptFileError("MUSE: missing or invalid <SampleBase> (sampling rate)", path=path)
    rate = base * 10.0**exponent
    leads: dict[str, np.ndarray] = {}
    offsets: dict[str, int] = {}
    for lead in wf.findall("LeadData"):
        name, values, offset = _lead_samples(lead, path)
        if name in leads:
            raise CorruptFileError(f"MUSE: lead {name} appears twice in the {series} waveform", path=path)
        leads[name], offsets[name] = values, offset
    if not leads:
        raise CorruptFileError(f"MUSE: the {series} waveform has no <LeadData>", path=path)
    n = max(offsets[k] + v.size for k, v in leads.items())
    for name in list(leads):
        padded = np.zeros(n)
        padded[offsets[name] : offsets[name] + leads[name].size] = leads[name]
        leads[name] = padded
    derived: list[str] = []
    if "I" in leads and "II" in leads:
        for name, values in derive_limb_leads(leads["I"], leads["II"]).items():
            if name not in leads:
                leads[name] = values
                derived.append(name)
    order = [n_ for n_ in STANDARD_12 if n_ in leads] + [n_ for n_ in leads if n_ not in STANDARD_12]
    signals = np.column_stack([leads[n_] for n_ in order]).astype(np.float32)
    meta: dict[str, Any] = {
        "format": "muse",
        "source": str(path),
        "series": series,
        "derived_leads": derived,
        "device_measurements": _measurements(root),
        "device_statements": _statements(root),
    }
    if subject := _subject(root):
        meta["subject"] = subject
    if device := _text(root.find("TestDemographics"), "AcquisitionDevice"):
        meta["device"] = device
    if version := _text(root.find("MuseInfo"), "MuseVersion"):
        meta["muse_version"] = version
    return Recording(
        signals=signals,
        fs=rate,
        channels=tuple(Channel(n_, "ecg", "mV") for n_ in order),
        start=_start(root),
        meta=meta,
    )


register_xml_format("muse", "GE MUSE resting ECG XML", "RestingECG", read)
