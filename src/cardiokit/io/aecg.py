"""HL7 annotated ECG (aECG, HL7 v3 ``AnnotatedECG`` XML, FDA format for clinical trials).

Reads the rhythm (or representative beat) series: ``MDC_ECG_LEAD_*`` sequences of
``SLIST_PQ`` digits (value = origin + scale x digit) with the sampling interval from the
``GLIST_TS``/``GLIST_PQ`` time sequence, wave boundaries and beat labels, measurements and
subject demographics. Writes a rhythm series that this reader (and the FDA validators'
schema layout) accepts.

References: HL7 Version 3 Standard: Regulated Studies - Annotated ECG, Release 1 (2004);
ISO/IEEE 11073-10101 (MDC codes for leads and waves); FDA aECG implementation guide.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET
from xml.etree.ElementTree import Element

import numpy as np

from .._core.annotations import Annotations
from .._core.errors import (
    CorruptFileError,
    InvalidArgumentError,
    MissingOptionError,
    UnknownFormatError,
    WriteError,
)
from .._core.recording import Channel, Recording
from .._core.registry import FormatSpec, register_format
from .._core.units import VOLT_TO_MV

__all__ = ["read_aecg", "write_aecg"]

NS = "urn:hl7-org:v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_OPTIONS = ("series", "derive_limb_leads")
_SERIES = {"rhythm": "RHYTHM", "representative": "REPRESENTATIVE_BEAT"}
_TO_MV = VOLT_TO_MV
_TWELVE = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
_SPECIAL_LEADS = {"AVR": "aVR", "AVL": "aVL", "AVF": "aVF", "AVRNEG": "-aVR", "AVRneg": "-aVR"}
_LEAD_CODES = {v: k for k, v in _SPECIAL_LEADS.items() if k != "AVRneg"}
# wave code suffix -> (boundary label, peak symbol)
_WAVES = {"PWAVE": ("P", "p"), "QRSWAVE": ("QRS", "N"), "RWAVE": ("R", "N"), "TWAVE": ("T", "t"),
          "UWAVE": ("U", "u"), "QRSTWAVE": ("QRST", "N"), "QWAVE": ("Q", "N"), "SWAVE": ("S", "N")}
# beat code suffix -> WFDB beat symbol
_BEATS = {"NORMAL": "N", "PVC": "V", "VPB": "V", "VENTRICULAR": "V", "PAC": "A", "APC": "A",
          "SVPB": "S", "SUPRAVENTRICULAR": "S", "ATRIAL": "A", "PACED": "/", "FUSION": "F",
          "ABERRANT": "a", "ESCAPE": "E", "JUNCTIONAL": "J", "UNKNOWN": "Q", "ARTIFACT": "|"}
# measurement codes -> keys shared with the other readers (MUSE, Sierra, DICOM)
_MEASUREMENTS = {
    "MDC_ECG_HEART_RATE": "heart_rate_bpm", "MDC_ECG_TIME_PD_RR": "rr_ms", "MDC_ECG_TIME_PD_P": "p_duration_ms",
    "MDC_ECG_TIME_PD_PR": "pr_ms", "MDC_ECG_TIME_PD_QRS": "qrs_ms", "MDC_ECG_TIME_PD_QT": "qt_ms",
    "MDC_ECG_TIME_PD_QTc": "qtc_ms", "MDC_ECG_ANGLE_P_FRONT": "p_axis_deg",
    "MDC_ECG_ANGLE_QRS_FRONT": "qrs_axis_deg", "MDC_ECG_ANGLE_T_FRONT": "t_axis_deg",
}
_ROOT_RE = re.compile(rb"<\s*(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


# ------------------------------------------------------------------------------ sniff
def _root_name(head: bytes) -> str | None:
    """Local name of the first element of an XML document head (skips prolog, comments, DOCTYPE)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
    head = head.lstrip(b"\xef\xbb\xbf")
    pos = 0
    while True:
        while pos < len(head) and head[pos : pos + 1].isspace():
            pos += 1
        for opener, closer in ((b"<?", b"?>"), (b"<!--", b"-->"), (b"<!", b">")):
            if head.startswith(opener, pos):
                end = head.find(closer, pos + len(opener))
                if end < 0:
                    return None
                pos = end + len(closer)
                break
        else:
            break
    m = _ROOT_RE.match(head, pos)
    return m.group(1).decode("ascii", errors="ignore") if m else None


