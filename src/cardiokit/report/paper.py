"""ECG paper: millimetre grid, traces at 25 mm/s and 10 mm/mV, calibration pulses, layouts.

Everything is drawn on one axes that covers the whole page with **1 data unit = 1 mm**
(:func:`new_page`), so positions on paper are exact whatever the output (PDF, SVG, PNG).
The standard 12-lead layout (:func:`draw_twelve_lead`) follows the AHA/ACC/HRS
recommendations: 3 x 4 leads of 2.5 s (I, II, III / aVR, aVL, aVF / V1-V3 / V4-V6, each
column a consecutive 2.5-s window of the same 10 s), a 10-s lead II rhythm strip,
a 1 mV x 200 ms calibration pulse at the start of each row, lead labels and short
separator lines where the leads change.

Reference: Kligfield P et al. Recommendations for the standardization and interpretation
of the electrocardiogram, part I. Circulation 115:1306-1324, 2007.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

__all__ = [
    "A4_LANDSCAPE_MM",
    "GRID_MAJOR_COLOR",
    "GRID_MINOR_COLOR",
    "MARK_COLORS",
    "MM_PER_INCH",
    "STANDARD_LAYOUT",
    "Region",
    "draw_calibration",
    "draw_grid",
    "draw_mark_legend",
    "draw_median_beats",
    "draw_strips",
    "draw_trace",
    "draw_twelve_lead",
    "draw_unusable_legend",
    "new_page",
]

MM_PER_INCH = 25.4
A4_LANDSCAPE_MM = (297.0, 210.0)
GRID_MINOR_COLOR = "#f5bcbc"
GRID_MAJOR_COLOR = "#e06666"
PLAIN_MINOR_COLOR = "#e4e4e4"
PLAIN_MAJOR_COLOR = "#b8b8b8"
TRACE_COLOR = "#101010"
#: Marker colours of the delineation (P, QRS, T) and of beats.
MARK_COLORS = {"p": "#1f5fbf", "qrs": "#0a8a3a", "t": "#8a2be2", "beat": "#d46a00", "blocked_p": "#d62728"}
#: 3 rows x 4 columns of the standard printout, by column.
STANDARD_LAYOUT = (("I", "II", "III"), ("aVR", "aVL", "aVF"), ("V1", "V2", "V3"), ("V4", "V5", "V6"))
_PT_PER_MM = 72.0 / MM_PER_INCH


@dataclass(frozen=True)
class Region:
    """A rectangle on the page in mm (origin bottom-left)."""

    x_mm: float
    y_mm: float
    width_mm: float
    height_mm: float


def new_page(*, width_mm: float = A4_LANDSCAPE_MM[0], height_mm: float = A4_LANDSCAPE_MM[1]) -> tuple[Figure, Axes]:
    """A figure of the given paper size and an axes over all of it in mm (1 unit = 1 mm)."""
    fig = Figure(figsize=(width_mm / MM_PER_INCH, height_mm / MM_PER_INCH))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0.0, width_mm)
    ax.set_ylim(0.0, height_mm)
    ax.set_axis_off()
    ax.set_autoscale_on(False)
    return fig, ax


def draw_grid(ax: Axes, region: Region, *, style: str = "ecg") -> None:
    """1-mm and 5-mm grid over ``region`` (``style`` "ecg": pink/red, "plain": grey)."""
    minor_c, major_c = (GRID_MINOR_COLOR, GRID_MAJOR_COLOR) if style == "ecg" else (PLAIN_MINOR_COLOR, PLAIN_MAJOR_COLOR)
    x0, y0, w, h = region.x_mm, region.y_mm, region.width_mm, region.height_mm
    xs = x0 + np.arange(0, round(w) + 1, dtype=float)
    ys = y0 + np.arange(0, round(h) + 1, dtype=float)
    for major, color, lw_mm, z in ((False, minor_c, 0.09, 0.1), (True, major_c, 0.22, 0.2)):
        kx = [x for x in xs if (round(x - x0) % 5 == 0) == major]
        ky = [y for y in ys if (round(y - y0) % 5 == 0) == major]
        segs = [((x, y0), (x, y0 + h)) for x in kx] + [((x0, y), (x0 + w, y)) for y in ky]
        ax.add_collection(LineCollection(segs, colors=color, linewidths=lw_mm * _PT_PER_MM, zorder=z,
                                         gid="grid-major" if major else "grid-minor"))


def _decimate(x: np.ndarray, per_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """Sample positions and values, min/max-decimated to >= 8 points per mm (peaks kept)."""
    idx = np.arange(x.size, dtype=float)
    step = int(per_mm // 4)
    if step < 2 or x.size < 4 * step:
        return idx, x
    m = x.size // step * step
    blocks = x[:m].reshape(-1, step)
    lo, hi = blocks.argmin(axis=1), blocks.argmax(axis=1)
    first, second = np.minimum(lo, hi), np.maximum(lo, hi)
    base = np.arange(blocks.shape[0]) * step
    pos = np.column_stack([base + first, base + second]).ravel()
    pos = np.unique(np.r_[0, pos, np.arange(m, x.size), x.size - 1])  # keep both ends exactly
    return pos.astype(float), x[pos]


def draw_trace(
    ax: Axes,
    x_mm: float,
    baseline_mm: float,
    values: np.ndarray,
    fs: float,
    *,
    mm_per_s: float = 25.0,
    mm_per_unit: float = 10.0,
    color: str = TRACE_COLOR,
    linewidth_mm: float = 0.28,
    gid: str | None = None,
    clip: Region | None = None,
) -> None:
    """A signal drawn from ``x_mm`` at ``mm_per_s`` with ``mm_per_unit`` mm per unit (mV).

    With ``clip`` the trace is cut at that rectangle (the paper), as a printer would: a
    lead-off step or a filter transient must not run over the header or other text.
    """
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return
    pos, val = _decimate(v, fs / mm_per_s)
    (line,) = ax.plot(x_mm + pos / fs * mm_per_s, baseline_mm + val * mm_per_unit, color=color,
                      linewidth=linewidth_mm * _PT_PER_MM, solid_joinstyle="round", zorder=3, gid=gid)
    _clip(ax, line, clip)


def _clip(ax: Axes, artist: Any, region: Region | None) -> None:
    if region is not None:
        from matplotlib.patches import Rectangle

        artist.set_clip_path(Rectangle((region.x_mm, region.y_mm), region.width_mm, region.height_mm,
                                       transform=ax.transData))


def draw_calibration(ax: Axes, x_mm: float, baseline_mm: float, *, mm_per_s: float = 25.0,
                     mm_per_mv: float = 10.0, linewidth_mm: float = 0.28) -> None:
    """The 1 mV x 200 ms calibration pulse, starting 1 mm after ``x_mm``."""
    w = 0.2 * mm_per_s
    xs = x_mm + np.array([0.0, 1.0, 1.0, 1.0 + w, 1.0 + w, 2.0 + w])
    ys = baseline_mm + np.array([0.0, 0.0, mm_per_mv, mm_per_mv, 0.0, 0.0])
    ax.plot(xs, ys, color=TRACE_COLOR, linewidth=linewidth_mm * _PT_PER_MM, zorder=3, gid="calibration",
            solid_joinstyle="miter")


def _label_width_mm(text: str, *, size: float = 8.5) -> float:
    """Approximate width of a bold lead label (0.62 em per character), its box and offset."""
    return len(text) * 0.62 * size * 25.4 / 72.0 + 2.7


def _label(ax: Axes, x: float, y: float, text: str, *, size: float = 8.5) -> None:
    ax.text(x, y, text, fontsize=size, fontweight="bold", ha="left", va="bottom", zorder=2.5, color="#000000",
            bbox={"boxstyle": "square,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.75})


def _clear_label_y(values: np.ndarray | None, fs: float, base: float, *, mm_per_s: float, mm_per_unit: float,
                   width_mm: float, low: float, high: float) -> float:
    """Lowest label baseline in ``[low, high]`` clear of the trace's first ``width_mm``.

    The label sits 1 mm above the highest point of the trace under it; where the trace
    rises too high for the row, the label takes the top of the row (``high``).
    """
    if values is None or values.size == 0:
        return low
    k = max(1, math.ceil(width_mm / mm_per_s * fs))
    head = np.asarray(values[:k], dtype=float)
    head = head[np.isfinite(head)]
    if head.size == 0:
        return low
    return float(min(max(low, base + float(head.max()) * mm_per_unit + 1.0), high))


def _marks(
    ax: Axes, marks: Mapping[str, np.ndarray] | None, *, t0_s: float, t1_s: float, x_mm: float, y_mm: float,
    mm_per_s: float, fs: float, height_mm: float = 2.5,
) -> None:
    """Short vertical ticks at delineation boundaries (``p``, ``qrs``, ``t``: (n, 2) on/off samples);
    ``blocked_p``: taller red ticks at the P waves an AV block did not conduct."""
    if not marks:
        return
    for wave, arr in marks.items():
        a = np.asarray(arr, dtype=float).reshape(-1)
        a = a[(a >= 0) & (a >= t0_s * fs) & (a < t1_s * fs)]
        if a.size == 0:
            continue
        xs = x_mm + (a / fs - t0_s) * mm_per_s
        h = height_mm * (1.8 if wave == "blocked_p" else 1.0)
        segs = [((x, y_mm), (x, y_mm + h)) for x in xs]
        ax.add_collection(LineCollection(segs, colors=MARK_COLORS.get(wave, "#444444"),
                                         linewidths=0.3 * _PT_PER_MM, zorder=4, gid=f"marks-{wave}"))


#: fill of the stretches graded unusable (left out of the measurements)
UNUSABLE_COLOR = "#9a9a9a"


def _shade(ax: Axes, spans: Sequence[tuple[float, float]] | None, *, t0_s: float, t1_s: float, x_mm: float,
           y_mm: float, height_mm: float, mm_per_s: float) -> None:
    """Grey boxes over the parts of ``spans`` (start, stop in s) inside ``t0_s..t1_s`` of a trace
    drawn from ``x_mm`` (behind the trace)."""
    from matplotlib.patches import Rectangle

    for a, b in spans or ():
        lo, hi = max(a, t0_s), min(b, t1_s)
        if hi > lo:
            ax.add_patch(Rectangle((x_mm + (lo - t0_s) * mm_per_s, y_mm), (hi - lo) * mm_per_s, height_mm,
                                   facecolor=UNUSABLE_COLOR, alpha=0.28, edgecolor="none", zorder=1.5,
                                   gid="unusable"))


def draw_unusable_legend(ax: Axes, x_mm: float, y_mm: float, *, size: float = 6.5) -> None:
    """Key of the grey boxes over unusable stretches."""
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((x_mm, y_mm - 1.2), 4.0, 2.4, facecolor=UNUSABLE_COLOR, alpha=0.28, edgecolor="none"))
    ax.text(x_mm + 5.0, y_mm, "unusable, not measured", fontsize=size, va="center", ha="left",
            color="#555555")


def draw_mark_legend(ax: Axes, x_mm: float, y_mm: float, *, size: float = 6.5, blocked: bool = False) -> None:
    """Colour key of the delineation ticks (P, QRS, T onset/offset; ``blocked``: and the
    blocked P waves of an AV block)."""
    ax.text(x_mm, y_mm, "marks (onset | offset):", fontsize=size, va="center", ha="left", color="#555555")
    x = x_mm + 30.0
    for wave, label in (("p", "P"), ("qrs", "QRS"), ("t", "T"), *((("blocked_p", "blocked P"),) if blocked else ())):
        ax.plot([x, x], [y_mm - 1.2, y_mm + 1.2], color=MARK_COLORS[wave], linewidth=0.5 * _PT_PER_MM)
        ax.text(x + 1.0, y_mm, label, fontsize=size, va="center", ha="left", color=MARK_COLORS[wave])
        x += 4.0 + 2.0 * len(label)


def draw_twelve_lead(
    ax: Axes,
    leads: Mapping[str, np.ndarray],
    fs: float,
    region: Region,
    *,
    rhythm_lead: str = "II",
    start_s: float = 0.0,
    marks: Mapping[str, np.ndarray] | None = None,
    mm_per_s: float = 25.0,
    mm_per_mv: float = 10.0,
    unusable: Mapping[str, Sequence[tuple[float, float]]] | None = None,
) -> dict[str, float]:
    """The standard 3 x 4 + rhythm layout on ECG paper filling ``region``.

    ``leads`` maps standard lead names to mV arrays (missing leads stay blank); ``marks``
    maps ``p``/``qrs``/``t`` to boundary sample indices (drawn under the rhythm strip);
    ``unusable`` maps lead names to (start, stop) spans in s of the arrays, shaded grey.
    Returns the geometry used (``trace_x_mm``, ``strip_width_mm``, ``row_pitch_mm``...).
    """
    draw_grid(ax, region)
    cal_w = 0.2 * mm_per_s + 2.0
    x_trace = region.x_mm + round(cal_w + 3.0)
    seg_s = 2.5
    strip_s = 4 * seg_s
    pitch = region.height_mm / 4.0
    rows = [region.y_mm + region.height_mm - pitch * (i + 0.62) for i in range(4)]
    a0 = round(start_s * fs)
    for r in range(3):
        base = rows[r]
        draw_calibration(ax, region.x_mm + 2.0, base, mm_per_s=mm_per_s, mm_per_mv=mm_per_mv)
        for c in range(4):
            name = STANDARD_LAYOUT[c][r]
            x = x_trace + c * seg_s * mm_per_s
            a = a0 + round(c * seg_s * fs)
            b = a0 + round((c + 1) * seg_s * fs)
            sig = leads.get(name)
            if sig is not None and a < sig.size:
                draw_trace(ax, x, base, sig[a:min(b, sig.size)], fs, mm_per_s=mm_per_s, mm_per_unit=mm_per_mv,
                           gid=f"lead-{name}", clip=region)
            if unusable and unusable.get(name):
                _shade(ax, unusable[name], t0_s=(a - a0) / fs + start_s, t1_s=(b - a0) / fs + start_s, x_mm=x,
                       y_mm=base - 0.38 * pitch, height_mm=pitch, mm_per_s=mm_per_s)
            seg = sig[a:min(b, sig.size)] if sig is not None and a < sig.size else None
            _label(ax, x + 1.2, _clear_label_y(seg, fs, base, mm_per_s=mm_per_s, mm_per_unit=mm_per_mv,
                                               width_mm=_label_width_mm(name), low=base + 6.5,
                                               high=base + 0.62 * pitch - 4.5), name)
            if c > 0:
                ax.plot([x, x], [base - 3.0, base + 3.0], color=TRACE_COLOR, linewidth=0.3 * _PT_PER_MM,
                        zorder=3, gid="separator")
    base = rows[3]
    draw_calibration(ax, region.x_mm + 2.0, base, mm_per_s=mm_per_s, mm_per_mv=mm_per_mv)
    sig = leads.get(rhythm_lead)
    seg = None
    if sig is not None:
        seg = sig[a0:a0 + round(strip_s * fs)]
        draw_trace(ax, x_trace, base, seg, fs, mm_per_s=mm_per_s, mm_per_unit=mm_per_mv, gid="rhythm", clip=region)
    if unusable and unusable.get(rhythm_lead):
        _shade(ax, unusable[rhythm_lead], t0_s=start_s, t1_s=start_s + strip_s, x_mm=x_trace,
               y_mm=base - 0.38 * pitch, height_mm=pitch, mm_per_s=mm_per_s)
    _label(ax, x_trace + 1.2, _clear_label_y(seg, fs, base, mm_per_s=mm_per_s, mm_per_unit=mm_per_mv,
                                             width_mm=_label_width_mm(rhythm_lead), low=base + 6.5,
                                             high=base + 0.62 * pitch - 4.5), rhythm_lead)
    _marks(ax, marks, t0_s=start_s, t1_s=start_s + strip_s, x_mm=x_trace, y_mm=region.y_mm + 1.0,
           mm_per_s=mm_per_s, fs=fs)
    return {"trace_x_mm": float(x_trace), "strip_width_mm": strip_s * mm_per_s, "row_pitch_mm": pitch,
            "segment_width_mm": seg_s * mm_per_s, "rhythm_baseline_mm": base}


def draw_median_beats(
    ax: Axes,
    beats: Mapping[str, np.ndarray],
    fs: float,
    r_index: int,
    region: Region,
    *,
    lines: Mapping[str, Sequence[int]] | None = None,
    mm_per_s: float = 50.0,
    mm_per_mv: float = 10.0,
    columns: int = 4,
) -> dict[str, float]:
    """Median beats (mV, R peak at sample ``r_index``) in cells of ``columns`` per row on ECG
    paper filling ``region``: the 12 standard leads in the 3 x 4 order of the printout,
    other leads in their order. Each cell's R peak sits at the same distance from the
    cell's left edge, so a vertical line through one R peak runs through all of them.
    ``lines`` maps ``p``/``qrs``/``t`` to window sample indices of boundaries drawn across
    every cell (the global onsets and offsets the intervals are measured between).
    Returns the geometry (``r_x_mm`` of the first column, ``cell_width_mm``, ``row_pitch_mm``,
    ``bottom_mm`` of the paper drawn).
    """
    names = list(beats)
    if set(STANDARD_LAYOUT[0] + STANDARD_LAYOUT[1] + STANDARD_LAYOUT[2] + STANDARD_LAYOUT[3]) <= set(names):
        order = [[STANDARD_LAYOUT[c][r] for c in range(4)] for r in range(3)]
    else:
        order = [names[i:i + columns] for i in range(0, len(names), columns)]
    rows = max(len(order), 3)
    pitch = region.height_mm / rows
    # fewer than 3 rows (1-8 leads): paper for the rows drawn only, at the top of the region
    draw_grid(ax, Region(region.x_mm, region.y_mm + region.height_mm - len(order) * pitch, region.width_mm,
                         len(order) * pitch))
    cal_w = round(0.2 * mm_per_s + 5.0)
    cell_w = (region.width_mm - cal_w) / columns
    n = max((v.size for v in beats.values()), default=0)
    lead_in_mm = max(0.0, (cell_w - n / fs * mm_per_s) / 2.0)  # the window centred in its cell
    for r, row in enumerate(order):
        top = region.y_mm + region.height_mm - pitch * r
        base = top - 0.5 * pitch
        draw_calibration(ax, region.x_mm + 2.0, base, mm_per_s=mm_per_s, mm_per_mv=mm_per_mv)
        for c, name in enumerate(row):
            x = region.x_mm + cal_w + c * cell_w
            cell = Region(x, top - pitch, cell_w, pitch)
            for wave, idx in (lines or {}).items():
                xs = [x + lead_in_mm + i / fs * mm_per_s for i in idx if 0 <= i < n]
                segs = [((v, cell.y_mm + 1.0), (v, top - 6.0)) for v in xs]
                ax.add_collection(LineCollection(segs, colors=MARK_COLORS.get(wave, "#444444"), linestyles="dashed",
                                                 linewidths=0.25 * _PT_PER_MM, zorder=2.5, gid=f"median-lines-{wave}"))
            draw_trace(ax, x + lead_in_mm, base, beats[name], fs, mm_per_s=mm_per_s, mm_per_unit=mm_per_mv,
                       gid=f"median-{name}", clip=cell)
            _label(ax, x + 1.2, top - 4.5, name)
    return {"r_x_mm": region.x_mm + cal_w + lead_in_mm + r_index / fs * mm_per_s, "cell_width_mm": cell_w,
            "row_pitch_mm": pitch, "bottom_mm": region.y_mm + region.height_mm - len(order) * pitch}


def draw_strips(
    ax: Axes,
    strips: Sequence[tuple[str, np.ndarray, float]],
    fs: float,
    region: Region,
    *,
    seconds: float = 10.0,
    mm_per_s: float = 25.0,
    mm_per_unit: Sequence[float] | float = 10.0,
    baselines_frac: Sequence[float] | None = None,
    grid: str = "ecg",
    calibration: bool = True,
    overlays: Sequence[Sequence[tuple[np.ndarray, str]]] | None = None,
    points: Sequence[Mapping[str, np.ndarray]] | None = None,
    marks: Sequence[Mapping[str, np.ndarray] | None] | None = None,
    unusable: Sequence[Sequence[tuple[float, float]] | None] | None = None,
) -> dict[str, float]:
    """Rows of ``(label, values, start_s)`` strips of ``seconds`` each, stacked in ``region``.

    ``mm_per_unit`` sets the vertical scale of each row (10 mm/mV for ECG); ``overlays``
    gives extra ``(values, colour)`` curves per row (e.g. a PCG envelope); ``points``
    maps a colour name of :data:`MARK_COLORS` to sample indices to dot on each row's trace;
    ``marks`` gives delineation ticks per row; ``unusable`` per row the (start, stop) spans in s
    of the row's values to shade grey.
    """
    draw_grid(ax, region, style=grid)
    n = len(strips)
    if n == 0:
        return {}
    pitch = region.height_mm / n
    scales = [float(mm_per_unit)] * n if np.isscalar(mm_per_unit) else [float(s) for s in mm_per_unit]  # type: ignore[arg-type]
    x_trace = region.x_mm + (round(0.2 * mm_per_s + 5.0) if calibration else 2.0)
    for i, (label, values, start_s) in enumerate(strips):
        frac = 0.45 if baselines_frac is None else baselines_frac[i]
        base = region.y_mm + region.height_mm - pitch * (i + 1) + pitch * frac
        if calibration:
            draw_calibration(ax, region.x_mm + 2.0, base, mm_per_s=mm_per_s, mm_per_mv=scales[i])
        v = np.asarray(values, dtype=float)
        draw_trace(ax, x_trace, base, v, fs, mm_per_s=mm_per_s, mm_per_unit=scales[i], gid=f"strip-{i}",
                   clip=region)
        if unusable and unusable[i]:
            _shade(ax, unusable[i], t0_s=0.0, t1_s=min(seconds, v.size / fs), x_mm=x_trace,
                   y_mm=base - pitch * frac, height_mm=pitch, mm_per_s=mm_per_s)
        for ov, color in (overlays[i] if overlays else ()):
            draw_trace(ax, x_trace, base, ov, fs, mm_per_s=mm_per_s, mm_per_unit=scales[i], color=color,
                       linewidth_mm=0.35, gid=f"overlay-{i}", clip=region)
        if points and points[i]:
            for cname, idx in points[i].items():
                k = np.asarray(idx, dtype=np.int64)
                k = k[(k >= 0) & (k < v.size)]
                if k.size:
                    (dots,) = ax.plot(x_trace + k / fs * mm_per_s, base + v[k] * scales[i], "o", ms=2.2,
                                      color=MARK_COLORS.get(cname, cname), zorder=4, gid=f"points-{cname}")
                    _clip(ax, dots, region)
        if marks and marks[i]:
            _marks(ax, marks[i], t0_s=0.0, t1_s=seconds, x_mm=x_trace, y_mm=base - pitch * frac + 0.8,
                   mm_per_s=mm_per_s, fs=fs)
        top = base + pitch * (1 - frac)
        if calibration and base + scales[i] + 4.5 <= top:  # above the calibration pulse
            _label(ax, region.x_mm + 1.5, base + scales[i] + 1.0, label, size=7.5)
        elif calibration:  # no room above the pulse: right of it, over the trace's start
            _label(ax, x_trace + 1.2, _clear_label_y(v, fs, base, mm_per_s=mm_per_s, mm_per_unit=scales[i],
                                                     width_mm=_label_width_mm(label, size=7.5),
                                                     low=min(base + 3.0, top - 3.5), high=top - 3.5),
                   label, size=7.5)
        else:
            _label(ax, x_trace + 1.2, top - 4.5, label)
        ax.text(region.x_mm + region.width_mm - 1.5, base + pitch * (1 - frac) - 1.5, f"{start_s:.0f} s",
                fontsize=6.5, ha="right", va="top", color="#555555", zorder=5)
    return {"trace_x_mm": float(x_trace), "strip_width_mm": seconds * mm_per_s, "row_pitch_mm": pitch}
