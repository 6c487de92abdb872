"""Zero-phase IIR filters designed per sampling rate (ndarray in, ndarray out).

Every filter is a Butterworth (or notch) cascade of second-order sections applied
forward and backward (``scipy.signal.sosfiltfilt``), so it adds no delay. Designs are
cached per ``(fs, cutoffs, order)``; cut-offs at or above Nyquist are clipped to
0.45 x fs (or the stage is skipped when it cannot act), so the same call works from
100 Hz to 1000 Hz and beyond.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from scipy import signal as _sig

from cardiokit._core.errors import InvalidArgumentError

from ._fast import hann, median1, rfft_axis

try:  # scipy's compiled second-order-section kernel (what sosfilt runs after its checks)
    from scipy.signal._sosfilt import _sosfilt
except ImportError:  # pragma: no cover - another scipy layout: the public route
    _sosfilt = None
__all__ = [
    "bandpass",
    "design_sos",
    "detect_powerline_hz",
    "filtfilt_sos",
    "highpass",
    "lowpass",
    "notch",
]

_NYQ_FRACTION = 0.45


def _check_fs(fs_hz: float) -> float:
    try:
        fs = float(fs_hz)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"fs_hz must be a number in Hz; got {fs_hz!r}") from None
    if not np.isfinite(fs) or fs <= 0:
        raise InvalidArgumentError(f"fs_hz must be a finite number > 0; got {fs_hz!r}")
    return fs


def _check_cut(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    v = float(value)
    if not np.isfinite(v) or v <= 0:
        raise InvalidArgumentError(f"{name} must be a finite frequency > 0 Hz or None; got {value!r}")
    return v


@lru_cache(maxsize=512)
def _design(fs: float, low: float | None, high: float | None, order: int,
            notch_hz: tuple[float, ...], notch_q: float) -> np.ndarray:
    parts: list[np.ndarray] = []
    if low is not None and high is not None:
        parts.append(_sig.butter(order, [low, high], btype="bandpass", fs=fs, output="sos"))
    elif low is not None:
        parts.append(_sig.butter(order, low, btype="highpass", fs=fs, output="sos"))
    elif high is not None:
        parts.append(_sig.butter(order, high, btype="lowpass", fs=fs, output="sos"))
    for f0 in notch_hz:
        b, a = _sig.iirnotch(f0, notch_q, fs=fs)
        parts.append(_sig.tf2sos(b, a))
    if not parts:
        return np.zeros((0, 6))
    sos = np.vstack(parts)
    sos.flags.writeable = False
    return sos


def design_sos(
    *,
    fs_hz: float,
    low_hz: float | None = None,
    high_hz: float | None = None,
    order: int = 2,
    notch_hz: tuple[float, ...] = (),
    notch_q: float = 30.0,
) -> np.ndarray:
    """Second-order sections of a Butterworth high/low/band-pass plus optional notches.

    ``low_hz`` is the high-pass edge, ``high_hz`` the low-pass edge (``None`` disables
    either). ``high_hz`` above 0.45 x fs is clipped there; a high-pass edge that ends
    up at or above the low-pass edge raises. Notches at or above 0.95 x Nyquist are
    skipped (the anti-alias filter of the recorder already removed them). Returns an
    ``(n_sections, 6)`` read-only array (empty when nothing is to be done).
    """
    fs = _check_fs(fs_hz)
    low = _check_cut("low_hz", low_hz)
    high = _check_cut("high_hz", high_hz)
    if not isinstance(order, (int, np.integer)) or not 1 <= int(order) <= 10:
        raise InvalidArgumentError(f"order must be an integer from 1 to 10; got {order!r}")
    nyq = fs / 2
    if high is not None and high > _NYQ_FRACTION * fs:
        high = _NYQ_FRACTION * fs
    if low is not None and low >= _NYQ_FRACTION * fs:
        raise InvalidArgumentError(
            f"low_hz={low_hz} Hz is too close to Nyquist ({nyq:g} Hz at fs={fs:g} Hz)"
        )
    if low is not None and high is not None and low >= high:
        raise InvalidArgumentError(
            f"low_hz ({low:g} Hz) must be below high_hz ({high:g} Hz after clipping at 0.45 x fs)"
        )
    if not np.isfinite(notch_q) or notch_q <= 0:
        raise InvalidArgumentError(f"notch_q must be > 0; got {notch_q!r}")
    notches = tuple(sorted({round(float(f), 6) for f in notch_hz if 0 < float(f) < 0.95 * nyq}))
    return _design(round(fs, 9), low, None if high is None else round(high, 9), int(order),
                   notches, float(notch_q))


@lru_cache(maxsize=512)
def _zi(sos_bytes: bytes, n_sections: int) -> np.ndarray:
    sos = np.frombuffer(sos_bytes, dtype=np.float64).reshape(n_sections, 6).copy()
    return _sig.sosfilt_zi(sos)


def filtfilt_sos(x: np.ndarray, sos: np.ndarray, *, axis: int = 0, fast: bool = False) -> np.ndarray:
    """Apply ``sos`` forward and backward along ``axis`` (float64 result, new array).

    Same result as ``scipy.signal.sosfiltfilt(sos, x, padtype="odd")`` with its default
    pad length, with the steady-state initial conditions cached per design. Short
    inputs are padded as far as they allow, so any length >= 1 is accepted; an empty
    ``sos`` returns a float64 copy.

    ``fast=True``: four or more channels of 512 to 16384 samples are filtered in the
    frequency domain (:func:`_fft_plan`): the same linear map up to the rounding of the
    recursive passes themselves (relative differences ~1e-12, so float32 results may differ
    in the last bit); a plan costs a few ms per design and length (16 are cached) and the
    float64 FFTs save little over the recursions: :func:`filtfilt_sos_f32` is the fast route.
    """
    arr = np.asarray(x, dtype=np.float64)
    if sos.shape[0] == 0 or arr.size == 0:
        return arr.copy()
    arr = np.moveaxis(arr, axis, 0)
    n = arr.shape[0]
    padlen = min(3 * (2 * sos.shape[0] + 1), n - 1)
    if padlen < 1:
        return np.moveaxis(arr.copy(), 0, axis)
    sos64 = np.array(sos, dtype=np.float64)  # writable copy (scipy needs one)
    if fast and arr.ndim == 2 and arr.shape[1] >= _FFT_MIN_CHANNELS and _FFT_MIN_SAMPLES <= n <= _FFT_MAX_SAMPLES:
        plan = _fft_plan(sos64.tobytes(), sos64.shape[0], n + 2 * padlen)
        if plan is not None:
            return np.moveaxis(_fft_filtfilt(arr, plan, padlen), 0, axis)
    if _sosfilt is not None:
        return np.moveaxis(_filtfilt_kernel(arr, sos64, padlen), 0, axis)
    zi = _zi(sos64.tobytes(), sos64.shape[0]).reshape((sos64.shape[0], 2) + (1,) * (arr.ndim - 1))
    ext = np.concatenate([2 * arr[:1] - arr[padlen:0:-1], arr,
                          2 * arr[-1:] - arr[-2 : -padlen - 2 : -1]], axis=0)
    y, _ = _sig.sosfilt(sos64, ext, axis=0, zi=zi * ext[:1])
    y = y[::-1]
    y, _ = _sig.sosfilt(sos64, y, axis=0, zi=zi * y[:1])
    out = np.ascontiguousarray(y[::-1][padlen : padlen + n])
    return np.moveaxis(out, 0, axis)


def _filtfilt_kernel(arr: np.ndarray, sos: np.ndarray, padlen: int) -> np.ndarray:
    """The forward-backward passes of :func:`filtfilt_sos` on ``arr`` (time on axis 0) run by
    scipy's compiled second-order-section kernel on one (channels, samples) copy, in place:
    the same arithmetic as ``scipy.signal.sosfilt`` bit for bit, without its per-call checks
    and layout copies.

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


