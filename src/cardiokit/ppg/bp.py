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

**Calibrated mode** (ISO 81060-3 style, what commercial cuffless devices do): with one
cuff reading (``sbp_cal_mmhg``, ``dbp_cal_mmhg``) taken while the calibration PPG was
recorded, variant ``"calibrated"`` estimates calibration + a ridge model of the BP change
from the change of the 10-s window biomarkers (:data:`CAL_FEATURES`) since the
calibration window, trained on the invasive ABP of the PhysioNet/CinC 2015 ICU records
(``training/train_ppg_cinc2015.py``). Mukkamala R et al. Toward ubiquitous blood pressure
monitoring via pulse transit time. IEEE TBME 62(8):1879-1901 (2015).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cardiokit._core.errors import InvalidArgumentError

from ._linear import load_linear, subject_features

__all__ = ["BP_MODEL", "BP_PPG_FEATURES", "CAL_FEATURES", "BPCalibration", "BloodPressure",
           "bp_feature_values", "estimate_bp"]

BP_MODEL = "ppg_bp"

#: Segment biomarkers the BP and vascular-age models read (robust on 2-s segments).
BP_PPG_FEATURES: tuple[str, ...] = (
    "Tpi", "Tsp", "Tsp_Tpi", "Tsys", "Tsys_Tdia", "deltaT", "Tu",
    "Tw25", "Tw50", "Tw75", "Tsw25", "Tsw50", "Tsw75", "Tdw25", "Tdw50", "Tdw75",
    "Adn_Asp", "RI", "AI", "IPA", "u_Asp", "v_u",
    "b_a", "c_a", "d_a", "e_a", "AGI", "AGI_mod", "Tb", "Te", "Tb_d",
)

#: Window biomarkers whose change since calibration the calibrated variant reads.
CAL_FEATURES: tuple[str, ...] = (*BP_PPG_FEATURES, "hr_bpm")


@dataclass(frozen=True)
class BPCalibration:
    """One cuff reading (mmHg) and the PPG biomarkers of the window recorded with it."""

    sbp_mmhg: float
    dbp_mmhg: float
    biomarkers: Mapping[str, float | None]

    def __post_init__(self) -> None:
        s, d = float(self.sbp_mmhg), float(self.dbp_mmhg)
        if not (40.0 <= s <= 300.0 and 20.0 <= d <= 200.0 and d < s):
            raise InvalidArgumentError("calibration needs 40 <= sbp_cal_mmhg <= 300, 20 <= "
                                       f"dbp_cal_mmhg <= 200 and dbp < sbp; got {s}/{d}")


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
    calibration_mmhg: tuple[float, float] | None = None
    trend: tuple[tuple[float, float, float], ...] = ()

    def measurements(self) -> dict[str, Any]:
        return {"sbp_mmhg": self.sbp_mmhg, "dbp_mmhg": self.dbp_mmhg,
                "sbp_interval_mmhg": list(self.sbp_interval_mmhg),
                "dbp_interval_mmhg": list(self.dbp_interval_mmhg)}

    def to_dict(self) -> dict[str, Any]:
        return {**self.measurements(), "coverage": 0.9, "model": self.model,
                "variant": self.variant, "n_imputed_features": self.n_imputed,
                "input_quality": self.quality,
                "calibration_mmhg": None if self.calibration_mmhg is None else list(self.calibration_mmhg),
                "trend": [{"t_s": t, "sbp_mmhg": a, "dbp_mmhg": b} for t, a, b in self.trend]}


def bp_feature_values(biomarkers: Mapping[str, float | None],
                      subject: Mapping[str, Any] | None) -> dict[str, float | None]:
    """The model's input values: PPG biomarkers plus :func:`subject_features`."""
    out: dict[str, float | None] = {k: biomarkers.get(k) for k in BP_PPG_FEATURES}
    out.update(subject_features(subject))
    return out


def estimate_bp(biomarkers: Mapping[str, float | None], *, subject: Mapping[str, Any] | None = None,
                quality: str | None = None, calibration: BPCalibration | None = None) -> BloodPressure:
    """SBP/DBP from segment biomarkers (:func:`cardiokit.ppg.segment_biomarkers`).

    With ``calibration`` the ``"calibrated"`` variant is used: ``biomarkers`` must then
    be window biomarkers (:func:`cardiokit.ppg.window_biomarkers`, with ``hr_bpm``)
    recorded after the calibration window.
    """
    if calibration is not None:
        model = load_linear(BP_MODEL, "calibrated")
        ref = calibration.biomarkers
        vals: dict[str, float | None] = {}
        for k in CAL_FEATURES:
            a, b = biomarkers.get(k), ref.get(k)
            vals[f"delta_{k}"] = None if a is None or b is None else float(a) - float(b)
        cal = {"sbp_mmhg": float(calibration.sbp_mmhg), "dbp_mmhg": float(calibration.dbp_mmhg)}
        pred, n_imp = model.predict(vals, offset=cal)
    else:
        vals = bp_feature_values(biomarkers, subject)
        has_subject = any(vals[k] is not None for k in ("age_years", "male", "height_cm", "weight_kg"))
        model = load_linear(BP_MODEL, "ppg+subject" if has_subject else "ppg")
        pred, n_imp = model.predict(vals)
    s, d = pred["sbp_mmhg"], pred["dbp_mmhg"]
    return BloodPressure(round(s[0], 1), round(d[0], 1), (round(s[1], 1), round(s[2], 1)),
                         (round(d[1], 1), round(d[2], 1)), model.model_id, model.variant, n_imp,
                         quality, None if calibration is None else
                         (float(calibration.sbp_mmhg), float(calibration.dbp_mmhg)))
