"""Heart-sound segmentation into S1, systole, S2 and diastole; heart rate from the PCG.

``method="springer2016"``: logistic-regression emissions on four envelopes at 50 Hz
(homomorphic, Hilbert, wavelet, PSD) and a duration-dependent hidden semi-Markov model
decoded by an explicit-duration Viterbi. The state durations come from the heart rate and
the systolic interval read off the autocorrelation of the homomorphic envelope.

References
----------
Springer DB, Tarassenko L, Clifford GD. Logistic regression-HSMM-based heart sound
segmentation. IEEE Trans Biomed Eng 63(4):822-832 (2016). Schmidt SE et al. Segmentation of
heart sound recordings by a duration-dependent hidden Markov model. Physiol Meas
31(4):513-529 (2010). Weissler AM, Harris WS, Schoenfeld CD. Systolic time intervals in heart
failure in man. Circulation 37(2):149-159 (1968) (QS2 against heart rate).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.signal import find_peaks

from cardiokit._core.errors import AnalysisError, InvalidArgumentError
from cardiokit._core.recording import Recording
from cardiokit.models.cards import MODEL_DIR, load_card, verify

from ._hsmm import duration_logpmf, viterbi_hsmm
from .clean import PCG_FS_HZ, clean_pcg, pcg_channel
from .envelopes import Envelopes, envelope_features

__all__ = [
    "STATES",
    "HeartRateEstimate",
    "HeartSoundSegmentation",
    "Segment",
    "emission_features",
    "estimate_heart_rate",
    "segment_heart_sounds",
    "segmentation_envelopes",
    "typical_systolic_interval_s",
]

#: The cyclic states, in order.
STATES = ("S1", "systole", "S2", "diastole")
_METHODS = ("springer2016",)
#: S1 and S2 mean/sd durations in seconds (Springer 2016, from 123 patients).
S1_MEAN_S, S1_SD_S, S2_MEAN_S, S2_SD_S = 0.122, 0.022, 0.094, 0.022
#: Frames of context on each side of a frame in the emission features.
CONTEXT = 2
SEGMENTER_MODEL = "pcg_segmenter"
#: Low-pass edge (Hz) of the PCG the segmenter's envelopes are computed from: S1 and S2 lie
#: mostly below it, murmurs mostly above.
EMISSION_HIGH_HZ = 150.0
#: Extra relative sd of the diastole duration per unit of missing periodicity: an irregular
#: rhythm (low autocorrelation peak) gets a wider diastole (7 % of it when perfectly periodic,
#: 12 % at periodicity 0.5), so that the decoder does not insert or drop cycles to keep pace.
IRREGULAR_DIA_SD = 0.10


@dataclass(frozen=True)
class HeartRateEstimate:
    """Heart rate and systolic interval from the envelope autocorrelation (Schmidt 2010).

    ``peak`` is the normalised autocorrelation at the heart period (0-1): periodicity,
    used as a signal quality index (Springer 2016 calls it the "degree of periodicity").
    """

    heart_rate_bpm: float
    systolic_interval_s: float
    peak: float
    method: str = "schmidt2010"

    def to_dict(self) -> dict[str, Any]:
        return {"heart_rate_bpm": self.heart_rate_bpm, "systolic_interval_s": self.systolic_interval_s,
                "peak": self.peak, "method": self.method}


def _parabolic(y: np.ndarray, i: int) -> float:
    """Sub-sample position of the local maximum at ``i`` (``i`` itself when it is not one)."""
    if 0 < i < y.size - 1 and y[i] >= y[i - 1] and y[i] >= y[i + 1]:
        den = y[i - 1] - 2 * y[i] + y[i + 1]
        if den < 0:
            return i + 0.5 * (y[i - 1] - y[i + 1]) / den
    return float(i)


def _local_maxima(y: np.ndarray, lo: int, hi: int, prominence: float = 0.0) -> np.ndarray:
    """Indices ``lo <= i <= hi`` of the local maxima of ``y`` with at least ``prominence``."""
    i, _ = find_peaks(y, prominence=prominence)
    return i[(i >= lo) & (i <= hi)]


#: A shorter autocorrelation peak replaces the highest one when it is at least this high
#: relative to it and the highest lies at a multiple of its lag (the harmonic check).
HARMONIC_RATIO = 0.7
#: Least prominence (in autocorrelation units) of the S1-S2 peak; flatter is no peak.
SYSTOLE_PROMINENCE = 0.01


def typical_systolic_interval_s(heart_rate_bpm: float) -> float:
    """S1-to-S2 interval expected at a heart rate: the electromechanical systole QS2 of
    Weissler et al. 1968 (546 - 2.1 HR ms) less ~45 ms from the Q wave to the S1 centre."""
    return float(np.clip(0.50 - 0.0021 * heart_rate_bpm, 0.2, 0.45))


def estimate_heart_rate(homomorphic: np.ndarray, *, fs_hz: float, min_bpm: float = 30.0,
                        max_bpm: float = 120.0) -> HeartRateEstimate:
    """Heart rate and systolic interval from the autocorrelation of a homomorphic envelope.

    Schmidt 2010 / Springer 2016 take the highest autocorrelation peak between
    ``60/max_bpm`` and ``60/min_bpm`` seconds as the heart period (an S1-S2 lag is shorter
    than half a period and the limits keep it out) and the highest between 0.2 s and half
    the period as the systolic interval. Two guards make it robust to murmurs and
    irregular beats: the period is the fundamental among the local maxima (a shorter peak
    at least :data:`HARMONIC_RATIO` as high whose lag divides the highest one's replaces
    it: the highest at twice the period is a harmonic), and the systolic interval must be
    a local maximum (a murmur filling systole flattens the S1-S2 peak into a slope); when
    there is none, :func:`typical_systolic_interval_s` of the rate stands in (``method``
    then ends in ``+qs2``). Give it the S1/S2-band envelope
    (:func:`cardiokit.pcg.envelopes.heart_band_envelope`), where murmurs are weak.
    """
    env = np.asarray(homomorphic, dtype=np.float64)
    if not 0 < min_bpm < max_bpm:
        raise InvalidArgumentError(f"need 0 < min_bpm < max_bpm; got {min_bpm}, {max_bpm}")
    step = max(1, round(fs_hz / 200.0))  # the autocorrelation at ~200 Hz is plenty
    e = env[::step] - float(np.mean(env[::step]))
    fs = fs_hz / step
    n = e.size
    lo, hi = round(60.0 / max_bpm * fs), round(60.0 / min_bpm * fs)
    if n < hi + 2:
        raise AnalysisError(f"a PCG of {env.size / fs_hz:.1f} s is too short to estimate a heart rate "
                            f"(needs > {60.0 / min_bpm:.1f} s)")
    nfft = 1 << int(np.ceil(np.log2(2 * n)))
    spec = np.fft.rfft(e, nfft)
    ac = np.fft.irfft(spec * np.conj(spec), nfft)[:n]
    ac = ac / ac[0] if ac[0] > 0 else ac
    cand = _local_maxima(ac, lo, hi)
    if cand.size == 0:
        i = lo + int(np.argmax(ac[lo : hi + 1]))
    else:
        i = int(cand[np.argmax(ac[cand])])
        for c in cand[cand < i]:  # shortest first
            k = i / c
            if ac[c] >= HARMONIC_RATIO * ac[i] and round(k) >= 2 and abs(k - round(k)) < 0.08 * round(k):
                i = int(c)
                break
    period = _parabolic(ac, i) / fs
    method = "schmidt2010"
    lo_s, hi_s = round(0.2 * fs), max(round(0.2 * fs) + 1, round(period * fs / 2))
    sys_cand = _local_maxima(ac, lo_s, hi_s, SYSTOLE_PROMINENCE)
    if sys_cand.size:
        sys_s = _parabolic(ac, int(sys_cand[np.argmax(ac[sys_cand])])) / fs
    else:
        sys_s = typical_systolic_interval_s(60.0 / period)
        method += "+qs2"
    return HeartRateEstimate(60.0 / period, float(sys_s), float(np.clip(ac[i], 0.0, 1.0)), method)


@dataclass(frozen=True)
class Segment:
    """One heart-sound state from ``start_s`` to ``end_s`` (seconds from the recording start)."""

    state: str
    start_s: float
    end_s: float

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "start_s": round(float(self.start_s), 3),
                "end_s": round(float(self.end_s), 3)}


@dataclass(frozen=True, eq=False)
class HeartSoundSegmentation:
    """States per frame at ``fs`` (the feature rate, 50 Hz), indices into :data:`STATES`.

    ``heart_rate_bpm`` is the PCG heart rate: the median S1-to-S1 interval when at least
    four whole cycles were found, else the autocorrelation estimate ``rate``.
    """

    states: np.ndarray
    fs: float
    rate: HeartRateEstimate
    method: str = "springer2016"

    def __post_init__(self) -> None:
        s = np.asarray(self.states, dtype=np.int8).reshape(-1)
        s.flags.writeable = False
        object.__setattr__(self, "states", s)

    @property
    def segments(self) -> tuple[Segment, ...]:
        s = self.states
        if s.size == 0:
            return ()
        cut = np.flatnonzero(np.diff(s)) + 1
        starts = np.r_[0, cut]
        ends = np.r_[cut, s.size]
        return tuple(Segment(STATES[int(s[a])], float(a / self.fs), float(b / self.fs))
                     for a, b in zip(starts, ends, strict=True))

    def _times(self, state: str, where: str) -> np.ndarray:
        segs = [g for g in self.segments if g.state == state]
        if where == "start":
            return np.array([g.start_s for g in segs])
        return np.array([(g.start_s + g.end_s) / 2 for g in segs])

    @property
    def s1_times_s(self) -> np.ndarray:
        """Centres of the S1 segments (seconds)."""
        return self._times("S1", "centre")

    @property
    def s2_times_s(self) -> np.ndarray:
        """Centres of the S2 segments (seconds)."""
        return self._times("S2", "centre")

    def whole_cycles(self) -> list[tuple[float, float]]:
        """(start_s, end_s) of each whole cycle: S1 onset to the next S1 onset, both not
        cut by the recording's edges."""
        segs = self.segments
        on = [g.start_s for k, g in enumerate(segs) if g.state == "S1" and k > 0]
        return list(itertools.pairwise(on))

    @property
    def heart_rate_bpm(self) -> float:
        cyc = self.whole_cycles()
        if len(cyc) >= 4:
            return float(60.0 / np.median([b - a for a, b in cyc]))
        return self.rate.heart_rate_bpm

    def durations_s(self, state: str) -> np.ndarray:
        """Durations of the whole (not edge-cut) segments of ``state``."""
        segs = self.segments[1:-1]
        return np.array([g.end_s - g.start_s for g in segs if g.state == state])

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "heart_rate_bpm": self.heart_rate_bpm,
            "systolic_interval_s": self.rate.systolic_interval_s,
            "periodicity": self.rate.peak,
            "segments": [g.to_dict() for g in self.segments],
        }


