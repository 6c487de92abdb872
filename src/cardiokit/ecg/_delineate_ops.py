"""Vectorised primitives of the slope delineator (:mod:`._delineate_lead`) on
``(n_beats, n_leads, window)`` matrices: window gathers, positions, extrema within bounds,
boundary walks and the parabolic refinements of searches on every other sample.

The window is the last (contiguous) axis: numpy's inner loops then run over a window
(~100 samples) rather than over the leads (12), about twice as fast on 10-s records.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import as_strided


def _gather(xt: np.ndarray, start: np.ndarray, width: int) -> np.ndarray:
    """``(n_beats, n_leads, width)`` windows of ``xt`` (L, n) from ``start`` (clipped at the ends).

    Windows inside the record are copied as whole rows of a strided view of ``xt`` (about
    3x faster than indexing every sample); the others sample by sample, clipped.
    """
    n_leads, n = xt.shape
    if width > n or xt.strides[1] != xt.itemsize:
        return _gather_clipped(xt, start, width)
    view = _windows(xt, width)
    out = view[np.arange(n_leads)[None, :], np.minimum(np.maximum(start, 0), n - width)[:, None]]
    edge = (start < 0) | (start > n - width)
    if edge.any():
        out[edge] = _take_clipped(xt, start[edge], width)
    return out


def _windows(xt: np.ndarray, width: int) -> np.ndarray:
    """``(L, n - width + 1, width)`` view of all windows of the rows of ``xt`` (unit column
    stride); for a C-contiguous ``xt``, or a view of a C-contiguous array, built directly on
    the buffer (~0.5 us instead of ~10 us for :func:`numpy.lib.stride_tricks.as_strided`).
    Read it only."""
    n_leads, n = xt.shape
    shape, strides = (n_leads, n - width + 1, width), (xt.strides[0], xt.itemsize, xt.itemsize)
    if xt.flags.c_contiguous:
        return np.ndarray(shape, xt.dtype, xt, 0, strides)
    base = xt.base
    if isinstance(base, np.ndarray) and base.flags.c_contiguous:  # a view: on its owner's buffer
        offset = xt.__array_interface__["data"][0] - base.__array_interface__["data"][0]
        return np.ndarray(shape, xt.dtype, base, offset, strides)
    return as_strided(xt, shape=shape, strides=strides, writeable=False)


def _gather2(xa: np.ndarray, xb: np.ndarray, start: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_gather` of two arrays of the same shape at the same windows (the indices once)."""
    n_leads, n = xa.shape
    if width > n or xa.strides[1] != xa.itemsize or xb.strides != xa.strides or xb.shape != xa.shape:
        return _gather(xa, start, width), _gather(xb, start, width)
    rows, cols = np.arange(n_leads)[None, :], np.minimum(np.maximum(start, 0), n - width)[:, None]
    oa = _windows(xa, width)[rows, cols]
    ob = _windows(xb, width)[rows, cols]
    edge = (start < 0) | (start > n - width)
    if edge.any():
        es = start[edge]
        oa[edge] = _take_clipped(xa, es, width)
        ob[edge] = _take_clipped(xb, es, width)
    return oa, ob


def _gather_rows(xt: np.ndarray, rows: np.ndarray, start: np.ndarray, width: int) -> np.ndarray:
    """``(len(start), rows.shape[1], width)`` windows of the rows ``rows`` (``(len(start), k)``)
    of ``xt`` (``(R, n)``, unit column stride, ``n >= width``) from ``start``, clipped at the ends."""
    n = xt.shape[1]
    out = _windows(xt, width)[rows, np.minimum(np.maximum(start, 0), n - width)[:, None]]
    edge = (start < 0) | (start > n - width)
    if edge.any():
        idx = np.minimum(np.maximum(start[edge, None] + np.arange(width)[None, :], 0), n - 1)
        out[edge] = xt[rows[edge][:, :, None], idx[:, None, :]]
    return out


@lru_cache(maxsize=64)
def _lead_rows(nb: int, n_leads: int, groups: int) -> np.ndarray:
    """``(groups * nb, L)`` row numbers: leads ``0 .. L-1`` for the first ``nb`` windows, ``L ..
    2L-1`` for the next ``nb`` (``groups`` = 2), ... (read-only); with ``groups`` = 1 the leads
    for ``2 nb`` windows."""
    if groups == 1:
        out = np.broadcast_to(np.arange(n_leads), (2 * nb, n_leads)).copy()
    else:
        out = (np.arange(n_leads)[None, :] + n_leads * np.repeat(np.arange(groups), nb)[:, None])
    out.flags.writeable = False
    return out


