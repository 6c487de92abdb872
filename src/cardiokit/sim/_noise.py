"""Electrode noise: baseline wander, muscle (EMG) noise and powerline interference.

Noise is generated per electrode (RA, LA, LL, V1-V6) so that the leads computed from the
electrodes keep Einthoven's and Goldberger's relations. Kinds, after the noise types of
the MIT-BIH Noise Stress Test Database (Moody et al. 1984):

``baseline``   respiration-locked sinusoid plus a random drift below 0.5 Hz (electrode
               motion, breathing), larger on the chest electrodes;
``emg``        band-limited (20-150 Hz) Gaussian noise with a slowly varying envelope
               (muscle bursts), larger on the limb electrodes;
``powerline``  a 50/60 Hz sinusoid (plus a small third harmonic) with electrode-dependent
               amplitude and phase.

Each kind is scaled to a share of the total noise power (:data:`SHARES`); the caller
scales the sum to the requested signal-to-noise ratio.

Reference: Moody GB, Muldrow WE, Mark RG. A noise stress test for arrhythmia detectors.
Computers in Cardiology 11:381-384, 1984.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt

__all__ = ["NOISE_KINDS", "SHARES", "electrode_noise"]

#: Accepted noise kinds.
NOISE_KINDS = ("baseline", "emg", "powerline")
#: Share of the noise power of each kind when all are present.
SHARES = {"baseline": 0.5, "emg": 0.35, "powerline": 0.15}

_N_EL = 9
_LIMB = slice(0, 3)


def _lowpass(x: np.ndarray, cutoff_hz: float, fs: float) -> np.ndarray:
    sos = butter(2, min(cutoff_hz, 0.45 * fs), fs=fs, output="sos")
    return sosfilt(sos, x, axis=0)


def _baseline(n: int, fs: float, resp_hz: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / fs
    gain = np.r_[np.full(3, 0.6), np.linspace(1.0, 0.8, 6)]
    phase = rng.uniform(0, 2 * np.pi, _N_EL)
    resp = np.sin(2 * np.pi * resp_hz * t[:, None] + phase[None, :]) * gain * rng.uniform(0.5, 1.0, _N_EL)
    drift = _lowpass(rng.standard_normal((n, _N_EL)), 0.5, fs)
    drift /= drift.std(axis=0, keepdims=True) + 1e-12
    return resp + 0.7 * drift * gain


def _emg(n: int, fs: float, rng: np.random.Generator) -> np.ndarray:
    hi = min(150.0, 0.45 * fs)
    x = rng.standard_normal((n, _N_EL))
    if hi > 25.0:
        sos = butter(2, [20.0, hi], btype="bandpass", fs=fs, output="sos")
        x = sosfilt(sos, x, axis=0)
    env = np.abs(_lowpass(rng.standard_normal((n, _N_EL)), 0.3, fs))
    env = 0.4 + env / (env.mean(axis=0, keepdims=True) + 1e-12)
    gain = np.r_[np.full(3, 1.0), np.full(6, 0.5)]
    return x * env * gain


def _powerline(n: int, fs: float, line_hz: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / fs
    amp = rng.uniform(0.5, 1.0, _N_EL)
    phase = rng.uniform(-0.6, 0.6, _N_EL)
    out = amp * np.sin(2 * np.pi * line_hz * t[:, None] + phase)
    if 3 * line_hz < 0.45 * fs:
        out += 0.1 * amp * np.sin(2 * np.pi * 3 * line_hz * t[:, None] + 2 * phase)
    return out


def electrode_noise(
    n: int,
    fs: float,
    *,
    kinds: tuple[str, ...],
    resp_hz: float,
    powerline_hz: float,
    project: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """``(n, 9)`` electrode noise whose lead-domain power (through ``project``) is 1.

    ``project`` is the ``(9, n_leads)`` electrode-to-lead matrix; each kind gets its
    :data:`SHARES` fraction of the power (renormalised over the kinds present). Powerline
    noise is left out when ``powerline_hz`` is at or above 0.45 ``fs``.
    """
    parts: dict[str, np.ndarray] = {}
    if "baseline" in kinds:
        parts["baseline"] = _baseline(n, fs, resp_hz, rng)
    if "emg" in kinds:
        parts["emg"] = _emg(n, fs, rng)
    if "powerline" in kinds and powerline_hz < 0.45 * fs:
        parts["powerline"] = _powerline(n, fs, powerline_hz, rng)
    out = np.zeros((n, _N_EL))
    if not parts:
        return out
    total = sum(SHARES[k] for k in parts)
    for kind, x in parts.items():
        power = float(np.mean((x @ project) ** 2))
        if power > 0:
            out += x * np.sqrt(SHARES[kind] / total / power)
    return out
