"""Ectopy and conduction statements: no PAC without a rhythm of P waves; no nonspecific IVCD without the leads of the bundle-branch criteria."""

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


def test_conduction_delay_needs_the_leads_of_the_bundle_branch_criteria() -> None:
    """A nonspecific IVCD is a wide QRS without the RBBB / LBBB criteria: stated only where V1 and
    a lateral lead (I, V5 or V6) let those criteria be checked; an ambulatory MLII + V1 pair, or a
    single handheld lead, gets the unclassified "Wide QRS complex" from 120 ms."""
    import dataclasses

    from tests.report.test_statements import with_qrs

    full = with_qrs(morph(), 115.0)
    wide = {**BASE, "qrs_ms": 115.0}
    assert "nonspecific_intraventricular_conduction_delay" in keys(interpret(wide, rhythm=None, morphology=full))
    for kept in (("ii", "v1"), ("i",), ("ii", "v5")):
        few = dataclasses.replace(full, leads={k: v for k, v in full.leads.items() if k in kept})
        got = keys(interpret(wide, rhythm=None, morphology=few))
        assert not any("bundle" in k or "conduction_delay" in k for k in got), (kept, got)
        got = keys(interpret({**BASE, "qrs_ms": 130.0}, rhythm=None, morphology=with_qrs(few, 130.0)))
        assert "wide_qrs" in got, (kept, got)
    # V1 and V6 suffice
    some = dataclasses.replace(full, leads={k: v for k, v in full.leads.items() if k in ("ii", "v1", "v6")})
    assert "nonspecific_intraventricular_conduction_delay" in keys(interpret(wide, rhythm=None, morphology=some))
