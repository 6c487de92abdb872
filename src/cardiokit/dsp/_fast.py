"""Small exact numpy helpers for hot paths: same values as the numpy calls they replace,
with less Python overhead or a faster memory order (ndarray in, ndarray out)."""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

__all__ = ["block_max", "clip", "col_max", "count_true", "hann", "irfft_axis", "keep_freed_memory", "median0", "median1",
           "median_rows", "percentile1", "rfft_axis", "rows_f64", "true_runs"]


try:  # scipy.fft.rfft's and irfft's pocketfft kernels, without the backend dispatch and argument checks
    from scipy.fft._pocketfft.pypocketfft import c2r as _c2r
    from scipy.fft._pocketfft.pypocketfft import r2c as _r2c

    _r2c(np.zeros((1, 4), np.float32), (1,), True, 0, None, 1)  # the signatures this relies on
    _c2r(np.zeros((1, 3), np.complex64), (1,), 4, False, 2, None, 1)

    def rfft_axis(x: np.ndarray, axis: int = -1) -> np.ndarray:
        """``scipy.fft.rfft(x, axis=axis)`` of a real float32/float64 array (the same kernel and
        values, ~5-10 us less per call)."""
        return _r2c(x, (axis % x.ndim,), True, 0, None, 1)

    def irfft_axis(x: np.ndarray, n: int, axis: int = -1) -> np.ndarray:
        """``scipy.fft.irfft(x, n, axis=axis)`` of a complex64/complex128 array holding exactly
        ``n // 2 + 1`` bins along ``axis`` (the same kernel and values, less overhead)."""
        return _c2r(x, (axis % x.ndim,), n, False, 2, None, 1)
except (ImportError, TypeError):  # pragma: no cover - another scipy layout: the public route
    def rfft_axis(x: np.ndarray, axis: int = -1) -> np.ndarray:
        """``scipy.fft.rfft(x, axis=axis)``."""
        from scipy import fft as _fft

        return _fft.rfft(x, axis=axis)

    def irfft_axis(x: np.ndarray, n: int, axis: int = -1) -> np.ndarray:
        """``scipy.fft.irfft(x, n, axis=axis)``."""
        from scipy import fft as _fft

        return _fft.irfft(x, n, axis=axis)


def count_true(b: np.ndarray) -> np.ndarray:
    """``b.sum(axis=-1)`` of a bool array (intp counts). A last axis under 256: the sum of its
    uint8 view by ``einsum``, about 3x faster than numpy's reduction when there are hundreds
    of short rows (e.g. ``(36, 12, 12)``: 6 vs 18 us)."""
    if b.shape[-1] > 255:
        return b.sum(axis=-1)
    return np.einsum("...k->...", b.view(np.uint8)).astype(np.intp)


def true_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start (inclusive) and stop (exclusive) indices of the runs of True of a 1-D bool array."""
    d = np.diff(np.concatenate(([0], np.asarray(mask, bool).view(np.int8), [0])))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def clip(a: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``np.clip(a, lo, hi)`` (which is ``minimum(maximum(a, lo), hi)``) without its overhead."""
    return np.minimum(np.maximum(a, lo), hi)


@lru_cache(maxsize=64)
def hann(n: int, dtype: type = np.float64) -> np.ndarray:
    """``np.hanning(n)`` in ``dtype`` (rounded from float64), cached and read-only."""
    w = np.hanning(n).astype(dtype, copy=False)
    w.flags.writeable = False
    return w


def median1(v: np.ndarray | list[float]) -> float:
    """``float(np.median(v))`` of a small 1-D array or list of numbers (NaN when empty or
    holding NaN); a list is sorted in Python (no array for a handful of values)."""
    if isinstance(v, list):
        s = sorted(v)
        n = len(s)
        if n == 0 or any(x != x for x in s):
            return float("nan")
    else:
        s = np.sort(v, axis=None)
        n = s.size
        if n == 0 or s[-1] != s[-1]:
            return float("nan")
    h = n // 2
    return float(s[h]) if n % 2 else float((s[h - 1] + s[h]) / 2)


