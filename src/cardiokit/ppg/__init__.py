"""PPG analysis: filtering, beats, fiducials, morphology biomarkers, quality, pulse rate,
pulse-rate variability, respiratory rate, cuffless blood pressure and vascular age.

Imports :mod:`cardiokit._core`, :mod:`cardiokit.dsp` and :mod:`cardiokit.models` only.
Start with :func:`analyze_ppg`; every stage is also callable on its own.
"""

from .analyze import PPGAnalysis, analyze_ppg, calibrated_bp, ppg_channel, window_biomarkers
from .beats import BEAT_METHODS, PPGBeats, detect_ppg_beats, pulse_onsets
from .biomarkers import BIOMARKER_NAMES, beat_biomarkers, segment_biomarkers
from .bp import (
    BP_PPG_FEATURES,
    CAL_FEATURES,
    BloodPressure,
    BPCalibration,
    bp_feature_values,
    estimate_bp,
)
from .clean import CLEAN_METHODS, clean_ppg, is_inverted
from .fiducials import FIDUCIAL_POINTS, Fiducials, derivatives, find_fiducials
from .quality import PPG_GRADES, PPGQuality, assess_ppg_quality
from .rate import PRV, pulse_rate_variability
from .resp import RESP_METHODS, RespiratoryRate, RespWindow, respiratory_rate
from .vascular_age import VascularAge, estimate_vascular_age

__all__ = [
    "BEAT_METHODS",
    "BIOMARKER_NAMES",
    "BP_PPG_FEATURES",
    "CAL_FEATURES",
    "CLEAN_METHODS",
    "FIDUCIAL_POINTS",
    "PPG_GRADES",
    "PRV",
    "RESP_METHODS",
    "BPCalibration",
    "BloodPressure",
    "Fiducials",
    "PPGAnalysis",
    "PPGBeats",
    "PPGQuality",
    "RespWindow",
    "RespiratoryRate",
    "VascularAge",
    "analyze_ppg",
    "assess_ppg_quality",
    "beat_biomarkers",
    "bp_feature_values",
    "calibrated_bp",
    "clean_ppg",
    "derivatives",
    "detect_ppg_beats",
    "estimate_bp",
    "estimate_vascular_age",
    "find_fiducials",
    "is_inverted",
    "ppg_channel",
    "pulse_onsets",
    "pulse_rate_variability",
    "respiratory_rate",
    "segment_biomarkers",
    "window_biomarkers",
]
