"""Printable pages of a report: which layout fits the recording, header and footer.

* 12-lead ECG (all 12 standard leads, or I, II and V1-V6 from which III, aVR, aVL and
  aVF are derived): the standard 3 x 4 + rhythm-strip page of :mod:`.paper`.
* other ECG (single lead as from a handheld device, 2-3 Holter leads): 10-s strips on
  ECG paper at 25 mm/s and 10 mm/mV, every lead of each 10-s window stacked.
* PPG: 10-s strips on a grey grid, amplitude normalised, beats dotted when known.
* heart sounds (PCG): 5-s strips at 50 mm/s with the Hilbert envelope over the waveform.

Signals are drawn as recorded, ECG after a display filter (0.5-40 Hz and a mains notch by
default, the filter the analysis uses; stated in the footer). The text rows the header
prints come from :mod:`._render_text`, the closing details page from :mod:`._render_details`.
"""

from __future__ import annotations

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
from ._render_details import _details_page
from ._render_text import (
    _duration,
    _shorten_middle,
    display_lead_name,
    measurement_rows,
    statement_lines,
    subject_lines,
)
from .paper import (
    A4_LANDSCAPE_MM,
    MARK_COLORS,
    MM_PER_INCH,
    Region,
    draw_mark_legend,
    draw_median_beats,
    draw_strips,
    draw_twelve_lead,
    draw_unusable_legend,
    new_page,
)

__all__ = ["DisplayOptions", "build_pages", "ecg_leads_mv", "standard_leads"]

_UNIT_TO_MV = VOLT_TO_MV
_ECG_ROWS = 6
_PAGE_W, _PAGE_H = A4_LANDSCAPE_MM
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
    blocked = _blocked_p(report)
    if blocked.size:
        out["blocked_p"] = blocked[(blocked >= a) & (blocked < b)] - a
    return out


def _blocked_p(report: Any) -> np.ndarray:
    """Samples of the P waves an AV-block statement lists as blocked (``evidence.blocked_p_s``)."""
    fs = float(getattr(getattr(report, "recording", None), "fs", 0.0) or 0.0)
    times = [t for s in getattr(report, "statements", ()) or () if s.category == "av_conduction"
             for t in (s.evidence or {}).get("blocked_p_s", ())]
    return np.round(np.asarray(times, np.float64) * fs).astype(np.int64) if fs > 0 and times else np.zeros(0, np.int64)


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
        stop = min(n, windows[min(p + per_page, len(windows)) - 1] + win)
        # the whole record on one page: its length; else the part shown, to 0.1 s
        shown = _duration(n / fs) if windows[p] == 0 and stop >= n else (
            f"{round(windows[p] / fs, 1):g}–{round(stop / fs, 1):g} s of {_duration(n / fs)}")
        pages.append(_Page(fig, f"25 mm/s   10 mm/mV   {ftxt}   {fs:g} Hz   {shown}",
                           legend=any(m is not None for m in marks), unusable=any(shade),
                           title=f"{len(names)}-lead ECG" if len(names) > 1 else "Single-lead ECG",
                           bottom_mm=sub.y_mm))
    return pages


def _median_pages(report: Any, rec: Recording, body_only: bool) -> list[_Page]:
    """The median beat of every lead at 50 mm/s with the global boundaries (dashed) that PR,
    QRS and QT are measured between, when the analysis kept its median beats."""
    mb = getattr(getattr(report, "measurement_details", None), "median_beat", None)
    if mb is None or np.asarray(mb.signals).size == 0:
        return []
    units = {c.name: _UNIT_TO_MV.get(c.unit.strip().lower(), 1.0) for c in rec.channels}
    sig = np.asarray(mb.signals, dtype=np.float64)
    beats = {(standard_lead_name(name) or display_lead_name(name)): sig[:, k] * units.get(name, 1.0)
             for k, name in enumerate(mb.leads)}
    g = np.asarray(mb.global_)
    lines = {w: [int(g[i]) for i in cols if g[i] >= 0] for w, cols in (("p", (0, 2)), ("qrs", (3, 5)), ("t", (8,)))}
    fig, ax, region = _figure(body_only)
    geo = draw_median_beats(ax, beats, mb.fs, mb.r_index, region, lines=lines)
    return [_Page(fig, f"50 mm/s   10 mm/mV   median of {mb.n_used} of {mb.n_beats} beats   dashed: global boundaries",
                  title="Median beats", legend=any(lines.values()), bottom_mm=geo["bottom_mm"])]


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
        pages += _median_pages(report, rec, body_only)
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
                draw_mark_legend(ax, _GRID_BODY_ONLY.x_mm + 150.0, y0 + 4.0, blocked=bool(_blocked_p(report).size))
            if pg.unusable:
                draw_unusable_legend(ax, _GRID_BODY_ONLY.x_mm + 108.0, y0 + 4.0)
        else:
            _header(ax, report, rec, pg.title, pg.kind)
            _footer(ax, pg.footer, k, n_total)
            if pg.legend:
                draw_mark_legend(ax, _GRID.x_mm + 150.0, 8.0, blocked=bool(_blocked_p(report).size))
            if pg.unusable:
                draw_unusable_legend(ax, _GRID.x_mm + 108.0, 8.0)
        figs.append(pg.fig)
    if details and not body_only:
        fig = _details_page(report, rec)
        _footer(fig.axes[0], "", n_total, n_total)
        figs.append(fig)
    return figs