def _sniff(head: bytes, path: Path) -> bool:
    return _root_name(head) == "AnnotatedECG"


# ------------------------------------------------------------------------------ XML helpers
def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _kids(el: Element | None, name: str) -> list[Element]:
    return [] if el is None else [c for c in el if _local(c.tag) == name]


def _kid(el: Element | None, *path: str) -> Element | None:
    for name in path:
        found = _kids(el, name)
        el = found[0] if found else None
        if el is None:
            return None
    return el


def _code(el: Element | None) -> str:
    c = _kid(el, "code")
    return (c.get("code") or "").strip() if c is not None else ""


def _xsi_type(el: Element) -> str:
    return (el.get(f"{{{XSI}}}type") or el.get("type") or "").split(":")[-1]


def _float(text: Any, what: str, path: Path) -> float:
    try:
        out = float(text)
    except (TypeError, ValueError):
        raise CorruptFileError(f"{what}: expected a number, got {text!r}", path=path) from None
    if not np.isfinite(out):
        raise CorruptFileError(f"{what}: not a finite number ({text!r})", path=path)
    return out


def _parse_ts(text: str | None) -> datetime | None:
    m = re.match(r"^\s*(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,6})\d*)?", text or "")
    if not m:
        return None
    parts = [int(g) if g else d for g, d in zip(m.groups()[:6], (0, 1, 1, 0, 0, 0), strict=True)]
    try:
        out = datetime(*parts)  # type: ignore[arg-type]
    except ValueError:
        return None
    if m.group(7):
        out += timedelta(microseconds=int(m.group(7).ljust(6, "0")))
    return out


def _pq_seconds(el: Element, what: str, path: Path) -> float:
    value = _float(el.get("value"), what, path)
    unit = (el.get("unit") or "s").strip()
    scale = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "min": 60.0}.get(unit)
    if scale is None:
        raise CorruptFileError(f"{what}: unknown time unit {unit!r}; accepted: s, ms, us, min", path=path)
    return value * scale


def _lead_name(code: str) -> str:
    if code.startswith("MDC_ECG_LEAD_"):
        suffix = code[len("MDC_ECG_LEAD_") :]
        return _SPECIAL_LEADS.get(suffix, _SPECIAL_LEADS.get(suffix.upper(), suffix))
    return code


def _lead_code(name: str) -> str:
    if name in _LEAD_CODES:
        return f"MDC_ECG_LEAD_{_LEAD_CODES[name]}"
    if re.fullmatch(r"(?:I|II|III|V\d{1,2}R?|X|Y|Z|ES|AS|AI|CC5|CM5)", name):
        return f"MDC_ECG_LEAD_{name}"
    return name


# ------------------------------------------------------------------------------ read parts
def _find_series(root: Element, which: str, path: Path) -> tuple[Element, list[str]]:
    found: dict[str, Element] = {}
    for comp in _kids(root, "component"):
        for s in _kids(comp, "series"):
            found.setdefault(_code(s), s)
            for d in _kids(s, "derivation"):
                for ds in _kids(d, "derivedSeries"):
                    found.setdefault(_code(ds), ds)
    want = _SERIES[which]
    if want in found:
        return found[want], sorted(found)
    have = sorted(found)
    if not have:
        raise CorruptFileError("no <series> with waveforms in this AnnotatedECG", path=path)
    names = {v: k for k, v in _SERIES.items()}
    hint = ", ".join(f"{c} (series={names[c]!r})" if c in names else c for c in have)
    raise MissingOptionError(f"no {want} series in this file; it has: {hint}", path=path)


