"""Holter summary: heart-rate trend per minute (rhythm per chunk shaded, pauses marked), the
summary table, and the printable page of a Holter report."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["holter_pages", "summary_rows", "trend_figure", "write_trend_figure"]


def _num(v: Any, nd: int = 0, unit: str = "") -> str:
    return "—" if v is None else f"{v:.{nd}f}{unit}"


def summary_rows(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """The Holter summary as (label, value) rows, as the CLI table and the report print them."""
    hr, hrv, m, p = doc.get("heart_rate") or {}, doc.get("hrv") or {}, doc.get("measurements") or {}, doc["pauses"]
    return [
        ("duration", f"{doc['duration_s'] / 3600:.2f} h, {doc.get('n_channels', '—')} ch, {doc.get('fs', 0):g} Hz"),
        ("beats", f"{doc['n_beats']}" + (f" ({doc['n_beats_unusable']} in unusable stretches: not in the HR or HRV)"
                                          if doc.get("n_beats_unusable") else "")),
        ("heart rate min/mean/max",
         f"{_num(hr.get('min_bpm'))} / {_num(hr.get('mean_bpm'))} / {_num(hr.get('max_bpm'))} bpm (1-min means)"),
        ("SDNN / SDANN / RMSSD",
         f"{_num(hrv.get('sdnn_ms'))} / {_num(hrv.get('sdann_ms'))} / {_num(hrv.get('rmssd_ms'))} ms"),
        ("PR / QRS / QTc",
         f"{_num(m.get('pr_ms'))} / {_num(m.get('qrs_ms'))} / {_num(m.get('qtc_ms'))} ms (chunk medians)"),
        ("rhythm (minutes)", ", ".join(f"{k} {v:g}" for k, v in (doc.get("rhythm_minutes") or {}).items()) or "—"),
        ("AF burden", _num(doc.get("af_burden_pct"), 1, " %")),
        (f"pauses > {p['threshold_s']:g} s",
         f"{p['count']}" + (f" (longest {p['longest_s']:.2f} s)" if p["count"] and p.get("longest_s") else "")
         + _unusable_pauses(p)),
        ("AV block II-III (10-s windows)", _av_block_text(doc.get("av_block_episodes") or [])),
        ("ventricular ectopy", _ectopy_text(doc.get("ectopy") or {}, "ventricular")),
        ("supraventricular ectopy", _ectopy_text(doc.get("ectopy") or {}, "supraventricular")),
        ("signal quality (chunks)", ", ".join(f"{k} {v}" for k, v in (doc.get("quality") or {}).items()) or "—"),
        ("chunk errors", str(len(doc.get("errors") or ()))),
    ]


def _ectopy_text(ect: dict[str, Any], kind: str) -> str:
    """Count, burden, rate per hour, couplets and runs of one class of ectopic beats, and the
    longest and fastest run."""
    e = ect.get(kind)
    if not e:
        return "—"
    if not e["count"]:
        return "none"
    text = (f"{e['count']} beats ({_num(e.get('burden_pct'), 1, ' %')}, {_num(e.get('per_hour'))}/h), "
            f"{e['couplets']} couplets, {e['runs']} runs of >= 3")
    runs = [r for r in ect.get("run_events") or () if r["kind"] == kind]
    if runs:
        rated = [r for r in runs if r.get("rate_bpm")]
        text += f" (longest {max(r['beats'] for r in runs)} beats"
        text += f", fastest {max(r['rate_bpm'] for r in rated):.0f} bpm)" if rated else ")"
    return text


def _av_block_text(eps: list[dict[str, Any]]) -> str:
    """Second- and third-degree AV block episodes: count and minutes per kind, the first one."""
    if not eps:
        return "none found"
    names = {"second_degree_2to1": "2:1", "mobitz1": "Mobitz I", "mobitz2": "Mobitz II",
             "second_degree": "2nd degree", "complete": "complete"}
    per: dict[str, float] = {}
    for e in eps:
        k = names.get(e["av_block"], str(e["av_block"]))
        per[k] = per.get(k, 0.0) + (e["stop_s"] - e["start_s"]) / 60.0
    t = int(eps[0]["start_s"])
    return (", ".join(f"{k} {v:.1f} min" for k, v in per.items())
            + f" in {len(eps)} episode(s), first at {t // 3600}:{t // 60 % 60:02d}:{t % 60:02d}")


def _unusable_pauses(p: dict[str, Any]) -> str:
    """A note on the listed pauses bounded by an unusable stretch (asystole or a lead off?) or
    holding QRS-like complexes (beats the detector missed?)."""
    events = p.get("events") or ()
    n = sum(1 for e in events if e.get("unusable"))
    k = sum(1 for e in events if not e.get("unusable") and (e.get("qrs_like_inside") or 0) > 0)
    notes = ([f"{n} bounded by an unusable stretch"] if n else []) + (
        [f"{k} with QRS-like complexes inside"] if k else [])
    return ", " + ", ".join(notes) + ": check the trace" if notes else ""


def _draw_trend(ax: Any, doc: dict[str, Any], *, title: bool = True) -> None:
    from matplotlib.patches import Patch

    duration_s = float(doc["duration_s"])
    per_s, unit = (1 / 60.0, "min") if duration_s <= 2 * 3600 else (1 / 3600.0, "h")
    colours = {"af": "#f4b6b6", "other": "#f7e3a1", "noisy": "#d9d9d9", "unclassified": "#eeeeee"}
    chunk = doc["chunk_s"] * per_s
    seen: dict[str, str] = {}
    for i, label in enumerate(doc["rhythm_per_chunk"]):
        if label in colours:
            ax.axvspan(i * chunk, min((i + 1) * chunk, duration_s * per_s), color=colours[label], lw=0)
            seen[label] = colours[label]
    end_min = duration_s / 60.0  # the last minute may be partial: its point at the middle of what there is
    t = [(m["minute"] + min(end_min, m["minute"] + 1.0)) / 2.0 * 60.0 * per_s
         for m in doc["hr_trend"] if m["hr_bpm"] is not None]
    hr = [m["hr_bpm"] for m in doc["hr_trend"] if m["hr_bpm"] is not None]
    ax.plot(t, hr, color="#1f4e79", lw=0.8, marker="o" if len(hr) <= 60 else None, ms=2.5)
    if hr:  # at least 40 bpm of axis: a steady rate must look steady
        mid, half = (max(hr) + min(hr)) / 2.0, max((max(hr) - min(hr)) / 2.0 * 1.15, 20.0)
        ax.set_ylim(max(0.0, mid - half), mid + half)
    def _check(e: dict[str, Any]) -> bool:  # QRS-like complexes inside: missed beats, perhaps
        return not e.get("unusable") and (e.get("qrs_like_inside") or 0) > 0

    for e in doc["pauses"]["events"]:
        ax.axvline(e["start_s"] * per_s, color="#e08000" if _check(e) else "#b00000", lw=0.8, ls=":")
    ax.set_xlim(0, duration_s * per_s)
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("heart rate (bpm, 1-min mean)")
    ax.grid(alpha=0.3, lw=0.4)
    hrs = doc.get("heart_rate") or {}
    p = doc["pauses"]
    pauses = f"{p['count']} pause{'s' if p['count'] != 1 else ''} > {p['threshold_s']:g} s"
    if title:
        ax.set_title(f"{Path(doc['source']).name}: {doc['n_beats']} beats, HR {_num(hrs.get('min_bpm'))}/"
                     f"{_num(hrs.get('mean_bpm'))}/{_num(hrs.get('max_bpm'))} bpm (min/mean/max), AF burden "
                     f"{_num(doc['af_burden_pct'], 1, ' %')}, {pauses}", loc="left", fontsize=10)
    handles = [Patch(color=c, label=k) for k, c in seen.items()]
    if p["events"]:
        from matplotlib.lines import Line2D

        if any(not _check(e) for e in p["events"]):
            handles.append(Line2D([], [], color="#b00000", ls=":", label=f"pause > {p['threshold_s']:g} s"))
        if any(_check(e) for e in p["events"]):
            handles.append(Line2D([], [], color="#e08000", ls=":", label="pause with QRS-like complexes inside"))
    if handles:
        ax.legend(handles=handles, loc="upper right", fontsize=8)


def trend_figure(doc: dict[str, Any]) -> Any:
    """The trend figure of a Holter summary (``HolterSummary.to_dict()``) as a matplotlib Figure.

    Time runs in minutes up to 2 h of recording, in hours beyond; each 1-min mean is drawn
    at the middle of its minute (of the part recorded, for the last one).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11.69, 4.2))
    _draw_trend(fig.add_axes((0.07, 0.16, 0.9, 0.72)), doc)
    return fig


