"""Round 5: the 5-fold threshold protocol of ``bench_interpretation`` (every record scored
with thresholds chosen without its fold), the rhythm model's AF probability as a convention
threshold, and the "sinus arrhythmia first" reading of an irregular slow sinus rhythm."""

from __future__ import annotations

import numpy as np

from cardiokit.interpret import CONVENTIONS, RhythmFeatures, interpret
from tests.report.test_statements import BASE, _beats, keys, morph

IRREG = RhythmFeatures(n_beats=12, p_wave_fraction=1.0, pr_iqr_ms=8.0, rr_range_ms=300.0, rr_cv=0.1)


def test_cross_validation_scores_each_record_with_thresholds_chosen_without_its_fold(monkeypatch):
    import bench.bench_interpretation as B

    seen: list[list[int]] = []

    def fake_tune(inputs, rows, *, ids=None, **kw):
        seen.append(list(ids))
        # a threshold that encodes which records it was chosen on
        return {**CONVENTIONS["aha"], "bradycardia_below_bpm": float(min(ids))}

    used: dict[int, float] = {}

    def fake_keys(inp, conv):
        used[inp] = conv["bradycardia_below_bpm"]
        return []

    monkeypatch.setattr(B, "tune", fake_tune)
    monkeypatch.setattr(B, "keys_for", fake_keys)
    ids = list(range(1, 21))
    oof, convs = B.cross_validate({n: n for n in ids}, {}, ids)
    assert sorted(oof) == ids and sorted(convs) == [0, 1, 2, 3, 4]
    for train in seen:  # each tuning saw four folds
        assert len({B.fold(n) for n in train}) == 4
    for n in ids:  # and never the record's own fold
        k = B.fold(n)
        train = seen[sorted(convs).index(k)]
        assert n not in train and used[n] == float(min(train))


def test_tune_only_reads_the_records_it_is_given(monkeypatch):
    import bench.bench_interpretation as B

    read: set[int] = set()

    def fake_keys(inp, conv):
        read.add(inp)
        return []

    monkeypatch.setattr(B, "keys_for", fake_keys)
    rows = {n: {"Rhythms": "Sinus rhythm"} for n in range(1, 11)}
    conv = B.tune({n: n for n in range(1, 11)}, rows, ids=[2, 4, 6], passes=1)
    assert read == {2, 4, 6}
    assert set(conv) == set(CONVENTIONS["aha"])


def test_af_model_probability_is_a_convention_threshold():
    from types import SimpleNamespace

    model = SimpleNamespace(label="other", probabilities={"normal": 0.05, "af": 0.42, "other": 0.5, "noisy": 0.03},
                            model="test")
    no_p = RhythmFeatures(n_beats=12, p_wave_fraction=0.6, pr_iqr_ms=20.0, rr_range_ms=300.0, rr_cv=0.15,
                          rr_irregularity=0.07)
    assert keys(interpret(BASE, rhythm=no_p, rhythm_model=model))[0] == "rhythm_undetermined"
    got = interpret(BASE, rhythm=no_p, rhythm_model=model, convention={"af_model_probability_from": 0.4})
    assert got[0].key == "atrial_fibrillation" and got[0].criteria["af_model_probability_from"] == 0.4
    # consistent P waves keep the rhythm sinus whatever the model says
    p_ok = RhythmFeatures(n_beats=12, p_wave_fraction=1.0, pr_iqr_ms=8.0, rr_range_ms=40.0, rr_cv=0.02)
    assert keys(interpret(BASE, rhythm=p_ok, rhythm_model=model, convention={"af_model_probability_from": 0.4}))[0] \
        == "sinus_rhythm"


def test_irregular_slow_sinus_rhythm_named_by_the_convention():
    rr = [np.nan, 1000, 1100, 1200, 1300, 1200, 1100, 1000, 1100, 1200, 1300, 1200]
    m = morph(beats=_beats("N" * 12, rr))
    slow = {**BASE, "heart_rate_bpm": 52.0}
    aha = interpret(slow, rhythm=IRREG, morphology=m)
    assert aha[0].key == "sinus_bradycardia" and aha[0].text == "Sinus bradycardia with sinus arrhythmia"
    other = interpret(slow, rhythm=IRREG, morphology=m, convention={"sinus_arrhythmia_first": 1.0})
    assert other[0].key == "sinus_arrhythmia" and other[0].text == "Sinus arrhythmia with bradycardia"
    assert other[0].code == "427393009"
    # regular slow rhythm: bradycardia under either reading
    reg = RhythmFeatures(n_beats=10, p_wave_fraction=1.0, pr_iqr_ms=8.0, rr_range_ms=40.0, rr_cv=0.02)
    assert keys(interpret(slow, rhythm=reg, convention={"sinus_arrhythmia_first": 1.0}))[0] == "sinus_bradycardia"


def test_rate_from_the_mean_rr_of_the_strip_is_a_convention_option():
    # median RR 1000 ms (60 bpm), but two long cycles pull the strip's mean RR to 1060 ms (56.6 bpm)
    rr = [np.nan, 1000, 1000, 1000, 1300, 1000, 1000, 1000, 1300, 1000, 1000]
    m = morph(beats=_beats("N" * 11, rr))
    reg = RhythmFeatures(n_beats=11, p_wave_fraction=1.0, pr_iqr_ms=8.0, rr_range_ms=40.0, rr_cv=0.02)
    at60 = {**BASE, "heart_rate_bpm": 60.0}
    st = interpret(at60, rhythm=reg, morphology=m, convention={"rate_from_mean_rr": 0.0})[0]
    assert st.key == "sinus_rhythm" and "heart_rate_measure" not in st.evidence
    st = interpret(at60, rhythm=reg, morphology=m, convention={"rate_from_mean_rr": 1.0})[0]
    assert st.key == "sinus_bradycardia"
    assert st.evidence["heart_rate_bpm"] == 56.6 and st.evidence["heart_rate_measure"] == "mean RR"


def test_sinus_arrhythmia_relative_to_the_cycle_length():
    # a sinus RR range of 140 ms: below the 160 ms limit, but 14 % of a 1000-ms cycle
    reg = RhythmFeatures(n_beats=10, p_wave_fraction=1.0, pr_iqr_ms=8.0, rr_range_ms=140.0, rr_cv=0.04)
    at60 = {**BASE, "heart_rate_bpm": 60.5}
    assert keys(interpret(at60, rhythm=reg))[0] == "sinus_rhythm"
    st = interpret(at60, rhythm=reg, convention={"sinus_irregular_rr_fraction": 0.12})[0]
    assert st.key == "sinus_arrhythmia" and "12% of the RR" in st.criteria["rule"]
    # the same range at 120 bpm (500-ms cycle: 28 %) and at 40 bpm (1500 ms: 9 %)
    assert keys(interpret({**BASE, "heart_rate_bpm": 40.0}, rhythm=reg,
                          convention={"sinus_irregular_rr_fraction": 0.12}))[0] == "sinus_bradycardia"
