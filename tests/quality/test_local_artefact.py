"""One electrode pop in a 10-s 12-lead ECG: a local artefact, not an unreadable recording."""

from __future__ import annotations

import numpy as np
import pytest
from bench._artefacts import electrode_pops
from bench.bench_beats import ELECTRODE_GAIN

import cardiokit
from cardiokit import Channel, Recording
from cardiokit.quality.assess import SegmentQuality, _grade_lead
from tests.conftest import shared_path


def _segs(*grades: str) -> list[SegmentQuality]:
    return [SegmentQuality("ii", 5.0 * k, 5.0 * (k + 1), g, None) for k, g in enumerate(grades)]


@pytest.mark.parametrize(("grades", "lead"), [
    (("good", "unusable"), "acceptable"),       # half spoilt, the rest good: still measurable
    (("unusable", "good"), "acceptable"),
    (("acceptable", "unusable"), "unusable"),   # half spoilt and the rest doubtful
    (("unusable", "unusable", "good"), "unusable"),
    (("good", "good", "unusable", "good"), "acceptable"),
    (("good",) * 10, "good"),
])
def test_lead_grade_rule(grades, lead):
    assert _grade_lead(_segs(*grades)) == lead


def _ludb_with_pop(rid: int, seed: int) -> tuple[Recording, Recording]:
    wfdb = pytest.importorskip("wfdb")
    path = str(shared_path("ludb", "data", f"{rid}.hea").with_suffix(""))
    r = wfdb.rdrecord(path)
    ann = wfdb.rdann(path, "ii")
    ref = np.array([s for s, y in zip(ann.sample, ann.symbol, strict=True) if y == "N"])
    x = r.p_signal
    pop = electrode_pops(x.shape[0], r.fs, np.random.default_rng(seed), amp_mv=(2.0, 2.0), count=1,
                         span=(int(ref[0]), int(ref[-1])))
    y = x + pop[:, None] * np.asarray(ELECTRODE_GAIN["LL"])[None, :]
    y = (y - y.min(axis=0)) / np.ptp(y, axis=0) + x.min(axis=0)  # spans 1 mV, as LUDB's leads do
    chans = tuple(Channel(c, "ecg", "mV") for c in r.sig_name)
    return (Recording(x.astype(np.float32), r.fs, chans), Recording(y.astype(np.float32), r.fs, chans))


def test_one_electrode_pop_leaves_the_record_interpretable():
    """LUDB 41 (sinus bradycardia) with a 2-mV pop on the left-leg electrode at 5.0 s: it reaches
    8 leads (not I, the only limb lead without LL, nor V2-V4 enough to spoil them). The record
    stays interpretable with the clean reading, and the warning names the stretch."""
    clean, popped = _ludb_with_pop(41, 41)
    a, b = cardiokit.analyze(clean), cardiokit.analyze(popped)
    assert b.quality.grade != "unusable"
    assert {s.key for s in b.statements} - {"poor_signal_quality"} == {s.key for s in a.statements}
    warn = next(s for s in b.statements if s.key == "poor_signal_quality")
    assert "(5-10 s)" in warn.text and "II" in warn.text
    assert {d["lead"] for d in warn.evidence["unusable_stretches"]} >= {"ii", "iii", "avf"}
    # the P waves of the beats left out in most leads count neither way
    assert abs(b.measurements["pr_ms"] - a.measurements["pr_ms"]) <= 10


def test_the_warning_names_stretches_merged_and_capped():
    from cardiokit.quality import SignalQuality
    from cardiokit.quality.assess import LeadQuality

    def lead(name: str, grades: str) -> LeadQuality:
        segs = tuple(SegmentQuality(name, 5.0 * k, 5.0 * (k + 1), {"g": "good", "u": "unusable"}[g], None)
                     for k, g in enumerate(grades))
        return LeadQuality(name, _grade_lead(segs), {}, (), 1.0, "ecg", segs)

    leads = (lead("ii", "guug" + "g" * 6), lead("iii", "guug" + "g" * 6), lead("v1", "gugugugugu"),
             lead("v2", "gggggggggg"))
    q = SignalQuality("acceptable", leads)
    out = cardiokit.interpret.interpret({"heart_rate_bpm": 70.0}, quality=q)
    warn = next(s for s in out if s.key == "poor_signal_quality")
    # adjacent unusable segments are one stretch; a lead with many stretches shows three
    assert warn.text == "Poor signal quality in leads II, III (5-15 s); lead V1 (5-10 s, 15-20 s, 25-30 s and 2 more)"
    assert {(d["lead"], d["start_s"]) for d in warn.evidence["unusable_stretches"]} >= {("ii", 5.0), ("v1", 45.0)}


def test_a_pop_costs_its_stretch_not_its_whole_segment(monkeypatch):
    """30 s of MIT-BIH 100 (MLII) with a 2-mV pop at 12.3 s (100 ms before a QRS): the pop's
    stretch is unusable (issue electrode_pop; with the 2 s left after it, too short to grade,
    12.0-15 s), the 2 s before it are graded on their own."""
    wfdb = pytest.importorskip("wfdb")
    path = str(shared_path("mitdb", "100.hea").with_suffix(""))
    r = wfdb.rdrecord(path, sampto=30 * 360, channels=[0])
    t = np.arange(r.sig_len) / r.fs
    pop = np.where(t >= 12.3, 2.0 * np.exp(-(t - 12.3) / 0.7), 0.0)
    rec = Recording((r.p_signal[:, 0] + pop)[:, None].astype(np.float32), r.fs, (Channel("MLII", "ecg", "mV"),))
    from cardiokit.ecg import clean, detect_beats
    from cardiokit.quality import assess as qa
    from cardiokit.quality import assess_quality

    c = clean(rec)
    b = detect_beats(c)
    q = assess_quality(rec, beats=b, cleaned=c)
    bad = [s for s in q.segments if s.grade == "unusable"]
    assert len(bad) == 1 and "electrode_pop" in bad[0].issues
    assert 12.0 <= bad[0].start_s <= 12.1 and bad[0].stop_s == 15.0
    before = next(s for s in q.segments if s.stop_s == bad[0].start_s)
    assert before.start_s == 10.0 and before.grade != "unusable"
    assert q.grade != "unusable" and "electrode_pop" in q.leads[0].issues
    # graded as whole 5-s segments the pop costs 10-15 s (or more)
    monkeypatch.setattr(qa, "_split_at_pops", lambda lq, *a: lq)
    whole = [s for s in assess_quality(rec, beats=b, cleaned=c).segments if s.grade == "unusable"]
    assert sum(s.stop_s - s.start_s for s in whole) >= 5.0
