"""Printable pages of a report: which layout fits the recording, header, footer, details.

* 12-lead ECG (all 12 standard leads, or I, II and V1-V6 from which III, aVR, aVL and
  aVF are derived): the standard 3 x 4 + rhythm-strip page of :mod:`.paper`.
* other ECG (single lead as from a handheld device, 2-3 Holter leads): 10-s strips on
  ECG paper at 25 mm/s and 10 mm/mV, every lead of each 10-s window stacked.
* PPG: 10-s strips on a grey grid, amplitude normalised, beats dotted when known.
* heart sounds (PCG): 5-s strips at 50 mm/s with the Hilbert envelope over the waveform.

Signals are drawn as recorded, ECG after a display filter (0.5-40 Hz and a mains notch by
default, the filter the analysis uses; stated in the footer).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._core.leads import STANDARD_LEADS, standard_lead_name
from .._core.recording import Recording
from .._core.units import VOLT_TO_MV
from .model import grade_of, quality_issues
from .paper import (
    MARK_COLORS,
    MM_PER_INCH,
    Region,
    draw_mark_legend,
    draw_strips,
    draw_twelve_lead,
    draw_unusable_legend,
    new_page,
)

__all__ = ["DisplayOptions", "build_pages", "display_lead_name", "ecg_leads_mv", "standard_leads"]

_UNIT_TO_MV = VOLT_TO_MV
_ECG_ROWS = 6
_PAGE_W, _PAGE_H = 297.0, 210.0
_GRID = Region(16.0, 16.0, 265.0, 150.0)
_GRID_BODY_ONLY = Region(2.0, 9.0, 265.0, 150.0)
_FIDUCIAL_COLS = {"p": (0, 2), "qrs": (3, 5), "t": (6, 8)}


@dataclass(frozen=True)
class DisplayOptions:
    """How signals are shown: ECG display filter, window start, page limits."""

    filter_low_hz: float | None = 0.5
    filter_high_hz: float | None = 40.0
    powerline_hz: float | str | None = "auto"
    start_s: float = 0.0
    max_pages: int = 3
    delineation_marks: bool = True


def display_lead_name(name: Any) -> str:
    """A lead name as printed: standard spelling (``avf`` -> ``aVF``), other names unchanged."""
    return standard_lead_name(str(name)) or str(name)


def sorted_leads(leads: Any) -> list[Any]:
    """Per-lead results (with ``.lead``) in the standard order I ... V6, other leads after them as given."""
    items = list(leads)
    order = {name: i for i, name in enumerate(STANDARD_LEADS)}
    return sorted(items, key=lambda lq: order.get(standard_lead_name(str(lq.lead)) or "", len(STANDARD_LEADS)))


def ecg_leads_mv(rec: Recording, opts: DisplayOptions) -> tuple[dict[str, np.ndarray], str]:
    """ECG channels in mV after the display filter, by name, and a text naming the filter."""
    from ..ecg.clean import clean_array

    idx = [i for i, c in enumerate(rec.channels) if c.kind == "ecg"]
    if not idx:
        return {}, ""
    x = np.asarray(rec.signals[:, idx], dtype=np.float64)
    scale = np.array([_UNIT_TO_MV.get(rec.channels[i].unit.strip().lower(), 1.0) for i in idx])
    x = x * scale
    parts = []
    if rec.n_samples > 3 * max(1, int(rec.fs)) and (opts.filter_low_hz or opts.filter_high_hz or opts.powerline_hz):
        high = None if opts.filter_high_hz is None else min(opts.filter_high_hz, 0.45 * rec.fs)
        line = opts.powerline_hz
        if line == "auto":
            from ..dsp.filters import detect_powerline_hz

            line = detect_powerline_hz(x, fs_hz=rec.fs)
        # odd extension by up to 1.5 s on both ends: no high-pass transient at the edges
        pad = min(x.shape[0] - 1, int(1.5 * rec.fs))
        xp = np.concatenate([2 * x[:1] - x[pad:0:-1], x, 2 * x[-1:] - x[-2:-pad - 2:-1]])
        x = clean_array(xp, fs_hz=rec.fs, low_hz=opts.filter_low_hz, high_hz=high, powerline_hz=line)
        x = x[pad:pad + rec.n_samples]
        band = f"{opts.filter_low_hz or 0:g}–{high:g} Hz" if high else f"high-pass {opts.filter_low_hz:g} Hz"
        parts.append(f"filter {band}")
        if line:
            parts.append(f"{float(line):g} Hz notch")
    else:
        parts.append("no filter")
    return {rec.channels[i].name: x[:, k] for k, i in enumerate(idx)}, ", ".join(parts)


def standard_leads(leads: Mapping[str, np.ndarray]) -> dict[str, np.ndarray] | None:
    """The 12 standard leads by canonical name (limb leads derived from I and II if needed)."""
    std = {}
    for name, v in leads.items():
        c = standard_lead_name(name)
        if c and c not in std:
            std[c] = v
    if "I" in std and "II" in std:
        i, ii = std["I"], std["II"]
        std.setdefault("III", ii - i)
        std.setdefault("aVR", -(i + ii) / 2)
        std.setdefault("aVL", i - ii / 2)
        std.setdefault("aVF", ii - i / 2)
    return std if all(n in std for n in STANDARD_LEADS) else None


def _marks(report: Any, a: int, b: int) -> dict[str, np.ndarray] | None:
    """Delineation boundaries (samples) between ``a`` and ``b``, shifted to start at ``a``."""
    g = getattr(getattr(report, "delineation", None), "global_", None)
    if g is None:
        return None
    g = np.asarray(g)
    if g.ndim != 2 or g.shape[1] < 9:
        return None
    out = {}
    for wave, cols in _FIDUCIAL_COLS.items():
        v = g[:, list(cols)].reshape(-1)
        v = v[(v >= a) & (v < b)] - a
        out[wave] = v
    return out


def _unusable_spans(report: Any) -> dict[str, list[tuple[float, float]]]:
    """Stretches graded unusable (s of the record) by displayed lead name (``quality.unusable_segments``)."""
    out: dict[str, list[tuple[float, float]]] = {}
    for u in getattr(getattr(report, "quality", None), "unusable_segments", ()) or ():
        out.setdefault(display_lead_name(u.lead), []).append((float(u.start_s), float(u.stop_s)))
    return out


def _shifted(spans: list[tuple[float, float]] | None, t0_s: float) -> list[tuple[float, float]]:
    """``spans`` relative to ``t0_s``."""
    return [(a - t0_s, b - t0_s) for a, b in spans or ()]


def _beats(report: Any) -> np.ndarray | None:
    s = getattr(getattr(report, "beats", None), "samples", None)
    return None if s is None else np.asarray(s, dtype=np.int64)


# -- header / footer -------------------------------------------------------------------
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
        ("Vent. rate", _fmt(m.get("heart_rate_bpm"), "bpm")),
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
    quality = getattr(getattr(report, "quality", None), "grade", None)
    tail = []
    if rhythm:
        tail.append(f"rhythm class: {rhythm}")
    if quality:
        tail.append(f"signal quality: {quality}")
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


def _header(ax: Axes, report: Any, rec: Recording, title: str, kind: str | None = None) -> None:
    """Title, subject/recording rows, measurements and interpretation above the paper."""
    top = _PAGE_H - 8.0
    ax.text(16.0, top, title, fontsize=11.5, fontweight="bold", va="top")
    y = top - 7.0
    for label, value in subject_lines(report, rec)[:5]:
        ax.text(16.0, y, f"{label}:", fontsize=7.5, va="top", color="#444444")
        ax.text(33.0, y, _shorten_middle(value, 50), fontsize=7.5, va="top")
        y -= 4.2
    y = top
    ax.text(118.0, y, "Measurements", fontsize=8.5, fontweight="bold", va="top")
    y -= 5.0
    for label, value in measurement_rows(report, page_kind=kind):
        ax.text(118.0, y, label, fontsize=7.5, va="top", color="#444444")
        ax.text(140.0, y, value, fontsize=7.5, va="top")
        y -= 3.9
    y = top
    ax.text(190.0, y, "Interpretation", fontsize=8.5, fontweight="bold", va="top")
    y -= 5.0
    lines: list[str] = []
    for s in statement_lines(report) or ["no interpretation statements"]:
        lines += textwrap.wrap(s, 52) or [""]
    if len(lines) > 6:  # the 7th line would run into "Unconfirmed computer interpretation"
        lines = [*lines[:5], "… (continued on the details page)"]
    for ln in lines:
        ax.text(190.0, y, ln, fontsize=7.5, va="top")
        y -= 3.9
    if getattr(report, "statements", None):
        ax.text(190.0, 168.5, "Unconfirmed computer interpretation", fontsize=6.5, va="bottom",
                color="#7a0000", style="italic")


def _footer(ax: Axes, text: str, page: int, n_pages: int, *, y: float = 8.0, x: float = 16.0,
            width: float = 265.0) -> None:
    from .. import __version__

    ax.text(x, y, text, fontsize=7.5, va="center", ha="left")
    ax.text(x + width, y, f"cardiokit {__version__}   page {page}/{n_pages}", fontsize=6.5,
            va="center", ha="right", color="#555555")


# -- layouts ---------------------------------------------------------------------------
@dataclass
class _Page:
    fig: Figure
    footer: str
    legend: bool = False
    title: str = ""
    kind: str | None = None
    #: lowest drawn y (mm) of a page whose strips leave the bottom of the grid empty
    bottom_mm: float | None = None
    #: grey boxes over unusable stretches drawn (their key goes beside the marks' key)
    unusable: bool = False


def _figure(body_only: bool) -> tuple[Figure, Axes, Region]:
    if body_only:
        fig, ax = new_page(width_mm=_GRID.width_mm + 4.0, height_mm=_GRID.height_mm + 12.0)
        return fig, ax, _GRID_BODY_ONLY
    fig, ax = new_page()
    return fig, ax, _GRID


def _twelve_lead_pages(report: Any, std: dict[str, np.ndarray], fs: float, ftxt: str, opts: DisplayOptions,
                       body_only: bool) -> list[_Page]:
    fig, ax, region = _figure(body_only)
    a = round(opts.start_s * fs)
    marks = _marks(report, a, a + round(10 * fs)) if opts.delineation_marks else None
    bad = {k: _shifted(v, a / fs) for k, v in _unusable_spans(report).items()}  # by displayed lead name
    spans = {k: bad.get(display_lead_name(k), []) for k in std}
    draw_twelve_lead(ax, {k: v[a:] for k, v in std.items()}, fs, region, marks=marks, unusable=spans)
    shown = any(b0 < 10.0 and b1 > 0 for v in spans.values() for b0, b1 in v)
    return [_Page(fig, f"25 mm/s   10 mm/mV   {ftxt}   {fs:g} Hz   {opts.start_s:g}–{opts.start_s + 10:g} s",
                  legend=bool(marks), title="12-lead ECG", unusable=shown)]


def _ecg_strip_pages(report: Any, leads: dict[str, np.ndarray], fs: float, ftxt: str, opts: DisplayOptions,
                     body_only: bool) -> list[_Page]:
    names = list(leads)[:_ECG_ROWS]
    n = min(v.size for v in leads.values())
    a0 = round(opts.start_s * fs)
    win = round(10 * fs)
    windows = list(range(a0, n, win))
    per_page = max(1, _ECG_ROWS // len(names))
    windows = windows[: per_page * opts.max_pages]
    beats = _beats(report)
    bad = _unusable_spans(report)
    pages = []
    for p in range(0, len(windows), per_page):
        fig, ax, region = _figure(body_only)
        strips, marks, points, shade = [], [], [], []
        for a in windows[p:p + per_page]:
            for name in names:
                strips.append((display_lead_name(name), leads[name][a:a + win], a / fs))
                shade.append([(b0, b1) for b0, b1 in _shifted(bad.get(display_lead_name(name)), a / fs)
                              if b1 > 0 and b0 < win / fs])
                marks.append(_marks(report, a, a + win) if opts.delineation_marks else None)
                if beats is not None:
                    k = beats[(beats >= a) & (beats < a + win)] - a
                    points.append({"beat": _snap_to_peak(leads[name][a:a + win], k, round(0.04 * fs))})
                else:
                    points.append({})
        rows = max(len(strips), 3)
        sub = Region(region.x_mm, region.y_mm + region.height_mm * (1 - len(strips) / rows), region.width_mm,
                     region.height_mm * len(strips) / rows)
        draw_strips(ax, strips, fs, sub, marks=marks, points=points if beats is not None else None, unusable=shade)
        shown = f"{windows[p] / fs:g}–{min(n, windows[min(p + per_page, len(windows)) - 1] + win) / fs:g} s"
        pages.append(_Page(fig, f"25 mm/s   10 mm/mV   {ftxt}   {fs:g} Hz   {shown} of {_duration(n / fs)}",
                           legend=any(m is not None for m in marks), unusable=any(shade),
                           title=f"{len(names)}-lead ECG" if len(names) > 1 else "Single-lead ECG",
                           bottom_mm=sub.y_mm))
    return pages


def _snap_to_peak(x: np.ndarray, idx: np.ndarray, half_width: int) -> np.ndarray:
    """Each beat index moved to the largest deflection of this lead within +-``half_width`` samples.

    The beats are fused over all leads, so a beat's sample sits on the upstroke of a lead
    whose R peak comes a little earlier or later; the dot belongs on that lead's peak.
    """
    if idx.size == 0 or x.size == 0 or half_width < 1:
        return idx
    ref = float(np.median(x))
    out = idx.copy()
    for j, k in enumerate(idx):
        a, b = max(0, int(k) - half_width), min(x.size, int(k) + half_width + 1)
        if a < b:
            out[j] = a + int(np.argmax(np.abs(x[a:b] - ref)))
    return out


def _norm_scale(v: np.ndarray, pitch_mm: float) -> float:
    lo, hi = np.percentile(v, [0.5, 99.5]) if v.size else (0.0, 1.0)
    span = float(hi - lo)
    return 0.6 * pitch_mm / span if span > 0 else 1.0


def _other_pages(report: Any, rec: Recording, kind: str, opts: DisplayOptions, body_only: bool) -> list[_Page]:
    idx = [i for i, c in enumerate(rec.channels) if kind == "other" or c.kind == kind][:3]
    if not idx:
        return []
    fs = rec.fs
    seconds, speed = (5.0, 50.0) if kind == "pcg" else (10.0, 25.0)
    win = round(seconds * fs)
    a0 = round(opts.start_s * fs)
    windows = list(range(a0, rec.n_samples, win))
    per_page = max(1, _ECG_ROWS // len(idx))
    windows = windows[: per_page * opts.max_pages]
    extra = getattr(report, kind, None) or {}
    pts_all = _points(report, extra, kind)
    pages = []
    for p in range(0, len(windows), per_page):
        fig, ax, region = _figure(body_only)
        strips, overlays, points, scales = [], [], [], []
        pitch = region.height_mm / max(3, per_page * len(idx))
        for a in windows[p:p + per_page]:
            for i in idx:
                x = np.asarray(rec.signals[a:a + win, i], dtype=np.float64)
                if x.size:
                    lo, hi = np.percentile(x, [1, 99])
                    x = x - (lo + hi) / 2
                ov = []
                if kind == "pcg" and x.size > 8:
                    env = _envelope(x, fs)
                    ov.append((env, MARK_COLORS["beat"]))
                    ov.append((-env, MARK_COLORS["beat"]))
                strips.append((rec.channels[i].name, x, a / fs))
                overlays.append(ov)
                scales.append(_norm_scale(x, pitch))
                points.append({k: v[(v >= a) & (v < a + win)] - a for k, v in pts_all.items()})
        rows = max(len(strips), 3)
        sub = Region(region.x_mm, region.y_mm + region.height_mm * (1 - len(strips) / rows), region.width_mm,
                     region.height_mm * len(strips) / rows)
        geo = draw_strips(ax, strips, fs, sub, seconds=seconds, mm_per_s=speed, mm_per_unit=scales,
                          baselines_frac=[0.5] * len(strips), grid="plain", calibration=False,
                          overlays=overlays, points=points)
        shaded = kind == "pcg" and _shade_segments(ax, extra, strips, sub, geo, seconds, speed)
        unit = rec.channels[idx[0]].unit or "a.u."
        what = "waveform and Hilbert envelope" if kind == "pcg" else "waveform" + (", beats" if pts_all else "")
        if shaded:
            what += ", shaded S1 (blue) / S2 (green)"
        label = kind.upper() if kind != "other" else "Signal"
        title = {"ppg": "Photoplethysmogram (PPG)", "pcg": "Heart sounds (PCG)"}.get(kind, "Signals")
        pages.append(_Page(fig, f"{label} {what}   {speed:g} mm/s   amplitude normalised ({unit})   "
                                f"{fs:g} Hz", title=title, kind=kind, bottom_mm=sub.y_mm))
    return pages


#: fill colours of heart-sound states in the PCG strips (systole/diastole stay unshaded)
_STATE_COLORS = {"S1": "#9ecae1", "S2": "#b5e0a8"}


def _shade_segments(ax: Any, extra: Mapping[str, Any], strips: list, region: Region, geo: Mapping[str, float],
                    seconds: float, speed: float) -> bool:
    """Shade the S1 and S2 intervals of ``pcg.segments`` behind each PCG strip; True if any."""
    from matplotlib.patches import Rectangle

    segs = extra.get("segments") if isinstance(extra, Mapping) else None
    if not segs:
        return False
    pitch, x0 = float(geo["row_pitch_mm"]), float(geo["trace_x_mm"])
    drawn = False
    for i, (_label, _values, start_s) in enumerate(strips):
        y = region.y_mm + region.height_mm - pitch * (i + 1)
        for seg in segs:
            color = _STATE_COLORS.get(str(seg.get("state", "")).upper())
            if color is None:
                continue
            a = max(float(seg["start_s"]), start_s) - start_s
            b = min(float(seg["end_s"]), start_s + seconds) - start_s
            if b > a:
                ax.add_patch(Rectangle((x0 + a * speed, y + 0.5), (b - a) * speed, pitch - 1.0,
                                       facecolor=color, edgecolor="none", alpha=0.45, zorder=0.5))
                drawn = True
    return drawn


def _points(report: Any, extra: Mapping[str, Any], kind: str) -> dict[str, np.ndarray]:
    """Fiducial sample indices to dot: from the report's ``ppg``/``pcg`` mapping or its beats."""
    out = {}
    for key in ("beats", "peaks", "systolic_peaks", "onsets", "feet", "s1", "s2"):
        v = extra.get(key) if isinstance(extra, Mapping) else None
        if v is not None:
            try:
                arr = np.asarray(v, dtype=np.int64).reshape(-1)
            except (TypeError, ValueError):
                continue
            out["beat" if key in ("beats", "peaks", "systolic_peaks", "s1") else "p"] = arr
    if not out and kind == "ppg":
        b = _beats(report)
        has_ecg = any(c.get("kind") == "ecg" for c in getattr(getattr(report, "recording", None), "channels", ())
                      if isinstance(c, Mapping))
        if b is not None and not has_ecg:
            out["beat"] = b
    return out


