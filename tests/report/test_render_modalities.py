"""The HTML report of PPG and heart-sound recordings: their results are on the page."""

from __future__ import annotations

import re

import pytest

import cardiokit
from cardiokit.report import render
from cardiokit.report._render_text import measurement_rows, statement_lines
from tests.conftest import shared_path

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def bidmc_report():
    rec = cardiokit.read(shared_path("bidmc_subset", "bidmc_02_Signals.csv.gz"))
    return cardiokit.analyze(rec), rec


def _rows(page: str, title: str) -> dict[str, str]:
    """th -> td text of the table in the section titled ``title``."""
    sec = page.split(title, 1)[1].split("</table>", 1)[0]
    return {k: re.sub("<[^>]+>", "", v) for k, v in re.findall(r"<tr><th>(.*?)</th><td[^>]*>(.*?)</td></tr>", sec)}


def test_ecg_and_ppg_record_shows_the_ppg_results(bidmc_report) -> None:
    """BIDMC 02 (ECG + PPG + respiration): the ECG measurements fill the header; BP, the
    respiratory rate, the pulse rate and the morphology are in their own section."""
    rep, rec = bidmc_report
    page = render.render_html(rep, rec, image_format="png")
    rows = _rows(page, "Pulse wave (PPG)")
    ppg = rep.ppg
    assert ppg["quality"]["grade"] == "good"
    assert rows["Pulse rate"] == f"{ppg['heart_rate_bpm']:.1f} bpm"
    assert abs(ppg["heart_rate_bpm"] - rep.measurements["heart_rate_bpm"]) < 3  # pulse and ECG rate agree
    assert rows["Blood pressure (est.)"].startswith(f"SBP {ppg['bp']['sbp_mmhg']:.0f} (")
    assert rows["BP model"].startswith(ppg["bp"]["model"])
    assert rows["Respiratory rate"].startswith(f"{ppg['respiration']['rate_bpm']:.1f} /min")
    assert rows["Rise time (onset to systolic peak)"] == f"{ppg['biomarkers']['Tsp'] * 1000:.0f} ms"
    assert "ECG signal quality" in page  # the grade table is the ECG's, not the PPG's
    text = re.sub(r"src='data:[^']*'", "", page)  # not inside the figures' base64
    assert not re.search(r">\s*None\s*<|\bnan\b", text)


def test_ppg_quality_grade_is_printed_not_dropped() -> None:
    from types import SimpleNamespace

    rep = SimpleNamespace(measurements={"heart_rate_bpm": None}, recording=SimpleNamespace(kinds=("ppg",)),
                          ppg={"heart_rate_bpm": 94.3, "bp": {"sbp_mmhg": 127.2, "dbp_mmhg": 71.6},
                               "quality": {"grade": "unusable", "issues": ["most pulses differ"]}},
                          pcg=None, rppg=None, statements=(), rhythm=None, quality=None)
    rows = dict(measurement_rows(rep))
    assert rows["PPG quality"] == "unusable"
    assert rows["Heart rate"] == "— (94 bpm, unreliable)" and rows["BP (est.)"] == "— (127/72, unreliable)"
    assert statement_lines(rep) == ["PPG quality: unusable (most pulses differ)"]
    page = dict(measurement_rows(rep, page_kind="ppg"))  # the printed page's header: no rate either
    assert page["Heart rate"] == "— (94 bpm, unreliable)" and page["BP (est.)"] == "— (127/72, unreliable)"
    rep.ppg["quality"] = {"grade": "good", "issues": []}
    rep.measurements = {"heart_rate_bpm": 94.3}
    rows = dict(measurement_rows(rep))
    assert rows["PPG quality"] == "good" and rows["Heart rate"] == "94.3 bpm" and "BP (est.)" not in rows
    assert statement_lines(rep) == []


def test_heart_sound_record_shows_class_and_cycles(tmp_path) -> None:
    rec = cardiokit.read(shared_path("pcg_physionet2016", "training-e", "e00176.wav"))
    rep = cardiokit.analyze(rec)
    page = render.render_html(rep, rec, image_format="png")
    rows = _rows(page, "Heart sounds (PCG)")
    assert rows["Class"].startswith(f"{rep.pcg['label']} (P(abnormal) {rep.pcg['probability_abnormal']:.2f})")
    assert rows["Heart rate"] == f"{rep.pcg['heart_rate_bpm']:.1f} bpm"
    assert rows["Cycles segmented"].startswith(f"{len(rep.pcg['s1'])} ")
    assert f"heart sounds: {rep.pcg['label']}" in statement_lines(rep)[-1]


def test_screen_panels_end_below_the_last_strip() -> None:
    """A 2.1-s PPG fills one strip: its screen panel is cut below it instead of showing an
    empty grid the height of a page; a full page keeps its height."""
    short = cardiokit.read(shared_path("ppg_bp", "0_subject", "2_1.txt"), fs=1000.0, kind="ppg")
    full = cardiokit.read(shared_path("bidmc_subset", "bidmc_02_Signals.csv.gz"))
    h_short = render.render_figures(cardiokit.analyze(short), short, body_only=True)[0].get_size_inches()[1]
    figs = render.render_figures(cardiokit.analyze(full), full, body_only=True)
    h_full = max(f.get_size_inches()[1] for f in figs)
    assert h_short * 25.4 < 0.5 * h_full * 25.4
    assert h_full * 25.4 == pytest.approx(162.0, abs=0.5)  # _GRID height + footer, unchanged


def test_printed_details_page_lists_the_ppg_rows_without_overlap(bidmc_report) -> None:
    from tests.report.test_render_layout import _overlaps, _text_boxes

    rep, rec = bidmc_report
    fig = render.render_figures(rep, rec)[-1]
    texts = [t for t, _ in _text_boxes(fig)]
    assert "PPG" in texts and "Blood pressure (est.)" in texts and "Augmentation index" in texts
    assert _overlaps(_text_boxes(fig)) == []
