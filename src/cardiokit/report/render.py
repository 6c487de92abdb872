"""HTML and PDF reports of one analysed recording.

``write_html(report, path)`` writes one self-contained HTML file (the ECG paper as inline
SVG, or a base64 PNG; styles inline; no external resource), ``write_pdf(report, path)``
an A4-landscape PDF: the signal page(s) with header (subject, measurements,
interpretation) and footer (speed, gain, filter), then a details page (every
measurement, the statements with their rules and evidence, per-lead quality).

The signals come from ``recording`` or, by default, ``report.source_recording``; the
delineation markers from ``report.delineation``; beats from ``report.beats``. Page
layouts are described in :mod:`._render_pages` and the paper geometry in :mod:`.paper`.

matplotlib is needed (``pip install 'cardiokit[report]'``); it is imported only here.
"""

from __future__ import annotations

import base64
import html
import io
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._core.errors import InvalidArgumentError, MissingDependencyError
from .._core.recording import Recording
from .model import grade_of

__all__ = [
    "DisplayOptions",
    "render_figures",
    "render_html",
    "render_pdf",
    "write_html",
    "write_pdf",
    "write_png",
]

try:  # matplotlib is an optional dependency (the "report" extra)
    import matplotlib as _mpl  # noqa: F401
except ImportError:  # pragma: no cover - exercised only without the extra
    _HAVE_MPL = False
else:
    _HAVE_MPL = True

if _HAVE_MPL:
    from ._render_pages import DisplayOptions, build_pages
    from ._render_text import (
        display_lead_name,
        evidence_text,
        measurement_rows,
        pcg_rows,
        ppg_rows,
        sorted_leads,
        statement_lines,
        subject_lines,
    )
else:  # pragma: no cover
    DisplayOptions = None  # type: ignore[assignment,misc]

_IMAGE_FORMATS = ("svg", "png")


def _need_mpl() -> None:
    if not _HAVE_MPL:
        raise MissingDependencyError("matplotlib", "HTML/PDF report rendering", extra="report")


def _recording(report: Any, recording: Recording | None) -> Recording:
    rec = recording if recording is not None else getattr(report, "source_recording", None)
    if not isinstance(rec, Recording):
        raise InvalidArgumentError(
            "no signals to draw: pass recording=... or a Report from cardiokit.analyze() "
            "(which keeps its source_recording)"
        )
    return rec


def _holter_only(report: Any, recording: Recording | None) -> bool:
    """A Holter report (chunked analysis of a long recording) drawn from its summary: no signals kept."""
    return (recording is None and getattr(report, "source_recording", None) is None
            and getattr(report, "holter", None) is not None)


def render_figures(report: Any, recording: Recording | None = None, *, options: Any = None,
                   body_only: bool = False) -> list[Any]:
    """The report as matplotlib figures: A4-landscape pages, or only the signal panels.
    A Holter report without its signals gets the summary page (table + heart-rate trend)."""
    _need_mpl()
    if _holter_only(report, recording):
        from .holter import holter_pages

        return holter_pages(report)
    return build_pages(report, _recording(report, recording), opts=options, body_only=body_only)


def render_pdf(report: Any, recording: Recording | None = None, *, options: Any = None) -> bytes:
    """The PDF document (A4 landscape) as bytes."""
    _need_mpl()
    from matplotlib.backends.backend_pdf import PdfPages

    figs = render_figures(report, recording, options=options)
    buf = io.BytesIO()
    meta = {"Title": _title(report), "Creator": "cardiokit", "Producer": "cardiokit (matplotlib)",
            "CreationDate": None}
    with PdfPages(buf, metadata=meta) as pdf:
        for fig in figs:
            pdf.savefig(fig)
    return buf.getvalue()


def write_pdf(report: Any, path: str | os.PathLike[str], *, recording: Recording | None = None,
              options: Any = None) -> Path:
    """Write the PDF report to ``path``; returns the path."""
    p = Path(path)
    data = render_pdf(report, recording, options=options)
    p.write_bytes(data)
    return p


