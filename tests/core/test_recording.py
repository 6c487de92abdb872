"""Recording, Channel and Annotations: validation, immutability and cheap views."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardiokit import Annotations, Channel, InvalidArgumentError, InvalidSignalError, Recording


def _rec(n: int = 1000, c: int = 3, fs: float = 250.0) -> Recording:
    rng = np.random.default_rng(0)
    sig = rng.standard_normal((n, c)).astype(np.float32)
    ann = Annotations("atr", [10, 500, 900], ["N", "V", "N"], chan=[0, 1, 2])
    return Recording(
        sig,
        fs,
        tuple(Channel(f"ch{i}", "ecg", "mV") for i in range(c)),
        annotations=(ann,),
        meta={"subject": {"age_years": 50}},
    )


def test_signals_are_float32_read_only_and_meta_frozen():
    rec = _rec()
    assert rec.signals.dtype == np.float32
    with pytest.raises(ValueError):
        rec.signals[0, 0] = 1.0
    with pytest.raises(TypeError):
        rec.meta["x"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        rec.meta["subject"]["age_years"] = 3  # type: ignore[index]
    with pytest.raises(AttributeError):
        rec.fs = 3  # type: ignore[misc]


def test_input_array_is_not_aliased_for_writes():
    arr = np.zeros((10, 1), np.float32)
    rec = Recording(arr, 100, (Channel("a"),))
    arr[0, 0] = 5  # the caller's array stays writable
    assert rec.signals.shape == (10, 1)


@pytest.mark.parametrize(
    ("signals", "fs", "nch", "match"),
    [
        (np.zeros((10, 0)), 100, 0, "zero channels"),
        (np.zeros((0, 1)), 100, 1, "zero samples"),
        (np.array([[np.nan], [1.0]]), 100, 1, "NaN or infinite"),
        (np.array([[np.inf], [1.0]]), 100, 1, "NaN or infinite"),
        (np.zeros((10, 1)), 0, 1, "fs must be"),
        (np.zeros((10, 1)), -5, 1, "fs must be"),
        (np.zeros((10, 1)), float("nan"), 1, "fs must be"),
        (np.zeros((10, 2)), 100, 1, "channel descriptions"),
        (np.zeros((2, 2, 2)), 100, 2, "2-D"),
        (np.array([["a"], ["b"]]), 100, 1, "real numbers"),
    ],
)
def test_invalid_signals_are_rejected_with_clear_errors(signals, fs, nch, match):
    with pytest.raises(InvalidSignalError, match=match):
        Recording(signals, fs, tuple(Channel(f"c{i}") for i in range(nch)))


def test_unknown_channel_kind_lists_accepted_kinds():
    with pytest.raises(InvalidArgumentError, match="ecg, ppg, pcg"):
        Channel("x", "eeg")


def test_select_by_name_index_and_kind_remaps_annotations():
    rec = _rec()
    sub = rec.select(["ch2", 0])
    assert sub.channel_names == ("ch2", "ch0")
    np.testing.assert_array_equal(sub.signals[:, 0], rec.signals[:, 2])
    ann = sub.annotation("atr")
    assert list(ann.sample) == [10, 900] and list(ann.chan) == [1, 0]
    assert rec.select(kind="ecg").n_channels == 3
    with pytest.raises(InvalidArgumentError, match="no channel named"):
        rec.select("V7")
    with pytest.raises(InvalidArgumentError, match="matches no channel"):
        rec.select(kind="ppg")


def test_crop_is_a_view_and_shifts_annotations():
    rec = _rec()
    part = rec.crop(1.0, 3.0)
    assert part.n_samples == 500
    assert np.shares_memory(part.signals, rec.signals)
    assert list(part.annotation("atr").sample) == [250]
    with pytest.raises(InvalidArgumentError):
        rec.crop(3.0, 1.0)
    with pytest.raises(InvalidArgumentError, match="outside"):
        rec.crop(100.0, 200.0)


def test_resample_keeps_a_sine_and_rescales_annotations():
    fs = 500.0
    t = np.arange(5000) / fs
    sig = np.sin(2 * np.pi * 5 * t)[:, None]
    rec = Recording(sig, fs, (Channel("s", "ecg", "mV"),), annotations=(Annotations("b", [1000], ["N"]),))
    down = rec.resample(250)
    assert down.fs == 250 and down.n_samples == 2500
    t2 = np.arange(2500) / 250
    np.testing.assert_allclose(down.signals[100:-100, 0], np.sin(2 * np.pi * 5 * t2)[100:-100], atol=2e-3)
    assert list(down.annotation("b").sample) == [500]
    assert rec.resample(500) is rec


def test_annotations_sorted_and_validated():
    a = Annotations("x", [30, 10, 20], ["c", "a", "b"])
    assert list(a.sample) == [10, 20, 30] and a.symbol == ("a", "b", "c")
    assert a.counts() == {"a": 1, "b": 1, "c": 1}
    with pytest.raises(InvalidArgumentError, match="same length"):
        Annotations("x", [1, 2], ["a"])


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 2000),
    c=st.integers(1, 4),
    fs=st.floats(1, 2000),
    a=st.floats(0, 0.99),
    b=st.floats(0.01, 1.0),
)
def test_crop_property(n, c, fs, a, b):
    rec = Recording(np.zeros((n, c)), fs, tuple(Channel(str(i)) for i in range(c)))
    start, stop = sorted((a, b))
    start_s, stop_s = start * rec.duration_s, stop * rec.duration_s
    if round(start_s * fs) >= min(round(stop_s * fs), n) or stop_s <= start_s:
        with pytest.raises(InvalidArgumentError):
            rec.crop(start_s, stop_s)
    else:
        part = rec.crop(start_s, stop_s)
        assert 1 <= part.n_samples <= n and part.n_channels == c
