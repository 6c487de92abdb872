"""Gaussian P, Q, R, S, T events of the heart vector and the atrial f-waves of AF.

Each event is a Gaussian (two-sided: its own width before and after the peak) in time
around the beat's R peak, with a fixed direction in Frank's coordinates (mV): the 3-D
form of ECGSYN's Gaussian events (McSharry et al. 2003) used by Sameni et al. (2007) for
multichannel ECG. Each Gaussian is truncated at ``K`` widths from its peak and lowered by
its value there (``exp(-K**2 / 2)``, 4.4 % for ``K = 2.5``), then rescaled to the same peak:
an event is *exactly* zero outside ``[peak - K sigma_left, peak + K sigma_right]``, with a
small slope break at its ends like the onset of a real wave. Event times follow the
requested intervals, so the wave boundaries are known exactly: a wave starts where its
first event starts and ends where its last event ends.

References
----------
McSharry PE et al. A dynamical model for generating synthetic electrocardiogram signals.
IEEE Trans Biomed Eng 50(3):289-294, 2003.
Sameni R, Clifford GD, Jutten C, Shamsollahi MB. Multichannel ECG and noise modeling:
application to maternal and fetal ECG signals. EURASIP J Adv Signal Process 2007:043407.
Stridh M, Sörnmo L. Spatiotemporal QRST cancellation techniques for analysis of atrial
fibrillation. IEEE Trans Biomed Eng 48(1):105-111, 2001 (f-wave model).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["K_WIDTHS", "BeatTiming", "atrial_fwaves", "beat_timing", "qrs_onset_before_r", "render_events"]

#: Widths (sigmas) from an event's peak to the wave boundary.
K_WIDTHS = 2.5

# Directions and sizes (mV, Frank X left / Y feet / Z back) of a normal adult heart vector.
VEC_P = np.array([0.10, 0.12, -0.02])
VEC_Q = np.array([-0.12, 0.04, -0.22])
VEC_R = np.array([1.25, 0.80, 0.45])
VEC_S = np.array([-0.30, -0.25, 0.55])
VEC_T = np.array([0.30, 0.24, -0.25])
VEC_AF = np.array([-0.35, 0.45, -0.80])  # atrial activity, largest in V1 and the inferior leads

# QRS events (centre, sigma) in units of the raw template; scaled to the QRS duration.
_QRS_TEMPLATE = {"Q": (-0.30, 0.065), "R": (0.0, 0.09), "S": (0.27, 0.075)}
_Q_ON = min(c - K_WIDTHS * s for c, s in _QRS_TEMPLATE.values())
_Q_OFF = max(c + K_WIDTHS * s for c, s in _QRS_TEMPLATE.values())
_T_ASYM = 1.7  # T upslope width / downslope width
_T_SPAN = 0.5  # T wave duration as a fraction of QT


@dataclass(frozen=True)
class BeatTiming:
    """Per-beat event times (s, absolute) and widths (s); boundaries of P, QRS and T."""

    r: np.ndarray
    qrs_on: np.ndarray
    qrs_off: np.ndarray
    p_on: np.ndarray
    p_peak: np.ndarray
    p_off: np.ndarray
    t_on: np.ndarray
    t_peak: np.ndarray
    t_off: np.ndarray
    events: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # centre, sigma left, sigma right


def qrs_onset_before_r(qrs_s: float) -> float:
    """Time (s) from a QRS of duration ``qrs_s`` to its R peak (the R peak of a beat whose
    QRS starts at ``t`` lies at ``t + qrs_onset_before_r(qrs_s)``)."""
    return -_Q_ON * qrs_s / (_Q_OFF - _Q_ON)


def beat_timing(r: np.ndarray, *, qrs_s: float, pr_s: float | np.ndarray, p_s: float,
                qt_s: np.ndarray) -> BeatTiming:
    """Event times of beats with R peaks at ``r`` (s) and the given intervals (s; ``pr_s``
    one for all beats or one per beat)."""
    scale = qrs_s / (_Q_OFF - _Q_ON)
    qrs_on = r + _Q_ON * scale
    qrs_off = r + _Q_OFF * scale
    events: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for name, (c, s) in _QRS_TEMPLATE.items():
        sig = np.full(r.size, s * scale)
        events[name] = (r + c * scale, sig, sig)
    p_on = qrs_on - pr_s
    p_off = p_on + p_s
    p_sig = np.full(r.size, p_s / (2 * K_WIDTHS))
    events["P"] = ((p_on + p_off) / 2, p_sig, p_sig)
    t_off = qrs_on + qt_s
    span = _T_SPAN * qt_s
    sig_r = span / (K_WIDTHS * (1 + _T_ASYM))
    sig_l = _T_ASYM * sig_r
    t_peak = t_off - K_WIDTHS * sig_r
    t_on = t_peak - K_WIDTHS * sig_l
    events["T"] = (t_peak, sig_l, sig_r)
    return BeatTiming(r, qrs_on, qrs_off, p_on, (p_on + p_off) / 2, p_off, t_on, t_peak, t_off, events)


def render_events(
    n: int, fs: float, centre_s: np.ndarray, sig_l_s: np.ndarray, sig_r_s: np.ndarray, gain: np.ndarray
) -> np.ndarray:
    """``(n,)`` sum over beats of truncated two-sided Gaussians of peak ``gain`` (zero beyond K sigma)."""
    out = np.zeros(n)
    if centre_s.size == 0:
        return out
    half = int(np.ceil(K_WIDTHS * max(float(sig_l_s.max()), float(sig_r_s.max())) * fs)) + 1
    offs = np.arange(-half, half + 1)
    idx = np.round(centre_s * fs).astype(np.int64)[:, None] + offs[None, :]
    dt = idx / fs - centre_s[:, None]
    sig = np.where(dt < 0, sig_l_s[:, None], sig_r_s[:, None])
    floor = np.exp(-0.5 * K_WIDTHS**2)
    val = gain[:, None] * np.maximum(np.exp(-0.5 * (dt / sig) ** 2) - floor, 0.0) / (1.0 - floor)
    keep = (idx >= 0) & (idx < n)
    out += np.bincount(idx[keep], weights=val[keep], minlength=n)[:n]
    return out


def atrial_fwaves(n: int, fs: float, *, amplitude_mv: float, rng: np.random.Generator) -> np.ndarray:
    """``(n,)`` f-wave signal of atrial fibrillation (sawtooth-like, ~6 Hz, Stridh & Sörnmo 2001)."""
    t = np.arange(n) / fs
    f0 = rng.uniform(5.0, 7.0)
    df, ff, fa = 0.2, 0.1, 0.08
    theta = 2 * np.pi * f0 * t + (df / ff) * np.sin(2 * np.pi * ff * t + rng.uniform(0, 2 * np.pi))
    am = 1.0 + 0.4 * np.sin(2 * np.pi * fa * t + rng.uniform(0, 2 * np.pi))
    out = sum(np.sin(i * theta) / i for i in (1, 2, 3) if i * f0 < 0.45 * fs)
    return amplitude_mv * am * np.asarray(out) / 1.3
