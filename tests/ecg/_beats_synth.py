"""Synthetic ECG for detector tests: Gaussian P-QRS-T beats at chosen times."""

from __future__ import annotations

import numpy as np

# (amplitude mV, centre offset factor, width s): offsets scale with sqrt(RR) for P and T
_WAVES = (
    ("P", 0.15, -0.17, 0.025, True),
    ("Q", -0.12, -0.025, 0.010, False),
    ("R", 1.00, 0.0, 0.011, False),
    ("S", -0.30, 0.025, 0.010, False),
    ("T", 0.30, 0.30, 0.050, True),
)


def synth_ecg(beat_times_s: np.ndarray, *, fs: float, duration_s: float, amp: float = 1.0,
              invert: bool = False, qrs_width: float = 1.0) -> np.ndarray:
    """An ECG-like trace (mV) with one beat at each time in ``beat_times_s``."""
    n = round(duration_s * fs)
    t = np.arange(n) / fs
    x = np.zeros(n)
    bt = np.asarray(beat_times_s, float).reshape(-1)
    if bt.size == 0:
        return x
    rr = np.diff(bt)
    rr = np.concatenate([rr[:1], rr]) if rr.size else np.array([1.0])
    for tb, r in zip(bt, rr, strict=True):
        for _name, a, off, w, scale in _WAVES:
            c = tb + (off * np.sqrt(min(r, 1.5)) if scale else off * qrs_width)
            ww = w if scale else w * qrs_width
            lo, hi = max(0, int((c - 5 * ww) * fs)), min(n, int((c + 5 * ww) * fs) + 1)
            if hi > lo:
                x[lo:hi] += a * np.exp(-0.5 * ((t[lo:hi] - c) / ww) ** 2)
    return amp * (-x if invert else x)


def regular_train(bpm: float, duration_s: float, start_s: float = 0.5) -> np.ndarray:
    return np.arange(start_s, duration_s - 0.3, 60.0 / bpm)
