"""Holter-length recordings: ``analyze_long(path) -> HolterSummary`` with bounded memory.

The recording is read in overlapping chunks (:func:`cardiokit.io.chunks.iter_chunks`); each
chunk goes through :func:`cardiokit.analyze`. Beats are stitched across chunk borders by
keeping from each chunk only the beats inside its core (each chunk is read with
``overlap_s`` of context on both sides, so a border beat is detected with full context)
and dropping any beat closer than ``refractory_s`` to the previous one (a beat seen on
both sides of a border with a one-sample difference). Only beat times and per-chunk
numbers are kept, so memory does not grow with the recording's length beyond ~10 bytes
per beat.

Summary (``HolterSummary.to_dict()``): beat count, heart-rate trend per minute (and
min/mean/max of the minute means), HRV over the whole recording (time domain over every
NN interval, SDANN and SDNN index over 5-min segments, frequency domain as the mean of
the 5-min segment spectra as the Task Force (1996) advises for long-term recordings),
median interval measurements over the chunks, signal-quality grades per chunk, the rhythm
class of each chunk as minutes per class and the AF burden (% of analysed time the rhythm
model calls atrial fibrillation; chunk resolution), and pauses (RR longer than
``pause_s``, 2 s by default as in common Holter practice), and the second- and third-degree AV
block episodes (10-s windows of each chunk, :mod:`cardiokit.ecg.atrial`; adjacent windows of one
kind merged), and the ectopic beats from the per-beat classes (ventricular and supraventricular
counts, burden, couplets and runs: :func:`ectopy_summary`). Beats in stretches graded unusable
in every lead (``quality.unusable_segments`` of each chunk) are counted (``n_beats``,
``n_beats_unusable``) and kept in the pauses, but their intervals are left out of the HR trend
and the HRV.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._core.errors import AnalysisError, InvalidArgumentError
from ..dsp._fast import true_runs

__all__ = ["LONG_RECORDING_S", "HolterSummary", "analyze_long", "ectopy_summary", "holter_report", "probe_duration",
           "stitch_beats"]

_MEAS = ("heart_rate_bpm", "rr_ms", "p_duration_ms", "pr_ms", "qrs_ms", "qt_ms", "qtc_ms")
_SEGMENT_S = 300.0
_FREQ = ("vlf_ms2", "lf_ms2", "hf_ms2", "total_power_ms2", "lf_hf", "lf_nu", "hf_nu")


def _f(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class HolterSummary:
    """The long-recording summary; see the module notes. ``beats`` holds the stitched beat
    sample indices (int64, whole-file numbering)."""

    source: str
    sha256: str | None
    fs: float
    duration_s: float
    n_channels: int
    channels: tuple[str, ...]
    n_beats: int
    hr_trend: tuple[dict[str, Any], ...]
    heart_rate: dict[str, float | None]
    hrv: dict[str, Any]
    measurements: dict[str, float | None]
    quality: dict[str, int]
    rhythm_minutes: dict[str, float]
    rhythm_per_chunk: tuple[str, ...]
    af_burden_pct: float | None
    pauses: dict[str, Any]
    n_chunks: int
    chunk_s: float
    overlap_s: float
    streaming: bool
    errors: tuple[dict[str, Any], ...] = ()
    timing_s: float = 0.0
    beats: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)
    #: beats in stretches unusable in every lead: counted, not in the HR trend or the HRV
    n_beats_unusable: int = 0
    #: second- and third-degree AV block episodes: start_s, stop_s (whole-file time), av_block
    av_block_episodes: tuple[dict[str, Any], ...] = ()
    #: ventricular and supraventricular ectopic beats from the beat classes (:func:`ectopy_summary`)
    ectopy: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "sha256": self.sha256, "fs": self.fs, "duration_s": self.duration_s,
            "n_channels": self.n_channels, "channels": list(self.channels), "n_beats": self.n_beats,
            "n_beats_unusable": self.n_beats_unusable,
            "heart_rate": self.heart_rate, "hr_trend": [dict(m) for m in self.hr_trend], "hrv": self.hrv,
            "measurements": self.measurements, "quality": self.quality,
            "rhythm_minutes": self.rhythm_minutes, "rhythm_per_chunk": list(self.rhythm_per_chunk),
            "af_burden_pct": self.af_burden_pct, "pauses": self.pauses,
            "av_block_episodes": [dict(e) for e in self.av_block_episodes],
            "ectopy": self.ectopy,
            "n_chunks": self.n_chunks,
            "chunk_s": self.chunk_s, "overlap_s": self.overlap_s, "streaming": self.streaming,
            "errors": [dict(e) for e in self.errors], "timing_s": round(self.timing_s, 3),
        }

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)


def stitch_beats(parts: list[np.ndarray], *, fs: float, refractory_s: float = 0.2) -> np.ndarray:
    """Concatenate per-chunk core beats (ascending chunks) and drop beats closer than
    ``refractory_s`` to the beat kept before them."""
    return _stitch(parts, fs, refractory_s)[0]


def _stitch(parts: list[np.ndarray], fs: float, refractory_s: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`stitch_beats` and, for each beat kept, its position in the concatenated ``parts``."""
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    b = np.concatenate([np.asarray(p, np.int64) for p in parts])
    order = np.argsort(b, kind="stable")
    b = b[order]
    if b.size < 2:
        return b, order
    gap = round(refractory_s * fs)
    if not np.any(np.diff(b) < gap):
        return b, order
    keep = np.ones(b.size, bool)
    last = b[0]
    for i in range(1, b.size):
        if b[i] - last < gap:
            keep[i] = False
        else:
            last = b[i]
    return b[keep], order[keep]


