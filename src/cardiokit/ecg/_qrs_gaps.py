"""QRS-like complexes inside long RR intervals: :func:`qrs_like_in_gaps`.

A pause in a beat series is either a real one (sinus arrest, AV block, asystole) or beats the
detector missed: an adaptive threshold raised by a large complex can stay above a run of small
ones (MIT-BIH 208 at 209.5-210.6 s: three beats of 0.12-0.18 times the usual size in the 5-22 Hz
band, a 2.2-s "pause" in a record without pauses). Adding such beats back costs false beats
elsewhere (a 0.1 amplitude limit did on MIT-BIH 200), so the Holter summary only says which
pauses hold complexes shaped like the record's own beats: the reader checks those traces. The
shape test is the template correlation Hamilton and Tompkins (1986) use to tell QRS complexes
from noise, in the detector's QRS band.
"""

from __future__ import annotations

import numpy as np

from ._qrs_common import _beat_windows, _unit_rows, band

__all__ = ["qrs_like_in_gaps"]

#: A complex inside a gap counts when its 5-22 Hz peak is at least this share of the beats'
#: median one, its +-60-ms window correlates at least this well with the beats' median complex
#: (best of +-10 ms shifts), and it lies this far (s) from the beats bounding the gap.
MIN_AMPLITUDE, MIN_CORRELATION, EDGE_S = 0.1, 0.8, 0.2


def _correlation(x: np.ndarray, c: int, unit_tmpl: np.ndarray, half: int, shift: int) -> float:
    """Largest Pearson correlation of the unit-norm, centred template with the window of ``x``
    centred within +-``shift`` samples of ``c``."""
    idx = c + np.arange(-shift, shift + 1)[:, None] + np.arange(-half, half + 1)[None, :]
    return float(np.max(_unit_rows(x[idx], 1) @ unit_tmpl))


def qrs_like_in_gaps(x: np.ndarray, fs: float, beats: np.ndarray, min_gap_s: float) -> dict[int, int]:
    """For every RR interval of ``beats`` (ascending samples of the ECG ``x``, ``(n,)`` or
    ``(n, leads)``) longer than ``min_gap_s``: how many QRS-like complexes lie inside it, keyed
    by the sample of the beat that opens it.

    The lead whose beats stand out most in the 5-22 Hz band is read. Inside a gap, local |band|
    maxima at least :data:`EDGE_S` from its ends and 0.2 s apart count when they reach
    :data:`MIN_AMPLITUDE` x the beats' median peak and correlate >= :data:`MIN_CORRELATION` with
    their median +-60-ms complex. Empty with fewer than 4 beats or no such gap."""
    beats = np.asarray(beats, np.int64)
    sig = np.asarray(x, np.float64)
    sig = sig[:, None] if sig.ndim == 1 else sig
    gaps = np.flatnonzero(np.diff(beats) > min_gap_s * fs) if beats.size >= 4 else np.zeros(0, np.int64)
    if gaps.size == 0:
        return {}
    y = band(sig, fs, 5.0, 22.0)
    half, shift, near = max(2, round(0.06 * fs)), max(1, round(0.01 * fs)), max(1, round(0.05 * fs))
    inner = beats[(beats >= half + near) & (beats < y.shape[0] - half - near)]
    if inner.size < 4:
        return {}
    idx = inner[:, None] + np.arange(-near, near + 1)[None, :]
    peaks_all = np.abs(y[idx])  # (beats, window, leads)
    lead = int(np.argmax(np.median(peaks_all.max(axis=1), axis=0) / (np.median(np.abs(y), axis=0) + 1e-12)))
    z = y[:, lead]
    peaks = idx[np.arange(inner.size), np.argmax(peaks_all[:, :, lead], axis=1)]
    tmpl = _unit_rows(np.median(_beat_windows(z, peaks, fs, 0.06), axis=0)[None, :], 1)[0]
    amp = float(np.median(np.abs(z[peaks])))
    edge, gap_min = round(EDGE_S * fs), round(0.2 * fs)
    out: dict[int, int] = {}
    for i in gaps:
        lo, hi = int(beats[i]) + edge, int(beats[i + 1]) - edge
        if hi - lo < 3:
            out[int(beats[i])] = 0
            continue
        seg = np.abs(z[lo:hi])
        mid = seg[1:-1]
        cand = np.flatnonzero((mid >= seg[:-2]) & (mid > seg[2:])) + 1 + lo
        cand = cand[np.abs(z[cand]) >= MIN_AMPLITUDE * amp]
        kept: list[int] = []
        for c in cand[np.argsort(-np.abs(z[cand]), kind="stable")]:
            if all(abs(int(c) - k) >= gap_min for k in kept) and _correlation(z, int(c), tmpl, half, shift) >= MIN_CORRELATION:
                kept.append(int(c))
        out[int(beats[i])] = len(kept)
    return out
