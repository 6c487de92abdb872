"""Pulse extraction from spatially averaged R, G, B traces (unsupervised rPPG methods).

Every method takes an ``(n, 3)`` array of per-frame mean R, G, B values and the frame rate
and returns an ``(n,)`` zero-mean blood-volume-pulse signal, band-limited to 0.7-4 Hz
(42-240 bpm). Signs follow blood volume (up = more blood).

References:
    Verkruysse W, Svaasand LO, Nelson JS. Remote plethysmographic imaging using ambient
    light. Opt Express 16(26):21434-45 (2008) -- GREEN.
    de Haan G, Jeanne V. Robust pulse rate from chrominance-based rPPG. IEEE Trans Biomed
    Eng 60(10):2878-86 (2013) -- CHROM.
    Wang W, den Brinker AC, Stuijk S, de Haan G. Algorithmic principles of remote PPG.
    IEEE Trans Biomed Eng 64(7):1479-91 (2017) -- POS.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._core.errors import InvalidArgumentError, InvalidSignalError
from ..dsp.filters import design_sos, filtfilt_sos

__all__ = ["BAND_HZ", "MIN_FPS", "RPPG_METHODS", "chrom", "extract_pulse", "green", "pos"]

#: Pulse band: 0.7-4 Hz = 42-240 bpm.
BAND_HZ = (0.7, 4.0)
#: Lowest accepted frame rate (the Nyquist rate of the upper band edge).
MIN_FPS = 8.0
_EPS = 1e-12


def _band(x: np.ndarray, fs: float) -> np.ndarray:
    high = min(BAND_HZ[1], 0.45 * fs)
    return filtfilt_sos(x, design_sos(fs_hz=fs, low_hz=BAND_HZ[0], high_hz=high, order=3), axis=0)


def _window(fs: float, seconds: float = 1.6) -> int:
    """Sliding-window length: 1.6 s (32 frames at 20 fps in the CHROM/POS papers), >= 4 frames."""
    return max(4, round(seconds * fs))


def green(rgb: np.ndarray, fs: float) -> np.ndarray:
    """GREEN: the normalised green trace, inverted (more blood absorbs more green light)."""
    g = rgb[:, 1] / max(float(np.mean(rgb[:, 1])), _EPS)
    return _band(-(g - 1.0), fs)


def chrom(rgb: np.ndarray, fs: float) -> np.ndarray:
    """CHROM: chrominance signals X = 3R - 2G, Y = 1.5R + G - 1.5B on temporally normalised
    traces, S = Xf - (std Xf / std Yf) Yf per Hann window, overlap-added at half-window steps."""
    n = rgb.shape[0]
    cn = rgb / np.maximum(rgb.mean(axis=0), _EPS)
    xf = _band(3.0 * cn[:, 0] - 2.0 * cn[:, 1], fs)
    yf = _band(1.5 * cn[:, 0] + cn[:, 1] - 1.5 * cn[:, 2], fs)
    win = _window(fs)
    win += win % 2
    if n < win:
        alpha = xf.std() / max(yf.std(), _EPS)
        return xf - alpha * yf
    hann = np.hanning(win)
    starts = np.arange(0, n - win + 1, win // 2)
    if starts[-1] != n - win:
        starts = np.append(starts, n - win)
    xs = np.lib.stride_tricks.sliding_window_view(xf, win)[starts]
    ys = np.lib.stride_tricks.sliding_window_view(yf, win)[starts]
    h = xs - (xs.std(axis=1) / np.maximum(ys.std(axis=1), _EPS))[:, None] * ys
    h = hann * (h - h.mean(axis=1, keepdims=True))
    out = np.zeros(n)
    np.add.at(out, starts[:, None] + np.arange(win)[None, :], h)
    return out


def pos(rgb: np.ndarray, fs: float) -> np.ndarray:
    """POS (plane orthogonal to skin): per sliding window the temporally normalised traces
    are projected on P = [[0, 1, -1], [-2, 1, 1]], h = S1 + (std S1 / std S2) S2, and the
    zero-mean h is overlap-added; the sum is band-passed."""
    n = rgb.shape[0]
    win = min(_window(fs), n)
    # all windows at once: (n - win + 1, win, 3) strided view, normalised by each window's mean
    views = np.lib.stride_tricks.sliding_window_view(rgb, win, axis=0)  # (k, 3, win)
    cn = views / np.maximum(views.mean(axis=2, keepdims=True), _EPS)
    s1 = cn[:, 1] - cn[:, 2]
    s2 = -2.0 * cn[:, 0] + cn[:, 1] + cn[:, 2]
    alpha = s1.std(axis=1) / np.maximum(s2.std(axis=1), _EPS)
    h = s1 + alpha[:, None] * s2
    h -= h.mean(axis=1, keepdims=True)
    out = np.zeros(n)
    k = h.shape[0]
    for j in range(win):  # overlap-add by lag: win vectorised additions instead of k
        out[j : j + k] += h[:, j]
    return _band(out, fs)


RPPG_METHODS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "pos": pos,
    "chrom": chrom,
    "green": green,
}


def extract_pulse(rgb: np.ndarray, fs: float, *, method: str = "pos") -> np.ndarray:
    """Blood-volume pulse from ``(n, 3)`` mean R, G, B traces with one of :data:`RPPG_METHODS`."""
    if method not in RPPG_METHODS:
        raise InvalidArgumentError(f"unknown rPPG method {method!r}; accepted: {', '.join(RPPG_METHODS)}")
    arr = np.asarray(rgb, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise InvalidSignalError(f"rPPG needs an (n, 3) array of mean R, G, B values; got shape {arr.shape}")
    if not np.isfinite(fs) or fs < MIN_FPS:
        raise InvalidArgumentError(f"rPPG needs a frame rate >= {MIN_FPS:g} fps (up to 240 bpm); got {fs!r}")
    min_frames = int(np.ceil(5.0 * fs))
    if arr.shape[0] < min_frames:
        raise InvalidSignalError(
            f"rPPG needs at least 5 s of video ({min_frames} frames at {fs:g} fps); got {arr.shape[0]} frames"
        )
    if not np.all(np.isfinite(arr)):
        raise InvalidSignalError("the R, G, B traces contain NaN or infinite values")
    if np.any(arr.mean(axis=0) <= 0):
        raise InvalidSignalError("a colour channel is black over the whole video (mean <= 0); no skin visible")
    return RPPG_METHODS[method](arr, float(fs))
