"""Respiratory rate from the PPG by smart fusion of three respiratory modulations.

Karlen W, Raman S, Ansermino JM, Dumont GA. Multiparameter respiratory rate estimation
from the photoplethysmogram. IEEE Trans Biomed Eng 60(7):1946-1953 (2013); assessed as
one of the best fusion techniques by Charlton PH et al. An assessment of algorithms to
estimate respiratory rate from the electrocardiogram and photoplethysmogram. Physiol
Meas 37(4):610-626 (2016).

Per pulse three series are formed: RIIV (intensity / baseline modulation: the low-passed
raw PPG at the systolic peak), RIAV (amplitude modulation: peak minus onset) and RIFV
(frequency modulation: peak-to-peak interval). In each window (32 s, Karlen's length)
each series is resampled at 4 Hz, detrended and Hann-windowed; its rate is the highest
spectral peak between 4 breaths/min and the lower of 60 /min and half the pulse rate.
Smart fusion: when the three rates have a standard deviation <= 4 breaths/min their mean
is the window's rate; otherwise the window is rejected (no estimate). Windows with
fewer than half good pulses (template correlation) are rejected too.

``method="cardiokit"`` (default) fuses the spectra instead of the rates: the three
spectra, each normalised to its maximum, are averaged and the highest peak is the
window's rate, accepted when at least two modulations peak within 4 breaths/min of it
(so one modulation that respiration does not drive, often RIFV in older patients, does
not veto the window). The band starts at 5 breaths/min; each series is band-passed
(4-72 /min) after linear detrending.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cardiokit._core.errors import InvalidArgumentError
from cardiokit.dsp import bandpass, lowpass

__all__ = ["RESP_METHODS", "RespWindow", "RespiratoryRate", "respiratory_rate"]

RESP_METHODS = ("karlen2013", "cardiokit")
_LO_HZ = 5 / 60


@dataclass(frozen=True)
class RespWindow:
    """One analysis window: start (s), per-modulation rates and the fused rate (breaths/min)."""

    start_s: float
    riiv_bpm: float | None
    riav_bpm: float | None
    rifv_bpm: float | None
    fused_bpm: float | None

    def to_dict(self) -> dict:
        return {"start_s": self.start_s, "riiv_bpm": self.riiv_bpm, "riav_bpm": self.riav_bpm,
                "rifv_bpm": self.rifv_bpm, "fused_bpm": self.fused_bpm}


@dataclass(frozen=True)
class RespiratoryRate:
    """Respiratory rate: ``rate_bpm`` the median of the accepted windows' fused rates."""

    rate_bpm: float | None
    method: str
    window_s: float
    windows: tuple[RespWindow, ...]

    @property
    def accepted_fraction(self) -> float:
        n = len(self.windows)
        return sum(w.fused_bpm is not None for w in self.windows) / n if n else 0.0

    def to_dict(self) -> dict:
        return {"rate_bpm": self.rate_bpm, "method": self.method, "window_s": self.window_s,
                "accepted_fraction": self.accepted_fraction,
                "windows": [w.to_dict() for w in self.windows]}


_F = np.fft.rfftfreq(4096, 0.25)


def _spectrum(t: np.ndarray, v: np.ndarray, t0: float, t1: float, hi_hz: float) -> np.ndarray | None:
    """Power spectrum (on ``_F``) of one modulation series in a window, 0 outside the band."""
    if t.size < 5:
        return None
    tt = np.arange(t0, t1, 0.25)
    x = np.interp(tt, t, v)
    x = x - np.polyval(np.polyfit(tt - t0, x, 1), tt - t0)
    x = bandpass(x, fs_hz=4.0, low_hz=_LO_HZ * 0.8, high_hz=1.2)
    if not np.any(x):
        return None
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size), n=4096)) ** 2
    spec[(_F < _LO_HZ) | (_F > hi_hz)] = 0.0
    return spec if spec.max() > 0 else None


def _peak_bpm(spec: np.ndarray | None) -> float | None:
    return None if spec is None else float(60.0 * _F[int(np.argmax(spec))])


def _spectral_fusion(specs: list[np.ndarray | None], vals: list[float]) -> float | None:
    """Peak of the mean of the max-normalised spectra, accepted when at least two of the
    modulations' own peaks lie within 4 breaths/min of it."""
    have = [sp / sp.max() for sp in specs if sp is not None]
    if len(have) < 2:
        return None
    fused = _peak_bpm(np.mean(have, axis=0))
    if fused is None or sum(abs(v - fused) <= 4.0 for v in vals) < 2:
        return None
    return fused


def respiratory_rate(x: np.ndarray, peaks: np.ndarray, onsets: np.ndarray, *, fs_hz: float,
                     good: np.ndarray | None = None, window_s: float = 32.0,
                     step_s: float | None = None, method: str = "cardiokit") -> RespiratoryRate:
    """Respiratory rate of the raw PPG ``x`` given its pulses (see module doc).

    ``step_s`` defaults to ``window_s`` (non-overlapping windows). A record shorter than
    one window but at least 20 s long is analysed as one window; shorter gives ``None``.
    """
    if method not in RESP_METHODS:
        raise InvalidArgumentError(f"method must be one of {', '.join(RESP_METHODS)}; got {method!r}")
    if not (np.isfinite(window_s) and window_s >= 10):
        raise InvalidArgumentError(f"window_s must be >= 10 s; got {window_s!r}")
    fs = float(fs_hz)
    step = float(step_s or window_s)
    x = np.asarray(x, np.float64)
    dur = x.size / fs
    peaks = np.asarray(peaks, np.int64)
    onsets = np.asarray(onsets, np.int64)
    good = np.ones(peaks.size, bool) if good is None else np.asarray(good, bool)
    if dur < 20.0 or peaks.size < 6:
        return RespiratoryRate(None, method, window_s, ())
    xl = lowpass(x, fs_hz=fs, cutoff_hz=5.0)
    ok = onsets >= 0
    tp = peaks / fs
    riiv = (tp, xl[peaks])
    riav = (tp[ok], xl[peaks[ok]] - xl[onsets[ok]])
    rifv = (tp[1:], np.diff(peaks) / fs)
    # drop implausible intervals from the frequency series
    keep = (rifv[1] > 0.3) & (rifv[1] < 2.0)
    rifv = (rifv[0][keep], rifv[1][keep])
    win = min(window_s, dur)
    starts = np.arange(0.0, dur - win + 1e-9, step)
    out = []
    for t0 in starts:
        t1 = t0 + win
        inw = (tp >= t0) & (tp < t1)
        if inw.sum() < 6 or good[inw].mean() < 0.5:
            out.append(RespWindow(float(t0), None, None, None, None))
            continue
        hr_hz = 1.0 / float(np.median(np.diff(peaks[inw]))) * fs
        hi = min(1.0, 0.5 * hr_hz)
        specs = []
        for t, v in (riiv, riav, rifv):
            m = (t >= t0) & (t < t1)
            specs.append(_spectrum(t[m], v[m], t0, t1, hi))
        rates = [_peak_bpm(sp) for sp in specs]
        vals = [r for r in rates if r is not None]
        fused = None
        if method == "karlen2013":
            if len(vals) == 3 and float(np.std(vals)) <= 4.0:
                fused = float(np.mean(vals))
        else:
            fused = _spectral_fusion(specs, vals)
        out.append(RespWindow(float(t0), *rates, fused))
    fused_all = [w.fused_bpm for w in out if w.fused_bpm is not None]
    rate = float(np.median(fused_all)) if fused_all else None
    return RespiratoryRate(rate, method, float(win), tuple(out))
