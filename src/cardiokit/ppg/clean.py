"""PPG filtering: zero-phase band-pass and polarity check (ndarray in, ndarray out)."""

from __future__ import annotations

import numpy as np

from cardiokit._core.errors import InvalidArgumentError, InvalidSignalError
from cardiokit.dsp import bandpass

__all__ = ["CLEAN_METHODS", "clean_ppg", "is_inverted"]

#: Filtering methods: ``"elgendi2013"`` (Butterworth 0.5-8 Hz, order 2, zero phase: the
#: pre-processing of Elgendi et al. 2013, for beat detection) and ``"morphology"``
#: (Butterworth 0.5-12 Hz, order 4, zero phase: keeps the dicrotic notch and the second
#: derivative's a-e waves, as pyPPG's 0.5-12 Hz band).
CLEAN_METHODS = ("elgendi2013", "morphology")

_BANDS = {"elgendi2013": (0.5, 8.0, 2), "morphology": (0.5, 12.0, 4)}


def _as_1d(x: np.ndarray) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        arr = arr.reshape(-1) if arr.ndim == 2 and 1 in arr.shape else arr
    if arr.ndim != 1:
        raise InvalidSignalError(f"a PPG must be a 1-D array; got shape {np.shape(x)}")
    if arr.size < 8:
        raise InvalidSignalError(f"a PPG needs at least 8 samples; got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise InvalidSignalError("the PPG contains NaN or infinite values")
    return arr


def is_inverted(x: np.ndarray, *, fs_hz: float) -> bool:
    """True when the pulse looks upside down (transmitted-light polarity).

    A blood-volume PPG rises fast (systolic upstroke) and falls slowly, so its first
    derivative is positively skewed; an inverted trace (raw light intensity) shows the
    opposite. Decided on the 0.5-8 Hz band-passed signal.
    """
    y = bandpass(_as_1d(x), fs_hz=fs_hz, low_hz=0.5, high_hz=8.0, order=2)
    d = np.diff(y)
    sd = d.std()
    if sd <= 0:
        return False
    skew = float(np.mean(((d - d.mean()) / sd) ** 3))
    return skew < -0.1


def clean_ppg(x: np.ndarray, *, fs_hz: float, method: str = "elgendi2013",
              invert: bool | None = False) -> np.ndarray:
    """Band-passed PPG (new float64 array, same length).

    ``method`` is one of :data:`CLEAN_METHODS`. ``invert``: ``True`` flips the sign,
    ``None`` flips it when :func:`is_inverted` says so, ``False`` (default) leaves it.
    """
    if method not in _BANDS:
        raise InvalidArgumentError(f"method must be one of {', '.join(CLEAN_METHODS)}; got {method!r}")
    arr = _as_1d(x)
    if invert is None:
        invert = is_inverted(arr, fs_hz=fs_hz)
    lo, hi, order = _BANDS[method]
    y = bandpass(arr - arr.mean(), fs_hz=fs_hz, low_hz=lo, high_hz=hi, order=order)
    return -y if invert else y
