"""``analyze(recording) -> Report``: the one place where the analysis stages are chained.

::

    read -> clean -> beats -> quality -> delineate -> measure -> (models) -> statements

(the per-segment quality grades reuse the cleaned signals and the beats).

Each stage gets the output of the stages before it. A stage that fails is recorded in
``Report.errors`` (stage, exception type, message) and the stages that need its output
are skipped; ``analyze`` itself only raises for invalid arguments. Recordings without
ECG channels (PPG, PCG, video) skip the ECG stages and keep those fields ``None`` until
the modality pipelines land.

Rendering (HTML/PDF), storage and FHIR export are *not* part of this path: ``analyze`` on
a 10-s 12-lead 500 Hz record must stay far below 14 ms of work of its own (the project
promises >= 100x the speed of NeuroKit2's ``ecg_process``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ._core.errors import InvalidArgumentError
from ._core.recording import Recording
from ._pipeline_ecg import (
    _as_ecg,
    _lead_ranges,
    _measure_dict,
    _qrs_amplitude,
    _rhythm_features,
    _with_limb_leads,
)
from .quality import SignalQuality as Quality
from .quality import assess_quality
from .report.model import AnalysisErrorInfo, RecordingSummary, Report
from .report.statements import RhythmFeatures, interpret, rhythm_from_statements

__all__ = [
    "SUBJECT_FIELDS",
    "analyze",
    "analyze_file",
    "content_sha256",
    "recording_files",
    "validate_subject",
]

_log = logging.getLogger(__name__)

#: Accepted subject fields: name -> (type, description of accepted values).
SUBJECT_FIELDS: dict[str, str] = {
    "id": "any text",
    "age_years": "a number from 0 to 130",
    "sex": "M or F",
    "height_cm": "a number from 30 to 272",
    "weight_kg": "a number from 0.3 to 650",
    "sbp_cal_mmhg": "cuff SBP at the start of the recording (PPG calibrated BP), 40 to 300",
    "dbp_cal_mmhg": "cuff DBP at the start of the recording (PPG calibrated BP), 20 to 200",
}
_RANGES = {"age_years": (0.0, 130.0), "height_cm": (30.0, 272.0), "weight_kg": (0.3, 650.0),
           "sbp_cal_mmhg": (40.0, 300.0), "dbp_cal_mmhg": (20.0, 200.0)}
_SEX = {"m": "M", "male": "M", "f": "F", "female": "F"}


def validate_subject(subject: Mapping[str, Any]) -> dict[str, Any]:
    """Checked and normalised subject data (``sex`` -> "M"/"F", numbers -> float).

    Raises :class:`InvalidArgumentError` naming the accepted keys and values.
    """
    out: dict[str, Any] = {}
    for key, value in dict(subject).items():
        if key not in SUBJECT_FIELDS:
            raise InvalidArgumentError(
                f"unknown subject field {key!r}; accepted: "
                + ", ".join(f"{k} ({v})" for k, v in SUBJECT_FIELDS.items())
            )
        if value is None:
            continue
        if key == "id":
            out[key] = str(value)
        elif key == "sex":
            sex = _SEX.get(str(value).strip().lower())
            if sex is None:
                raise InvalidArgumentError(f"sex must be M or F (male/female accepted); got {value!r}")
            out[key] = sex
        else:
            lo, hi = _RANGES[key]
            try:
                num = float(value)
            except (TypeError, ValueError):
                raise InvalidArgumentError(f"{key} must be {SUBJECT_FIELDS[key]}; got {value!r}") from None
            if not (math.isfinite(num) and lo <= num <= hi):
                raise InvalidArgumentError(f"{key} must be {SUBJECT_FIELDS[key]}; got {value!r}")
            out[key] = num
    return out


def _lenient_subject(subject: Mapping[str, Any]) -> dict[str, Any]:
    """Subject fields from a file header: keep the valid ones, drop the rest silently."""
    out: dict[str, Any] = {}
    for k, v in dict(subject).items():
        try:
            out.update(validate_subject({k: v}))
        except InvalidArgumentError:
            continue
    return out


# -- content hash --------------------------------------------------------------------------
def recording_files(path: str | os.PathLike[str]) -> list[Path]:
    """The files that make up the recording at ``path``, in hashing order.

    A single-file format gives ``[path]``. A WFDB record (``dir/rec``, ``dir/rec.hea`` or
    ``dir/rec.dat``) gives every file ``dir/rec.*`` (header, signal and annotation
    files), sorted by name.
    """
    p = Path(path)
    stem = None
    if p.suffix == "" and p.with_name(p.name + ".hea").is_file():
        stem = p.name
    elif p.suffix.lower() in (".hea", ".dat") and p.with_suffix(".hea").is_file():
        stem = p.stem
    if stem is None:
        return [p]
    files = [f for f in p.parent.glob(f"{stem}.*") if f.is_file() and f.name[len(stem) + 1:].find(".") < 0]
    return sorted(files, key=lambda f: f.name)


def content_sha256(path: str | os.PathLike[str]) -> str:
    """Content hash of a recording (the store's key).

    For one file: the sha256 of its bytes (what ``sha256sum`` prints). For a multi-file
    record (WFDB): sha256 over, for each file of :func:`recording_files` in order, its
    name relative to the record's folder, a NUL byte, its size in decimal, a NUL byte and
    its bytes.
    """
    files = recording_files(path)
    h = hashlib.sha256()
    if len(files) == 1:
        with open(files[0], "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    for f in files:
        h.update(f.name.encode() + b"\0" + str(f.stat().st_size).encode() + b"\0")
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


# -- stages --------------------------------------------------------------------------------
def _summary(rec: Recording, subject: Mapping[str, Any]) -> RecordingSummary:
    return RecordingSummary(
        channels=tuple({"name": c.name, "kind": c.kind, "unit": c.unit} for c in rec.channels),
        fs=rec.fs,
        duration_s=rec.duration_s,
        n_samples=rec.n_samples,
        kinds=tuple(sorted({c.kind for c in rec.channels})),
        start=rec.start.isoformat() if rec.start is not None else None,
        format=rec.meta.get("format"),
        subject=dict(subject),
    )


def _ecg_indices(rec: Recording) -> list[int]:
    idx = [i for i, c in enumerate(rec.channels) if c.kind == "ecg"]
    if not idx and rec.frames is None and all(c.kind == "other" for c in rec.channels):
        idx = list(range(rec.n_channels))  # unlabelled channels: treated as ECG
    return idx


class _Stages:
    """Runs stages, timing each and turning failures into ``AnalysisErrorInfo``."""

    def __init__(self) -> None:
        self.errors: list[AnalysisErrorInfo] = []
        self.timing: dict[str, float] = {}

    def run(self, stage: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        try:
            return fn()
        except Exception as exc:  # a stage failing must not lose the others' results
            _log.warning("stage %s failed: %s: %s", stage, type(exc).__name__, exc, exc_info=_log.isEnabledFor(logging.DEBUG))
            self.errors.append(AnalysisErrorInfo(stage, type(exc).__name__, str(exc)))
            return None
        finally:
            self.timing[stage] = round(self.timing.get(stage, 0.0) + (time.perf_counter() - t0) * 1000.0, 3)


def analyze(
    recording: Recording | str | os.PathLike[str],
    *,
    subject: Mapping[str, Any] | None = None,
    source: str | None = None,
    sha256: str | None = None,
    fs: float | None = None,
    kind: str | None = None,
    convention: str | Mapping[str, float] = "aha",
) -> Report:
    """Analyse one recording: quality, beats, waves, measurements, statements.

    Parameters
    ----------
    recording
        A :class:`~cardiokit.Recording`, or a path read with :func:`cardiokit.read`
        (then ``source`` and ``sha256`` are filled in from the file).
    subject
        Subject data (``age_years``, ``sex`` "M"/"F", ``height_cm``, ``weight_kg``, ``id``),
        merged over ``recording.meta["subject"]``; validated (see :func:`validate_subject`).
    source
        Where the recording came from (shown as ``Report.source``).
    sha256
        Content hash of the input, when known (the store's key).
    fs, kind
        Passed to :func:`cardiokit.read` when ``recording`` is a path.
    convention
        Reading convention of the interpretation thresholds: ``"aha"`` (AHA/ACC/HRS, default),
        ``"ludb"`` (the LUDB cardiologists' operating point) or a mapping of thresholds
        (:data:`cardiokit.interpret.CONVENTIONS`, docs/STATEMENTS.md).

    Returns
    -------
    Report
        Always one :class:`Report`; stages that failed are listed in ``errors``.
    """
    given = validate_subject(subject or {})
    from .dsp._fast import keep_freed_memory
    from .interpret import convention_thresholds

    keep_freed_memory()  # reuse the stages' short-lived arrays instead of faulting them in again

    convention_thresholds(convention)  # invalid conventions raise before any work
    if not isinstance(recording, Recording):
        if not isinstance(recording, (str, os.PathLike)):
            raise InvalidArgumentError(
                f"analyze() needs a Recording or a file path; got {type(recording).__name__}"
            )
        from .io import read

        path = recording
        recording = read(path, fs=fs, kind=kind)
        source = source if source is not None else str(path)
        sha256 = sha256 if sha256 is not None else content_sha256(path)
    rec: Recording = recording
    t_start = time.perf_counter()
    meta_subject = rec.meta.get("subject") or {}
    subj = _lenient_subject(meta_subject if isinstance(meta_subject, Mapping) else {}) | given
    if source is None and rec.meta.get("source"):
        source = str(rec.meta["source"])
    st = _Stages()
    summary = _summary(rec, subj)
    idx = _ecg_indices(rec)

    quality: Quality | None = None
    measurements: dict[str, Any] = {}
    statements: tuple = ()
    rhythm = None
    cleaned = beats = dl = meas = morph = None
    if idx:
        from .ecg.clean import clean

        ecg, derived = _with_limb_leads(_as_ecg(rec if len(idx) == rec.n_channels else rec.select(idx)))
        if derived:
            summary = replace(summary, derived_leads=derived)
        # a recording whose every lead is a flat line has nothing to clean or detect
        all_flat, calibrated = _lead_ranges(ecg)
        if not all_flat:
            cleaned = st.run("clean", lambda: clean(ecg))
            if cleaned is not None:
                beats = st.run("beats", lambda: _detect_beats(cleaned))
        # learned per-lead, per-segment grading on the pipeline's beats and cleaned signals
        # (no beats: every segment of a sufficient length is graded unusable)
        quality = st.run("quality", lambda: assess_quality(
            ecg, beats=beats if beats is not None else np.zeros(0, np.int64), cleaned=cleaned))
        if beats is not None and len(beats) >= 2:
            dl = st.run("delineate", lambda: _delineate(cleaned, beats, quality))
        if dl is not None:
            meas = st.run("measure", lambda: _measure(cleaned, beats, dl, subj.get("sex")))
        if meas is not None:
            measurements = _measure_dict(meas)
        elif beats is not None and len(beats) >= 2:
            rr = float(np.median(np.diff(beats.samples))) / rec.fs * 1000.0
            measurements = {"heart_rate_bpm": 60000.0 / rr, "rr_ms": rr}
        if quality is not None:

            morph = st.run("morphology", lambda: _morphology(cleaned, dl, meas, ecg, calibrated)) if (
                dl is not None and meas is not None and quality.grade != "unusable") else None
            # the rhythm model reads unusable records too: it has its own "noisy" class
            rmodel = st.run("rhythm", lambda: _rhythm_model(ecg, quality, beats)) if (
                cleaned is not None) else None

            def _interpret() -> tuple:
                rf = _rhythm_features(dl, rec.fs) if dl is not None else (
                    RhythmFeatures(len(beats)) if beats is not None else None)
                amp = _qrs_amplitude(cleaned, list(range(ecg.n_channels)), beats.samples, dl) if (
                    cleaned is not None and beats is not None and calibrated) else None
                return interpret(measurements, rhythm=rf, qrs_amplitude_mv=amp, quality=quality,
                                 sex=subj.get("sex"), age_years=subj.get("age_years"),
                                 morphology=morph, rhythm_model=rmodel, convention=convention,
                                 ecg=cleaned, beat_samples=beats.samples if beats is not None else None)

            statements = st.run("statements", _interpret) or ()
            rhythm = rhythm_from_statements(statements, quality, rmodel)
            av = next((s for s in statements if s.category == "av_conduction" and "atrial_rate_bpm" in s.evidence),
                      None)
            if av is not None:  # a second/third-degree AV block: the P waves' own rate beside the QRS rate
                measurements = {**measurements, "atrial_rate_bpm": av.evidence["atrial_rate_bpm"]}
            if av is not None and av.key == "complete_heart_block":
                # no fixed AV relation: the P wave found before each QRS gives no PR interval
                measurements = {**measurements, "pr_ms": None}
    # -- PPG stage (cardiokit.ppg, issue 6): fills only measurements the ECG left empty ----
    ppg_doc = None
    if any(c.kind == "ppg" for c in rec.channels):
        ppg_res = st.run("ppg", lambda: _ppg_stage(rec, subj, st))
        if ppg_res is not None:
            ppg_doc, ppg_meas = ppg_res
            measurements = {**measurements,
                            **{k: v for k, v in ppg_meas.items() if measurements.get(k) is None}}
    # -- end PPG stage ------------------------------------------------------------------------
    # -- PCG stage (cardiokit.pcg, issue 7): heart rate only when the ECG gave none ----------
    pcg_doc = None
    if any(c.kind == "pcg" for c in rec.channels):
        pcg_doc = st.run("pcg", lambda: _pcg_stage(rec, st))
        if pcg_doc is not None and measurements.get("heart_rate_bpm") is None:
            measurements = {**measurements, "heart_rate_bpm": pcg_doc["heart_rate_bpm"]}
    # -- end PCG stage ------------------------------------------------------------------------
    # -- video stage (cardiokit.rppg): remote-PPG heart rate when nothing else gave one ------
    rppg_res = None
    if rec.frames is not None or any(c.kind == "video" for c in rec.channels):
        rppg_res = st.run("rppg", lambda: _rppg_stage(rec))
        if rppg_res is not None and rppg_res.usable and measurements.get("heart_rate_bpm") is None:
            measurements = {**measurements, "heart_rate_bpm": round(rppg_res.heart_rate_bpm, 1)}
    # -- end video stage ----------------------------------------------------------------------
    st.timing["total"] = round((time.perf_counter() - t_start) * 1000.0, 3)
    from . import __version__

    return Report(
        source=source,
        recording=summary,
        quality=quality,
        measurements=measurements,
        rhythm=rhythm,
        diagnoses=(),
        statements=statements,
        ppg=ppg_doc,
        pcg=pcg_doc,
        rppg=None if rppg_res is None else rppg_res.to_dict(),
        rppg_result=rppg_res,
        errors=tuple(st.errors),
        sha256=sha256,
        timing_ms=st.timing,
        cardiokit_version=__version__,
        source_recording=rec,
        cleaned=cleaned,
        beats=beats,
        delineation=dl,
        measurement_details=meas,
        morphology=morph,
    )


def _ppg_stage(rec: Recording, subj: Mapping[str, Any], st: _Stages) -> tuple[dict, dict]:
    """PPG analysis of the first PPG channel: the report's ``ppg`` object and measurements."""
    from .ppg import analyze_ppg

    res = analyze_ppg(rec, subject=subj)
    for msg in res.errors:
        stage, _, rest = msg.partition(": ")
        typ, _, text = rest.partition(": ")
        st.errors.append(AnalysisErrorInfo(f"ppg_{stage}", typ, text))
    return res.to_dict(), res.measurements()


def _pcg_stage(rec: Recording, st: _Stages) -> dict:
    """Segmentation and classification of the first PCG channel: the report's ``pcg`` object."""
    from .pcg import analyze_pcg

    res = analyze_pcg(rec)
    for msg in res.errors:
        stage, _, rest = msg.partition(": ")
        typ, _, text = rest.partition(": ")
        st.errors.append(AnalysisErrorInfo(f"pcg_{stage}", typ, text))
    return res.to_dict()


def _rppg_stage(rec: Recording) -> Any:
    """Remote-PPG pulse and heart rate of a video recording (:func:`cardiokit.rppg.analyze_video`)."""
    from .rppg import analyze_video

    return analyze_video(rec)


def _morphology(cleaned: Recording, dl: Any, meas: Any, raw: Recording, calibrated: bool) -> Any:
    from .ecg.morphology import analyze_morphology

    return analyze_morphology(cleaned, dl, meas, raw=raw, calibrated=calibrated)


def _rhythm_model(ecg: Recording, quality: Any = None, beats: Any = None) -> Any:
    """The rhythm model's result, or None when no rhythm model is shipped or usable here."""
    try:
        from .ecg.rhythm import classify_rhythm, model_id

        model_id()
    except (ImportError, InvalidArgumentError, OSError):
        return None
    res = classify_rhythm(ecg, quality=quality if isinstance(quality, Quality) else None, beats=beats, max_leads=1)
    return res if res.probabilities is not None else None


def _detect_beats(cleaned: Recording) -> Any:
    from .ecg.qrs import detect_beats

    return detect_beats(cleaned)


def _delineate(cleaned: Recording, beats: Any, quality: Any = None) -> Any:
    """Delineation with the lead-segments graded unusable left out (their waves absent)."""
    from .ecg.delineate import delineate

    return delineate(cleaned, beats=beats, quality=quality)


def _measure(cleaned: Recording, beats: Any, dl: Any, sex: str | None) -> Any:
    from .ecg.measure import measure

    return measure(cleaned, beats=beats, delineation=dl, sex=sex)


def analyze_file(
    path: str | os.PathLike[str],
    *,
    subject: Mapping[str, Any] | None = None,
    fs: float | None = None,
    kind: str | None = None,
    source: str | None = None,
    convention: str | Mapping[str, float] = "aha",
) -> Report:
    """Read and analyse one file; a file that cannot be read gives a Report with an error.

    Never raises for unreadable files (the error is in ``Report.errors`` with stage
    ``"read"``), so batch runs go on; invalid ``subject`` values still raise.
    """
    from ._core.errors import CardiokitError
    from .io import read

    given = validate_subject(subject or {})
    src = str(path) if source is None else source
    sha = None
    try:
        sha = content_sha256(path)
    except OSError:
        sha = None
    t0 = time.perf_counter()
    try:
        rec = read(path, fs=fs, kind=kind)
    except (CardiokitError, OSError) as exc:
        from . import __version__

        return Report(
            source=src, recording=None, sha256=sha, cardiokit_version=__version__,
            errors=(AnalysisErrorInfo("read", type(exc).__name__, str(exc)),),
            timing_ms={"read": round((time.perf_counter() - t0) * 1000.0, 3)},
        )
    t_read = round((time.perf_counter() - t0) * 1000.0, 3)
    report = analyze(rec, subject=given, source=src, sha256=sha, convention=convention)
    object.__setattr__(report, "timing_ms", {"read": t_read, **report.timing_ms})
    return report
