"""Median-beat morphology, pacemaker spikes and beat classes on LUDB (real 12-lead records)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import cardiokit
from cardiokit.ecg._measure_median import MedianBeat
from cardiokit.ecg.morphology import classify_beats, detect_pace_spikes, lead_morphology

LUDB = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ludb" / "data"
pytestmark = pytest.mark.skipif(not LUDB.is_dir(), reason="../shared/data/ludb is not available")

#: LUDB records annotated "unipolar ventricular pacing" and records without pacing
#: (ludb.csv, column "Cardiac pacing")
PACED = (8, 34, 45, 74, 95, 104)
NOT_PACED = (1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13)


def _chain(n: int):
    from cardiokit.pipeline import _measure

    rec = cardiokit.read(str(LUDB / str(n)))
    rep = cardiokit.analyze(rec)
    meas = _measure(rep.cleaned, rep.beats, rep.delineation, None)
    return rec, rep, meas


@pytest.fixture(scope="module")
def chains():
    return {n: _chain(n) for n in PACED + NOT_PACED}


def test_pace_spikes_precede_most_beats_of_paced_records_and_none_elsewhere(chains):
    for n, (rec, rep, _) in chains.items():
        dl = rep.delineation
        g = np.asarray(dl.global_)
        ps = detect_pace_spikes(rec, dl.beats, qrs_on=g[:, 3], p_on=g[:, 0])
        if n in PACED:
            assert ps.ventricular_fraction >= 0.5, (n, ps.to_dict())
            assert "P" in classify_beats(rep.cleaned, dl, pace=ps).labels
        else:
            assert ps.samples.size == 0, (n, ps.to_dict())


def test_beat_classes_of_unpaced_records(chains):
    rep = chains[7][1]  # one atrial extrasystole (ludb.csv), sinus otherwise
    labels = classify_beats(rep.cleaned, rep.delineation).labels
    assert labels.count("A") == 1 and "V" not in labels


def test_all_leads_at_once_equal_lead_by_lead(chains):
    """Leads are measured together (one array per wave); each lead alone gives the same."""
    for n in (1, 7, 34, 104):
        mb = chains[n][2].median_beat
        together = lead_morphology(mb)
        assert len(together) == 12
        for j, name in enumerate(mb.leads):
            one = MedianBeat(np.asarray(mb.signals)[:, j : j + 1], mb.fs, mb.r_index, (name,),
                             np.asarray(mb.per_lead)[j : j + 1], mb.global_, mb.n_used, mb.n_beats)
            alone = lead_morphology(one)[name.lower()]
            assert dataclasses.asdict(alone) == dataclasses.asdict(together[name.lower()]), (n, name)


def test_limb_lead_gains_equal_the_stacked_system_null_vector(chains):
    """The 6x6 Gram form gives the null vector of the stacked Einthoven/Goldberger system
    (4 relations x samples rows), here taken by SVD of that system itself, on the ~125-Hz
    subset of samples the gains are fitted on; and that subset gives the gains of all the
    samples (the relations hold sample by sample) to 1e-4."""
    from cardiokit.ecg.morphology import LIMB_GAIN_FS_HZ, LIMB_LEADS, limb_lead_gains

    def null_vector(y: np.ndarray) -> np.ndarray:
        i, ii, iii, avr, avl, avf = (y - y.mean(axis=0)).T
        z = np.zeros_like(i)
        m = np.block([[i[:, None], -ii[:, None], iii[:, None], z[:, None], z[:, None], z[:, None]],
                      [i[:, None], ii[:, None], z[:, None], 2 * avr[:, None], z[:, None], z[:, None]],
                      [-i[:, None], z[:, None], iii[:, None], z[:, None], 2 * avl[:, None], z[:, None]],
                      [z[:, None], -ii[:, None], -iii[:, None], z[:, None], z[:, None], 2 * avf[:, None]]])
        g = np.linalg.svd(m, full_matrices=False)[2][-1]
        return g / g[1]

    for n in (1, 7, 34):
        cleaned = chains[n][1].cleaned
        gains = limb_lead_gains(cleaned)
        assert gains is not None and gains["ii"] == 1.0
        names = [c.name.lower() for c in cleaned.channels]
        y = np.asarray(cleaned.signals, np.float64)[:, [names.index(x) for x in LIMB_LEADS]]
        step = int(cleaned.fs // LIMB_GAIN_FS_HZ)
        assert step == 4
        got = [gains[x] for x in LIMB_LEADS]
        assert np.allclose(got, null_vector(y[::step]), rtol=1e-9, atol=0), n
        assert np.allclose(got, null_vector(y), rtol=1e-4, atol=0), n


def test_pace_screen_in_float32_finds_the_float64_spikes(chains):
    """The float32 curvature screen (with its rounding bound) rejects no record the exact
    float64 search would find spikes in: float32 and float64 copies of the same signals give
    the same spikes and paced beats."""
    for n in (8, 34, 104, 1, 7):
        rec, rep, _ = chains[n]
        dl = rep.delineation
        g = np.asarray(dl.global_)
        rec64 = rec._evolve(signals=np.asarray(rec.signals, np.float64))
        a = detect_pace_spikes(rec, dl.beats, qrs_on=g[:, 3], p_on=g[:, 0])
        b = detect_pace_spikes(rec64, dl.beats, qrs_on=g[:, 3], p_on=g[:, 0])
        assert np.array_equal(a.samples, b.samples) and np.array_equal(a.ventricular, b.ventricular), n
        assert (a.samples.size > 0) == (n in PACED), n
