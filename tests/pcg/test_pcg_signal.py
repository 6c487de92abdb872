"""cardiokit.pcg: filters, spike removal, envelopes, HSMM decoding, heart rate (synthetic)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cardiokit import Recording
from cardiokit._core.errors import AnalysisError, InvalidArgumentError
from cardiokit._core.recording import Channel
from cardiokit.pcg import (
    STATES,
    bandpass_pcg,
    clean_pcg,
    envelope_features,
    estimate_heart_rate,
    homomorphic_envelope,
    psd_envelope,
    remove_spikes,
    segment_heart_sounds,
    wavelet_envelope,
)
from cardiokit.pcg._hsmm import duration_logpmf, viterbi_hsmm

FS = 2000.0


def _tone(f: float, n: int, fs: float = FS) -> np.ndarray:
    return np.sin(2 * np.pi * f * np.arange(n) / fs)


def synthetic_pcg(bpm: float = 72.0, seconds: float = 20.0, fs: float = FS, seed: int = 0,
                  sys_s: float = 0.32) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """S1 (50 Hz, 100 ms) and S2 (80 Hz, 80 ms) Gaussian-windowed bursts plus noise;
    returns the signal and the S1 and S2 centres in seconds."""
    rng = np.random.default_rng(seed)
    n = round(seconds * fs)
    t = np.arange(n) / fs
    x = 0.02 * rng.standard_normal(n)
    period = 60.0 / bpm
    s1 = np.arange(0.3, seconds - 0.5, period)
    s2 = s1 + sys_s
    for c, f, w, a in [(s1, 50.0, 0.025, 1.0), (s2, 80.0, 0.02, 0.7)]:
        for ci in c:
            x += a * np.exp(-0.5 * ((t - ci) / w) ** 2) * np.sin(2 * np.pi * f * (t - ci))
    return x, s1, s2


def test_bandpass_keeps_25_400_hz_and_removes_the_rest():
    n = round(4 * FS)
    mid = slice(round(FS), round(3 * FS))
    for f, keep in ((5.0, False), (100.0, True), (300.0, True), (800.0, False)):
        y = bandpass_pcg(_tone(f, n), fs_hz=FS)
        gain = np.std(y[mid]) / np.std(_tone(f, n)[mid])
        assert (gain > 0.8) if keep else (gain < 0.1), (f, gain)


def test_remove_spikes_zeroes_the_spike_and_keeps_the_rest():
    x, _, _ = synthetic_pcg()
    x = bandpass_pcg(x, fs_hz=FS)
    spiky = x.copy()
    k = round(7.13 * FS)
    spiky[k : k + 6] += np.array([5, 20, 40, -40, -20, -5], dtype=float)
    before = spiky.copy()
    out = remove_spikes(spiky, fs_hz=FS)
    assert np.abs(out[k - 20 : k + 30]).max() < 0.5 * np.abs(spiky[k : k + 6]).max()
    far = np.r_[0 : round(6.5 * FS), round(7.6 * FS) : x.size]
    assert np.array_equal(out[far], spiky[far])
    assert np.array_equal(spiky, before)  # input untouched
    assert np.array_equal(remove_spikes(x, fs_hz=FS), x)  # nothing above 3 x median


def test_envelopes_follow_the_sounds_and_the_bands():
    x, s1, _ = synthetic_pcg()
    y = clean_pcg(x, fs_hz=FS)
    h = homomorphic_envelope(y, fs_hz=1000.0)
    assert h.shape == y.shape and h.min() > 0
    at = np.round(s1 * 1000).astype(int)
    between = at + 600  # mid diastole at 72 bpm
    assert np.median(h[at]) > 5 * np.median(h[between[between < h.size]])
    n = 4000
    assert np.mean(wavelet_envelope(_tone(90.0, n, 1000.0), fs_hz=1000.0)[500:-500]) > \
        5 * np.mean(wavelet_envelope(_tone(300.0, n, 1000.0), fs_hz=1000.0)[500:-500])
    assert np.mean(psd_envelope(_tone(50.0, n, 1000.0), fs_hz=1000.0)) > \
        100 * np.mean(psd_envelope(_tone(150.0, n, 1000.0), fs_hz=1000.0))
    env = envelope_features(y, fs_hz=1000.0)
    assert env.values.shape == (env.n_frames, 4) and env.fs == 50.0
    assert abs(env.n_frames - y.size / 20) <= 1
    assert np.allclose(env.values.mean(axis=0), 0, atol=1e-9)


@pytest.mark.parametrize("bpm", [55.0, 72.0, 100.0])
def test_heart_rate_from_the_envelope_autocorrelation(bpm):
    x, _, _ = synthetic_pcg(bpm=bpm, sys_s=0.3)
    y = clean_pcg(x, fs_hz=FS)
    est = estimate_heart_rate(homomorphic_envelope(y, fs_hz=1000.0), fs_hz=1000.0)
    assert abs(est.heart_rate_bpm - bpm) < 1.0
    assert abs(est.systolic_interval_s - 0.3) < 0.03
    assert 0.3 < est.peak <= 1.0
    with pytest.raises(AnalysisError, match="too short"):
        estimate_heart_rate(np.ones(1500), fs_hz=1000.0)


def test_viterbi_recovers_states_and_respects_durations():
    rng = np.random.default_rng(1)
    truth = np.concatenate([np.full(d, s) for _ in range(12)
                            for s, d in ((0, 6), (1, 10), (2, 5), (3, 20))])
    logb = np.log(np.full((truth.size, 4), 0.1))
    logb[np.arange(truth.size), truth] = np.log(0.7)
    flip = rng.random(truth.size) < 0.25  # a quarter of the frames point to a wrong state
    logb[flip] = np.log(rng.dirichlet(np.ones(4), flip.sum()))
    dur = duration_logpmf(np.array([6, 10, 5, 20.0]), np.array([1, 1.5, 1, 3.0]),
                          np.array([3, 6, 3, 12]), np.array([9, 14, 8, 30]))
    states = viterbi_hsmm(logb, dur)
    assert (states == truth).mean() > 0.95
    cut = np.flatnonzero(np.diff(states)) + 1
    assert np.all((states[cut] - states[cut - 1]) % 4 == 1)  # cyclic order only


def test_segmentation_of_a_synthetic_pcg():
    x, s1, s2 = synthetic_pcg(bpm=70.0, seconds=25.0)
    rec = Recording(x[:, None].astype(np.float32), FS, (Channel("PCG", "pcg", ""),))
    seg = segment_heart_sounds(rec)
    segs = seg.segments
    order = [STATES.index(g.state) for g in segs]
    assert all((b - a) % 4 == 1 for a, b in itertools.pairwise(order))
    assert all(a.end_s == b.start_s for a, b in itertools.pairwise(segs))
    assert segs[0].start_s == 0 and abs(segs[-1].end_s - 25.0) < 0.03
    assert abs(seg.heart_rate_bpm - 70.0) < 2.0
    for ref, det in ((s1, seg.s1_times_s), (s2, seg.s2_times_s)):
        inner = ref[(ref > 0.5) & (ref < 24.0)]
        hit = np.min(np.abs(inner[:, None] - det[None, :]), axis=1) <= 0.06
        assert hit.mean() > 0.95
    d = seg.to_dict()
    assert d["segments"][1]["state"] in STATES and d["heart_rate_bpm"] == seg.heart_rate_bpm


def test_bad_arguments_are_named():
    with pytest.raises(InvalidArgumentError, match="springer2016"):
        segment_heart_sounds(np.zeros(20000), fs_hz=FS, method="nope")
    with pytest.raises(InvalidArgumentError, match="fs_hz"):
        segment_heart_sounds(np.zeros(20000))
    with pytest.raises(InvalidArgumentError, match="800"):
        clean_pcg(np.zeros(2000), fs_hz=500.0)
    ecg = Recording(np.zeros((4000, 2), np.float32), FS, (Channel("I", "ecg"), Channel("II", "ecg")))
    with pytest.raises(InvalidArgumentError, match="no PCG channel"):
        segment_heart_sounds(ecg)


def _with_systolic_murmur(x: np.ndarray, s1: np.ndarray, s2: np.ndarray, seed: int = 1) -> np.ndarray:
    """Add 150-300 Hz noise filling each systole (S1 centre + 60 ms to S2 centre - 50 ms)."""
    rng = np.random.default_rng(seed)
    noise = bandpass_pcg(rng.standard_normal(x.size), fs_hz=FS, low_hz=150.0, high_hz=300.0)
    mask = np.zeros(x.size)
    for a, b in zip(s1, s2, strict=True):
        mask[round((a + 0.06) * FS) : round((b - 0.05) * FS)] = 1.0
    return x + 0.08 * noise / noise.std() * mask


def test_phase_contrasts_see_a_murmur_and_ignore_gain_and_a_smooth_response():
    from scipy.signal import butter, sosfilt

    from cardiokit.pcg import PCG_FS_HZ, classify_pcg
    from cardiokit.pcg.features import CONTRAST_NAMES, contrast_features, log_mel

    x, s1, s2 = synthetic_pcg(bpm=70.0, seconds=20.0)
    m = _with_systolic_murmur(x, s1, s2)
    # another recorder: 5x the gain and a first-order low-pass at 200 Hz
    tilted = 5.0 * sosfilt(butter(1, 200.0, fs=FS, output="sos"), m)

    def contrasts(sig: np.ndarray) -> tuple[dict[str, float], float]:
        y = clean_pcg(sig, fs_hz=FS)
        seg = segment_heart_sounds(y, fs_hz=PCG_FS_HZ, cleaned=True)
        c = dict(zip(CONTRAST_NAMES, contrast_features(log_mel(y), seg.states), strict=True))
        return c, classify_pcg(y, seg).probability_abnormal

    plain, p_plain = contrasts(x)
    murmur, p_murmur = contrasts(m)
    other, _ = contrasts(tilted)
    for g in (3, 4):  # the 150-300 Hz band groups: systole rises against diastole by > 1 (log)
        assert murmur[f"g{g}_sys_dia"] - plain[f"g{g}_sys_dia"] > 1.0
        assert abs(other[f"g{g}_sys_dia"] - murmur[f"g{g}_sys_dia"]) < 0.3
    assert murmur["cycle_corr"] > 0.5
    assert p_murmur > p_plain


def _murmur(x: np.ndarray, s1: np.ndarray, s2: np.ndarray, amp: float, low_hz: float,
            high_hz: float, seed: int = 1) -> np.ndarray:
    """Band-limited noise of sd ``amp`` (S1 peaks at 1) filling each systole."""
    rng = np.random.default_rng(seed)
    noise = bandpass_pcg(rng.standard_normal(x.size), fs_hz=FS, low_hz=low_hz, high_hz=high_hz)
    mask = np.zeros(x.size)
    for a, b in zip(s1, s2, strict=True):
        mask[round((a + 0.06) * FS) : round((b - 0.05) * FS)] = 1.0
    return x + amp * noise / noise.std() * mask


@pytest.mark.parametrize(("bpm", "amp", "band"), [
    (60.0, 0.2, (150.0, 300.0)), (85.0, 0.4, (150.0, 300.0)), (70.0, 0.4, (80.0, 300.0)),
    (85.0, 0.2, (50.0, 200.0)), (60.0, 0.4, (50.0, 200.0)), (110.0, 0.4, (80.0, 300.0)),
])
def test_a_loud_systolic_murmur_is_not_taken_for_heart_sounds(bpm, amp, band):
    # before the S1/S2-band envelopes, these gave 14-73 bpm for 85 bpm and S1 hit rates
    # of 0-0.5: the murmur flattened the S1-S2 autocorrelation peak and was called S1/S2
    sys_s = 0.32 if bpm < 100 else 0.27
    x, s1, s2 = synthetic_pcg(bpm=bpm, seconds=25.0, sys_s=sys_s)
    y = clean_pcg(_murmur(x, s1, s2, amp, *band), fs_hz=FS)
    seg = segment_heart_sounds(y, fs_hz=1000.0, cleaned=True)
    assert abs(seg.heart_rate_bpm - bpm) < 2.0
    assert abs(seg.rate.heart_rate_bpm - bpm) < 2.0
    assert abs(seg.rate.systolic_interval_s - sys_s) < 0.06
    for ref, det in ((s1, seg.s1_times_s), (s2, seg.s2_times_s)):
        inner = ref[(ref > 0.5) & (ref < 24.0)]
        assert (np.min(np.abs(inner[:, None] - det[None, :]), axis=1) <= 0.06).mean() > 0.95


def test_heart_rate_picks_the_fundamental_and_never_a_non_peak():
    from cardiokit.pcg.segment import typical_systolic_interval_s

    fs, period = 200.0, 0.8  # 75 bpm
    t = np.arange(round(20 * fs)) / fs
    # S1 only; every other beat weaker (alternans): the highest autocorrelation peak is
    # at two periods, the one at one period is lower but a clear fundamental
    env = np.zeros_like(t)
    for k, c in enumerate(np.arange(0.2, 19.5, period)):
        env += (1.0 if k % 2 else 0.45) * np.exp(-0.5 * ((t - c) / 0.03) ** 2)
    est = estimate_heart_rate(env, fs_hz=fs)
    assert abs(est.heart_rate_bpm - 75.0) < 1.0
    # no S2 at all: no autocorrelation peak in 0.2 s .. half a period, QS2 stands in
    assert est.method.endswith("+qs2")
    assert est.systolic_interval_s == pytest.approx(typical_systolic_interval_s(est.heart_rate_bpm))
    assert 0.25 < typical_systolic_interval_s(75.0) < 0.40


def test_beat_features_see_beat_to_beat_s2_variability_and_ignore_gain():
    from cardiokit.pcg import PCG_FS_HZ
    from cardiokit.pcg.features import BEAT_NAMES, beat_features, log_mel

    x, _, s2 = synthetic_pcg(bpm=70.0, seconds=20.0)
    # the same recording with each S2 scaled by a random factor in [0.3, 1.2]
    rng = np.random.default_rng(3)
    t = np.arange(x.size) / FS
    v = x.copy()
    for c in s2:
        burst = 0.7 * np.exp(-0.5 * ((t - c) / 0.02) ** 2) * np.sin(2 * np.pi * 80.0 * (t - c))
        v += (rng.uniform(0.3, 1.2) - 1.0) * burst

    def feats(sig: np.ndarray) -> dict[str, float]:
        y = clean_pcg(sig, fs_hz=FS)
        seg = segment_heart_sounds(y, fs_hz=PCG_FS_HZ, cleaned=True)
        return dict(zip(BEAT_NAMES, beat_features(log_mel(y), seg.states), strict=True))

    steady, varying, louder = feats(x), feats(v), feats(7.0 * v)
    assert varying["rsd_s2"] > steady["rsd_s2"] + 0.3, (steady["rsd_s2"], varying["rsd_s2"])
    assert varying["msd_s2"] > steady["msd_s2"] + 0.3
    assert abs(varying["rsd_s1"] - steady["rsd_s1"]) < 0.2
    assert steady["frac_cycles_ok"] > 0.9 and steady["corr_s1"] > 0.8
    for k in BEAT_NAMES:  # gain cancels
        assert louder[k] == pytest.approx(varying[k], abs=1e-6), k