#: Frequency-domain filtering for at least this many channels of at least this many samples.
_FFT_MIN_CHANNELS = 4
_FFT_MIN_SAMPLES = 512
_FFT_MAX_SAMPLES = 16384  # a plan holds two (rank x samples) arrays


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
    length is a multiple of it (for spectra decimated later, :func:`decimated_band_rows`).
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
    """:func:`filtfilt_sos` of ``arr`` ``(n, channels)`` with a frequency-domain ``plan``."""
    n = arr.shape[0]
    ext = np.empty((arr.shape[1], n + 2 * padlen))
    ext[:, padlen : padlen + n] = arr.T
    ext[:, :padlen] = 2 * ext[:, padlen : padlen + 1] - ext[:, 2 * padlen : padlen : -1]
    ext[:, padlen + n :] = 2 * ext[:, padlen + n - 1 : padlen + n] - ext[:, padlen + n - 2 : n - 2 : -1]
    # (n, channels) C-ordered like the recursive path, so later reductions add up alike
    return np.ascontiguousarray(_fft_apply(ext, plan)[:, padlen : padlen + n].T)


class SpectrumNote(NamedTuple):
    """The spectrum :func:`filtfilt_sos_f32` filtered, kept for a later band of the same samples
    (:func:`decimated_band_rows`)."""

    #: ``(nfft // 4 + 1, channels)`` complex64: real FFT of the padded input minus its first
    #: row, times the filter's ``|H|^2``, up to a quarter of the sampling rate (what a band
    #: decimated by 2 or more reads; half the memory of the whole); the edge correction is not in it
    spec: np.ndarray
    #: ``|H|^2`` (float32) the spectrum was multiplied by
    h2: np.ndarray
    nfft: int
    #: samples of odd padding before the input (and after it)
    padlen: int
    #: input samples
    n: int
    #: ``(channels,)`` last padded sample minus the first (float32)
    end: np.ndarray


