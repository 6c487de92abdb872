"""ECG analysis: cleaning, beat detection, heart-rate variability.

Imports :mod:`cardiokit._core` and :mod:`cardiokit.dsp` only (never :mod:`cardiokit.io`).
"""

from .clean import clean
from .delineate import FIDUCIALS, Delineation, delineate
from .hrv import HRV, hrv
from .measure import QTC_FORMULAS, LeadAmplitudes, Measurements, measure, qtc
from .qrs import detect_beats
from .rhythm import RHYTHM_LABELS, RhythmResult, classify_rhythm

__all__ = [
    "FIDUCIALS",
    "HRV",
    "QTC_FORMULAS",
    "RHYTHM_LABELS",
    "Delineation",
    "LeadAmplitudes",
    "Measurements",
    "RhythmResult",
    "classify_rhythm",
    "clean",
    "delineate",
    "detect_beats",
    "hrv",
    "measure",
    "qtc",
]
