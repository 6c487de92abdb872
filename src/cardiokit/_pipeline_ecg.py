"""The ECG branch's inputs and derived values for :func:`cardiokit.pipeline.analyze`.

Lead preparation (standard lead names, limb leads derived from two of I, II, III, the
flat-line and calibration check) and the values the statements read besides the
measurements (rhythm features from the delineation, per-lead QRS amplitudes, the report's
measurement dictionary). The stages themselves are chained in :mod:`cardiokit.pipeline`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from ._core.recording import Recording
from ._core.units import VOLT_TO_MV
from .dsp._fast import col_max, percentile1
from .interpret._rhythm import strip_range
from .report.model import MEASUREMENT_KEYS
from .report.statements import RhythmFeatures


def _rhythm_features(dl: Any, fs: float) -> RhythmFeatures:
    """Rhythm features of the delineated beats: share of beats with a P wave, PR interquartile range,
    RR range of beats with P waves (per 10-s window over 20 s or more: ``strip_range``) and RR
    coefficient of variation over usable beats."""
    g = np.asarray(dl.global_)
    n = g.shape[0]
    if n == 0:
        return RhythmFeatures(0)
    # a handful of beats: plain Python on lists (the numbers numpy gives, up to rounding)
    b_l = np.asarray(dl.beats).tolist()
    # beats left out as unusable in every lead (delineate(quality=)) show no P wave because
    # they were not looked at: they count neither for nor against the P-wave share, and neither
    # do beats left out in most leads (an electrode pop or noise on one limb electrode reaches up
    # to 11 of 12 leads: the few leads left cannot settle a small P wave)
    seen = dl.usable_beats.tolist()
    looked_p = dl.p_readable_beats.tolist()
    has_p: list[bool] = []
    pr_v: list[float] = []
    for (p_on, p_pk, _, qrs_on), b in zip(g[:, :4].tolist(), b_l, strict=True):
        start = qrs_on if qrs_on >= 0 else b
        # the fused P offset may overlap the fused QRS onset by a few samples: use the P peak
        hp = 0 <= p_pk < start
        has_p.append(hp)
        if hp and p_on >= 0 and qrs_on >= 0:
            pr_v.append((start - p_on) / fs * 1000.0)
    pr_iqr = percentile1(pr_v, 75) - percentile1(pr_v, 25) if len(pr_v) >= 3 else None
    rr_l = [(b - a) / fs * 1000.0 for (a, u), (b, v) in pairwise(zip(b_l, seen, strict=True)) if u and v]
    # the sinus cycles: between beats with a P wave (a beat whose P wave could not be read takes part)
    p_or_unread = [h or not u for h, u in zip(has_p, looked_p, strict=True)]
    pairs = [(a, b) for (a, pa), (b, pb) in pairwise(zip(b_l, p_or_unread, strict=True)) if pa and pb]
    rr_range = strip_range([b / fs for _, b in pairs], [(b - a) / fs * 1000.0 for a, b in pairs])
    rr_cv = None
    if len(rr_l) >= 2:
        mean = math.fsum(rr_l) / len(rr_l)
        if mean > 0:
            rr_cv = math.sqrt(math.fsum((v - mean) ** 2 for v in rr_l) / len(rr_l)) / mean
    # a beat within 0.3 s of the start cannot show its P wave: leave it out of the share
    edge = round(0.3 * fs)
    room = [h for h, b, u in zip(has_p, b_l, looked_p, strict=True) if b >= edge and u]
    looked = [h for h, u in zip(has_p, looked_p, strict=True) if u]
    p_frac = sum(room) / len(room) if room else (sum(looked) / len(looked) if looked else None)
    return RhythmFeatures(int(n), p_frac, pr_iqr, rr_range, rr_cv)


def _as_ecg(ecg: Recording) -> Recording:
    """``ecg`` with every channel of kind "ecg" and each lead named the standard way
    (``"Lead II"``, ``"ECG II"``, ``"DII"`` -> ``"II"``:
    :func:`cardiokit._core.leads.standard_lead_name`), so the axis, the per-lead criteria and
    the lead tables find their leads. Names that differ from the standard one only in case
    (``"ii"``) are kept, and so are names of no standard lead or of one given twice."""
    from ._core.leads import standard_lead_name
    from ._core.recording import Channel

    std = [standard_lead_name(c.name) for c in ecg.channels]
    names = [s if s is not None and std.count(s) == 1 and s.lower() != c.name.lower() else c.name
             for s, c in zip(std, ecg.channels, strict=True)]
    if all(c.kind == "ecg" and n == c.name for n, c in zip(names, ecg.channels, strict=True)):
        return ecg
    return ecg._evolve(channels=tuple(Channel(n, "ecg", c.unit) for n, c in zip(names, ecg.channels, strict=True)))


def _with_limb_leads(ecg: Recording) -> tuple[Recording, tuple[str, ...]]:
    """``ecg`` plus the limb leads it lacks, computed from two of I, II, III recorded in the
    same unit (8-lead exports store I, II, V1-V6 only), and their names. Without them the
    axes come from two leads and the criteria that read III, aVL or aVF see nothing."""
    from ._core.leads import STANDARD_LEADS, derive_limb_leads, standard_lead_name
    from ._core.recording import Channel

    std = [standard_lead_name(c.name) for c in ecg.channels]
    have = {s: j for j, s in enumerate(std) if s is not None and std.count(s) == 1}
    missing = [n for n in STANDARD_LEADS[:6] if n not in std]
    base = [n for n in ("I", "II", "III") if n in have]
    if not missing or len(base) < 2 or len({ecg.channels[have[n]].unit for n in base[:2]}) != 1:
        return ecg, ()
    x = np.asarray(ecg.signals)
    a, b = (x[:, have[n]].astype(np.float64) for n in base[:2])
    # I and II from the two recorded ones (III = II - I)
    if base[:2] == ["I", "II"]:
        i, ii = a, b
    elif base[:2] == ["I", "III"]:
        i, ii = a, a + b
    else:  # II and III
        i, ii = a - b, a
    every = {"I": i, "II": ii, **derive_limb_leads(i, ii)}  # Einthoven (1913), Goldberger (1942)
    cols = [every[n] for n in missing]
    unit = ecg.channels[have[base[0]]].unit
    signals = np.concatenate([x, np.stack(cols, axis=1).astype(x.dtype)], axis=1)
    channels = (*ecg.channels, *(Channel(n, "ecg", unit) for n in missing))
    return ecg._evolve(signals=signals, channels=channels), tuple(missing)


def _qrs_amplitude(cleaned: Recording, idx: Sequence[int], beats: np.ndarray, dl: Any) -> dict[str, float]:
    """Median QRS peak-to-peak amplitude (mV) per lead over the beats.

    Each beat's QRS is the lead's delineated onset to offset (R +- 60 ms where not found),
    clipped to the record; only the windows' samples are gathered, laid end to end, and
    all windows are reduced at once (``reduceat`` at their starts)."""
    x = cleaned.signals
    fs = cleaned.fs
    half = max(1, round(0.06 * fs))
    out: dict[str, float] = {}
    per = np.asarray(dl.per_lead) if dl is not None and len(dl.leads) == len(idx) else None
    if beats.size == 0:
        return out
    n = x.shape[0]
    scales = [VOLT_TO_MV.get(cleaned.channels[ci].unit.strip().lower()) for ci in idx]
    use = [j for j, sc in enumerate(scales) if sc is not None]
    if not use:
        return out
    lo0, hi0 = beats - half, beats + half
    if per is not None:
        lo, hi = per[use, :, 3], per[use, :, 5]
        ok = (lo >= 0) & (hi > lo)
        on, off = np.where(ok, lo, lo0), np.where(ok, hi, hi0)
    else:
        on, off = np.repeat(lo0[None, :], len(use), axis=0), np.repeat(hi0[None, :], len(use), axis=0)
    on = np.minimum(np.maximum(on, 0), n - 1)
    off = np.minimum(np.maximum(off, 0), n - 1)
    keep = off > on
    # the windows' samples (rows on..off of the lead's column), window after window
    first, length = on[keep], (off - on + 1)[keep]
    xa = np.ascontiguousarray(x)
    cols = np.asarray([idx[j] for j in use])
    starts = np.cumsum(length) - length
    at = (first - starts) * xa.shape[1] + np.broadcast_to(cols[:, None], keep.shape)[keep]
    step = np.repeat(at, length)
    step += np.arange(step.size) * xa.shape[1]  # element (on + i, col) of the flat C-ordered signals
    vals = xa.reshape(-1)[step]
    ptp = np.full(keep.shape, np.nan, x.dtype)
    d = np.maximum.reduceat(vals, starts) - np.minimum.reduceat(vals, starts) if starts.size else vals
    ptp[keep] = d
    # as np.median: NaN for a lead where a window holds NaN (no window: left out)
    nan_row = (np.isnan(ptp) & keep).any(axis=1) if np.isnan(d).any() else np.zeros(len(use), bool)
    # per lead the median of its beats' values (np.median: the middle one, or the mean of
    # the two middle ones); NaN (no window) sorts last
    ptp.sort(axis=1)
    cnt = keep.sum(axis=1)
    rows = np.arange(len(use))
    lo_v = ptp[rows, np.maximum((cnt - 1) // 2, 0)]
    hi_v = ptp[rows, np.maximum(cnt // 2, 0)]
    med = np.where(cnt % 2 == 1, hi_v, (lo_v + hi_v) / np.asarray(2, x.dtype))
    med[nan_row] = np.nan
    for k, j in enumerate(use):
        if cnt[k]:
            out[cleaned.channels[idx[j]].name] = float(med[k]) * scales[j]
    return out


def _lead_ranges(ecg: Recording) -> tuple[bool, bool]:
    """(every lead is a flat line, amplitudes look calibrated) from one pass over the signals.

    Flat: >= 99 % of 0.5-s windows under 10 µV peak-to-peak (constant when the unit is
    unknown). Not calibrated: every lead (of >= 3) spans the same range, i.e. amplitudes were
    normalised per lead (e.g. the LUDB 1.0.1 release, each lead spanning exactly 1 mV), so
    absolute-voltage rules (low QRS voltage, hypertrophy) must not run.
    """
    x = ecg.signals
    n, n_leads = x.shape
    w = max(1, round(0.5 * ecg.fs))
    m = n // w
    top, bottom = col_max(x), col_max(x, np.minimum)
    scales = [VOLT_TO_MV.get(c.unit.strip().lower()) for c in ecg.channels]
    unknown = any(v is None for v in scales)
    # lead by lead, up to the first one that is not flat (usually the first)
    all_flat = True
    for j in range(n_leads):
        if m:
            blk = x[: m * w, j].copy().reshape(m, w)
            ptp = blk.max(axis=1) - blk.min(axis=1)
        else:
            ptp = (top[j : j + 1] - bottom[j : j + 1])
        flat = ptp <= 0.0 if unknown else ptp.astype(np.float64) * scales[j] < 0.01
        if np.count_nonzero(flat) / flat.size < 0.99:
            all_flat = False
            break
    if n_leads < 3:
        return all_flat, True
    span = (top - bottom).astype(np.float64)
    big = float(span.max())
    return all_flat, big <= 0 or float(span.max() - span.min()) / big > 0.005


def _measure_dict(meas: Any) -> dict[str, Any]:
    """The report's measurements: every key of ``MEASUREMENT_KEYS`` (None when absent) plus
    the other scalar values of ``meas``."""
    from .ecg.measure import Measurements

    # the report keeps the numbers only: no per-lead amplitudes or HRV to build
    d = meas.to_dict(details=False) if isinstance(meas, Measurements) else (
        meas.to_dict() if hasattr(meas, "to_dict") else dict(meas))
    return {k: d.get(k) for k in MEASUREMENT_KEYS} | {
        k: v for k, v in d.items() if k not in MEASUREMENT_KEYS and _json_scalar(v)
    }


def _json_scalar(v: Any) -> bool:
    """``v`` is None, a bool, a number or a string."""
    return v is None or isinstance(v, (bool, int, float, str, np.integer, np.floating))
