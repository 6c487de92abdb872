"""Beat classes of ``cardiokit.analyze`` against the MIT-BIH beat labels (AAMI EC57 classes):
floors on the shared records, and the false PVCs of a noisy stretch of narrow beats."""

from __future__ import annotations

import numpy as np
import pytest
from bench.bench_beat_classes import reference, score_record

import cardiokit
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def scores() -> dict[str, dict]:
    out = {}
    for name in ("100", "106", "119", "200", "208"):
        rec = cardiokit.read(shared_path("mitdb", f"{name}.hea"))
        rep = cardiokit.analyze(rec)
        ref, cls = reference(name)
        out[name] = score_record(ref, cls, np.asarray(rep.beats.samples, np.int64), rep.morphology.beats.labels,
                                 rec.fs)[1]
    return out


def test_ventricular_ectopic_beats_are_found_and_labelled_right(scores: dict[str, dict]) -> None:
    # 2026-11-25: 100 1/1, 119 444/444, 208 99.2/99.2, 200 92.6/97.6, 106 90.0/99.6 (Se/+P %); 200 and
    # 106 were 89.8 and 79.0 % sensitive while a wide premature beat without a P wave whose start
    # looked like the dominant QRS was labelled A. Since the QRS noise floor (2026-11-25, later) 200 reads
    # 91.8/98.1 (narrower QRS in its noisy stretches: some PVCs are no longer >= 20 ms wider)
    for name, se, ppv in (("119", 99.0, 99.0), ("208", 98.0, 98.0), ("200", 90.0, 96.0), ("106", 87.0, 98.0)):
        v = scores[name]["VEB"]
        assert v.se >= se and v.ppv >= ppv, (name, v)
    assert scores["100"]["VEB"].tp == 1 and scores["100"]["VEB"].fp == 0
    # 100: 33 APCs, 32 labelled, none wrongly
    s = scores["100"]["SVEB"]
    assert s.tp >= 30 and s.fp <= 2, s


def test_narrow_beats_without_p_waves_in_noise_are_not_pvcs() -> None:
    """MIT-BIH 103 has no PVC in its 30 min. In a noisy stretch (1090-1195 s) its P waves are lost
    and the QRS shapes correlate < 0.8 with the dominant one: 75 narrow beats on time there were
    labelled V (86 in the record) before a missing P wave needed a wider QRS too (11 now, 7 there)."""
    rec = cardiokit.read(shared_path("mitdb", "103.hea"))
    rep = cardiokit.analyze(rec)
    labels = rep.morphology.beats.labels
    assert len(labels) > 2000
    assert labels.count("V") <= 20, labels.count("V")
    t = np.asarray(rep.beats.samples) / rec.fs
    in_noise = [lab for lab, x in zip(labels, t, strict=True) if 1090 <= x < 1195]
    assert len(in_noise) > 100 and in_noise.count("V") <= 8  # 7 now (wider beats in the noise)


def test_pvcs_as_many_as_sinus_beats_are_still_pvcs() -> None:
    """MIT-BIH 208 (PVCs in half the beats, couplets, trigeminy): in a 10-s strip the PVCs can
    outnumber the sinus beats and the median QRS was theirs, so they were labelled N; the beats
    unlike it, narrower and with P waves, are now the dominant ones. Of 60 strips (every 30 s) 59
    hold PVCs: the statement was made in 41, now 56."""
    rec = cardiokit.read(shared_path("mitdb", "208.hea"))
    reps = [cardiokit.analyze(rec.crop(t, t + 10)) for t in range(0, 1800, 30)]
    stated = sum(r.statement("premature_ventricular_complexes") is not None for r in reps)
    assert stated >= 52, stated


def test_the_median_beat_is_a_sinus_beat_when_pvcs_outnumber_them() -> None:
    """MIT-BIH 208, 300-310 s (PVCs in trigeminy and couplets): the median beat of the most alike
    beats was a PVC's, QRS 142 ms and a false "Wide QRS complex"; the narrower beats with P waves
    are the dominant ones for the measurements too (106 ms)."""
    rec = cardiokit.read(shared_path("mitdb", "208.hea")).crop(300, 310)
    rep = cardiokit.analyze(rec)
    assert rep.measurements["qrs_ms"] < 115.0, rep.measurements["qrs_ms"]
    assert rep.statement("wide_qrs") is None
    assert rep.statement("premature_ventricular_complexes") is not None


def test_bigeminal_pvcs_are_not_read_as_pacs() -> None:
    """MIT-BIH 106, 160-170 s (ventricular bigeminy): the median QRS over all beats blended the
    sinus and PVC shapes, both correlated >= 0.8 with it, and PVCs followed by a pause were
    labelled A ("Premature atrial complexes"). The template of the beats on time, which carry P
    waves, is the sinus QRS: every labelled beat now matches the reference (VVNVNVVNVNVN)."""
    rec = cardiokit.read(shared_path("mitdb", "106.hea"))
    rep = cardiokit.analyze(rec.crop(160, 170))
    ref, cls = reference("106")
    r = np.asarray(rep.beats.samples) + 160 * 360
    truth = [cls[int(np.argmin(np.abs(ref - s)))] for s in r]
    labels = list(rep.morphology.beats.labels)
    assert labels == [{"V": "V"}.get(c, "N") for c in truth], (labels, truth)
    assert rep.statement("premature_atrial_complexes") is None
    assert rep.statement("premature_ventricular_complexes") is not None


def test_the_on_time_template_needs_p_waves_and_premature_beats() -> None:
    """:func:`morphology._on_time_template` leaves the correlations alone without premature
    beats, with too few beats on time, or when the beats on time lack P waves (atrial
    fibrillation, where early beats are often aberrant: LUDB 109)."""
    from cardiokit.ecg.morphology import _on_time_template

    rng = np.random.default_rng(0)
    sinus, pvc = rng.standard_normal(40), rng.standard_normal(40)
    seg = np.stack([sinus, pvc, sinus, pvc, sinus, pvc, sinus, sinus + 0.01 * rng.standard_normal(40)])
    seg -= seg.mean(axis=1, keepdims=True)
    corr = np.full(len(seg), 0.9)
    prem = [False, True, False, True, False, True, False, False]
    assert _on_time_template(seg, corr, [False] * 8, (1,) * 8) is corr
    assert _on_time_template(seg, corr, prem, (0, 0, 0, 0, 0, 0, 0, 0)) is corr
    assert _on_time_template(seg, corr, [True] * 7 + [False], (1,) * 8) is corr  # 2 on time
    out = _on_time_template(seg, corr, prem, (1, 0, 1, 0, 1, 0, 1, 1))
    assert np.all(out[[0, 2, 4, 6, 7]] > 0.99) and np.all(np.abs(out[[1, 3, 5]]) < 0.6), out
