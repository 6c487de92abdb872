"""Vascular age: chronological age as predicted from PPG morphology alone.

A ridge regression on the segment biomarkers of :data:`cardiokit.ppg.bp.BP_PPG_FEATURES`
(no age, sex, height or weight enters), trained on the PPG-BP developer subjects
(``training/train_ppg_bp.py``; card ``cardiokit/models/ppg_vascular_age.md``). When the
chronological age is known the *gap* (vascular minus chronological age) is reported as
well; the estimate itself never depends on it. Like every age regression it shrinks
towards the training mean, so gaps are biased positive in the young and negative in the
old (see the card): compare gaps within an age band.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._linear import load_linear
from .bp import BP_PPG_FEATURES

__all__ = ["VASCULAR_AGE_MODEL", "VascularAge", "estimate_vascular_age"]

VASCULAR_AGE_MODEL = "ppg_vascular_age"


@dataclass(frozen=True)
class VascularAge:
    """Vascular age (years) with a 90 % interval, and the gap when the age is known."""

    years: float
    interval_years: tuple[float, float]
    chronological_age_years: float | None
    model: str
    n_imputed: int

    @property
    def gap_years(self) -> float | None:
        if self.chronological_age_years is None:
            return None
        return round(self.years - self.chronological_age_years, 1)

    def measurements(self) -> dict[str, Any]:
        return {"vascular_age_years": self.years, "vascular_age_gap_years": self.gap_years,
                "vascular_age_interval_years": list(self.interval_years)}

    def to_dict(self) -> dict[str, Any]:
        return {**self.measurements(), "chronological_age_years": self.chronological_age_years,
                "coverage": 0.9, "model": self.model, "n_imputed_features": self.n_imputed}


def estimate_vascular_age(biomarkers: Mapping[str, float | None], *,
                          age_years: float | None = None) -> VascularAge:
    """Vascular age from segment biomarkers; ``age_years`` only sets the gap."""
    model = load_linear(VASCULAR_AGE_MODEL, "ppg")
    vals = {k: biomarkers.get(k) for k in BP_PPG_FEATURES}
    pred, n_imp = model.predict(vals)
    v, lo, hi = pred["age_years"]
    age = None if age_years is None else float(age_years)
    return VascularAge(round(v, 1), (round(lo, 1), round(hi, 1)), age, model.model_id, n_imp)