def write_png(report: Any, path: str | os.PathLike[str], *, recording: Recording | None = None,
              page: int = 1, dpi: float = 150.0, options: Any = None) -> Path:
    """Write one printed page (1-based ``page``) as a PNG image, e.g. for previews."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figs = render_figures(report, recording, options=options)
    if not 1 <= page <= len(figs):
        raise InvalidArgumentError(f"page must be between 1 and {len(figs)}; got {page}")
    fig = figs[page - 1]
    FigureCanvasAgg(fig)
    p = Path(path)
    fig.savefig(p, format="png", dpi=dpi)
    return p


# -- HTML ------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1a1a1a;background:#fafafa}
main{max-width:1200px;margin:0 auto;padding:16px 20px 32px}
h1{font-size:1.45rem;margin:.2rem 0 .1rem}h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
.sub{color:#555;font-size:.9rem;margin-bottom:.8rem;word-break:break-all}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px}
.card{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:10px 14px}
table{border-collapse:collapse;font-size:.9rem;width:100%}
th,td{text-align:left;padding:3px 8px 3px 0;vertical-align:top}th{color:#555;font-weight:500;white-space:nowrap}
td.num{font-variant-numeric:tabular-nums}
ul.statements{margin:.2rem 0;padding-left:1.1rem}ul.statements li{margin:.25rem 0}
details{font-size:.8rem;color:#444}summary{cursor:pointer}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:.8rem;background:#eee}
.good{background:#d9f2df}.acceptable{background:#fdf0cf}.unusable{background:#f8d4d4}
.note{color:#7a0000;font-style:italic;font-size:.8rem}
figure{margin:14px 0;background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:6px}
figure svg,figure img{width:100%;height:auto;display:block}
figcaption{font-size:.8rem;color:#555;padding:4px 2px 0}
.errors{color:#7a0000}
footer{color:#777;font-size:.75rem;margin-top:1.5rem}
@media print{body{background:#fff}main{max-width:none}figure,.card{border:none}}
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _title(report: Any) -> str:
    src = getattr(report, "source", None)
    return f"cardiokit report - {Path(str(src)).name}" if src else "cardiokit report"


def _svg(fig: Any) -> str:
    """Inline SVG of a figure: text kept as text, no XML prolog, DTD, metadata or namespaces."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(fig)
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "cardiokit"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    s = buf.getvalue()
    s = s[s.index("<svg"):]
    s = re.sub(r"<metadata>.*?</metadata>", "", s, flags=re.S)
    s = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", s, count=3)
    return s.replace("<svg ", '<svg role="img" ', 1)


def _png_data_uri(fig: Any, dpi: float = 130.0) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _rows(rows: list[tuple[str, str]], cls: str = "") -> str:
    body = "".join(f"<tr><th>{_e(k)}</th><td class='num'>{_e(v)}</td></tr>" for k, v in rows)
    return f"<table class='{cls}'>{body}</table>"


def _statements_html(report: Any) -> str:
    items = []
    for s in getattr(report, "statements", ()) or ():
        code = f" <span class='badge'>SNOMED {_e(s.code)}</span>" if getattr(s, "code", None) else ""
        ev = dict(getattr(s, "evidence", {}) or {})
        cr = dict(getattr(s, "criteria", {}) or {})
        detail = ""
        if ev or cr:
            ev_txt = ", ".join(f"{_e(k)} = {_e(evidence_text(v))}" for k, v in ev.items()) or "—"
            cr_txt = "; ".join(f"{_e(k)}: {_e(_short(v))}" for k, v in cr.items()) or "—"
            detail = f"<details><summary>evidence and rule</summary><div>evidence: {ev_txt}</div><div>{cr_txt}</div></details>"
        items.append(f"<li>{_e(s.text)}{code}{detail}</li>")
    if not items:
        items.append("<li>No interpretation statements.</li>")
    tail = [x for x in statement_lines(report)[len(getattr(report, 'statements', ()) or ()):]]
    extra = f"<p>{_e(tail[0])}</p>" if tail else ""
    return f"<ul class='statements'>{''.join(items)}</ul>{extra}"


