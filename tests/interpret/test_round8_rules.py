"""Round 8 (rules-v8): the sinus P-wave share over the supraventricular beats only (PVCs and
paced beats have no P wave of their own) and atrial fibrillation under ventricular pacing
(conducted beats without P waves)."""

from __future__ import annotations

import numpy as np
import pytest

from cardiokit.ecg.morphology import BeatClasses, PaceSpikes
from cardiokit.interpret import RhythmFeatures, interpret
from cardiokit.interpret._rhythm import dominant_p_share
from tests.conftest import shared_path
from tests.report.test_statements import BASE, keys, morph


def _beats(labels: str, p_before: tuple[int, ...], qrs: list[float] | None = None,
           rr: list[float] | None = None) -> BeatClasses:
    n = len(labels)
    rr_a = np.asarray(rr if rr is not None else [np.nan] + [1000.0] * (n - 1), float)
    qrs_a = np.asarray(qrs if qrs is not None else [90.0] * n, float)
    corr = np.where(np.array(list(labels)) == "V", -0.2, 1.0)
    return BeatClasses(tuple(labels), rr_a, corr, qrs_a, rr_a < 850.0, 1000.0, p_before)


def _pace(labels: str) -> PaceSpikes:
    n = len(labels)
    return PaceSpikes(np.arange(n) * 500, np.full(n, 6), np.array([x == "P" for x in labels]), np.zeros(n, bool))


def test_the_p_wave_share_leaves_out_ventricular_and_paced_beats():
    b = _beats("NNVNNVNNNN", (-1, 1, 0, 1, 1, 0, 1, 1, 1, 1))
    share, n = dominant_p_share(b)
    assert share == 1.0 and n == 7  # the first beat (within 0.3 s of the start) is not counted
    # a premature atrial complex has its own P wave and counts (here without a P found)
    share, n = dominant_p_share(_beats("NNANNNNNNN", (1, 1, 0, 1, 1, 1, 1, 1, 1, 1)))
    assert share == pytest.approx(0.9) and n == 10
    assert dominant_p_share(_beats("NNN", ())) is None


def test_sinus_rhythm_with_pvcs_is_read_on_the_supraventricular_beats():
    """8 of 10 beats with a P wave over all beats: below the 0.9 of a strict convention, while
    every supraventricular beat has one."""
    rf = RhythmFeatures(n_beats=10, p_wave_fraction=0.8, pr_iqr_ms=8.0, rr_range_ms=40.0, rr_cv=0.1)
    m = morph(beats=_beats("NNVNNNVNNN", (1, 1, 0, 1, 1, 1, 0, 1, 1, 1),
                           rr=[np.nan, 1000, 600, 1400, 1000, 1000, 600, 1400, 1000, 1000]))
    got = interpret(BASE, rhythm=rf, morphology=m, convention={"p_wave_fraction_min": 0.9})
    st = next(s for s in got if s.category == "rhythm")
    assert st.key == "sinus_rhythm" and st.evidence["p_wave_fraction"] == 1.0
    assert "premature_ventricular_complexes" in keys(got)


