"""Holter summary figure: heart-rate trend per minute, rhythm per chunk shaded, pauses marked."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["write_trend_figure"]


def _num(v: Any, nd: int = 0, unit: str = "") -> str:
    return "—" if v is None else f"{v:.{nd}f}{unit}"


def write_trend_figure(doc: dict[str, Any], path: Path) -> None:
    """Heart-rate trend per minute with the rhythm of each chunk shaded and pauses marked (PNG/PDF/SVG)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    fig = Figure(figsize=(11.69, 4.2))
    ax = fig.add_axes((0.07, 0.16, 0.9, 0.72))
    colours = {"af": "#f4b6b6", "other": "#f7e3a1", "noisy": "#d9d9d9", "unclassified": "#eeeeee"}
    chunk_h = doc["chunk_s"] / 3600.0
    seen: dict[str, str] = {}
    for i, label in enumerate(doc["rhythm_per_chunk"]):
        if label in colours:
            ax.axvspan(i * chunk_h, min((i + 1) * chunk_h, doc["duration_s"] / 3600.0), color=colours[label], lw=0)
            seen[label] = colours[label]
    t = [m["minute"] / 60.0 for m in doc["hr_trend"] if m["hr_bpm"] is not None]
    hr = [m["hr_bpm"] for m in doc["hr_trend"] if m["hr_bpm"] is not None]
    ax.plot(t, hr, color="#1f4e79", lw=0.8)
    for e in doc["pauses"]["events"]:
        ax.axvline(e["start_s"] / 3600.0, color="#b00000", lw=0.8, ls=":")
    ax.set_xlim(0, doc["duration_s"] / 3600.0)
    ax.set_xlabel("time (h)")
    ax.set_ylabel("heart rate (bpm, 1-min mean)")
    ax.grid(alpha=0.3, lw=0.4)
    ax.set_title(f"{Path(doc['source']).name}: {doc['n_beats']} beats, AF burden "
                 f"{_num(doc['af_burden_pct'], 1, ' %')}, {doc['pauses']['count']} pause(s)", loc="left", fontsize=10)
    handles = [Patch(color=c, label=k) for k, c in seen.items()]
    if doc["pauses"]["events"]:
        from matplotlib.lines import Line2D

        handles.append(Line2D([], [], color="#b00000", ls=":", label=f"pause > {doc['pauses']['threshold_s']:g} s"))
    if handles:
        ax.legend(handles=handles, loc="upper right", fontsize=8)
    tmp = path.with_name(path.name + ".tmp")
    fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=150)
    os.replace(tmp, path)
