"""Ectopic beats in the Holter summary: counts, couplets and runs from the beat classes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cardiokit.batch.long import analyze_long, ectopy_summary
from tests.conftest import shared_path


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from("NNNNVAP?"), min_size=0, max_size=300))
def test_isolated_couplets_and_runs_add_up_to_the_count(labels: list[str]) -> None:
    beats = np.arange(len(labels), dtype=np.int64) * 300  # 1 beat per second at 300 Hz
    e = ectopy_summary(beats, np.asarray(labels, "<U1"), 300.0, max(len(labels), 1))
    n_cls = sum(x != "?" for x in labels)
    assert e["classified_beats"] == n_cls and e["unclassified_beats"] == len(labels) - n_cls
    assert sum(h["beats"] for h in e["hourly"]) == len(labels) and [h["hour"] for h in e["hourly"]] == [0]
    for kind, code in (("ventricular", "V"), ("supraventricular", "A")):
        k = e[kind]
        assert k["count"] == labels.count(code)
        runs = [r for r in e["run_events"] if r["kind"] == kind]
        assert k["isolated"] + 2 * k["couplets"] + sum(r["beats"] for r in runs) == k["count"]
        assert k["runs"] == len(runs) and all(r["beats"] >= 3 for r in runs)
        longest = max((len(g) for g in "".join("x" if c == code else " " for c in labels).split()), default=0)
        assert k["longest_run"] == longest
        if n_cls:
            assert k["burden_pct"] == round(100.0 * k["count"] / n_cls, 2)
        # the hourly table adds up to the counts
        assert sum(h[kind] for h in e["hourly"]) == k["count"]
        # a run's rate: its beats over the time from the beat before it to its last beat (60 bpm here)
        for r in runs:
            if r["start_s"] > 0:
                assert r["rate_bpm"] == 60.0


def test_longest_run_and_rate_of_a_tachycardia_run() -> None:
    labels = list("NNNNVVVVVNNNVNVVNN")
    beats = np.cumsum([0, 800, 800, 800, 800, 400, 400, 400, 400, 1200, 800, 800, 500, 1100, 500, 400, 1100, 800])
    e = ectopy_summary(np.asarray(beats) * 360 // 1000, np.asarray(labels, "<U1"), 360.0, 60.0)
    v = e["ventricular"]
    assert (v["count"], v["isolated"], v["couplets"], v["runs"], v["longest_run"]) == (8, 1, 1, 1, 5)
    (run,) = e["run_events"]
    # from the beat before the run (2.4 s) to its last beat (4.8 s): 5 beats in 2.4 s
    assert run["beats"] == 5 and abs(run["rate_bpm"] - 125.0) < 0.5 and run["start_s"] == 3.2


def test_holter_summary_counts_the_pvcs_of_mitdb_119() -> None:
    """MIT-BIH 119: 444 isolated PVCs (ventricular bigeminy and trigeminy), no APC."""
    s = analyze_long(str(shared_path("mitdb", "119.hea")))
    v, a = s.ectopy["ventricular"], s.ectopy["supraventricular"]
    assert abs(v["count"] - 444) <= 5 and v["couplets"] == 0 and v["runs"] == 0
    assert a["count"] <= 3
    assert s.to_dict()["ectopy"]["ventricular"]["burden_pct"] > 20.0


def test_hourly_table_of_a_long_recording() -> None:
    fs = 200.0
    beats = np.arange(0, int(2.5 * 3600 * fs), int(fs), dtype=np.int64)  # 60 bpm for 2.5 h
    labels = np.full(beats.size, "N", "<U1")
    labels[3600 + 10] = "V"  # one PVC in the second hour, two APCs in the third
    labels[[7300, 7400]] = "A"
    e = ectopy_summary(beats, labels, fs, 2.5 * 3600)
    assert [(h["hour"], h["beats"], h["ventricular"], h["supraventricular"]) for h in e["hourly"]] == [
        (0, 3600, 0, 0), (1, 3600, 1, 0), (2, 1800, 0, 2)]
    assert e["ventricular"]["per_hour"] == 0.4 and e["supraventricular"]["count"] == 2
