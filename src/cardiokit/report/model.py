"""The :class:`Report`: everything ``cardiokit.analyze`` found in one recording.

A ``Report`` is a typed result. Its JSON form (:meth:`Report.to_dict` /
:meth:`Report.to_json`) is the public contract documented in ``docs/JSON.md`` and
published as the JSON Schema ``cardiokit/report/analysis.schema.json``. Field names
here are stable; later issues add fields (never rename or remove).

Besides the JSON fields a report keeps the analysed objects that produced them
(``source_recording``, ``cleaned``, ``beats``, ``delineation``, ``measurement_details``)
so renderers (HTML/PDF paper), the store and FHIR export can use them without
re-running the pipeline. Those objects are not part of the JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..ecg.quality import GRADES, LeadQuality, Quality

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
    "grade_of",
    "quality_issues",
    "recording_grade",
]

#: Version of the JSON document (``schema_version``); bumped on incompatible changes only.
SCHEMA_VERSION = "1.0"

#: Rhythm labels (CinC 2017 classes): normal sinus, atrial fibrillation, other, too noisy.
RHYTHM_LABELS = ("normal", "af", "other", "noisy")

#: Measurement keys always present in ``measurements`` (null when not measurable).
MEASUREMENT_KEYS = (
    "heart_rate_bpm",
    "rr_ms",
    "p_duration_ms",
    "pr_ms",
    "qrs_ms",
    "qt_ms",
    "qtc_ms",
    "qtc_formula",
    "p_axis_deg",
    "qrs_axis_deg",
    "t_axis_deg",
)


def grade_of(part: Any) -> str | None:
    """The grade of a result object's ``quality`` (``{"grade": ...}`` or a plain grade string)."""
    q = part.get("quality") if isinstance(part, Mapping) else None
    g = q.get("grade") if isinstance(q, Mapping) else q
    return g if isinstance(g, str) else None


def quality_issues(part: Any) -> str:
    """The issues of a result object's ``quality`` joined with "; " ("" when none are listed)."""
    q = part.get("quality") if isinstance(part, Mapping) else None
    return "; ".join((q.get("issues") if isinstance(q, Mapping) else None) or ())


def recording_grade(doc: Mapping[str, Any]) -> str | None:
    """A report document's quality grade: the ECG's, else its PPG's, heart sounds' or video pulse's."""
    for g in (grade_of(doc), *(grade_of(doc.get(k)) for k in ("ppg", "pcg", "rppg"))):
        if g is not None:
            return g
    return None


def _clean(value: Any) -> Any:
    """JSON-ready copy: numpy scalars/arrays to Python, NaN/inf to None, tuples to lists."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, np.ndarray):
        return [_clean(v) for v in value.tolist()]
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "to_dict"):
        return _clean(value.to_dict())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class RecordingSummary:
    """What was analysed: channels, rate, duration (the JSON ``recording`` object)."""

    channels: tuple[dict[str, str], ...]
    fs: float
    duration_s: float
    n_samples: int
    kinds: tuple[str, ...] = ()
    start: str | None = None
    format: str | None = None
    subject: Mapping[str, Any] = field(default_factory=dict)
    #: limb leads the analysis computed from two recorded ones (Einthoven, Goldberger)
    derived_leads: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "channels": [dict(c) for c in self.channels],
            "fs": _clean(self.fs),
            "duration_s": _clean(self.duration_s),
            "n_samples": int(self.n_samples),
            "kinds": list(self.kinds),
            "start": self.start,
            "format": self.format,
            "subject": _clean(dict(self.subject)),
            "derived_leads": list(self.derived_leads),
        }


@dataclass(frozen=True)
class Statement:
    """One interpretation statement.

    ``key`` is a stable mnemonic (``sinus_bradycardia``), ``code`` the SNOMED CT concept
    id (``None`` when there is none), ``evidence`` the measured values the rule used and
    ``criteria`` the rule (``rule``, thresholds, ``reference``). ``category`` groups
    mutually exclusive families: rhythm, conduction, axis, voltage, repolarization, quality.
    """

    key: str
    code: str | None
    text: str
    evidence: Mapping[str, Any]
    criteria: Mapping[str, Any]
    category: str
    severity: str = "abnormal"  # "normal", "borderline", "abnormal", "warning"
    code_system: str = "http://snomed.info/sct"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "code": self.code,
            "code_system": self.code_system if self.code else None,
            "text": self.text,
            "category": self.category,
            "severity": self.severity,
            "evidence": _clean(dict(self.evidence)),
            "criteria": _clean(dict(self.criteria)),
        }


@dataclass(frozen=True)
class Rhythm:
    """Rhythm class (``label`` in :data:`RHYTHM_LABELS` or ``None`` when undetermined): the
    PhysioNet/CinC 2017 class, the rhythm model's unless a statement names the rhythm
    (:func:`cardiokit.interpret.rhythm_from_statements`).

    ``probabilities`` (``normal``, ``af``, ``other``, ``noisy``) come from a model;
    rule-based labelling leaves them ``None``. ``model`` names what produced the label.
    ``model_span_s``: the stretch (start, stop in s) the rhythm model read, e.g. the longest
    usable one when stretches of its lead are unusable; ``None`` when no model ran.
    """

    label: str | None
    probabilities: Mapping[str, float] | None = None
    model: str | None = None
    model_span_s: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "probabilities": None if self.probabilities is None else _clean(dict(self.probabilities)),
            "model": self.model,
            "model_span_s": None if self.model_span_s is None else [round(float(t), 3) for t in self.model_span_s],
        }


@dataclass(frozen=True)
class Diagnosis:
    """A model's finding: SNOMED ``code``, ``text``, ``probability`` and the ``model``."""

    code: str | None
    text: str
    probability: float | None = None
    model: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "text": self.text, "probability": _clean(self.probability),
                "model": self.model}


