"""Atrial flutter: the periodicity test of the atrial activity between the QRS complexes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sg

import cardiokit
from cardiokit.interpret._atrial import ATRIAL_CRITERIA, atrial_activity
from cardiokit.sim.ecg import simulate_ecg


def _flutter(rate_per_min: float, amp_mv: float = 0.15, seed: int = 0):
    """A simulated ECG without P waves (irregular, 'variable block' ventricular response)
    plus a sawtooth at ``rate_per_min``: negative in II, III, aVF, positive in V1."""
    rec = simulate_ecg(duration_s=10, af=True, af_amplitude_mv=0.0, seed=seed)
    t = np.arange(rec.signals.shape[0]) / rec.fs
    saw = amp_mv * sg.sawtooth(2 * np.pi * rate_per_min / 60.0 * t + 0.3, width=0.8)
    x = np.array(rec.signals, np.float64)
    names = [c.name.lower() for c in rec.channels]
    for lead, sign in (("ii", -1), ("iii", -1), ("avf", -1), ("v1", 1)):
        x[:, names.index(lead)] += sign * saw
    return rec._evolve(signals=x.astype(np.float32))


@pytest.mark.parametrize(("rate", "seed"), [(300.0, 0), (250.0, 1)])
def test_sawtooth_atrial_activity_is_atrial_flutter(rate, seed):
    rep = cardiokit.analyze(_flutter(rate, seed=seed))
    st = rep.statement("atrial_flutter")
    assert st is not None and st.code == "164890007" and st.category == "rhythm"
    assert st.evidence["atrial_rate_per_min"] == pytest.approx(rate, abs=15.0)
    assert len(st.evidence["flutter_leads"]) >= ATRIAL_CRITERIA["flutter_min_leads"]
    assert "240-340" in st.criteria["rule"] and "Page RL" in st.criteria["reference"]
    keys = [s.key for s in rep.statements]
    assert "atrial_fibrillation" not in keys and not any(k.startswith("sinus") for k in keys)
    assert "premature_atrial_complexes" not in keys and rep.rhythm.label == "other"


def test_fibrillatory_waves_and_sinus_rhythm_are_not_flutter():
    af = cardiokit.analyze(simulate_ecg(duration_s=10, af=True, af_amplitude_mv=0.1, seed=3))
    assert af.statement("atrial_flutter") is None
    for seed, hr in ((4, 72.0), (5, 150.0)):
        rep = cardiokit.analyze(simulate_ecg(duration_s=10, seed=seed, heart_rate_bpm=hr))
        assert rep.statement("atrial_flutter") is None
        aa = atrial_activity(rep.cleaned.signals, rep.cleaned.fs, [c.name for c in rep.cleaned.channels],
                             rep.beats.samples)
        assert aa is not None and aa.leads == ()


def test_without_the_signal_no_flutter_test():
    from cardiokit.interpret import interpret
    from tests.report.test_statements import BASE, SINUS

    assert "atrial_flutter" not in [s.key for s in interpret(BASE, rhythm=SINUS)]
    assert atrial_activity(np.zeros((100, 2)), 500.0, ("ii", "v1"), np.array([50])) is None
