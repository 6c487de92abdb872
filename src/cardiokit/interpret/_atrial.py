"""Atrial activity between the QRS complexes: the periodicity test of atrial flutter.

Typical atrial flutter shows continuous, regular flutter waves (a sawtooth in II, III, aVF,
Page 2016) at an atrial rate of about 240-340 /min, best seen in II, III, aVF and V1, with a
regular (2:1, 4:1) or variable ventricular response. Atrial fibrillation shows no repeating atrial
activity. Because the flutter waves of a fixed-ratio flutter are time-locked to the QRS,
average-beat (QRST) cancellation would remove them; this test instead blanks the QRS
complexes only, high-passes the signal above the T-wave band and measures how strongly the
remaining atrial activity repeats at one cycle length of the flutter range: the normalised
autocorrelation (QRS samples left out of every lag product) at its highest local maximum
between 60/340 and 60/240 s, and at twice that lag (a periodic sawtooth repeats; a T wave
or an isolated P wave does not).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ATRIAL_CRITERIA: dict[str, Any] = {
    "flutter_rate_per_min": (240.0, 340.0),
    "flutter_periodicity_from": 0.65,  # normalised autocorrelation at one flutter cycle
    "flutter_periodicity_2_from": 0.4,  # ... and at two cycles
    "flutter_min_leads": 2,  # of II, III, aVF, V1
    "atrial_leads": ("ii", "iii", "avf", "v1"),
    "qrs_blank_ms": (-60.0, 80.0),  # around each beat fiducial
    "highpass_hz": 3.0,
    "min_duration_s": 4.0,
    "analysis_fs_hz": 125.0,
}


@dataclass(frozen=True)
class AtrialActivity:
    """Per lead: the atrial cycle (ms) and periodicity at one and two cycles; ``leads``
    lists the leads meeting the flutter criteria."""

    per_lead: dict[str, dict[str, float]] = field(default_factory=dict)
    leads: tuple[str, ...] = ()

    @property
    def rate_per_min(self) -> float | None:
        cyc = [self.per_lead[x]["cycle_ms"] for x in self.leads]
        return 60000.0 / float(np.median(cyc)) if cyc else None

    def to_dict(self) -> dict[str, Any]:
        r = self.rate_per_min
        return {"flutter_leads": list(self.leads), "atrial_rate_per_min": None if r is None else round(r, 1),
                "per_lead": {k: {kk: round(vv, 3) for kk, vv in v.items()} for k, v in self.per_lead.items()}}


def _highpass(x: np.ndarray, fs: float, hz: float) -> np.ndarray:
    """Zero-phase high-pass: the signal minus its centred moving average over 1/hz s."""
    w = max(3, round(fs / hz) | 1)
    pad = np.pad(x, ((w // 2 + 1, w // 2), (0, 0)), mode="edge")
    cs = np.cumsum(pad, axis=0)
    return x - (cs[w:] - cs[:-w]) / w


def atrial_activity(signals: np.ndarray, fs: float, leads: Sequence[str], beats: np.ndarray) -> AtrialActivity | None:
    """The flutter periodicity test on ``signals`` (``(n_samples, n_leads)``, cleaned ECG)
    with beat fiducials ``beats`` (sample indices); None when too short or no atrial lead."""
    c = ATRIAL_CRITERIA
    names = [str(x).lower() for x in leads]
    idx = [names.index(x) for x in c["atrial_leads"] if x in names]
    sig = np.asarray(signals)
    if not idx or sig.ndim != 2 or sig.shape[0] < c["min_duration_s"] * fs:
        return None
    # block means to ~125 Hz: flutter waves (fundamental <= 6 Hz) keep their shape, and the
    # test stays well under a millisecond
    q = max(1, int(fs // c["analysis_fs_hz"]))
    m = sig.shape[0] // q * q
    x = sig[0:m:q, idx].astype(np.float64)
    for r in range(1, q):
        x += sig[r:m:q, idx]
    x /= q
    fs = fs / q
    beats = np.asarray(beats, np.int64) // q
    x = _highpass(x, fs, c["highpass_hz"])
    n = x.shape[0]
    w = np.ones(n)
    lo, hi = (round(v / 1000.0 * fs) for v in c["qrs_blank_ms"])
    for b in beats:
        w[max(0, b + lo): max(0, min(n, b + hi))] = 0.0
    x = x * w[:, None]
    nfft = 1 << int(np.ceil(np.log2(n + 2 * int(np.ceil(60.0 / c["flutter_rate_per_min"][0] * fs)) + 4)))
    rxx = np.fft.irfft(np.abs(np.fft.rfft(x, nfft, axis=0)) ** 2, nfft, axis=0)
    rww = np.fft.irfft(np.abs(np.fft.rfft(w, nfft)) ** 2, nfft)
    kmin = int(np.floor(60.0 / c["flutter_rate_per_min"][1] * fs))
    kmax = int(np.ceil(60.0 / c["flutter_rate_per_min"][0] * fs))
    if 2 * kmax + 1 >= n or rww[0] <= 0:
        return None
    cnt = np.maximum(rww[: 2 * kmax + 2], 1.0)
    acf = rxx[: 2 * kmax + 2] / cnt[:, None]
    acf = acf / np.maximum(acf[0], 1e-12)
    per: dict[str, dict[str, float]] = {}
    hits: list[str] = []
    for j, li in enumerate(idx):
        a = acf[:, j]
        seg = a[kmin: kmax + 1]
        k = kmin + int(np.argmax(seg))
        if not (kmin < k < kmax) or a[k] < a[k - 1] or a[k] < a[k + 1]:
            per[names[li]] = {"cycle_ms": k / fs * 1000.0, "periodicity": float(a[k]), "periodicity_2": 0.0}
            continue
        p2 = float(np.max(a[2 * k - 1: 2 * k + 2]))
        per[names[li]] = {"cycle_ms": k / fs * 1000.0, "periodicity": float(a[k]), "periodicity_2": p2}
        if a[k] >= c["flutter_periodicity_from"] and p2 >= c["flutter_periodicity_2_from"]:
            hits.append(names[li])
    return AtrialActivity(per, tuple(hits) if len(hits) >= c["flutter_min_leads"] else ())