def segmentation_envelopes(y: np.ndarray) -> Envelopes:
    """The segmenter's envelopes of a cleaned PCG (1 kHz): those of the S1/S2 band, the
    PCG low-passed at :data:`EMISSION_HIGH_HZ`, so that a murmur is not taken for S1/S2."""
    return envelope_features(y, fs_hz=PCG_FS_HZ, high_hz=EMISSION_HIGH_HZ)


def emission_features(env: Envelopes) -> np.ndarray:
    """``(n_frames, 4 * (2 * CONTEXT + 1))`` envelopes with their neighbours (edge-padded)."""
    v = env.values
    n = v.shape[0]
    pad = np.pad(v, ((CONTEXT, CONTEXT), (0, 0)), mode="edge")
    return np.hstack([pad[k : k + n] for k in range(2 * CONTEXT + 1)])


@lru_cache(maxsize=2)
def _segmenter(name: str = SEGMENTER_MODEL) -> dict[str, np.ndarray]:
    card = load_card(name)
    verify(card)
    raw = json.loads((MODEL_DIR / card.extra["weights_file"]).read_text())
    return {k: np.asarray(v, dtype=np.float64) for k, v in raw.items() if k != "states"}


def _log_emissions(feats: np.ndarray) -> np.ndarray:
    w = _segmenter()
    z = (feats - w["mean"]) / w["scale"]
    logit = z @ w["coef"].T + w["intercept"]
    logit -= logit.max(axis=1, keepdims=True)
    logp = logit - np.log(np.sum(np.exp(logit), axis=1, keepdims=True))
    return logp - np.log(w["prior"])  # scaled likelihood p(o|state) / p(o)


