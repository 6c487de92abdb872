"""Median (representative) beats: R-aligned, dominant morphology only, with their delineation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dsp._fast import clip, median0, median_small
from ._delineate_lead import TUNING, delineate_leads, prepare

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


def _median0(a: np.ndarray) -> np.ndarray:
    """``np.median(a, axis=0)`` for finite ``a`` (short beat axis: a min/max network or a sort)."""
    return median_small(a, 0)


def _dominant(seg: np.ndarray, r_idx: int, fs: float) -> np.ndarray:
    """Beats whose QRS (R +- 60 ms, all leads) correlates >= 0.9 with the median QRS."""
    h = round(0.06 * fs)
    q = seg[:, max(r_idx - h, 0) : r_idx + h + 1, :].reshape(seg.shape[0], -1)
    q = q - q.mean(axis=1, keepdims=True)
    tmpl = median0(q)
    den = np.linalg.norm(q, axis=1) * np.linalg.norm(tmpl)
    corr = np.where(den > 0, q @ tmpl / np.where(den > 0, den, 1.0), 0.0)
    keep = corr >= 0.9
    if not keep.any():
        keep = corr >= corr.max() - 1e-12
    return keep


def median_beat(hp: np.ndarray, r: np.ndarray, fs: float, leads: tuple[str, ...],
                fuse, *, beat_fiducials: tuple[np.ndarray, np.ndarray] | None = None,
                scale: np.ndarray | None = None) -> MedianBeat | None:
    """Median beat of baseline-removed signals ``hp`` (n_samples, n_leads) around beats ``r``.

    Its fiducials are, with ``beat_fiducials`` = (per-lead ``(n_leads, n_beats, 9)``, global
    ``(n_beats, 9)``) of a delineation of the same beats and leads, the medians over the
    dominant beats of each beat's fiducials relative to its R peak (a wave is kept when at
    least half of those beats show it); without them the median beat is delineated on its own
    (``fuse`` is the multi-lead fusion of :mod:`.delineate`, passed in to avoid a cycle).
    """
    pre, post = round(PRE_S * fs), round(POST_S * fs)
    n = hp.shape[0]
    r = np.asarray(r, np.int64)
    if r.size == 0:
        return None
    inside = (r - pre >= 0) & (r + post < n)
    use = np.flatnonzero(inside) if inside.any() else np.arange(r.size)
    # windows clipped at the ends repeat the edge sample (as edge padding would)
    idx = clip(r[use][:, None] + np.arange(-pre, post + 1)[None, :], 0, n - 1)
    # (n_use, window, leads); a per-lead factor (e.g. to mV) applied to the beats' windows only
    seg = hp[idx] if scale is None else hp[idx] * scale
    keep = _dominant(seg, pre, fs)
    med = _median0(seg[keep])
    if beat_fiducials is not None:
        b = use[keep]
        per_b, glob_b = beat_fiducials
        rel = np.concatenate([per_b[:, b, :], glob_b[None, b, :]], axis=0) - r[None, b, None]
        present = np.concatenate([per_b[:, b, :], glob_b[None, b, :]], axis=0) >= 0
        fid = _median_fiducials(rel, present, pre, med.shape[0])
        per, glob = fid[:-1], fid[-1]
    else:
        rr = np.diff(r) / fs
        rr_s = float(np.median(rr)) if rr.size else 1.0
        filt = prepare(med, fs, TUNING, highpass=False)
        rpos = np.array([pre])
        per3 = delineate_leads(filt, rpos, fs, TUNING, rr_s=rr_s)
        glob3, fused = fuse(per3, rpos, fs)
        per, glob = fused[:, 0, :], glob3[0]
    return MedianBeat(med.astype(np.float32), fs, pre, leads, per, glob, int(keep.sum()), int(r.size))


def _median_fiducials(rel: np.ndarray, present: np.ndarray, r_index: int, width: int) -> np.ndarray:
    """``(rows, 9)`` window positions: per row (lead) and wave, the median over beats of the
    fiducials relative to R where the wave is present in at least half of the beats, else -1."""
    rows, nb, _ = rel.shape
    # all three waves at once: a fiducial counts where its wave's onset, peak and offset exist
    have = present[:, :, 1::3] & present[:, :, 0::3] & present[:, :, 2::3]  # (rows, nb, 3 waves)
    cnt = have.sum(axis=1)  # (rows, 3)
    vals = np.where(np.repeat(have, 3, axis=2), rel.astype(np.float64), np.nan)
    srt = np.sort(vals, axis=1)  # NaN last
    cnt9 = np.repeat(cnt, 3, axis=1)[:, None, :]
    lo = np.take_along_axis(srt, np.maximum((cnt9 - 1) // 2, 0), axis=1)[:, 0]
    hi = np.take_along_axis(srt, np.maximum(cnt9 // 2, 0), axis=1)[:, 0]
    m = np.round(0.5 * (lo + hi)) + r_index  # (rows, 9)
    inside = ((m >= 0) & (m < width)).reshape(rows, 3, 3).all(axis=2)
    ok = np.repeat((2 * cnt >= nb) & (cnt > 0) & inside, 3, axis=1)
    out = np.full((rows, 9), -1, np.int64)
    out[ok] = m[ok].astype(np.int64)
    return out