def _gather_clipped(xt: np.ndarray, start: np.ndarray, width: int) -> np.ndarray:
    """:func:`_gather` sample by sample, indices clipped to the record (C-contiguous)."""
    return np.ascontiguousarray(_take_clipped(xt, start, width))


def _take_clipped(xt: np.ndarray, start: np.ndarray, width: int) -> np.ndarray:
    """``(len(start), L, width)`` view of the windows of ``xt`` (L, n) from ``start``, indices
    clipped to the record (``take``'s clip mode: below 0 is 0, past the end the last sample)."""
    return xt.take(start[:, None] + np.arange(width)[None, :], axis=1, mode="clip").transpose(1, 0, 2)


@lru_cache(maxsize=64)
def _row_ids(m: int) -> np.ndarray:
    """``np.arange(m)`` (read-only)."""
    out = np.arange(m)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=64)
def _span_masks(span: int) -> np.ndarray:
    """``(span + 1, span + 1, span)`` bool: ``[lo, hi, j]`` is ``lo <= j < hi`` (read-only)."""
    j = np.arange(span)
    lo = np.arange(span + 1)[:, None, None]
    out = (j >= lo) & (j < lo.reshape(1, -1, 1))
    out.flags.writeable = False
    return out


@lru_cache(maxsize=64)
def _row_starts(nb: int, n_leads: int, w: int) -> np.ndarray:
    """``(nb, L)`` flat offsets of the rows of a C-contiguous ``(nb, L, w)`` matrix (read-only)."""
    out = np.arange(0, nb * n_leads * w, w).reshape(nb, n_leads)
    out.flags.writeable = False
    return out


