"""cardiokit.models.trees.StackedTrees: several tree heads in one walk, bit for bit each head."""

from __future__ import annotations

import numpy as np
import pytest

from cardiokit._core.errors import InvalidArgumentError


def test_stacked_heads_give_each_heads_probabilities_bit_for_bit():
    """The rhythm model's tree heads evaluated together (one walk over their nodes side by
    side, read from the whole input vector) equal each head on its own columns."""
    from cardiokit.ecg.rhythm import _model
    from cardiokit.models.trees import StackedTrees

    m = _model()
    heads = m.heads
    n = len(m.inputs)
    rng = np.random.default_rng(11)
    thr = np.unique(np.concatenate([t.threshold[~t.is_leaf] for t, _ in heads]))
    X = rng.choice(thr, size=(30, n)) + rng.normal(0, 1e-3, size=(30, n))
    X[rng.random(X.shape) < 0.15] = np.nan
    X[0] = np.nan
    X[1] = rng.choice(thr, size=n)  # exactly on thresholds: left
    st = StackedTrees.of(heads)
    for x in X:
        want = np.array([t.predict_proba((x if idx is None else x[idx])[None, :])[0] for t, idx in heads])
        assert np.array_equal(st.predict_proba(x), want)
    one = StackedTrees.of(heads[1:])  # a single head (and one reading a subset of columns)
    assert np.array_equal(one.predict_proba(X[2])[0], heads[1][0].predict_proba(
        (X[2] if heads[1][1] is None else X[2][heads[1][1]])[None, :])[0])
    with pytest.raises(InvalidArgumentError):
        st.predict_proba(X[:, :3])




def test_stacked_heads_of_different_sizes():
    """Heads with different numbers of iterations (summed head by head) still give each
    head's probabilities bit for bit."""
    from dataclasses import replace

    from cardiokit.ecg.rhythm import _model
    from cardiokit.models.trees import StackedTrees

    t, idx = _model().heads[0]
    short = replace(t, roots=t.roots[: t.roots.shape[0] // 3])
    heads = [(t, idx), (short, idx)]
    st = StackedTrees.of(heads)
    assert not st._same_iters
    X = np.random.default_rng(5).normal(0, 1, size=(10, len(_model().inputs)))
    for x in X:
        want = np.array([h.predict_proba((x if i is None else x[i])[None, :])[0] for h, i in heads])
        assert np.array_equal(st.predict_proba(x), want)
    assert StackedTrees.of(heads[:1] * 2)._same_iters
