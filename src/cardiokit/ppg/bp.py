"""Cuffless blood pressure (SBP/DBP) from PPG morphology and, when given, subject data.

A ridge regression on segment-level PPG biomarkers (:data:`BP_PPG_FEATURES`) plus
age, sex, height, weight and BMI, trained on the PPG-BP developer subjects
(``training/train_ppg_bp.py``; card ``cardiokit/models/ppg_bp.md``). Variant
``"ppg+subject"`` is used when at least one subject field is known (the others are
imputed with the training medians), ``"ppg"`` otherwise. Each estimate carries a 90 %
split-conformal interval from the subject-wise cross-validation residuals.

This is a calibration-free estimate for one short segment: the card's subject-wise
cross-validation shows how far it is from a cuff (it does not meet the AAMI limits);
use it for research, never for diagnosis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._linear import load_linear, subject_features

__all__ = ["BP_MODEL", "BP_PPG_FEATURES", "BloodPressure", "bp_feature_values", "estimate_bp"]

BP_MODEL = "ppg_bp"

#: Segment biomarkers the BP and vascular-age models read (robust on 2-s segments).
BP_PPG_FEATURES: tuple[str, ...] = (
    "Tpi", "Tsp", "Tsp_Tpi", "Tsys", "Tsys_Tdia", "deltaT", "Tu",
    "Tw25", "Tw50", "Tw75", "Tsw25", "Tsw50", "Tsw75", "Tdw25", "Tdw50", "Tdw75",
    "Adn_Asp", "RI", "AI", "IPA", "u_Asp", "v_u",
    "b_a", "c_a", "d_a", "e_a", "AGI", "AGI_mod", "Tb", "Te", "Tb_d",
)


@dataclass(frozen=True)
class BloodPressure:
    """SBP/DBP estimates (mmHg) with 90 % intervals ``(lo, hi)``."""

    sbp_mmhg: float
    dbp_mmhg: float
    sbp_interval_mmhg: tuple[float, float]
    dbp_interval_mmhg: tuple[float, float]
    model: str
    variant: str
    n_imputed: int
    quality: str | None = None

    def measurements(self) -> dict[str, Any]:
        return {"sbp_mmhg": self.sbp_mmhg, "dbp_mmhg": self.dbp_mmhg,
                "sbp_interval_mmhg": list(self.sbp_interval_mmhg),
                "dbp_interval_mmhg": list(self.dbp_interval_mmhg)}

    def to_dict(self) -> dict[str, Any]:
        return {**self.measurements(), "coverage": 0.9, "model": self.model,
                "variant": self.variant, "n_imputed_features": self.n_imputed,
                "input_quality": self.quality}


def bp_feature_values(biomarkers: Mapping[str, float | None],
                      subject: Mapping[str, Any] | None) -> dict[str, float | None]:
    """The model's input values: PPG biomarkers plus :func:`subject_features`."""
    out: dict[str, float | None] = {k: biomarkers.get(k) for k in BP_PPG_FEATURES}
    out.update(subject_features(subject))
    return out


def estimate_bp(biomarkers: Mapping[str, float | None], *, subject: Mapping[str, Any] | None = None,
                quality: str | None = None) -> BloodPressure:
    """SBP/DBP from segment biomarkers (:func:`cardiokit.ppg.segment_biomarkers`)."""
    vals = bp_feature_values(biomarkers, subject)
    has_subject = any(vals[k] is not None for k in ("age_years", "male", "height_cm", "weight_kg"))
    model = load_linear(BP_MODEL, "ppg+subject" if has_subject else "ppg")
    pred, n_imp = model.predict(vals)
    s, d = pred["sbp_mmhg"], pred["dbp_mmhg"]
    return BloodPressure(round(s[0], 1), round(d[0], 1), (round(s[1], 1), round(s[2], 1)),
                         (round(d[1], 1), round(d[2], 1)), model.model_id, model.variant, n_imp,
                         quality)
