"""Holter trend figure: readable time axis, summary in the title."""

from __future__ import annotations

import pytest

pytest.importorskip("matplotlib")

from cardiokit.report.holter import trend_figure, write_trend_figure


def _doc(minutes: int, pauses: list[float]) -> dict:
    return {
        "source": "/data/mitdb/100.hea", "duration_s": minutes * 60.0, "chunk_s": 300.0, "n_beats": 75 * minutes,
        "rhythm_per_chunk": ["normal"] * (minutes // 5), "af_burden_pct": 0.0,
        "heart_rate": {"min_bpm": 70.0, "mean_bpm": 75.0, "max_bpm": 84.0},
        "hr_trend": [{"minute": m, "hr_bpm": 75.0 + (m % 3)} for m in range(minutes)],
        "pauses": {"count": len(pauses), "threshold_s": 2.0, "longest_s": 2.5 if pauses else None,
                   "events": [{"start_s": s, "duration_s": 2.5} for s in pauses]},
    }


def test_half_hour_runs_in_minutes_and_a_day_in_hours(tmp_path):
    ax = trend_figure(_doc(30, [])).axes[0]
    assert ax.get_xlabel() == "time (min)" and ax.get_xlim() == pytest.approx((0.0, 30.0))
    (line,) = ax.lines
    assert line.get_xdata()[0] == pytest.approx(0.5)  # the first 1-min mean at the middle of minute 0
    title = ax.get_title(loc="left")
    assert "70/75/84 bpm" in title and "0 pauses > 2 s" in title
    day = trend_figure(_doc(24 * 60, [3600.0])).axes[0]
    assert day.get_xlabel() == "time (h)" and day.get_xlim() == pytest.approx((0.0, 24.0))
    assert "1 pause > 2 s" in day.get_title(loc="left")
    png = write_trend_figure(_doc(30, []), tmp_path / "t.png")
    assert png is None and (tmp_path / "t.png").stat().st_size > 10_000


def test_a_partial_last_minute_stays_inside_the_axis():
    doc = _doc(30, [])
    doc["duration_s"] = 30 * 60 + 6.0
    doc["hr_trend"].append({"minute": 30, "hr_bpm": 84.0})
    ax = trend_figure(doc).axes[0]
    x = ax.lines[0].get_xdata()
    assert x[-1] == pytest.approx(30.05) and x[-1] <= ax.get_xlim()[1]


def test_pauses_with_qrs_like_complexes_inside_stand_out():
    doc = _doc(30, [120.0, 600.0, 900.0])
    doc["pauses"]["events"][1]["qrs_like_inside"] = 2  # missed beats, perhaps: to check
    doc["pauses"]["events"][2] |= {"qrs_like_inside": 1, "unusable": True}  # unusable: red as before
    ax = trend_figure(doc).axes[0]
    colours = [ln.get_color() for ln in ax.lines[1:]]
    assert colours == ["#b00000", "#e08000", "#b00000"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "pause with QRS-like complexes inside" in labels and "pause > 2 s" in labels
