"""HTML/PDF report rendering: self-contained HTML, A4 PDF, ECG paper geometry, layouts."""

from __future__ import annotations

import re

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import cardiokit
from cardiokit import Channel, InvalidArgumentError, Recording
from cardiokit.report import render
from cardiokit.report.paper import GRID_MAJOR_COLOR, MM_PER_INCH
from cardiokit.sim import LEADS_12, simulate_ecg

A4_LANDSCAPE_PT = (841.89, 595.28)


@pytest.fixture(scope="module")
def report12():
    rec = simulate_ecg(duration_s=10, heart_rate_bpm=72, noise_snr_db=30, seed=21)
    meta = dict(rec.meta)
    meta["subject"] = {"id": "subj-42", "age_years": 61, "sex": "M"}
    return cardiokit.analyze(rec.replace(meta=meta), source="sim/subj-42")


def _lines(fig, gid):
    return [ln for ln in fig.axes[0].lines if ln.get_gid() == gid]


def test_html_is_self_contained_with_labels_and_measurements(report12, tmp_path):
    path = render.write_html(report12, tmp_path / "r.html")
    doc = path.read_text(encoding="utf-8")
    assert doc.startswith("<!DOCTYPE html>") and doc.rstrip().endswith("</html>")
    assert "http://" not in doc and "https://" not in doc
    # every src/href is inline (data:) or an in-document reference (#...)
    for m in re.finditer(r"""(?:src|href)\s*=\s*["']([^"']*)""", doc):
        assert m.group(1).startswith(("data:", "#")), m.group(1)
    assert "<link" not in doc and "@import" not in doc
    assert "<svg" in doc
    for lead in LEADS_12:
        assert re.search(rf">{lead}</text>", doc), lead
    m = report12.measurements
    assert f"{m['heart_rate_bpm']:.0f} bpm" in doc
    assert f"{m['qrs_ms']:.0f} ms" in doc
    assert f"{m['pr_ms']:.0f} ms" in doc
    assert "subj-42" in doc and "male" in doc
    for s in report12.statements:
        assert s.text in doc
    assert "25 mm/s" in doc and "10 mm/mV" in doc


def test_html_png_variant_is_inline(report12):
    doc = render.render_html(report12, image_format="png")
    assert "data:image/png;base64," in doc and "<svg" not in doc
    with pytest.raises(InvalidArgumentError):
        render.render_html(report12, image_format="gif")


def test_pdf_is_a4_landscape_with_content(report12, tmp_path):
    path = render.write_pdf(report12, tmp_path / "r.pdf")
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert len(boxes) >= 2  # ECG page + details page
    for w, h in boxes:
        assert float(w) == pytest.approx(A4_LANDSCAPE_PT[0], abs=0.5)
        assert float(h) == pytest.approx(A4_LANDSCAPE_PT[1], abs=0.5)
    assert len(data) > 30_000


def test_paper_geometry_is_25_mm_per_s_and_10_mm_per_mv(report12):
    fig = render.render_figures(report12)[0]
    w_mm, h_mm = (fig.get_size_inches() * MM_PER_INCH).tolist()
    assert (w_mm, h_mm) == pytest.approx((297.0, 210.0))
    ax = fig.axes[0]
    # 1 data unit = 1 mm on paper
    px = ax.transData.transform([[0.0, 0.0], [250.0, 100.0]])
    assert (px[1] - px[0]).tolist() == pytest.approx([250 / MM_PER_INCH * fig.dpi, 100 / MM_PER_INCH * fig.dpi])
    (rhythm,) = _lines(fig, "rhythm")
    x = rhythm.get_xdata()
    assert x.max() - x.min() == pytest.approx(250.0, abs=0.1)  # 10-s strip = 250 mm
    for name in LEADS_12:
        (seg,) = _lines(fig, f"lead-{name}")
        assert np.ptp(seg.get_xdata()) == pytest.approx(62.5, abs=0.1)  # 2.5 s = 62.5 mm
    cals = _lines(fig, "calibration")
    assert len(cals) == 4  # one per row
    for c in cals:
        assert np.ptp(c.get_ydata()) == pytest.approx(10.0)  # 1 mV = 10 mm
        xs = np.unique(c.get_xdata())
        assert xs[2] - xs[1] == pytest.approx(5.0)  # 200 ms = 5 mm
    # amplitude: lead II trace in mm equals the filtered signal in mV x 10
    (ii,) = _lines(fig, "lead-II")
    assert np.ptp(ii.get_ydata()) == pytest.approx(10 * 1.3, rel=0.35)


