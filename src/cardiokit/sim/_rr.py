"""RR-interval processes: sinus rhythm with an LF/HF spectrum, and atrial fibrillation.

Sinus rhythm follows the RR process of ECGSYN (McSharry et al. 2003): a power spectrum
made of two Gaussians, one around the Mayer waves (LF, ~0.1 Hz) and one around the
respiratory frequency (HF, ~0.25 Hz), turned into a time series by an inverse Fourier
transform with random phases and scaled to the requested SDNN.

Atrial fibrillation ("irregularly irregular") uses independent intervals: a refractory
part plus a gamma-distributed part, a simple stand-in for the random atrial input to the
AV node (coefficient of variation ~0.2, RMSSD / mean RR ~0.3, as in AF recordings).

References
----------
McSharry PE, Clifford GD, Tarassenko L, Smith LA. A dynamical model for generating synthetic
electrocardiogram signals. IEEE Trans Biomed Eng 50(3):289-294, 2003.
Tateno K, Glass L. Automatic detection of atrial fibrillation using the coefficient of
variation and density histograms of RR and deltaRR intervals. Med Biol Eng Comput
39:664-671, 2001.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._core.errors import InvalidArgumentError

__all__ = ["HRV", "LEAD_IN_S", "af_rr", "beat_times", "sinus_rr"]

_GRID_HZ = 4.0
LEAD_IN_S = 2.5  #: beats simulated before and after the record so edges look natural


@dataclass(frozen=True)
class HRV:
    """Heart-rate variability of the sinus RR process (ECGSYN defaults for the spectrum).

    ``sdnn_ms`` is the standard deviation of the RR intervals; ``lf_hf_ratio`` the ratio of
    power in the LF and HF peaks; ``hf_hz`` is also the respiratory frequency used for the
    respiratory modulation of QRS amplitude and for baseline wander.
    """

    sdnn_ms: float = 30.0
    lf_hf_ratio: float = 0.5
    lf_hz: float = 0.1
    hf_hz: float = 0.25
    lf_width_hz: float = 0.01
    hf_width_hz: float = 0.01

    def __post_init__(self) -> None:
        for name in ("sdnn_ms", "lf_hf_ratio"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise InvalidArgumentError(f"HRV {name} must be a finite number >= 0; got {v!r}")
        for name in ("lf_hz", "hf_hz", "lf_width_hz", "hf_width_hz"):
            v = getattr(self, name)
            if not (math.isfinite(v) and 0 < v < 2):
                raise InvalidArgumentError(f"HRV {name} must be in (0, 2) Hz; got {v!r}")


def _spectral_series(n_grid: int, hrv: HRV, rng: np.random.Generator) -> np.ndarray:
    """Zero-mean, unit-variance series on a 4-Hz grid with the two-Gaussian LF/HF spectrum."""
    f = np.fft.rfftfreq(n_grid, d=1.0 / _GRID_HZ)
    ratio = hrv.lf_hf_ratio
    s1, s2 = ratio / (1.0 + ratio), 1.0 / (1.0 + ratio)
    spec = s1 / hrv.lf_width_hz * np.exp(-0.5 * ((f - hrv.lf_hz) / hrv.lf_width_hz) ** 2)
    spec += s2 / hrv.hf_width_hz * np.exp(-0.5 * ((f - hrv.hf_hz) / hrv.hf_width_hz) ** 2)
    spec[0] = 0.0
    phase = rng.uniform(0.0, 2.0 * np.pi, f.size)
    x = np.fft.irfft(np.sqrt(spec) * np.exp(1j * phase), n=n_grid)
    sd = x.std()
    return x / sd if sd > 0 else x


def sinus_rr(n_beats: int, *, mean_rr_s: float, hrv: HRV | None, rng: np.random.Generator) -> np.ndarray:
    """``n_beats`` RR intervals (s) of sinus rhythm, sampled at nominal beat times."""
    if hrv is None or hrv.sdnn_ms == 0:
        return np.full(n_beats, mean_rr_s)
    span_s = n_beats * mean_rr_s
    # frequency resolution well below the spectral widths (>= 256 s of process)
    n_grid = 1 << math.ceil(math.log2(max(256.0, 2.0 * span_s) * _GRID_HZ))
    x = _spectral_series(n_grid, hrv, rng)
    t = np.arange(n_beats) * mean_rr_s
    xk = np.interp(t, np.arange(n_grid) / _GRID_HZ, x)
    rr = mean_rr_s + hrv.sdnn_ms / 1000.0 * xk
    return np.maximum(rr, 0.4 * mean_rr_s)


def af_rr(n_beats: int, *, mean_rr_s: float, rng: np.random.Generator) -> np.ndarray:
    """``n_beats`` independent RR intervals (s) of atrial fibrillation with mean ``mean_rr_s``."""
    shape = 6.0
    refractory = 0.5 * mean_rr_s
    return refractory + rng.gamma(shape, (mean_rr_s - refractory) / shape, n_beats)


def beat_times(
    duration_s: float, mean_rr: float, *, af: bool, hrv: HRV | None, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """R-peak times (s) covering the record plus lead-in/out, and the RR before each beat."""
    n_before = math.ceil(LEAD_IN_S / mean_rr) + 1
    n_in = math.floor(duration_s / mean_rr) + 1
    n_after = n_before
    n = n_before + n_in + n_after
    rr = af_rr(n, mean_rr_s=mean_rr, rng=rng) if af else sinus_rr(n, mean_rr_s=mean_rr, hrv=hrv, rng=rng)
    # intervals between the beats meant to fall in the record: exact requested mean
    core = slice(n_before, n_before + n_in - 1)
    if n_in > 1:
        rr[core] += mean_rr - rr[core].mean()
    t0 = rng.uniform(0.1, 0.6) * min(mean_rr, 1.0)
    times = np.empty(n)
    times[n_before] = t0
    times[n_before + 1 :] = t0 + np.cumsum(rr[n_before : n - 1])
    times[:n_before] = t0 - np.cumsum(rr[n_before - 1 :: -1][:n_before])[::-1]
    rr_prev = np.empty(n)
    rr_prev[1:] = np.diff(times)
    rr_prev[0] = mean_rr
    return times, rr_prev