def _read_sequence_set(ss: Element, fs: float | None, path: Path) -> tuple[list[str], np.ndarray, float, datetime | None]:
    names: list[str] = []
    cols: list[np.ndarray] = []
    increment_s: float | None = None
    head_time: datetime | None = None
    for comp in _kids(ss, "component"):
        seq = _kid(comp, "sequence")
        if seq is None:
            continue
        code = _code(seq)
        value = _kid(seq, "value")
        if value is None:
            raise CorruptFileError(f"sequence {code or '?'} has no <value>", path=path)
        vtype = _xsi_type(value)
        if code in ("TIME_ABSOLUTE", "TIME_RELATIVE"):
            inc = _kid(value, "increment")
            if vtype not in ("GLIST_TS", "GLIST_PQ") or inc is None:
                raise CorruptFileError(
                    f"time sequence of type {vtype or 'none'!r} without <increment>; only regularly "
                    "sampled GLIST_TS/GLIST_PQ time sequences are supported",
                    path=path,
                )
            increment_s = _pq_seconds(inc, "time increment", path)
            head = _kid(value, "head")
            if vtype == "GLIST_TS" and head is not None:
                head_time = _parse_ts(head.get("value"))
            continue
        name = _lead_name(code) or f"ch{len(names) + 1}"
        if vtype not in ("SLIST_PQ", "SLIST_INT", ""):
            raise CorruptFileError(f"lead {name}: value type {vtype!r} is not supported; expected SLIST_PQ", path=path)
        factor, offset = 1.0, 0.0
        scale_el, origin_el = _kid(value, "scale"), _kid(value, "origin")
        for el, role in ((scale_el, "scale"), (origin_el, "origin")):
            if el is None:
                if role == "scale" and vtype != "SLIST_INT":
                    raise CorruptFileError(f"lead {name}: SLIST_PQ without <scale>", path=path)
                continue
            unit = (el.get("unit") or "").strip()
            if unit.lower() not in _TO_MV:
                raise CorruptFileError(
                    f"lead {name}: unknown {role} unit {unit or 'none'!r}; accepted: uV, mV, V, nV", path=path
                )
            v = _float(el.get("value"), f"lead {name} {role}", path) * _TO_MV[unit.lower()]
            if role == "scale":
                factor = v
            else:
                offset = v
        digits_el = _kid(value, "digits")
        text = (digits_el.text or "") if digits_el is not None else ""
        try:
            digits = np.array(text.split(), dtype=np.float64)
        except ValueError:
            raise CorruptFileError(f"lead {name}: <digits> contain something other than numbers", path=path) from None
        if digits.size == 0:
            raise CorruptFileError(f"lead {name}: missing or empty <digits>", path=path)
        names.append(name)
        cols.append(offset + factor * digits)
    if not cols:
        raise CorruptFileError("sequence set holds no lead sequences", path=path)
    lengths = {n: c.size for n, c in zip(names, cols, strict=True)}
    if len(set(lengths.values())) > 1:
        raise CorruptFileError(
            "leads have different numbers of samples: " + ", ".join(f"{n}={k}" for n, k in lengths.items()),
            path=path,
        )
    if increment_s is None:
        if fs is None:
            raise MissingOptionError("no time sequence with a sampling increment; pass fs=<Hz>", path=path)
        rate = fs
    else:
        if increment_s <= 0:
            raise CorruptFileError(f"time increment must be > 0 s; got {increment_s}", path=path)
        rate = 1.0 / increment_s
    return names, np.stack(cols, axis=1), float(rate), head_time


def _iter_annotations(el: Element, parents: tuple[Element, ...] = ()) -> Iterator[tuple[Element, tuple[Element, ...]]]:
    for comp in _kids(el, "component"):
        for ann in _kids(comp, "annotation"):
            yield ann, parents
            yield from _iter_annotations(ann, (*parents, ann))


def _value_code(ann: Element) -> str:
    v = _kid(ann, "value")
    return (v.get("code") or "").strip() if v is not None else ""


