"""Pulse rate from an rPPG pulse: averaged windowed spectra, peak picking and SNR.

The rate is the peak of the mean of the normalised periodograms of 10-s Hann windows
(1-s step) inside 0.7-4 Hz, refined by parabolic interpolation; a per-window rate series
is reported too. SNR follows de Haan and Jeanne (2013): power near the fundamental and
its first harmonic over the remaining power in 0.7-4.5 Hz, in dB; "near" is the main lobe
of the Hann window (+-2/T, 0.2 Hz for 10-s windows), so a clean pulse scores high.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .methods import BAND_HZ

__all__ = ["PulseRate", "pulse_rate"]

_WINDOW_S = 10.0
_STEP_S = 1.0
_RESOLUTION_HZ = 1.0 / 240.0  # zero-pad to 0.25 bpm bins


@dataclass(frozen=True)
class PulseRate:
    """``bpm`` and ``snr_db`` of the whole pulse, plus the per-window series ``times_s``/``series_bpm``."""

    bpm: float
    snr_db: float
    times_s: np.ndarray
    series_bpm: np.ndarray
    freqs_hz: np.ndarray
    spectrum: np.ndarray


def _spectra(x: np.ndarray, fs: float, win: int, step: int, nfft: int) -> np.ndarray:
    starts = np.arange(0, x.size - win + 1, step)
    seg = np.lib.stride_tricks.sliding_window_view(x, win)[starts]
    seg = (seg - seg.mean(axis=1, keepdims=True)) * np.hanning(win)
    return np.abs(np.fft.rfft(seg, n=nfft, axis=1)) ** 2


def _peak(freqs: np.ndarray, p: np.ndarray, band: np.ndarray) -> float:
    idx = np.flatnonzero(band)
    i = idx[int(np.argmax(p[idx]))]
    if 0 < i < p.size - 1:
        a, b, c = p[i - 1], p[i], p[i + 1]
        den = a - 2 * b + c
        shift = 0.5 * (a - c) / den if den != 0 else 0.0
        return float(freqs[i] + np.clip(shift, -0.5, 0.5) * (freqs[1] - freqs[0]))
    return float(freqs[i])


def _snr_db(freqs: np.ndarray, p: np.ndarray, f0: float, lobe_hz: float) -> float:
    wide = (freqs >= BAND_HZ[0]) & (freqs <= 4.5)
    sig = wide & ((np.abs(freqs - f0) <= lobe_hz) | (np.abs(freqs - 2 * f0) <= lobe_hz))
    noise = float(p[wide & ~sig].sum())
    return float(10 * np.log10(max(float(p[sig].sum()), 1e-30) / max(noise, 1e-30)))


def pulse_rate(pulse: np.ndarray, fs: float) -> PulseRate:
    """Pulse rate (bpm), SNR (dB) and a per-window rate series of an rPPG pulse."""
    x = np.asarray(pulse, dtype=np.float64)
    win = min(x.size, round(_WINDOW_S * fs))
    step = max(1, round(_STEP_S * fs))
    nfft = max(win, int(2 ** np.ceil(np.log2(fs / _RESOLUTION_HZ))))
    spec = _spectra(x, fs, win, step, nfft)
    freqs = np.fft.rfftfreq(nfft, 1.0 / fs)
    band = (freqs >= BAND_HZ[0]) & (freqs <= min(BAND_HZ[1], fs / 2))
    norm = spec / np.maximum(spec[:, band].sum(axis=1, keepdims=True), 1e-30)
    mean = norm.mean(axis=0)
    f0 = _peak(freqs, mean, band)
    series = np.array([_peak(freqs, s, band) for s in norm]) * 60.0
    times = (np.arange(spec.shape[0]) * step + win / 2) / fs
    return PulseRate(f0 * 60.0, _snr_db(freqs, mean, f0, 2.0 * fs / win), times, series, freqs, mean)
