"""Gradient-boosted tree ensembles evaluated with numpy (no scikit-learn at run time).

Training exports a fitted ``HistGradientBoostingClassifier`` into flat node arrays
(``training/train_rhythm.py``); :class:`TreeEnsemble` reads them from an ``.npz`` and
reproduces ``predict_proba`` (same thresholds, same missing-value routing, softmax over
the summed raw scores). :class:`StackedTrees` evaluates several such heads that read one
input vector in one pass.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from cardiokit._core.errors import InvalidArgumentError

__all__ = ["StackedTrees", "TreeEnsemble"]

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
        nf = self._walk[8]
        if X.shape[1] < nf:
            raise InvalidArgumentError(f"X has {X.shape[1]} features; the trees read {nf}")
        for i in range(X.shape[0]):
            out[i] += self._leaf_values(X[i, :nf]).reshape(n_iter, k).sum(axis=0)
        return out

    def _leaf_values(self, x: np.ndarray) -> np.ndarray:
        """The value of the leaf each tree routes the ``nf`` values ``x`` to (``value`` rows in
        the order of ``roots.reshape(-1)``)."""
        counts, rank, right, step, _, roots, value, depth, nf, uniq = self._walk
        # the row twice: as is, then with NaN as -inf; a node whose missing values go left
        # reads the second copy (-inf <= any threshold), the others the first (NaN <= t is
        # False: right), so one comparison routes every node. The inner nodes are ordered by
        # the value they read, so their values are the row repeated (no gather). ``x <= t``
        # compares ranks among the thresholds: the number of thresholds below x (NaN: all of
        # them) <= the number below t, the same outcome for every x, in a small integer type
        xx = np.empty(2 * nf)
        xx[:nf] = x
        hi = xx[nf:]
        np.copyto(hi, x)
        hi[np.isnan(x)] = -np.inf
        go_left = uniq.searchsorted(xx).astype(rank.dtype).repeat(counts) <= rank
        # every node's next node for this row: right child, or left = right + step
        # (inner nodes first, then the leaves, which stay); int32 when the numbers fit
        nxt, tmp = self._next_nodes()
        np.multiply(go_left, step, out=tmp)
        np.add(tmp, right, out=nxt[: rank.size])
        node = roots
        for _ in range(depth):
            node = nxt.take(node)  # (take: the same gather as nxt[node], less overhead)
        return value.take(node)

    @cached_property
    def _walk(self) -> tuple:
        """The nodes renumbered, inner nodes first ordered by the value they read (feature,
        offset by the number of features ``nf`` where missing values go left, see
        :meth:`_leaf_values`): how many inner nodes read each of the ``2 nf`` values, their
        thresholds' ranks among the distinct thresholds (int16 when they fit), right children
        and left minus right child (int32 when they fit), the leaves' numbers, the roots, the
        node values, the depth of the deepest tree, ``nf`` and the distinct thresholds (sorted)."""
        inner = np.flatnonzero(~self.is_leaf)
        feat = self.feature[inner].astype(np.intp)
        nf = int(feat.max()) + 1 if feat.size else 0
        feat = np.where(self.missing_left[inner].astype(bool), feat + nf, feat)
        by_value = np.argsort(feat, kind="stable")
        inner, feat = inner[by_value], feat[by_value]
        order = np.concatenate([inner, np.flatnonzero(self.is_leaf)])
        new = np.empty(order.size, np.intp)
        new[order] = np.arange(order.size)
        depth, level = 0, self.roots.reshape(-1)
        while (level := level[~self.is_leaf[level]]).size:
            level = np.concatenate([self.left[level], self.right[level]])
            depth += 1
        left, right = new[self.left[inner]], new[self.right[inner]]
        small = np.int32 if order.size < 2**31 else np.intp  # node numbers: int32 when they fit
        uniq, rank = np.unique(self.threshold[inner].astype(np.float64), return_inverse=True)
        # a rank up to uniq.size (a value above every threshold, or NaN) must fit
        rank = rank.reshape(-1).astype(np.int16 if uniq.size < 2**15 - 1 else np.intp)
        return (np.bincount(feat, minlength=2 * nf), rank, right.astype(small), (left - right).astype(small),
                np.arange(inner.size, order.size), new[self.roots.reshape(-1)], self.value[order], depth, nf, uniq)

    def _next_nodes(self) -> tuple[np.ndarray, np.ndarray]:
        """This thread's next-node buffer (inner nodes, then the leaves pointing to
        themselves, filled once: :meth:`_leaf_values` overwrites only the inner nodes' part)
        and its scratch buffer for the inner nodes' steps, both in the dtype of the stored
        children (int32 when it fits: the walk's random reads touch half the memory of intp)."""
        local = self._local
        bufs = getattr(local, "bufs", None)
        if bufs is None:
            _, rank, right, _, leaves, *_ = self._walk
            nxt = np.empty(rank.size + leaves.size, right.dtype)
            nxt[rank.size:] = leaves
            bufs = local.bufs = (nxt, np.empty(rank.size, right.dtype))
        return bufs

    @cached_property
    def _local(self) -> threading.local:
        return threading.local()

    def __getstate__(self) -> dict:
        """Pickled without the per-thread buffers (a ``threading.local`` does not pickle)."""
        return {k: v for k, v in self.__dict__.items() if k != "_local"}

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities (softmax of :meth:`raw_scores`)."""
        s = self.raw_scores(X)
        s = s - s.max(axis=1, keepdims=True)
        e = np.exp(s)
        return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True, eq=False)
class StackedTrees:
    """Several :class:`TreeEnsemble` heads that read columns of one input vector, evaluated
    together: their nodes side by side in one ensemble whose features are the vector's
    columns, so one comparison pass and one walk route every tree of every head (instead of
    one per head). Build with :meth:`of`."""

    trees: TreeEnsemble
    #: per head: its first row of ``trees.roots`` and its number of iterations
    spans: tuple[tuple[int, int], ...]
    baselines: np.ndarray

    @classmethod
    def of(cls, heads: list[tuple[TreeEnsemble, np.ndarray | None]]) -> StackedTrees:
        """``heads``: (ensemble, the input columns it reads in its feature order, or None when
        it reads the vector as is); every head has the same number of classes."""
        cols: dict[str, list[np.ndarray]] = {k: [] for k in _FIELDS if k != "baseline"}
        spans = []
        nodes = rows = 0
        for t, idx in heads:
            leaf = t.is_leaf.astype(bool)
            feat = t.feature if idx is None else np.where(leaf, 0, np.asarray(idx)[np.where(leaf, 0, t.feature)])
            cols["feature"].append(np.asarray(feat, np.int64))
            cols["left"].append(t.left.astype(np.int64) + nodes)
            cols["right"].append(t.right.astype(np.int64) + nodes)
            cols["roots"].append(t.roots.astype(np.int64) + nodes)
            for k in ("threshold", "missing_left", "is_leaf", "value"):
                cols[k].append(getattr(t, k))
            spans.append((rows, t.roots.shape[0]))
            nodes += t.feature.size
            rows += t.roots.shape[0]
        trees = TreeEnsemble(**{k: np.concatenate(v) for k, v in cols.items()},
                             baseline=np.zeros(heads[0][0].roots.shape[1]))
        return cls(trees, tuple(spans), np.stack([np.asarray(t.baseline, np.float64) for t, _ in heads]))

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Every head's class probabilities for the input vector ``x`` (1-D), ``(n_heads,
        n_classes)``: row h is ``heads[h][0].predict_proba(x[heads[h][1]][None, :])[0]``
        bit for bit (the same leaves, summed tree by tree in the same order, and softmax)."""
        t = self.trees
        nf = t._walk[8]
        x = np.asarray(x, np.float64)
        if x.ndim != 1 or x.size < nf:
            raise InvalidArgumentError(f"x must be 1-D with >= {nf} values; got shape {x.shape}")
        v = t._leaf_values(x[:nf])
        n_heads, k = self.baselines.shape
        if self._same_iters:  # the heads' trees summed at once (the same sums, tree by tree in order)
            s = self.baselines + np.add.reduce(v.reshape(n_heads, -1, k), axis=1)
        else:
            s = self.baselines.copy()
            for h, (row, n_iter) in enumerate(self.spans):
                s[h] += v[row * k : (row + n_iter) * k].reshape(n_iter, k).sum(axis=0)
        s -= np.maximum.reduce(s, axis=1, keepdims=True)
        e = np.exp(s, out=s)
        return e / np.add.reduce(e, axis=1, keepdims=True)

    @cached_property
    def _same_iters(self) -> bool:
        """Every head has the same number of iterations (its rows follow the previous head's)."""
        return len({n for _, n in self.spans}) == 1