def percentile1(v: np.ndarray | list[float], q: float) -> float:
    """``float(np.percentile(v, q))`` of a small 1-D array or list of numbers (numpy's linear
    method, its rounding included: the interpolation from the far end when the weight is
    >= 0.5); a list is sorted in Python (no array for a handful of values)."""
    if isinstance(v, list):
        s = sorted(v)
        n = len(s)
        nan = any(x != x for x in s)
    else:
        s = np.sort(v, axis=None)
        n = s.size
        nan = n > 0 and s[-1] != s[-1]
    if n == 0 or nan:
        return float(np.percentile(v, q)) if n else float("nan")
    vi = (n - 1) * (q / 100)
    lo = min(int(vi // 1), n - 1)
    hi = min(lo + 1, n - 1)
    g = vi - lo
    a, b = float(s[lo]), float(s[hi])
    diff = b - a
    return b - diff * (1 - g) if g >= 0.5 else a + diff * g


def median0(a: np.ndarray, axis: int = 0) -> np.ndarray:
    """``np.median(a, axis=axis)`` for a short ``axis`` (a sort is faster than numpy's partition)."""
    k = a.shape[axis]
    if k == 0:
        return np.median(a, axis=axis)
    s = np.sort(a, axis=axis)
    if np.isnan(s.take(-1, axis=axis)).any():
        return np.median(a, axis=axis)
    h = k // 2
    mid = s.take(h, axis=axis)
    return mid if k % 2 else (s.take(h - 1, axis=axis) + mid) / 2


def _batcher_pairs(n: int) -> list[tuple[int, int]]:
    """Comparators ``(i, j)``, ``i < j`` (min to ``i``, max to ``j``) of Batcher's odd-even
    merge sort on ``n`` wires: the network of the next power of two with the wires beyond
    ``n`` taken as +inf, so the comparators touching them do nothing and are dropped
    (Batcher KE, AFIPS Spring Joint Computer Conference 32:307-314, 1968; Knuth TAOCP
    vol. 3, 5.3.4)."""
    p2 = 1
    while p2 < n:
        p2 *= 2
    out = []
    p = 1
    while p < p2:
        k = p
        while k >= 1:
            for j in range(k % p, p2 - k, 2 * k):
                for i in range(min(k, p2 - j - k)):
                    if (i + j) // (2 * p) == (i + j + k) // (2 * p) and i + j + k < n:
                        out.append((i + j, i + j + k))
            k //= 2
        p *= 2
    return out


#: Paeth's median-of-9 network (19 comparators; ``(i, j)``: min to ``i``, max to ``j``), smaller
#: than Batcher's network pruned to the median (Paeth AW, Median finding on a 3x3 grid, in
#: Graphics Gems, Academic Press 1990, 171-175; Devillard N, Fast median search: an ANSI C
#: implementation, 1998).
_PAETH9 = ((1, 2), (4, 5), (7, 8), (0, 1), (3, 4), (6, 7), (1, 2), (4, 5), (7, 8), (0, 3), (5, 8),
           (4, 7), (3, 6), (1, 4), (2, 5), (4, 7), (4, 2), (6, 4), (4, 2))


@lru_cache(maxsize=64)
def _median_plan(n: int) -> tuple[tuple[int, int, bool, bool], ...]:
    """A comparator network on ``n`` wires (Paeth's for 9, else Batcher's) pruned to the middle
    wire(s): going backwards from the median's wire(s), a comparator is kept when one of its
    outputs is needed, and only the needed output (min, max or both) is computed.
    ``(i, j, min_needed, max_needed)``."""
    need = {n // 2} if n % 2 else {n // 2 - 1, n // 2}
    ops = []
    for i, j in reversed(_PAETH9 if n == 9 else _batcher_pairs(n)):
        lo, hi = i in need, j in need
        if lo or hi:
            ops.append((i, j, lo, hi))
            need |= {i, j}
    return tuple(reversed(ops))


#: median_rows sorts above this many slices (a network there costs more calls than values sorted)
_NETWORK_MAX = 64


@lru_cache(maxsize=64)
def _median_calls(n: int) -> int:
    """Elementwise minima and maxima of :func:`_median_plan` ``(n)``."""
    return sum(lo + hi for _, _, lo, hi in _median_plan(n))


def median_rows(a: np.ndarray) -> np.ndarray:
    """``np.median(a, axis=0)`` for finite ``a`` (the same values, in ``a``'s dtype).

    Large slices ``a[i]``: a selection network of elementwise minima and maxima over them
    (30 for 9 beats, 60 for 12, 150 for 20, against 72 / 132 / 380 for a full odd-even
    transposition sort), faster than sorting many short columns. Small slices (where each
    minimum or maximum costs little more than its call), more than 5 of them: one sort of
    the contiguous transposed columns, when that is the cheaper by a cost model measured
    here (a call ~0.5 us plus ~0.23 ns per value; a sort ~20 + 2.2 k ns per column).
    """
    k = a.shape[0]
    m = a[0].size if k else 0
    # more than _NETWORK_MAX slices (e.g. the beats of a Holter record): sorting always wins, and
    # the network's plan is not built (Batcher's network on thousands of wires takes ~0.3 s)
    if k > _NETWORK_MAX or (k > 5 and m * (20 + 2.2 * k) < _median_calls(k) * (490 + 0.23 * m)):
        t = np.ascontiguousarray(a.reshape(k, m).T)
        t.sort(axis=1)
        h = k // 2
        mid = t[:, h].copy() if k % 2 else (t[:, h - 1] + t[:, h]) / 2  # contiguous, as np.median's
        return mid.reshape(a.shape[1:])
    rows = list(a)
    own = [False] * k  # rows[i] is a temporary of ours (may be overwritten)
    for i, j, lo, hi in _median_plan(k):
        x, y = rows[i], rows[j]
        if lo and hi:
            rows[i] = np.minimum(x, y)
            rows[j] = np.maximum(x, y, out=y if own[j] else None)
            own[i] = own[j] = True
        elif lo:
            rows[i] = np.minimum(x, y, out=x if own[i] else None)
            own[i] = True
        else:
            rows[j] = np.maximum(x, y, out=y if own[j] else None)
            own[j] = True
    h = k // 2
    return rows[h].copy() if k % 2 else (rows[h - 1] + rows[h]) / 2


def rows_f64(x: np.ndarray, step: int = 1, block: int = 256) -> np.ndarray:
    """``np.ascontiguousarray(x[::step].T, dtype=np.float64)`` of ``(n, L)`` ``x``: every
    ``step``-th sample of each column as C-ordered float64 rows ``(L, ceil(n / step))``, copied
    ``block`` samples at a time (a cache-sized transposed copy; one strided casting copy of the
    whole record is slower: ~20 vs ~17 us for 12 x 2500 float32 samples in cache)."""
    n_leads = x.shape[1]
    m = -(-x.shape[0] // step)
    out = np.empty((n_leads, m))
    for j in range(0, m, block):
        out[:, j : j + block] = x[j * step : (j + block) * step : step].T
    return out


def col_max(a: np.ndarray, op: np.ufunc = np.maximum) -> np.ndarray:
    """``a.max(axis=0)`` (``op=np.minimum``: ``a.min(axis=0)``) of a C-ordered array with few
    columns, instead of numpy's row-by-row reduction, which is several times slower. A
    contiguous ``(n, c)`` array with ``c >= 2``: blocks of 32 rows laid side by side as
    rows of ``32 c`` values, reduced over the rows (numpy's fast outer-axis loop), then
    the 32 partial results; otherwise extrema of the two halves, halving again. Extrema are
    exact in any order (NaN propagates as in numpy)."""
    if a.ndim == 2 and a.shape[1] >= 2 and a.shape[0] >= 64 and a.flags.c_contiguous:
        n, c = a.shape
        m = n // 32
        top = op.reduce(op.reduce(a[: m * 32].reshape(m, 32 * c), axis=0).reshape(32, c), axis=0)
        return top if m * 32 == n else op(top, op.reduce(a[m * 32 :], axis=0))
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


_TUNED: list[bool] = []


def keep_freed_memory() -> bool:
    """Ask glibc's allocator to keep freed memory for reuse (once per process; True if done).

    An analysis allocates and frees many short-lived arrays of a few hundred kB. By default
    glibc returns such blocks to the system (``munmap``, heap trimming) and the next array
    of that size is faulted in page by page again, which costs about as much as the
    arithmetic itself (measured: 0.6 vs 1.6-1.9 ms for the same quality-index code).
    ``mallopt(M_MMAP_THRESHOLD, 32 MB)`` and ``mallopt(M_TRIM_THRESHOLD, 128 MB)`` keep them
    in the process: it holds up to that much freed memory instead. Set the environment
    variable ``CARDIOKIT_KEEP_FREED_MEMORY=0`` to leave the allocator alone; a no-op where the
    C library is not glibc.
    """
    if _TUNED:
        return _TUNED[0]
    ok = False
    if os.environ.get("CARDIOKIT_KEEP_FREED_MEMORY", "1") != "0":
        try:
            import ctypes

            libc = ctypes.CDLL("libc.so.6")
            m_trim_threshold, m_mmap_threshold = -1, -3  # glibc malloc.h
            ok = bool(libc.mallopt(m_mmap_threshold, 32 << 20)) and bool(libc.mallopt(m_trim_threshold, 128 << 20))
        except (OSError, AttributeError):
            ok = False
    _TUNED.append(ok)
    return ok