def _short(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, Mapping):
        return ", ".join(f"{k}={_short(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return ", ".join(_short(x) for x in v)
    return str(v)


def _quality_html(report: Any) -> str:
    q = getattr(report, "quality", None)
    if q is None:
        return ""
    rows = []
    for lq in sorted_leads(q.leads):
        idx = ", ".join(f"{k} {_short(v)}" for k, v in lq.indices.items() if v is not None)
        rows.append(f"<tr><th>{_e(display_lead_name(lq.lead))}</th><td><span class='badge {_e(lq.grade)}'>{_e(lq.grade)}</span></td>"
                    f"<td>{_e(', '.join(lq.issues) or '—')}</td><td><details><summary>indices</summary>{_e(idx)}"
                    "</details></td></tr>")
    title = "ECG signal quality" if getattr(report, "ppg", None) or getattr(report, "pcg", None) else "Signal quality"
    return (f"<h2>{title} <span class='badge {_e(q.grade)}'>{_e(q.grade)}</span></h2>"
            f"<div class='card'><table><tr><th>lead</th><th>grade</th><th>issues</th><th></th></tr>{''.join(rows)}"
            f"</table><div class='sub'>method {_e(q.method)}</div></div>")


def _grade_badge(grade: Any) -> str:
    return f" <span class='badge {_e(grade)}'>{_e(grade)}</span>" if isinstance(grade, str) else ""


def _ppg_html(report: Any) -> str:
    """The PPG section: quality, pulse rate and PRV, respiration, BP, vascular age, morphology."""
    p = getattr(report, "ppg", None)
    if not isinstance(p, Mapping):
        return ""
    bm = p.get("biomarkers") if isinstance(p.get("biomarkers"), Mapping) else {}
    every = ", ".join(f"{k} {_short(v)}" for k, v in bm.items())
    more = f"<details><summary>all {len(bm)} biomarkers (pyPPG names)</summary>{_e(every)}</details>" if bm else ""
    return (f"<h2>Pulse wave (PPG){_grade_badge(grade_of(p))}</h2><div class='card'>{_rows(ppg_rows(p))}{more}"
            "<div class='sub'>median over the good pulses; BP and vascular age are estimates with 90 % "
            "intervals, not measurements</div></div>")


def _pcg_html(report: Any) -> str:
    """The heart-sound section: class and probability, rate, cycles, quality."""
    p = getattr(report, "pcg", None)
    if not isinstance(p, Mapping):
        return ""
    return f"<h2>Heart sounds (PCG){_grade_badge(grade_of(p))}</h2><div class='card'>{_rows(pcg_rows(p))}</div>"


def render_html(report: Any, recording: Recording | None = None, *, options: Any = None,
                image_format: str = "svg") -> str:
    """The self-contained HTML document (inline SVG or base64 PNG figures) as text."""
    _need_mpl()
    if image_format not in _IMAGE_FORMATS:
        raise InvalidArgumentError(f"image_format must be one of {', '.join(_IMAGE_FORMATS)}; got {image_format!r}")
    if _holter_only(report, recording):
        return _holter_html(report, image_format)
    rec = _recording(report, recording)
    figs = build_pages(report, rec, opts=options, body_only=True, details=False)
    figures = []
    for fig in figs:
        if image_format == "svg":
            figures.append(f"<figure>{_svg(fig)}</figure>")
        else:
            figures.append(f"<figure><img alt='signal page' src='{_png_data_uri(fig)}'></figure>")
    from .. import __version__

    errs = getattr(report, "errors", ()) or ()
    err_html = ("<h2>Errors</h2><ul class='errors'>" + "".join(
        f"<li>{_e(e.stage)}: {_e(e.type)}: {_e(e.message)}</li>" for e in errs) + "</ul>") if errs else ""
    timing = dict(getattr(report, "timing_ms", {}) or {})
    total = timing.get("total")
    kinds = sorted({c.kind for c in rec.channels})
    heading = "ECG report" if kinds == ["ecg"] else f"{' / '.join(k.upper() for k in kinds)} report"
    doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(_title(report))}</title><style>{_CSS}</style></head>
