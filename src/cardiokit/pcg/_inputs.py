"""Model inputs of the PCG classifier, shared by training and inference."""

from __future__ import annotations

import numpy as np

from .features import MEL_BANDS
from .segment import HeartSoundSegmentation

__all__ = ["CNN_FRAMES", "cnn_windows", "cycle_starts"]

#: Frames (20 ms) of one CNN window: 2.0 s from an S1 onset.
CNN_FRAMES = 100


def cycle_starts(seg: HeartSoundSegmentation, n_frames: int) -> np.ndarray:
    """Frames where a whole S1 starts and a full window fits; evenly spaced windows (1-s
    hop) when the segmentation gives none."""
    s = np.asarray(seg.states)
    on = np.flatnonzero((s[1:] == 0) & (s[:-1] != 0)) + 1
    on = on[on + CNN_FRAMES <= n_frames]
    if on.size:
        return on.astype(np.int64)
    last = max(n_frames - CNN_FRAMES, 0)
    return np.arange(0, last + 1, 50, dtype=np.int64)


def cnn_windows(lm: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``(n_windows, 1, MEL_BANDS, CNN_FRAMES)`` float32 log-mel windows, normalised by the
    recording's mean and standard deviation (over all frames and bands)."""
    lm = np.asarray(lm, dtype=np.float64)
    if lm.shape[0] < CNN_FRAMES:
        lm = np.pad(lm, ((0, CNN_FRAMES - lm.shape[0]), (0, 0)), mode="edge")
    z = (lm - lm.mean()) / (lm.std() + 1e-6)
    idx = np.asarray(starts, dtype=np.int64)[:, None] + np.arange(CNN_FRAMES)[None, :]
    w = z[idx]  # (n, frames, bands)
    return np.ascontiguousarray(w.transpose(0, 2, 1)[:, None].astype(np.float32)).reshape(
        -1, 1, MEL_BANDS, CNN_FRAMES)
