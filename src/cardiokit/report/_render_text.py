"""What the report pages say: the text rows and value formatting shared by the printed pages
(:mod:`._render_pages`, :mod:`._render_details`) and the HTML report (:mod:`.render`).

Lead names as printed and in the standard order, subject/recording rows, the main
measurements as on ECG carts (or the PPG / heart-sound values), the PPG and PCG result
rows, the interpretation statement lines, and the formatting of values and evidence
("—" for a missing one).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .._core.leads import STANDARD_LEADS, standard_lead_name
from .._core.recording import Recording
from .model import grade_of, quality_issues

__all__ = ["display_lead_name", "evidence_text", "measurement_rows", "pcg_rows", "ppg_rows", "sorted_leads",
           "statement_lines", "subject_lines"]


def display_lead_name(name: Any) -> str:
    """A lead name as printed: standard spelling (``avf`` -> ``aVF``), other names unchanged."""
    return standard_lead_name(str(name)) or str(name)


def sorted_leads(leads: Any) -> list[Any]:
    """Per-lead results (with ``.lead``) in the standard order I ... V6, other leads after them as given."""
    items = list(leads)
    order = {name: i for i, name in enumerate(STANDARD_LEADS)}
    return sorted(items, key=lambda lq: order.get(standard_lead_name(str(lq.lead)) or "", len(STANDARD_LEADS)))


def _fmt(v: Any, unit: str = "", nd: int = 0) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    if isinstance(v, (int, float)):
        return f"{v:.{nd}f}{(' ' + unit) if unit else ''}"
    return str(v)


def _shorten_middle(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters by an ellipsis in the middle (paths keep their file name)."""
    if len(text) <= width:
        return text
    tail = max(width * 2 // 3, 1)
    return text[: width - tail - 1] + "…" + text[-tail:]


def _duration(seconds: float) -> str:
    """Seconds with enough digits to stay non-zero (0.026 s, 2.1 s, 1805.6 s)."""
    if 0 < seconds < 1:
        return f"{seconds:.3g} s"
    return f"{seconds:.1f} s"


def _all_missing(*values: Any) -> bool:
    return all(_fmt(v) == "—" for v in values)


def _device_text(device: Any) -> str:
    """``{"manufacturer": "Mortara", "model": "ELI 250"}`` -> ``Mortara ELI 250`` (a string stays as is)."""
    if not isinstance(device, Mapping):
        return str(device)
    first = [device.get(k) for k in ("manufacturer", "model")]
    rest = [v for k, v in device.items() if k not in ("manufacturer", "model")]
    return " ".join(str(v) for v in [*first, *rest] if v not in (None, "")) or "—"


def evidence_text(value: Any) -> str:
    """An evidence value as printed: ``—`` for a missing one, 1 decimal, no Python quotes or None."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 0.1 or value == 0 else f"{value:.3g}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {evidence_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(evidence_text(v) for v in value) + "]"
    return str(value)


def subject_lines(report: Any, rec: Recording) -> list[tuple[str, str]]:
    """(label, value) rows describing the subject and the recording."""
    summ = getattr(report, "recording", None)
    subj = dict(getattr(summ, "subject", None) or rec.meta.get("subject") or {})
    rows = [("Source", str(getattr(report, "source", None) or rec.meta.get("source") or "—"))]
    who = []
    if subj.get("id") is not None:
        who.append(f"ID {subj['id']}")
    if subj.get("age_years") is not None:
        who.append(f"{_fmt(subj['age_years'])} y")
    if subj.get("sex"):
        who.append({"M": "male", "F": "female"}.get(str(subj["sex"]), str(subj["sex"])))
    for k, unit in (("height_cm", "cm"), ("weight_kg", "kg")):
        if subj.get(k) is not None:
            who.append(_fmt(subj[k], unit))
    rows.append(("Subject", ", ".join(who) or "—"))
    start = rec.start.isoformat(sep=" ", timespec="seconds") if rec.start else "—"
    rows.append(("Recorded", start))
    if rec.meta.get("device"):
        rows.append(("Device", _device_text(rec.meta["device"])))
    rows.append(("Signal", f"{rec.n_channels} ch, {rec.fs:g} Hz, {_duration(rec.duration_s)}"))
    return rows


#: header labels and units of non-ECG measurements
_LABELS = {
    "heart_rate_bpm": ("Heart rate", "bpm"),
    "respiratory_rate_bpm": ("Resp. rate", "/min"),
    "sbp_mmhg": ("SBP (est.)", "mmHg"),
    "dbp_mmhg": ("DBP (est.)", "mmHg"),
    "vascular_age_years": ("Vascular age", "y"),
}
_EXTRA_LABELS = {
    "pcg.label": "PCG class",
    "pcg.probability_abnormal": "P(abnormal)",
    "pcg.quality": "PCG quality",
    "ppg.quality": "PPG quality",
}


def measurement_rows(report: Any, *, page_kind: str | None = None) -> list[tuple[str, str]]:
    """(label, value) rows of the main measurements, as printed on ECG carts.

    Without ECG channels, or for the PPG / heart-sound page (``page_kind``) of a recording
    that also has ECG: the measured values that are present, and the scalar entries of the
    report's ``ppg`` / ``pcg`` results.
    """
    m = dict(getattr(report, "measurements", None) or {})
    kinds = getattr(getattr(report, "recording", None), "kinds", None)
    if page_kind in ("ppg", "pcg") or (kinds is not None and "ecg" not in kinds):
        own = getattr(report, page_kind, None) if page_kind else None
        if isinstance(own, Mapping) and isinstance(own.get("heart_rate_bpm"), (int, float)):
            # this signal's rate, not the ECG's; none when this signal is unusable
            m["heart_rate_bpm"] = own["heart_rate_bpm"] if grade_of(own) != "unusable" else None
        rows = []
        for k, (label, unit) in _LABELS.items():
            v = m.get(k)
            if v is None or isinstance(v, bool) or not isinstance(v, (int, float)):
                continue
            text = _fmt(v, unit, nd=0 if unit in ("mmHg", "y") else 1)
            iv = m.get(k.rsplit("_", 1)[0] + "_interval_" + k.rsplit("_", 1)[1])
            if isinstance(iv, (list, tuple)) and len(iv) == 2:
                text += f"  ({iv[0]:.0f}–{iv[1]:.0f})"
            rows.append((label, text))
        rows += _withheld_ppg_rows(report, m)
        for name in ("ppg", "pcg"):
            extra = getattr(report, name, None)
            if isinstance(extra, Mapping):
                for k, v in extra.items():
                    if isinstance(v, Mapping):  # a quality object: its grade
                        v = v.get("grade")
                    if f"{name}.{k}" in _EXTRA_LABELS and isinstance(v, (int, float, str)) \
                            and not isinstance(v, bool):
                        rows.append((_EXTRA_LABELS[f"{name}.{k}"], _fmt(v, nd=2) if isinstance(v, float) else str(v)))
        rows += _rppg_rows(report)
        return rows[:7] or [("measurements", "none for this signal kind")]
    qt = m.get("qt_ms")
    qtc = m.get("qtc_ms")
    axis_values = [m.get(k) for k in ("p_axis_deg", "qrs_axis_deg", "t_axis_deg")]
    axes = "—" if _all_missing(*axis_values) else " / ".join(_fmt(v) for v in axis_values) + " °"
    formula = m.get("qtc_formula") or ""
    qt_text = "—" if _all_missing(qt, qtc) else f"{_fmt(qt)} / {_fmt(qtc)} ms"
    return [
        ("Vent. rate", _fmt(m.get("heart_rate_bpm"), "bpm")
         + (f" (atrial {_fmt(m['atrial_rate_bpm'])})" if m.get("atrial_rate_bpm") is not None else "")),
        ("RR", _fmt(m.get("rr_ms"), "ms")),
        ("P duration", _fmt(m.get("p_duration_ms"), "ms")),
        ("PR", _fmt(m.get("pr_ms"), "ms")),
        ("QRS", _fmt(m.get("qrs_ms"), "ms")),
        ("QT / QTc", qt_text + (f" ({formula})" if formula and qtc is not None else "")),
        ("P-R-T axes", axes),
    ]


def _withheld_ppg_rows(report: Any, m: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Pulse rate and BP of an unusable PPG, which the analysis keeps out of the measurements."""
    p = getattr(report, "ppg", None)
    if grade_of(p) != "unusable" or m.get("heart_rate_bpm") is not None:
        return []
    rows = []
    if isinstance(p.get("heart_rate_bpm"), (int, float)):
        rows.append(("Heart rate", f"— ({p['heart_rate_bpm']:.0f} bpm, unreliable)"))
    bp = p.get("bp")
    if isinstance(bp, Mapping) and bp.get("sbp_mmhg") is not None and bp.get("dbp_mmhg") is not None:
        rows.append(("BP (est.)", f"— ({bp['sbp_mmhg']:.0f}/{bp['dbp_mmhg']:.0f}, unreliable)"))
    return rows


#: PPG morphology biomarkers shown in the reports: (key, label, unit, scale, digits)
_PPG_SHOWN = (
    ("Tsp", "Rise time (onset to systolic peak)", "ms", 1000.0, 0),
    ("Tw50", "Pulse width at 50 %", "ms", 1000.0, 0),
    ("deltaT", "Peak-to-peak time (systolic to diastolic)", "ms", 1000.0, 0),
    ("AI", "Augmentation index", "", 1.0, 2),
    ("RI", "Reflection index", "", 1.0, 2),
    ("SI_per_s", "Stiffness index / height", "1/s", 1.0, 2),
    ("IPA", "Inflection point area ratio", "", 1.0, 2),
    ("b_a", "b/a (2nd derivative)", "", 1.0, 2),
    ("d_a", "d/a (2nd derivative)", "", 1.0, 2),
    ("AGI", "Aging index (b-c-d-e)/a", "", 1.0, 2),
)


def _num(v: Any, unit: str = "", nd: int = 1, scale: float = 1.0) -> str:
    """:func:`_fmt` of a number times ``scale``; anything else is missing ("—")."""
    ok = isinstance(v, (int, float)) and not isinstance(v, bool)
    return _fmt(v * scale if ok else None, unit, nd)


def _interval(iv: Any, nd: int = 0) -> str:
    return f" ({iv[0]:.{nd}f}–{iv[1]:.{nd}f})" if isinstance(iv, (list, tuple)) and len(iv) == 2 else ""


def ppg_rows(p: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows of a report's ``ppg`` object: quality, pulse rate and PRV,
    respiration, BP and vascular age with their intervals, ten morphology biomarkers."""
    q = p.get("quality") if isinstance(p.get("quality"), Mapping) else {}
    note = " (unreliable: the PPG is graded unusable, so these values are not in the measurements)" \
        if q.get("grade") == "unusable" else ""
    rows = [("Channel", f"{p.get('channel', '—')}, {_num(p.get('fs'), 'Hz', 0)}"),
            ("Pulses", f"{q.get('n_beats', '—')} found, {_num(q.get('good_beat_fraction'), '%', 0, 100.0)} good "
                       f"(template correlation {_num(q.get('template_correlation'), nd=2)}, "
                       f"skewness SQI {_num(q.get('skewness_sqi'), nd=2)})"),
            ("Quality issues", "; ".join(q.get("issues") or ()) or "—"),
            ("Pulse rate", _num(p.get("heart_rate_bpm"), "bpm") + note)]
    prv = p.get("prv") if isinstance(p.get("prv"), Mapping) else {}
    if prv.get("sdnn_ms") is not None:
        rows.append(("Pulse-rate variability", f"SDNN {_num(prv.get('sdnn_ms'), 'ms', 0)}, RMSSD "
                     f"{_num(prv.get('rmssd_ms'), 'ms', 0)}, pNN50 {_num(prv.get('pnn50_pct'), '%', 0)} "
                     f"({prv['n_kept']} intervals)"))
    resp = p.get("respiration") if isinstance(p.get("respiration"), Mapping) else {}
    win = resp.get("window_s")
    if resp and isinstance(win, (int, float)):
        acc = resp.get("accepted_fraction")
        why = (f" ({_num(acc, '%', 0, 100.0)} of {win:g}-s windows agreed)" if resp.get("windows")
               else " (needs 20 s of pulses)")
        rows.append(("Respiratory rate", _num(resp.get("rate_bpm"), "/min") + why))
    bp = p.get("bp") if isinstance(p.get("bp"), Mapping) else None
    if bp:
        cal = " calibrated" if bp.get("calibration_mmhg") else ""
        rows.append(("Blood pressure (est.)",
                     f"SBP {_num(bp.get('sbp_mmhg'), nd=0)}{_interval(bp.get('sbp_interval_mmhg'))}, "
                     f"DBP {_num(bp.get('dbp_mmhg'), nd=0)}{_interval(bp.get('dbp_interval_mmhg'))} mmHg"))
        rows.append(("BP model", f"{bp.get('model', '')} ({bp.get('variant', '')}{cal}), "
                                 f"{_num(bp.get('coverage'), '%', 0, 100.0)} intervals"))
    va = p.get("vascular_age") if isinstance(p.get("vascular_age"), Mapping) else None
    if va:
        gap = va.get("vascular_age_gap_years")
        rows.append(("Vascular age (est.)",
                     f"{_num(va.get('vascular_age_years'), 'y', 0)}{_interval(va.get('vascular_age_interval_years'))}"
                     + (f", gap {gap:+.0f} y" if isinstance(gap, (int, float)) else "")))
        rows.append(("Vascular-age model", str(va.get("model", ""))))
    bm = p.get("biomarkers") if isinstance(p.get("biomarkers"), Mapping) else {}
    rows += [(label, _num(bm.get(k), unit, nd, scale)) for k, label, unit, scale, nd in _PPG_SHOWN if k in bm]
    return rows


def pcg_rows(p: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) rows of a report's ``pcg`` object: class, rate, systolic interval, cycles."""
    s1 = p.get("s1")
    return [("Channel", str(p.get("channel", "—"))),
            ("Class", f"{p.get('label') or '—'} (P(abnormal) {_num(p.get('probability_abnormal'), nd=2)}), "
                      f"{p.get('model', '')}"),
            ("Heart rate", _num(p.get("heart_rate_bpm"), "bpm")),
            ("Systolic interval", _num(p.get("systolic_interval_s"), "ms", 0, 1000.0)),
            ("Cycles segmented", f"{len(s1) if isinstance(s1, (list, tuple)) else '—'} "
                                 f"({p.get('segmentation_method', '—')}), periodicity {_num(p.get('periodicity'), nd=2)}")]


def _rppg_rows(report: Any) -> list[tuple[str, str]]:
    """Pulse rate, its quality grade and SNR from a video's remote PPG (``report.rppg``)."""
    r = getattr(report, "rppg", None)
    if not isinstance(r, Mapping) or r.get("heart_rate_bpm") is None:
        return []
    grade = grade_of(r)
    rate = _fmt(r.get("heart_rate_bpm"), "bpm", nd=1)
    if grade == "unusable":  # the analysis withholds this rate (measurements.heart_rate_bpm is null)
        rate = f"— (peak at {_fmt(r.get('heart_rate_bpm'), nd=0)} bpm, unreliable)"
    rows = [("Pulse rate", rate)]
    if grade is not None:
        rows.append(("rPPG quality", str(grade)))
    if r.get("snr_db") is not None:
        rows.append(("SNR", _fmt(r.get("snr_db"), "dB", nd=1)))
    return rows


def statement_lines(report: Any) -> list[str]:
    """Interpretation statement texts, then rhythm and quality."""
    out = [str(getattr(s, "text", s)) for s in getattr(report, "statements", ()) or ()]
    rhythm = getattr(getattr(report, "rhythm", None), "label", None)
    probs = getattr(getattr(report, "rhythm", None), "probabilities", None) or {}
    quality = getattr(getattr(report, "quality", None), "grade", None)
    tail = []
    if rhythm:
        # the CinC 2017 class ("other": e.g. sinus rhythm with ectopy or a bundle branch block),
        # with the rhythm model's probability of it when the model ran
        p = probs.get(rhythm)
        tail.append(f"rhythm class: {rhythm}" + (f" (model {p:.2f})" if p is not None else ""))
    if quality:
        tail.append(f"quality: {quality}")
    ppg = getattr(report, "ppg", None)
    if grade_of(ppg) in ("acceptable", "unusable"):
        issues = quality_issues(ppg)
        why = f" ({issues})" if issues else ""
        tail.append(f"PPG quality: {grade_of(ppg)}{why}")
    pcg = getattr(report, "pcg", None)
    if isinstance(pcg, Mapping) and pcg.get("label"):
        p_abn = pcg.get("probability_abnormal")
        tail.append(f"heart sounds: {pcg['label']}" + (f" (P(abnormal) {p_abn:.2f})" if isinstance(p_abn, float) else ""))
    return out + ([", ".join(tail)] if tail else [])
