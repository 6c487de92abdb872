"""Sinus arrhythmia on long records: the sinus RR range is read per 10-s window (the strip the
criterion is written for), not over minutes where the slow drift of the rate exceeds it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cardiokit
from cardiokit.interpret._rhythm import SINUS_RANGE_WINDOW_S, sinus_rr_range, strip_range
from tests.conftest import shared_path


def _times(rr: list[float]) -> list[float]:
    return [t / 1000.0 for t in np.cumsum(rr).tolist()]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(300.0, 2000.0), min_size=2, max_size=200))
def test_strip_range_is_the_whole_range_on_a_strip_and_never_above_it(rr: list[float]) -> None:
    t = _times(rr)
    got = strip_range(t, rr)
    whole = max(rr) - min(rr)
    assert got is not None and 0.0 <= got <= whole + 1e-9
    if t[-1] - t[0] < 2 * SINUS_RANGE_WINDOW_S:
        assert got == whole


def test_a_slow_drift_is_not_sinus_arrhythmia_but_a_phasic_variation_is() -> None:
    # 10 min: the rate drifts from 60 to 75 bpm (RR 1000 -> 800 ms) without beat-to-beat change
    drift = np.linspace(1000.0, 800.0, 660).tolist()
    assert max(drift) - min(drift) == pytest.approx(200.0)
    assert strip_range(_times(drift), drift) < 20.0
    # respiratory sinus arrhythmia (4-s breaths, +-100 ms) on top of the drift: every window shows it
    t = np.cumsum(drift) / 1000.0
    rsa = (np.asarray(drift) + 100.0 * np.sin(2 * math.pi * t / 4.0)).tolist()
    assert strip_range(_times(rsa), rsa) > 160.0
    # through the beat-class route too: N-to-N intervals, premature beats left out
    assert sinus_rr_range("N" * (len(drift) + 1), [np.nan, *drift]) < 20.0
    assert sinus_rr_range("N" * (len(rsa) + 1), [np.nan, *rsa]) > 160.0


@pytest.mark.parametrize("record", [("qtdb", "sel100"), ("qtdb", "sele0106"), ("mitdb", "100"), ("mitdb", "103")])
def test_long_sinus_records_read_as_their_strips(record: tuple[str, str]) -> None:
    """Sinus rhythm (or bradycardia) in the 10-s strips: the first 10 min read whole were stated
    "Sinus arrhythmia" or "... with sinus arrhythmia" (RR range 216-384 ms over 10-15 min) before
    the range was read per window."""
    rec = cardiokit.read(shared_path(*record[:-1], f"{record[-1]}.hea"))
    rec = rec.crop(0, 600)

    def rhythm(r: cardiokit.Recording) -> str:
        return next(s.key for s in cardiokit.analyze(r).statements if s.category == "rhythm")

    strips = [rhythm(rec.crop(t, t + 10)) for t in range(0, 600, 60)]
    sinus = ("sinus_rhythm", "sinus_bradycardia")
    assert sum(k in sinus for k in strips) >= 9, strips
    whole = cardiokit.analyze(rec)
    st_ = next(s for s in whole.statements if s.category == "rhythm")
    assert st_.key in sinus, (st_.text, st_.evidence.get("rr_range_ms"))
    assert st_.evidence["rr_range_ms"] < 160.0

