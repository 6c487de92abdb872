"""Gradient-boosted tree ensembles evaluated with numpy (no scikit-learn at run time).

Training exports a fitted ``HistGradientBoostingClassifier`` into flat node arrays
(``training/train_rhythm.py``); :class:`TreeEnsemble` reads them from an ``.npz`` and
reproduces ``predict_proba`` (same thresholds, same missing-value routing, softmax over
the summed raw scores).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
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
        out = np.empty((X.shape[0], k))
        out[:] = self.baseline  # (np.tile's copies without its Python-level set-up)
        feat, thr, left, right, leaves, roots, value, depth, nf = self._walk
        if X.shape[1] < nf:
            raise InvalidArgumentError(f"X has {X.shape[1]} features; the trees read {nf}")
        # each row twice: as is, then with NaN as -inf; a node whose missing values go left
        # reads the second copy (-inf <= any threshold), the others the first (NaN <= t is
        # False: right), so one comparison routes every node
        xx = np.empty(2 * nf)
        lo, hi = xx[:nf], xx[nf:]
        for i in range(X.shape[0]):
            x = X[i, :nf]
            lo[:] = x
            np.copyto(hi, x)
            hi[np.isnan(x)] = -np.inf
            go_left = xx.take(feat) <= thr
            # every node's next node for this row (inner nodes first; leaves stay)
            nxt = np.concatenate([np.where(go_left, left, right), leaves])
            node = roots
            for _ in range(depth):
                node = nxt[node]
            out[i] += value[node].reshape(n_iter, k).sum(axis=0)
        return out

    @cached_property
    def _walk(self) -> tuple:
        """The nodes renumbered inner nodes first: the inner nodes' feature (offset by the
        number of features ``nf`` where missing values go left, see :meth:`raw_scores`),
        threshold and children, the leaves' numbers, the roots, the node values, the depth
        of the deepest tree and ``nf``."""
        inner = np.flatnonzero(~self.is_leaf)
        order = np.concatenate([inner, np.flatnonzero(self.is_leaf)])
        new = np.empty(order.size, np.intp)
        new[order] = np.arange(order.size)
        depth, level = 0, self.roots.reshape(-1)
        while (level := level[~self.is_leaf[level]]).size:
            level = np.concatenate([self.left[level], self.right[level]])
            depth += 1
        feat = self.feature[inner].astype(np.intp)
        nf = int(feat.max()) + 1 if feat.size else 0
        feat = np.where(self.missing_left[inner].astype(bool), feat + nf, feat)
        return (feat, self.threshold[inner], new[self.left[inner]], new[self.right[inner]],
                np.arange(inner.size, order.size), new[self.roots.reshape(-1)], self.value[order],
                depth, nf)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities (softmax of :meth:`raw_scores`)."""
        s = self.raw_scores(X)
        s = s - s.max(axis=1, keepdims=True)
        e = np.exp(s)
        return e / e.sum(axis=1, keepdims=True)
