"""atrial_activity's fast forms equal the plain numpy ones bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from cardiokit.ecg.atrial import GATE_RATE_BPM, P_PEAK, _av_block_can_show, _decimate_mean


@pytest.mark.parametrize("dtype", [np.float32, np.int16, np.float64])
def test_decimation_of_the_stored_precision_equals_that_of_float64(dtype):
    rng = np.random.default_rng(2)
    x = (rng.normal(0, 300, size=(5003, 12))).astype(dtype)
    for q in (1, 2, 3, 4):
        got = _decimate_mean(x, q)
        assert got.dtype == np.float64
        assert np.array_equal(got, _decimate_mean(x.astype(np.float64), q))
        m = x.shape[0] // q * q
        assert np.allclose(got, x[:m].astype(np.float64).reshape(-1, q, 12).mean(axis=1), rtol=1e-12, atol=1e-9)


def _gate_numpy(beats: np.ndarray, g: np.ndarray, fs: float) -> bool:
    rr = np.diff(beats) / fs
    med = float(np.median(rr))
    unrelated = np.mean(g[:, P_PEAK] >= 0) < 0.8 and float(np.std(rr)) < 0.1 * float(np.mean(rr))
    return bool(med >= 60.0 / GATE_RATE_BPM or rr.max() >= 1.5 * med or unrelated)


def test_gate_in_python_equals_the_numpy_form():
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(3000):
        n = int(rng.integers(3, 300))
        fs = float(rng.choice([250.0, 257.0, 360.0, 500.0, 1000.0]))
        rr = np.maximum(rng.normal(rng.uniform(0.4, 1.4), rng.uniform(0, 0.2), n - 1), 0.2) * fs
        b = np.cumsum(np.r_[100, np.round(rr)]).astype(np.int64)
        g = np.full((n, 9), -1, np.int64)
        g[:, P_PEAK] = np.where(rng.random(n) < rng.uniform(0.5, 1.0), 5, -1)
        want = _gate_numpy(b, g, fs)
        assert _av_block_can_show(b, g, fs) == want
        seen.add(want)
    assert seen == {True, False}


def _match_rowwise(xs: np.ndarray, tmpl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The template match with numpy's row-wise sums and running sums (time-major layout)."""
    from scipy.fft import irfft, next_fast_len, rfft

    from cardiokit.ecg.atrial import _detrended

    half = tmpl.shape[0] // 2
    width = 2 * half + 1
    t = np.arange(-half, half + 1, dtype=np.float64)
    t /= np.sqrt(t @ t)
    tt = _detrended(tmpl, t)
    tn = float((tt * tt).sum())
    corr, gain = np.full(xs.shape[0], -1.0), np.zeros(xs.shape[0])
    if xs.shape[0] <= 2 * half or tn <= 0:
        return corr, gain
    n = xs.shape[0]
    nfft = next_fast_len(n + width - 1, real=True)
    spec = rfft(xs, nfft, axis=0)
    num = irfft((spec * rfft(tt[::-1], nfft, axis=0)).sum(axis=1), nfft)[width - 1: n]
    ramp = irfft(spec * rfft(t[::-1], nfft)[:, None], nfft, axis=0)[width - 1: n]
    lanes = xs.shape[1]
    c = np.zeros((n + 1, 2 * lanes))
    np.cumsum(xs, axis=0, out=c[1:, :lanes])
    np.cumsum(np.square(xs), axis=0, out=c[1:, lanes:])
    s = c[width:] - c[:-width]
    s1, s2 = s[:, :lanes], s[:, lanes:]
    energy = np.maximum((s2 - s1 * s1 / width - ramp * ramp).sum(axis=1), 0.0)
    corr[half:-half] = num / np.maximum(np.sqrt(energy * tn), 1e-12)
    gain[half:-half] = num / tn
    return corr, gain


@pytest.mark.parametrize("lanes", [1, 3, 4, 5, 8, 12])
def test_template_match_lead_by_lead_equals_the_row_wise_sums(lanes):
    from cardiokit.ecg.atrial import _match

    rng = np.random.default_rng(lanes)
    for n in (30, 700, 2500):
        xs = np.cumsum(rng.normal(0, 0.02, size=(n, lanes)), axis=0)
        tmpl = np.sin(np.linspace(0, np.pi, 41))[:, None] * rng.uniform(0.05, 0.2, lanes) + rng.normal(0, 0.01, (41, lanes))
        got, want = _match(xs, tmpl), _match_rowwise(xs, tmpl)
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


def test_conduction_evidence_holds_plain_json_numbers():
    """The AV-conduction evidence (statement evidence, JSON) keeps Python numbers."""
    import json

    from cardiokit.ecg.atrial import _conduction

    fs = 500.0
    beats = np.arange(300, 5000, 600, dtype=np.int64)  # 50 bpm, a P wave 160 ms before each QRS
    g = np.full((beats.size, 9), -1, np.int64)
    g[:, 3] = beats - 40
    p = beats - 120
    a = _conduction(p, np.full(p.size, 0.9), fs, beats, g, 5000, None)
    assert a.rate_bpm is not None
    for k in ("pp_on_time_fraction", "pp_range_ms", "atrial_rate_bpm", "ventricular_rate_bpm"):
        assert type(a.evidence[k]) is float, k
    json.dumps(a.evidence)
