"""Holter summary figure: heart-rate trend per minute, rhythm per chunk shaded, pauses marked."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["trend_figure", "write_trend_figure"]


def _num(v: Any, nd: int = 0, unit: str = "") -> str:
    return "—" if v is None else f"{v:.{nd}f}{unit}"


def trend_figure(doc: dict[str, Any]) -> Any:
    """The trend figure of a Holter summary (``HolterSummary.to_dict()``) as a matplotlib Figure.

    Time runs in minutes up to 2 h of recording, in hours beyond; each 1-min mean is drawn
    at the middle of its minute (of the part recorded, for the last one).
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    duration_s = float(doc["duration_s"])
    per_s, unit = (1 / 60.0, "min") if duration_s <= 2 * 3600 else (1 / 3600.0, "h")
    fig = Figure(figsize=(11.69, 4.2))
    ax = fig.add_axes((0.07, 0.16, 0.9, 0.72))
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
    for e in doc["pauses"]["events"]:
        ax.axvline(e["start_s"] * per_s, color="#b00000", lw=0.8, ls=":")
    ax.set_xlim(0, duration_s * per_s)
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("heart rate (bpm, 1-min mean)")
    ax.grid(alpha=0.3, lw=0.4)
    hrs = doc.get("heart_rate") or {}
    p = doc["pauses"]
    pauses = f"{p['count']} pause{'s' if p['count'] != 1 else ''} > {p['threshold_s']:g} s"
    ax.set_title(f"{Path(doc['source']).name}: {doc['n_beats']} beats, HR {_num(hrs.get('min_bpm'))}/"
                 f"{_num(hrs.get('mean_bpm'))}/{_num(hrs.get('max_bpm'))} bpm (min/mean/max), AF burden "
                 f"{_num(doc['af_burden_pct'], 1, ' %')}, {pauses}", loc="left", fontsize=10)
    handles = [Patch(color=c, label=k) for k, c in seen.items()]
    if p["events"]:
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], color="#b00000", ls=":", label=f"pause > {p['threshold_s']:g} s"))
    if handles:
        ax.legend(handles=handles, loc="upper right", fontsize=8)
    return fig


def write_trend_figure(doc: dict[str, Any], path: Path) -> None:
    """Heart-rate trend per minute with the rhythm of each chunk shaded and pauses marked (PNG/PDF/SVG)."""
    fig = trend_figure(doc)
    tmp = path.with_name(path.name + ".tmp")
    fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=150)
    os.replace(tmp, path)
