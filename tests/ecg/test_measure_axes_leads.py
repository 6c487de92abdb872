"""Frontal axes from whichever two limb leads a recording has."""

from __future__ import annotations

import numpy as np
import pytest

import cardiokit
from cardiokit.ecg.measure import _limb_i_avf
from tests.conftest import shared_path


@pytest.mark.parametrize("pair", [("II", "aVR"), ("aVL", "aVF"), ("III", "aVR"), ("I", "aVL"), ("II", "III")])
def test_lead_i_and_avf_from_any_two_limb_leads(pair):
    rng = np.random.default_rng(1)
    i, ii = rng.normal(size=(2, 300))
    truth = {"I": i, "II": ii, "III": ii - i, "aVR": -(i + ii) / 2, "aVL": i - ii / 2, "aVF": ii - i / 2}
    got_i, got_avf = _limb_i_avf(np.stack([truth[p] for p in pair], axis=1), pair)
    np.testing.assert_allclose(got_i, truth["I"], atol=1e-9)
    np.testing.assert_allclose(got_avf, truth["aVF"], atol=1e-9)


def test_monitor_leads_ii_and_avr_give_the_12_lead_axes():
    """The GE MAC DICOM reduced to II, aVR and V1-V6: the frontal axes equal the 12-lead ones;
    BIDMC 02 (II, aVR, V monitor leads) now has P, QRS and T axes."""
    rec = cardiokit.read(shared_path("ecg_formats", "dicom", "test_ecg_ge_mac.dcm"))
    keep = rec.select([c.name for c in rec.channels if c.name.lower() not in {"i", "iii", "avl", "avf"}])
    a, b = cardiokit.analyze(rec).measurements, cardiokit.analyze(keep).measurements
    for k in ("p_axis_deg", "qrs_axis_deg", "t_axis_deg"):
        assert b[k] == pytest.approx(a[k], abs=3.0), k
    m = cardiokit.analyze(cardiokit.read(shared_path("bidmc_subset", "bidmc_02_Signals.csv.gz"))).measurements
    assert all(m[k] is not None for k in ("p_axis_deg", "qrs_axis_deg", "t_axis_deg"))
