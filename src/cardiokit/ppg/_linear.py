"""Shipped ridge (+ gradient-boosted trees) models evaluated with numpy: loading, feature
vectors, intervals.

A weights file (JSON) holds, per variant, the feature names, the training medians used
to impute missing features, the standardisation (mean, scale), the coefficients and
intercept per target, and the split-conformal half-widths (the 90 % quantile of the
absolute subject-wise cross-validation residuals) per target. A variant with
``"trees": true`` also has one gradient-boosted tree ensemble per target in the card's
``trees_file`` (``.npz``, keys ``<variant>/<target>/<field>``, see
:class:`cardiokit.models.trees.TreeEnsemble`); its estimate is the mean of the ridge and
the trees (which route missing features themselves, so they see no imputation).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from cardiokit._core.errors import AnalysisError
from cardiokit.models import load_card, verify
from cardiokit.models.trees import TreeEnsemble

_TREE_FIELDS = ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value", "roots",
                "baseline")

__all__ = ["LinearModel", "load_linear", "subject_features"]


@dataclass(frozen=True, eq=False)
class LinearModel:
    """One variant: ``predict(features) -> {target: (value, lo, hi)}``."""

    name: str
    variant: str
    features: tuple[str, ...]
    impute: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    coef: Mapping[str, np.ndarray]
    intercept: Mapping[str, float]
    half_width: Mapping[str, float]
    clip: Mapping[str, tuple[float, float]]
    model_id: str
    trees: Mapping[str, TreeEnsemble] | None = None

    def vector(self, values: Mapping[str, Any]) -> tuple[np.ndarray, int]:
        """Feature vector (missing values imputed) and the number imputed."""
        x = np.array([np.nan if values.get(f) is None else float(values[f]) for f in self.features])
        miss = ~np.isfinite(x)
        x[miss] = self.impute[miss]
        return x, int(miss.sum())

    def predict(self, values: Mapping[str, Any], *, offset: Mapping[str, float] | None = None
                ) -> tuple[dict[str, tuple[float, float, float]], int]:
        """``{target: (value, lo, hi)}`` and the number of imputed features.

        ``offset`` is added per target before clipping (the calibrated variant predicts
        the change since the calibration reading).
        """
        raw = np.array([np.nan if values.get(f) is None else float(values[f]) for f in self.features])
        x, n_imp = self.vector(values)
        z = (x - self.mean) / self.scale
        out = {}
        for t, c in self.coef.items():
            v = float(z @ c + self.intercept[t])
            if self.trees is not None:
                v = 0.5 * (v + float(self.trees[t].raw_scores(raw[None, :])[0, 0]))
            v += float((offset or {}).get(t, 0.0))
            lo, hi = self.clip.get(t, (-np.inf, np.inf))
            v = float(np.clip(v, lo, hi))
            h = float(self.half_width[t])
            out[t] = (v, v - h, v + h)
        return out, n_imp


@lru_cache(maxsize=8)
def load_linear(name: str, variant: str) -> LinearModel:
    """The ``variant`` of the shipped model ``name`` (card checked against its sha256)."""
    card = load_card(name)
    verify(card)
    raw = json.loads(card.path(card.extra["weights_file"]).read_text())
    if variant not in raw["variants"]:
        raise AnalysisError(f"model {name} has no variant {variant!r}; variants: "
                            + ", ".join(raw["variants"]))
    v = raw["variants"][variant]
    trees = None
    if v.get("trees"):
        with np.load(card.path(card.extra["trees_file"])) as z:
            trees = {t: TreeEnsemble(**{k: z[f"{variant}/{t}/{k}"] for k in _TREE_FIELDS})
                     for t in v["coef"]}
    return LinearModel(
        name=name, variant=variant, features=tuple(v["features"]),
        impute=np.asarray(v["impute"], float), mean=np.asarray(v["mean"], float),
        scale=np.asarray(v["scale"], float),
        coef={t: np.asarray(c, float) for t, c in v["coef"].items()},
        intercept={t: float(c) for t, c in v["intercept"].items()},
        half_width={t: float(c) for t, c in v["half_width"].items()},
        clip={t: (float(a), float(b)) for t, (a, b) in raw.get("clip", {}).items()},
        model_id=card.id, trees=trees,
    )


def subject_features(subject: Mapping[str, Any] | None) -> dict[str, float | None]:
    """``age_years``, ``male`` (1/0), ``height_cm``, ``weight_kg``, ``bmi`` from subject data."""
    s = dict(subject or {})
    sex = s.get("sex")
    h, w = s.get("height_cm"), s.get("weight_kg")
    return {
        "age_years": None if s.get("age_years") is None else float(s["age_years"]),
        "male": None if sex not in ("M", "F") else float(sex == "M"),
        "height_cm": None if h is None else float(h),
        "weight_kg": None if w is None else float(w),
        "bmi": None if h is None or w is None else float(w) / (float(h) / 100.0) ** 2,
    }