def _at(a: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``a[b, l, p[b, l]]`` for a ``(nb, L, W)`` matrix and ``(nb, L)`` window positions."""
    nb, n_leads, w = a.shape
    p = np.minimum(np.maximum(p, 0), w - 1)
    if a.flags.c_contiguous:  # one flat index: ~5x less indexing overhead than three index arrays
        return a.reshape(-1)[_row_starts(nb, n_leads, w) + p]
    return a[np.arange(nb)[:, None], np.arange(n_leads)[None, :], p]


def _argbest(v: np.ndarray, pos: np.ndarray, a: np.ndarray, b: np.ndarray, negate: bool = False,
             span: int | None = None, sign: np.ndarray | None = None) -> np.ndarray:
    """First position of the maximum of ``v`` (of ``-v`` when ``negate``) within ``a <= pos < b``
    (per beat and lead); ``sign`` (``(nb, L, 1)`` float64 +-1.0): of ``sign * v``, the
    product (exact) taken of the samples read only.

    ``span``: no range is longer (``b - a <= span``). The search then reads ``span`` columns
    from each row's ``a`` (moved into the row where it is not) rather than every column some
    row's range covers, a fraction of the window for the short slope searches of
    :func:`._delineate_lead._wave`. A row with an empty range gets a meaningless position
    either way.
    """
    nb, n_leads, width = v.shape
    if span is not None and 0 < span < width and v.flags.c_contiguous:
        st = np.minimum(np.maximum(a, 0), width - span)
        g = _windows(v.reshape(nb * n_leads, width), span)[_row_ids(nb * n_leads), st.reshape(-1)]
        g = g.reshape(nb, n_leads, span) if sign is None else sign * g.reshape(nb, n_leads, span)
        # the columns a <= pos < b, looked up (a broadcast comparison costs more on short rows)
        lo = np.minimum(np.maximum(a - st, 0), span)
        hi = np.minimum(np.maximum(b - st, 0), span)
        inside = _span_masks(span)[lo, hi]
        if negate:
            return np.where(inside, g, np.inf).argmin(axis=2) + st
        return np.where(inside, g, -np.inf).argmax(axis=2) + st
    c0 = min(max(int(a.min()), 0), width - 1)  # (every range past the window: a column still read)
    c1 = min(max(int(b.max()), c0 + 1), width)
    v, pos = v[:, :, c0:c1], pos[:, :, c0:c1]
    if sign is not None:
        v = sign * v
    inside = (pos >= a[:, :, None]) & (pos < b[:, :, None])
    if negate:  # the first minimum of v is the first maximum of -v (no negated copy)
        return np.where(inside, v, np.inf).argmin(axis=2) + c0
    return np.where(inside, v, -np.inf).argmax(axis=2) + c0


def _walks(a: np.ndarray, s_on: np.ndarray, lim_on: np.ndarray, thr_on: np.ndarray,
           s_off: np.ndarray, lim_off: np.ndarray, thr_off: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Backward (onset) and forward (offset) boundary walks over ``a`` (``(nb, L, W)``, limits
    inside the window): from each start towards its limit (inclusive), the first position where
    ``a`` < the threshold or ``a`` has a local minimum along the walk (not at the start), the
    limit when neither happens (tests hold this against masking the whole window).

    Each (beat, lead, direction) walk reads ``_WALK_CHUNK`` samples from its start (and one
    neighbour each side) gathered in walking order; the few walks that neither stop nor reach
    their limit there read the rest of their way in a second gather. Most walks stop within
    8 samples, so this reads a fraction of the window. The samples are read without clipping
    to their row (``take``'s clip mode keeps them in the matrix): a walk reads past its
    limit only where no stop may be taken, so starts and limits inside the window give the
    walks of a clipped read. A walk whose limit lies outside the window (a lead without a
    QRS, whose wave the caller drops) returns a meaningless position.
    """
    nb, n_leads, w = a.shape
    m = nb * n_leads
    flat = a.reshape(-1) if a.flags.c_contiguous else np.ascontiguousarray(a).reshape(-1)
    start = np.concatenate((s_on.reshape(-1), s_off.reshape(-1)))
    lim = np.concatenate((lim_on.reshape(-1), lim_off.reshape(-1)))
    thr = np.concatenate((thr_on.reshape(-1), thr_off.reshape(-1)))
    sgn, base = _walk_rows(nb, n_leads, w)
    # samples each walk may visit before its limit (the limit itself is returned when none stops)
    left = (lim - start) * sgn
    res = lim.copy()
    lmax = int(left.max()) if left.size else 0
    if lmax <= 0:
        return res[:m].reshape(nb, n_leads), res[m:].reshape(nb, n_leads)
    # the first chunk of every walk at once, on cached offsets (walks already at their limit
    # are masked out below: none of their samples may stop them)
    k = min(_WALK_CHUNK, lmax)
    steps, row_k = _walk_first(nb, n_leads, w, k)
    # flat positions start + dir * (-1 .. k) (one neighbour each side; the first, before the
    # start, is read by no test: column 0 takes the threshold test only)
    v = flat.take((start + base)[:, None] + steps, mode="clip")
    mid = v[:, 1:-1]
    # a local minimum along the walk (not at the start) or a slope below the threshold
    stop = mid <= v[:, :-2]
    stop &= mid < v[:, 2:]
    stop[:, 0] = False
    stop |= mid < thr[:, None]
    jj = stop.argmax(axis=1)
    # a first stop at or past the walk's limit (walks with fewer samples left than the chunk,
    # those already at their limit included) is no stop: the limit is returned
    found = stop.reshape(-1)[row_k + jj]
    found &= jj < left
    res[found] = (start + sgn * jj)[found]
    rows = (~found & (left > k)).nonzero()[0]
    j0 = k
    while rows.size:
        lr = left[rows] - j0
        k = int(lr.max())
        dr, sr = sgn[rows], start[rows]
        # positions start + dir * (j0 - 1 .. j0 + k) in walking order: one neighbour each side
        p = (sr + base[rows])[:, None] + dr[:, None] * np.arange(j0 - 1, j0 + k + 1)[None, :]
        v = flat.take(p, mode="clip")
        mid = v[:, 1:-1]
        stop = (mid <= v[:, :-2]) & (mid < v[:, 2:])
        stop |= mid < thr[rows, None]
        jj = stop.argmax(axis=1)
        found = stop[np.arange(rows.size), jj] & (jj < lr)  # (k is the most left: no walk goes on)
        res[rows[found]] = (sr + dr * (j0 + jj))[found]
        rows = rows[~found & (lr > k)]
        j0 += k
    return res[:m].reshape(nb, n_leads), res[m:].reshape(nb, n_leads)


#: samples each walk of :func:`_walks` reads first (LUDB: ~99.9 % of the walks stop within 16)
_WALK_CHUNK = 16


@lru_cache(maxsize=64)
def _walk_rows(nb: int, n_leads: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Direction (-1: onsets, +1: offsets) and flat row offset of the ``2 * nb * L`` walks of
    :func:`_walks` (read-only)."""
    m = nb * n_leads
    sgn = np.repeat(np.array([-1, 1], np.int64), m)
    base = np.tile(np.arange(0, m * w, w, dtype=np.int64), 2)
    for x in (sgn, base):
        x.flags.writeable = False
    return sgn, base


@lru_cache(maxsize=64)
def _walk_first(nb: int, n_leads: int, w: int, k: int) -> tuple[np.ndarray, ...]:
    """Cached index arrays of the first chunk (``k`` samples) of the walks of :func:`_walks`
    (read-only): ``(2 nb L, k + 2)`` steps ``dir * (-1 .. k)`` and the flat row starts of a
    ``(2 nb L, k)`` matrix."""
    sgn, _ = _walk_rows(nb, n_leads, w)
    out = (sgn[:, None] * np.arange(-1, k + 1)[None, :], np.arange(0, sgn.size * k, k))
    for x in out:
        x.flags.writeable = False
    return out


def _rows(v: np.ndarray) -> np.ndarray:
    """``(nb, L, 1)`` flat offsets of the rows of a C-contiguous ``(nb, L, W)`` matrix."""
    nb, n_leads, w = v.shape
    return _row_starts(nb, n_leads, w)[:, :, None]


def _vertex(v: np.ndarray, k: np.ndarray, wlen: np.ndarray | None = None) -> np.ndarray:
    """Height of the parabola through ``v`` at window positions ``k - 1, k, k + 1`` at its
    vertex (``(nb, L, m)`` positions ``k``): a local maximum between the samples, else ``v[k]``
    (also at the window ends; ``wlen``: each row's window width, default the matrix's)."""
    w = v.shape[2] if wlen is None else wlen
    idx = (_rows(v) + np.minimum(np.maximum(k, 1), w - 2))[..., None] + _NEIGHBOURS
    y = v.reshape(-1)[idx]  # (nb, L, m, 3)
    y0, y1, y2 = y[..., 0], y[..., 1], y[..., 2]
    curv = y0 - 2.0 * y1 + y2
    num = y0 - y2
    # a maximum within half a sample (never at the window ends: k was clipped there)
    ok = np.abs(num) <= -curv
    ok &= curv < 0
    top = y1 - num * num / np.where(ok, 8.0 * curv, -np.inf)
    return np.where(ok, top, v.reshape(-1)[_rows(v) + k])


_NEIGHBOURS = np.array([-1, 0, 1])
_ON_OFF = np.array([0, 1, 0, -1])


def _refine2(ad: np.ndarray, s: np.ndarray, on: np.ndarray, k: np.ndarray, off: np.ndarray,
             thr_on: np.ndarray, thr_off: np.ndarray, tilt: np.ndarray | float = 0.0,
             wlen: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Onset, peak and offset window positions found on every other sample, as positions at
    the full rate (x 2): a boundary walk moves one sample back towards the wave when the
    slope modulus ``ad`` interpolated half-way there is already below its threshold (where
    a walk at the full rate would have stopped); the peak moves to the vertex of the parabola
    through the smoothed signal ``s`` minus the wave's baseline (slope ``tilt`` per sample)
    at ``k - 1, k, k + 1`` (rounded to a full-rate sample). ``ad``, ``s``: C-contiguous."""
    w = ad.shape[2] if wlen is None else wlen  # (rows, 1, 1): each row's window width
    rows = _rows(ad)
    bo = np.concatenate((on[..., None], on[..., None], off[..., None], off[..., None]), axis=2) + _ON_OFF  # inside: lo <= on < off <= hi
    ya = ad.reshape(-1)[rows + np.minimum(np.maximum(bo, 0), w - 1)]
    ya = ya[:, :, 0::2] + ya[:, :, 1::2]
    h_on = ya[:, :, 0] < 2.0 * thr_on
    h_off = ya[:, :, 1] < 2.0 * thr_off
    y = s.reshape(-1)[rows + np.minimum(np.maximum(k, 1), w - 2 if wlen is None else wlen[:, :, 0] - 2)[..., None]
                      + _NEIGHBOURS]
    curv = y[..., 0] - 2.0 * y[..., 1] + y[..., 2]
    num = y[..., 0] - y[..., 2] + 2.0 * tilt
    # twice the vertex offset, num / curv, when within one sample (else 0)
    frac = num / np.where(np.abs(num) < np.abs(curv), curv, np.inf)
    return 2 * on + h_on, (2 * k + np.rint(frac).astype(np.int64)), 2 * off - h_off


def _stack3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``np.stack((a, b, c), axis=-1)`` with less overhead."""
    return np.concatenate((a[..., None], b[..., None], c[..., None]), axis=-1)