def _roi(ann: Element, t0: datetime | None, fs: float, leads: list[str], path: Path) -> tuple[int | None, int | None, int]:
    """(low sample, high sample, channel) of an annotation's supporting region of interest."""
    low = high = None
    chan = 0
    roi = _kid(ann, "support", "supportingROI")
    for comp in _kids(roi, "component"):
        b = _kid(comp, "boundary")
        code = _code(b)
        if code.startswith("MDC_ECG_LEAD_"):
            name = _lead_name(code)
            chan = leads.index(name) if name in leads else 0
            continue
        v = _kid(b, "value")
        if v is None:
            continue
        ends: list[tuple[str, Element]] = [("low", e) for e in _kids(v, "low")] + [("high", e) for e in _kids(v, "high")]
        if not ends and v.get("value") is not None:
            ends = [("point", v)]
        for role, e in ends:
            if code == "TIME_ABSOLUTE":
                t = _parse_ts(e.get("value"))
                if t is None or t0 is None:
                    continue
                s = round((t - t0).total_seconds() * fs)
            else:
                s = round(_pq_seconds(e, "annotation time", path) * fs)
            if role in ("low", "point"):
                low = s
            if role in ("high", "point"):
                high = s
    return low, high, chan


def _annotations(series: Element, t0: datetime | None, fs: float, n: int, leads: list[str], path: Path) -> tuple[list[Annotations], dict, list[str]]:
    waves: list[tuple[int, str, int, str]] = []
    beats: list[tuple[int, str, int, str]] = []
    measurements: dict[str, Any] = {}
    statements: list[str] = []
    for aset in (a for so in _kids(series, "subjectOf") for a in _kids(so, "annotationSet")):
        for ann, parents in _iter_annotations(aset):
            code, vcode = _code(ann), _value_code(ann)
            value = _kid(ann, "value")
            if value is not None and _xsi_type(value) == "PQ" and value.get("value") is not None:
                key = _MEASUREMENTS.get(code)
                try:
                    v = float(value.get("value"))
                except ValueError:
                    continue
                if key is not None and np.isfinite(v):
                    v = v * 1000.0 if (value.get("unit") or "") == "s" and key.endswith("_ms") else v
                    measurements.setdefault(key, int(v) if v == int(v) else v)
                continue
            if vcode.startswith("MDC_ECG_RHY") or (value is not None and _xsi_type(value) == "ST"):
                text = (value.get("displayName") or vcode) if value is not None and vcode else (value.text or "").strip()
                if text:
                    statements.append(text)
                continue
            low, high, chan = _roi(ann, t0, fs, leads, path)
            wave = vcode[len("MDC_ECG_WAVC_") :] if vcode.startswith("MDC_ECG_WAVC_") else ""
            if vcode.startswith("MDC_ECG_BEAT"):
                sym = _BEATS.get(vcode[len("MDC_ECG_BEAT_") :], "Q")
                where = low
                if where is None:  # no own time: place the beat at its QRS onset
                    for sub, _ in _iter_annotations(ann):
                        if _value_code(sub) == "MDC_ECG_WAVC_QRSWAVE":
                            where = _roi(sub, t0, fs, leads, path)[0]
                            break
                if where is not None:
                    beats.append((where, sym, chan, vcode))
            elif wave == "PEAK" and parents:
                parent = _value_code(parents[-1])[len("MDC_ECG_WAVC_") :]
                label, sym = _WAVES.get(parent, (parent, '"'))
                if low is not None:
                    waves.append((low, sym, chan, f"{label} peak"))
            elif wave:
                label = _WAVES.get(wave, (wave, ""))[0]
                if low is not None and high is not None and low == high:
                    waves.append((low, _WAVES.get(wave, ("", '"'))[1], chan, f"{label} peak"))
                    continue
                if low is not None:
                    waves.append((low, "(", chan, label))
                if high is not None:
                    waves.append((high, ")", chan, label))
    out = []
    for name, items in (("aecg", waves), ("aecg_beats", beats)):
        items = [it for it in items if 0 <= it[0] < n]
        if items:
            s, sym, ch, aux = zip(*items, strict=True)
            out.append(Annotations(name, list(s), sym, list(ch), aux))
    return out, measurements, statements