def test_rendered_grid_has_5_mm_major_squares(report12):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = render.render_figures(report12)[0]
    dpi = 254.0  # 10 px per mm
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    img = np.asarray(canvas.buffer_rgba())[:, :, :3].astype(int)
    assert img.shape[:2] == (2100, 2970)
    target = np.array([int(GRID_MAJOR_COLOR[i : i + 2], 16) for i in (1, 3, 5)])
    # a pixel row 1.5 mm below the top of the grid, above every trace
    row = img[int((210 - 164.5) * 10)]
    hit = np.flatnonzero(np.abs(row - target).sum(axis=1) < 60)
    centres = [g.mean() for g in np.split(hit, np.flatnonzero(np.diff(hit) > 1) + 1) if g.size]
    spacing = np.diff(centres)
    assert len(centres) >= 50
    assert np.median(spacing) == pytest.approx(50.0, abs=0.6)  # 5 mm at 10 px/mm
    assert np.all(np.abs(spacing - 50.0) < 2.0)


def test_delineation_markers_and_labels(report12):
    fig = render.render_figures(report12)[0]
    gids = {c.get_gid() for c in fig.axes[0].collections}
    assert {"grid-major", "grid-minor", "marks-qrs", "marks-t", "marks-p"} <= gids
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert set(LEADS_12) <= texts and "12-lead ECG" in texts
    assert len(_lines(fig, "separator")) == 9  # 3 rows x 3 lead changes


def test_single_lead_gets_strips_not_the_grid(tmp_path):
    rec = simulate_ecg(duration_s=30, leads="1", fs_hz=300, af=True, seed=2)
    rep = cardiokit.analyze(rec)
    figs = render.render_figures(rep)
    fig = figs[0]
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert "Single-lead ECG" in texts
    assert not _lines(fig, "rhythm") and not _lines(fig, "lead-V1")
    strips = [ln for ln in fig.axes[0].lines if str(ln.get_gid()).startswith("strip-")]
    assert len(strips) == 3  # 3 x 10 s
    assert all(np.ptp(s.get_xdata()) == pytest.approx(250.0, abs=0.2) for s in strips)
    assert render.write_pdf(rep, tmp_path / "one.pdf").stat().st_size > 10_000


def test_eight_lead_ecg_derives_the_limb_leads():
    rec = simulate_ecg(duration_s=10, seed=3).select(["I", "II", "V1", "V2", "V3", "V4", "V5", "V6"])
    fig = render.render_figures(cardiokit.analyze(rec), body_only=True)[0]
    assert _lines(fig, "lead-aVF") and _lines(fig, "rhythm")


def test_ppg_and_heart_sound_layouts():
    fs = 125.0
    t = np.arange(int(20 * fs)) / fs
    ph = (t * 1.2) % 1
    ppg = np.exp(-(((ph - 0.2) / 0.08) ** 2)) + 0.4 * np.exp(-(((ph - 0.45) / 0.1) ** 2))
    prec = Recording(ppg[:, None], fs, (Channel("PLETH", "ppg", "nu"),))
    doc = render.render_html(cardiokit.analyze(prec), prec)
    assert ">PLETH</text>" in doc and "PPG" in doc and "mm/mV" not in doc
    fs = 2000.0
    t = np.arange(int(8 * fs)) / fs
    ph = (t * 1.1) % 1
    pcg = np.exp(-(((ph - 0.05) / 0.02) ** 2)) * np.sin(2 * np.pi * 50 * t)
    crec = Recording(pcg[:, None], fs, (Channel("PCG", "pcg", ""),))
    figs = render.render_figures(cardiokit.analyze(crec), crec)
    texts = {t.get_text() for t in figs[0].axes[0].texts}
    assert "Heart sounds (PCG)" in texts
    strips = [ln for ln in figs[0].axes[0].lines if str(ln.get_gid()).startswith("strip-")]
    assert len(strips) == 2  # 8 s in 5-s rows at 50 mm/s: 250 mm + 150 mm
    assert [np.ptp(s.get_xdata()) for s in strips] == pytest.approx([250.0, 150.0], abs=0.2)
    overlays = [ln for ln in figs[0].axes[0].lines if str(ln.get_gid()).startswith("overlay-")]
    assert len(overlays) == 4  # envelope drawn above and below each waveform
    assert any("envelope" in t for t in texts)


def test_needs_signals():
    from cardiokit.report import Report

    with pytest.raises(InvalidArgumentError):
        render.render_html(Report(source=None, recording=None))
