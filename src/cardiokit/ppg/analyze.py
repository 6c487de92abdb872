"""``analyze_ppg``: the PPG chain from a raw trace to quality, beats, fiducials, biomarkers,
pulse rate, PRV, respiratory rate and (with the shipped models) blood pressure and
vascular age.

::

    clean (0.5-8 Hz, 0.5-12 Hz) -> beats -> quality -> fiducials -> biomarkers
        -> pulse rate, PRV, respiratory rate -> BP (+ interval), vascular age
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from cardiokit._core.errors import AnalysisError, InvalidArgumentError
from cardiokit._core.recording import Recording

from .beats import PPGBeats, detect_ppg_beats
from .biomarkers import beat_biomarkers, segment_biomarkers
from .bp import CAL_FEATURES, BloodPressure, BPCalibration, estimate_bp
from .clean import clean_ppg
from .fiducials import Fiducials, derivatives, find_fiducials
from .quality import PPGQuality, assess_ppg_quality
from .rate import PRV, pulse_rate_variability
from .resp import RespiratoryRate, respiratory_rate
from .vascular_age import VascularAge, estimate_vascular_age

__all__ = ["PPGAnalysis", "analyze_ppg", "calibrated_bp", "ppg_channel", "window_biomarkers"]


#: the report's measurement entries a PPG fills
_MEASUREMENT_KEYS = ("heart_rate_bpm", "rr_ms", "respiratory_rate_bpm", "sbp_mmhg", "dbp_mmhg",
                     "sbp_interval_mmhg", "dbp_interval_mmhg", "vascular_age_years",
                     "vascular_age_gap_years", "vascular_age_interval_years")


@dataclass(frozen=True, eq=False)
class PPGAnalysis:
    """Everything found in one PPG channel. ``to_dict()`` is the report's ``ppg`` object."""

    channel: str
    fs: float
    beats: PPGBeats
    quality: PPGQuality
    fiducials: Fiducials
    biomarkers: Mapping[str, float | None]
    beat_biomarkers: Mapping[str, np.ndarray]
    heart_rate_bpm: float | None
    prv: PRV
    respiration: RespiratoryRate
    bp: BloodPressure | None = None
    vascular_age: VascularAge | None = None
    errors: tuple[str, ...] = ()
    cleaned: np.ndarray | None = field(default=None, repr=False)

    def measurements(self) -> dict[str, Any]:
        """The report's measurement entries this analysis fills.

        All None when the PPG is graded unusable: its pulses disagree, so the rate and the
        models' inputs are unreliable (the estimates stay in ``to_dict()`` with the grade),
        as unusable ECG segments are kept out of the ECG measurements.
        """
        m: dict[str, Any] = dict.fromkeys(_MEASUREMENT_KEYS)
        if self.quality.grade == "unusable":
            return m
        m.update(heart_rate_bpm=self.heart_rate_bpm,
                 rr_ms=60000.0 / self.heart_rate_bpm if self.heart_rate_bpm else None,
                 respiratory_rate_bpm=self.respiration.rate_bpm)
        if self.bp is not None:
            m.update(self.bp.measurements())
        if self.vascular_age is not None:
            m.update(self.vascular_age.measurements())
        return m

    def to_dict(self) -> dict[str, Any]:
        fid = self.fiducials.to_dict()
        return {
            "channel": self.channel,
            "fs": self.fs,
            "method": self.beats.method,
            "quality": self.quality.to_dict(),
            "heart_rate_bpm": self.heart_rate_bpm,
            "biomarkers": dict(self.biomarkers),
            "prv": self.prv.to_dict(),
            "respiration": self.respiration.to_dict(),
            "bp": None if self.bp is None else self.bp.to_dict(),
            "vascular_age": None if self.vascular_age is None else self.vascular_age.to_dict(),
            "systolic_peaks": self.beats.peaks.tolist(),
            "onsets": self.beats.onsets.tolist(),
            "beat_good": self.quality.beat_good.astype(int).tolist(),
            "fiducials": fid,
            "errors": list(self.errors),
        }