def _subject(root: Element) -> dict[str, Any]:
    subj: dict[str, Any] = {}
    ts = _kid(root, "componentOf", "timepointEvent", "componentOf", "subjectAssignment", "subject", "trialSubject")
    sid = _kid(ts, "id")
    if sid is not None and (sid.get("extension") or "").strip():
        subj["id"] = sid.get("extension").strip()
    person = _kid(ts, "subjectDemographicPerson")
    gender = _kid(person, "administrativeGenderCode")
    if gender is not None and (gender.get("code") or "").upper() in ("M", "F"):
        subj["sex"] = gender.get("code").upper()
    birth = _kid(person, "birthTime")
    if birth is not None and birth.get("value"):
        subj["birth_date"] = birth.get("value")
    for cv in _kids(root, "controlVariable"):
        obs = _kid(cv, "relatedObservation")
        v = _kid(obs, "value")
        if _code(obs) == "21612-7" and v is not None:  # LOINC "Reported Age"
            unit = (v.get("unit") or "a").strip()
            try:
                age = float(v.get("value"))
            except (TypeError, ValueError):
                continue
            subj["age_years"] = age * {"a": 1.0, "mo": 1 / 12, "wk": 7 / 365.25, "d": 1 / 365.25}.get(unit, 1.0)
    return subj


def _device(series: Element) -> dict[str, str]:
    author = _kid(series, "author", "seriesAuthor")
    dev = _kid(author, "manufacturedSeriesDevice")
    out = {}
    for key, tag in (("model", "manufacturerModelName"), ("software", "softwareName")):
        el = _kid(dev, tag)
        if el is not None and (el.text or "").strip():
            out[key] = el.text.strip()
    org = _kid(author, "manufacturerOrganization", "name")
    if org is not None and (org.text or "").strip():
        out["manufacturer"] = org.text.strip()
    return out


# ------------------------------------------------------------------------------ read
def read_aecg(path: Path, *, fs: float | None = None, series: str = "rhythm", derive_limb_leads: bool = False,
              **options: Any) -> Recording:
    """Read an HL7 aECG file.

    ``series``: "rhythm" (default) or "representative" (the representative/median beat).
    ``derive_limb_leads`` (default False): when leads I and II are stored but some of III, aVR,
    aVL, aVF are not, add them (Einthoven/Goldberger) and list them in ``meta["derived_leads"]``.
    ``fs`` is used only when the file has no time sequence. ECG values are in mV.
    """
    from defusedxml import DefusedXmlException
    from defusedxml import ElementTree as SafeET

    if options:
        raise InvalidArgumentError(
            f"aecg reader: unknown option(s) {', '.join(sorted(options))}; accepted options: {', '.join(_OPTIONS)}"
        )
    series = series.strip().lower() if isinstance(series, str) else series
    if series not in _SERIES:
        raise InvalidArgumentError(f"aecg reader: series must be one of {', '.join(_SERIES)}; got {series!r}")
    path = Path(path)
    try:
        root = SafeET.parse(str(path)).getroot()
    except ET.ParseError as exc:
        raise CorruptFileError(f"not well-formed XML (cut or damaged?): {exc}", path=path) from None
    except DefusedXmlException as exc:
        raise CorruptFileError(f"XML uses a forbidden construct (entities/DTD): {exc}", path=path) from None
    except (UnicodeError, ValueError) as exc:
        raise CorruptFileError(f"XML cannot be decoded: {exc}", path=path) from None
    if _local(root.tag) != "AnnotatedECG":
        raise UnknownFormatError(f"XML root is <{_local(root.tag)}>, not an HL7 <AnnotatedECG>", path=path)
    ser, available = _find_series(root, series, path)
    sets = [ss for comp in _kids(ser, "component") for ss in _kids(comp, "sequenceSet")]
    if not sets:
        raise CorruptFileError(f"{_code(ser)} series has no <sequenceSet>", path=path)
    names, sig, rate, head_time = _read_sequence_set(sets[0], fs, path)
    if len(set(names)) != len(names):
        raise CorruptFileError(f"duplicate lead sequences in the series: {', '.join(names)}", path=path)
    derived: list[str] = []
    if derive_limb_leads and "I" in names and "II" in names:
        i, ii = sig[:, names.index("I")], sig[:, names.index("II")]
        extra = {"III": ii - i, "aVR": -(i + ii) / 2, "aVL": i - ii / 2, "aVF": ii - i / 2}
        for lead, col in extra.items():
            if lead not in names:
                names.append(lead)
                derived.append(lead)
                sig = np.column_stack([sig, col])
    low = _kid(ser, "effectiveTime", "low")
    start = head_time or (_parse_ts(low.get("value")) if low is not None else None)
    t0 = head_time or start
    anns, measurements, statements = _annotations(ser, t0, rate, sig.shape[0], names, path)
    if series == "rhythm":  # global measurements often sit with the representative beat
        rep = next((d for dd in _kids(ser, "derivation") for d in _kids(dd, "derivedSeries")), None)
        if rep is not None:
            _, rep_meas, _ = _annotations(rep, None, rate, 0, names, path)
            measurements = {**measurements, **rep_meas}
    meta: dict[str, Any] = {"format": "aecg", "source": str(path), "series": series, "available_series": tuple(available)}
    subj = _subject(root)
    if subj:
        meta["subject"] = subj
    dev = _device(ser)
    if dev:
        meta["device"] = dev
    if derived:
        meta["derived_leads"] = tuple(derived)
    if len(sets) > 1:
        meta["ignored_sequence_sets"] = len(sets) - 1
    if measurements:
        meta["device_measurements"] = measurements
    if statements:
        meta["device_statements"] = tuple(dict.fromkeys(statements))
    chans = tuple(Channel(n, "ecg", "mV") for n in names)
    return Recording(sig.astype(np.float32), rate, chans, start=start if series == "rhythm" else None,
                     annotations=tuple(anns), meta=meta)


