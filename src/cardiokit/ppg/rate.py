"""Pulse rate and pulse-rate variability (PRV) from systolic-peak intervals.

PRV follows the HRV Task Force (1996) definitions on peak-to-peak intervals; intervals
outside 0.3-2.0 s or more than 20 % from the median of their 11 neighbours are treated
as artefacts and removed (successive differences only between two kept intervals).
Frequency bands from the Welch spectrum (256-s Hann segments) of the kept intervals
interpolated at 4 Hz: LF 0.04-0.15 Hz, HF 0.15-0.4 Hz (needs >= 60 s for LF to mean anything; NaN on shorter series).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["PRV", "pulse_rate_variability"]

NAN = float("nan")


@dataclass(frozen=True)
class PRV:
    """Pulse-rate variability indices (ms, %, ms^2); NaN when the series is too short."""

    n_intervals: int
    n_kept: int
    mean_nn_ms: float = NAN
    sdnn_ms: float = NAN
    rmssd_ms: float = NAN
    pnn50_pct: float = NAN
    sd1_ms: float = NAN
    sd2_ms: float = NAN
    lf_ms2: float = NAN
    hf_ms2: float = NAN
    lf_hf: float = NAN

    def to_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                for k, v in asdict(self).items()}


def _kept(ibi_s: np.ndarray) -> np.ndarray:
    ok = (ibi_s >= 0.3) & (ibi_s <= 2.0)
    n = ibi_s.size
    for i in range(n):
        lo, hi = max(0, i - 5), min(n, i + 6)
        nb = ibi_s[lo:hi][ok[lo:hi]]
        if nb.size and abs(ibi_s[i] - np.median(nb)) > 0.2 * np.median(nb):
            ok[i] = False
    return ok


def pulse_rate_variability(peaks: np.ndarray, *, fs_hz: float) -> PRV:
    """:class:`PRV` of the intervals between systolic ``peaks`` (sample indices)."""
    p = np.asarray(peaks, np.int64)
    ibi = np.diff(p) / float(fs_hz)
    if ibi.size < 2:
        return PRV(int(ibi.size), 0)
    ok = _kept(ibi)
    nn = ibi[ok] * 1000.0
    if nn.size < 2:
        return PRV(int(ibi.size), int(nn.size))
    pair = ok[1:] & ok[:-1]
    sd = np.diff(ibi * 1000.0)[pair]
    rmssd = float(np.sqrt(np.mean(sd**2))) if sd.size else NAN
    pnn50 = float(100.0 * np.mean(np.abs(sd) > 50)) if sd.size else NAN
    sdnn = float(np.std(nn, ddof=1))
    sdsd = float(np.std(sd, ddof=1)) if sd.size > 1 else NAN
    sd1 = float(np.sqrt(0.5) * sdsd) if np.isfinite(sdsd) else NAN
    sd2 = float(np.sqrt(max(2 * sdnn**2 - 0.5 * sdsd**2, 0.0))) if np.isfinite(sdsd) else NAN
    lf = hf = NAN
    t = (p[1:][ok] - p[0]) / float(fs_hz)
    if t.size >= 8 and t[-1] - t[0] >= 60.0:
        from scipy.signal import welch

        tt = np.arange(t[0], t[-1], 0.25)
        x = np.interp(tt, t, nn)
        f, pw = welch(x - x.mean(), fs=4.0, nperseg=min(tt.size, 1024), detrend="linear")
        lf = float(np.trapezoid(pw[(f >= 0.04) & (f < 0.15)], f[(f >= 0.04) & (f < 0.15)]))
        hf = float(np.trapezoid(pw[(f >= 0.15) & (f < 0.4)], f[(f >= 0.15) & (f < 0.4)]))
    return PRV(int(ibi.size), int(nn.size), float(nn.mean()), sdnn, rmssd, pnn50, sd1, sd2, lf, hf,
               lf / hf if np.isfinite(lf) and hf > 0 else NAN)