def _nn_mask(rr_s: np.ndarray, *, min_rr_s: float = 0.25, max_rr_s: float = 2.5, max_change: float = 0.2) -> np.ndarray:
    """Normal-to-normal intervals: in range and within ``max_change`` of the previous interval."""
    ok = (rr_s >= min_rr_s) & (rr_s <= max_rr_s)
    prev = np.concatenate([[rr_s[0]], rr_s[:-1]]) if rr_s.size else rr_s
    ok &= np.abs(rr_s - prev) <= max_change * prev
    return ok


def _hrv_long(beats: np.ndarray, fs: float, seen: np.ndarray | None = None) -> dict[str, Any]:
    """Long-term HRV; ``seen`` (per beat): intervals touching a beat unusable in every lead
    are not NN."""
    from ..ecg.hrv import hrv_from_rr

    if beats.size < 3:
        return {"n_nn": 0}
    t = beats / fs
    rr = np.diff(t)
    ok = _nn_mask(rr)
    if seen is not None:
        ok &= seen[1:] & seen[:-1]
    nn = rr[ok] * 1000.0
    out: dict[str, Any] = {"n_nn": int(nn.size), "n_excluded": int(rr.size - nn.size)}
    if nn.size < 3:
        return out
    pairs = ok[1:] & ok[:-1]
    d = np.diff(rr * 1000.0)[pairs]
    out.update(mean_nn_ms=float(nn.mean()), sdnn_ms=float(nn.std(ddof=1)),
               rmssd_ms=float(np.sqrt(np.mean(d**2))) if d.size else None,
               pnn50_pct=float(100.0 * np.sum(np.abs(d) > 50) / nn.size) if d.size else None)
    bin_ms = 1000.0 / 128.0
    hist, _ = np.histogram(nn, bins=np.arange(0, nn.max() + bin_ms, bin_ms))
    out["triangular_index"] = float(nn.size / hist.max())
    # 5-min segments: SDANN, SDNN index, and the mean of the segment spectra
    seg = np.floor(t[1:] / _SEGMENT_S).astype(np.int64)
    means, sds, spectra = [], [], {k: [] for k in _FREQ}
    for s in np.unique(seg):
        m = (seg == s)
        x = rr[m & ok] * 1000.0
        if x.size < 20:
            continue
        means.append(x.mean())
        sds.append(x.std(ddof=1))
        h = hrv_from_rr(rr[m], valid=ok[m], correction="none")
        for k in _FREQ:
            v = _f(getattr(h, k, None))
            if v is not None:
                spectra[k].append(v)
    out["n_segments_5min"] = len(means)
    out["sdann_ms"] = float(np.std(means, ddof=1)) if len(means) >= 2 else None
    out["sdnn_index_ms"] = float(np.mean(sds)) if sds else None
    for k, vals in spectra.items():
        out[k] = float(np.mean(vals)) if vals else None
    return out


