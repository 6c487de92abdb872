"""cardiokit.ecg.clean: ECG channels filtered, others untouched, per-fs designs, options."""

from __future__ import annotations

import numpy as np
import pytest

from cardiokit._core.errors import InvalidArgumentError
from cardiokit._core.recording import Channel, Recording
from cardiokit.ecg import clean
from tests.ecg._beats_synth import regular_train, synth_ecg


def _rec(fs: float, *, line_hz: float | None = 50.0, seconds: float = 20.0) -> Recording:
    n = int(seconds * fs)
    t = np.arange(n) / fs
    ecg = synth_ecg(regular_train(70, seconds), fs=fs, duration_s=seconds)
    wander = 0.8 * np.sin(2 * np.pi * 0.15 * t)
    hum = 0.2 * np.sin(2 * np.pi * line_hz * t) if line_hz else 0.0
    other = np.sin(2 * np.pi * 0.3 * t)
    sig = np.stack([ecg + wander + hum, -ecg + wander + hum, other], axis=1)
    return Recording(sig, fs, (Channel("II", "ecg", "mV"), Channel("V1", "ecg", "mV"),
                                Channel("resp", "resp", "")))


def _clean_ecg(fs: float, seconds: float = 20.0) -> np.ndarray:
    return synth_ecg(regular_train(70, seconds), fs=fs, duration_s=seconds)


@pytest.mark.parametrize("fs", [100.0, 250.0, 500.0, 1000.0])
def test_removes_wander_and_hum_keeps_qrs(fs):
    rec = _rec(fs, line_hz=50.0 if fs > 100 else None)
    out = clean(rec)
    assert isinstance(out, Recording) and out is not rec
    assert out.signals.shape == rec.signals.shape and out.fs == rec.fs
    truth = _clean_ecg(fs)
    mid = slice(int(2 * fs), int(-2 * fs))
    err = out.signals[mid, 0] - truth[mid]
    # residual wander + hum well below the 1-mV R wave; R amplitude mostly kept
    assert np.sqrt(np.mean(err**2)) < 0.1
    assert np.max(out.signals[mid, 0]) > 0.7
    np.testing.assert_array_equal(out.signals[:, 2], rec.signals[:, 2])  # resp untouched


def test_input_not_mutated_and_annotations_kept():
    rec = _rec(360.0)
    before = rec.signals.copy()
    clean(rec)
    np.testing.assert_array_equal(rec.signals, before)


@pytest.mark.parametrize("line", [50.0, 60.0])
def test_powerline_auto_force_disable(line):
    rec = _rec(500.0, line_hz=line)
    n = rec.n_samples
    mid = slice(n // 4, 3 * n // 4)

    def hum_left(out: Recording) -> float:
        spec = np.abs(np.fft.rfft(out.signals[mid, 0].astype(float)))
        f = np.fft.rfftfreq(len(out.signals[mid, 0]), 1 / 500.0)
        return float(spec[np.argmin(np.abs(f - line))])

    no_lp = {"high_hz": None}
    off = hum_left(clean(rec, powerline_hz=None, **no_lp))
    auto = hum_left(clean(rec, powerline_hz="auto", **no_lp))
    forced = hum_left(clean(rec, powerline_hz=line, **no_lp))
    assert auto < 0.05 * off and forced < 0.05 * off


def test_leads_selection_and_errors():
    rec = _rec(250.0)
    out = clean(rec, leads=["V1"])
    np.testing.assert_array_equal(out.signals[:, 0], rec.signals[:, 0])
    assert not np.array_equal(out.signals[:, 1], rec.signals[:, 1])
    with pytest.raises(InvalidArgumentError, match="channels are"):
        clean(rec, leads=["V9"])
    with pytest.raises(InvalidArgumentError, match="'auto', None"):
        clean(rec, powerline_hz="yes")
    with pytest.raises(InvalidArgumentError):
        clean(rec, low_hz=30, high_hz=20)
    with pytest.raises(InvalidArgumentError):
        clean(rec.signals)  # type: ignore[arg-type]
    only_resp = rec.select(["resp"])
    with pytest.raises(InvalidArgumentError, match="no ECG channel"):
        clean(only_resp)


def test_unmarked_channels_are_treated_as_ecg():
    x = _rec(250.0).signals[:, :1]
    rec = Recording(x, 250.0, (Channel("ECG"),))
    out = clean(rec)
    assert abs(float(np.mean(out.signals))) < 0.05


@pytest.mark.parametrize("line", [None, 50.0])
def test_twelve_leads_cleaned_in_float32_match_the_float64_filter(line):
    from cardiokit.ecg.clean import clean_array

    base = _rec(500.0, line_hz=line, seconds=10.0)
    sig = np.concatenate([base.signals[:, :2]] * 6, axis=1) * np.linspace(0.5, 1.5, 12)
    names = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
    rec = Recording(sig.astype(np.float32), 500.0, tuple(Channel(nm, "ecg", "mV") for nm in names))
    out = clean(rec).signals
    ref = clean_array(rec.signals, fs_hz=500.0)
    assert out.dtype == np.float32
    # same filter (notch included when hum is there) up to float32 rounding, ends included
    assert np.abs(out - ref).max() < 1e-5 * np.abs(ref).max()
