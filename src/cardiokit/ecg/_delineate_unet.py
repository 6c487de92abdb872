"""Learned per-lead delineation: a small 1-D U-Net segments each lead into P / QRS / T / other.

The network (trained by ``training/train_delineator.py`` on LUDB, shipped as ONNX, see
``models/delineator_ludb.md``) labels every sample of a single lead at 250 Hz; this
module prepares its input (baseline-removed lead at 250 Hz, scaled by the median QRS
peak-to-peak amplitude) and turns the label probabilities into onset / peak / offset of
each wave, per beat. Boundaries are the sub-sample positions where the wave's
probability crosses that of the other classes (linear interpolation).

References
----------
Ronneberger O, Fischer P, Brox T. U-Net: convolutional networks for biomedical image
segmentation. MICCAI 2015, LNCS 9351:234-241.
Moskalenko V, Zolotykh N, Osipov G. Deep learning for ECG segmentation. Advances in
Neural Computation, Machine Learning, and Cognitive Research III, 2020:246-254 (U-Net on LUDB).
Kalyakulina AI et al. LUDB: a new open-access validation tool for electrocardiogram
delineation algorithms. IEEE Access 8:186181-186190, 2020.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

__all__ = ["CLASSES", "NET_FS", "boundaries", "fs_to_work", "net_input", "scores", "to_net_rate", "work_to_fs"]

#: Sampling rate (Hz) of the network input and output.
NET_FS = 250.0
#: Output classes, in order.
CLASSES = ("other", "p", "qrs", "t")
#: Input length must be a multiple of this (total down-sampling of the network).
_MULT = 16


def _block_factor(fs: float) -> int:
    """``q`` when ``fs`` is an integer multiple of :data:`NET_FS` (block means), else 0."""
    q = round(fs / NET_FS)
    return q if q >= 1 and abs(fs - q * NET_FS) < 1e-6 else 0


def to_net_rate(hp: np.ndarray, fs: float) -> np.ndarray:
    """Baseline-removed signals ``(n, L)`` at :data:`NET_FS`: block means when ``fs`` is a
    multiple of it, else polyphase resampling (scipy ``resample_poly``)."""
    q = _block_factor(fs)
    if q == 1:
        return np.asarray(hp, np.float32)
    if q > 1:
        m = hp.shape[0] // q
        return hp[: m * q].reshape(m, q, hp.shape[1]).mean(axis=1).astype(np.float32)
    from scipy.signal import resample_poly

    fr = Fraction(NET_FS / fs).limit_denominator(200)
    return resample_poly(hp, fr.numerator, fr.denominator, axis=0).astype(np.float32)


def work_to_fs(pos: np.ndarray, fs: float) -> np.ndarray:
    """Positions (float samples) at :data:`NET_FS` as float sample positions at ``fs``."""
    q = _block_factor(fs)
    if q >= 1:
        return pos * q + (q - 1) / 2.0
    return pos * (fs / NET_FS)


def fs_to_work(pos: np.ndarray, fs: float) -> np.ndarray:
    """Inverse of :func:`work_to_fs`."""
    q = _block_factor(fs)
    if q >= 1:
        return (np.asarray(pos, np.float64) - (q - 1) / 2.0) / q
    return np.asarray(pos, np.float64) * (NET_FS / fs)


def scale_of(x: np.ndarray) -> np.ndarray:
    """Per-lead scale of ``x`` ``(n, L)`` at :data:`NET_FS`: the median over 1-s blocks of the
    block's peak-to-peak amplitude (about the QRS amplitude; robust to a few artefacts)."""
    n, n_leads = x.shape
    b = int(NET_FS)
    if n < b:
        pp = x.max(axis=0) - x.min(axis=0)
    else:
        m = n // b
        blk = x[: m * b].reshape(m, b, n_leads)
        pp = np.median(blk.max(axis=1) - blk.min(axis=1), axis=0)
    return np.where(pp > 1e-9, pp, 1.0)


def net_input(x: np.ndarray) -> np.ndarray:
    """Network input ``(L, 1, n)`` float32 of signals ``x`` ``(n, L)`` at :data:`NET_FS`:
    each lead centred on its median and divided by :func:`scale_of`, clipped to +-8."""
    xc = x - np.median(x, axis=0, keepdims=True)
    z = np.clip(xc / scale_of(xc)[None, :], -8.0, 8.0)
    return np.ascontiguousarray(z.T[:, None, :], dtype=np.float32)


# -- network ---------------------------------------------------------------------------------
MODEL_NAME = "delineator_ludb"
_WIN = 2560  # window (samples at NET_FS) of long records, ...
_MARGIN = 128  # ... overlapping by this much on each side


