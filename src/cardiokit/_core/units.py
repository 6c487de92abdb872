"""Voltage units: one table for every reader and analysis stage."""

from __future__ import annotations

__all__ = ["VOLT_TO_MV", "to_mv_factor"]

#: Lower-case voltage unit -> factor to millivolts.
VOLT_TO_MV: dict[str, float] = {"mv": 1.0, "uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "v": 1e3, "nv": 1e-6}


def to_mv_factor(unit: str) -> float | None:
    """Factor that turns values in ``unit`` into mV, or None for a non-voltage unit."""
    return VOLT_TO_MV.get(unit.strip().lower())
