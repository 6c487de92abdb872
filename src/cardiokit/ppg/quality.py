"""PPG signal quality: per-pulse template correlation and per-segment skewness SQI.

* Template correlation (Orphanidou C et al. Signal-quality indices for the
  electrocardiogram and photoplethysmogram. IEEE J Biomed Health Inform 19(3):832-838,
  2015): each pulse, onset to next onset resampled to 100 points, is correlated with
  the median pulse; pulses with r >= ``min_correlation`` (0.86, Orphanidou's threshold)
  whose interval is 0.3-2 s and within 50 % of the median interval are "good".
* Skewness SQI (Elgendi M. Optimal signal quality index for photoplethysmogram
  signals. Bioengineering 3(4):21, 2016): skewness of the band-passed PPG; his best
  index, higher is cleaner (clean finger PPG is typically > 0).

Grades ("good", "acceptable", "unusable", as for the ECG): good when >= 80 % of the
pulses are good and the mean correlation is >= 0.9, unusable when fewer than half
are good (or fewer than 2 pulses were found), else acceptable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PPG_GRADES", "PPGQuality", "assess_ppg_quality", "pulse_templates"]

PPG_GRADES = ("good", "acceptable", "unusable")
_N = 100


@dataclass(frozen=True, eq=False)
class PPGQuality:
    """Quality of a PPG segment and of each pulse (``beat_correlation``, ``beat_good``)."""

    grade: str
    skewness: float | None
    mean_correlation: float | None
    good_fraction: float
    n_beats: int
    beat_correlation: np.ndarray
    beat_good: np.ndarray
    issues: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"grade": self.grade, "skewness_sqi": self.skewness,
                "template_correlation": self.mean_correlation,
                "good_beat_fraction": self.good_fraction, "n_beats": self.n_beats,
                "issues": list(self.issues)}


def pulse_templates(y: np.ndarray, onsets: np.ndarray, peaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pulses (onset to next onset) resampled to 100 points: ``(matrix, beat_index)``."""
    rows, idx = [], []
    for i in range(len(onsets) - 1):
        a, b = int(onsets[i]), int(onsets[i + 1])
        if a < 0 or b <= a + 3 or not (a < peaks[i] < b):
            continue
        seg = y[a : b + 1]
        rows.append(np.interp(np.linspace(0, seg.size - 1, _N), np.arange(seg.size), seg))
        idx.append(i)
    if not rows:
        return np.zeros((0, _N)), np.zeros(0, np.int64)
    return np.vstack(rows), np.asarray(idx, np.int64)


def _skew(y: np.ndarray) -> float | None:
    sd = float(y.std())
    if sd <= 0:
        return None
    return float(np.mean(((y - y.mean()) / sd) ** 3))


def assess_ppg_quality(y: np.ndarray, peaks: np.ndarray, onsets: np.ndarray, *, fs_hz: float,
                       min_correlation: float = 0.86) -> PPGQuality:
    """Per-pulse and per-segment quality of the band-passed PPG ``y`` (see module doc)."""
    peaks = np.asarray(peaks, np.int64)
    onsets = np.asarray(onsets, np.int64)
    n = peaks.size
    corr = np.full(n, np.nan)
    good = np.zeros(n, bool)
    issues: list[str] = []
    skew = _skew(np.asarray(y, np.float64))
    M, idx = pulse_templates(y, onsets, peaks)
    if M.shape[0] >= 1:
        Z = M - M.mean(axis=1, keepdims=True)
        tmpl = np.median(Z, axis=0)
        tz = tmpl - tmpl.mean()
        den = np.linalg.norm(Z, axis=1) * np.linalg.norm(tz)
        r = np.where(den > 0, Z @ tz / np.where(den > 0, den, 1), 0.0)
        corr[idx] = r if M.shape[0] > 1 else 1.0
        lens = (onsets[idx + 1] - onsets[idx]) / fs_hz
        med = float(np.median(lens))
        ok_len = (lens >= 0.3) & (lens <= 2.0) & (np.abs(lens - med) <= 0.5 * med)
        good[idx] = (corr[idx] >= min_correlation) & ok_len
    n_meas = int(np.isfinite(corr).sum())
    frac = float(good.sum() / n_meas) if n_meas else 0.0
    mean_r = float(np.nanmean(corr)) if n_meas else None
    if n < 2 or n_meas == 0:
        grade = "unusable"
        issues.append("fewer than 2 complete pulses")
    elif frac < 0.5:
        grade = "unusable"
        issues.append("most pulses differ from the template (motion or arrhythmia)")
    elif frac >= 0.8 and mean_r is not None and mean_r >= 0.9:
        grade = "good"
    else:
        grade = "acceptable"
    if skew is not None and skew < -0.5:
        issues.append("negative skewness (noise, or inverted polarity)")
    return PPGQuality(grade, skew, mean_r, frac, int(n), corr, good, tuple(issues))