def _envelope(x: np.ndarray, fs: float) -> np.ndarray:
    from scipy.signal import butter, hilbert, sosfiltfilt

    env = np.abs(hilbert(x))
    if x.size > 30:
        sos = butter(2, min(20.0, 0.4 * fs), fs=fs, output="sos")
        env = sosfiltfilt(sos, env)
    return np.maximum(env, 0.0)


# -- remote PPG (video) page ------------------------------------------------------------
def _rppg_pages(report: Any, body_only: bool) -> list[_Page]:
    """Pulse waveform, averaged spectrum with the rate marked, and the per-window rate series."""
    res = getattr(report, "rppg_result", None)
    if res is None:
        return []
    fig, _ = new_page(width_mm=_PAGE_W, height_mm=_PAGE_H if not body_only else 150.0)
    h = fig.get_figheight() * 25.4
    top = 1.0 - (50.0 if not body_only else 10.0) / h
    bottom = (24.0 if not body_only else 14.0) / h
    lower = (top - bottom - 0.12) / 2.0
    t = np.arange(res.pulse.size) / res.fs
    ax1 = fig.add_axes((0.06, top - lower, 0.9, lower))
    ax1.plot(t, res.pulse / (np.std(res.pulse) or 1.0), color="#1f4e79", lw=0.8)
    ax1.set_xlabel("time (s)", fontsize=7)
    ax1.set_ylabel("pulse (SD units)", fontsize=7)
    ax1.set_title(f"rPPG pulse ({res.method.upper()}, {res.roi} ROI, {res.fs:g} fps)", fontsize=8, loc="left")
    ax2 = fig.add_axes((0.06, bottom, 0.42, lower))
    band = (res.rate.freqs_hz >= 0.5) & (res.rate.freqs_hz <= 4.5)
    ax2.plot(res.rate.freqs_hz[band] * 60, res.rate.spectrum[band], color="#444444", lw=0.8)
    ax2.axvline(res.heart_rate_bpm, color="#b00000", lw=1.0)
    ax2.set_xlabel("rate (bpm)", fontsize=7)
    ax2.set_ylabel("power (a.u.)", fontsize=7)
    ax2.set_title(f"mean spectrum: {res.heart_rate_bpm:.1f} bpm, SNR {res.rate.snr_db:.1f} dB, "
                  f"quality {res.grade}", fontsize=8, loc="left")
    ax3 = fig.add_axes((0.54, bottom, 0.42, lower))
    ax3.plot(res.rate.times_s, res.rate.series_bpm, "o-", ms=2, lw=0.8, color="#1f4e79")
    ax3.set_xlabel("window centre (s)", fontsize=7)
    ax3.set_ylabel("bpm", fontsize=7)
    ax3.set_title("rate per 10-s window", fontsize=8, loc="left")
    for a in (ax1, ax2, ax3):
        a.tick_params(labelsize=6.5)
        a.grid(alpha=0.3, lw=0.4)
    return [_Page(fig, f"remote PPG from video   {res.pulse.size} frames", title="Remote PPG (video)")]


