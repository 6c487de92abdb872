"""The channel-robust CNN evaluation of training/_pcg_cnn.py (stage ``cnn``; not shipped):
input normalisation, random channels and the leave-one-database-out choices, which must
never look at the held-out database."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="scikit-learn is a training-only dependency ('.[train]')")

from training import _pcg_cnn as C

from cardiokit.pcg._inputs import CNN_FRAMES
from cardiokit.pcg.features import MEL_BANDS


def _logmel(n: int = 400, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, MEL_BANDS)) * rng.uniform(0.5, 3.0, MEL_BANDS) - 8.0


@pytest.mark.parametrize("per_band_sd", [True, False])
def test_normalisation_cancels_a_channel_response(per_band_sd):
    lm = _logmel()
    z = C.normalise(lm, per_band_sd)
    channel = np.random.default_rng(1).normal(0, 2.0, MEL_BANDS)  # a gain per band, in log power
    np.testing.assert_allclose(C.normalise(lm + channel, per_band_sd), z, atol=1e-9)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-9)
    sd = z.std(axis=0)
    if per_band_sd:
        np.testing.assert_allclose(sd, 1.0, atol=5e-3)  # the 1e-3 guard of the divisor
    else:  # the bands keep their relative spread
        assert sd.max() / sd.min() > 2.0


def test_random_channel_is_seeded_and_keeps_the_recording_usable():
    lm = _logmel(300)
    x1, r1 = C.random_channel(lm, np.random.default_rng(5))
    x2, r2 = C.random_channel(lm, np.random.default_rng(5))
    np.testing.assert_array_equal(x1, x2)
    assert r1 == r2 and 0.9 <= r1 <= 1.1
    assert x1.shape[1] == MEL_BANDS and np.isfinite(x1).all()
    assert abs(x1.shape[0] - round(lm.shape[0] * r1)) <= 1 or abs(r1 - 1) <= 1e-3
    w = C.windows(C.normalise(x1, True), np.array([0, x1.shape[0] - CNN_FRAMES]))
    assert w.shape == (2, 1, MEL_BANDS, CNN_FRAMES) and w.dtype == np.float32
    np.testing.assert_array_equal(C.spaced(np.arange(40)), np.round(np.linspace(0, 39, 16)).astype(int))


def test_epoch_and_threshold_come_from_the_inner_databases_only():
    rng = np.random.default_rng(0)
    dbs = ("a", "b", "d", "e")
    db = np.repeat(dbs, 60)
    y = np.tile(np.r_[np.zeros(30, int), np.ones(30, int)], 4)
    good = {2: False, 4: True}  # the inner probabilities separate the classes at epoch 4 only

    def inner(d, e, ep):
        m = db == e
        return np.clip(0.3 + 0.2 * y[m] + rng.normal(0, 0.02, m.sum()), 0, 1) if good[ep] else rng.uniform(size=m.sum())

    def outer(d, ep):  # held out: perfect at epoch 2, where the inner folds see nothing
        m = db == d
        return 0.9 * y[m] + 0.05 if ep == 2 else np.full(m.sum(), 0.5) + 0.01 * y[m]

    res = C.lodo_scores(y, db, dbs, inner, outer, (2, 4))
    for d in dbs:
        assert res[d]["epoch"] == 4
        assert 0.3 <= res[d]["threshold"] <= 0.5  # between the inner class levels 0.3 and 0.5
        assert res[d]["macc"] == 0.5  # the held-out probabilities at epoch 4 all fall below it
