"""The ECG simulator: lead relations, rate, AF, ground truth, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardiokit import InvalidArgumentError, Recording
from cardiokit.sim import HRV, LEADS_12, simulate_ecg


def _col(rec: Recording, name: str) -> np.ndarray:
    return rec.signals[:, rec.channel_index(name)]


def _r_peaks(rec: Recording) -> np.ndarray:
    t = rec.annotation("truth")
    return t.sample[np.array(t.symbol) == "N"]


def _groups(symbols: tuple[str, ...]) -> list[str]:
    """Split a QT-database annotation sequence into wave groups; fail on a malformed one."""
    assert len(symbols) % 3 == 0, "annotations must come in (onset, peak, offset) triples"
    out = []
    for k in range(0, len(symbols), 3):
        on, pk, off = symbols[k : k + 3]
        assert (on, off) == ("(", ")"), f"group {k // 3}: {symbols[k:k + 3]}"
        assert pk in ("p", "N", "t")
        out.append(pk)
    return out


@pytest.fixture(scope="module")
def rec12() -> Recording:
    return simulate_ecg(duration_s=10, fs_hz=500, heart_rate_bpm=72, seed=7)


def test_twelve_leads_in_mv_with_realistic_amplitudes(rec12):
    assert rec12.channel_names == LEADS_12
    assert all(c.kind == "ecg" and c.unit == "mV" for c in rec12.channels)
    assert rec12.n_samples == 5000 and rec12.fs == 500
    for lead in ("II", "V4", "V5"):
        r = float(_col(rec12, lead).max())
        assert 0.9 <= r <= 1.8, f"R amplitude in {lead}: {r:.2f} mV"
    assert float(_col(rec12, "aVR").min()) < -0.5  # aVR mainly negative
    assert float(_col(rec12, "V1").min()) < -0.5  # rS in V1


@pytest.mark.parametrize("noise", [None, 10.0])
def test_einthoven_and_goldberger_hold(noise):
    rec = simulate_ecg(duration_s=5, noise_snr_db=noise, seed=1)
    i, ii, iii = _col(rec, "I"), _col(rec, "II"), _col(rec, "III")
    assert np.array_equal(ii, i + iii)  # exact in float32
    avr, avl, avf = _col(rec, "aVR"), _col(rec, "aVL"), _col(rec, "aVF")
    np.testing.assert_allclose(avr + avl + avf, 0.0, atol=1e-5)
    np.testing.assert_allclose(avr, -(i + ii) / 2, atol=1e-5)
    np.testing.assert_allclose(avf, ii - i / 2, atol=1e-5)


@pytest.mark.parametrize("hr", [45.0, 72.0, 130.0])
def test_mean_rr_matches_requested_heart_rate(hr):
    rec = simulate_ecg(duration_s=30, heart_rate_bpm=hr, hrv=HRV(sdnn_ms=50), seed=3)
    rr = np.diff(_r_peaks(rec)) / rec.fs
    assert abs(rr.mean() - 60.0 / hr) / (60.0 / hr) < 0.02
    assert rr.std() > 0.005  # HRV is there


def test_af_has_irregular_rr_and_no_p_waves():
    af = simulate_ecg(duration_s=30, heart_rate_bpm=90, af=True, seed=4)
    sinus = simulate_ecg(duration_s=30, heart_rate_bpm=90, seed=4)
    for rec, lo, hi in ((af, 0.12, 1.0), (sinus, 0.0, 0.06)):
        rr = np.diff(_r_peaks(rec)) / rec.fs
        rmssd_ratio = np.sqrt(np.mean(np.diff(rr) ** 2)) / rr.mean()
        assert lo <= rmssd_ratio <= hi, rmssd_ratio
    assert "p" not in af.annotation("truth").symbol
    assert af.annotation("rhythm").aux == ("(AFIB",)
    assert af.meta["truth"]["pr_ms"] is None
    # no P wave, but a fibrillatory baseline: V1 moves between T end and the next QRS
    t = af.annotation("truth")
    sym = np.array(t.symbol)
    ends = t.sample[1:][(sym[:-1] == "t")]
    starts = t.sample[:-1][(sym[1:] == "N")]
    v1 = _col(af, "V1")
    spans = [v1[a + 10 : b - 10] for a in ends for b in starts if b - a > 40 and b > a][:5]
    assert spans and all(np.ptp(s) > 0.03 for s in spans)


def test_truth_follows_qt_database_pattern_and_boundaries_are_exact(rec12):
    t = rec12.annotation("truth")
    waves = _groups(t.symbol)
    assert "".join(waves).count("pNt") >= 10  # p N t per beat, in order
    assert np.all(np.diff(t.sample) > 0)
    assert set(t.chan.tolist()) == {0}
    # isoelectric PR segment: every lead exactly zero between P offset and QRS onset
    sym = np.array(t.symbol)
    q_on = t.sample[:-1][sym[1:] == "N"]
    p_off = t.sample[1:][sym[:-1] == "p"]
    for a in q_on:
        before = p_off[p_off < a]
        if before.size:
            seg = rec12.signals[before[-1] + 1 : a]
            assert seg.size and np.all(seg == 0.0)
            assert np.any(rec12.signals[a + 2] != 0.0)


def test_requested_intervals_are_the_truth():
    rec = simulate_ecg(pr_ms=200, qrs_ms=120, qt_ms=420, p_duration_ms=110, hrv=None, seed=2)
    truth = rec.meta["truth"]
    assert truth["pr_ms"] == 200 and truth["qrs_ms"] == 120 and truth["qt_ms"] == 420
    assert truth["p_duration_ms"] == 110
    t = rec.annotation("truth")
    sym = np.array(t.symbol)
    qrs = [(t.sample[k - 1], t.sample[k + 1]) for k in np.flatnonzero(sym == "N")]
    widths = np.array([b - a for a, b in qrs]) / rec.fs * 1000
    np.testing.assert_allclose(widths, 120, atol=2.5)
    assert -30 < truth["qrs_axis_deg"] < 90


def test_qt_adapts_to_rate_by_fridericia():
    slow = simulate_ecg(heart_rate_bpm=50, hrv=None, seed=0).meta["truth"]
    fast = simulate_ecg(heart_rate_bpm=110, hrv=None, seed=0).meta["truth"]
    assert slow["qt_ms"] > fast["qt_ms"] + 60
    for t in (slow, fast):
        assert abs(t["qtc_fridericia_ms"] - 400) < 2


def test_seed_makes_it_deterministic():
    a = simulate_ecg(duration_s=5, noise_snr_db=20, seed=11)
    b = simulate_ecg(duration_s=5, noise_snr_db=20, seed=11)
    c = simulate_ecg(duration_s=5, noise_snr_db=20, seed=12)
    assert a == b
    assert not np.array_equal(a.signals, c.signals)


def test_noise_level_follows_snr():
    clean = simulate_ecg(duration_s=10, seed=5)
    for snr in (20.0, 0.0):
        noisy = simulate_ecg(duration_s=10, seed=5, noise_snr_db=snr)
        noise = noisy.signals.astype(float) - clean.signals
        ratio = 10 * np.log10(np.mean(clean.signals.astype(float) ** 2) / np.mean(noise**2))
        assert abs(ratio - snr) < 0.5


def test_single_lead_and_vcg():
    one = simulate_ecg(leads="1", seed=0)
    assert one.channel_names == ("II",)
    xyz = simulate_ecg(leads="xyz", seed=0)
    assert xyz.channel_names == ("X", "Y", "Z")


@pytest.mark.parametrize("bad", [dict(heart_rate_bpm=0), dict(fs_hz=-1), dict(leads="V7"), dict(pr_ms=90),
                                 dict(noise_kinds=("hum",)), dict(hrv="x"), dict(qt_ms=100)])
def test_invalid_options_raise_project_errors(bad):
    with pytest.raises(InvalidArgumentError):
        simulate_ecg(**bad)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hr=st.floats(30, 250), fs=st.floats(100, 1000), af=st.booleans(), seed=st.integers(0, 2**31))
def test_any_rate_and_sampling_frequency(hr, fs, af, seed):
    rec = simulate_ecg(duration_s=8, fs_hz=fs, heart_rate_bpm=hr, af=af, seed=seed, leads="1")
    assert rec.n_samples == round(8 * fs)
    assert np.all(np.isfinite(rec.signals))
    r = _r_peaks(rec)
    expected = 8 * hr / 60
    assert abs(r.size - expected) <= 2.5
    assert rec.meta["truth"]["n_beats"] >= r.size
    if r.size > 2:
        rr = np.diff(r) / rec.fs
        # AF intervals are independent with a CV of ~0.2 (sim._rr.af_rr): the mean of k of them
        # strays ~0.2 / sqrt(k) from the nominal, so allow 4 such SDs (5 intervals at 45 bpm: 0.37)
        tol = 0.03 if not af else max(0.15, 4 * 0.21 / np.sqrt(rr.size))
        assert abs(rr.mean() - 60 / hr) / (60 / hr) < tol


@pytest.mark.parametrize(("kind", "hr", "ratio"), [("2:1", 40, 2.0), ("mobitz1", 60, 4 / 3), ("mobitz2", 60, 4 / 3),
                                                    ("complete", 38, None)])
def test_av_block_p_waves_follow_the_atrial_rhythm(kind, hr, ratio):
    rec = simulate_ecg(av_block=kind, heart_rate_bpm=hr, seed=4)
    t = rec.meta["truth"]
    truth = rec.annotations[0]
    n_p = sum(1 for y in truth.symbol if y == "p")
    n_qrs = sum(1 for y in truth.symbol if y == "N")
    atrial = 80.0 if ratio is None else hr * ratio
    assert t["atrial_rate_bpm"] == pytest.approx(atrial, rel=0.06)
    assert n_p > n_qrs and t["n_blocked_p"] >= n_p - n_qrs - 1
    assert rec.annotations[1].aux == ("(BIII",) if kind == "complete" else ("(BII",)
    if kind == "complete":
        assert t["pr_ms"] is None
    else:  # conducted beats: a P wave PR before each QRS onset (Mobitz I: 160, 240, 280 ms)
        on = np.asarray([s for s, y, nx in zip(truth.sample, truth.symbol, truth.symbol[1:], strict=False)
                         if y == "(" and nx == "N"])
        p_on = np.asarray([s for s, y, nx in zip(truth.sample, truth.symbol, truth.symbol[1:], strict=False)
                           if y == "(" and nx == "p"])
        pr = [(q - p_on[p_on < q].max()) / rec.fs * 1000 for q in on if (p_on < q).any()]
        allowed = (160, 240, 280) if kind == "mobitz1" else (160,)
        assert all(min(abs(x - a) for a in allowed) < 3 for x in pr)


@pytest.mark.parametrize("bad", [dict(av_block="3:1"), dict(av_block="2:1", af=True), dict(atrial_rate_bpm=90),
                                 dict(av_block="mobitz1", atrial_rate_bpm=90),
                                 dict(av_block="complete", atrial_rate_bpm=70, heart_rate_bpm=72)])
def test_invalid_av_block_options_raise(bad):
    with pytest.raises(InvalidArgumentError):
        simulate_ecg(**bad)
