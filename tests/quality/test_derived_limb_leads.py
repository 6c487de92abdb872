"""Limb leads that are combinations of I and II are not graded unusable while I and II are good
(``cardiokit.quality.assess._derived_sound``): a small QRS beside the same noise is not a
recording fault."""

from __future__ import annotations

import numpy as np

import cardiokit
from cardiokit.quality.assess import DERIVED_MIN_R2, _derived_sound
from tests.conftest import shared_path

NAMES = ["I", "II", "III", "aVR", "aVL", "aVF"]
BOUNDS = [(0, 2500), (2500, 5000)]


def _limb(rng: np.random.Generator, independent_iii: bool = False) -> np.ndarray:
    i, ii = rng.standard_normal((2, 5000)).cumsum(axis=1) * 0.01
    iii = rng.standard_normal(5000) if independent_iii else 0.3 * (ii - i)  # per-lead gain allowed
    return np.stack([i, ii, iii, -(i + ii) / 2, i - ii / 2, ii - i / 2], axis=1)


def test_a_combination_of_good_i_and_ii_is_sound_in_that_segment_only() -> None:
    y = _limb(np.random.default_rng(0))
    probs = np.full((2, 6), 0.05)
    probs[:, 2] = 0.9  # the model calls III unusable in both segments
    probs[1, 0] = 0.3  # lead I is not good in the second one
    got = _derived_sound(NAMES, BOUNDS, y, probs, good=0.2, bad=0.5)
    assert got is not None and got[0, 2] and not got[1, 2]
    assert got.sum() == 1  # only a segment the model called unusable


def test_an_independent_lead_or_missing_i_ii_gets_no_relief() -> None:
    rng = np.random.default_rng(1)
    probs = np.full((2, 6), 0.05)
    probs[:, 2] = 0.9
    assert _derived_sound(NAMES, BOUNDS, _limb(rng, independent_iii=True), probs, 0.2, 0.5) is None
    assert _derived_sound(["V1", "II", "III", "aVR", "aVL", "aVF"], BOUNDS, _limb(rng), probs, 0.2, 0.5) is None
    assert DERIVED_MIN_R2 >= 0.95


def test_ludb_142_small_lead_iii_is_not_reported_as_poor_quality() -> None:
    """LUDB 142: a clean record whose lead III (a small QRS) the model alone grades unusable from
    5 s on; I and II are good there, so III is acceptable and no poor-quality statement is made."""
    rec = cardiokit.read(shared_path("ludb", "data", "142.hea"))
    rep = cardiokit.analyze(rec)
    grades = {lq.lead.lower(): lq.grade for lq in rep.quality.leads}
    assert grades["iii"] == "acceptable" and grades["i"] == grades["ii"] == "good"
    assert not rep.quality.unusable_segments
    assert "poor_signal_quality" not in {s.key for s in rep.statements}
    seg = next(s for s in rep.quality.leads[2].segments if s.start_s == 5.0)
    assert seg.p_unusable >= 0.5 and "bassqi" in seg.issues  # the model's call, still shown in the issues


def test_fit_decision_equals_lstsq() -> None:
    """The 2 x 2 normal-equation fit decides R^2 >= DERIVED_MIN_R2 as ``np.linalg.lstsq`` does:
    fits close to the threshold, nearly collinear I and II and exact combinations included."""
    from cardiokit.quality.assess import _combination_of

    rng = np.random.default_rng(11)
    n_near = 0
    for trial in range(600):
        m = int(rng.integers(50, 3000))
        basis = rng.standard_normal((m, 2))
        if trial % 5 == 0:  # nearly collinear leads (ill-conditioned: lstsq decides)
            basis[:, 1] = basis[:, 0] + 10.0 ** -rng.uniform(2, 9) * rng.standard_normal(m)
        basis -= basis.mean(axis=0)
        # noise set so that R^2 lands around the threshold
        noise = np.sqrt((1 - DERIVED_MIN_R2) / DERIVED_MIN_R2) * rng.uniform(0.5, 1.5)
        t = basis @ rng.standard_normal(2) * (0.0 if trial == 1 else 1.0)
        t = t / max(np.std(t), 1e-12) + noise * rng.standard_normal(m)
        if trial % 7 == 0:
            t = basis @ np.array([0.3, -1.2])  # an exact combination
        t -= t.mean()
        tt = float(t @ t)
        coef, *_ = np.linalg.lstsq(basis, t, rcond=None)
        r = t - basis @ coef
        r2 = 1.0 - float(r @ r) / tt
        n_near += abs(r2 - DERIVED_MIN_R2) < 2e-3
        assert _combination_of(basis, t, tt) == (r2 >= DERIVED_MIN_R2), trial
    assert n_near > 20  # the threshold itself was exercised
