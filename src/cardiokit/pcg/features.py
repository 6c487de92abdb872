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

import itertools
from functools import lru_cache

import numpy as np

from .segment import HeartSoundSegmentation

__all__ = ["BEAT_NAMES", "CONTRAST_NAMES", "FEATURE_NAMES", "MEL_BANDS", "RAW_FEATURE_NAMES", "beat_features",
           "contrast_features", "log_mel", "mfcc", "model_features", "raw_features", "record_features"]

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
#: Six groups of four mel bands (25-400 Hz, low to high) of :func:`contrast_features`.
_GROUPS = tuple((4 * g, 4 * g + 4) for g in range(MEL_BANDS // 4))
#: Names of the columns of :func:`contrast_features`: per band group, log-energy differences
#: between cardiac phases (``sys_dia``: systole minus diastole, ``sys_s1``, ``dia_s2``, ``s2_s1``,
#: ``sys20_dia20`` between the 20th percentiles, ``sys80_s1`` 80th percentile of systole
#: minus S1), spectral-centroid differences, cycle-to-cycle consistency of the systolic excess,
#: and the broadband level of systole / diastole relative to S1 / S2.
CONTRAST_NAMES = tuple(
    [f"g{g}_{k}" for g in range(len(_GROUPS))
     for k in ("sys_dia", "sys_s1", "dia_s2", "s2_s1", "sys20_dia20", "sys80_s1")]
    + ["centroid_sys_dia", "centroid_sys_s1", "centroid_dia_s2", "centroid_s1_s2",
       "cycle_corr", "cycle_sd", "cycle_sd_band"]
    + [f"{st}_{k}" for st in ("sys", "dia") for k in ("frac_above_3", "frac_above_6", "p50", "p90")]
    + ["range_p95_p5", "range_p50_p5"]
)
_BEAT_BANDS = {"lo": (0, 6), "mid": (6, 14), "hi": (14, 24), "all": (0, 24)}
#: Names of the columns of :func:`beat_features`: beat-to-beat variability of the S1 / S2 /
#: systole / diastole levels (``rsd_``: robust sd, ``msd_``: median absolute successive
#: difference, log units), per-recording medians of phase-level differences, early / late
#: diastole against mid-diastole in the low band (S3 / S4), the shape of systole, the
#: variability of the state durations, the cycle-to-cycle correlation of the S1 / S2 spectra,
#: and each state's mean log-mel spectrum minus the recording's (cepstral-mean-normalised,
#: six band groups).
BEAT_NAMES = tuple(
    [f"{m}_{k}" for k in ("s1", "s2", "s1lo", "s2lo", "s1hi", "s2hi", "sys", "dia") for m in ("rsd", "msd")]
    + ["rsd_s2_s1", "med_s2_s1", "med_s2_s1_lo", "med_s2_s1_hi", "rsd_sys_s1", "rsd_dia_s2",
       "med_sys_s1", "med_dia_s2", "med_syshi_s1hi", "med_diahi_s2hi", "s3_lo", "s4_lo",
       "sys_early_mid", "sys_late_mid", "sys_mid_s1"]
    + [f"cv_{k}" for k in ("s1w", "s2w", "sysd", "diad")]
    + ["frac_cycles_ok", "corr_s1", "corr_s2"]
    + [f"cmn_{st}_g{g}" for st in ("S1", "sys", "S2", "dia") for g in range(6)]
    + ["tilt", "frac_loud"]
)
#: Names of the columns of :func:`record_features` (the classifier's inputs): the raw
#: features with each state's MFCC mean / sd replaced by its difference from the mean over
#: the four states (a contrast that a recorder's frequency response mostly cancels), then
#: :data:`CONTRAST_NAMES` and :data:`BEAT_NAMES`.
FEATURE_NAMES = tuple(
    ["heart_rate_bpm", "systolic_interval_s", "periodicity", "n_cycles"] + _TIMING
    + [f"band{b}_{st}_rel" for st in ("sys", "dia") for b in range(4)]
    + [f"mfcc{i}_{st}_mean_contrast" for st in _STATE_NAMES for i in range(N_MFCC)]
    + [f"mfcc{i}_{st}_sd_contrast" for st in _STATE_NAMES for i in range(N_MFCC)]
) + CONTRAST_NAMES + BEAT_NAMES
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
    lm = log_mel(y, fs_hz=1000.0) if lm is None else lm
    return np.concatenate([model_features(raw_features(y, seg, lm)), contrast_features(lm, seg.states),
                           beat_features(lm, seg.states)])


def _pct(v: np.ndarray, q: float | None = None) -> float:
    return float(np.nan if v.size < 2 else (np.mean(v) if q is None else np.percentile(v, q)))


def contrast_features(lm: np.ndarray, states: np.ndarray) -> np.ndarray:
    """One row of :data:`CONTRAST_NAMES` from log-mel frames and the per-frame states.

    Only differences of log energies between the phases of the same recording enter, so a
    recorder's gain and (smooth) frequency response cancel: murmurs raise systole or
    diastole against the heart sounds and against each other in their band (Potes 2016's
    and Liu 2016's per-state spectral features, taken as within-recording contrasts).
    NaN where a phase has fewer than two frames.
    """
    lm = np.asarray(lm, dtype=np.float64)
    n = min(lm.shape[0], np.asarray(states).size)
    lm, s = lm[:n], np.asarray(states)[:n]
    e = np.exp(lm)
    out: list[float] = []
    for a, b in _GROUPS:
        band = np.log(e[:, a:b].mean(axis=1) + 1e-12)
        ph = [band[s == k] for k in range(4)]
        s1, sy, s2, di = (_pct(v) for v in ph)
        out += [sy - di, sy - s1, di - s2, s2 - s1, _pct(ph[1], 20) - _pct(ph[3], 20),
                _pct(ph[1], 80) - s1]
    idx = np.arange(lm.shape[1])

    def centroid(k: int) -> float:
        if (s == k).sum() < 2:
            return np.nan
        p = e[s == k].mean(axis=0)
        return float((p * idx).sum() / p.sum())

    c = [centroid(k) for k in range(4)]
    out += [c[1] - c[3], c[1] - c[0], c[3] - c[2], c[0] - c[2]]
    # cycle-to-cycle consistency of the systole-minus-diastole spectral profile
    on = np.flatnonzero((s[1:] == 0) & (s[:-1] != 0)) + 1
    prof = []
    for k in range(on.size - 1):
        cs, cl = s[on[k] : on[k + 1]], lm[on[k] : on[k + 1]]
        if (cs == 1).sum() > 1 and (cs == 3).sum() > 1:
            prof.append(cl[cs == 1].mean(axis=0) - cl[cs == 3].mean(axis=0))
    if len(prof) >= 3:
        pr = np.asarray(prof)
        pr = pr - pr.mean(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):  # a flat profile gives NaN
            cc = np.corrcoef(pr)[np.triu_indices(len(pr), 1)]
        out += [float(np.nanmean(cc)), float(np.median(pr.std(axis=1))), float(pr.std(axis=0).mean())]
    else:
        out += [np.nan] * 3
    # broadband level of systole / diastole relative to the median S1 / S2 frame
    tot = np.log(e.mean(axis=1) + 1e-12)
    for k, ref in ((1, 0), (3, 2)):
        if (s == k).any() and (s == ref).any():
            v = tot[s == k] - float(np.median(tot[s == ref]))
            out += [float(np.mean(v > -3)), float(np.mean(v > -6)), float(np.percentile(v, 50)),
                    float(np.percentile(v, 90))]
        else:
            out += [np.nan] * 4
    out += [float(np.percentile(tot, 95) - np.percentile(tot, 5)),
            float(np.percentile(tot, 50) - np.percentile(tot, 5))]
    return np.asarray(out, dtype=np.float64)


def _rsd(v: np.ndarray) -> float:
    v = v[np.isfinite(v)]
    return float(1.4826 * np.median(np.abs(v - np.median(v)))) if v.size >= 3 else np.nan


def _msd(v: np.ndarray) -> float:
    v = v[np.isfinite(v)]
    return float(np.median(np.abs(np.diff(v)))) if v.size >= 3 else np.nan


def _nanmed(v: np.ndarray) -> float:
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else np.nan


def beat_features(lm: np.ndarray, states: np.ndarray) -> np.ndarray:
    """One row of :data:`BEAT_NAMES` from log-mel frames and the per-frame states.

    Per whole cycle (S1 onset to the next, < 2 s, every state present, systole and
    diastole >= 3 frames): the peak log level of S1 and S2 and the mean level of systole and
    diastole (all bands and low / high bands), low-band level of the diastole's thirds
    (S3 early, S4 late), the systole's thirds, the state durations and the S1 / S2 spectra.
    Across cycles: their robust spread and successive differences (beat-to-beat variability
    of intensity and timing), and medians of within-cycle differences; gain cancels in all
    of them. Potes et al. 2016 (per-phase MFCC statistics), Liu et al. 2016 (amplitude and
    timing variability). NaN where fewer than three cycles qualify.
    """
    lm = np.asarray(lm, dtype=np.float64)
    n = min(lm.shape[0], np.asarray(states).size)
    lm, s = lm[:n], np.asarray(states)[:n]
    e = np.exp(lm)
    band = {k: np.log(e[:, a:b].mean(axis=1) + 1e-12) for k, (a, b) in _BEAT_BANDS.items()}
    on = np.flatnonzero((s[1:] == 0) & (s[:-1] != 0)) + 1
    keys = ("s1", "s2", "s1lo", "s2lo", "s1hi", "s2hi", "sys", "dia", "syshi", "diahi", "d_early",
            "d_mid", "d_late", "s_early", "s_mid", "s_late", "s1w", "s2w", "sysd", "diad")
    per: dict[str, list[float]] = {k: [] for k in keys}
    prof: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])

    def lmean(v: np.ndarray) -> float:
        return float(np.log(np.exp(v).mean()))

    for a, b in itertools.pairwise(on):
        if b - a >= 100:
            continue
        cs = s[a:b]
        ix = [np.flatnonzero(cs == k) + a for k in range(4)]
        if min(i.size for i in ix) < 1 or ix[1].size < 3 or ix[3].size < 3:
            continue
        for st, k in (("s1", 0), ("s2", 2)):
            for suf, bd in (("", "all"), ("lo", "lo"), ("hi", "hi")):
                per[st + suf].append(float(band[bd][ix[k]].max()))
        per["sys"].append(lmean(band["all"][ix[1]]))
        per["dia"].append(lmean(band["all"][ix[3]]))
        per["syshi"].append(lmean(band["hi"][ix[1]]))
        per["diahi"].append(lmean(band["hi"][ix[3]]))
        for nm, part in zip(("d_early", "d_mid", "d_late"), np.array_split(ix[3], 3), strict=True):
            per[nm].append(float(band["lo"][part].mean()))
        for nm, part in zip(("s_early", "s_mid", "s_late"), np.array_split(ix[1], 3), strict=True):
            per[nm].append(float(band["all"][part].mean()))
        for nm, k in (("s1w", 0), ("s2w", 2), ("sysd", 1), ("diad", 3)):
            per[nm].append(float(ix[k].size))
        prof[0].append(lm[ix[0]].mean(axis=0))
        prof[1].append(lm[ix[2]].mean(axis=0))
    ok = len(per["s1"]) >= 3
    P = {k: np.asarray(v, dtype=np.float64) if ok else np.array([np.nan]) for k, v in per.items()}
    out: list[float] = []
    for k in ("s1", "s2", "s1lo", "s2lo", "s1hi", "s2hi", "sys", "dia"):
        out += [_rsd(P[k]), _msd(P[k])]
    out += [_rsd(P["s2"] - P["s1"]), _nanmed(P["s2"] - P["s1"]), _nanmed(P["s2lo"] - P["s1lo"]),
            _nanmed(P["s2hi"] - P["s1hi"]), _rsd(P["sys"] - P["s1"]), _rsd(P["dia"] - P["s2"]),
            _nanmed(P["sys"] - P["s1"]), _nanmed(P["dia"] - P["s2"]), _nanmed(P["syshi"] - P["s1hi"]),
            _nanmed(P["diahi"] - P["s2hi"]), _nanmed(P["d_early"] - P["d_mid"]),
            _nanmed(P["d_late"] - P["d_mid"]), _nanmed(P["s_early"] - P["s_mid"]),
            _nanmed(P["s_late"] - P["s_mid"]), _nanmed(P["s_mid"] - P["s1"])]
    for k in ("s1w", "s2w", "sysd", "diad"):
        out.append(float(np.std(P[k]) / max(float(np.mean(P[k])), 1e-9)) if ok else np.nan)
    out.append(len(per["s1"]) / max(1, on.size - 1))
    for pr in prof:
        if len(pr) >= 3:
            m = np.asarray(pr)
            m = m - m.mean(axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                out.append(float(np.nanmean(np.corrcoef(m)[np.triu_indices(len(m), 1)])))
        else:
            out.append(np.nan)
    mu = lm.mean(axis=0)
    for k in range(4):
        v = lm[s == k].mean(axis=0) - mu if (s == k).sum() >= 2 else np.full(lm.shape[1], np.nan)
        out += [float(v[a:b].mean()) for a, b in _GROUPS]
    out.append(float(np.polyfit(np.arange(lm.shape[1]), mu, 1)[0]))
    out.append(float(np.mean(band["all"] > np.percentile(band["all"], 50) + 3)))
    return np.asarray(out, dtype=np.float64)


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
