"""PPG beat detection: systolic peaks and pulse onsets.

Methods (``method=``):

``"elgendi2013"``
    Elgendi M, Norton I, Brearley M, Abbott D, Schuurmans D. Systolic peak detection in
    acceleration photoplethysmograms measured from emergency responders in tropical
    conditions. PLoS ONE 8(10):e76585 (2013). Band-pass 0.5-8 Hz, clip and square, two
    moving averages (111 ms "peak" and 667 ms "beat" windows), blocks of interest where
    the first exceeds the second plus ``0.02 x mean``; one peak per block >= 111 ms.

``"cardiokit"`` (default)
    Elgendi 2013 blocks with three additions for motion and low perfusion: the offset
    ``alpha`` is ``0.02 x`` a *local* mean of the squared signal instead of the global
    one: the smaller of the means over the 5 s before and the 5 s after each sample, so
    a burst of motion (which raises one side only) does not hide the weak beats around it;
    a 300-ms refractory period keeps the taller of two close peaks; and gaps longer
    than 1.6 x the local beat interval are searched again with ``alpha = 0`` (a
    search-back as in Pan & Tompkins 1985), keeping candidates whose pulse amplitude is
    at least 30 % of the neighbouring beats'.

Onsets are the minimum of the band-passed signal between the previous systolic peak
(or 0.75 x the median interval before the first one) and each peak: the pulse foot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cardiokit._core.errors import InvalidArgumentError
from cardiokit.dsp import moving_average
from cardiokit.dsp._fast import true_runs

from .clean import _as_1d, clean_ppg

__all__ = ["BEAT_METHODS", "PPGBeats", "detect_ppg_beats", "pulse_onsets"]

BEAT_METHODS = ("cardiokit", "elgendi2013")


@dataclass(frozen=True, eq=False)
class PPGBeats:
    """Detected pulses: ``peaks`` (systolic peaks) and ``onsets`` (pulse feet).

    Both are int64 sample indices of the same length; ``onsets[i]`` belongs to
    ``peaks[i]`` and is ``-1`` when it could not be found (first pulse cut by the
    start of the record).
    """

    peaks: np.ndarray
    onsets: np.ndarray
    fs: float
    method: str
    n_samples: int = 0
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        p = np.asarray(self.peaks, dtype=np.int64).reshape(-1)
        o = np.asarray(self.onsets, dtype=np.int64).reshape(-1)
        if p.shape != o.shape:
            raise InvalidArgumentError(f"peaks ({p.size}) and onsets ({o.size}) must have the same length")
        for a in (p, o):
            a.flags.writeable = False
        object.__setattr__(self, "peaks", p)
        object.__setattr__(self, "onsets", o)

    def __len__(self) -> int:
        return int(self.peaks.size)

    @property
    def samples(self) -> np.ndarray:
        """Alias of ``peaks`` (the beat fiducial, as :class:`cardiokit.Beats` has)."""
        return self.peaks

    @property
    def times_s(self) -> np.ndarray:
        return self.peaks / self.fs

    @property
    def ibi_s(self) -> np.ndarray:
        """Peak-to-peak intervals in seconds."""
        return np.diff(self.peaks) / self.fs

    @property
    def heart_rate_bpm(self) -> float | None:
        ibi = self.ibi_s
        return float(60.0 / np.median(ibi)) if ibi.size else None

    def to_dict(self) -> dict:
        return {"method": self.method, "fs": self.fs, "systolic_peaks": self.peaks.tolist(),
                "onsets": self.onsets.tolist()}


def _two_sided_level(z: np.ndarray, w: int) -> np.ndarray:
    """min(mean of the ``w`` samples before, mean of the ``w`` samples after) each sample:
    a burst of motion raises only one side, so pulses next to it keep a low threshold."""
    c = np.concatenate(([0.0], np.cumsum(z)))
    i = np.arange(z.size)
    lo = np.maximum(i - w, 0)
    hi = np.minimum(i + 1 + w, z.size)
    left = (c[i + 1] - c[lo]) / (i + 1 - lo)
    right = (c[hi] - c[i]) / (hi - i)
    # near the record's ends one side is too short to be a fair estimate: use the other
    left = np.where(i + 1 - lo >= w // 2, left, np.inf)
    right = np.where(hi - i >= w // 2, right, np.inf)
    return np.minimum(left, right)


def _block_peaks(y: np.ndarray, mask: np.ndarray, min_width: int) -> np.ndarray:
    starts, stops = true_runs(mask)
    keep = (stops - starts) >= min_width
    starts, stops = starts[keep], stops[keep]
    if starts.size == 0:
        return np.zeros(0, np.int64)
    # argmax of y within each block, vectorised with reduceat on a sort-free trick
    out = np.empty(starts.size, np.int64)
    for i, (a, b) in enumerate(zip(starts, stops, strict=True)):
        out[i] = a + int(np.argmax(y[a:b]))
    return out


def _elgendi(y: np.ndarray, fs: float, *, local: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    z = np.where(y > 0, y, 0.0) ** 2
    w1 = max(1, round(0.111 * fs))
    w2 = max(w1 + 1, round(0.667 * fs))
    ma_peak = moving_average(z, width=w1)
    ma_beat = moving_average(z, width=w2)
    if local and z.size > 10 * fs:
        level = _two_sided_level(z, round(5 * fs))
    else:
        level = np.full_like(z, z.mean())
    thr = ma_beat + 0.02 * level
    return _block_peaks(y, ma_peak > thr, w1), ma_peak, ma_beat


def _refractory(y: np.ndarray, peaks: np.ndarray, min_gap: int) -> np.ndarray:
    if peaks.size < 2:
        return peaks
    keep = list(peaks[:1])
    for p in peaks[1:]:
        if p - keep[-1] < min_gap:
            if y[p] > y[keep[-1]]:
                keep[-1] = p
        else:
            keep.append(p)
    return np.asarray(keep, np.int64)


def pulse_onsets(y: np.ndarray, peaks: np.ndarray, *, fs_hz: float) -> np.ndarray:
    """Pulse feet: minimum of ``y`` between the previous peak and each peak (-1 if cut)."""
    peaks = np.asarray(peaks, np.int64)
    out = np.full(peaks.size, -1, np.int64)
    if peaks.size == 0:
        return out
    med = float(np.median(np.diff(peaks))) if peaks.size > 1 else 0.8 * fs_hz
    for i, p in enumerate(peaks):
        a = int(peaks[i - 1]) if i > 0 else int(p - round(0.75 * med))
        a = max(a, int(p - round(1.2 * med)))
        if a < 0:
            a = 0
            seg = y[a : p + 1]
            if seg.size < 2:
                continue
            j = int(np.argmin(seg))
            if j == 0:  # the foot lies before the record starts
                continue
        else:
            seg = y[a : p + 1]
            if seg.size < 2:
                continue
            j = int(np.argmin(seg))
        out[i] = a + j
    return out


def _amplitudes(y: np.ndarray, peaks: np.ndarray, onsets: np.ndarray) -> np.ndarray:
    amp = np.full(peaks.size, np.nan)
    ok = onsets >= 0
    amp[ok] = y[peaks[ok]] - y[onsets[ok]]
    return amp


def _search_back(y: np.ndarray, fs: float, peaks: np.ndarray, ma_peak: np.ndarray,
                 ma_beat: np.ndarray) -> np.ndarray:
    if peaks.size < 3:
        return peaks
    ibi = np.diff(peaks)
    w1 = max(1, round(0.111 * fs))
    added = []
    for i, gap in enumerate(ibi):
        lo_i, hi_i = max(0, i - 4), min(ibi.size, i + 5)
        ref = float(np.median(ibi[lo_i:hi_i]))
        if gap <= 1.6 * ref or gap > 4.0 * ref:
            continue
        a, b = int(peaks[i] + round(0.3 * fs)), int(peaks[i + 1] - round(0.3 * fs))
        if b - a < w1:
            continue
        cand = _block_peaks(y[a:b], ma_peak[a:b] > ma_beat[a:b], max(1, w1 // 2)) + a
        if cand.size == 0:
            continue
        near = peaks[max(0, i - 2) : i + 3]
        near_on = pulse_onsets(y, near, fs_hz=fs)
        ref_amp = np.nanmedian(_amplitudes(y, near, near_on))
        for c in cand:
            foot = int(np.argmin(y[int(peaks[i]) : c + 1])) + int(peaks[i])
            if y[c] - y[foot] >= 0.3 * ref_amp:
                added.append(int(c))
    if not added:
        return peaks
    return np.unique(np.concatenate([peaks, np.asarray(added, np.int64)]))


def detect_ppg_beats(x: np.ndarray, *, fs_hz: float, method: str = "cardiokit",
                     cleaned: np.ndarray | None = None) -> PPGBeats:
    """Systolic peaks and pulse onsets of a single-channel PPG.

    ``x`` is the raw PPG (positive = more blood volume); ``cleaned`` may pass a
    0.5-8 Hz band-passed copy already computed. ``method`` is one of :data:`BEAT_METHODS`.
    Peaks are placed on the maximum of the band-passed signal within each block.
    """
    if method not in BEAT_METHODS:
        raise InvalidArgumentError(f"method must be one of {', '.join(BEAT_METHODS)}; got {method!r}")
    fs = float(fs_hz)
    if not np.isfinite(fs) or fs <= 0:
        raise InvalidArgumentError(f"fs_hz must be a finite number > 0; got {fs_hz!r}")
    arr = _as_1d(x)
    y = cleaned if cleaned is not None else clean_ppg(arr, fs_hz=fs, method="elgendi2013")
    peaks, ma_peak, ma_beat = _elgendi(y, fs, local=(method == "cardiokit"))
    if method == "cardiokit":
        peaks = _refractory(y, peaks, round(0.3 * fs))
        peaks = _search_back(y, fs, peaks, ma_peak, ma_beat)
        peaks = _refractory(y, peaks, round(0.3 * fs))
    onsets = pulse_onsets(y, peaks, fs_hz=fs)
    return PPGBeats(peaks, onsets, fs, method, int(arr.size))
