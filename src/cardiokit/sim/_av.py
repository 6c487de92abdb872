"""Atrioventricular block in the simulator: when P waves are followed by a QRS complex.

P waves follow a sinus rhythm at the atrial rate; a QRS complex follows only the P waves
conducted to the ventricles (definitions of Kusumoto et al. 2019):

* ``"2:1"``: every other P wave conducted, with a constant PR interval;
* ``"mobitz1"`` (Wenckebach): cycles of 4 P waves (4:3 conduction); the PR interval of the
  conducted ones lengthens by less each beat (+80 ms, then +40 ms) before the 4th is blocked;
* ``"mobitz2"``: cycles of 4 P waves with a constant PR interval, the 4th blocked;
* ``"complete"`` (third degree): no P wave is conducted; a regular escape rhythm drives the
  ventricles at their own, slower rate, unrelated to the P waves.

References
----------
Kusumoto FM et al. 2018 ACC/AHA/HRS guideline on the evaluation and management of patients
with bradycardia and cardiac conduction delay. Circulation 140:e382-e482, 2019.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._rr import HRV, beat_times
from ._waves import qrs_onset_before_r

__all__ = ["AV_BLOCKS", "AvPlan", "av_plan"]

AV_BLOCKS = ("2:1", "mobitz1", "mobitz2", "complete")
#: P waves per Mobitz cycle (the last one blocked) and Wenckebach's PR increments (s).
MOBITZ_CYCLE = 4
_WENCKEBACH_PR_S = (0.0, 0.08, 0.12)


@dataclass(frozen=True)
class AvPlan:
    """Every P wave (peak time, s) and whether it is conducted; the R peaks (s), the RR
    before each and each beat's PR interval (s; NaN for escape beats)."""

    p_peak_s: np.ndarray
    conducted: np.ndarray
    r_s: np.ndarray
    rr_prev_s: np.ndarray
    pr_s: np.ndarray


def atrial_rate_for(kind: str, ventricular_bpm: float) -> float:
    """The atrial rate that gives ``ventricular_bpm`` for a second-degree block ``kind``."""
    return ventricular_bpm * (2.0 if kind == "2:1" else MOBITZ_CYCLE / (MOBITZ_CYCLE - 1))


def av_plan(kind: str, *, duration_s: float, ventricular_bpm: float, atrial_bpm: float, pr_s: float,
            p_s: float, qrs_s: float, hrv: HRV | None, rng: np.random.Generator) -> AvPlan:
    """P waves and beats of an AV block ``kind`` (:data:`AV_BLOCKS`) covering the record."""
    p_peak, _ = beat_times(duration_s, 60.0 / atrial_bpm, af=False, hrv=hrv, rng=rng)
    if kind == "complete":
        r, rr_prev = beat_times(duration_s, 60.0 / ventricular_bpm, af=False, hrv=None, rng=rng)
        return AvPlan(p_peak, np.zeros(p_peak.size, bool), r, rr_prev, np.full(r.size, np.nan))
    period = 2 if kind == "2:1" else MOBITZ_CYCLE
    pos = (np.arange(p_peak.size) + int(rng.integers(period))) % period
    conducted = pos < period - 1
    pr = pr_s + (np.asarray(_WENCKEBACH_PR_S)[pos[conducted]] if kind == "mobitz1" else 0.0)
    # the R peak: P onset + PR (to the QRS onset) + QRS onset to R
    r = p_peak[conducted] - p_s / 2 + pr + qrs_onset_before_r(qrs_s)
    rr_prev = np.empty(r.size)
    rr_prev[1:] = np.diff(r)
    rr_prev[0] = rr_prev[1] if r.size > 1 else 60.0 / ventricular_bpm
    return AvPlan(p_peak, conducted, r, rr_prev, np.broadcast_to(pr, r.shape).copy())
