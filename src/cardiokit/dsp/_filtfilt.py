"""The forward-backward (zero-phase) passes behind :mod:`cardiokit.dsp.filters`.

Two ways to compute the same pass of a second-order-section design with odd padding and
steady-state initial conditions (``scipy.signal.sosfiltfilt`` with ``padtype="odd"``):

* in the time domain, scipy's compiled second-order-section kernel run in place, two real
  channels at a time as one complex signal (bit for bit the recursions of ``sosfilt``);
* in the frequency domain, a cached plan per design and length: circular convolution with
  ``|H|^2`` plus a low-rank correction of the edge terms (float64 and float32 forms), and
  the terms that read a decimated band from a kept spectrum.

Which route a call takes is decided in :mod:`cardiokit.dsp.filters`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal as _sig

try:  # scipy's compiled second-order-section kernel (what sosfilt runs after its checks)
    from scipy.signal._sosfilt import _sosfilt
except ImportError:  # pragma: no cover - another scipy layout: the public route
    _sosfilt = None


@lru_cache(maxsize=512)
def _zi(sos_bytes: bytes, n_sections: int) -> np.ndarray:
    """Steady-state initial conditions of the design (``scipy.signal.sosfilt_zi``), per section."""
    sos = np.frombuffer(sos_bytes, dtype=np.float64).reshape(n_sections, 6).copy()
    return _sig.sosfilt_zi(sos)


def _filtfilt_kernel(arr: np.ndarray, sos: np.ndarray, padlen: int) -> np.ndarray:
    """The forward-backward passes of :func:`~cardiokit.dsp.filters.filtfilt_sos` on ``arr``
    (time on axis 0) run by scipy's compiled second-order-section kernel on one (channels,
    samples) copy, in place: the same arithmetic as ``scipy.signal.sosfilt`` bit for bit,
    without its per-call checks and layout copies.

    Two or more finite channels go through the kernel in pairs, as the real and imaginary
    parts of one complex signal: the coefficients are real, so each part sees exactly the
    real recursion (a product with a zero imaginary part adds an exact zero), bit for bit,
    and the kernel runs half as many recursions (~20 % less time)."""
    n = arr.shape[0]
    rest = arr.shape[1:]
    cols = arr.reshape(n, -1)
    c = cols.shape[1]
    if c == 1:  # one channel: the same passes with fewer calls
        return _filtfilt_one(cols[:, 0], sos, padlen).reshape((n, *rest))
    # a NaN or inf would leak into its partner channel through 0 x inf: real passes then
    pair = c >= 2 and bool(np.isfinite(cols.sum()))
    zi = _zi(sos.tobytes(), sos.shape[0])[None, :, :]  # (1, sections, 2)
    h = (c + 1) // 2 if pair else c
    ext = np.empty((h, n + 2 * padlen), np.complex128 if pair else np.float64)
    mid = ext[:, padlen : padlen + n]
    if pair:
        mid.real = cols[:, :h].T
        mid.imag[: c - h] = cols[:, h:].T
        mid.imag[c - h :] = 0.0
        sos = sos.astype(np.complex128)
    else:
        mid[...] = cols.T
    np.subtract(2 * ext[:, padlen : padlen + 1], ext[:, 2 * padlen : padlen : -1], out=ext[:, :padlen])
    np.subtract(2 * ext[:, padlen + n - 1 : padlen + n], ext[:, padlen + n - 2 : n - 2 : -1],
                out=ext[:, padlen + n :])
    _sosfilt(sos, ext, np.ascontiguousarray(zi * ext[:, None, :1]))
    back = np.ascontiguousarray(ext[:, ::-1])
    _sosfilt(sos, back, np.ascontiguousarray(zi * back[:, None, :1]))
    core = back[:, ::-1][:, padlen : padlen + n]
    if pair:
        out = np.empty((n, c))
        out[:, :h] = core.real.T
        out[:, h:] = core.imag[: c - h].T
    else:
        out = np.ascontiguousarray(core.T)
    return out.reshape((n, *rest))


def _filtfilt_one(x: np.ndarray, sos: np.ndarray, padlen: int) -> np.ndarray:
    """:func:`_filtfilt_kernel` of one channel ``x`` (1-D float64), value for value."""
    n = x.shape[0]
    p = padlen
    ext = np.empty((1, n + 2 * p))
    e = ext[0]
    e[p : p + n] = x
    np.subtract(2 * x[0], x[p:0:-1], out=e[:p])
    np.subtract(2 * x[n - 1], x[n - 2 : n - p - 2 if n - p - 2 >= 0 else None : -1], out=e[p + n :])
    zi = _zi(sos.tobytes(), sos.shape[0])  # (sections, 2)
    _sosfilt(sos, ext, (zi * e[0])[None])
    back = ext[:, ::-1].copy()
    _sosfilt(sos, back, (zi * back[0, 0])[None])
    return back[0, ::-1][p : p + n].copy()


def _ff_exact(sos: np.ndarray, zi: np.ndarray, ext: np.ndarray) -> np.ndarray:
    """Forward-backward pass of ``sos`` along the last axis of padded ``ext`` (rows),
    steady-state initial conditions scaled by the first sample of each pass."""
    zr = zi.reshape(zi.shape[0], 1, 2)
    y, _ = _sig.sosfilt(sos, ext, axis=-1, zi=zr * ext[None, :, :1])
    y = y[:, ::-1]
    y, _ = _sig.sosfilt(sos, y, axis=-1, zi=zr * y[None, :, :1])
    return y[:, ::-1]


def _fast_len(m: int, multiple: int = 1) -> int:
    """Smallest real-FFT fast length >= ``m`` that is a multiple of ``multiple``."""
    from scipy import fft as _fft

    v = m
    while True:
        f = _fft.next_fast_len(v, real=True)
        if f % multiple == 0:
            return f
        v = f + 1


@lru_cache(maxsize=16)
def _fft_plan(sos_bytes: bytes, n_sections: int, m: int, multiple: int = 1) -> tuple | None:
    """Frequency-domain form of the forward-backward pass on ``m`` padded samples.

    The pass with steady-state initial conditions is a linear map ``F`` of the padded
    signal. Circular convolution ``C`` with the zero-phase kernel ``|H|^2`` sampled on
    ``L >= m`` points (one real FFT and its inverse) differs from ``F`` only by terms that
    are free responses of the recursion: the truncation of the backward pass at the end,
    the initial conditions of both passes and the wrap-around of the periodic kernel all
    add, as functions of the output sample, combinations of the filter's modes decaying
    from the start or from the end of the segment. So ``F - C = Q G`` with ``Q`` an
    orthonormal basis of the zero-input responses of the cascade from each unit state
    (``2 x n_sections`` of them) and of their time reversals, and ``G = Q^T (F - C)``
    from the exact transpose of the recursive pass (a few passes over ``2 x rank`` rows;
    a few ms per design and length). The plan is checked on fresh random signals against
    the recursive passes; a plan whose check fails is not used (None). ``multiple``: the FFT
    length is a multiple of it (for spectra decimated later,
    :func:`~cardiokit.dsp.filters.decimated_band_rows`).
    """
    from scipy import fft as _fft

    sos = np.frombuffer(sos_bytes, dtype=np.float64).reshape(n_sections, 6).copy()
    zi = _zi(sos_bytes, n_sections)
    nfft = _fast_len(m, multiple)
    h2 = _power_response(sos, nfft)

    def circ(v: np.ndarray) -> np.ndarray:
        return _fft.irfft(_fft.rfft(v, nfft, axis=-1) * h2, nfft, axis=-1)[:, :m]

    phi = _sig.sosfilt(sos, np.zeros((1, m)), axis=-1, zi=zi.reshape(n_sections, 1, 2))[0][0]

    def s_t(v: np.ndarray) -> np.ndarray:  # transpose of v -> sosfilt(v, zi * v[0])
        out = _sig.sosfilt(sos, v[:, ::-1], axis=-1)[:, ::-1].copy()
        out[:, 0] += v @ phi
        return out

    def ff_t(w: np.ndarray) -> np.ndarray:  # transpose of the forward-backward pass
        return s_t(s_t(w[:, ::-1])[:, ::-1])

    k = 2 * n_sections
    unit = np.zeros((n_sections, k, 2))
    for j in range(k):
        unit[j // 2, j, j % 2] = 1.0
    modes = _sig.sosfilt(sos, np.zeros((k, m)), axis=-1, zi=unit)[0]  # (k, m) free responses
    basis = _orthonormal_rows(np.concatenate([modes, modes[:, ::-1]]))  # (rank, m)
    g = ff_t(basis) - circ(basis)  # rows: basis^T (F - C), C symmetric
    ones = _ff_exact(sos, zi, np.ones((1, m)))[0]  # response to a constant (DC gain squared)
    plan = (nfft, h2, basis, g, ones)
    rng = np.random.default_rng(m)
    test = rng.standard_normal((3, m)) * 10.0 + 5.0
    test[0] += np.linspace(-50.0, 80.0, m)  # a drift, as raw leads have
    want = _ff_exact(sos, zi, test)
    got = _fft_apply(test, plan)
    scale = np.abs(want).max() + np.abs(test).max()
    if not np.all(np.isfinite(got)) or np.abs(got - want).max() > 1e-10 * scale:
        return None
    for arr in plan[1:]:
        arr.flags.writeable = False
    return plan


def _orthonormal_rows(v: np.ndarray, tol: float = 1e-13) -> np.ndarray:
    """Orthonormal rows spanning the rows of ``v`` (modified Gram-Schmidt, twice; rows whose
    remainder falls below ``tol`` x their norm are dropped). Vector operations only: LAPACK's
    QR starts OpenBLAS threads, which cost ~100 ms on a busy machine."""
    out: list[np.ndarray] = []
    for row in v:
        r = row.copy()
        size = float(np.sqrt(r @ r))
        if not size > 0:
            continue
        for _ in range(2):
            for q in out:
                r -= (q @ r) * q
        rest = float(np.sqrt(r @ r))
        if rest > tol * size:
            out.append(r / rest)
    return np.array(out).reshape(len(out), v.shape[1])


def _fft_apply(ext: np.ndarray, plan: tuple) -> np.ndarray:
    """The forward-backward pass of padded rows ``ext`` ``(channels, m)`` with ``plan``."""
    from scipy import fft as _fft

    nfft, h2, basis, g, ones = plan
    m = ext.shape[-1]
    # the constant part (offsets, often far above the signal) through the exact response
    first = ext[:, :1].copy()
    e = ext - first
    out = _fft.irfft(_fft.rfft(e, nfft, axis=-1) * h2, nfft, axis=-1)[:, :m]
    out += (e @ g.T) @ basis
    out += first * ones
    return out


def _power_response(sos: np.ndarray, nfft: int) -> np.ndarray:
    """``|H|^2`` of the cascade at the ``nfft // 2 + 1`` real-FFT frequencies, in extended
    precision (poles near z = 1 make the float64 polynomial forms lose digits near DC)."""
    w = (np.arange(nfft // 2 + 1, dtype=np.longdouble) * 2 / nfft) * np.longdouble(np.pi)
    zc = np.exp(-1j * w.astype(np.clongdouble))
    out = np.ones(w.size, dtype=np.longdouble)
    for b0, b1, b2, a0, a1, a2 in np.asarray(sos, np.longdouble):
        num = b0 + zc * (b1 + zc * b2)
        den = a0 + zc * (a1 + zc * a2)
        out *= (num.real ** 2 + num.imag ** 2) / (den.real ** 2 + den.imag ** 2)
    return out.astype(np.float64)


def _fft_filtfilt(arr: np.ndarray, plan: tuple, padlen: int) -> np.ndarray:
    """:func:`~cardiokit.dsp.filters.filtfilt_sos` of ``arr`` ``(n, channels)`` with a
    frequency-domain ``plan``."""
    n = arr.shape[0]
    ext = np.empty((arr.shape[1], n + 2 * padlen))
    ext[:, padlen : padlen + n] = arr.T
    ext[:, :padlen] = 2 * ext[:, padlen : padlen + 1] - ext[:, 2 * padlen : padlen : -1]
    ext[:, padlen + n :] = 2 * ext[:, padlen + n - 1 : padlen + n] - ext[:, padlen + n - 2 : n - 2 : -1]
    # (n, channels) C-ordered like the recursive path, so later reductions add up alike
    return np.ascontiguousarray(_fft_apply(ext, plan)[:, padlen : padlen + n].T)


@lru_cache(maxsize=8)
def _fft_plan32(sos_bytes: bytes, n_sections: int, m: int, padlen: int, channels: int,
                multiple: int = 1) -> tuple | None:
    """:func:`_fft_plan` in float32, with the correction and constant response restricted to
    the unpadded output samples (and ``|H|^2`` repeated over ``channels`` columns). The
    float64 plan it starts from is not kept (up to a few MB per design and length)."""
    plan = _fft_plan.__wrapped__(sos_bytes, n_sections, m, multiple)
    if plan is None:
        return None
    nfft, h2, basis, g, ones = plan
    core = slice(padlen, m - padlen)
    # a band- or high-pass maps constants to zero (|response| ~1e-13): that term is left out
    ones32 = np.ascontiguousarray(ones[core], dtype=np.float32) if np.abs(ones).max() > 1e-9 else None
    out = (nfft, h2.astype(np.float32), g.astype(np.float32),
           np.ascontiguousarray(basis[:, core], dtype=np.float32), ones32,
           np.ascontiguousarray(basis[:, core].T, dtype=np.float32),
           np.repeat(h2.astype(np.float32), channels).reshape(h2.size, channels))
    for a in out[1:]:
        if a is not None:
            a.flags.writeable = False
    return out


@lru_cache(maxsize=16)
def _decimation_terms(sos_bytes: bytes, n_sections: int, nfft: int, m: int, q: int, shift: float,
                      fs: float) -> tuple[np.ndarray, np.ndarray]:
    """(multiplier, ramp spectrum) of :func:`~cardiokit.dsp.filters.decimated_band_rows`,
    complex64, ``nfft // q // 2 + 1`` bins: ``|H|^2`` of the design at ``fs / q`` times the
    block mean's response, its centre's phase (output sample ``j`` sits at padded sample
    ``q j + shift``) and ``1 / q`` (the shorter inverse FFT's scale); the real FFT of
    ``t / (m - 1)`` on ``m`` samples."""
    from scipy import fft as _fft

    k = nfft // q // 2 + 1
    sos = np.frombuffer(sos_bytes, dtype=np.float64).reshape(n_sections, 6)
    h2 = _power_response(sos, nfft // q)  # bins i of the short FFT: i / (nfft / q) of fs / q
    i = np.arange(k)
    x = np.pi * i / nfft  # pi f / fs
    droop = np.ones(k)
    droop[1:] = np.sin(q * x[1:]) / (q * np.sin(x[1:]))
    mult = h2 * droop * np.exp(2j * x * shift) / q
    ramp = _fft.rfft(np.arange(m) / (m - 1), nfft)[:k]
    out = (mult.astype(np.complex64), ramp.astype(np.complex64))
    for a in out:
        a.flags.writeable = False
    return out
