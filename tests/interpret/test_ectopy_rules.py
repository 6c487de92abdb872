"""Ectopy statements: no PAC without a rhythm of P waves."""

from __future__ import annotations

import numpy as np

from cardiokit.interpret import RhythmFeatures, interpret
from tests.report.test_statements import BASE, _beats, keys, morph


def test_no_pac_stated_without_a_rhythm_of_p_waves() -> None:
    """A premature beat of the dominant shape is a PAC in a rhythm with P waves; where P waves
    are found before < 30 % of the QRS complexes (AF the rules did not state: MIT-BIH 210's
    10-s strips) it is not stated, whatever the rhythm statement."""
    b = _beats("NNANNNNN", [np.nan, 800, 600, 900, 800, 800, 800, 800])
    for pf, stated in ((0.9, True), (0.45, True), (0.25, False), (0.1, False)):
        rf = RhythmFeatures(8, pf, 10.0, 60.0, 0.1, 0.05)
        got = keys(interpret(BASE, rhythm=rf, morphology=morph(beats=b)))
        assert ("premature_atrial_complexes" in got) is stated, (pf, got)