def _windows(n: int) -> list[tuple[int, int, int, int]]:
    """(start, stop, keep_from, keep_to) windows covering ``n`` samples."""
    if n <= 2 * _WIN - 2 * _MARGIN:
        return [(0, n, 0, n)]
    hop = _WIN - 2 * _MARGIN
    out = []
    s = 0
    while True:
        e = min(s + _WIN, n)
        s = max(0, e - _WIN)
        out.append((s, e, 0 if s == 0 else s + _MARGIN, n if e == n else e - _MARGIN))
        if e == n:
            return out
        s += hop


def scores(x: np.ndarray) -> np.ndarray:
    """Class logits ``(L, 4, n)`` of signals ``x`` ``(n, L)`` at :data:`NET_FS`: every lead
    (and every window of a long record) in one batched ONNX call."""
    from cardiokit.models import load_card, run_onnx

    n, n_leads = x.shape
    wins = _windows(n)
    width = max(e - s for s, e, _, _ in wins)
    width += (-width) % _MULT
    batch = np.empty((len(wins) * n_leads, 1, width), np.float32)
    for k, (s, e, _, _) in enumerate(wins):
        z = net_input(x[s:e])[:, 0, :]
        batch[k * n_leads : (k + 1) * n_leads, 0, : e - s] = z
        batch[k * n_leads : (k + 1) * n_leads, 0, e - s :] = z[:, -1:]
    card = load_card(MODEL_NAME)
    p = run_onnx(card.path(card.extra["onnx_file"]), {"ecg": batch})[0]
    out = np.empty((n_leads, 4, n), np.float32)
    for k, (s, _e, a, b) in enumerate(wins):
        out[:, :, a:b] = p[k * n_leads : (k + 1) * n_leads, :, a - s : b - s]
    return out


# -- segmentation -> boundaries --------------------------------------------------------------
#: shortest run (s) kept per class: P, QRS, T
_MIN_RUN_S = (0.016, 0.020, 0.032)
#: runs of the same class closer than this (s) are merged: P, QRS, T
_MERGE_S = (0.024, 0.0, 0.040)
_QRS_TOL_S = 0.040  # a beat's QRS run contains its R peak within this tolerance
_MAX_PR_GAP_S = 0.20  # P offset to QRS onset at most


