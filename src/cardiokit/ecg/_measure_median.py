"""Median (representative) beats: R-aligned, dominant morphology only, with their delineation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def _dominant(seg: np.ndarray, r_idx: int, fs: float) -> np.ndarray:
    """Beats whose QRS (R +- 60 ms, all leads) correlates >= 0.9 with the median QRS."""
    h = round(0.06 * fs)
    q = seg[:, max(r_idx - h, 0) : r_idx + h + 1, :].reshape(seg.shape[0], -1)
    q = q - q.mean(axis=1, keepdims=True)
    tmpl = np.median(q, axis=0)
    den = np.linalg.norm(q, axis=1) * np.linalg.norm(tmpl)
    corr = np.where(den > 0, q @ tmpl / np.where(den > 0, den, 1.0), 0.0)
    keep = corr >= 0.9
    if not keep.any():
        keep = corr >= corr.max() - 1e-12
    return keep


def median_beat(hp: np.ndarray, r: np.ndarray, fs: float, leads: tuple[str, ...],
                fuse) -> MedianBeat | None:
    """Median beat of baseline-removed signals ``hp`` (n_samples, n_leads) around beats ``r``.

    ``fuse`` is the multi-lead fusion of :mod:`.delineate` (passed in to avoid a cycle).
    """
    pre, post = round(PRE_S * fs), round(POST_S * fs)
    n = hp.shape[0]
    r = np.asarray(r, np.int64)
    if r.size == 0:
        return None
    inside = r[(r - pre >= 0) & (r + post < n)]
    use = inside if inside.size else r
    pad = np.pad(hp, ((pre, post + 1), (0, 0)), mode="edge")
    idx = use[:, None] + np.arange(0, pre + post + 1)[None, :]  # shifted by the pad
    seg = pad[idx]  # (n_use, window, leads)
    keep = _dominant(seg, pre, fs)
    med = np.median(seg[keep], axis=0)
    rr = np.diff(r) / fs
    rr_s = float(np.median(rr)) if rr.size else 1.0
    filt = prepare(med, fs, TUNING, highpass=False)
    rpos = np.array([pre])
    per = delineate_leads(filt, rpos, fs, TUNING, rr_s=rr_s)
    glob, fused = fuse(per, rpos, fs)
    return MedianBeat(med.astype(np.float32), fs, pre, leads, fused[:, 0, :], glob[0], int(keep.sum()), int(r.size))
