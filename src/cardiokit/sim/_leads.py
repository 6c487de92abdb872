"""Heart vector -> electrode potentials -> leads (Dower transform, Wilson terminal).

The heart vector is given in Frank's coordinates (X to the subject's left, Y to the feet,
Z to the back) in mV. Leads I, II and V1-V6 follow from it by the Dower transform; the
electrode potentials RA, LA, LL and V1-V6 are then chosen so that Wilson's central
terminal is zero, and every lead is computed *from the electrodes*. Einthoven's law
(II = I + III) and Goldberger's relations (aVR + aVL + aVF = 0) therefore hold for the
cardiac signal and for any noise added at the electrodes.

References
----------
Dower GE, Machado HB, Osborne JA. On deriving the electrocardiogram from vectorcardiographic
leads. Clin Cardiol 3(2):87-95, 1980.
Edenbrandt L, Pahlm O. Vectorcardiogram synthesized from a 12-lead ECG: superiority of the
inverse Dower matrix. J Electrocardiol 21(4):361-367, 1988.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._core.errors import InvalidArgumentError

__all__ = ["ELECTRODES", "LEADS_12", "electrodes_from_vcg", "leads_from_electrodes", "resolve_leads"]

#: The standard 12 leads in printing order.
LEADS_12 = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
#: Electrodes whose potentials the simulator produces (right leg is the reference).
ELECTRODES = ("RA", "LA", "LL", "V1", "V2", "V3", "V4", "V5", "V6")
#: Frank vectorcardiographic leads (the heart vector itself).
VCG_LEADS = ("X", "Y", "Z")

# Dower transform: rows I, II, V1..V6; columns Frank X, Y, Z (Dower et al. 1980).
_DOWER = np.array(
    [
        [0.632, -0.235, 0.059],
        [0.235, 1.066, -0.132],
        [-0.515, 0.157, -0.917],
        [0.044, 0.164, -1.387],
        [0.882, 0.098, -1.277],
        [1.213, 0.127, -0.601],
        [1.125, 0.127, -0.086],
        [0.831, 0.076, 0.230],
    ]
)

# Lead = weights . electrode potentials (RA, LA, LL, V1..V6).
_LEAD_WEIGHTS: dict[str, np.ndarray] = {}
for _name, _w in {
    "I": {"LA": 1.0, "RA": -1.0},
    "II": {"LL": 1.0, "RA": -1.0},
    "III": {"LL": 1.0, "LA": -1.0},
    "aVR": {"RA": 1.0, "LA": -0.5, "LL": -0.5},
    "aVL": {"LA": 1.0, "RA": -0.5, "LL": -0.5},
    "aVF": {"LL": 1.0, "RA": -0.5, "LA": -0.5},
}.items():
    _v = np.zeros(len(ELECTRODES))
    for _e, _c in _w.items():
        _v[ELECTRODES.index(_e)] = _c
    _LEAD_WEIGHTS[_name] = _v
for _k in range(1, 7):
    _v = np.zeros(len(ELECTRODES))
    _v[:3] = -1.0 / 3.0
    _v[ELECTRODES.index(f"V{_k}")] = 1.0
    _LEAD_WEIGHTS[f"V{_k}"] = _v


def resolve_leads(leads: str | Sequence[str]) -> tuple[str, ...]:
    """Lead names for ``leads``: ``"12"``, ``"1"`` (lead II), ``"xyz"`` (Frank) or a list of names."""
    if isinstance(leads, str):
        key = leads.strip().lower()
        if key == "12":
            return LEADS_12
        if key == "1":
            return ("II",)
        if key in ("xyz", "vcg", "frank"):
            return VCG_LEADS
        leads = [leads]
    known = {n.lower(): n for n in (*LEADS_12, *VCG_LEADS)}
    out = []
    for name in leads:
        if str(name).lower() not in known:
            raise InvalidArgumentError(
                f"unknown lead {name!r}; use '12', '1', 'xyz' or names from {', '.join(LEADS_12)}"
            )
        out.append(known[str(name).lower()])
    if not out:
        raise InvalidArgumentError("leads must name at least one lead")
    if any(n in VCG_LEADS for n in out) and any(n not in VCG_LEADS for n in out):
        raise InvalidArgumentError("Frank leads X, Y, Z cannot be mixed with the 12 standard leads")
    return tuple(out)


def electrodes_from_vcg(vcg: np.ndarray) -> np.ndarray:
    """``(n, 9)`` electrode potentials (RA, LA, LL, V1-V6; Wilson terminal = 0) of a heart vector."""
    std = vcg @ _DOWER.T  # (n, 8): I, II, V1..V6
    lead_i, lead_ii = std[:, 0], std[:, 1]
    ra = -(lead_i + lead_ii) / 3.0
    return np.column_stack([ra, ra + lead_i, ra + lead_ii, std[:, 2:]])


def leads_from_electrodes(el: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """``(n, len(names))`` float32 lead voltages; II is set to I + III in float32 when both exist."""
    w = np.column_stack([_LEAD_WEIGHTS[n] for n in names])
    out = (el @ w).astype(np.float32)
    if "I" in names and "II" in names and "III" in names:
        i, ii, iii = names.index("I"), names.index("II"), names.index("III")
        out[:, ii] = out[:, i] + out[:, iii]  # Einthoven's law, exact in float32
    return out