@dataclass(frozen=True)
class AnalysisErrorInfo:
    """A stage that failed: ``stage`` (read, quality, beats, ...), exception ``type``, ``message``."""

    stage: str
    type: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "type": self.type, "message": self.message}


@dataclass(frozen=True, eq=False)
class Report:
    """Everything ``cardiokit.analyze`` found in one recording.

    JSON fields (see docs/JSON.md): ``source``, ``sha256``, ``recording``, ``quality``,
    ``measurements``, ``rhythm``, ``diagnoses``, ``statements``, ``ppg``, ``pcg``,
    ``rppg``, ``holter``, ``errors``, ``timing_ms``, ``cardiokit_version``, ``schema_version``.

    ``measurements`` always has every key of :data:`MEASUREMENT_KEYS` (``None`` when
    not measurable) and may carry more (``respiratory_rate_bpm``...).
    """

    source: str | None
    recording: RecordingSummary | None
    quality: Quality | None = None
    measurements: Mapping[str, Any] = field(default_factory=dict)
    rhythm: Rhythm | None = None
    diagnoses: tuple[Diagnosis, ...] = ()
    statements: tuple[Statement, ...] = ()
    ppg: Mapping[str, Any] | None = None
    pcg: Mapping[str, Any] | None = None
    rppg: Mapping[str, Any] | None = None
    holter: Mapping[str, Any] | None = None
    errors: tuple[AnalysisErrorInfo, ...] = ()
    sha256: str | None = None
    timing_ms: Mapping[str, float] = field(default_factory=dict)
    cardiokit_version: str = ""
    schema_version: str = SCHEMA_VERSION
    # -- analysed objects, not part of the JSON ------------------------------------------
    source_recording: Any = field(default=None, repr=False)
    cleaned: Any = field(default=None, repr=False)
    beats: Any = field(default=None, repr=False)
    delineation: Any = field(default=None, repr=False)
    measurement_details: Any = field(default=None, repr=False)
    #: :class:`cardiokit.ecg.morphology.Morphology`: per-lead QRS shapes, the beat classes
    #: (``morphology.beats.labels``: N, V, A, P per beat of ``beats``), pacemaker spikes
    morphology: Any = field(default=None, repr=False)
    rppg_result: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        m = {k: None for k in MEASUREMENT_KEYS}
        m.update(dict(self.measurements or {}))
        object.__setattr__(self, "measurements", m)
        object.__setattr__(self, "diagnoses", tuple(self.diagnoses))
        object.__setattr__(self, "statements", tuple(self.statements))
        object.__setattr__(self, "errors", tuple(self.errors))

    @property
    def ok(self) -> bool:
        """True when no stage failed."""
        return not self.errors

    def statement(self, key: str) -> Statement | None:
        """The statement with mnemonic ``key``, or None."""
        for s in self.statements:
            if s.key == key:
                return s
        return None

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (plain Python types; NaN/inf become ``None``)."""
        return {
            "schema_version": self.schema_version,
            "cardiokit_version": self.cardiokit_version,
            "source": self.source,
            "sha256": self.sha256,
            "recording": None if self.recording is None else self.recording.to_dict(),
            "quality": None if self.quality is None else self.quality.to_dict(),
            "measurements": _clean(dict(self.measurements)),
            "rhythm": None if self.rhythm is None else self.rhythm.to_dict(),
            "diagnoses": [d.to_dict() for d in self.diagnoses],
            "statements": [s.to_dict() for s in self.statements],
            "ppg": None if self.ppg is None else _clean(dict(self.ppg)),
            "pcg": None if self.pcg is None else _clean(dict(self.pcg)),
            "rppg": None if self.rppg is None else _clean(dict(self.rppg)),
            "holter": None if self.holter is None else _clean(dict(self.holter)),
            "errors": [e.to_dict() for e in self.errors],
            "timing_ms": _clean(dict(self.timing_ms)),
        }

    def to_json(self, *, indent: int | None = None) -> str:
        """The JSON document as text (one line unless ``indent`` is given)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, ensure_ascii=False)

    def __repr__(self) -> str:
        hr = self.measurements.get("heart_rate_bpm")
        grade = self.quality.grade if self.quality else None
        return (
            f"Report(source={self.source!r}, quality={grade!r}, heart_rate_bpm={hr!r}, "
            f"{len(self.statements)} statements, {len(self.errors)} errors)"
        )