def _durations(rate: HeartRateEstimate, fs: float) -> np.ndarray:
    period = 60.0 / rate.heart_rate_bpm
    sys_mean = max(rate.systolic_interval_s - S1_MEAN_S, 0.08)
    dia_mean = max(period - rate.systolic_interval_s - S2_MEAN_S, 0.1)
    means = np.array([S1_MEAN_S, sys_mean, S2_MEAN_S, dia_mean]) * fs
    dia_sd = (0.07 + IRREGULAR_DIA_SD * (1.0 - float(np.clip(rate.peak, 0.0, 1.0)))) * dia_mean + 0.006
    sds = np.array([S1_SD_S, 0.025, S2_SD_S, dia_sd]) * fs
    mins = np.maximum(np.floor(means - 3 * sds), [2, 2, 2, 2])
    maxs = np.ceil(means + 3 * sds)
    return duration_logpmf(means, sds, mins, maxs)


def segment_heart_sounds(
    rec: Recording | np.ndarray,
    *,
    fs_hz: float | None = None,
    channel: int | str | None = None,
    method: str = "springer2016",
    cleaned: bool = False,
) -> HeartSoundSegmentation:
    """Segment a PCG into S1, systole, S2 and diastole.

    Parameters
    ----------
    rec
        A :class:`Recording` (its PCG channel, or ``channel``) or a 1-D array with ``fs_hz``.
    cleaned
        True when ``rec`` is already the output of :func:`clean_pcg` (1 kHz, 25-400 Hz).
    method
        ``"springer2016"`` (the only one).
    """
    if method not in _METHODS:
        raise InvalidArgumentError(f"method {method!r} is not one of {', '.join(_METHODS)}")
    if isinstance(rec, Recording):
        x, fs = pcg_channel(rec, channel), rec.fs
    else:
        if fs_hz is None:
            raise InvalidArgumentError("give fs_hz with an array PCG")
        x, fs = np.asarray(rec, dtype=np.float64), float(fs_hz)
    if cleaned:
        if abs(fs - PCG_FS_HZ) > 1e-9:
            raise InvalidArgumentError(f"a cleaned PCG is at {PCG_FS_HZ:g} Hz; got {fs:g}")
        y = x
    else:
        y = clean_pcg(x, fs_hz=fs)
    env = segmentation_envelopes(y)
    band = env.heart_band if env.heart_band is not None else env.homomorphic_full
    rate = estimate_heart_rate(band, fs_hz=PCG_FS_HZ)
    log_b = _log_emissions(emission_features(env))
    states = viterbi_hsmm(log_b, _durations(rate, env.fs))
    return HeartSoundSegmentation(states, env.fs, rate, method)
