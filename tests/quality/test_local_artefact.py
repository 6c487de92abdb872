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


def _ludb_with_pop(rid: int, seed: int, electrode: str = "LL") -> tuple[Recording, Recording]:
    wfdb = pytest.importorskip("wfdb")
    path = str(shared_path("ludb", "data", f"{rid}.hea").with_suffix(""))
    r = wfdb.rdrecord(path)
    ann = wfdb.rdann(path, "ii")
    ref = np.array([s for s, y in zip(ann.sample, ann.symbol, strict=True) if y == "N"])
    x = r.p_signal
    pop = electrode_pops(x.shape[0], r.fs, np.random.default_rng(seed), amp_mv=(2.0, 2.0), count=1,
                         span=(int(ref[0]), int(ref[-1])))
    y = x + pop[:, None] * np.asarray(ELECTRODE_GAIN[electrode])[None, :]
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


def test_a_limb_electrode_pop_costs_the_precordial_leads_its_stretch_only():
    """A 2-mV pop on the right-arm electrode at 7.7 s of LUDB 57 reaches V1-V6 at a third,
    below those leads' own jump threshold: before the pop was shared between leads, V2, V4, V5
    and V6 lost their whole second 5-s segment; now each loses the pop's stretch, as the limb
    leads do, and keeps the rest graded on its own."""
    rep = cardiokit.analyze(_ludb_with_pop(57, 2, "RA")[1])
    whole = [u.lead for u in rep.quality.unusable_segments if u.stop_s - u.start_s >= 4.99]
    assert whole == [], whole
    pops = {s.lead for s in rep.quality.segments if "electrode_pop" in s.issues and s.start_s <= 7.7 <= s.stop_s}
    assert {"v2", "v4", "v5", "v6"} <= pops, pops


def test_a_pop_is_shared_only_when_two_leads_show_it():
    """Unit check of the sharing: a step seen at its own threshold in two leads reaches a third
    lead where it is smaller (but still a step that stays); a step in one lead alone does not
    reach the others."""
    from cardiokit.quality.assess import _shared_pops

    fs, n = 500.0, 5000
    t = np.arange(n)
    x = np.zeros((n, 4))
    x[t >= 2000, 0] = 1.0
    x[t >= 2010, 1] = 0.9  # the same pop, 20 ms later in lead 1
    x[t >= 2005, 2] = 0.3  # smaller: below lead 2's own threshold (0.5), above half of it
    x[t >= 4000, 3] = 1.0  # lead 3's own step, alone
    edges = [([2000], 0.5), ([2010], 0.5), ([], 0.5), ([4000], 0.5)]
    got = _shared_pops(edges, x, fs)
    assert got[0][0] == [2000] and got[1][0] == [2010]  # own edges kept, nothing added
    assert len(got[2][0]) == 1 and abs(got[2][0][0] - 2005) <= 10  # the shared pop, at its median time
    assert got[3][0] == [4000]  # the lone step stays lead 3's own and reaches no other lead
    assert all(4000 not in e for e, _ in got[:3])