#: FFT length multiple of the kept spectra: decimation by 2, 3 and 6 stays on the sample grid.
_KEEP_MULTIPLE = 6


def filtfilt_sos_f32(x: np.ndarray, sos: np.ndarray, *, rows: bool = False,
                     keep: list[SpectrumNote] | None = None) -> np.ndarray | None:
    """:func:`filtfilt_sos` of ``(n, channels)`` ``x`` along axis 0 in float32 arithmetic,
    as a float32 ``(n, channels)`` array (``rows=True``: its transpose ``(channels, n)``,
    rows contiguous, a view into the padded result: no final copy); None when this route
    does not apply (fewer than four channels, under 512 or over 32768 samples, a non-finite
    value, an empty design or a plan that failed its check): use :func:`filtfilt_sos` then.

    The frequency-domain form of :func:`_fft_plan` (float32 FFTs, the low-rank edge
    correction in float32) of the same forward-backward pass with odd padding and
    steady-state initial conditions: differences from the recursive passes are float32
    rounding, ~2e-7 of the largest excursion from the first padded sample (a few ulps of
    a float32 result), about half the time of the float64 recursions for 12 leads of 10 s.
    Meant for results stored as float32 anyway (cleaned recordings).

    ``keep`` (a list; column layout only): the filtered spectrum is appended to it as a
    :class:`SpectrumNote`, with an FFT length that is a multiple of 6, so another band of the
    same samples at a lower rate costs one short inverse FFT (:func:`decimated_band_rows`).
    """
    arr = np.asarray(x)
    if arr.ndim != 2 or sos.shape[0] == 0:
        return None
    n, c = arr.shape
    if c < _FFT_MIN_CHANNELS or not _FFT_MIN_SAMPLES <= n <= _FFT32_MAX_SAMPLES:
        return None
    padlen = 3 * (2 * sos.shape[0] + 1)
    sos64 = np.ascontiguousarray(sos, dtype=np.float64)
    multiple = _KEEP_MULTIPLE if keep is not None and not rows else 1
    plan = _fft_plan32(sos64.tobytes(), sos64.shape[0], n + 2 * padlen, padlen, c, multiple)
    if plan is None:
        return None
    from scipy import fft as _fft

    nfft, h2, g, basis_core, ones_core, basis_core_t, h2_tiled = plan
    p, m = padlen, n + 2 * padlen
    if rows:  # (channels, m) rows: the FFTs along memory
        ext = np.empty((c, m), np.float32)
        ext[:, p : p + n] = arr.T
        np.subtract(2 * ext[:, p : p + 1], ext[:, 2 * p : p : -1], out=ext[:, :p])
        np.subtract(2 * ext[:, p + n - 1 : p + n], ext[:, p + n - 2 : n - 2 : -1], out=ext[:, p + n :])
        # the constant part (offsets, often far above the signal) through the exact response
        first = ext[:, :1].copy()
        ext -= first
        coef = ext @ g.T  # (a NaN or inf anywhere makes these non-finite)
        if not np.isfinite(coef).all():
            return None
        spec = _fft.rfft(ext, nfft, axis=1)
        spec *= h2
        core = _fft.irfft(spec, nfft, axis=1)[:, p : p + n]
        core += coef @ basis_core
        if ones_core is not None:
            core += first * ones_core
        return core
    # (m, channels), time on axis 0 as given: the FFTs run across the channels (as fast), and
    # the result's rows are a contiguous block, so no transposed copies either way
    ext = np.empty((m, c), np.float32)
    ext[p : p + n] = arr
    np.subtract(2 * ext[p : p + 1], ext[2 * p : p : -1], out=ext[:p])
    np.subtract(2 * ext[p + n - 1 : p + n], ext[p + n - 2 : n - 2 : -1], out=ext[p + n :])
    first = ext[:1].copy()
    # subtract on (rows / 64, 64 x channels) blocks: long inner loops, same values
    b = m - m % 64
    ext[:b].reshape(b // 64, 64 * c).__isub__(np.tile(first, 64))
    ext[b:] -= first
    coef = g @ ext
    if not np.isfinite(coef).all():
        return None
    spec = _fft.rfft(ext, nfft, axis=0)
    spec *= h2_tiled  # h2[:, None] repeated: a same-shape product beats a broadcast one
    core = _fft.irfft(spec, nfft, axis=0)[p : p + n]
    core += basis_core_t @ coef
    if ones_core is not None:
        core += ones_core[:, None] * first
    if keep is not None:
        keep.append(SpectrumNote(spec[: nfft // 4 + 1].copy(), h2, nfft, p, n, ext[-1].copy()))
    return core


def decimated_band_rows(note: SpectrumNote, *, fs_hz: float, q: int, sos: np.ndarray) -> np.ndarray | None:
    """``filtfilt_sos(block_mean(y, q), sos)`` as float64 rows ``(channels, n // q)`` from the
    spectrum :func:`filtfilt_sos_f32` kept of ``y`` (``sos`` designed for ``fs_hz / q``); None
    when ``q`` is below 2 or does not divide the FFT length.

    One short inverse FFT instead of the block means and a forward-backward pass: the kept
    spectrum times ``|H_sos|^2``, the block mean's response ``sin(pi f q / fs) / (q sin(pi f /
    fs))`` and the phase of its centre, taken up to the new Nyquist frequency (the kept band
    is far below it) and inverted at ``1 / q`` of the length. The record's linear trend is
    taken out first (the spectrum of a ramp), so the circular wrap adds no step. The same
    values to ~1e-3 of the band's range except within ~0.2 s of either end, where the edge
    handling differs (odd padding there, a periodic detrended extension here).
    """
    from scipy import fft as _fft

    nfft = note.nfft
    if q < 2 or nfft % q:
        return None
    length = nfft // q
    k = length // 2 + 1
    m = note.n + 2 * note.padlen
    sos64 = np.ascontiguousarray(sos, dtype=np.float64)
    mult, ramp = _decimation_terms(sos64.tobytes(), sos64.shape[0], nfft, m, q,
                                   note.padlen + (q - 1) / 2, float(fs_hz))
    sp = note.spec[:k] - (ramp * note.h2[:k])[:, None] * note.end  # the trend out: no step at the wrap
    sp *= mult[:, None]
    out = _fft.irfft(sp, length, axis=0)[: note.n // q]
    return out.T.astype(np.float64, order="C")


@lru_cache(maxsize=16)
def _decimation_terms(sos_bytes: bytes, n_sections: int, nfft: int, m: int, q: int, shift: float,
                      fs: float) -> tuple[np.ndarray, np.ndarray]:
    """(multiplier, ramp spectrum) of :func:`decimated_band_rows`, complex64, ``nfft // q // 2 + 1``
    bins: ``|H|^2`` of the design at ``fs / q`` times the block mean's response, its centre's
    phase (output sample ``j`` sits at padded sample ``q j + shift``) and ``1 / q`` (the shorter
    inverse FFT's scale); the real FFT of ``t / (m - 1)`` on ``m`` samples."""
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


#: Longest input of :func:`filtfilt_sos_f32` (a plan holds a few rank x samples arrays).
_FFT32_MAX_SAMPLES = 32768


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


def highpass(x: np.ndarray, *, fs_hz: float, cutoff_hz: float, order: int = 2,
             axis: int = 0) -> np.ndarray:
    """Zero-phase Butterworth high-pass (e.g. baseline wander removal at 0.5 Hz)."""
    return filtfilt_sos(x, design_sos(fs_hz=fs_hz, low_hz=cutoff_hz, order=order), axis=axis)


def lowpass(x: np.ndarray, *, fs_hz: float, cutoff_hz: float, order: int = 2,
            axis: int = 0) -> np.ndarray:
    """Zero-phase Butterworth low-pass; ``cutoff_hz`` is clipped to 0.45 x fs."""
    return filtfilt_sos(x, design_sos(fs_hz=fs_hz, high_hz=cutoff_hz, order=order), axis=axis)


def bandpass(x: np.ndarray, *, fs_hz: float, low_hz: float, high_hz: float, order: int = 2,
             axis: int = 0) -> np.ndarray:
    """Zero-phase Butterworth band-pass ``low_hz``-``high_hz`` (upper edge clipped to 0.45 x fs)."""
    return filtfilt_sos(x, design_sos(fs_hz=fs_hz, low_hz=low_hz, high_hz=high_hz, order=order),
                        axis=axis)


def notch(x: np.ndarray, *, fs_hz: float, freq_hz: float, quality: float = 30.0,
          axis: int = 0) -> np.ndarray:
    """Zero-phase IIR notch at ``freq_hz`` (-3 dB width ``freq_hz / quality``).

    Returns an unfiltered float64 copy when ``freq_hz`` is at or above 0.95 x Nyquist.
    """
    f = _check_cut("freq_hz", freq_hz)
    return filtfilt_sos(x, design_sos(fs_hz=fs_hz, notch_hz=(f,), notch_q=quality), axis=axis)


@lru_cache(maxsize=64)
def _line_bins(n: int, fs: float, candidates: tuple[float, ...]) -> tuple[np.ndarray, tuple[tuple[float, int, int, int], ...]]:
    """Periodogram bins to read for the visible ``candidates`` (n samples at fs): one index array
    of, per candidate, the bins within 0.5 Hz of it then those 1-3 Hz away, and per candidate
    (frequency, start, peak bins, ring bins) into it."""
    freqs = np.fft.rfftfreq(n, 1 / fs)
    parts, spans, at = [], [], 0
    for f0 in candidates:
        if f0 >= 0.95 * fs / 2:
            continue
        dist = np.abs(freqs - f0)
        peak, ring = np.flatnonzero(dist <= 0.5), np.flatnonzero((dist > 1.0) & (dist <= 3.0))
        parts += [peak, ring]
        spans.append((float(f0), at, peak.size, ring.size))
        at += peak.size + ring.size
    idx = np.concatenate(parts) if parts else np.zeros(0, np.intp)
    idx.flags.writeable = False
    return idx, tuple(spans)


def detect_powerline_hz(
    x: np.ndarray,
    *,
    fs_hz: float,
    candidates_hz: tuple[float, ...] = (50.0, 60.0),
    min_ratio: float = 8.0,
    axis: int = 0,
    max_s: float = 30.0,
    max_channels: int = 4,
) -> float | None:
    """Mains frequency present in ``x`` (50 or 60 Hz), or None when neither stands out.

    The power spectrum (mean over at most ``max_channels`` channels of the other axis,
    Hann-windowed periodogram of at most the first ``max_s`` seconds; mains hum is
    common to the leads, so a few suffice) within ±0.5 Hz of each candidate is compared with the median power
    in the 6 Hz around it; the strongest candidate whose ratio exceeds ``min_ratio``
    wins. Candidates at or above 0.95 x Nyquist cannot be seen and are ignored.
    """
    fs = _check_fs(fs_hz)
    arr = np.asarray(x)
    if axis != 0:
        arr = np.moveaxis(arr, axis, 0)
    if arr.dtype != np.float32:  # float32 input: float32 spectra (ratios alike to ~1e-6)
        arr = arr.astype(np.float64, copy=False)
    if arr.ndim == 1:
        arr = arr[:, None]
    elif arr.ndim > 2:
        arr = arr.reshape(arr.shape[0], -1)
    arr = arr[:, :max_channels]
    n = min(arr.shape[0], int(max_s * fs))
    if n < int(fs):  # under 1 s: frequency resolution too coarse to tell
        return None
    # (channels, samples), the FFT runs along rows; a copy (one channel's transpose is a view)
    seg = np.array(arr[:n].T, order="C")
    seg -= seg.mean(axis=1, keepdims=True)
    seg *= hann(n, seg.dtype.type)
    sp = rfft_axis(seg, 1)
    best, best_ratio = None, min_ratio
    idx, spans = _line_bins(n, fs, tuple(map(float, candidates_hz)))
    # the power only where it is read (the same values as the whole spectrum's); the mean
    # over channels as np.mean computes it (its sum, then a division by the count)
    both = sp[:, idx]
    psd_all = np.add.reduce(both.real ** 2 + both.imag ** 2, axis=0) / both.shape[0]
    for f0, at, n_peak, n_ring in spans:
        peak, ring = psd_all[at : at + n_peak], psd_all[at + n_peak : at + n_peak + n_ring]
        if peak.size == 0 or ring.size == 0:
            continue
        floor = median1(ring)
        ratio = float(peak.max()) / floor if floor > 0 else (np.inf if peak.max() > 0 else 0.0)
        if ratio > best_ratio:
            best, best_ratio = float(f0), ratio
    return best
