"""Export of fitted scikit-learn gradient-boosted trees into cardiokit's numpy TreeEnsemble."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["hgb_to_trees"]


def hgb_to_trees(model: Any) -> Any:
    """Flatten a fitted ``HistGradientBoostingClassifier``/``Regressor`` into a
    :class:`cardiokit.models.trees.TreeEnsemble` (one tree per iteration and class; a binary
    classifier's probability is the sigmoid of the raw score)."""
    from cardiokit.models.trees import TreeEnsemble

    cols: dict[str, list[np.ndarray]] = {
        k: [] for k in ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value")}
    roots, off = [], 0
    for it in model._predictors:
        row = []
        for pred in it:
            nd = pred.nodes
            row.append(off)
            cols["feature"].append(nd["feature_idx"].astype(np.int32))
            cols["threshold"].append(nd["num_threshold"].astype(np.float64))
            cols["missing_left"].append(nd["missing_go_to_left"].astype(bool))
            cols["left"].append((nd["left"] + off).astype(np.int32))
            cols["right"].append((nd["right"] + off).astype(np.int32))
            cols["is_leaf"].append(nd["is_leaf"].astype(bool))
            cols["value"].append(nd["value"].astype(np.float64))
            off += nd.shape[0]
        roots.append(row)
    return TreeEnsemble(**{k: np.concatenate(v) for k, v in cols.items()},
                        roots=np.asarray(roots, np.int32),
                        baseline=np.asarray(model._baseline_prediction, np.float64).reshape(-1))