# ------------------------------------------------------------------------------ write
def _sub(parent: Element, tag: str, **attrs: str) -> Element:
    el = ET.SubElement(parent, f"{{{NS}}}{tag}")
    for k, v in attrs.items():
        el.set(k, v)
    return el


def _ts(t: datetime) -> str:
    return t.strftime("%Y%m%d%H%M%S.") + f"{t.microsecond // 1000:03d}"


def write_aecg(rec: Recording, path: Path, *, scale_uv: float = 1.0) -> None:
    """Write ``rec`` as an aECG document with one rhythm series: a GLIST_TS time sequence and
    one SLIST_PQ sequence per lead (origin 0 uV, ``scale_uv`` uV per digit). ECG channels only,
    in mV, uV or V (empty unit = mV)."""
    try:
        scale = float(scale_uv)
    except (TypeError, ValueError):
        scale = float("nan")
    if not np.isfinite(scale) or scale <= 0:
        raise InvalidArgumentError(f"scale_uv must be a number > 0 (uV per digit); got {scale_uv!r}")
    bad = [f"{c.name} ({c.kind})" for c in rec.channels if c.kind not in ("ecg", "other")]
    if bad:
        raise WriteError(f"HL7 aECG stores ECG leads only; not ECG: {', '.join(bad)}")
    to_uv = []
    for c in rec.channels:
        u = c.unit.strip().lower() or "mv"
        if u not in _TO_MV:
            raise WriteError(f"channel {c.name!r}: unit {c.unit!r} is not a voltage; accepted: mV, uV, V")
        to_uv.append(_TO_MV[u] * 1e3)
    if len(set(rec.channel_names)) != rec.n_channels:
        raise WriteError(f"aECG needs unique lead names; got {', '.join(rec.channel_names)}")
    digits = np.round(rec.signals.astype(np.float64) * np.asarray(to_uv)[None, :] / scale).astype(np.int64)

    ET.register_namespace("", NS)
    ET.register_namespace("xsi", XSI)
    start = rec.start or datetime(2000, 1, 1)
    end = start + timedelta(seconds=rec.duration_s)
    root = ET.Element(f"{{{NS}}}AnnotatedECG", {"type": "Observation"})
    _sub(root, "id", root=str(uuid.uuid4()))
    _sub(root, "code", code="93000", codeSystem="2.16.840.1.113883.6.12", codeSystemName="CPT-4")
    _sub(_sub(root, "effectiveTime"), "center", value=_ts(start))
    subj = rec.meta.get("subject") if isinstance(rec.meta.get("subject"), Mapping) else {}
    sa = _sub(_sub(_sub(_sub(root, "componentOf"), "timepointEvent"), "componentOf"), "subjectAssignment")
    ts = _sub(_sub(sa, "subject"), "trialSubject")
    _sub(ts, "id", root=str(uuid.uuid4()), extension=str(subj.get("id", "unknown")))
    if subj.get("sex") in ("M", "F") or subj.get("birth_date"):
        person = _sub(ts, "subjectDemographicPerson")
        if subj.get("sex") in ("M", "F"):
            _sub(person, "administrativeGenderCode", code=subj["sex"], codeSystem="2.16.840.1.113883.5.1")
        if subj.get("birth_date"):
            _sub(person, "birthTime", value=str(subj["birth_date"]))
    _sub(_sub(_sub(sa, "componentOf"), "clinicalTrial"), "id", root=str(uuid.uuid4()))
    if subj.get("age_years") is not None:
        obs = _sub(_sub(root, "controlVariable"), "relatedObservation")
        _sub(obs, "code", code="21612-7", codeSystem="2.16.840.1.113883.6.1", codeSystemName="LOINC",
             displayName="Reported Age")
        age = _sub(obs, "value", value=f"{float(subj['age_years']):g}", unit="a")
        age.set(f"{{{XSI}}}type", "PQ")
    ser = _sub(_sub(root, "component"), "series")
    _sub(ser, "id", root=str(uuid.uuid4()))
    _sub(ser, "code", code="RHYTHM", codeSystem="2.16.840.1.113883.5.4", codeSystemName="ActCode")
    et = _sub(ser, "effectiveTime")
    _sub(et, "low", value=_ts(start), inclusive="true")
    _sub(et, "high", value=_ts(end), inclusive="false")
    dev = _sub(_sub(_sub(ser, "author"), "seriesAuthor"), "manufacturedSeriesDevice")
    _sub(dev, "manufacturerModelName").text = "cardiokit"
    sset = _sub(_sub(ser, "component"), "sequenceSet")
    tseq = _sub(_sub(sset, "component"), "sequence")
    _sub(tseq, "code", code="TIME_ABSOLUTE", codeSystem="2.16.840.1.113883.5.4")
    tval = _sub(tseq, "value")
    tval.set(f"{{{XSI}}}type", "GLIST_TS")
    _sub(tval, "head", value=_ts(start))
    _sub(tval, "increment", value=repr(1.0 / rec.fs), unit="s")
    for j, c in enumerate(rec.channels):
        seq = _sub(_sub(sset, "component"), "sequence")
        code = _lead_code(c.name)
        system = "2.16.840.1.113883.6.24" if code.startswith("MDC_") else ""
        _sub(seq, "code", code=code, codeSystem=system, displayName=c.name)
        val = _sub(seq, "value")
        val.set(f"{{{XSI}}}type", "SLIST_PQ")
        _sub(val, "origin", value="0", unit="uV")
        _sub(val, "scale", value=f"{scale:g}", unit="uV")
        _sub(val, "digits").text = " ".join(map(str, digits[:, j].tolist()))
    ET.ElementTree(root).write(str(path), encoding="UTF-8", xml_declaration=True)


register_format(
    FormatSpec(
        name="aecg",
        description="HL7 annotated ECG (aECG) XML",
        extensions=(".xml",),
        read=read_aecg,
        write=write_aecg,
        sniff=_sniff,
        priority=10,
    )
)
