"""Classifier features of a segmented PCG: timing (Liu 2016's 20), per-state MFCC, log-mel.

Everything is computed from the cleaned 1-kHz PCG (:func:`cardiokit.pcg.clean_pcg`) and its
:class:`~cardiokit.pcg.segment.HeartSoundSegmentation`; log-mel frames are 20 ms apart,
aligned with the segmentation's 50-Hz frames (frame ``k`` centred at ``k * 20 ms``).

References
----------
Liu C, Springer D, Li Q, et al. An open access database for the evaluation of heart sound
algorithms. Physiol Meas 37(12):2181-2213 (2016), section 6.2 (the 20 timing/amplitude
features). Potes C, Parvaneh S, Rahman A, Conroy B. Ensemble of feature-based and deep
learning-based classifiers for detection of abnormal heart sounds. CinC 43:621-624 (2016).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .segment import HeartSoundSegmentation

__all__ = ["FEATURE_NAMES", "MEL_BANDS", "RAW_FEATURE_NAMES", "log_mel", "mfcc", "model_features",
           "raw_features", "record_features"]

#: Mel bands of :func:`log_mel` (25-400 Hz).
MEL_BANDS = 24
N_MFCC = 13
_WIN_S, _HOP_S = 0.05, 0.02
_STATE_NAMES = ("S1", "sys", "S2", "dia")
_TIMING = [f"{s}_{p}" for p in ("RR", "S1", "sys", "S2", "dia", "sys_RR", "dia_RR", "sys_dia",
                                "amp_sys_S1", "amp_dia_S2") for s in ("mean", "sd")]
#: Names of the columns of :func:`raw_features`.
RAW_FEATURE_NAMES = tuple(
    ["heart_rate_bpm", "systolic_interval_s", "periodicity", "n_cycles"] + _TIMING
    + [f"mfcc{i}_{st}_mean" for st in _STATE_NAMES for i in range(N_MFCC)]
    + [f"mfcc{i}_{st}_sd" for st in _STATE_NAMES for i in range(N_MFCC)]
    + [f"band{b}_{st}_rel" for st in ("sys", "dia") for b in range(4)]
)
#: Names of the columns of :func:`record_features` (the classifier's inputs): the raw
#: features with each state's MFCC mean / sd replaced by its difference from the mean over
#: the four states (a contrast that a recorder's frequency response mostly cancels).
FEATURE_NAMES = tuple(
    ["heart_rate_bpm", "systolic_interval_s", "periodicity", "n_cycles"] + _TIMING
    + [f"band{b}_{st}_rel" for st in ("sys", "dia") for b in range(4)]
    + [f"mfcc{i}_{st}_mean_contrast" for st in _STATE_NAMES for i in range(N_MFCC)]
    + [f"mfcc{i}_{st}_sd_contrast" for st in _STATE_NAMES for i in range(N_MFCC)]
)
_N_HEAD = 4 + len(_TIMING)


@lru_cache(maxsize=4)
def _mel_fb(fs_hz: float, nfft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    def mel(f: np.ndarray | float) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(fmin), mel(fmax), n_mels + 2))
    f = np.fft.rfftfreq(nfft, 1.0 / fs_hz)
    fb = np.zeros((n_mels, f.size))
    for m in range(n_mels):
        lo, c, hi = edges[m : m + 3]
        fb[m] = np.clip(np.minimum((f - lo) / (c - lo), (hi - f) / (hi - c)), 0.0, None)
    fb /= np.maximum(fb.sum(axis=1, keepdims=True), 1e-12)
    fb.flags.writeable = False
    return fb


def log_mel(y: np.ndarray, *, fs_hz: float = 1000.0, n_mels: int = MEL_BANDS, fmin_hz: float = 25.0,
            fmax_hz: float = 400.0) -> np.ndarray:
    """``(n_frames, n_mels)`` log mel energies: 50-ms Hann windows every 20 ms, frame ``k``
    centred at ``k * 0.02`` s (``n_frames = ceil(len / (0.02 fs))``)."""
    x = np.asarray(y, dtype=np.float64)
    hop, win = round(_HOP_S * fs_hz), round(_WIN_S * fs_hz)
    n = -(-x.size // hop)
    pad = np.pad(x, (win // 2, win + hop), mode="constant")
    idx = np.arange(n)[:, None] * hop + np.arange(win)[None, :]
    frames = pad[idx] * np.hanning(win)[None, :]
    nfft = 1 << int(np.ceil(np.log2(win)))
    nfft = max(nfft, 64)
    p = np.abs(np.fft.rfft(frames, nfft, axis=1)) ** 2
    return np.log(p @ _mel_fb(float(fs_hz), nfft, n_mels, fmin_hz, fmax_hz).T + 1e-8)


def mfcc(lm: np.ndarray, n_mfcc: int = N_MFCC) -> np.ndarray:
    """DCT-II (orthonormal) of log-mel frames: ``(n_frames, n_mfcc)``."""
    n = lm.shape[1]
    k = np.arange(n_mfcc)[:, None]
    basis = np.cos(np.pi * k * (2 * np.arange(n)[None, :] + 1) / (2 * n)) * np.sqrt(2.0 / n)
    basis[0] /= np.sqrt(2.0)
    return lm @ basis.T


def _ms(v: np.ndarray) -> list[float]:
    v = np.asarray(v, dtype=np.float64)
    v = v[np.isfinite(v)]
    return [float(v.mean()), float(v.std())] if v.size else [np.nan, np.nan]


def model_features(raw: np.ndarray) -> np.ndarray:
    """Rows of :data:`FEATURE_NAMES` from rows of :data:`RAW_FEATURE_NAMES`."""
    r = np.atleast_2d(np.asarray(raw, dtype=np.float64))
    n = r.shape[0]
    m0 = _N_HEAD
    means = r[:, m0 : m0 + 4 * N_MFCC].reshape(n, 4, N_MFCC)
    sds = r[:, m0 + 4 * N_MFCC : m0 + 8 * N_MFCC].reshape(n, 4, N_MFCC)
    out = np.hstack([r[:, :_N_HEAD], r[:, -8:],
                     (means - means.mean(axis=1, keepdims=True)).reshape(n, -1),
                     (sds - sds.mean(axis=1, keepdims=True)).reshape(n, -1)])
    return out if np.ndim(raw) == 2 else out[0]


def record_features(y: np.ndarray, seg: HeartSoundSegmentation, lm: np.ndarray | None = None
                    ) -> np.ndarray:
    """One row of :data:`FEATURE_NAMES` (the classifier's inputs) for a cleaned 1-kHz PCG."""
    return model_features(raw_features(y, seg, lm))


def raw_features(y: np.ndarray, seg: HeartSoundSegmentation, lm: np.ndarray | None = None
                 ) -> np.ndarray:
    """One row of :data:`RAW_FEATURE_NAMES` for a cleaned 1-kHz PCG ``y`` and its segmentation.

    NaN where a feature cannot be computed (e.g. fewer than two whole cycles).
    """
    fs = 1000.0
    lm = log_mel(y, fs_hz=fs) if lm is None else lm
    states = np.asarray(seg.states)
    n = min(states.size, lm.shape[0])
    states, lmn = states[:n], lm[:n]
    segs = seg.segments
    # per-cycle timing and amplitude (Liu 2016): cycles S1 -> systole -> S2 -> diastole
    rows = []
    absy = np.abs(y)
    for k in range(1, len(segs) - 4):
        c = segs[k : k + 4]
        if c[0].state != "S1":
            continue
        d = [g.end_s - g.start_s for g in c]
        rr = segs[k + 4].start_s - c[0].start_s if k + 4 < len(segs) else np.nan

        def amp(g) -> float:
            a, b = round(g.start_s * fs), round(g.end_s * fs)
            return float(np.mean(absy[a:b])) if b > a else np.nan

        a1, asys, a2, adia = (amp(g) for g in c)
        rows.append([rr, d[0], d[1], d[2], d[3], d[1] / rr, d[3] / rr, d[1] / d[3],
                     asys / a1 if a1 > 0 else np.nan, adia / a2 if a2 > 0 else np.nan])
    cyc = np.asarray(rows, dtype=np.float64).reshape(-1, 10)
    timing = []
    for j in range(10):
        timing += _ms(cyc[:, j]) if cyc.shape[0] >= 2 else [np.nan, np.nan]
    # MFCC per state (mean, sd over the state's frames)
    mf = mfcc(lmn)
    means, sds = [], []
    for j in range(4):
        sel = mf[states == j]
        means += (sel.mean(axis=0) if sel.shape[0] else np.full(N_MFCC, np.nan)).tolist()
        sds += (sel.std(axis=0) if sel.shape[0] > 1 else np.full(N_MFCC, np.nan)).tolist()
    # energy of systole / diastole relative to S1 / S2 in four bands (murmur bands)
    e = np.exp(lmn)
    bands = np.array_split(np.arange(lmn.shape[1]), 4)
    rel = []
    for j, ref in ((1, 0), (3, 2)):
        for b in bands:
            num = e[states == j][:, b].mean() if (states == j).any() else np.nan
            den = e[states == ref][:, b].mean() if (states == ref).any() else np.nan
            rel.append(float(np.log(num / den)) if den and np.isfinite(den) and num > 0 else np.nan)
    head = [seg.heart_rate_bpm, seg.rate.systolic_interval_s, seg.rate.peak, float(cyc.shape[0])]
    return np.asarray(head + timing + means + sds + rel, dtype=np.float64)
