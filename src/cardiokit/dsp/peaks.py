"""Vectorised peak utilities (ndarray in, ndarray out)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.signal import find_peaks

from cardiokit._core.errors import InvalidArgumentError

from ._fast import clip

__all__ = ["find_local_maxima", "moving_average", "moving_max", "refine_extrema"]


def moving_average(x: np.ndarray, *, width: int, axis: int = 0) -> np.ndarray:
    """Centred moving average over ``width`` samples (edges averaged over what exists)."""
    if int(width) < 1:
        raise InvalidArgumentError(f"width must be >= 1 sample; got {width!r}")
    arr = np.moveaxis(np.asarray(x, dtype=np.float64), axis, 0)
    n = arr.shape[0]
    w = int(width)
    c = np.empty((n + 1, *arr.shape[1:]))
    c[0] = 0.0
    np.cumsum(arr, axis=0, out=c[1:])
    a = w // 2  # samples before the centre
    b = w - a  # samples from the centre on (inclusive)
    if n < w:
        lo = clip(np.arange(n) - a, 0, n)
        hi = clip(np.arange(n) + b, 0, n)
        cnt = (hi - lo).reshape((-1,) + (1,) * (arr.ndim - 1))
        return np.moveaxis((c[hi] - c[lo]) / cnt, 0, axis)
    out = np.empty_like(arr)
    # interior: window [i - a, i + b) fully inside
    mid = out[a : n - b + 1]
    np.subtract(c[w:], c[: n - w + 1], out=mid)
    mid /= w
    # edges, averaged over the part that exists
    for idx, lo, hi, cnt in _edges(n, a, b):
        out[idx] = (c[hi] - c[lo]) / cnt.reshape((-1,) + (1,) * (arr.ndim - 1))
    return np.moveaxis(out, 0, axis)


@lru_cache(maxsize=64)
def _edges(n: int, a: int, b: int) -> tuple[tuple[np.ndarray, ...], ...]:
    """(samples, window starts, window ends, counts) of the head and tail of a moving window."""
    head = np.arange(0, min(a, n))
    tail = np.arange(max(n - b + 1, head.size), n)
    out = []
    for idx in (head, tail):
        if idx.size:
            lo, hi = clip(idx - a, 0, n), clip(idx + b, 0, n)
            out.append((idx, lo, hi, hi - lo))
    return tuple(out)


def moving_max(x: np.ndarray, *, width: int, axis: int = 0) -> np.ndarray:
    """Centred running maximum over ``width`` samples."""
    from scipy.ndimage import maximum_filter1d

    if int(width) < 1:
        raise InvalidArgumentError(f"width must be >= 1 sample; got {width!r}")
    return maximum_filter1d(np.asarray(x, dtype=np.float64), size=int(width), axis=axis,
                            mode="nearest")


def find_local_maxima(x: np.ndarray, *, min_distance: int = 1, min_height: float | None = None
                      ) -> np.ndarray:
    """Indices of local maxima of a 1-D array, at least ``min_distance`` samples apart.

    Where two maxima are closer, the higher one is kept (``scipy.signal.find_peaks``).
    """
    arr = np.asarray(x, dtype=np.float64).reshape(-1)
    if arr.size < 3:
        return np.zeros(0, np.int64)
    idx, _ = find_peaks(arr, height=min_height, distance=max(1, int(min_distance)))
    return idx.astype(np.int64)


def refine_extrema(x: np.ndarray, positions: np.ndarray, *, radius: int,
                   mode: str = "abs") -> np.ndarray:
    """Move each position to the extremum of ``x`` within ``± radius`` samples.

    ``mode`` is ``"abs"`` (largest absolute value), ``"max"`` or ``"min"``. Windows are
    clipped at the array ends. Vectorised over positions (no per-sample loop).
    """
    if mode not in ("abs", "max", "min"):
        raise InvalidArgumentError(f"mode must be one of abs, max, min; got {mode!r}")
    arr = np.asarray(x, dtype=np.float64).reshape(-1)
    pos = np.asarray(positions, dtype=np.int64).reshape(-1)
    if pos.size == 0 or arr.size == 0:
        return pos.copy()
    r = max(0, int(radius))
    offs = np.arange(-r, r + 1)
    idx = pos[:, None] + offs[None, :]
    if pos.min() >= r and pos.max() + r < arr.size:  # every window inside: no masking
        vals = arr[idx]
        if mode == "abs":
            vals = np.abs(vals)
        return pos + ((vals.argmin(axis=1) if mode == "min" else vals.argmax(axis=1)) - r)
    valid = (idx >= 0) & (idx < arr.size)
    vals = arr[clip(idx, 0, arr.size - 1)]
    if mode == "abs":
        vals = np.abs(vals)
    elif mode == "min":
        vals = -vals
    vals = np.where(valid, vals, -np.inf)
    return clip(idx[np.arange(pos.size), vals.argmax(axis=1)], 0, arr.size - 1)