def holter_pages(report: Any) -> list[Any]:
    """The printable page (A4 landscape) of a Holter report (a Report whose ``holter`` holds
    the summary): title, subject, the summary table and the heart-rate trend."""
    from matplotlib.figure import Figure

    doc = dict(report.holter)
    fig = Figure(figsize=(11.69, 8.27))
    fig.text(0.05, 0.95, "Holter ECG report", fontsize=16, weight="bold", va="top")
    fig.text(0.05, 0.915, str(getattr(report, "source", None) or doc.get("source") or ""), fontsize=9,
             color="#555555", va="top")
    subject = dict(getattr(getattr(report, "recording", None), "subject", None) or {})
    if subject:
        fig.text(0.05, 0.89, "subject: " + ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}"
                                                  for k, v in subject.items()), fontsize=9, va="top")
    y = 0.85
    for label, value in summary_rows(doc):
        fig.text(0.05, y, label, fontsize=10, weight="bold", va="top")
        fig.text(0.30, y, value, fontsize=10, va="top")
        y -= 0.03
    _draw_trend(fig.add_axes((0.07, 0.08, 0.88, 0.38)), doc, title=False)
    from .. import __version__

    fig.text(0.05, 0.015, f"cardiokit {__version__}; chunked analysis ({doc['n_chunks']} chunk{'s' if doc['n_chunks'] != 1 else ''} of "
             f"{doc['chunk_s']:g} s). Unconfirmed computer analysis: to be reviewed by a qualified clinician.",
             fontsize=8, color="#555555")
    return [fig]


def write_trend_figure(doc: dict[str, Any], path: Path) -> None:
    """Heart-rate trend per minute with the rhythm of each chunk shaded and pauses marked (PNG/PDF/SVG)."""
    fig = trend_figure(doc)
    tmp = path.with_name(path.name + ".tmp")
    fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=150)
    os.replace(tmp, path)
