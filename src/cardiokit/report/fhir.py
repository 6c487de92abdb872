"""FHIR R4 export: a Bundle with one DiagnosticReport and its Observations.

``to_fhir(report)`` builds the Bundle (type ``collection``) as a plain dict, using only
elements that exist unchanged in R4 (4.0.1) and R4B: the DiagnosticReport (category
``EC`` electrocardiac, code LOINC 11524-6 "EKG study") references one Observation per
measured value, each with its LOINC code and a UCUM quantity:

=========  ============================  =======
LOINC      measurement                   unit
=========  ============================  =======
8867-4     heart rate                    /min
8625-6     P-R interval                  ms
8633-0     QRS duration                  ms
8634-8     Q-T interval                  ms
8636-3     Q-T interval corrected        ms
8626-4     P wave axis                   deg
8632-2     QRS axis                      deg
8638-1     T wave axis                   deg
=========  ============================  =======

PPG results add respiratory rate (LOINC 9279-1, /min) and the cuffless blood-pressure
estimates (8480-6 systolic, 8462-4 diastolic, mm[Hg]; the method says they are estimates
from the PPG waveform, not cuff readings). A recording without ECG is not an "EKG study":
its DiagnosticReport has a text code naming the signal (PPG, heart sounds, video) and no
electrocardiac category; the heart-sound class and an unusable video pulse go into the
conclusion.

Measurements that are null are left out. Statements become the report's ``conclusion``
(text) and ``conclusionCode`` (SNOMED CT codes). Resource ids are derived from the
content hash, so exporting the same input twice gives the same ids.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .model import Report, grade_of, quality_issues

__all__ = ["LOINC_MEASUREMENTS", "LOINC_PPG_MEASUREMENTS", "to_fhir", "write_fhir"]

_LOINC = "http://loinc.org"
_UCUM = "http://unitsofmeasure.org"
_SNOMED = "http://snomed.info/sct"

#: measurement key -> (LOINC code, display, UCUM code, unit text)
LOINC_MEASUREMENTS: dict[str, tuple[str, str, str, str]] = {
    "heart_rate_bpm": ("8867-4", "Heart rate", "/min", "beats/minute"),
    "pr_ms": ("8625-6", "P-R Interval", "ms", "ms"),
    "qrs_ms": ("8633-0", "QRS duration", "ms", "ms"),
    "qt_ms": ("8634-8", "Q-T interval", "ms", "ms"),
    "qtc_ms": ("8636-3", "Q-T interval corrected", "ms", "ms"),
    "p_axis_deg": ("8626-4", "P wave axis", "deg", "degrees"),
    "qrs_axis_deg": ("8632-2", "QRS axis", "deg", "degrees"),
    "t_axis_deg": ("8638-1", "T wave axis", "deg", "degrees"),
}


#: PPG-derived measurement key -> (LOINC code, display, UCUM code, unit text, method text or None)
LOINC_PPG_MEASUREMENTS: dict[str, tuple[str, str, str, str, str | None]] = {
    "respiratory_rate_bpm": ("9279-1", "Respiratory rate", "/min", "breaths/minute", None),
    "sbp_mmhg": ("8480-6", "Systolic blood pressure", "mm[Hg]", "mmHg",
                 "estimated from the PPG waveform (cuffless model), not a cuff measurement"),
    "dbp_mmhg": ("8462-4", "Diastolic blood pressure", "mm[Hg]", "mmHg",
                 "estimated from the PPG waveform (cuffless model), not a cuff measurement"),
}

_STUDY_TEXT = {"ppg": "Photoplethysmogram (PPG) analysis", "pcg": "Heart sound (phonocardiogram) analysis",
               "video": "Remote PPG (face video) analysis"}


def _kinds(doc: dict[str, Any]) -> set[str]:
    chans = (doc.get("recording") or {}).get("channels") or []
    return {str(c.get("kind")) for c in chans if isinstance(c, dict)}


def _extra_conclusions(doc: dict[str, Any]) -> list[str]:
    """Heart-sound class and an unusable PPG or video pulse, which are not interpretation statements."""
    out = []
    ppg = doc.get("ppg")
    if grade_of(ppg) == "unusable":
        issues = quality_issues(ppg)
        out.append("PPG signal unusable" + (f" ({issues})" if issues else "") + ": no pulse rate or blood pressure reported")
    pcg = doc.get("pcg")
    if isinstance(pcg, dict) and pcg.get("label"):
        p = pcg.get("probability_abnormal")
        out.append(f"Heart sounds {pcg['label']}" + (f" (probability abnormal {p:.2f})" if p is not None else ""))
    rppg = doc.get("rppg")
    if isinstance(rppg, dict) and doc["measurements"].get("heart_rate_bpm") is None:
        snr = rppg.get("snr_db")
        out.append("Video pulse signal unusable" + (f" (SNR {snr:.1f} dB)" if snr is not None else "")
                   + ": no pulse rate reported")
    return out


def _uuid(seed: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "cardiokit:" + seed))


def _instant(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def to_fhir(report: Report, *, issued: datetime | None = None) -> dict[str, Any]:
    """A FHIR R4 Bundle (dict) with a DiagnosticReport and one Observation per measurement."""
    doc = report.to_dict()
    seed = doc.get("sha256") or doc.get("source") or json.dumps(doc.get("measurements"), sort_keys=True)
    issued_s = _instant(issued or datetime.now(UTC))
    rec = doc.get("recording") or {}
    effective = rec.get("start")
    subject_id = (rec.get("subject") or {}).get("id")
    subject = {"identifier": {"value": str(subject_id)}} if subject_id else None
    category_vitals = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                   "code": "vital-signs", "display": "Vital Signs"}]}
    category_proc = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                 "code": "procedure", "display": "Procedure"}]}
    entries: list[dict[str, Any]] = []
    refs: list[dict[str, str]] = []
    table = {k: (*v, None) for k, v in LOINC_MEASUREMENTS.items()} | LOINC_PPG_MEASUREMENTS
    for key, (code, display, ucum, unit, method) in table.items():
        value = doc["measurements"].get(key)
        if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        oid = _uuid(f"{seed}:{key}")
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "id": oid,
            "status": "final",
            "category": [category_vitals if key in ("heart_rate_bpm", *LOINC_PPG_MEASUREMENTS) else category_proc],
            "code": {"coding": [{"system": _LOINC, "code": code, "display": display}], "text": display},
            "issued": issued_s,
            "valueQuantity": {"value": round(float(value), 1), "unit": unit, "system": _UCUM, "code": ucum},
        }
        if method:
            obs["method"] = {"text": method}
        if key == "qtc_ms" and doc["measurements"].get("qtc_formula"):
            obs["method"] = {"text": f"QTc formula: {doc['measurements']['qtc_formula']}"}
        if effective:
            obs["effectiveDateTime"] = effective
        if subject:
            obs["subject"] = subject
        entries.append({"fullUrl": f"urn:uuid:{oid}", "resource": obs})
        refs.append({"reference": f"urn:uuid:{oid}"})
    rid = _uuid(f"{seed}:report")
    statements = doc.get("statements") or []
    kinds = _kinds(doc)
    dr: dict[str, Any] = {
        "resourceType": "DiagnosticReport",
        "id": rid,
        "status": "final" if not doc.get("errors") else "partial",
    }
    if "ecg" in kinds or not kinds:
        dr["category"] = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                                       "code": "EC", "display": "Electrocardiac (e.g., EKG, EEC, Holter)"}]}]
        dr["code"] = {"coding": [{"system": _LOINC, "code": "11524-6", "display": "EKG study"}],
                      "text": "ECG analysis"}
    else:
        kind = next((k for k in ("ppg", "pcg", "video") if k in kinds), None)
        dr["code"] = {"text": _STUDY_TEXT.get(kind or "", "Cardiac signal analysis")}
    dr["issued"] = issued_s
    if doc.get("sha256"):
        dr["identifier"] = [{"system": "urn:cardiokit:sha256", "value": doc["sha256"]}]
    if effective:
        dr["effectiveDateTime"] = effective
    if subject:
        dr["subject"] = subject
    if refs:
        dr["result"] = refs
    conclusion = [s["text"] for s in statements] + _extra_conclusions(doc)
    if conclusion:
        dr["conclusion"] = "; ".join(conclusion)
    if statements:
        codes = [{"coding": [{"system": _SNOMED, "code": s["code"], "display": s["text"]}], "text": s["text"]}
                 for s in statements if s.get("code")]
        if codes:
            dr["conclusionCode"] = codes
    bundle = {
        "resourceType": "Bundle",
        "id": _uuid(f"{seed}:bundle"),
        "type": "collection",
        "timestamp": issued_s,
        "entry": [{"fullUrl": f"urn:uuid:{rid}", "resource": dr}, *entries],
    }
    return bundle


def output_stem(report: Report) -> str:
    """File-name stem of a report's outputs: the source's name (a WFDB ``.hea`` dropped:
    ``100.hea`` and ``100`` are the same record), else the start of the content hash."""
    if not report.source:
        return (report.sha256 or "report")[:16]
    name = Path(report.source).name
    return name[:-4] if name.lower().endswith(".hea") and len(name) > 4 else name


def write_fhir(report: Report, folder: str | os.PathLike[str], *, name: str | None = None) -> Path:
    """Write the Bundle of ``report`` to ``folder/<name>.fhir.json``; returns the path.

    ``name`` defaults to the source file's name (``.hea`` dropped; or the content hash).
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    stem = name or output_stem(report)
    dest = out / f"{stem}.fhir.json"
    tmp = dest.with_name("." + dest.name + ".tmp")
    tmp.write_text(json.dumps(to_fhir(report), indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, dest)
    return dest