# -- details page ----------------------------------------------------------------------
def _details_page(report: Any, rec: Recording) -> Figure:
    fig, ax = new_page()
    y = _PAGE_H - 12.0
    ax.text(16.0, y, "Details", fontsize=11.5, fontweight="bold", va="top")
    y -= 9.0
    m = dict(getattr(report, "measurements", None) or {})
    kinds = getattr(getattr(report, "recording", None), "kinds", None)
    ecg = kinds is None or "ecg" in kinds
    ax.text(16.0, y, "Measurements", fontsize=9, fontweight="bold", va="top")
    yy = y - 5.0
    shown = 0
    for k, v in m.items():
        if isinstance(v, Mapping) or isinstance(v, (list, tuple)):
            continue
        if v is None and not ecg:  # ECG intervals and axes mean nothing for a PPG, PCG or video
            continue
        shown += 1
        ax.text(16.0, yy, k, fontsize=7, va="top", color="#444444")
        ax.text(58.0, yy, _fmt(v, nd=1) if isinstance(v, float) else _fmt(v), fontsize=7, va="top")
        yy -= 3.6
        if yy < 14:
            break
    if not shown:
        ax.text(16.0, yy, "none", fontsize=7, va="top", color="#444444")
        yy -= 3.6
    _signal_results(ax, report, yy - 3.0)
    ax.text(90.0, y, "Statements (rule, evidence)", fontsize=9, fontweight="bold", va="top")
    yy = y - 5.0
    if not getattr(report, "statements", None):
        ax.text(90.0, yy, "no interpretation statements", fontsize=7, va="top", color="#444444")
        yy -= 6.0
    statements = list(getattr(report, "statements", ()) or ())
    for n_done, s in enumerate(statements):
        code = f" [SNOMED {s.code}]" if getattr(s, "code", None) else ""
        if yy < 74:  # no room for the rule and evidence of the rest: their titles at least
            rest = statements[n_done:]
            room = max(1, int((yy - 64.0) // 3.5))  # the "more" line takes one line itself
            shown = rest if len(rest) <= room else rest[:max(0, room - 1)]
            for r in shown:
                rc = f" [SNOMED {r.code}]" if getattr(r, "code", None) else ""
                ax.text(90.0, yy, textwrap.shorten(f"• {r.text}{rc}", 110, placeholder="…"), fontsize=7, va="top")
                yy -= 3.5
            if len(shown) < len(rest):
                ax.text(90.0, yy, f"… {len(rest) - len(shown)} more statement(s): rule and evidence in the HTML "
                        "report and the JSON", fontsize=6.5, va="top", color="#444444")
                yy -= 3.5
            break
        for ln in textwrap.wrap(f"• {s.text}{code}", 90):
            ax.text(90.0, yy, ln, fontsize=7, va="top")
            yy -= 3.5
        rule = dict(getattr(s, "criteria", {}) or {}).get("rule")
        ev = ", ".join(f"{k}={evidence_text(v)}" for k, v in dict(getattr(s, "evidence", {}) or {}).items())
        ev_lines = textwrap.wrap(f"evidence: {ev}", 100)
        if len(ev_lines) > 5:  # the whole evidence is in the HTML report and the JSON
            ev_lines = [*ev_lines[:4], textwrap.shorten(ev_lines[4], 96, placeholder="") + " …"]
        for ln in textwrap.wrap(f"rule: {rule}" if rule else "", 100) + ev_lines:
            ax.text(94.0, yy, ln, fontsize=6.3, va="top", color="#444444")
            yy -= 3.2
        yy -= 1.0
    q = getattr(report, "quality", None)
    yy = min(yy - 2.0, 66.0)
    if q is not None:
        ax.text(90.0, yy, f"Signal quality: {q.grade} ({q.method})", fontsize=9, fontweight="bold", va="top")
        yy -= 5.0
        for lq in sorted_leads(q.leads)[:14]:
            issues = ", ".join(lq.issues) or "—"
            ax.text(90.0, yy, display_lead_name(lq.lead), fontsize=6.8, va="top")
            ax.text(104.0, yy, lq.grade, fontsize=6.8, va="top")
            ax.text(124.0, yy, textwrap.shorten(issues, 70, placeholder="…"), fontsize=6.8, va="top",
                    color="#444444")
            yy -= 3.3
    errs = getattr(report, "errors", ()) or ()
    if errs:
        yy -= 2.0
        ax.text(16.0, min(yy, 40.0), "Errors: " + "; ".join(f"{e.stage}: {e.message}" for e in errs)[:180],
                fontsize=6.8, va="top", color="#7a0000")
    return fig


_RESULT_TITLES = {"pcg": "Heart sounds (PCG)", "ppg": "PPG", "rppg": "Video pulse (rPPG)"}


def _signal_results(ax: Axes, report: Any, yy: float) -> float:
    """The scalar entries of the report's ``pcg`` / ``ppg`` / ``rppg`` results under the measurements."""
    for name, title in _RESULT_TITLES.items():
        res = getattr(report, name, None)
        if not isinstance(res, Mapping) or yy < 24:
            continue
        ax.text(16.0, yy, title, fontsize=9, fontweight="bold", va="top")
        yy -= 5.0
        if name in ("ppg", "pcg"):  # the rows of the HTML report, values wrapped
            for label, value in (ppg_rows if name == "ppg" else pcg_rows)(res):
                ax.text(16.0, yy, textwrap.shorten(label, 24, placeholder="…"), fontsize=7, va="top", color="#444444")
                for line in textwrap.wrap(value, 20)[:4] or ["—"]:
                    ax.text(58.0, yy, line, fontsize=7, va="top")
                    yy -= 3.3
                if yy < 14:
                    return yy
            yy -= 3.0
            continue
        for k, v in res.items():
            if isinstance(v, Mapping) and "grade" in v:
                k, v = f"{k} grade", v["grade"]
            if v is None or isinstance(v, (Mapping, list, tuple)):
                continue
            ax.text(16.0, yy, k, fontsize=7, va="top", color="#444444")
            text = f"{v:.3g}" if isinstance(v, float) and abs(v) < 10 else evidence_text(v)  # P 0.206, not 0.2
            ax.text(58.0, yy, textwrap.shorten(text, 28, placeholder="…"), fontsize=7, va="top")
            yy -= 3.6
            if yy < 14:
                return yy
        yy -= 3.0
    return yy


def _crop_empty_bottom(pg: _Page) -> float:
    """Cut the empty grid below the last strip off a screen panel; returns the new bottom (mm).

    The axes keep 1 unit = 1 mm: the figure loses as much height as the y-range.
    """
    if pg.bottom_mm is None or pg.bottom_mm <= _GRID_BODY_ONLY.y_mm + 1.0:
        return 0.0
    ax = pg.fig.axes[0]
    y1 = ax.get_ylim()[1]
    new0 = pg.bottom_mm - _GRID_BODY_ONLY.y_mm
    w_in, _ = pg.fig.get_size_inches()
    ax.set_ylim(new0, y1)
    pg.fig.set_size_inches(w_in, (y1 - new0) / MM_PER_INCH)
    return new0


def build_pages(report: Any, rec: Recording, *, opts: DisplayOptions | None = None,
                body_only: bool = False, details: bool = True) -> list[Figure]:
    """The printable pages (A4 landscape) or, with ``body_only``, just the signal panels."""
    opts = opts or DisplayOptions()
    leads, ftxt = ecg_leads_mv(rec, opts)
    pages: list[_Page] = []
    if leads:
        std = standard_leads(leads)
        if std is not None:
            pages += _twelve_lead_pages(report, std, rec.fs, ftxt, opts, body_only)
        else:
            pages += _ecg_strip_pages(report, leads, rec.fs, ftxt, opts, body_only)
    for kind in ("ppg", "pcg"):
        pages += _other_pages(report, rec, kind, opts, body_only)
    pages += _rppg_pages(report, body_only)
    if not pages:
        pages = _other_pages(report, rec, "other", opts, body_only)
    n_total = len(pages) + (1 if details and not body_only else 0)
    figs = []
    for k, pg in enumerate(pages, start=1):
        ax = pg.fig.axes[0]
        if body_only:
            y0 = _crop_empty_bottom(pg)
            _footer(ax, pg.footer, k, len(pages), y=y0 + 4.0, x=_GRID_BODY_ONLY.x_mm, width=_GRID_BODY_ONLY.width_mm)
            if pg.legend:
                draw_mark_legend(ax, _GRID_BODY_ONLY.x_mm + 150.0, y0 + 4.0)
            if pg.unusable:
                draw_unusable_legend(ax, _GRID_BODY_ONLY.x_mm + 108.0, y0 + 4.0)
        else:
            _header(ax, report, rec, pg.title, pg.kind)
            _footer(ax, pg.footer, k, n_total)
            if pg.legend:
                draw_mark_legend(ax, _GRID.x_mm + 150.0, 8.0)
            if pg.unusable:
                draw_unusable_legend(ax, _GRID.x_mm + 108.0, 8.0)
        figs.append(pg.fig)
    if details and not body_only:
        fig = _details_page(report, rec)
        _footer(fig.axes[0], "", n_total, n_total)
        figs.append(fig)
    return figs

