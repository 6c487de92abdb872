"""MIT-BIH Noise Stress Test noise (nstdb ``bw``, ``ma``) mixed into clean ECG at a given SNR.

SNR follows the nstdb convention (Moody, Muldrow & Mark 1984): signal power
S = (median QRS peak-to-peak amplitude)^2 / 8, noise power N = mean square of the
scaled noise; SNR = 10 log10(S / N).

The noise records (30 min, 360 Hz, 2 channels) are split in time: the first half is
for training (training/train_quality.py), the second half for the noise-stress
benchmark (bench/bench_quality.py), so no noise sample is used for both.
"""

from __future__ import annotations

from functools import lru_cache
from math import gcd

import numpy as np
from training._paths import SHARED_DATA

NSTDB = SHARED_DATA / "nstdb"


@lru_cache(maxsize=4)
def noise(kind: str) -> tuple[np.ndarray, float]:
    """(samples x 2 noise in mV, fs) of nstdb record ``kind`` ("bw" or "ma")."""
    import wfdb

    r = wfdb.rdrecord(str(NSTDB / kind))
    return r.p_signal.astype(np.float64), float(r.fs)


def noise_piece(kind: str, n: int, fs: float, rng: np.random.Generator, half: str) -> np.ndarray:
    """A random ``n``-sample stretch of noise at ``fs`` from the ``half`` ("train"/"test")."""
    from scipy.signal import resample_poly

    x, nfs = noise(kind)
    mid = x.shape[0] // 2
    lo, hi = (0, mid) if half == "train" else (mid, x.shape[0])
    need = int(np.ceil(n * nfs / fs)) + 16
    if need > hi - lo:
        raise ValueError("noise piece longer than the available half")
    s = int(rng.integers(lo, hi - need))
    ch = int(rng.integers(0, 2))
    seg = x[s : s + need, ch]
    up, down = round(fs * 10), round(nfs * 10)
    g = gcd(up, down)
    seg = resample_poly(seg, up // g, down // g)
    return seg[:n] - seg[:n].mean()


def signal_power(x: np.ndarray, beats: np.ndarray, fs: float) -> float:
    """nstdb signal power: (median QRS peak-to-peak amplitude)^2 / 8."""
    r = max(1, round(0.06 * fs))
    inner = beats[(beats >= r) & (beats + r < x.size)]
    if inner.size == 0:
        return float(np.ptp(x) ** 2 / 8)
    win = x[inner[:, None] + np.arange(-r, r + 1)[None, :]]
    return float(np.median(np.ptp(win, axis=1)) ** 2 / 8)


def add_noise(x: np.ndarray, beats: np.ndarray, fs: float, kind: str, snr_db: float,
              rng: np.random.Generator, half: str) -> np.ndarray:
    """``x`` plus nstdb noise ``kind`` scaled to ``snr_db``."""
    nz = noise_piece(kind, x.size, fs, rng, half)
    p_n = float(np.mean(nz ** 2))
    if p_n <= 0:
        return x.copy()
    gain = np.sqrt(signal_power(x, beats, fs) / (p_n * 10 ** (snr_db / 10)))
    return x + gain * nz
