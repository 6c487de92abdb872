"""PPG fiducial points of every pulse, on the signal and its first three derivatives.

Points (pyPPG / Charlton et al. 2022 names), one int64 sample index per beat, ``-1`` when
absent:

====  ==============================================================================
on    pulse onset: minimum between the previous systolic peak and this one
sp    systolic peak: maximum of the pulse
off   pulse end: the next pulse's onset (``-1`` for the last pulse)
dn    dicrotic notch: the first local minimum of the PPG after ``sp`` followed by a
      local maximum within 75 % of the pulse; without one, the ``e`` point (maximum
      of PPG'' that marks the notch inflection)
dp    diastolic peak: the local maximum after ``dn``; without one, the ``w`` point
u     maximum slope: maximum of PPG' between ``on`` and ``sp``
v     minimum of PPG' between ``sp`` and ``dn`` (steepest systolic decline)
w     maximum of PPG' within 25 % of the pulse after ``dn``
a     maximum of PPG'' before ``u`` (early systolic positive wave)
b     minimum of PPG'' between ``a`` and ``sp``
e     the highest local maximum of PPG'' after ``sp`` and ``b``, before 60 % of the pulse
d     the lowest local minimum of PPG'' between ``b`` and ``e``
c     the highest local maximum of PPG'' between ``b`` and ``d`` (or ``e``); when
      PPG'' has neither, ``c`` = ``d`` = its flattest point (minimum of abs(PPG''')),
      as pyPPG merges them
f     minimum of PPG'' within 15 % of the pulse after ``e``
p1    early systolic component: first local maximum of PPG''' between ``b`` and ``e``
p2    late systolic component: the local maximum of the PPG between ``p1`` and ``dn``
      when there is one, else the ``d`` point
====  ==============================================================================

Derivatives are Savitzky-Golay (cubic, ~31 ms window) of the 0.5-12 Hz band-passed PPG.
References: Elgendi M. On the analysis of fingertip photoplethysmogram signals. Curr
Cardiol Rev 8(1):14-25 (2012); Takazawa K et al. Assessment of vasoactive agents and
vascular aging by the second derivative of photoplethysmogram waveform. Hypertension
32(2):365-370 (1998); Goda MA, Charlton PH, Behar JA. pyPPG. Physiol Meas 45 (2024).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import argrelextrema, savgol_filter

from cardiokit._core.errors import InvalidArgumentError

__all__ = ["FIDUCIAL_POINTS", "Fiducials", "derivatives", "find_fiducials"]

FIDUCIAL_POINTS = ("on", "sp", "off", "dn", "dp", "u", "v", "w", "a", "b", "c", "d", "e", "f",
                   "p1", "p2")


@dataclass(frozen=True, eq=False)
class Fiducials:
    """Fiducial sample indices: ``points[name]`` is an int64 array, one entry per pulse."""

    points: dict[str, np.ndarray]
    fs: float
    n_beats: int

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.points:
            raise InvalidArgumentError(f"no fiducial {name!r}; points: {', '.join(FIDUCIAL_POINTS)}")
        return self.points[name]

    def to_dict(self) -> dict[str, list[int]]:
        return {k: v.tolist() for k, v in self.points.items()}


def derivatives(y: np.ndarray, *, fs_hz: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First, second and third derivative (per second^k) by Savitzky-Golay smoothing."""
    win = max(7, round(0.031 * fs_hz) | 1)
    if win > y.size:
        win = y.size if y.size % 2 else y.size - 1
    if win < 5:
        z = np.zeros_like(y)
        return z, z.copy(), z.copy()
    dt = 1.0 / fs_hz
    return tuple(savgol_filter(y, win, 4 if k == 3 else 3, deriv=k, delta=dt) for k in (1, 2, 3))  # type: ignore[return-value]


def _local(x: np.ndarray, a: int, b: int, kind: str) -> np.ndarray:
    """Indices (absolute) of strict local maxima/minima of ``x`` within ``(a, b)``."""
    if b - a < 3:
        return np.zeros(0, np.int64)
    seg = x[a:b]
    idx = argrelextrema(seg, np.greater if kind == "max" else np.less)[0]
    return (idx + a).astype(np.int64)


def _arg(x: np.ndarray, a: int, b: int, kind: str) -> int:
    if b <= a:
        return -1
    seg = x[a:b]
    return a + int(np.argmax(seg) if kind == "max" else np.argmin(seg))


