"""``simulate_ecg``: synthetic 12-lead ECG with known beats and wave boundaries.

The model (see :mod:`._waves`, :mod:`._rr`, :mod:`._leads`, :mod:`._noise`):

1. an RR process - sinus rhythm with the LF/HF spectrum of ECGSYN (McSharry et al. 2003),
   or the irregular intervals of atrial fibrillation;
2. a heart vector (Frank X, Y, Z) made of Gaussian P, Q, R, S, T events around each R peak,
   the 3-D extension of ECGSYN (Sameni et al. 2007), with PR, QRS and QT as requested
   (QT adapts to the preceding RR interval by Fridericia's formula unless ``qt_ms`` is set);
   in AF the P waves are replaced by fibrillatory f-waves; with an AV block
   (:mod:`._av`) the P waves follow the atrial rhythm and only conducted ones a QRS;
3. projection onto the 12 leads through electrode potentials (Dower transform), so
   Einthoven's and Goldberger's relations hold exactly;
4. optional electrode noise (baseline wander, EMG, powerline) at a given SNR.

Unlike ECGSYN the events are placed in time rather than in phase of a limit cycle: in
phase, QRS and PR would shrink with the RR interval; here they stay as set, and the
ground truth is exact. The returned recording carries it as the annotation set
``"truth"`` in the QT Database convention (``(`` onset, ``p``/``N``/``t`` peak, ``)``
offset; ``N`` at the R peak; waves cut by the record's edges are left out) and as
``meta["truth"]`` (mean intervals and axes, the keys of ``Measurements.to_dict``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .._core.annotations import Annotations
from .._core.errors import InvalidArgumentError
from .._core.recording import Channel, Recording
from ._av import AV_BLOCKS, atrial_rate_for, av_plan
from ._leads import (
    _LEAD_WEIGHTS,
    VCG_LEADS,
    electrodes_from_vcg,
    leads_from_electrodes,
    resolve_leads,
)
from ._noise import NOISE_KINDS, electrode_noise
from ._rr import HRV, beat_times
from ._waves import (
    K_WIDTHS,
    VEC_AF,
    VEC_P,
    VEC_Q,
    VEC_R,
    VEC_S,
    VEC_T,
    atrial_fwaves,
    beat_timing,
    render_events,
)

__all__ = ["HRV", "simulate_ecg"]

_VECTORS = {"P": VEC_P, "Q": VEC_Q, "R": VEC_R, "S": VEC_S, "T": VEC_T}


def _check(name: str, value: float, lo: float, hi: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{name} must be a number; got {value!r}") from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise InvalidArgumentError(f"{name} must be between {lo:g} and {hi:g}; got {value!r}")
    return v


def _truth_annotations(timing, fs: float, n: int, *, with_p: bool) -> Annotations:
    """QT-Database-style annotations of the waves lying wholly inside the record."""
    waves = [("N", timing.qrs_on, timing.r, timing.qrs_off), ("t", timing.t_on, timing.t_peak, timing.t_off)]
    if with_p:
        waves.insert(0, ("p", timing.p_on, timing.p_peak, timing.p_off))
    samples: list[int] = []
    symbols: list[str] = []
    for sym, on, pk, off in waves:
        s_on, s_pk, s_off = (np.round(x * fs).astype(np.int64) for x in (on, pk, off))
        ok = (s_on >= 0) & (s_off < n)
        for a, b, c in zip(s_on[ok], s_pk[ok], s_off[ok], strict=True):
            samples += [int(a), int(b), int(c)]
            symbols += ["(", sym, ")"]
    return Annotations("truth", np.asarray(samples, np.int64), tuple(symbols))


def _axis_deg(clean_i: np.ndarray, clean_avf: np.ndarray, on: np.ndarray, off: np.ndarray, fs: float) -> float | None:
    """Frontal-plane axis from the net areas of a wave in leads I and aVF (median over beats)."""
    a_i, a_f = [], []
    n = clean_i.size
    for a, b in zip(np.round(on * fs).astype(int), np.round(off * fs).astype(int), strict=True):
        if a >= 0 and b < n:
            a_i.append(clean_i[a : b + 1].sum())
            a_f.append(clean_avf[a : b + 1].sum())
    if not a_i:
        return None
    return round(float(np.degrees(np.arctan2(np.median(a_f), np.median(a_i)))), 1)


def simulate_ecg(
    *,
    duration_s: float = 10.0,
    fs_hz: float = 500.0,
    heart_rate_bpm: float = 72.0,
    leads: str | Sequence[str] = "12",
    hrv: HRV | float | None = HRV(),
    noise_snr_db: float | None = None,
    noise_kinds: Sequence[str] = NOISE_KINDS,
    powerline_hz: float = 50.0,
    af: bool = False,
    af_amplitude_mv: float = 0.08,
    av_block: str | None = None,
    atrial_rate_bpm: float | None = None,
    pr_ms: float = 160.0,
    p_duration_ms: float = 100.0,
    qrs_ms: float = 90.0,
    qt_ms: float | None = None,
    qtc_ms: float = 400.0,
    amplitude_scale: float = 1.0,
    seed: int | None = None,
) -> Recording:
    """Simulate an ECG (mV) with ground-truth beats and wave boundaries.

    Parameters
    ----------
    duration_s, fs_hz
        Length (s) and sampling rate (Hz).
    heart_rate_bpm
        Mean heart rate; the mean RR of the beats in the record equals 60 / heart rate
        (with an AV block: the ventricular rate).
    leads
        ``"12"`` (I, II, III, aVR, aVL, aVF, V1-V6), ``"1"`` (lead II), ``"xyz"`` (Frank
        vectorcardiogram) or a list of lead names.
    hrv
        Sinus RR variability (:class:`HRV`), a number (SDNN in ms with the default spectrum)
        or ``None`` for a constant RR. Ignored with ``af=True``.
    noise_snr_db, noise_kinds, powerline_hz
        Add electrode noise of these kinds (``baseline``, ``emg``, ``powerline``) so that
        mean clean-lead power / mean noise-lead power is ``noise_snr_db``; ``None``: clean.
    af, af_amplitude_mv
        Atrial fibrillation: irregular RR, no P waves, f-waves of about this amplitude.
    av_block, atrial_rate_bpm
        Atrioventricular block (:mod:`cardiokit.sim._av`): ``"2:1"``, ``"mobitz1"``,
        ``"mobitz2"`` (4:3 conduction; the atrial rate follows from the heart rate) or
        ``"complete"``: P waves at ``atrial_rate_bpm`` (default 80, above the heart rate),
        the ventricles at ``heart_rate_bpm`` (a regular escape rhythm; ``hrv`` applies to the
        atrial rhythm). ``pr_ms`` is the PR of the conducted beats (Mobitz I: the first of
        each cycle).
    pr_ms, p_duration_ms, qrs_ms
        PR interval (P onset to QRS onset), P-wave and QRS durations.
    qt_ms, qtc_ms
        QT interval (QRS onset to T end) of every beat, or, when ``qt_ms`` is None, the
        QT corrected by Fridericia (QT = QTc * RR^(1/3), RR the preceding interval in s).
    amplitude_scale
        Factor on every wave amplitude (1: R ~1.2 mV in II, ~1.6 mV in V4-V5).
    seed
        Seed of the random generator; the same seed gives the same recording.

    Returns
    -------
    Recording
        ECG channels in mV; annotation sets ``truth`` (QT Database convention, chan 0) and
        ``rhythm`` (``+`` with aux ``(N``, ``(AFIB``, ``(BII`` for a second-degree or
        ``(BIII`` for a complete AV block at sample 0); ``meta["truth"]`` holds the true mean
        intervals (ms) and axes (deg) (with an AV block also ``atrial_rate_bpm`` and
        ``n_blocked_p``, the P waves in the record not followed by a QRS),
        ``meta["simulation"]`` the settings.

    References
    ----------
    McSharry PE et al. IEEE Trans Biomed Eng 50(3):289-294, 2003 (ECGSYN).
    Sameni R et al. EURASIP J Adv Signal Process 2007:043407 (3-D dipole ECG model).
    Fridericia LS. Acta Med Scand 53:469-486, 1920 (QT rate correction).
    """
    duration_s = _check("duration_s", duration_s, 0.5, 7 * 24 * 3600)
    fs = _check("fs_hz", fs_hz, 50.0, 20000.0)
    hr = _check("heart_rate_bpm", heart_rate_bpm, 20.0, 300.0)
    qrs_s = _check("qrs_ms", qrs_ms, 40.0, 250.0) / 1000
    p_s = _check("p_duration_ms", p_duration_ms, 40.0, 200.0) / 1000
    pr_s = _check("pr_ms", pr_ms, 60.0, 400.0) / 1000
    qtc = _check("qtc_ms", qtc_ms, 250.0, 700.0)
    scale = _check("amplitude_scale", amplitude_scale, 0.0, 10.0)
    af_amp = _check("af_amplitude_mv", af_amplitude_mv, 0.0, 1.0)
    if pr_s < p_s + 0.02:
        raise InvalidArgumentError(f"pr_ms ({pr_ms}) must exceed p_duration_ms ({p_duration_ms}) by >= 20 ms")
    if qt_ms is not None and not qrs_s + 0.06 <= _check("qt_ms", qt_ms, 150.0, 800.0) / 1000:
        raise InvalidArgumentError(f"qt_ms ({qt_ms}) must exceed qrs_ms ({qrs_ms}) by >= 60 ms")
    if noise_snr_db is not None:
        noise_snr_db = _check("noise_snr_db", noise_snr_db, -30.0, 100.0)
    kinds = tuple(noise_kinds)
    bad = [k for k in kinds if k not in NOISE_KINDS]
    if bad:
        raise InvalidArgumentError(f"unknown noise kinds {bad}; choose from {', '.join(NOISE_KINDS)}")
    if isinstance(hrv, (int, float)) and not isinstance(hrv, bool):
        hrv = HRV(sdnn_ms=float(hrv))
    if hrv is not None and not isinstance(hrv, HRV):
        raise InvalidArgumentError(f"hrv must be an HRV, a number (SDNN in ms) or None; got {hrv!r}")
    names = resolve_leads(leads)
    atrial = _check_av(av_block, atrial_rate_bpm, hr, af=bool(af))
    rng = np.random.default_rng(seed)
    resp_hz = (hrv or HRV()).hf_hz

    n = round(duration_s * fs)
    mean_rr = 60.0 / hr
    plan = None
    if av_block is None:
        r, rr_prev = beat_times(duration_s, mean_rr, af=bool(af), hrv=hrv, rng=rng)
        pr_beats: float | np.ndarray = pr_s
    else:
        plan = av_plan(av_block, duration_s=duration_s, ventricular_bpm=hr, atrial_bpm=atrial, pr_s=pr_s,
                       p_s=p_s, qrs_s=qrs_s, hrv=hrv, rng=rng)
        r, rr_prev = plan.r_s, plan.rr_prev_s
        pr_beats = np.where(np.isnan(plan.pr_s), pr_s, plan.pr_s)
    qt_s = np.full(r.size, qt_ms / 1000) if qt_ms is not None else qtc / 1000 * np.cbrt(rr_prev)
    timing = beat_timing(r, qrs_s=qrs_s, pr_s=pr_beats, p_s=p_s, qt_s=qt_s)
    if plan is not None:  # the P waves of the atrial rhythm, conducted or not
        a = plan.p_peak_s
        p_sig = np.full(a.size, p_s / (2 * K_WIDTHS))
        timing = replace(timing, p_on=a - p_s / 2, p_peak=a, p_off=a + p_s / 2,
                         events={**timing.events, "P": (a, p_sig, p_sig)})

    # heart vector: Gaussian events, QRS/T amplitude modulated by respiration (+-5 %)
    resp = 1.0 + 0.05 * np.sin(2 * np.pi * resp_hz * r + rng.uniform(0, 2 * np.pi))
    jitter = 1.0 + 0.01 * rng.standard_normal(r.size)
    p_jitter = jitter if plan is None else 1.0 + 0.01 * rng.standard_normal(plan.p_peak_s.size)
    vcg = np.zeros((n, 3))
    for name, (centre, sl, sr) in timing.events.items():
        if name == "P" and af:
            continue
        gain = scale * (p_jitter if name == "P" else resp * jitter)
        vcg += np.outer(render_events(n, fs, centre, sl, sr, gain), _VECTORS[name])
    if af:
        vcg += np.outer(atrial_fwaves(n, fs, amplitude_mv=scale * af_amp, rng=rng), VEC_AF)

    vcg_out = names[0] in VCG_LEADS
    if vcg_out:
        el = np.zeros((n, 9))
        el[:, 3:6] = vcg
        project = np.eye(9)[:, [3 + VCG_LEADS.index(x) for x in names]]
    else:
        el = electrodes_from_vcg(vcg)
        project = np.column_stack([_LEAD_WEIGHTS[x] for x in names])
    if noise_snr_db is not None and kinds:
        clean_power = float(np.mean((el @ project) ** 2))
        noise = electrode_noise(n, fs, kinds=kinds, resp_hz=resp_hz, powerline_hz=powerline_hz,
                                project=project, rng=rng)
        el = el + noise * math.sqrt(clean_power / 10 ** (noise_snr_db / 10))
    if vcg_out:
        signals = (el @ project).astype(np.float32)
    else:
        signals = leads_from_electrodes(el, names)

    truth = _truth_annotations(timing, fs, n, with_p=not af)
    aux = "(AFIB" if af else "(N" if av_block is None else "(BIII" if av_block == "complete" else "(BII"
    rhythm = Annotations("rhythm", [0], ("+",), aux=(aux,))
    channels = tuple(Channel(x, "ecg", "mV") for x in names)
    meta = {
        "subject": {"id": f"sim-{seed}" if seed is not None else "sim"},
        "device": "cardiokit.sim.simulate_ecg",
        "format": "simulated",
        "simulation": {
            "model": "ecgsyn-3d", "heart_rate_bpm": hr, "af": bool(af), "noise_snr_db": noise_snr_db,
            "noise_kinds": list(kinds), "seed": seed, "hrv_sdnn_ms": 0.0 if hrv is None else hrv.sdnn_ms,
            "av_block": av_block, "atrial_rate_bpm": atrial,
        },
        "truth": _truth_summary(timing, rr_prev, r, duration_s, fs, af=bool(af), pr_beats=pr_beats),
    }
    if plan is not None:
        p_in = (plan.p_peak_s >= 0) & (plan.p_peak_s < duration_s)
        pp = np.diff(plan.p_peak_s[p_in])
        meta["truth"]["atrial_rate_bpm"] = round(60.0 / float(pp.mean()), 2) if pp.size else None
        meta["truth"]["n_blocked_p"] = int(np.count_nonzero(p_in & ~plan.conducted))
        if av_block == "complete":
            meta["truth"]["pr_ms"] = None
    return Recording(signals, fs, channels, annotations=(truth, rhythm), meta=meta)


def _check_av(av_block: str | None, atrial_rate_bpm: float | None, hr: float, *, af: bool) -> float | None:
    """The atrial rate of an AV block (None without one), after checking the options."""
    if av_block is None:
        if atrial_rate_bpm is not None:
            raise InvalidArgumentError("atrial_rate_bpm needs av_block='complete'")
        return None
    if av_block not in AV_BLOCKS:
        raise InvalidArgumentError(f"unknown av_block {av_block!r}; choose from {', '.join(AV_BLOCKS)}")
    if af:
        raise InvalidArgumentError("av_block needs P waves: it cannot be combined with af=True")
    if av_block != "complete":
        if atrial_rate_bpm is not None:
            raise InvalidArgumentError(f"atrial_rate_bpm follows from heart_rate_bpm for av_block={av_block!r}; "
                                       "give it only with av_block='complete'")
        return _check("atrial rate", atrial_rate_for(av_block, hr), 20.0, 300.0)
    atrial = _check("atrial_rate_bpm", 80.0 if atrial_rate_bpm is None else atrial_rate_bpm, 20.0, 300.0)
    if atrial <= hr:
        raise InvalidArgumentError(f"complete AV block: atrial_rate_bpm ({atrial:g}) must exceed the "
                                   f"ventricular heart_rate_bpm ({hr:g})")
    return atrial


def _truth_summary(timing, rr_prev: np.ndarray, r: np.ndarray, duration_s: float, fs: float, *, af: bool,
                   pr_beats: float | np.ndarray) -> dict:
    """Mean true intervals (ms) and frontal axes (deg) of the beats inside the record."""
    inside = (r >= 0) & (r < duration_s)
    rr = np.diff(r[inside])
    mean_rr = float(rr.mean()) if rr.size else float(rr_prev[inside].mean())
    qt = float(np.mean((timing.t_off - timing.qrs_on)[inside]))
    # axes from the noise-free limb leads, computed on a fine grid of the heart vector
    n = round(duration_s * fs)
    vec = {k: np.outer(render_events(n, fs, *timing.events[k], np.ones(timing.events[k][0].size)), v)
           for k, v in _VECTORS.items()}

    def lead(x: np.ndarray, name: str) -> np.ndarray:
        return electrodes_from_vcg(x) @ _LEAD_WEIGHTS[name]

    def axis(waves: Sequence[str], on: np.ndarray, off: np.ndarray) -> float | None:
        tot = sum(vec[w] for w in waves)
        return _axis_deg(lead(tot, "I"), lead(tot, "aVF"), on, off, fs)

    return {
        "heart_rate_bpm": round(60.0 / mean_rr, 2),
        "rr_ms": round(1000 * mean_rr, 1),
        "p_duration_ms": None if af else round(1000 * float(np.mean(timing.p_off - timing.p_on)), 1),
        "pr_ms": None if af else round(1000 * float(np.mean(np.broadcast_to(pr_beats, r.shape)[inside])), 1),
        "qrs_ms": round(1000 * float(np.mean(timing.qrs_off - timing.qrs_on)), 1),
        "qt_ms": round(1000 * qt, 1),
        "qtc_bazett_ms": round(1000 * qt / math.sqrt(mean_rr), 1),
        "qtc_fridericia_ms": round(1000 * qt / math.cbrt(mean_rr), 1),
        "p_axis_deg": None if af else axis(["P"], timing.p_on, timing.p_off),
        "qrs_axis_deg": axis(["Q", "R", "S"], timing.qrs_on, timing.qrs_off),
        "t_axis_deg": axis(["T"], timing.t_on, timing.t_off),
        "n_beats": int(inside.sum()),
    }
