"""Median (representative) beats: R-aligned, dominant morphology only, with their delineation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dsp._fast import clip, median_rows
from ._delineate_filters import TUNING, prepare
from ._delineate_lead import delineate_leads

__all__ = ["MedianBeat", "median_beat"]

PRE_S = 0.45
POST_S = 0.70


@dataclass(frozen=True, eq=False)
class MedianBeat:
    """Median beat of every lead.

    ``signals`` is ``(n_window, n_leads)`` (baseline-removed, physical units), sample
    ``r_index`` is the R peak; ``per_lead`` ``(n_leads, 9)`` and ``global_`` ``(9,)`` are its
    fiducials (window sample indices, -1 absent); ``n_used`` beats formed it out of
    ``n_beats`` (beats of another morphology, e.g. ectopics, are left out).
    """

    signals: np.ndarray
    fs: float
    r_index: int
    leads: tuple[str, ...]
    per_lead: np.ndarray
    global_: np.ndarray
    n_used: int
    n_beats: int

    def __post_init__(self) -> None:
        for name in ("signals", "per_lead", "global_"):
            arr = np.array(getattr(self, name))
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)


#: the beats unlike the median QRS are the dominant (supraventricular) ones when their QRS is at
#: least this much (ms) narrower and more of them have a P wave (:func:`unlike_are_dominant`)
DOMINANT_NARROWER_MS = 20.0


def unlike_are_dominant(other: np.ndarray, qrs_w: np.ndarray, has_p: np.ndarray) -> bool:
    """Whether the beats ``other`` (unlike the median QRS) are the dominant, supraventricular ones:
    at least a quarter of the beats (and 2, not all), a median QRS width (``qrs_w``, ms, NaN
    unknown) >= :data:`DOMINANT_NARROWER_MS` narrower than the rest's and a larger share with a P
    wave (``has_p``). With ventricular bigeminy or frequent PVCs a 10-s strip holds as many PVCs
    as sinus beats or more, and the median QRS is then a PVC's."""
    n_o = int(np.count_nonzero(other))
    if n_o < 2 or n_o == other.size or n_o < 0.25 * other.size:
        return False
    w_in, w_out = qrs_w[~other], qrs_w[other]
    w_in, w_out = w_in[np.isfinite(w_in)], w_out[np.isfinite(w_out)]
    return bool(w_in.size and w_out.size and float(np.median(w_in)) - float(np.median(w_out)) >= DOMINANT_NARROWER_MS
                and has_p[other].mean() > has_p[~other].mean())


def _dominant(q: np.ndarray, qrs_w: np.ndarray | None = None, has_p: np.ndarray | None = None) -> np.ndarray:
    """Beats whose QRS ``q`` (rows: R +- 60 ms, all leads) correlates >= 0.9 with the median QRS.

    With the beats' QRS widths ``qrs_w`` (NaN unknown) and P-wave flags ``has_p``: when at least a
    quarter of the beats are unlike the median QRS (correlation < 0.8) and
    :func:`unlike_are_dominant`, the dominant beats are those alike the median of the others (as
    for the beat classes, :func:`cardiokit.ecg.morphology.classify_beats`)."""
    q = q - np.add.reduce(q, axis=1, keepdims=True) / q.shape[1]  # q.mean(axis=1) as numpy computes it
    nrm = np.sqrt(np.add.reduce(q * q, axis=1))

    def alike(tmpl: np.ndarray) -> np.ndarray:
        # np.linalg.norm's own formulas (row norms: root of the summed squares; a vector: root of x.x)
        den = nrm * np.sqrt(tmpl.dot(tmpl))
        ok = den > 0
        return q @ tmpl / den if ok.all() else np.where(ok, q @ tmpl / np.where(ok, den, 1.0), 0.0)

    corr = alike(median_rows(q))
    keep = corr >= 0.9
    if qrs_w is not None and has_p is not None and q.shape[0] >= 4:
        other = corr < 0.8
        if unlike_are_dominant(other, qrs_w, has_p):
            corr = alike(median_rows(q[other]))
            keep = corr >= 0.9
    if not keep.any():
        keep = corr >= corr.max() - 1e-12
    return keep


