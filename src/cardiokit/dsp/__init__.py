"""Signal processing on plain arrays: zero-phase filters, powerline detection, peak utilities.

Imports only :mod:`cardiokit._core`; everything here is ndarray in, ndarray out.
"""

from .filters import (
    bandpass,
    design_sos,
    detect_powerline_hz,
    filtfilt_sos,
    highpass,
    lowpass,
    notch,
)
from .peaks import find_local_maxima, moving_average, moving_max, refine_extrema

__all__ = [
    "bandpass",
    "design_sos",
    "detect_powerline_hz",
    "filtfilt_sos",
    "find_local_maxima",
    "highpass",
    "lowpass",
    "moving_average",
    "moving_max",
    "notch",
    "refine_extrema",
]
