"""The slope delineator's settings and the filters it searches: :class:`Tuning` (widths and
thresholds, tuned on LUDB) and :func:`prepare`, the baseline high-pass and the multiscale
derivative-of-Gaussian filter bank of all leads (:class:`LeadFilters`) that
:func:`._delineate_lead.delineate_leads` reads.

The derivative of the signal smoothed by a Gaussian stands in for the quadratic-spline
wavelet of Martínez et al. (2004) at one scale, with widths in seconds (any sampling rate):
a fine scale for the QRS, medium for P, coarse for T waves, and a smoothed signal for the
wave amplitudes. Short records are filtered as one FFT of the edge-padded leads; P- and
T-wave filters may be kept at every other sample (half the search rate).

References
----------
Martínez JP, Almeida R, Olmos S, Rocha AP, Laguna P. A wavelet-based ECG delineator:
evaluation on standard databases. IEEE Trans Biomed Eng 51(4):570-581, 2004.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import fft as sp_fft
from scipy.ndimage import gaussian_filter1d

from ..dsp._fast import irfft_axis, rfft_axis
from ..dsp.filters import design_sos, filtfilt_sos

__all__ = ["TUNING", "LeadFilters", "Tuning", "prepare", "remove_baseline"]


@dataclass(frozen=True)
class Tuning:
    """Widths (s) and thresholds of the delineator (tuned on LUDB, see docs/BENCHMARKS.md)."""

    hp_hz: float = 0.5
    sigma_qrs_s: float = 0.004
    sigma_wave_s: float = 0.010
    sigma_t_s: float = 0.030
    sigma_p_s: float = 0.016
    qrs_sig: float = 0.10  # a slope is part of the QRS if >= this x the largest QRS slope
    qrs_pre_s: float = 0.09  # QRS slopes are searched from R - qrs_pre_s ...
    qrs_post_s: float = 0.11  # ... to R + qrs_post_s (wide QRS: terminal slopes late after R)
    qrs_on_xi: float = 0.05
    qrs_off_xi: float = 0.10
    qrs_noise_q: float = 0.3  # a beat's noise level in a lead (see _delineate_lead._qrs_noise) ...
    qrs_noise_lag_s: float = 0.008  # ... from the QRS slope minus the mean of its neighbours this far
    qrs_noise_sig: float = 7.0  # a significant QRS slope is also >= this x that level (0: off)
    t_on_xi: float = 0.6
    t_off_xi: float = 0.6
    p_on_xi: float = 0.6
    p_off_xi: float = 0.8
    t_min_rel: float = 0.04  # T amplitude >= this x the lead's QRS amplitude
    p_min_rel: float = 0.025
    p_pr_tol_s: float = 0.040
    u_tpk_s: float = 0.33  # a T peak later than R + this x sqrt(RR) may be a U wave ...
    u_gap_s: float = 0.06  # ... when an opposite lobe at least this much earlier ...
    u_rho: float = 0.3  # ... is at least this deep (relative to its rise to the late peak); 0 = off


TUNING = Tuning()


@dataclass(frozen=True)
class LeadFilters:
    """Filtered versions of all leads, each ``(n_samples, n_leads)`` float64.

    With ``step`` > 1, ``smooth``, ``d_t`` and ``d_p`` (the P- and T-wave filters) hold every
    ``step``-th sample of the signal only (``ceil(n_samples / step)`` rows): P and T waves are
    then searched at ``fs / step``, see :func:`delineate_leads`.
    """

    hp: np.ndarray  # baseline-removed signal
    smooth: np.ndarray  # smoothed for wave amplitudes
    d_qrs: np.ndarray  # fine-scale derivative (QRS)
    d_t: np.ndarray  # coarse-scale derivative (T)
    d_p: np.ndarray  # medium-scale derivative (P)
    step: int = 1
    #: ``(2 L, ceil(n / step))`` rows of ``d_t`` then ``d_p`` (leads in rows: the layout the
    #: stacked T and P search gathers its windows from, in one call), or None
    tp: np.ndarray | None = None


def remove_baseline(signals: np.ndarray, fs: float, tuning: Tuning = TUNING) -> np.ndarray:
    """Zero-phase Butterworth high-pass at ``tuning.hp_hz`` along axis 0 (median removal when
    the record is too short for the filter); float64."""
    x = np.asarray(signals, dtype=np.float64)
    if x.shape[0] > 3 * int(2 * fs / max(tuning.hp_hz, 1e-3)) // 10 + 12:
        return filtfilt_sos(x, design_sos(fs_hz=fs, low_hz=tuning.hp_hz, order=2), axis=0)
    return x - np.median(x, axis=0, keepdims=True)


def prepare(signals: np.ndarray, fs: float, tuning: Tuning = TUNING, *, highpass: bool = True,
            step: int = 1) -> LeadFilters:
    """Baseline removal and the derivative filters, each computed once for all leads (axis 0).

    The four Gaussian (derivative) filters are :func:`scipy.ndimage.gaussian_filter1d` with
    ``mode="nearest"`` (kernels truncated at 4 sigma); on records of at most
    ``_FFT_ELEMENTS`` samples x leads they run as one FFT of the edge-padded leads times the
    four kernels' transfer functions (the same linear correlation, equal to ~1e-15).
    ``step`` = 2 keeps every other sample of the P- and T-wave filters (smooth, d_t, d_p),
    computed by inverse FFTs of half the length (their Gaussians leave nothing above a
    quarter of ``fs`` to alias: < 5e-4 of the smoothing filter's gain, < 1e-8 of the derivatives').
    """
    x = np.asarray(signals, dtype=np.float64)
    hp = remove_baseline(x, fs, tuning) if highpass else x
    sigmas = tuple(s * fs for s in (tuning.sigma_wave_s, tuning.sigma_qrs_s, tuning.sigma_t_s, tuning.sigma_p_s))
    step = 2 if step == 2 else 1
    # filtered along contiguous lead rows; each field is the (n_samples, n_leads) transpose of
    # a (n_leads, n_samples) array, the layout delineate_leads gathers its windows from
    ht = np.ascontiguousarray(hp.T)
    if 0 < ht.size <= _FFT_ELEMENTS:
        smooth, d_qrs, d_t, d_p, tp = _gauss_fft(ht, sigmas, fs, step)
    else:
        smooth, d_qrs, d_t, d_p = (gaussian_filter1d(ht, s, axis=1, order=o, mode="nearest") * (fs if o else 1.0)
                                   for s, o in zip(sigmas, _ORDERS, strict=True))
        if step > 1:
            smooth, d_t, d_p = (np.ascontiguousarray(a[:, ::step]) for a in (smooth, d_t, d_p))
        tp = None  # the stacked T and P search gathers from d_t and d_p separately
    return LeadFilters(hp=ht.T, smooth=smooth.T, d_qrs=d_qrs.T, d_t=d_t.T, d_p=d_p.T, step=step, tp=tp)


#: derivative order of the filters of :func:`prepare`: smooth, d_qrs, d_t, d_p
_ORDERS = (0, 1, 1, 1)
#: records of at most this many samples x leads are filtered in the frequency domain
_FFT_ELEMENTS = 1 << 17


def _kernel(sigma: float, order: int) -> np.ndarray:
    """The correlation weights :func:`scipy.ndimage.gaussian_filter1d` uses (truncated at
    4 sigma): the sampled Gaussian normalised to sum 1, or its derivative ``-x / sigma^2``
    times it, reversed."""
    x = np.arange(-int(4.0 * sigma + 0.5), int(4.0 * sigma + 0.5) + 1, dtype=np.float64)
    phi = np.exp(-0.5 / (sigma * sigma) * x**2)
    phi /= phi.sum()
    return (phi if order == 0 else -x / (sigma * sigma) * phi)[::-1]


@lru_cache(maxsize=32)
def _transfer(m: int, sigmas: tuple[float, ...], scale: float) -> np.ndarray:
    """``(len(sigmas), m // 2 + 1)`` rfft of the circular correlation kernels of length ``m``
    (derivatives times ``scale``)."""
    h = np.zeros((len(sigmas), m))
    for i, (s, o) in enumerate(zip(sigmas, _ORDERS, strict=True)):
        k = _kernel(s, o) * (scale if o else 1.0)
        r = k.size // 2
        h[i, (r - np.arange(k.size)) % m] = k  # y[t] = sum_j k[j] x[t + j - r]
    out = sp_fft.rfft(h, axis=1)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=32)
def _transfer32(m: int, sigmas: tuple[float, ...], scale: float) -> np.ndarray:
    """:func:`_transfer` in single precision."""
    out = _transfer(m, sigmas, scale).astype(np.complex64)
    out.flags.writeable = False
    return out


def _gauss_fft(ht: np.ndarray, sigmas: tuple[float, ...], fs: float, step: int = 1) -> list[np.ndarray]:
    """Four ``(L, n)`` Gaussian filters of the rows of ``ht`` (mode ``"nearest"``) by one FFT;
    with ``step`` = 2 all but the QRS derivative (index 1) at every other sample only, and all
    in single precision (float32: ~1e-7 relative, far below the thresholds' resolution)."""
    n = ht.shape[1]
    pad = max(int(4.0 * s + 0.5) for s in sigmas)
    pad += pad % 2  # even: the half-rate outputs start on a kept sample
    m = 4 * sp_fft.next_fast_len(-(-(n + 2 * pad) // 4), real=True)  # m / 2 even: a Nyquist bin
    ext = np.empty((ht.shape[0], m), np.float64 if step == 1 else np.float32)
    ext[:, :pad] = ht[:, :1]
    ext[:, pad : pad + n] = ht
    ext[:, pad + n :] = ht[:, -1:]  # the wrap-around only reaches edge-value padding
    spec = rfft_axis(ext, 1)
    if step == 1:  # the four filters by one inverse transform of a (4, L, m / 2 + 1) product
        full = irfft_axis(spec[None] * _transfer(m, sigmas, fs)[:, None, :], m, 2)
        tp = full[2:].reshape(-1, m)[:, pad : pad + n]  # d_t then d_p rows: a view
        return [full[0, :, pad : pad + n], full[1, :, pad : pad + n], full[2, :, pad : pad + n],
                full[3, :, pad : pad + n], tp]
    # every other sample: the spectrum folded at m / 4 (the transforms of half the length)
    nc, p2 = -(-n // 2), pad // 2
    d_qrs = irfft_axis(spec * _transfer32(m, sigmas, fs)[1], m, 1)[:, pad : pad + n]
    # the other three in one inverse transform of half the length
    coarse = irfft_axis(spec[None, :, : m // 4 + 1] * _half_transfer32(m, sigmas, fs), m // 2, 2)
    tp = coarse[1:].reshape(-1, coarse.shape[2])[:, p2 : p2 + nc]  # d_t then d_p rows: a view
    return [coarse[0, :, p2 : p2 + nc], d_qrs, coarse[1, :, p2 : p2 + nc], coarse[2, :, p2 : p2 + nc], tp]


@lru_cache(maxsize=32)
def _half_transfer32(m: int, sigmas: tuple[float, ...], scale: float) -> np.ndarray:
    """``(3, 1, m // 4 + 1)`` :func:`_transfer32` of the filters kept at every other sample
    (0, 2, 3) up to a quarter of the rate, x 0.5: the half-length inverse's normalisation (a
    power of two: exact either side)."""
    out = (_transfer32(m, sigmas, scale)[[0, 2, 3], : m // 4 + 1] * np.float32(0.5))[:, None, :]
    out.flags.writeable = False
    return out
