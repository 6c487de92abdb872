"""TreeEnsemble's vectorised walk (threshold ranks, int32 next-node table) against a plain
node-by-node walk of the stored arrays."""

from __future__ import annotations

import numpy as np


def _reference_leaves(t, x: np.ndarray) -> np.ndarray:
    """Each tree's leaf value by following ``left``/``right`` from its root: ``x <= threshold``
    goes left, a missing value goes where ``missing_left`` says."""
    out = []
    for root in t.roots.reshape(-1):
        node = int(root)
        while not t.is_leaf[node]:
            v = x[t.feature[node]]
            left = bool(t.missing_left[node]) if np.isnan(v) else v <= t.threshold[node]
            node = int(t.left[node] if left else t.right[node])
        out.append(t.value[node])
    return np.asarray(out)


def test_walk_matches_node_by_node_routing():
    """Values on thresholds, between them, beyond every one (+-inf) and missing: the same leaf."""
    from cardiokit.ecg.rhythm import _model

    t = _model().heads[1][0]
    nf = t._walk[8]
    inner = ~t.is_leaf.astype(bool)
    thr = np.unique(t.threshold[inner])
    rng = np.random.default_rng(3)
    rows = [rng.choice(thr, nf), rng.choice(thr, nf) + 1e-9, np.full(nf, np.inf), np.full(nf, -np.inf),
            np.full(nf, np.nan)]
    mixed = rng.choice(thr, nf)
    pick = rng.random(nf)
    mixed[pick < 0.2] = np.nan
    mixed[(pick >= 0.2) & (pick < 0.3)] = np.inf
    mixed[(pick >= 0.3) & (pick < 0.4)] = -np.inf
    rows.append(mixed)
    for x in rows:
        assert np.array_equal(t._leaf_values(x), _reference_leaves(t, x))
    assert t._walk[1].dtype == np.int16  # the ranks fit in int16 for this model
