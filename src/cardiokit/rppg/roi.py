"""Skin region of interest: per-frame mean R, G, B over skin-coloured pixels.

Pixels are classified as skin with the fixed chrominance box of Chai and Ngan
(133 <= Cr <= 173, 77 <= Cb <= 127 in ITU-R BT.601 YCrCb), which is independent of
brightness and works across skin tones; saturated pixels (Y >= 250) are dropped.
A frame with less than ``min_skin_fraction`` skin falls back to all pixels.

Reference: Chai D, Ngan KN. Face segmentation using skin-color map in videophone
applications. IEEE Trans Circuits Syst Video Technol 9(4):551-64 (1999).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .._core.errors import InvalidSignalError

__all__ = ["SkinTraces", "skin_mask", "skin_traces"]


def skin_mask(frame: np.ndarray) -> np.ndarray:
    """Boolean ``(h, w)`` mask of skin-coloured pixels of an RGB ``(h, w, 3)`` uint8 frame."""
    f = frame.astype(np.float32)
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cr = 0.713 * (r - y) + 128.0
    cb = 0.564 * (b - y) + 128.0
    return (cr >= 133) & (cr <= 173) & (cb >= 77) & (cb <= 127) & (y < 250)


@dataclass(frozen=True)
class SkinTraces:
    """Per-frame mean ``rgb`` ``(n, 3)`` over skin, and the skin fraction of each frame."""

    rgb: np.ndarray
    skin_fraction: np.ndarray

    @property
    def mean_skin_fraction(self) -> float:
        return float(np.mean(self.skin_fraction)) if self.skin_fraction.size else 0.0


def skin_traces(frames: Iterable[np.ndarray], *, min_skin_fraction: float = 0.02) -> SkinTraces:
    """Mean R, G, B over the skin pixels of each RGB frame (all pixels when too little skin)."""
    means: list[np.ndarray] = []
    fractions: list[float] = []
    for frame in frames:
        arr = np.asarray(frame)
        if arr.ndim != 3 or arr.shape[2] != 3:
            raise InvalidSignalError(f"frames must be (h, w, 3) RGB arrays; got shape {arr.shape}")
        mask = skin_mask(arr)
        frac = float(mask.mean())
        pix = arr[mask] if frac >= min_skin_fraction else arr.reshape(-1, 3)
        means.append(pix.mean(axis=0, dtype=np.float64))
        fractions.append(frac)
    if not means:
        raise InvalidSignalError("the video has no frames")
    return SkinTraces(np.vstack(means), np.asarray(fractions))
