"""Schiller EDI XML (root ``com.xiriuz.sema.xml.schillerEDI.SchillerEDI``), e.g. from the
Schiller AT-10P / SEMA and CARDIOVIT devices via Schiller SCM.

Read: the rhythm strip (``ECG_RHYTHMS``) or the averaged beats (``ECG_AVERAGES``) as
comma-separated samples with a per-file resolution (``unitperbit`` in ``UV`` or ``MV``),
the device's global measurements (``annotation_global``: HR, PQ, QRS, QT, QTc, axes) into
``meta["device_measurements"]``, its per-beat global delineation of the rhythm strip
(``rhythm_global``: P on, QRS on/off, T off) into the annotation set ``schiller``, and the
interpretation text into ``meta["device_statements"]``. Not written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import numpy as np

from .._core.annotations import Annotations
from .._core.errors import CorruptFileError, InvalidArgumentError
from .._core.recording import Channel, Recording
from ._ecg_common import STANDARD_12, check_options, number, parse_xml, register_xml_format

__all__ = ["read"]

ROOT = "com.xiriuz.sema.xml.schillerEDI.SchillerEDI"
_SERIES = {"rhythm": "ECG_RHYTHMS", "median": "ECG_AVERAGES"}
_UNIT_TO_MV = {"UV": 1e-3, "MV": 1.0, "NV": 1e-6}
_LEADS = {n.upper(): n for n in STANDARD_12}
#: Schiller global measurement names -> cardiokit measurement keys.
_MEASUREMENTS = {
    "HR": "heart_rate_bpm",
    "RR": "rr_ms",
    "P": "p_duration_ms",
    "PQ": "pr_ms",
    "QRS": "qrs_ms",
    "QT": "qt_ms",
    "QTC": "qtc_ms",
    "AXIS_P": "p_axis_deg",
    "AXIS_QRS": "qrs_axis_deg",
    "AXIS_T": "t_axis_deg",
}
#: per-beat boundaries of the rhythm strip -> (WFDB boundary symbol, wave)
_BEAT_MARKS = {"R_P_ON": ("(", "p"), "R_QRS_ON": ("(", "N"), "R_QRS_OFF": (")", "N"), "R_T_OFF": (")", "t")}
_MEDIAN_MARKS = {"P_ON": ("(", "p"), "P_OFF": (")", "p"), "QRS_ON": ("(", "N"), "QRS_OFF": (")", "N"), "T_OFF": (")", "t")}


def _wavedata(root: Element, series: str, path: Path) -> Element:
    wanted = _SERIES[series]
    for wd in root.iter("wavedata"):
        if (wd.findtext("type") or "").strip() == wanted:
            return wd
    have = sorted({(wd.findtext("type") or "?").strip() for wd in root.iter("wavedata")})
    raise CorruptFileError(
        f"Schiller XML: no {wanted} wavedata for series={series!r}; the file has: {', '.join(have) or 'none'}",
        path=path,
    )


def _resolution(wd: Element, path: Path) -> tuple[float, float]:
    """(fs in Hz, scale to mV per bit)."""
    value = number(wd.findtext("resolution/samplerate/value"))
    exponent = number(wd.findtext("resolution/samplerate/exponent"))
    if value is None or value <= 0:
        raise CorruptFileError("Schiller XML: missing or invalid samplerate/value", path=path)
    if exponent not in (None, 1.0):
        raise CorruptFileError(
            f"Schiller XML: samplerate exponent {exponent:g} is not supported (only 1, as written by SCM)",
            path=path,
        )
    per_bit = number(wd.findtext("resolution/yres/unitperbit"))
    unit = (wd.findtext("resolution/yres/units") or "").strip().upper()
    if per_bit is None or per_bit <= 0:
        raise CorruptFileError("Schiller XML: missing or invalid yres/unitperbit", path=path)
    if unit not in _UNIT_TO_MV:
        raise CorruptFileError(
            f"Schiller XML: amplitude unit {unit or 'none'!r} is not one of {', '.join(_UNIT_TO_MV)}", path=path
        )
    return float(value), per_bit * _UNIT_TO_MV[unit]


def _channel(ch: Element, path: Path) -> tuple[str, np.ndarray]:
    raw_name = (ch.findtext("name") or "").strip()
    if not raw_name:
        raise CorruptFileError("Schiller XML: a channel has no <name>", path=path)
    name = _LEADS.get(raw_name.upper(), raw_name)
    kind = (ch.findtext("datastype") or "COMMASEPARATE").strip().upper()
    if kind != "COMMASEPARATE":
        raise CorruptFileError(f"Schiller XML: lead {name}: data type {kind!r} is not supported (COMMASEPARATE)", path=path)
    cells = [c.strip() for c in (ch.findtext("data") or "").split(",")]
    if cells and cells[-1] == "":
        cells.pop()  # SCM ends every data list with a comma
    try:
        values = np.array([int(c) for c in cells], dtype=np.float64)
    except ValueError:
        raise CorruptFileError(f"Schiller XML: lead {name}: non-integer sample in <data>", path=path) from None
    count = number(ch.findtext("samplecount"))
    if count is not None and int(count) != values.size:
        raise CorruptFileError(
            f"Schiller XML: lead {name}: samplecount says {int(count)} samples, <data> holds {values.size}",
            path=path,
        )
    if values.size == 0:
        raise CorruptFileError(f"Schiller XML: lead {name} has no samples", path=path)
    return name, values


def _globals(root: Element, tag: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for el in root.iter(tag):
        name = (el.findtext("name") or "").strip().upper()
        if name:
            out[name] = [(v.text or "").strip() for v in el.findall("value")]
    return out


def _annotations(marks: dict[str, tuple[str, str]], values: dict[str, list[str]], n: int) -> Annotations:
    samples, symbols, aux = [], [], []
    for key, (sym, wave) in marks.items():
        for v in values.get(key, []):
            x = number(v)
            if x is not None and 0 <= x < n:
                samples.append(int(x))
                symbols.append(sym)
                aux.append(wave)
    return Annotations("schiller", samples, symbols, aux=aux)


def _subject(root: Element) -> dict[str, Any]:
    pat = root.find("patdata")
    if pat is None:
        return {}
    out: dict[str, Any] = {}
    if pid := (pat.findtext("id") or "").strip():
        out["id"] = pid
    sex = {"MALE": "M", "FEMALE": "F"}.get((pat.findtext("gender") or "").strip().upper())
    if sex:
        out["sex"] = sex
    for key, tag in (("weight_kg", "weight"), ("height_cm", "height")):
        val = number(pat.findtext(f"{tag}/value"))
        if val:
            out[key] = val
    if birth := (pat.findtext("birthdate") or "").strip():
        out["birthdate"] = birth
    return out


def _start(root: Element) -> datetime | None:
    date = (root.findtext("examdescript/startdatetime/date") or "").strip()
    time = (root.findtext("examdescript/startdatetime/time") or "").strip()
    try:
        start = datetime.strptime(date + time[:6].ljust(6, "0"), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return None if start.year <= 1970 else start  # 19700101 000000 means "not recorded"


def _statements(root: Element) -> list[str]:
    out = []
    for td in root.iter("textdata"):
        if (td.findtext("type") or "").strip().upper() != "INTERPRETATION":
            continue
        for el in td.iter():
            if el.tag in ("type", "name", "value", "param", "parameters", "remarks", "textdata"):
                continue
            if text := (el.text or "").strip():
                out.append(text)
    return out


def read(path: Path, *, fs: float | None = None, series: str = "rhythm", **options: Any) -> Recording:
    """Read a Schiller EDI XML ECG; ``series`` is ``"rhythm"`` (default) or ``"median"``. Values in mV."""
    check_options(options, ("series",), "Schiller XML")
    if series not in _SERIES:
        raise InvalidArgumentError(f"series {series!r} is not one of {', '.join(_SERIES)}")
    path = Path(path)
    root = parse_xml(path, ROOT, "Schiller XML")
    wd = _wavedata(root, series, path)
    rate, to_mv = _resolution(wd, path)
    leads: dict[str, np.ndarray] = {}
    for ch in wd.findall("channel"):
        name, values = _channel(ch, path)
        if name in leads:
            raise CorruptFileError(f"Schiller XML: lead {name} appears twice", path=path)
        leads[name] = values
    if not leads:
        raise CorruptFileError(f"Schiller XML: the {series} wavedata has no channels", path=path)
    sizes = {v.size for v in leads.values()}
    if len(sizes) > 1:
        raise CorruptFileError(f"Schiller XML: leads have different lengths {sorted(sizes)}", path=path)
    order = [n for n in STANDARD_12 if n in leads] + [n for n in leads if n not in STANDARD_12]
    signals = (np.column_stack([leads[n] for n in order]) * to_mv).astype(np.float32)
    glob = _globals(root, "annotation_global")
    measurements = {}
    for key, target in _MEASUREMENTS.items():
        val = number(glob.get(key, [None])[0])
        if val is not None:
            measurements[target] = val
    n = signals.shape[0]
    marks = _annotations(_BEAT_MARKS, _globals(root, "rhythm_global"), n) if series == "rhythm" else (
        _annotations(_MEDIAN_MARKS, glob, n)
    )
    meta: dict[str, Any] = {
        "format": "schiller",
        "source": str(path),
        "series": series,
        "device_measurements": measurements,
        "device_statements": _statements(root),
    }
    if subject := _subject(root):
        meta["subject"] = subject
    model = (root.findtext("examdescript/aquiringdevice/hardware/model") or "").strip()
    vendor = (root.findtext("examdescript/aquiringdevice/hardware/vendor") or "").strip()
    if model or vendor:
        meta["device"] = f"{vendor} {model}".strip()
    return Recording(
        signals=signals,
        fs=rate,
        channels=tuple(Channel(nm, "ecg", "mV") for nm in order),
        start=_start(root),
        annotations=(marks,) if len(marks) else (),
        meta=meta,
    )


register_xml_format("schiller", "Schiller EDI XML resting ECG", ROOT, read)