def _hr_trend(beats: np.ndarray, fs: float, duration_s: float, seen: np.ndarray | None = None
              ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Heart rate per minute from its NN intervals (>= 5 of them; ``seen`` as in :func:`_hrv_long`)."""
    n_min = max(1, math.ceil(duration_s / 60.0))
    trend: list[dict[str, Any]] = []
    if beats.size >= 2:
        t = beats[1:] / fs
        rr = np.diff(beats) / fs
        ok = _nn_mask(rr)
        if seen is not None:
            ok &= seen[1:] & seen[:-1]
        minute = np.minimum((t // 60).astype(np.int64), n_min - 1)
        counts = np.bincount((beats / fs // 60).astype(np.int64).clip(0, n_min - 1), minlength=n_min)
        sums = np.bincount(minute[ok], weights=rr[ok], minlength=n_min)
        nn = np.bincount(minute[ok], minlength=n_min)
    else:
        counts = np.zeros(n_min, np.int64)
        sums = np.zeros(n_min)
        nn = np.zeros(n_min, np.int64)
    hrs = []
    for i in range(n_min):
        hr = float(60.0 / (sums[i] / nn[i])) if nn[i] >= 5 else None
        if hr is not None:
            hrs.append(hr)
        trend.append({"minute": i, "n_beats": int(counts[i]), "hr_bpm": None if hr is None else round(hr, 2)})
    summary = {"min_bpm": min(hrs) if hrs else None, "mean_bpm": float(np.mean(hrs)) if hrs else None,
               "max_bpm": max(hrs) if hrs else None}
    return trend, summary


def _pauses(beats: np.ndarray, fs: float, pause_s: float, seen: np.ndarray | None = None,
            qrs_like: dict[int, int] | None = None) -> dict[str, Any]:
    """RR intervals longer than ``pause_s``: count, longest and the first 50 (start s, length s,
    ``unusable``: a bounding beat lies in a stretch unusable in every lead, per ``seen``, and
    ``qrs_like_inside``: QRS-like complexes inside it, :func:`cardiokit.ecg._qrs_gaps.
    qrs_like_in_gaps`, keyed in ``qrs_like`` by the opening beat; None when not searched).
    Reported whatever the signal quality: a flat stretch may be asystole or a lead off, and
    complexes inside may be beats the detector missed, which only the trace tells apart."""
    if beats.size < 2:
        return {"threshold_s": pause_s, "count": 0, "longest_s": None, "events": []}
    rr = np.diff(beats) / fs
    idx = np.flatnonzero(rr > pause_s)
    bad = np.zeros(rr.size, bool) if seen is None else ~(seen[1:] & seen[:-1])
    found = qrs_like or {}
    events = [{"start_s": round(float(beats[i] / fs), 3), "length_s": round(float(rr[i]), 3),
               "unusable": bool(bad[i]), "qrs_like_inside": found.get(int(beats[i]))} for i in idx[:50]]
    return {"threshold_s": pause_s, "count": int(idx.size),
            "longest_s": round(float(rr[idx].max()), 3) if idx.size else None, "events": events}


def analyze_long(
    path: str | os.PathLike[str],
    *,
    chunk_s: float = 300.0,
    overlap_s: float = 10.0,
    fs: float | None = None,
    kind: str | None = None,
    sha256: str | None = None,
    refractory_s: float = 0.2,
    pause_s: float = 2.0,
    on_chunk: Callable[[int, int], None] | None = None,
) -> HolterSummary:
    """Summarise a long recording read in chunks (see the module notes).

    ``on_chunk(done, total)`` is called after each chunk (progress bars). Chunks whose
    analysis failed are listed in ``errors`` (chunk index, start in s, stage, message) and
    contribute no beats; the summary goes on.
    """
    from ..ecg._qrs_gaps import qrs_like_in_gaps
    from ..io.chunks import chunk_source, iter_chunks
    from ..pipeline import _ecg_indices, analyze

    if not 0 < refractory_s < 2:
        raise InvalidArgumentError(f"refractory_s must be between 0 and 2 s; got {refractory_s!r}")
    if not 1.0 <= pause_s <= 10.0:
        raise InvalidArgumentError(f"pause_s must be between 1 and 10 s; got {pause_s!r}")
    t0 = time.perf_counter()
    src = chunk_source(path, fs=fs, kind=kind)
    n_chunks = max(1, math.ceil(src.n_samples / max(1, round(chunk_s * src.fs))))
    parts: list[np.ndarray] = []
    seen_parts: list[np.ndarray] = []  # per core beat: usable in at least one lead
    label_parts: list[np.ndarray] = []  # per core beat: its class (N, V, A, P; "?" unclassified)
    meas: dict[str, list[float]] = {k: [] for k in _MEAS}
    weights: dict[str, list[float]] = {k: [] for k in _MEAS}
    grades: dict[str, int] = {}
    rhythm_s: dict[str, float] = {}
    chunk_rhythm: list[str] = []
    errors: list[dict[str, Any]] = []
    av_episodes: list[dict[str, Any]] = []
    qrs_like: dict[int, int] = {}  # per pause in a chunk's core: QRS-like complexes inside it
    names: tuple[str, ...] = ()
    for ch in iter_chunks(src, chunk_s=chunk_s, overlap_s=overlap_s):
        names = ch.recording.channel_names
        if ch.index == 0 and not _ecg_indices(ch.recording):
            have = ", ".join(f"{c.name} ({c.kind})" for c in ch.recording.channels)
            raise AnalysisError(f"a Holter summary needs ECG channels; this recording has {have} "
                                f"(use cardiokit analyze for PPG and heart sounds, or --kind ecg if "
                                f"these channels are ECG leads)")
        rep = analyze(ch.recording)
        for e in rep.errors:
            errors.append({"chunk": ch.index, "start_s": round(ch.core_start / src.fs, 3), "stage": e.stage,
                           "type": e.type, "message": e.message})
        if rep.quality is not None:
            grades[rep.quality.grade] = grades.get(rep.quality.grade, 0) + 1
        av_episodes += _av_episodes(rep, ch, src.fs)
        label = rep.rhythm.label if rep.rhythm is not None and rep.rhythm.label else "unclassified"
        chunk_rhythm.append(label)
        rhythm_s[label] = rhythm_s.get(label, 0.0) + (ch.core_stop - ch.core_start) / src.fs
        if rep.beats is not None and len(rep.beats):
            b = np.asarray(rep.beats.samples, np.int64) + ch.start
            in_core = (b >= ch.core_start) & (b < ch.core_stop)
            core = b[in_core]
            parts.append(core)
            if rep.cleaned is not None:
                for at, k in qrs_like_in_gaps(rep.cleaned.signals, src.fs, b - ch.start, pause_s).items():
                    if ch.core_start <= at + ch.start < ch.core_stop:
                        qrs_like[at + ch.start] = k
            dl = rep.delineation
            u = dl.usable_beats if dl is not None and dl.n_beats == b.size else np.ones(b.size, bool)
            seen_parts.append(u[in_core])
            bc = getattr(rep.morphology, "beats", None)
            lab = np.asarray(bc.labels if bc is not None and len(bc.labels) == b.size else ("?",) * b.size, "<U1")
            if label == "af":  # an irregular ventricular response: its early beats are no PACs
                lab[lab == "A"] = "N"
            label_parts.append(lab[in_core])
            for k in _MEAS:
                v = _f(rep.measurements.get(k))
                if v is not None:
                    meas[k].append(v)
                    weights[k].append(float(core.size))
        del rep
        if on_chunk is not None:
            on_chunk(ch.index + 1, n_chunks)
    beats, kept = _stitch(parts, src.fs, refractory_s)
    seen = np.concatenate(seen_parts)[kept] if seen_parts else np.ones(0, bool)
    labels = np.concatenate(label_parts)[kept] if label_parts else np.zeros(0, "<U1")
    duration = src.n_samples / src.fs
    # beats unusable in every lead (quality.unusable_segments) stay counted and in the pauses,
    # but their intervals are left out of the HR trend and the HRV
    trend, hr = _hr_trend(beats, src.fs, duration, seen)
    medians = {k: (_weighted_median(meas[k], weights[k]) if meas[k] else None) for k in _MEAS}
    return HolterSummary(
        source=str(path), sha256=sha256, fs=src.fs, duration_s=duration, n_channels=len(names), channels=names,
        n_beats=int(beats.size), hr_trend=tuple(trend), heart_rate=hr, hrv=_hrv_long(beats, src.fs, seen),
        n_beats_unusable=int(np.count_nonzero(~seen)),
        measurements=medians, quality=grades,
        rhythm_minutes={k: round(v / 60.0, 2) for k, v in sorted(rhythm_s.items())},
        rhythm_per_chunk=tuple(chunk_rhythm),
        af_burden_pct=_af_burden(rhythm_s), pauses=_pauses(beats, src.fs, pause_s, seen, qrs_like), n_chunks=n_chunks, chunk_s=float(chunk_s),
        overlap_s=float(overlap_s), streaming=src.streaming, errors=tuple(errors),
        timing_s=time.perf_counter() - t0, beats=beats, av_block_episodes=tuple(_merge_episodes(av_episodes)),
        ectopy=ectopy_summary(beats, labels, src.fs, duration),
    )


#: the most runs listed one by one in the summary (all are counted)
_MAX_RUNS = 50


def ectopy_summary(beats: np.ndarray, labels: np.ndarray, fs: float, duration_s: float) -> dict[str, Any]:
    """Ectopic beats of a long recording from the per-beat classes (``labels``: N, V, A, P or
    "?" for beats not classified, e.g. in a chunk graded unusable), as a Holter report counts
    them (Crawford et al. 1999, ACC/AHA guidelines for ambulatory ECG; early beats of chunks read
    as atrial fibrillation are not counted as supraventricular ectopy): per class the count,
    the rate per hour, the burden (% of the classified beats), isolated beats, couplets and
    runs of >= 3 in a row; each run with its start, length and rate (a ventricular run at
    > 100 bpm is non-sustained ventricular tachycardia when shorter than 30 s); and per hour of
    the recording its beats and ectopic beats (``hourly``). Accuracy of
    the classes: docs/BENCHMARKS.md, "Beat classes (MIT-BIH)"."""
    labels = np.asarray(labels, "<U1")
    n_cls = int(np.count_nonzero(labels != "?"))
    hours = duration_s / 3600.0
    out: dict[str, Any] = {"classified_beats": n_cls, "unclassified_beats": int(labels.size - n_cls)}
    runs: list[dict[str, Any]] = []
    for key, code in (("ventricular", "V"), ("supraventricular", "A")):
        hit = labels == code
        n = int(np.count_nonzero(hit))
        starts, stops = true_runs(hit)  # maximal runs of consecutive beats of this class
        lengths = stops - starts
        for a, k in zip(starts.tolist(), lengths.tolist(), strict=True):
            if k >= 3:
                span = float(beats[a + k - 1] - beats[a - 1]) / fs if a > 0 else None
                rate = 60.0 * k / span if span else None
                runs.append({"kind": key, "start_s": round(float(beats[a] / fs), 3), "beats": k,
                             "rate_bpm": None if rate is None else round(rate, 1)})
        out[key] = {
            "count": n, "per_hour": round(n / hours, 1) if hours > 0 else None,
            "burden_pct": round(100.0 * n / n_cls, 2) if n_cls else None,
            "isolated": int(np.count_nonzero(lengths == 1)), "couplets": int(np.count_nonzero(lengths == 2)),
            "runs": int(np.count_nonzero(lengths >= 3)), "longest_run": int(lengths.max()) if lengths.size else 0,
        }
    out["paced_pct"] = round(100.0 * np.count_nonzero(labels == "P") / n_cls, 2) if n_cls else None
    runs.sort(key=lambda r: r["start_s"])
    out["run_events"] = runs[:_MAX_RUNS]
    # the hourly table of a Holter report: beats and ectopic beats per hour of the recording
    hour = (np.asarray(beats, np.int64) / (3600.0 * fs)).astype(np.int64)
    n_hours = max(1, math.ceil(duration_s / 3600.0), int(hour.max()) + 1 if hour.size else 1)
    per = {k: np.bincount(hour[m], minlength=n_hours).tolist() for k, m in
           (("beats", np.ones(hour.size, bool)), ("ventricular", labels == "V"), ("supraventricular", labels == "A"))}
    out["hourly"] = [{"hour": h, **{k: v[h] for k, v in per.items()}} for h in range(n_hours)]
    return out


def _av_episodes(rep: Any, ch: Any, fs: float) -> list[dict[str, Any]]:
    """The chunk's AV-block episodes (its statement's 10-s windows, or the whole chunk when it
    was judged at once), in whole-file seconds, clipped to the chunk's core."""
    out = []
    for st in rep.statements:
        if "av_block" not in st.evidence:  # only the second/third-degree statements carry the kind
            continue
        eps = st.evidence.get("episodes") or [{"start_s": 0.0, "stop_s": (ch.stop - ch.start) / fs,
                                               "av_block": st.evidence.get("av_block")}]
        for e in eps:
            a = max(ch.start / fs + float(e["start_s"]), ch.core_start / fs)
            b = min(ch.start / fs + float(e["stop_s"]), ch.core_stop / fs)
            if b > a:
                out.append({"start_s": round(a, 1), "stop_s": round(b, 1), "av_block": str(e["av_block"])})
    return out