def test_af_under_ventricular_pacing_needs_conducted_beats_without_p_waves():
    labels = "PPPNNPPNPPPP"
    qrs = [170.0, 170.0, 170.0, 102.0, 106.0, 170.0, 170.0, 104.0] + [170.0] * 4
    rr = [np.nan, 840, 840, 708, 808, 900, 850, 720, 845, 845, 845, 845]
    rf = RhythmFeatures(n_beats=12, p_wave_fraction=0.0, pr_iqr_ms=None, rr_range_ms=None, rr_cv=0.05)
    af = morph(beats=_beats(labels, (1,) + (0,) * 11, qrs, rr), pace=_pace(labels))
    got = interpret(BASE, rhythm=rf, morphology=af)
    assert {"atrial_fibrillation", "paced_rhythm"} <= set(keys(got))
    st = next(s for s in got if s.key == "atrial_fibrillation")
    assert st.evidence["conducted_beats"] == [3, 4, 7] and st.criteria["paced_conducted_qrs_below_ms"] == 120.0
    # P waves before the conducted beats (sinus with intermittent pacing): no AF
    sinus = morph(beats=_beats(labels, (0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0), qrs, rr), pace=_pace(labels))
    assert "atrial_fibrillation" not in keys(interpret(BASE, rhythm=rf, morphology=sinus))
    # one conducted beat is not enough; wide unpaced beats are not conducted ones
    one = morph(beats=_beats(labels, (0,) * 12, [170.0] * 3 + [102.0] + [170.0] * 8, rr), pace=_pace(labels))
    assert "atrial_fibrillation" not in keys(interpret(BASE, rhythm=rf, morphology=one))
    # every beat paced (no conducted beat to read): the atrial rhythm stays unnamed
    allp = morph(beats=_beats("P" * 12, (0,) * 12, [170.0] * 12, rr), pace=_pace("P" * 12))
    assert [k for k in keys(interpret(BASE, rhythm=rf, morphology=allp))] == ["paced_rhythm"]


@pytest.mark.parametrize("convention", ["aha", "ludb"])
def test_ludb_af_under_pacing_and_paced_sinus_rhythm(convention):
    """LUDB 8 and 95: AF with ventricular pacing (conducted narrow beats without P waves);
    34, 45, 72, 74, 90, 104, 111: sinus rhythm with pacing (AV block, P-synchrony, DDD)."""
    import cardiokit

    for n, af in ((8, True), (95, True), (34, False), (45, False), (72, False), (74, False), (90, False),
                  (104, False), (111, False)):
        rep = cardiokit.analyze(cardiokit.read(shared_path("ludb", "data", f"{n}.hea")), convention=convention)
        k = [s.key for s in rep.statements]
        assert ("atrial_fibrillation" in k) == af, (n, k)
        if af:
            assert rep.rhythm.label == "af"


def test_a_beat_cut_by_the_recordings_end_is_not_read_by_the_rhythm_rules():
    """LUDB records end on an artefact the beat detector may take for a beat (a QRS unlike the
    dominant one within 0.25 s of the end, no P wave): the P-wave share, the sinus RR range and
    the rate of the mean RR leave it out."""
    from cardiokit.interpret._rhythm import readable_beats

    rr = [np.nan] + [1000.0] * 8 + [200.0]
    b = BeatClasses(tuple("N" * 10), np.asarray(rr), np.asarray([1.0] * 9 + [-0.2]), np.asarray([90.0] * 10),
                    np.asarray([False] * 9 + [True]), 1000.0, (1,) * 9 + (0,), (False,) * 9 + (True,))
    assert readable_beats(b) == 9 and dominant_p_share(b) == (1.0, 9)
    rf = RhythmFeatures(n_beats=10, p_wave_fraction=0.9, pr_iqr_ms=8.0, rr_range_ms=None, rr_cv=0.2)
    st = next(s for s in interpret({**BASE, "heart_rate_bpm": 60.0}, rhythm=rf, morphology=morph(beats=b),
                                   convention={"p_wave_fraction_min": 0.95, "rate_from_mean_rr": 1.0})
              if s.category == "rhythm")
    assert st.key == "sinus_rhythm" and st.evidence["heart_rate_bpm"] == 60.0, st.evidence
    assert st.evidence["p_wave_fraction"] == 1.0 and st.evidence["rr_irregularity"] == 0.0


def test_ludb_end_artefact_is_marked_cut():
    """LUDB 133 ends on an artefact spike 16 ms before the end (detected as a beat)."""
    import cardiokit

    rep = cardiokit.analyze(cardiokit.read(shared_path("ludb", "data", "133.hea")))
    st = next(s for s in rep.statements if s.category == "rhythm")
    assert st.evidence["p_wave_fraction"] >= 0.75  # 6 of 8 readable beats (0.667 with the artefact)
