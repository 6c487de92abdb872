"""Remote photoplethysmography (rPPG): heart rate from video of skin.

Imports :mod:`cardiokit._core` and :mod:`cardiokit.dsp` only; frames come from the
video reader's lazy ``Recording.frames``. Start with :func:`analyze_video`.
"""

from .analyze import ROI_MODES, RPPG_GRADES, RPPGAnalysis, analyze_video, video_rgb
from .methods import BAND_HZ, MIN_FPS, RPPG_METHODS, chrom, extract_pulse, green, pos
from .rate import PulseRate, pulse_rate
from .roi import SkinTraces, skin_mask, skin_traces

__all__ = [
    "BAND_HZ",
    "MIN_FPS",
    "ROI_MODES",
    "RPPG_GRADES",
    "RPPG_METHODS",
    "PulseRate",
    "RPPGAnalysis",
    "SkinTraces",
    "analyze_video",
    "chrom",
    "extract_pulse",
    "green",
    "pos",
    "pulse_rate",
    "skin_mask",
    "skin_traces",
    "video_rgb",
]