<body><main>
<h1>{_e(heading)}</h1><div class="sub">{_e(getattr(report, 'source', None) or rec.meta.get('source') or '')}</div>
<div class="cards">
<div class="card"><h2>Subject and recording</h2>{_rows(subject_lines(report, rec), 'subject')}</div>
<div class="card"><h2>Measurements</h2>{_rows(measurement_rows(report), 'measurements')}</div>
<div class="card"><h2>Interpretation</h2>{_statements_html(report)}
<div class="note">Unconfirmed computer interpretation: to be reviewed by a qualified clinician.</div></div>
</div>
{''.join(figures)}
{_ppg_html(report)}
{_pcg_html(report)}
{_quality_html(report)}
{err_html}
<footer>cardiokit {_e(__version__)}; report schema {_e(getattr(report, 'schema_version', ''))}
{f'; analysis {total:.1f} ms' if isinstance(total, (int, float)) else ''}.</footer>
</main></body></html>
"""
    return doc


def _holter_html(report: Any, image_format: str) -> str:
    """The HTML page of a Holter report: summary table, heart-rate trend, rhythm and pauses."""
    from .. import __version__
    from .holter import summary_rows, trend_figure

    doc = dict(report.holter)
    fig = trend_figure(doc)
    img = (f"<figure>{_svg(fig)}</figure>" if image_format == "svg"
           else f"<figure><img alt='heart-rate trend' src='{_png_data_uri(fig)}'></figure>")
    events = doc["pauses"]["events"]
    pauses = "".join(f"<tr><td class='num'>{e['start_s'] / 3600:.3f} h</td><td class='num'>{e['duration_s']:.2f} s</td></tr>"
                     for e in events[:50])
    more = f"<div class='sub'>... and {len(events) - 50} more</div>" if len(events) > 50 else ""
    pause_html = (f"<h2>Pauses</h2><div class='card'><table><tr><th>start</th><th>duration</th></tr>{pauses}</table>{more}</div>"
                  if events else "")
    subject = dict(getattr(getattr(report, "recording", None), "subject", None) or {})
    subj = _rows([(k, f"{v:g}" if isinstance(v, float) else str(v)) for k, v in subject.items()],
                 "subject") if subject else "<div class='sub'>—</div>"
    errs = doc.get("errors") or []
    err_html = ("<h2>Chunk errors</h2><ul class='errors'>" + "".join(
        f"<li>{_e(e.get('stage', ''))}: {_e(e.get('message', ''))}</li>" for e in errs) + "</ul>") if errs else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(_title(report))}</title><style>{_CSS}</style></head>
<body><main>
<h1>Holter ECG report</h1><div class="sub">{_e(getattr(report, 'source', None) or doc.get('source') or '')}</div>
<div class="cards">
<div class="card"><h2>Summary</h2>{_rows(summary_rows(doc), 'measurements')}</div>
<div class="card"><h2>Subject</h2>{subj}
<div class="note">Unconfirmed computer analysis: to be reviewed by a qualified clinician.</div></div>
</div>
{img}
{pause_html}
{err_html}
<footer>cardiokit {_e(__version__)}; chunked analysis: {doc['n_chunks']} chunk{'s' if doc['n_chunks'] != 1 else ''} of {doc['chunk_s']:g} s
(overlap {doc['overlap_s']:g} s).</footer>
</main></body></html>
"""


def write_html(report: Any, path: str | os.PathLike[str], *, recording: Recording | None = None,
               options: Any = None, image_format: str = "svg") -> Path:
    """Write the self-contained HTML report to ``path``; returns the path."""
    p = Path(path)
    p.write_text(render_html(report, recording, options=options, image_format=image_format), encoding="utf-8")
    return p