def find_fiducials(y: np.ndarray, peaks: np.ndarray, onsets: np.ndarray, *, fs_hz: float,
                   derivs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> Fiducials:
    """Fiducial points of each pulse of the band-passed PPG ``y`` (see the module table).

    ``peaks``/``onsets`` come from :func:`cardiokit.ppg.detect_ppg_beats`; the peak is
    moved to the maximum of ``y`` between its onset and the next onset, and the onset
    to the minimum of ``y`` within 50 ms of the detector's.
    """
    y = np.asarray(y, np.float64)
    fs = float(fs_hz)
    d1, d2, d3 = derivs if derivs is not None else derivatives(y, fs_hz=fs)
    n = int(np.asarray(peaks).size)
    P = {k: np.full(n, -1, np.int64) for k in FIDUCIAL_POINTS}
    peaks = np.asarray(peaks, np.int64)
    onsets = np.asarray(onsets, np.int64).copy()
    r = max(1, round(0.05 * fs))
    for i in range(n):
        if onsets[i] >= 0:
            lo = max(0, onsets[i] - r)
            hi = min(int(peaks[i]), onsets[i] + r + 1)
            if hi > lo:
                onsets[i] = lo + int(np.argmin(y[lo:hi]))
    med_len = float(np.median(np.diff(onsets[onsets >= 0]))) if (onsets >= 0).sum() > 1 else 0.8 * fs
    for i in range(n):
        on = int(onsets[i])
        if on < 0:
            continue
        off = int(onsets[i + 1]) if i + 1 < n and onsets[i + 1] > peaks[i] else -1
        T = (off - on) if off > 0 else int(med_len)
        end = min(y.size, on + T + 1)
        if end - on < max(5, 0.25 * T):
            continue
        sp = _arg(y, on, min(end, int(peaks[i]) + r + 1), "max")
        if sp <= on:
            continue
        P["on"][i], P["sp"][i], P["off"][i] = on, sp, off
        u = _arg(d1, on, sp + 1, "max")
        P["u"][i] = u
        a = _arg(d2, on, u + 1, "max") if u > on else on
        P["a"][i] = a
        b = _arg(d2, a + 1, sp + 1, "min") if sp > a + 1 else -1
        P["b"][i] = b
        lim60 = min(end, on + int(0.6 * T))
        start_e = max(sp, b + 1 if b >= 0 else sp)
        cand = _local(d2, start_e, lim60, "max")
        e = int(cand[np.argmax(d2[cand])]) if cand.size else -1
        P["e"][i] = e
        if b >= 0 and e > b:
            dd = _local(d2, b + 1, e, "min")
            d = int(dd[np.argmin(d2[dd])]) if dd.size else -1
            cc = _local(d2, b + 1, d if d >= 0 else e, "max")
            c = int(cc[np.argmax(d2[cc])]) if cc.size else -1
            if c < 0 and d < 0 and e - b > 2:  # c and d merge: the flattest point of PPG''
                c = d = b + 1 + int(np.argmin(np.abs(d3[b + 1 : e])))
            P["c"][i], P["d"][i] = c, d
            p1c = _local(d3, b, e, "max")
            P["p1"][i] = int(p1c[0]) if p1c.size else -1
        if e >= 0:
            P["f"][i] = _arg(d2, e + 1, min(end, e + int(0.15 * T) + 1), "min")
        lim75 = min(end, on + int(0.75 * T))
        mins = _local(y, sp + 1, lim75, "min")
        dn = dp = -1
        for m in mins:
            maxs = _local(y, int(m) + 1, min(end, on + int(0.9 * T)), "max")
            if maxs.size:
                dn, dp = int(m), int(maxs[0])
                break
        if dn < 0 and e >= 0:
            dn = e
        P["dn"][i] = dn
        if dn >= 0:
            P["v"][i] = _arg(d1, sp + 1, dn + 1, "min") if dn > sp + 1 else -1
            w = _arg(d1, dn + 1, min(end, dn + int(0.25 * T) + 1), "max")
            P["w"][i] = w
            P["dp"][i] = dp if dp >= 0 else w
        p1 = int(P["p1"][i])
        if p1 >= 0:
            stop = dn if dn > p1 else sp + int(0.25 * T)
            m2 = _local(y, p1 + 1, min(end, stop), "max")
            P["p2"][i] = int(m2[-1]) if m2.size else int(P["d"][i])
    for v in P.values():
        v.flags.writeable = False
    return Fiducials(P, fs, n)
