"""Gradient-boosted tree ensembles evaluated with numpy (no scikit-learn at run time).

Training exports a fitted ``HistGradientBoostingClassifier`` into flat node arrays
(``training/train_rhythm.py``); :class:`TreeEnsemble` reads them from an ``.npz`` and
reproduces ``predict_proba`` (same thresholds, same missing-value routing, softmax over
the summed raw scores).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cardiokit._core.errors import InvalidArgumentError

__all__ = ["TreeEnsemble"]

_FIELDS = ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value", "roots",
           "baseline")


@dataclass(frozen=True, eq=False)
class TreeEnsemble:
    """Flat trees: node arrays (global indices) and ``roots`` ``(n_iter, n_classes)``."""

    feature: np.ndarray
    threshold: np.ndarray
    missing_left: np.ndarray
    left: np.ndarray
    right: np.ndarray
    is_leaf: np.ndarray
    value: np.ndarray
    roots: np.ndarray
    baseline: np.ndarray

    @classmethod
    def load(cls, path: str | Path) -> TreeEnsemble:
        with np.load(path) as z:
            return cls(**{k: z[k] for k in _FIELDS})

    def save(self, path: str | Path) -> None:
        np.savez_compressed(path, **{k: getattr(self, k) for k in _FIELDS})

    @property
    def n_features(self) -> int:
        return int(self.feature[~self.is_leaf].max()) + 1 if (~self.is_leaf).any() else 0

    def raw_scores(self, X: np.ndarray) -> np.ndarray:
        """Summed tree outputs plus baseline, ``(n_samples, n_classes)``."""
        X = np.asarray(X, np.float64)
        if X.ndim != 2:
            raise InvalidArgumentError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}")
        n_iter, k = self.roots.shape
        out = np.tile(self.baseline.astype(np.float64), (X.shape[0], 1))
        roots = self.roots.reshape(-1)
        for i in range(X.shape[0]):
            node = roots.copy()
            x = X[i]
            while True:
                inner = ~self.is_leaf[node]
                if not inner.any():
                    break
                nd = node[inner]
                v = x[self.feature[nd]]
                miss = np.isnan(v)
                go_left = np.where(miss, self.missing_left[nd], v <= self.threshold[nd])
                node[inner] = np.where(go_left, self.left[nd], self.right[nd])
            out[i] += self.value[node].reshape(n_iter, k).sum(axis=0)
        return out

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities (softmax of :meth:`raw_scores`)."""
        s = self.raw_scores(X)
        s = s - s.max(axis=1, keepdims=True)
        e = np.exp(s)
        return e / e.sum(axis=1, keepdims=True)
