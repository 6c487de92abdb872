"""The median-beats page: every lead's median beat at 50 mm/s with the global boundaries
that PR, QRS and QT are measured between, so a reader can check the intervals."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import cardiokit
from cardiokit.report import render
from cardiokit.sim import LEADS_12, simulate_ecg

MM_PER_S = 50.0


@pytest.fixture(scope="module")
def report12():
    return cardiokit.analyze(simulate_ecg(duration_s=10, heart_rate_bpm=72, noise_snr_db=30, seed=21))


def _median_page(figs):
    pages = [f for f in figs if any(t.get_text() == "Median beats" for t in f.axes[0].texts)]
    assert len(pages) <= 1
    return pages[0] if pages else None


def _line_xs(fig, wave):
    """x (mm) of the dashed lines of one wave, each column's once (its 3 rows share them)."""
    xs = []
    for coll in fig.axes[0].collections:
        if coll.get_gid() == f"median-lines-{wave}":
            xs += [float(seg[0][0]) for seg in coll.get_segments()]
    u, n = np.unique(np.round(xs, 6), return_counts=True)
    assert np.all(n == 3)
    return u


def test_median_page_follows_the_ecg_page_and_shows_every_lead(report12):
    figs = render.render_figures(report12)
    page = _median_page(figs)
    assert page is figs[1] and len(figs) == 3  # 12-lead page, median beats, details
    drawn = {ln.get_gid() for ln in page.axes[0].lines}
    assert {f"median-{lead}" for lead in LEADS_12} <= drawn
    assert any("50 mm/s" in t.get_text() for t in page.axes[0].texts)


def test_dashed_lines_are_the_measured_boundaries(report12):
    m = report12.measurements
    page = _median_page(render.render_figures(report12))
    qrs = _line_xs(page, "qrs").reshape(-1, 2)  # QRS onset and offset in each of the 4 columns
    assert qrs.shape == (4, 2)
    np.testing.assert_allclose(qrs[:, 1] - qrs[:, 0], m["qrs_ms"] / 1000.0 * MM_PER_S, atol=1e-6)
    p = _line_xs(page, "p").reshape(-1, 2)
    t = _line_xs(page, "t")
    assert t.size == 4 and p.shape == (4, 2)
    np.testing.assert_allclose(qrs[:, 0] - p[:, 0], m["pr_ms"] / 1000.0 * MM_PER_S, atol=1e-6)
    np.testing.assert_allclose(t - qrs[:, 0], m["qt_ms"] / 1000.0 * MM_PER_S, atol=1e-6)


def test_r_peaks_line_up_in_each_column(report12):
    page = _median_page(render.render_figures(report12))
    peaks = {}
    for ln in page.axes[0].lines:
        gid = ln.get_gid() or ""
        if gid.startswith("median-"):
            x, y = ln.get_data()
            peaks[gid[7:]] = float(x[np.argmax(np.abs(y - np.median(y)))])
    # a column of the printout (I, II, III), (aVR, aVL, aVF), ...: one R-peak position
    for col in (("I", "II", "III"), ("V4", "V5", "V6")):
        xs = [peaks[lead] for lead in col]
        assert max(xs) - min(xs) < 2.0, (col, xs)


def test_no_median_page_without_the_median_beats(report12):
    # a report read back from JSON or the store keeps no median beats: no empty page
    bare = dataclasses.replace(report12, measurement_details=None)
    figs = render.render_figures(bare)
    assert _median_page(figs) is None and len(figs) == 2


def test_html_shows_the_median_beats_after_the_signal_panel(report12):
    figs = render.render_figures(report12, body_only=True)
    assert len(figs) == 2
    drawn = {ln.get_gid() for ln in figs[1].axes[0].lines}
    assert {f"median-{lead}" for lead in LEADS_12} <= drawn
    doc = render.render_html(report12)
    assert doc.count("<figure>") == 2 and "50 mm/s" in doc


def test_few_leads_get_a_short_median_panel_on_screen():
    rec = simulate_ecg(duration_s=10, heart_rate_bpm=70, seed=4).select(["II", "V5"])
    figs = render.render_figures(cardiokit.analyze(rec), body_only=True)
    medians = [f for f in figs if any((ln.get_gid() or "").startswith("median-") for ln in f.axes[0].lines)]
    assert len(medians) == 1
    _, h = medians[0].get_size_inches()
    assert h * 25.4 < 100.0  # one row of cells, not a page of empty grid