def ppg_channel(rec: Recording) -> int:
    """Index of the PPG channel to analyse: the first of kind ``ppg`` (else the only channel)."""
    idx = [i for i, c in enumerate(rec.channels) if c.kind == "ppg"]
    if idx:
        return idx[0]
    if rec.n_channels == 1:
        return 0
    raise InvalidArgumentError("no PPG channel (kind 'ppg') in this recording; channels: "
                               + ", ".join(f"{c.name} ({c.kind})" for c in rec.channels))


def analyze_ppg(signal: Recording | np.ndarray, *, fs_hz: float | None = None,
                subject: Mapping[str, Any] | None = None, method: str = "cardiokit",
                invert: bool | None = False, models: bool = True) -> PPGAnalysis:
    """Analyse one PPG: a :class:`Recording` (its first PPG channel) or a 1-D array.

    ``subject`` (``age_years``, ``sex``, ``height_cm``, ``weight_kg``) defaults to
    ``recording.meta["subject"]``; the BP model uses it, the vascular-age model never
    does (age only gives the gap). ``models=False`` skips BP and vascular age.
    ``invert=None`` flips the trace when it looks upside down (see ``is_inverted``).
    ``sbp_cal_mmhg`` and ``dbp_cal_mmhg`` in ``subject`` (one cuff reading taken at the
    start of the recording) switch BP to the calibrated mode (:func:`calibrated_bp`).
    """
    name = "ppg"
    if isinstance(signal, Recording):
        ci = ppg_channel(signal)
        x = signal.signals[:, ci].astype(np.float64)
        fs = signal.fs
        name = signal.channels[ci].name
        if subject is None:
            s = signal.meta.get("subject")
            subject = dict(s) if isinstance(s, Mapping) else {}
    else:
        if fs_hz is None:
            raise InvalidArgumentError("analyze_ppg() on an array needs fs_hz")
        x = np.asarray(signal, np.float64).reshape(-1)
        fs = float(fs_hz)
    subject = dict(subject or {})
    y8 = clean_ppg(x, fs_hz=fs, method="elgendi2013", invert=invert)
    inverted = bool(y8[1:].dot(x[1:] - x[1:].mean()) < 0) if invert is None else bool(invert)
    beats = detect_ppg_beats(x, fs_hz=fs, method=method, cleaned=y8)
    y12 = clean_ppg(x, fs_hz=fs, method="morphology", invert=inverted)
    quality = assess_ppg_quality(y8, beats.peaks, beats.onsets, fs_hz=fs)
    derivs = derivatives(y12, fs_hz=fs)
    fid = find_fiducials(y12, beats.peaks, beats.onsets, fs_hz=fs, derivs=derivs)
    per_beat = beat_biomarkers(y12, fid, derivs)
    good = quality.beat_good if quality.beat_good.any() else None
    seg = segment_biomarkers(per_beat, good)
    ibi = np.diff(beats.peaks) / fs
    ok = (ibi >= 0.3) & (ibi <= 2.0)
    hr = float(60.0 / np.median(ibi[ok])) if ok.any() else None
    prv = pulse_rate_variability(beats.peaks, fs_hz=fs)
    raw = -x if inverted else x
    resp = respiratory_rate(raw, beats.peaks, beats.onsets, fs_hz=fs, good=quality.beat_good)
    errors: list[str] = []
    res = PPGAnalysis(name, fs, beats, quality, fid, seg, per_beat, hr, prv, resp, None, None,
                      (), y12)
    if not models:
        return res
    bp = va = None
    calibrated = subject.get("sbp_cal_mmhg") is not None or subject.get("dbp_cal_mmhg") is not None
    try:
        if calibrated:
            bp = calibrated_bp(res, sbp_cal_mmhg=subject.get("sbp_cal_mmhg"),
                               dbp_cal_mmhg=subject.get("dbp_cal_mmhg"))
        else:
            bp = estimate_bp(seg, subject=subject, quality=quality.grade)
    except Exception as exc:  # a model failing must not lose the rest
        errors.append(f"bp: {type(exc).__name__}: {exc}")
    try:
        va = estimate_vascular_age(seg, age_years=subject.get("age_years"))
    except Exception as exc:
        errors.append(f"vascular_age: {type(exc).__name__}: {exc}")
    return replace(res, bp=bp, vascular_age=va, errors=tuple(errors))


