"""Artefacts of ambulatory and wearable ECG, added to real records for beat-detection stress tests.

Each scenario takes one lead ``x`` (mV), its reference beats ``ref`` (samples), ``fs`` and a
random generator, and returns the altered lead and the reference beats that remain (beats
inside a lead-off stretch are gone; pauses remove beats and move the later ones).
Shared by ``bench.bench_beats`` (section "Artefact stress") and the detector tests.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Scenario = Callable[[np.ndarray, np.ndarray, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]


def electrode_pops(n: int, fs: float, rng: np.random.Generator, *, every_s: float = 20.0,
                   amp_mv: tuple[float, float] = (3.0, 3.0), tau_s: float = 0.7,
                   span: tuple[int, int] | None = None, count: int | None = None) -> np.ndarray:
    """Baseline steps of an electrode losing and regaining contact: a jump of ``amp_mv`` (random
    sign; a uniform draw between the two values) decaying with ``tau_s``. ``count`` pops at
    random samples of ``span`` (default the whole signal), else one every ``every_s`` (+-3 s)."""
    t = np.arange(n)
    out = np.zeros(n)
    if count is not None:
        lo, hi = span if span is not None else (1, n - 1)
        starts = rng.integers(lo, hi, size=count)
    else:
        starts = np.array([c + rng.integers(-round(3 * fs), round(3 * fs))
                           for c in range(round(every_s / 2 * fs), n, round(every_s * fs))])
    for c in starts[(starts > 0) & (starts < n)]:
        out[c:] += rng.choice([-1.0, 1.0]) * rng.uniform(*amp_mv) * np.exp(-(t[c:] - c) / (tau_s * fs))
    return out


def pops(x: np.ndarray, ref: np.ndarray, fs: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """+-3 mV electrode pops (decay 0.7 s) about every 20 s."""
    return x + electrode_pops(x.size, fs, rng), ref


def gain_steps(x: np.ndarray, ref: np.ndarray, fs: float, rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray]:
    """The amplitude jumping between 30-s stretches: x1, x1/3, x1, x3, ..."""
    n = round(30 * fs)
    g = np.tile([1.0, 1 / 3, 1.0, 3.0], x.size // (4 * n) + 1)
    return x * np.repeat(g, n)[: x.size], ref


def lead_off(x: np.ndarray, ref: np.ndarray, fs: float, rng: np.random.Generator
             ) -> tuple[np.ndarray, np.ndarray]:
    """3 s of a flat line (the last value held) every 60 s; the beats there leave the reference."""
    y = x.copy()
    keep = np.ones(ref.size, bool)
    pad = round(0.05 * fs)
    for c in range(round(30 * fs), x.size - round(3 * fs), round(60 * fs)):
        e = c + round(3 * fs)
        y[c:e] = y[c - 1]
        keep &= ~((ref >= c - pad) & (ref < e + pad))
    return y, ref[keep]


def pauses(x: np.ndarray, ref: np.ndarray, fs: float, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray]:
    """Sinus pauses of 2.5-6 s every 25-45 beats: from 450 ms after a beat to 250 ms before the
    next, the lead is replaced by a ramp between the two levels plus the local noise."""
    parts, out_ref, pos, shift = [], [], 0, 0
    i = 20
    while i < ref.size - 30:
        a_end, b_start = ref[i] + round(0.45 * fs), ref[i + 1] - round(0.25 * fs)
        fill = round(rng.uniform(2.5, 6.0) * fs) - (a_end - ref[i]) - (ref[i + 1] - b_start)
        seg = x[pos:a_end]
        parts.append(seg)
        out_ref.extend((ref[(ref >= pos) & (ref < a_end)] - pos + shift).tolist())
        shift += seg.size
        sd = np.std(np.diff(x[a_end: a_end + round(0.1 * fs)])) / np.sqrt(2)
        parts.append(np.linspace(x[a_end - 1], x[b_start], fill) + rng.normal(0.0, sd, fill))
        shift += fill
        pos = b_start
        i += int(rng.integers(25, 45))
    parts.append(x[pos:])
    out_ref.extend((ref[ref >= pos] - pos + shift).tolist())
    return np.concatenate(parts), np.asarray(out_ref, np.int64)


def unpaced_spikes(x: np.ndarray, ref: np.ndarray, fs: float, rng: np.random.Generator
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Pacemaker pulses that capture nothing: a 2-sample biphasic 2-mV spike half way between
    two beats, every fourth beat (AAMI EC13 asks heart-rate meters to reject them)."""
    y = x.copy()
    for k in range(5, ref.size - 1, 4):
        c = (ref[k] + ref[k + 1]) // 2
        y[c] += 2.0
        y[c + 1] -= 0.6
    return y, ref


def polarity_flip(x: np.ndarray, ref: np.ndarray, fs: float, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The second half inverted (electrodes swapped mid-recording)."""
    y = x.copy()
    y[x.size // 2:] *= -1.0
    return y, ref


SCENARIOS: dict[str, Scenario] = {
    "electrode pops": pops,
    "gain steps x1/3, x3": gain_steps,
    "lead off 3 s / min": lead_off,
    "sinus pauses 2.5-6 s": pauses,
    "unpaced pacemaker spikes": unpaced_spikes,
    "polarity flip": polarity_flip,
}
