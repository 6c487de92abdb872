"""Sinus RR range without ectopics, PAC needs its pause, IVCD vs fascicular block, LAFB by
Minnesota 7-7 (``lafb_needs_qr_avl`` = 0), the bradycardia limit of "ludb", and the tie rule
of ``bench_interpretation --tune``."""

from __future__ import annotations

import numpy as np

from cardiokit.interpret import CONVENTIONS, RhythmFeatures, interpret
from cardiokit.interpret._rhythm import sinus_rr_range
from tests.report.test_statements import BASE, _beats, keys, morph, with_qrs

# the pipeline's RR range includes every pair of beats with a P wave, PACs too
IRREG = RhythmFeatures(n_beats=12, p_wave_fraction=1.0, pr_iqr_ms=8.0, rr_range_ms=240.0, rr_cv=0.08)


def test_sinus_rr_range_leaves_out_premature_beats_and_their_pauses():
    rr = [np.nan, 730, 734, 742, 734, 744, 766, 774, 784, 628, 846, 740]
    # unlabelled premature beat (628 < 0.9 x median) followed by its pause (846 > median)
    assert sinus_rr_range("N" * 12, rr) == 784 - 730
    # a labelled PAC: its coupling interval and the RR after it are not sinus cycles
    assert sinus_rr_range("NNNNNNNNNANN", rr) == 784 - 730
    # gradual (respiratory) variation is kept
    rr2 = [np.nan, 700, 740, 800, 860, 900, 860, 800, 740, 700, 740, 800]
    assert sinus_rr_range("N" * 12, rr2) == 200
    assert sinus_rr_range("NN", [np.nan, 800]) is None


def test_a_pac_and_its_pause_do_not_make_sinus_arrhythmia():
    rr = [np.nan, 730, 734, 742, 734, 744, 766, 774, 784, 628, 846, 740]
    m = morph(beats=_beats("N" * 12, rr))
    got = keys(interpret(BASE, rhythm=IRREG, morphology=m))
    assert got[0] == "sinus_rhythm"
    rr2 = [np.nan, 700, 740, 800, 860, 900, 860, 800, 740, 700, 740, 800]
    m2 = morph(beats=_beats("N" * 12, rr2))
    assert keys(interpret(BASE, rhythm=IRREG, morphology=m2))[0] == "sinus_arrhythmia"


def test_pac_needs_the_longer_rr_after_it():
    sinus = RhythmFeatures(n_beats=8, p_wave_fraction=1.0, pr_iqr_ms=8.0, rr_range_ms=40.0, rr_cv=0.02)
    last = _beats("NNNNNNNA", [np.nan, 800, 800, 800, 800, 800, 800, 600])
    assert "premature_atrial_complexes" not in keys(interpret(BASE, rhythm=sinus, morphology=morph(beats=last)))
    mid = _beats("NNNANNNN", [np.nan, 800, 800, 600, 950, 800, 800, 800])
    assert "premature_atrial_complexes" in keys(interpret(BASE, rhythm=sinus, morphology=morph(beats=mid)))


def _lafb_morph(axis, qrs, avl_q=True):
    avl = dict(pattern="qR", q_mv=-0.1, q_ms=20.0, r_mv=0.8, s_mv=0.0, r_peak_time_ms=50.0) if avl_q else \
        dict(pattern="R", q_mv=0.0, q_ms=0.0, r_mv=0.8, s_mv=0.0, r_peak_time_ms=50.0)
    m = with_qrs(morph(avl=avl), qrs)
    return type(m)(m.leads, m.beats, m.pace, m.fs, m.calibrated, qrs_axis_deg=axis)


def test_no_ivcd_beside_a_fascicular_block():
    sinus = RhythmFeatures(n_beats=10, p_wave_fraction=1.0, pr_iqr_ms=8.0, rr_range_ms=40.0, rr_cv=0.02)
    got = keys(interpret(BASE, rhythm=sinus, morphology=_lafb_morph(-60.0, 114.0)))
    assert "left_anterior_fascicular_block" in got
    assert "nonspecific_intraventricular_conduction_delay" not in got
    # without the fascicular block the same QRS is an IVCD
    got = keys(interpret(BASE, rhythm=sinus, morphology=_lafb_morph(40.0, 114.0)))
    assert "nonspecific_intraventricular_conduction_delay" in got


def test_lafb_without_qr_in_avl_only_under_minnesota_option():
    sinus = RhythmFeatures(n_beats=10, p_wave_fraction=1.0, pr_iqr_ms=8.0, rr_range_ms=40.0, rr_cv=0.02)
    m = _lafb_morph(-60.0, 100.0, avl_q=False)
    assert "left_anterior_fascicular_block" not in keys(interpret(BASE, rhythm=sinus, morphology=m))
    st = [s for s in interpret(BASE, rhythm=sinus, morphology=m, convention={"lafb_needs_qr_avl": 0.0})
          if s.key == "left_anterior_fascicular_block"]
    assert st and "7-7" in st[0].criteria["rule"]
    assert CONVENTIONS["aha"]["lafb_needs_qr_avl"] == 1.0


def test_ludb_bradycardia_limit():
    sinus = RhythmFeatures(n_beats=10, p_wave_fraction=1.0, pr_iqr_ms=8.0, rr_range_ms=40.0, rr_cv=0.02)
    m = {**BASE, "heart_rate_bpm": 59.5}
    assert keys(interpret(m, rhythm=sinus, morphology=morph()))[0] == "sinus_bradycardia"
    assert keys(interpret(m, rhythm=sinus, morphology=morph(), convention="ludb"))[0] == "sinus_rhythm"
    m = {**BASE, "heart_rate_bpm": CONVENTIONS["ludb"]["bradycardia_below_bpm"] - 0.5}
    assert keys(interpret(m, rhythm=sinus, morphology=morph(), convention="ludb"))[0] == "sinus_bradycardia"


def test_tune_tie_break_takes_the_middle_of_a_bounded_run():
    from bench.bench_interpretation import TUNE_GRID, _tie_break

    grid = TUNE_GRID["bradycardia_below_bpm"]

    def dist(keys, vals):
        return abs(vals[0] - 60.0)

    run = [(v,) for v in grid if 58.0 <= v <= 60.0]
    assert _tie_break(("bradycardia_below_bpm",), run, dist) == (59.0,)
    # a run reaching the end of the grid is not bounded: the value closest to "aha"
    edge = [(v,) for v in grid if v <= 55.0]
    assert _tie_break(("bradycardia_below_bpm",), edge, dist) == (55.0,)