def calibrated_bp(analysis: PPGAnalysis, *, sbp_cal_mmhg: float | None, dbp_cal_mmhg: float | None,
                  window_s: float = 10.0, calibration_s: float = 30.0,
                  min_good: int = 5) -> BloodPressure:
    """Calibrated BP: the cuff reading belongs to the start of the recording.

    The usable 10-s windows (>= ``min_good`` good pulses) in the first ``calibration_s``
    after the first usable one are the calibration reference (median biomarkers); every
    later usable window gets an estimate (``trend``) and the last one is reported. With
    no later window the estimate is the calibration reading (plus the model intercept).
    """
    if sbp_cal_mmhg is None or dbp_cal_mmhg is None:
        raise InvalidArgumentError("calibrated BP needs both sbp_cal_mmhg and dbp_cal_mmhg")
    wins = [w for w in window_biomarkers(analysis, window_s=window_s) if w[2] >= min_good]
    if not wins:
        raise AnalysisError(f"calibrated BP needs a {window_s:g}-s window with >= {min_good} good "
                            f"pulses; the recording has none")
    t_first = wins[0][0]
    cal_w = [w for w in wins if w[0] < t_first + calibration_s]
    later = [w for w in wins if w[0] >= t_first + calibration_s]
    ref: dict[str, float | None] = {}
    for k in CAL_FEATURES:
        v = [w[1][k] for w in cal_w if w[1].get(k) is not None]
        ref[k] = float(np.median(v)) if v else None
    cal = BPCalibration(float(sbp_cal_mmhg), float(dbp_cal_mmhg), ref)
    grade = analysis.quality.grade
    if not later:
        return estimate_bp(ref, calibration=cal, quality=grade)
    trend = []
    est = None
    for t0, bm, _ in later:
        est = estimate_bp(bm, calibration=cal, quality=grade)
        trend.append((round(t0, 2), est.sbp_mmhg, est.dbp_mmhg))
    assert est is not None
    return replace(est, trend=tuple(trend))


def window_biomarkers(analysis: PPGAnalysis, *, window_s: float = 10.0
                      ) -> list[tuple[float, dict[str, float | None], int]]:
    """Segment biomarkers per non-overlapping window: ``(start_s, biomarkers, n_good)``.

    Medians over the good pulses whose systolic peak lies in the window (all pulses in it
    when none is good), plus ``hr_bpm`` from the peak intervals inside the window. Only
    whole windows are returned. Used by the calibrated BP mode and its training.
    """
    if not window_s > 0:
        raise InvalidArgumentError(f"window_s must be > 0; got {window_s!r}")
    fs = analysis.fs
    n = 0 if analysis.cleaned is None else analysis.cleaned.size
    win = round(window_s * fs)
    peaks = analysis.beats.peaks
    good = analysis.quality.beat_good
    out = []
    for lo in range(0, n - win + 1, win):
        sel = (peaks >= lo) & (peaks < lo + win)
        per = {k: v[sel] for k, v in analysis.beat_biomarkers.items()}
        g = good[sel]
        seg = segment_biomarkers(per, g if g.any() else None)
        ibi = np.diff(peaks[sel]) / fs
        ibi = ibi[(ibi >= 0.3) & (ibi <= 2.0)]
        seg["hr_bpm"] = float(60.0 / np.median(ibi)) if ibi.size else None
        out.append((lo / fs, seg, int(g.sum())))
    return out
