"""Reports: the :class:`Report` object, its JSON schema, interpretation statements, FHIR.

HTML/PDF rendering lives in ``cardiokit.report.render*`` and is imported only when used
(it needs plotting libraries that ``analyze`` never loads).
"""

from __future__ import annotations

from .model import (
    GRADES,
    MEASUREMENT_KEYS,
    RHYTHM_LABELS,
    SCHEMA_VERSION,
    AnalysisErrorInfo,
    Diagnosis,
    LeadQuality,
    Quality,
    RecordingSummary,
    Report,
    Rhythm,
    Statement,
)

__all__ = [
    "GRADES",
    "MEASUREMENT_KEYS",
    "RHYTHM_LABELS",
    "SCHEMA_VERSION",
    "AnalysisErrorInfo",
    "Diagnosis",
    "LeadQuality",
    "Quality",
    "RecordingSummary",
    "Report",
    "Rhythm",
    "Statement",
]
