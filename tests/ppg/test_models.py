"""Shipped BP and vascular-age models: card hashes, plausible outputs, age independence."""

from __future__ import annotations

import numpy as np
import pytest

from cardiokit.models import load_card, sha256_file, verify
from cardiokit.models.cards import MODEL_DIR
from cardiokit.ppg import analyze_ppg, estimate_bp, estimate_vascular_age
from tests.conftest import shared_path

SUBJECT = {"age_years": 45.0, "sex": "F", "height_cm": 152.0, "weight_kg": 63.0}


@pytest.mark.parametrize("name", ["ppg_bp", "ppg_vascular_age"])
def test_card_sha256_matches(name: str) -> None:
    card = load_card(name)
    verify(card)
    for f, digest in card.files.items():
        assert sha256_file(MODEL_DIR / f) == digest
    assert card.license and card.data["n_subjects"] >= 100
    assert "subject_wise_10fold_cv" in card.metrics
    assert (MODEL_DIR / f"{name}.md").is_file()


def _seg() -> dict:
    x = np.array(shared_path("ppg_bp", "0_subject", "2_1.txt").read_text().split(), float)
    return analyze_ppg(x, fs_hz=1000.0, models=False).biomarkers


def test_bp_plausible_with_interval() -> None:
    bm = _seg()
    for subj, variant in ((SUBJECT, "ppg+subject"), ({}, "ppg"), ({"sex": "M"}, "ppg+subject")):
        bp = estimate_bp(bm, subject=subj)
        assert bp.variant == variant
        assert 80 <= bp.sbp_mmhg <= 200 and 40 <= bp.dbp_mmhg <= 120
        assert bp.sbp_mmhg > bp.dbp_mmhg
        lo, hi = bp.sbp_interval_mmhg
        assert lo < bp.sbp_mmhg < hi and 10 < hi - lo < 100
        lo, hi = bp.dbp_interval_mmhg
        assert lo < bp.dbp_mmhg < hi


def test_bp_uses_subject_data() -> None:
    bm = _seg()
    young = estimate_bp(bm, subject={**SUBJECT, "age_years": 25.0})
    old = estimate_bp(bm, subject={**SUBJECT, "age_years": 75.0})
    assert old.sbp_mmhg > young.sbp_mmhg


def test_vascular_age_independent_of_chronological_age() -> None:
    bm = _seg()
    a = estimate_vascular_age(bm)
    b = estimate_vascular_age(bm, age_years=45.0)
    c = estimate_vascular_age(bm, age_years=80.0)
    assert a.years == b.years == c.years
    assert a.gap_years is None and b.gap_years == pytest.approx(b.years - 45.0, abs=0.05)
    assert 15 <= a.years <= 100
    x = np.array(shared_path("ppg_bp", "0_subject", "2_1.txt").read_text().split(), float)
    r1 = analyze_ppg(x, fs_hz=1000.0, subject={})
    r2 = analyze_ppg(x, fs_hz=1000.0, subject=SUBJECT)
    assert r1.vascular_age.years == r2.vascular_age.years
