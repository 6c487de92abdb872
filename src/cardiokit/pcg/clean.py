"""Heart-sound (PCG) cleaning: resampling, 25-400 Hz band-pass, spike removal.

References
----------
Schmidt SE, Holst-Hansen C, Graff C, Toft E, Struijk JJ. Segmentation of heart sound
recordings by a duration-dependent hidden Markov model. Physiol Meas 31(4):513-529 (2010)
(spike removal). Springer DB, Tarassenko L, Clifford GD. Logistic regression-HSMM-based
heart sound segmentation. IEEE Trans Biomed Eng 63(4):822-832 (2016) (25-400 Hz band).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly

from cardiokit._core.errors import InvalidArgumentError, InvalidSignalError
from cardiokit._core.recording import Recording
from cardiokit.dsp.filters import design_sos, filtfilt_sos

__all__ = ["PCG_FS_HZ", "bandpass_pcg", "clean_pcg", "pcg_channel", "remove_spikes", "to_pcg_rate"]

#: Rate every PCG analysis works at (Springer 2016 works at 1 kHz).
PCG_FS_HZ = 1000.0


def pcg_channel(rec: Recording, channel: int | str | None = None) -> np.ndarray:
    """The PCG column of ``rec`` (float64 copy): ``channel`` by name/index, else the first
    channel of kind "pcg" (a recording with a single channel is taken as PCG)."""
    if channel is not None:
        return np.asarray(rec.signals[:, rec.channel_index(channel)], dtype=np.float64)
    idx = [i for i, c in enumerate(rec.channels) if c.kind == "pcg"]
    if not idx and rec.n_channels == 1:
        idx = [0]
    if not idx:
        raise InvalidArgumentError(
            "no PCG channel in this recording; channels are: "
            + ", ".join(f"{c.name} ({c.kind})" for c in rec.channels)
            + "; name the channel with channel=..."
        )
    return np.asarray(rec.signals[:, idx[0]], dtype=np.float64)


def _check(x: np.ndarray, fs_hz: float) -> tuple[np.ndarray, float]:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise InvalidSignalError(f"a PCG must be one-dimensional; got shape {arr.shape}")
    if arr.size < 2 or not np.all(np.isfinite(arr)):
        raise InvalidSignalError("a PCG needs at least 2 finite samples")
    fs = float(fs_hz)
    if not np.isfinite(fs) or fs <= 0:
        raise InvalidArgumentError(f"fs_hz must be > 0; got {fs_hz!r}")
    return arr, fs


def to_pcg_rate(x: np.ndarray, *, fs_hz: float, target_hz: float = PCG_FS_HZ) -> np.ndarray:
    """Polyphase resampling of ``x`` from ``fs_hz`` to ``target_hz`` (anti-aliased)."""
    arr, fs = _check(x, fs_hz)
    if abs(fs - target_hz) < 1e-9:
        return arr.copy()
    if fs < 800.0:
        raise InvalidArgumentError(f"a PCG needs fs_hz >= 800 Hz for its 25-400 Hz band; got {fs:g} Hz")
    frac = Fraction(target_hz / fs).limit_denominator(1000)
    return resample_poly(arr, frac.numerator, frac.denominator)


def bandpass_pcg(x: np.ndarray, *, fs_hz: float, low_hz: float = 25.0, high_hz: float = 400.0,
                 order: int = 4) -> np.ndarray:
    """Zero-phase Butterworth band-pass (default 25-400 Hz, order 4 as in Springer 2016)."""
    arr, fs = _check(x, fs_hz)
    if not 0 < low_hz < high_hz:
        raise InvalidArgumentError(f"need 0 < low_hz < high_hz; got {low_hz}, {high_hz}")
    return filtfilt_sos(arr, design_sos(fs_hz=fs, low_hz=low_hz, high_hz=high_hz, order=order))


def remove_spikes(x: np.ndarray, *, fs_hz: float, window_s: float = 0.5, ratio: float = 3.0,
                  max_iterations: int = 500) -> np.ndarray:
    """Remove frictional spikes (Schmidt et al. 2010); a new array, ``x`` untouched.

    The signal is cut in ``window_s`` windows; while the largest maximum absolute
    amplitude (MAA) of a window exceeds ``ratio`` x the median MAA, the samples of that
    window's spike, from the last zero crossing before its peak to the first after it,
    are set to zero. Samples after the last whole window are kept as they are.
    """
    arr, fs = _check(x, fs_hz)
    out = arr.copy()
    w = max(1, round(window_s * fs))
    n_win = out.size // w
    if n_win < 2:
        return out
    frames = out[: n_win * w].reshape(n_win, w)  # a view: zeroing frames edits ``out``
    for _ in range(max_iterations):
        maa = np.abs(frames).max(axis=1)
        k = int(np.argmax(maa))
        if not maa[k] > ratio * np.median(maa):
            break
        seg = frames[k]
        peak = int(np.argmax(np.abs(seg)))
        sign = np.signbit(seg)
        zc = np.flatnonzero(sign[1:] != sign[:-1]) + 1
        before = zc[zc <= peak]
        after = zc[zc > peak]
        a = int(before[-1]) if before.size else 0
        b = int(after[0]) if after.size else w
        seg[a:b] = 0.0
    return out


def clean_pcg(x: np.ndarray, *, fs_hz: float, spikes: bool = True) -> np.ndarray:
    """Resample to :data:`PCG_FS_HZ`, band-pass 25-400 Hz and (optionally) remove spikes.

    Returns the cleaned signal at 1000 Hz (float64). Scale-free: the result is divided by
    its robust amplitude (the 99th percentile of ``|x|``) so every later stage sees
    comparable values whatever the recorder's gain.
    """
    y = bandpass_pcg(to_pcg_rate(x, fs_hz=fs_hz), fs_hz=PCG_FS_HZ)
    if spikes:
        y = remove_spikes(y, fs_hz=PCG_FS_HZ)
    scale = float(np.percentile(np.abs(y), 99))
    return y / scale if scale > 0 else y
