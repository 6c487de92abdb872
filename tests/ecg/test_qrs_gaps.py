"""QRS-like complexes inside long RR intervals (:func:`cardiokit.ecg._qrs_gaps.qrs_like_in_gaps`):
beats a detector missed are counted, the P waves of a real pause are not."""

from __future__ import annotations

import numpy as np
import pytest

from cardiokit.ecg import clean, detect_beats
from cardiokit.ecg._qrs_gaps import qrs_like_in_gaps
from cardiokit.sim import simulate_ecg


@pytest.mark.parametrize("drop", [[10], [10, 11], [10, 11, 12]])
def test_missed_beats_are_counted_in_their_gap(drop: list[int]) -> None:
    rec = simulate_ecg(duration_s=30, heart_rate_bpm=70, seed=1, noise_snr_db=20)
    c = clean(rec)
    b = np.asarray(detect_beats(c).samples)
    got = qrs_like_in_gaps(c.signals, rec.fs, np.delete(b, drop), 1.5)
    assert got == {int(b[drop[0] - 1]): len(drop)}


@pytest.mark.parametrize(("kind", "hr"), [("mobitz2", 45), ("complete", 28), ("2:1", 40), (None, 35)])
@pytest.mark.parametrize("snr", [None, 12.0])
def test_p_waves_in_a_real_pause_are_not_qrs_like(kind: str | None, hr: float, snr: float | None) -> None:
    rec = simulate_ecg(duration_s=60, heart_rate_bpm=hr, av_block=kind, seed=2, noise_snr_db=snr)
    c = clean(rec)
    got = qrs_like_in_gaps(c.signals, rec.fs, np.asarray(detect_beats(c).samples), 1.3)
    assert got and not any(got.values())


def test_no_gap_no_beats_no_answer() -> None:
    rec = simulate_ecg(duration_s=10, heart_rate_bpm=70, seed=3)
    c = clean(rec)
    b = np.asarray(detect_beats(c).samples)
    assert qrs_like_in_gaps(c.signals, rec.fs, b, 2.0) == {}
    assert qrs_like_in_gaps(c.signals, rec.fs, b[:3], 0.1) == {}
    # a flat stretch (asystole) inside the gap holds nothing
    x = np.array(c.signals, np.float64)
    x[int(b[4]) + 60: int(b[8]) - 60] = 0.0
    assert qrs_like_in_gaps(x, rec.fs, np.delete(b, [5, 6, 7]), 1.5) == {int(b[4]): 0}