def _runs(lab: np.ndarray, margin: np.ndarray, c: int, min_len: int, merge_gap: int, stride: int
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Runs of class ``c`` in the flattened ``(L, stride)`` labels (each lead ends with a -1
    separator): (first, last) flat indices and sub-sample onset / offset, where the class
    margin crosses 0 (linear interpolation); runs of one lead separated by at most
    ``merge_gap`` samples are one run."""
    m = lab == c
    d = np.diff(np.concatenate([[False], m, [False]]).astype(np.int8))
    first = np.flatnonzero(d == 1)
    last = np.flatnonzero(d == -1) - 1
    if merge_gap > 0 and first.size > 1:  # one wave split by a short gap (notched P, biphasic T)
        join = (first[1:] - last[:-1] - 1 <= merge_gap) & (first[1:] // stride == last[:-1] // stride)
        first = first[np.concatenate([[True], ~join])]
        last = last[np.concatenate([~join, [True]])]
    keep = last - first + 1 >= min_len
    first, last = first[keep], last[keep]
    a = first - 1  # the separator (or the previous lead's) sample: never c, margin < 0
    ma, mf = margin[a], margin[first]
    on = np.where(mf > ma, a + (-ma) / np.where(mf > ma, mf - ma, 1.0), first - 0.5)
    b = last + 1
    ml, mb = margin[last], margin[b]
    off = np.where(ml > mb, last + ml / np.where(ml > mb, ml - mb, 1.0), last + 0.5)
    # a wave cut by the record's start or end: its boundary there is unknown
    pos_a, pos_b = first % stride, last % stride
    on = np.where(pos_a == 0, np.nan, np.clip(on, first - 1.0, first))
    off = np.where(pos_b == stride - 2, np.nan, np.clip(off, last, last + 1.0))
    return first, last, on, off


def _peak(x: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Largest deviation of ``x`` from the line joining its values at ``first`` and ``last``."""
    if first.size == 0:
        return first.astype(np.float64)
    w = int((last - first).max()) + 1
    idx = np.minimum(first[:, None] + np.arange(w)[None, :], last[:, None])
    seg = x[idx]
    span = np.maximum(last - first, 1)[:, None]
    base = x[first][:, None] + (x[last] - x[first])[:, None] * (idx - first[:, None]) / span
    return (first + np.argmax(np.abs(seg - base), axis=1)).astype(np.float64)


def boundaries(logits: np.ndarray, x: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``(L, n_beats, 9)`` fiducials (float positions at :data:`NET_FS`, NaN = absent) from
    class scores ``logits`` ``(L, 4, n)`` (logits or probabilities), signals ``x`` ``(n, L)``
    and R peaks ``r`` (positions at :data:`NET_FS`). Vectorised over leads and beats.

    Per lead: the QRS run holding the R peak (+-40 ms); the first T run after it that starts
    before the next beat's QRS; the last P run ending before the QRS onset (within 200 ms)
    and starting after the previous beat's T wave. A wave the network did not label is absent.
    """
    n_leads, _, n = logits.shape
    nb = r.size
    out = np.full((n_leads, nb, 9), np.nan)
    if nb == 0 or n == 0:
        return out
    stride = n + 1
    lab = np.argmax(logits, axis=1)  # (L, n)
    top = np.take_along_axis(logits, lab[:, None, :], axis=1)[:, 0]
    masked = logits.copy()
    np.put_along_axis(masked, lab[:, None, :], -np.inf, axis=1)
    second = masked.max(axis=1)
    flat = lambda a, fill: np.concatenate([a, np.full((n_leads, 1), fill, a.dtype)], axis=1).ravel()  # noqa: E731
    labf = flat(lab, -1)
    xf = flat(np.ascontiguousarray(x.T, dtype=np.float64), 0.0)
    base = (np.arange(n_leads) * stride)[:, None]  # (L, 1) flat index of each lead's first sample
    rk = (np.round(r).astype(np.int64)[None, :] + base).ravel()  # (L*nb) flat R positions
    lead_of = np.repeat(np.arange(n_leads), nb)
    lead_end = (lead_of * stride + n).astype(np.int64)
    runs = []
    for c in (1, 2, 3):
        margin = flat(logits[:, c] - np.where(lab == c, second, top), -1.0)
        runs.append(_runs(labf, margin, c, max(2, round(_MIN_RUN_S[c - 1] * NET_FS)),
                          round(_MERGE_S[c - 1] * NET_FS), stride))
    (pf, pl_, pon, poff), (qf, ql, qon, qoff), (tf, tl, ton, toff) = runs
    res = np.full((n_leads * nb, 9), np.nan)
    tol = round(_QRS_TOL_S * NET_FS)
    # QRS: the run containing the R peak (within tol)
    k = np.searchsorted(qf, rk + tol, side="right") - 1
    okq = k >= 0
    k = np.maximum(k, 0)
    if qf.size:
        okq &= (ql[k] >= rk - tol) & (qf[k] // stride == lead_of)
        res[okq, 3], res[okq, 5] = qon[k[okq]], qoff[k[okq]]
        res[okq, 4] = _peak(xf, qf[k[okq]], ql[k[okq]])
    else:
        okq[:] = False
    half = round(0.03 * NET_FS)
    q_first = np.where(okq, qf[k] if qf.size else 0, rk - half).reshape(n_leads, nb)
    q_last = np.where(okq, ql[k] if qf.size else 0, rk + half).reshape(n_leads, nb)
    nxt = np.concatenate([q_first[:, 1:], base + n], axis=1).ravel()
    prv = np.concatenate([base - 1, q_last[:, :-1]], axis=1)
    if tf.size:  # T: the first run starting after this QRS, before the next QRS
        kt = np.minimum(np.searchsorted(tf, q_last.ravel(), side="right"), tf.size - 1)
        okt = (tf[kt] > q_last.ravel()) & (tf[kt] < np.minimum(nxt, lead_end))
        res[okt, 6], res[okt, 8] = ton[kt[okt]], toff[kt[okt]]
        res[okt, 7] = _peak(xf, tf[kt[okt]], tl[kt[okt]])
        t_end = np.where(okt, tl[kt], -1).reshape(n_leads, nb)
        prv = np.concatenate([base - 1, np.maximum(t_end[:, :-1], q_last[:, :-1])], axis=1)
    if pf.size:  # P: the last run ending before this QRS, after the previous beat's T wave
        qk = q_first.ravel()
        kp = np.searchsorted(pl_, qk, side="left") - 1
        okp = kp >= 0
        kp = np.maximum(kp, 0)
        okp &= (pf[kp] > prv.ravel()) & (qk - pl_[kp] <= _MAX_PR_GAP_S * NET_FS)
        res[okp, 0], res[okp, 2] = pon[kp[okp]], poff[kp[okp]]
        res[okp, 1] = _peak(xf, pf[kp[okp]], pl_[kp[okp]])
    # flat indices -> positions in each lead; a wave with an unknown boundary is absent
    res -= (lead_of * stride)[:, None]
    res = res.reshape(n_leads, nb, 9)
    for w in range(3):
        gone = np.isnan(res[:, :, 3 * w : 3 * w + 3]).any(axis=2)
        res[:, :, 3 * w : 3 * w + 3][gone] = np.nan
    return res
