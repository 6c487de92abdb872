"""Signal quality of ECG and PPG: indices, per-segment grades, a learned ECG model.

``assess_quality(rec)`` grades every ECG/PPG lead per 5-s segment as good, acceptable
or unusable, with the indices behind each grade, an overall grade and the list of
unusable stretches (``SignalQuality.unusable_segments``) that measurements exclude.
"""

from .assess import (
    GRADES,
    ISSUE_LIMITS,
    SEGMENT_S,
    LeadQuality,
    SegmentQuality,
    SignalQuality,
    UnusableSegment,
    assess_quality,
    overall_grade,
)
from .indices import ECG_INDICES, PPG_INDICES

__all__ = [
    "ECG_INDICES",
    "GRADES",
    "ISSUE_LIMITS",
    "PPG_INDICES",
    "SEGMENT_S",
    "LeadQuality",
    "SegmentQuality",
    "SignalQuality",
    "UnusableSegment",
    "assess_quality",
    "overall_grade",
]
