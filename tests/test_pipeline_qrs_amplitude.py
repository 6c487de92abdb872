"""The statements' per-lead QRS amplitudes (gathered windows, reduced at once) equal the plain
per-lead, per-beat reading with np.median."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from cardiokit._core.recording import Channel
from cardiokit._pipeline_ecg import _qrs_amplitude


def _plain(rec: SimpleNamespace, idx: list[int], beats: np.ndarray, dl) -> dict[str, float]:
    x, n = np.asarray(rec.signals), rec.n_samples
    half = max(1, round(0.06 * rec.fs))
    out = {}
    for k, ci in enumerate(idx):
        if rec.channels[ci].unit != "mV":
            continue
        vals = []
        for b, r in enumerate(beats.tolist()):
            on, off = r - half, r + half
            if dl is not None:
                lo, hi = int(dl.per_lead[k, b, 3]), int(dl.per_lead[k, b, 5])
                if lo >= 0 and hi > lo:
                    on, off = lo, hi
            on, off = min(max(on, 0), n - 1), min(max(off, 0), n - 1)
            if off > on:
                w = x[on : off + 1, ci]
                vals.append(w.max() - w.min())
        if vals:
            out[rec.channels[ci].name] = float(np.median(np.asarray(vals, x.dtype))) * 1.0
    return out


@pytest.mark.parametrize("with_nan", [False, True])
def test_gathered_windows_equal_the_plain_reading(with_nan):
    rng = np.random.default_rng(8)
    fs, n, nl = 500.0, 5000, 5
    x = rng.normal(0, 0.3, (n, nl)).astype(np.float32)
    if with_nan:
        x[1200:1210, 2] = np.nan
    units = ["mV", "mV", "mV", "uV?", "mV"]
    # a stand-in for the cleaned Recording (which refuses NaN) with what _qrs_amplitude reads
    rec = SimpleNamespace(signals=x, fs=fs, n_samples=n,
                          channels=tuple(Channel(f"L{j}", "ecg", u) for j, u in enumerate(units)))
    beats = np.r_[3, np.sort(rng.choice(np.arange(100, n - 100), 11, replace=False)), n - 2].astype(np.int64)
    per = np.full((nl, beats.size, 9), -1, np.int64)
    on = beats - rng.integers(5, 40, (nl, beats.size))
    per[:, :, 3] = np.where(rng.random((nl, beats.size)) < 0.8, on, -1)
    per[:, :, 5] = on + rng.integers(-3, 60, (nl, beats.size))  # some offsets before the onset
    dl = SimpleNamespace(per_lead=per, leads=tuple(f"L{j}" for j in range(nl)))
    for d in (dl, None):
        for idx in ([0, 1, 2, 3, 4], [4, 2]):
            got = _qrs_amplitude(rec, idx, beats, d if d is None or len(idx) == nl else None)
            want = _plain(rec, idx, beats, d if d is None or len(idx) == nl else None)
            assert got.keys() == want.keys()
            for k, v in want.items():
                assert (np.isnan(v) and np.isnan(got[k])) or got[k] == v, (k, got[k], v)
