"""Small exact numpy helpers for hot paths: same values as the numpy calls they replace,
with less Python overhead or a faster memory order (ndarray in, ndarray out)."""

from __future__ import annotations

import numpy as np

__all__ = ["block_max", "clip", "col_max", "median0", "median1"]


def clip(a: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``np.clip(a, lo, hi)`` (which is ``minimum(maximum(a, lo), hi)``) without its overhead."""
    return np.minimum(np.maximum(a, lo), hi)


def median1(v: np.ndarray) -> float:
    """``float(np.median(v))`` of a small 1-D array (NaN when empty or holding NaN)."""
    s = np.sort(v, axis=None)
    n = s.size
    if n == 0 or s[-1] != s[-1]:
        return float("nan")
    h = n // 2
    return float(s[h]) if n % 2 else float((s[h - 1] + s[h]) / 2)


def median0(a: np.ndarray) -> np.ndarray:
    """``np.median(a, axis=0)`` for a short axis 0 (a sort is faster than numpy's partition)."""
    k = a.shape[0]
    if k == 0:
        return np.median(a, axis=0)
    s = np.sort(a, axis=0)
    if np.isnan(s[-1]).any():
        return np.median(a, axis=0)
    h = k // 2
    return s[h] if k % 2 else (s[h - 1] + s[h]) / 2


def col_max(a: np.ndarray, op: np.ufunc = np.maximum) -> np.ndarray:
    """``a.max(axis=0)`` (``op=np.minimum``: ``a.min(axis=0)``) of a C-ordered array with few
    columns: extrema of the two halves (long contiguous runs), halving again, instead of
    numpy's row-by-row reduction, which is several times slower."""
    while a.shape[0] > 8:
        h = a.shape[0] // 2
        top = op(a[:h], a[h : 2 * h])
        if a.shape[0] % 2:
            top[0] = op(top[0], a[-1])
        a = top
    return op.reduce(a, axis=0)


def block_max(a: np.ndarray, width: int, op: np.ufunc = np.maximum) -> np.ndarray:
    """Maxima (``op=np.minimum``: minima) of consecutive ``width``-row blocks of ``(n, ...)``
    ``a``, a last partial block dropped: ``a[: m * width].reshape(m, width, ...).max(axis=1)``."""
    m = a.shape[0] // width
    return col_max(np.moveaxis(a[: m * width].reshape(m, width, *a.shape[1:]), 1, 0), op)
