"""The delineator recipe's input augmentation (training/train_delineator.py; numpy only).

With ``CTX=1`` (an evaluated, not shipped variant, docs/MODELS.md) each crop carries a
second channel, the RMS of the record's leads: every change of time (stretch, warp, crop)
must move it with the lead and the labels, or the network learns from misaligned context.
"""

from __future__ import annotations

import numpy as np
from training import train_delineator as T


def test_context_channel_moves_with_the_lead_and_the_labels():
    rng = np.random.default_rng(7)
    n = 2500
    y = (np.arange(n) // 100 % 4).astype(np.int8)  # label steps every 100 samples
    level = y.astype(np.float64)  # lead and context show the same steps
    m = np.ones(n, bool)
    for _ in range(40):
        x, yy, mm = T.augment(np.stack([level, level]), y, m, rng)
        assert x.shape == (2, T.CROP) and yy.shape == mm.shape == (T.CROP,)
        # gain, polarity, noise and wander touch the lead only: the two stay one signal
        assert abs(np.corrcoef(x[0], x[1])[0, 1]) > 0.9
        # the context keeps its steps at the labels' steps (off only at the interpolated edges)
        g = x[1][yy == 1].mean() if (yy == 1).any() else x[1][yy == 2].mean() / 2.0
        assert np.mean(np.abs(x[1] / g - yy) < 0.01) > 0.97


def test_one_channel_augmentation_is_unchanged_by_the_context_option():
    # the shipped recipes (CTX=0) draw the same random numbers as before the option existed
    a = T.augment(np.arange(2500, dtype=np.float64), np.zeros(2500, np.int8), np.ones(2500, bool),
                  np.random.default_rng(3))
    b = T.augment(np.arange(2500, dtype=np.float64)[None].repeat(2, 0), np.zeros(2500, np.int8),
                  np.ones(2500, bool), np.random.default_rng(3))
    assert a[0].shape == (T.CROP,)
    np.testing.assert_array_equal(a[0], b[0][0])


def test_net_inputs_context_is_the_rms_of_the_record_leads():
    x = np.random.default_rng(0).normal(size=(2, 12, 64)).astype(np.float32)
    assert T.net_inputs(x).shape == ((24, 2, 64) if T.CTX else (24, 1, 64))
    np.testing.assert_allclose(T.lead_context(x[1]), np.sqrt((x[1] ** 2).mean(axis=0)), rtol=1e-6)
