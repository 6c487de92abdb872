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

from ._fast import hann, irfft_axis, median1, rfft_axis
from ._filtfilt import (
    _decimation_terms,
    _fft_filtfilt,
    _fft_plan,
    _fft_plan32,
    _filtfilt_kernel,
    _sosfilt,
    _zi,
)

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
    key = (fs_hz, low_hz, high_hz, order, type(order), notch_hz, notch_q)
    try:  # the same arguments again (every call of a pipeline stage): no checks to repeat
        hit = _DESIGNS.get(key)
    except TypeError:  # unhashable arguments (e.g. a list of notches): checked and designed below
        key, hit = None, None
    if hit is not None:
        return hit
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
    out = _design(round(fs, 9), low, None if high is None else round(high, 9), int(order),
                  notches, float(notch_q))
    if key is not None and len(_DESIGNS) < 512:
        _DESIGNS[key] = out
    return out


#: :func:`design_sos` results by their arguments (valid ones only; the arrays are read-only)
_DESIGNS: dict[tuple, np.ndarray] = {}


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


#: Frequency-domain filtering for at least this many channels of at least this many samples.
_FFT_MIN_CHANNELS = 4
_FFT_MIN_SAMPLES = 512
_FFT_MAX_SAMPLES = 16384  # a plan holds two (rank x samples) arrays
#: Longest input of :func:`filtfilt_sos_f32` (a plan holds a few rank x samples arrays).
_FFT32_MAX_SAMPLES = 32768


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
    # the result's rows are a contiguous block, so no transposed copies either way; the rows
    # up to nfft are the transform's zero padding (no padded copy made by the FFT)
    full = np.empty((nfft, c), np.float32)
    full[m:] = 0.0
    ext = full[:m]
    ext[p : p + n] = arr
    np.subtract(2 * ext[p : p + 1], ext[2 * p : p : -1], out=ext[:p])
    np.subtract(2 * ext[p + n - 1 : p + n], ext[p + n - 2 : n - 2 : -1], out=ext[p + n :])
    first = ext[:1].copy()
    # subtract on (rows / 64, 64 x channels) blocks: long inner loops, same values
    b = m - m % 64
    ext[:b].reshape(b // 64, 64 * c).__isub__(first.repeat(64, axis=0).reshape(1, 64 * c))  # np.tile(first, 64)
    ext[b:] -= first
    coef = g @ ext
    if not np.isfinite(coef).all():
        return None
    spec = rfft_axis(full, 0)
    spec *= h2_tiled  # h2[:, None] repeated: a same-shape product beats a broadcast one
    core = irfft_axis(spec, nfft, 0)[p : p + n]
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
    out = irfft_axis(sp, length, 0)[: note.n // q]
    return out.T.astype(np.float64, order="C")


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
    mean = np.add.reduce(seg, axis=1, keepdims=True)
    mean /= n  # (seg.mean(axis=1): its sum, then a division by the count, without np.mean's overhead)
    seg -= mean
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
