"""Synthetic PPG: two-Gaussian pulses (systolic + diastolic wave) at known times."""

from __future__ import annotations

import numpy as np


def synth_ppg(*, fs: float = 125.0, duration_s: float = 60.0, hr_bpm: float = 72.0,
              resp_bpm: float | None = None, am: float = 0.0, bw: float = 0.0, noise: float = 0.0,
              seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """PPG and the sample indices of its systolic peaks.

    ``am``: relative amplitude modulation at ``resp_bpm``; ``bw``: baseline modulation
    amplitude; ``noise``: white-noise SD (pulse amplitude is 1).
    """
    rng = np.random.default_rng(seed)
    n = int(duration_s * fs)
    t = np.arange(n) / fs
    rr = 60.0 / hr_bpm
    beats = np.arange(0.5, duration_s - 0.5, rr) + rng.normal(0, 0.01, size=int((duration_s - 1) / rr) + 1)[
        : len(np.arange(0.5, duration_s - 0.5, rr))]
    x = np.zeros(n)
    for b in beats:
        amp = 1.0 + (am * np.sin(2 * np.pi * resp_bpm / 60 * b) if resp_bpm else 0.0)
        x += amp * (np.exp(-0.5 * ((t - b) / (0.09 * rr)) ** 2)
                    + 0.45 * np.exp(-0.5 * ((t - b - 0.32 * rr) / (0.11 * rr)) ** 2))
    if resp_bpm and bw:
        x += bw * np.sin(2 * np.pi * resp_bpm / 60 * t)
    x += noise * rng.normal(size=n)
    peaks = np.array([int(np.argmax(x[max(0, int((b - 0.1) * fs)) : int((b + 0.1) * fs)]))
                      + max(0, int((b - 0.1) * fs)) for b in beats])
    return x, peaks