def _merge_episodes(eps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adjacent (or overlapping) episodes of one kind joined."""
    out: list[dict[str, Any]] = []
    for e in sorted(eps, key=lambda e: e["start_s"]):
        if out and out[-1]["av_block"] == e["av_block"] and e["start_s"] <= out[-1]["stop_s"] + 0.05:
            out[-1]["stop_s"] = max(out[-1]["stop_s"], e["stop_s"])
        else:
            out.append(dict(e))
    return out


def _af_burden(rhythm_s: dict[str, float]) -> float | None:
    """Percent of the classified time called atrial fibrillation (None when nothing was classified)."""
    total = sum(v for k, v in rhythm_s.items() if k != "unclassified")
    return round(100.0 * rhythm_s.get("af", 0.0) / total, 2) if total > 0 else None


def _weighted_median(values: list[float], weights: list[float]) -> float:
    v = np.asarray(values, np.float64)
    w = np.asarray(weights, np.float64)
    if not np.any(w > 0):
        return float(np.median(v))
    order = np.argsort(v)
    cw = np.cumsum(w[order])
    return float(v[order][np.searchsorted(cw, 0.5 * cw[-1])])


#: Batch runs send recordings longer than this (seconds) through :func:`analyze_long`.
LONG_RECORDING_S = 3600.0
_STREAMING_FORMATS = ("ishne", "wfdb", "edf")


def probe_duration(path: str | os.PathLike[str], *, fs: float | None = None, kind: str | None = None
                   ) -> tuple[float, tuple[dict[str, str], ...], str] | None:
    """``(duration_s, channels, format)`` from the header of a streamable file (ISHNE, WFDB,
    EDF) without reading its samples; ``None`` for other formats (they are read whole anyway)
    and for recordings without ECG channels (a Holter summary is an ECG summary: those are
    analysed whole, PPG and heart sounds included)."""
    from ..io import detect_format
    from ..io.chunks import chunk_source
    from ..pipeline import _ecg_indices

    spec = detect_format(path)
    if spec.name not in _STREAMING_FORMATS:
        return None
    src = chunk_source(path, fs=fs, kind=kind)
    first = src.read(0, min(src.n_samples, 1))
    if not _ecg_indices(first):
        return None
    chans = tuple({"name": c.name, "kind": c.kind, "unit": c.unit} for c in first.channels)
    return src.n_samples / src.fs, chans, spec.name


def analyze_if_long(path: str | os.PathLike[str], *, long_s: float | None = None, fs: float | None = None,
                    kind: str | None = None, sha256: str | None = None,
                    subject: dict[str, Any] | None = None, source: str | None = None) -> Any:
    """The Holter :class:`~cardiokit.report.Report` of a streamable recording (ISHNE, WFDB, EDF)
    longer than ``long_s`` seconds (default :data:`LONG_RECORDING_S`), analysed in chunks by
    :func:`analyze_long`; None for shorter or other recordings and for headers that cannot be
    read (the whole-file read reports those). ``source`` names the input in the report (default
    the path). Errors of the chunked analysis propagate (:class:`CardiokitError`, OSError)."""
    from .._core.errors import CardiokitError

    limit = LONG_RECORDING_S if long_s is None else float(long_s)
    try:
        probe = probe_duration(path, fs=fs, kind=kind)
    except (CardiokitError, OSError):
        return None
    if probe is None or probe[0] <= limit:
        return None
    summary = analyze_long(path, fs=fs, kind=kind, sha256=sha256)
    if source is not None:
        summary = dataclasses.replace(summary, source=source)
    return holter_report(summary, channels=probe[1], fmt=probe[2], subject=dict(subject or {}))


def holter_report(summary: HolterSummary, *, channels: tuple[dict[str, str], ...], fmt: str | None,
                  subject: dict[str, Any] | None = None) -> Any:
    """A :class:`~cardiokit.report.Report` for the store from a Holter summary: chunk-median
    measurements, mean heart rate, the dominant rhythm class, the stitched beats, and the
    whole summary in ``holter``."""
    from .. import __version__
    from .._core.results import Beats
    from ..report.model import RecordingSummary, Report, Rhythm

    classified = {k: v for k, v in summary.rhythm_minutes.items() if k != "unclassified"}
    label = max(classified, key=classified.__getitem__) if classified else None
    meas = dict(summary.measurements)
    meas["heart_rate_bpm"] = summary.heart_rate.get("mean_bpm")
    meas["n_beats"] = summary.n_beats
    meas["af_burden_pct"] = summary.af_burden_pct
    rec = RecordingSummary(channels=channels, fs=summary.fs, duration_s=summary.duration_s,
                           n_samples=round(summary.duration_s * summary.fs),
                           kinds=tuple(sorted({c["kind"] for c in channels})), format=fmt,
                           subject=dict(subject or {}))
    return Report(source=summary.source, recording=rec, measurements=meas,
                  rhythm=Rhythm(label, None, "holter-chunks (majority of chunk labels)"),
                  holter=summary.to_dict(), sha256=summary.sha256,
                  timing_ms={"holter": round(summary.timing_s * 1000.0, 3)}, cardiokit_version=__version__,
                  beats=Beats(summary.beats, summary.fs, "cardiokit-chunked"))
