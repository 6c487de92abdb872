"""ECG signal quality from simple indices, graded per lead and overall.

``assess_quality(rec, beats=...)`` computes for every ECG lead:

==========================  ==========================================================
index                       definition
==========================  ==========================================================
``flat_fraction``           share of 0.5-s windows whose peak-to-peak amplitude is
                            below 10 µV (or exactly constant when the unit is unknown)
``clipping_fraction``       share of samples in runs of >= 3 samples stuck at the
                            lead's extreme value (ADC saturation)
``powerline_ratio``         power within ±1 Hz of 50 and 60 Hz over power in 1-40 Hz
``hf_noise_ratio``          power in 40-150 Hz (mains bands excluded) over 1-40 Hz
``baseline_ratio``          power below 0.7 Hz over power in 0-40 Hz (baseline wander)
``template_correlation``    median Pearson correlation of each beat (-0.2..+0.4 s
                            around the fiducial) with the lead's median beat
                            (needs >= 3 beats; Orphanidou et al. 2015)
==========================  ==========================================================

Each index has a limit for "acceptable" and one for "unusable" (:data:`LIMITS`). A lead
takes the worst grade any index gives it; ``issues`` names the indices over their
limits. The overall grade is the one of :func:`cardiokit.quality.assess.overall_grade`
(``unusable`` when no lead is usable or more than half are unusable, ``good`` when at least
three quarters of the leads are good and none is unusable, else ``acceptable``).

This is the rule-based first version (``method="sqi-rules-v1"``); a learned per-segment
model will fill :attr:`Quality.segments` later without changing this shape.

References: Clifford GD et al. (2012) Signal quality indices and data fusion for
determining clinical acceptability of electrocardiograms. Physiol Meas 33:1419-1433.
Orphanidou C et al. (2015) Signal-quality indices for the electrocardiogram and
photoplethysmogram. IEEE J Biomed Health Inform 19:832-838.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cardiokit._core.errors import InvalidArgumentError
from cardiokit._core.recording import Recording
from cardiokit._core.units import VOLT_TO_MV

from ..quality.assess import _num, overall_grade
from ..quality.indices import _clip_fraction_2d

__all__ = ["GRADES", "LIMITS", "LeadQuality", "Quality", "assess_quality", "overall_grade"]

#: Quality grades, best first.
GRADES = ("good", "acceptable", "unusable")

#: Per index: (limit for "acceptable", limit for "unusable", direction). Direction "above"
#: means values above the limit are worse; "below" means values below it are worse.
LIMITS: dict[str, tuple[float, float, str]] = {
    "flat_fraction": (0.1, 0.5, "above"),
    "clipping_fraction": (0.002, 0.05, "above"),
    "powerline_ratio": (0.05, 1.0, "above"),
    "hf_noise_ratio": (0.3, 3.0, "above"),
    "baseline_ratio": (0.8, math.inf, "above"),
    "template_correlation": (0.9, 0.66, "below"),
}

_UNIT_TO_MV = VOLT_TO_MV
_FLAT_MV = 0.01



@dataclass(frozen=True)
class LeadQuality:
    """Signal quality of one lead: ``grade``, the ``indices`` and the failed ones (``issues``)."""

    lead: str
    grade: str
    indices: Mapping[str, float | None] = field(default_factory=dict)
    issues: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "lead": self.lead,
            "grade": self.grade,
            "indices": {k: _num(v) for k, v in self.indices.items()},
            "issues": list(self.issues),
        }


@dataclass(frozen=True)
class Quality:
    """Signal quality: an overall ``grade``, one entry per lead and (later) per segment.

    ``method`` names the algorithm; ``segments`` stays empty until a per-segment model
    fills it with ``{"start_s", "stop_s", "grade", ...}`` objects.
    """

    grade: str
    leads: tuple[LeadQuality, ...] = ()
    method: str = "sqi-rules-v1"
    segments: tuple[Mapping[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "grade": self.grade,
            "method": self.method,
            "leads": [lq.to_dict() for lq in self.leads],
            "segments": [{k: _num(v) for k, v in dict(s).items()} for s in self.segments],
        }

    @property
    def usable_leads(self) -> tuple[str, ...]:
        """Names of the leads not graded unusable."""
        return tuple(lq.lead for lq in self.leads if lq.grade != "unusable")

    def lead(self, name: str) -> LeadQuality:
        for lq in self.leads:
            if lq.lead.lower() == name.lower():
                return lq
        raise InvalidArgumentError(f"no lead {name!r} in the quality summary; leads: "
                                   + ", ".join(lq.lead for lq in self.leads))


def _nan(v: float | None) -> float:
    return float("nan") if v is None else float(v)


def _flat_fraction(x: np.ndarray, fs: float, scale: float | None) -> np.ndarray:
    w = max(1, round(0.5 * fs))
    n = (x.shape[0] // w) * w
    if n == 0:
        ptp = np.ptp(x, axis=0)[None, :]
    else:
        blocks = x[:n].reshape(-1, w, x.shape[1])
        ptp = blocks.max(axis=1) - blocks.min(axis=1)
    if scale is not None:
        flat = ptp * scale[None, :] < _FLAT_MV
    else:
        flat = ptp <= 0.0
    return flat.mean(axis=0)


def _clipping_fraction(x: np.ndarray) -> np.ndarray:
    """Clipping share per column of ``x`` (samples x leads)."""
    return _clip_fraction_2d(np.asarray(x).T)


def _spectral(x: np.ndarray, fs: float) -> dict[str, np.ndarray]:
    n = x.shape[0]
    seg = min(n, round(4 * fs))
    xd = x - x.mean(axis=0, keepdims=True)
    if n > 2 * seg:
        from scipy.signal import welch

        f, p = welch(xd, fs=fs, nperseg=seg, axis=0, detrend=False)
    else:
        from scipy import fft

        p = np.abs(fft.rfft(xd * np.hanning(n)[:, None].astype(xd.dtype), axis=0)) ** 2
        f = np.fft.rfftfreq(n, 1.0 / fs)
    c = np.vstack([np.zeros((1, p.shape[1])), np.cumsum(p, axis=0)])

    def band(lo: float, hi: float) -> np.ndarray:
        i, j = np.searchsorted(f, [lo, hi])
        return c[j] - c[i]

    mains = [(k * line - 1.0, k * line + 1.0) for line in (50.0, 60.0) for k in (1, 2, 3)]
    hf_hi = min(150.0, 0.5 * fs)
    hf = band(40.0, hf_hi) - sum(
        (band(max(lo, 40.0), min(hi, hf_hi)) for lo, hi in mains if hi > 40.0 and lo < hf_hi),
        np.zeros(p.shape[1]),
    )
    sig = band(1.0, 40.0)
    tiny = np.finfo(float).tiny
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = np.maximum(sig, tiny)
        line = np.maximum(band(49.0, 51.0), band(59.0, 61.0))
        base = band(0.0, 0.7) / np.maximum(band(0.0, 40.0), tiny)
        out = {
            "powerline_ratio": np.where(sig > 0, line / denom, np.nan),
            "hf_noise_ratio": np.where(sig > 0, np.maximum(hf, 0.0) / denom, np.nan),
            "baseline_ratio": np.where(sig > 0, base, np.nan),
        }
    if fs <= 2 * 51:  # mains band not representable
        out["powerline_ratio"] = np.full(x.shape[1], np.nan)
    if fs <= 2 * 45:
        out["hf_noise_ratio"] = np.full(x.shape[1], np.nan)
    return out


def _template_correlation(x: np.ndarray, beats: np.ndarray, fs: float) -> np.ndarray:
    """Median correlation of each beat with the median beat, per lead (NaN with < 3 beats)."""
    m = x.shape[1]
    a, b = round(0.2 * fs), round(0.4 * fs)
    inner = beats[(beats >= a) & (beats + b < x.shape[0])]
    if inner.size < 3:
        return np.full(m, np.nan)
    idx = inner[:, None] + np.arange(-a, b)[None, :]
    win = x[idx]  # (beats, window, leads)
    win = win - win.mean(axis=1, keepdims=True)
    tmpl = np.median(win, axis=0)  # (window, leads)
    num = np.einsum("bwl,wl->bl", win, tmpl)
    den = np.linalg.norm(win, axis=1) * np.linalg.norm(tmpl, axis=0)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.where(den > 0, num / den, 0.0)
    return np.median(corr, axis=0)


def _grade(indices: Mapping[str, float | None]) -> tuple[str, tuple[str, ...]]:
    level, issues = 0, []
    for name, (acc, bad, direction) in LIMITS.items():
        v = indices.get(name)
        if v is None or not math.isfinite(v):
            continue
        worse_bad = v > bad if direction == "above" else v < bad
        worse_acc = v > acc if direction == "above" else v < acc
        if worse_bad:
            level = 2
            issues.append(name)
        elif worse_acc:
            level = max(level, 1)
            issues.append(name)
    return GRADES[level], tuple(issues)


def assess_quality(
    rec: Recording,
    *,
    beats: np.ndarray | Any | None = None,
    cleaned: Recording | None = None,
    leads: Sequence[int] | None = None,
    base: Quality | None = None,
) -> Quality:
    """Per-lead and overall signal quality of the ECG leads of ``rec``.

    Parameters
    ----------
    rec
        The recording as read (indices are computed on raw signals).
    beats
        Beat fiducials (a :class:`~cardiokit._core.results.Beats` or sample indices);
        enables ``template_correlation``.
    cleaned
        The cleaned recording, used for the beat templates (raw ``rec`` otherwise).
    base
        An earlier result for the same leads (without beats): its indices are reused and
        only ``template_correlation`` is computed.
    leads
        Channel indices to assess (default: every ``ecg`` channel, else every channel).
    """
    if leads is None:
        leads = [i for i, c in enumerate(rec.channels) if c.kind == "ecg"] or list(range(rec.n_channels))
    leads = list(leads)
    if not leads:
        raise InvalidArgumentError("assess_quality needs at least one lead")
    x = np.asarray(rec.signals[:, leads], dtype=np.float64)
    fs = rec.fs
    scales = [_UNIT_TO_MV.get(rec.channels[i].unit.strip().lower()) for i in leads]
    scale = None if any(s is None for s in scales) else np.asarray(scales, float)
    if base is not None and len(base.leads) == len(leads):
        values = {k: np.array([_nan(lq.indices.get(k)) for lq in base.leads])
                  for k in base.leads[0].indices if k != "template_correlation"}
    else:
        values = {
            "flat_fraction": _flat_fraction(x, fs, scale),
            "clipping_fraction": _clipping_fraction(x),
            **_spectral(x, fs),
        }
    if beats is not None:
        samples = np.asarray(getattr(beats, "samples", beats), dtype=np.int64)
        src = x if cleaned is None else np.asarray(cleaned.signals[:, leads], dtype=np.float64)
        values["template_correlation"] = _template_correlation(src, samples, fs)
    out = []
    for j, ci in enumerate(leads):
        ind = {k: _num(v[j]) for k, v in values.items()}
        if (ind.get("flat_fraction") or 0.0) >= 1.0:
            # a dead lead: spectral ratios and templates mean nothing
            ind = {k: (v if k in ("flat_fraction", "clipping_fraction") else None) for k, v in ind.items()}
        grade, issues = _grade(ind)
        out.append(LeadQuality(rec.channels[ci].name, grade, ind, issues))
    return Quality(overall_grade([lq.grade for lq in out]), tuple(out))
