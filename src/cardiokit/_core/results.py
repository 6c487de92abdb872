"""Typed results passed between analysis stages."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Beats"]


@dataclass(frozen=True, eq=False)
class Beats:
    """Detected heart beats.

    ``samples`` are the beat fiducials (for ECG the R peak / main QRS deflection) as
    int64 sample indices, ascending, at rate ``fs``. ``method`` names the detector
    (author-year) and ``leads`` the channels it used (several for multi-lead fusion).
    """

    samples: np.ndarray
    fs: float
    method: str
    leads: tuple[str, ...] = ()
    n_samples: int = 0
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = np.unique(np.asarray(self.samples, dtype=np.int64).reshape(-1))
        s.flags.writeable = False
        object.__setattr__(self, "samples", s)

    def __len__(self) -> int:
        return int(self.samples.size)

    @property
    def times_s(self) -> np.ndarray:
        return self.samples / self.fs

    @property
    def rr_s(self) -> np.ndarray:
        """Intervals between consecutive beats in seconds (length ``len(self) - 1``)."""
        return np.diff(self.samples) / self.fs

    @property
    def heart_rate_bpm(self) -> float | None:
        """Mean heart rate from the median RR interval, or None with fewer than 2 beats."""
        rr = self.rr_s
        return float(60.0 / np.median(rr)) if rr.size else None
