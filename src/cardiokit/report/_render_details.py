"""The details page of a printed report: every scalar measurement, the PPG / PCG / rPPG
results, each interpretation statement with its rule and evidence, and per-lead quality."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._core.recording import Recording
from ._render_text import _fmt, display_lead_name, evidence_text, pcg_rows, ppg_rows, sorted_leads
from .paper import A4_LANDSCAPE_MM, new_page

_PAGE_H = A4_LANDSCAPE_MM[1]


def _details_page(report: Any, rec: Recording) -> Figure:
    """The details page (A4 landscape, no footer: the caller numbers the pages)."""
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