def median_beat(hp: np.ndarray, r: np.ndarray, fs: float, leads: tuple[str, ...],
                fuse, *, beat_fiducials: tuple[np.ndarray, np.ndarray] | None = None,
                scale: np.ndarray | None = None, usable: np.ndarray | None = None) -> MedianBeat | None:
    """Median beat of baseline-removed signals ``hp`` (n_samples, n_leads) around beats ``r``.

    Its fiducials are, with ``beat_fiducials`` = (per-lead ``(n_leads, n_beats, 9)``, global
    ``(n_beats, 9)``) of a delineation of the same beats and leads, the medians over the
    dominant beats of each beat's fiducials relative to its R peak (a wave is kept when at
    least half of those beats show it); without them the median beat is delineated on its own
    (``fuse`` is the multi-lead fusion of :mod:`.delineate`, passed in to avoid a cycle).
    ``usable`` (``(n_leads, n_beats)`` bool, :attr:`Delineation.usable`): beats a lead left out
    as unusable do not count in that lead's half (nor, unusable in every lead, in the global one).
    """
    pre, post = round(PRE_S * fs), round(POST_S * fs)
    n = hp.shape[0]
    r = np.asarray(r, np.int64)
    if r.size == 0:
        return None
    inside = [i for i, v in enumerate(r.tolist()) if v - pre >= 0 and v + post < n]
    use = np.array(inside, np.int64) if inside else np.arange(r.size)
    idx = r[use][:, None] + np.arange(-pre, post + 1)[None, :]
    if not inside:  # windows clipped at the ends repeat the edge sample (as edge padding would)
        idx = clip(idx, 0, n - 1)
    if scale is not None and np.all(scale == 1.0):
        scale = None
    # dominant beats from their QRS windows (R +- 60 ms, float64); the median beat of those
    # in float32, its storage type (the median of float32-rounded values is the rounded
    # median for an odd number of beats; for an even number the mean of the two middle ones
    # may differ by one float32 unit in the last place)
    # (np.take along the sample axis copies each sample's row of leads at once: ~3x faster
    # than the equivalent fancy index hp[idx])
    h = round(0.06 * fs)
    # (``hp`` may be float32, e.g. the cleaned signals: its windows are taken as float64, the same values)
    q = np.take(hp, idx[:, max(pre - h, 0) : pre + h + 1], axis=0).astype(np.float64, copy=False)
    if scale is not None:
        q *= scale
    qrs_w = has_p = None
    if beat_fiducials is not None:  # the beats' global QRS widths (ms) and P waves
        g = beat_fiducials[1][use]
        qrs_w = np.where((g[:, 3] >= 0) & (g[:, 5] > g[:, 3]), (g[:, 5] - g[:, 3]) * 1000.0 / fs, np.nan)
        has_p = g[:, 1] >= 0
    keep = _dominant(q.reshape(q.shape[0], -1), qrs_w, has_p)
    win = np.take(hp, idx[keep], axis=0)  # (n_keep, window, leads)
    if scale is not None:
        win = win.astype(np.float64, copy=False)
        win *= scale
    med = median_rows(win.astype(np.float32, copy=False))
    if beat_fiducials is not None:
        b = use[keep]
        per_b, glob_b = beat_fiducials
        fb = np.concatenate([per_b[:, b, :], glob_b[None, b, :]], axis=0)
        n_valid = None
        if usable is not None and not usable.all():
            u = usable[:, b]
            n_glob = np.count_nonzero(u.any(axis=0))
            most = 2 * u.sum(axis=0) >= u.shape[0]
            if not most.all() and np.count_nonzero(most) >= 3:
                # a beat left out in most leads has global boundaries from the few leads left
                # (an electrode pop reaches up to 11 of 12): not comparable with the others'
                fb[-1, ~most, :] = -1
                n_glob = np.count_nonzero(most)
            n_valid = np.concatenate([u.sum(axis=1), [n_glob]])
        fid = _median_fiducials(fb - r[None, b, None], fb >= 0, pre, med.shape[0], n_valid)
        per, glob = fid[:-1], fid[-1]
    else:
        rr = np.diff(r) / fs
        rr_s = float(np.median(rr)) if rr.size else 1.0
        filt = prepare(med.astype(np.float64), fs, TUNING, highpass=False)
        rpos = np.array([pre])
        per3 = delineate_leads(filt, rpos, fs, TUNING, rr_s=rr_s)
        glob3, fused = fuse(per3, rpos, fs)
        per, glob = fused[:, 0, :], glob3[0]
        return MedianBeat(med, fs, pre, leads, per, glob, int(keep.sum()), int(r.size))
    # the arrays are ours (the median and the fiducials' own array): frozen in place, not copied
    for a in (med, per, glob):
        a.flags.writeable = False
    mb = object.__new__(MedianBeat)
    mb.__dict__.update(signals=med, fs=fs, r_index=pre, leads=leads, per_lead=per, global_=glob,
                       n_used=int(keep.sum()), n_beats=int(r.size))
    return mb


def _median_fiducials(rel: np.ndarray, present: np.ndarray, r_index: int, width: int,
                      n_valid: np.ndarray | None = None) -> np.ndarray:
    """``(rows, 9)`` window positions: per row (lead) and wave, the median over beats of the
    fiducials relative to R where the wave is present in at least half of the beats (of the
    row's ``n_valid`` beats when given: the others were left out), else -1."""
    rows, nb, _ = rel.shape
    # all three waves at once: a fiducial counts where its wave's onset, peak and offset exist
    p = present.reshape(rows, nb, 3, 3)
    have = p[:, :, :, 1] & p[:, :, :, 0] & p[:, :, :, 2]  # (rows, nb, 3 waves)
    cnt = have.sum(axis=1)  # (rows, 3)
    # laid out (row, wave, fiducial, beat): beats last (contiguous sorts); absent fiducials
    # sort last (an integer sentinel: the values are integers, so the medians are those of
    # the float NaN-last sort)
    vals = np.full((rows, 3, 3, nb), _ABSENT)
    np.copyto(vals, rel.reshape(rows, nb, 3, 3).transpose(0, 2, 3, 1), where=have.transpose(0, 2, 1)[:, :, None, :])
    vals = vals.reshape(rows * 9, nb)
    vals.sort(axis=1)
    c9 = cnt.repeat(3)  # per row of vals
    at = np.arange(rows * 9) * nb  # each row's start in the flat array
    flat = vals.reshape(-1)
    lo = flat[at + np.maximum((c9 - 1) // 2, 0)]
    hi = flat[at + c9 // 2]
    m = (np.round(0.5 * (lo + hi).astype(np.float64)) + r_index).reshape(rows, 9)
    inside = ((m >= 0) & (m < width)).reshape(rows, 3, 3).all(axis=2)
    half = nb if n_valid is None else np.asarray(n_valid)[:, None]
    ok = np.repeat((2 * cnt >= half) & (cnt > 0) & inside, 3, axis=1)
    out = np.full((rows, 9), -1, np.int64)
    out[ok] = m[ok].astype(np.int64)
    return out


#: sorts after every fiducial offset (in samples) and keeps sums of two exact in float64
_ABSENT = np.int64(1) << 40
