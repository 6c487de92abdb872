"""Zero-phase IIR filters designed per sampling rate (ndarray in, ndarray out).

Every filter is a Butterworth (or notch) cascade of second-order sections applied
forward and backward (``scipy.signal.sosfiltfilt``), so it adds no delay. Designs are
cached per ``(fs, cutoffs, order)``; cut-offs at or above Nyquist are clipped to
0.45 x fs (or the stage is skipped when it cannot act), so the same call works from
100 Hz to 1000 Hz and beyond.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal as _sig

from cardiokit._core.errors import InvalidArgumentError

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


def filtfilt_sos(x: np.ndarray, sos: np.ndarray, *, axis: int = 0) -> np.ndarray:
    """Apply ``sos`` forward and backward along ``axis`` (float64 result, new array).

    Same result as ``scipy.signal.sosfiltfilt(sos, x, padtype="odd")`` with its default
    pad length, with the steady-state initial conditions cached per design. Short
    inputs are padded as far as they allow, so any length >= 1 is accepted; an empty
    ``sos`` returns a float64 copy.
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
    zi = _zi(sos64.tobytes(), sos64.shape[0]).reshape((sos64.shape[0], 2) + (1,) * (arr.ndim - 1))
    ext = np.concatenate([2 * arr[:1] - arr[padlen:0:-1], arr,
                          2 * arr[-1:] - arr[-2 : -padlen - 2 : -1]], axis=0)
    y, _ = _sig.sosfilt(sos64, ext, axis=0, zi=zi * ext[:1])
    y = y[::-1]
    y, _ = _sig.sosfilt(sos64, y, axis=0, zi=zi * y[:1])
    out = np.ascontiguousarray(y[::-1][padlen : padlen + n])
    return np.moveaxis(out, 0, axis)


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


@lru_cache(maxsize=32)
def _hann(n: int) -> np.ndarray:
    w = np.hanning(n)
    w.flags.writeable = False
    return w


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
    arr = np.moveaxis(np.asarray(x, dtype=np.float64), axis, 0)
    if arr.ndim == 1:
        arr = arr[:, None]
    arr = arr.reshape(arr.shape[0], -1)[:, :max_channels]
    n = min(arr.shape[0], int(max_s * fs))
    if n < int(fs):  # under 1 s: frequency resolution too coarse to tell
        return None
    from scipy import fft as _fft

    seg = np.ascontiguousarray(arr[:n].T)  # (channels, samples): the FFT runs along rows
    seg -= seg.mean(axis=1, keepdims=True)
    sp = _fft.rfft(seg * _hann(n), axis=1)
    psd = (sp.real ** 2 + sp.imag ** 2).mean(axis=0)
    freqs = np.fft.rfftfreq(n, 1 / fs)
    best, best_ratio = None, min_ratio
    for f0 in candidates_hz:
        if f0 >= 0.95 * fs / 2:
            continue
        peak = psd[np.abs(freqs - f0) <= 0.5]
        ring = psd[(np.abs(freqs - f0) > 1.0) & (np.abs(freqs - f0) <= 3.0)]
        if peak.size == 0 or ring.size == 0:
            continue
        floor = float(np.median(ring))
        ratio = float(peak.max()) / floor if floor > 0 else (np.inf if peak.max() > 0 else 0.0)
        if ratio > best_ratio:
            best, best_ratio = float(f0), ratio
    return best
