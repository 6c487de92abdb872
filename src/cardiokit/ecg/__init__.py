"""ECG analysis: cleaning, beat detection, heart-rate variability.

Imports :mod:`cardiokit._core` and :mod:`cardiokit.dsp` only (never :mod:`cardiokit.io`).
"""

from .clean import clean
from .delineate import FIDUCIALS, Delineation, delineate
from .hrv import HRV, hrv
from .measure import QTC_FORMULAS, LeadAmplitudes, Measurements, measure, qtc
from .qrs import detect_beats

__all__ = [
    "FIDUCIALS",
    "HRV",
    "QTC_FORMULAS",
    "Delineation",
    "LeadAmplitudes",
    "Measurements",
    "clean",
    "delineate",
    "detect_beats",
    "hrv",
    "measure",
    "qtc",
]
