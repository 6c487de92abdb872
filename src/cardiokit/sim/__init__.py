"""Signal simulators with known ground truth (for tests, demos and benchmarks).

``simulate_ecg`` builds a 12-lead ECG from a 3-D heart-vector model in the spirit of
ECGSYN (McSharry et al. 2003); see :mod:`cardiokit.sim.ecg`.
"""

from __future__ import annotations

from ._leads import ELECTRODES, LEADS_12
from ._noise import NOISE_KINDS
from ._rr import HRV
from .ecg import simulate_ecg

__all__ = ["ELECTRODES", "HRV", "LEADS_12", "NOISE_KINDS", "simulate_ecg"]
