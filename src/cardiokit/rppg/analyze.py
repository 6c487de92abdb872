"""``analyze_video``: remote photoplethysmography from a video recording.

Chain: skin ROI traces (or the reader's whole-frame means) -> pulse (POS by default) ->
pulse rate and SNR -> quality grade. The grade uses the SNR alone with thresholds set a
priori, not tuned on data: ``good`` when the pulse band holds at least as much power at
the rate and its harmonic as elsewhere (SNR >= 0 dB), ``acceptable`` down to -3 dB
(half the power), ``unusable`` below; an unusable estimate is reported but not used as
the recording's heart rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError, InvalidSignalError
from .._core.recording import Recording
from .methods import RPPG_METHODS, extract_pulse
from .rate import PulseRate, pulse_rate
from .roi import skin_traces

__all__ = ["ROI_MODES", "RPPG_GRADES", "RPPGAnalysis", "analyze_video", "video_rgb"]

RPPG_GRADES = ("good", "acceptable", "unusable")
#: ``skin``: mean over skin-coloured pixels of each decoded frame; ``frame``: the reader's
#: whole-frame means (no second decoding pass).
ROI_MODES = ("skin", "frame")
_GOOD_DB, _ACCEPTABLE_DB = 0.0, -3.0


@dataclass(frozen=True)
class RPPGAnalysis:
    """Result of :func:`analyze_video` (``to_dict`` gives the ``rppg`` JSON block)."""

    method: str
    roi: str
    fs: float
    rgb: np.ndarray = field(repr=False)
    pulse: np.ndarray = field(repr=False)
    rate: PulseRate = field(repr=False)
    grade: str
    skin_fraction: float | None

    @property
    def heart_rate_bpm(self) -> float:
        return self.rate.bpm

    @property
    def usable(self) -> bool:
        return self.grade != "unusable"

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "roi": self.roi,
            "fs": self.fs,
            "n_frames": int(self.pulse.size),
            "heart_rate_bpm": round(self.rate.bpm, 2),
            "snr_db": round(self.rate.snr_db, 2),
            "quality": {"grade": self.grade, "snr_db": round(self.rate.snr_db, 2),
                        "skin_fraction": None if self.skin_fraction is None else round(self.skin_fraction, 3)},
            "rate_series": {"times_s": [round(float(t), 2) for t in self.rate.times_s],
                            "bpm": [round(float(b), 2) for b in self.rate.series_bpm]},
        }


def video_rgb(rec: Recording, *, roi: str = "skin") -> tuple[np.ndarray, float | None]:
    """``(n, 3)`` R, G, B traces of a video recording and the mean skin fraction (None for ``frame``)."""
    if roi not in ROI_MODES:
        raise InvalidArgumentError(f"unknown rPPG roi {roi!r}; accepted: {', '.join(ROI_MODES)}")
    if roi == "skin" and rec.frames is not None:
        tr = skin_traces(iter(rec.frames))
        return tr.rgb, tr.mean_skin_fraction
    names = [c.name.lower() for c in rec.channels]
    try:
        idx = [names.index(f"video_{c}") for c in "rgb"]
    except ValueError:
        raise InvalidSignalError(
            f"no video frames and no video_r/video_g/video_b channels in this recording (channels: {', '.join(names)})"
        ) from None
    return np.asarray(rec.signals[:, idx], dtype=np.float64), None


def analyze_video(rec: Recording, *, method: str = "pos", roi: str = "skin") -> RPPGAnalysis:
    """Remote-PPG pulse, heart rate and quality of a video ``Recording`` (see module doc).

    ``method`` is one of :data:`~cardiokit.rppg.methods.RPPG_METHODS` (pos, chrom, green);
    ``roi`` is ``skin`` (decode frames again, skin pixels only) or ``frame``.
    """
    if method not in RPPG_METHODS:
        raise InvalidArgumentError(f"unknown rPPG method {method!r}; accepted: {', '.join(RPPG_METHODS)}")
    rgb, skin = video_rgb(rec, roi=roi if rec.frames is not None else "frame")
    used_roi = roi if rec.frames is not None else "frame"
    fs = float(rec.frames.fps) if rec.frames is not None else float(rec.fs)
    pulse = extract_pulse(rgb, fs, method=method)
    rate = pulse_rate(pulse, fs)
    grade = "good" if rate.snr_db >= _GOOD_DB else "acceptable" if rate.snr_db >= _ACCEPTABLE_DB else "unusable"
    return RPPGAnalysis(method, used_roi, fs, rgb, pulse, rate, grade, skin)
