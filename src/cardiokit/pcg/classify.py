"""Normal/abnormal heart-sound classification (PhysioNet/CinC 2016 task) and the one-call
PCG analysis used by :func:`cardiokit.analyze`.

The shipped model ``pcg_cinc2016`` (card ``cardiokit/models/pcg_cinc2016.json``) weighs
three probabilities of "abnormal" (weights in the card): ``robust``, an equal-weight vote of
the features whose direction agreed in every training database (site-robust, see
:class:`SignVote`); ``trees``, gradient-boosted trees over :data:`~cardiokit.pcg.features.
FEATURE_NAMES`; ``cnn``, a small CNN over 2-s log-mel windows from each S1 onset (Potes et
al. 2016 combined a feature model and a CNN). Leave-one-database-out, the trees and the CNN
did not carry to unseen sites, so version 2 decides on ``robust`` alone and reports the others.

References
----------
Dawes RM. The robust beauty of improper linear models in decision making. Am Psychol
34(7):571-582 (1979) (equal weights transfer better than fitted ones). Potes C et al.
CinC 43:621-624 (2016).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from cardiokit._core.recording import Recording
from cardiokit.models.cards import MODEL_DIR, load_card, verify
from cardiokit.models.runtime import run_onnx
from cardiokit.models.trees import TreeEnsemble

from ._inputs import cnn_windows, cycle_starts
from .clean import PCG_FS_HZ, clean_pcg, pcg_channel
from .features import FEATURE_NAMES, log_mel, record_features
from .segment import HeartSoundSegmentation, segment_heart_sounds

__all__ = ["PCG_LABELS", "PCGAnalysis", "PCGClassification", "SignVote", "analyze_pcg", "classify_pcg"]

#: Labels of :attr:`PCGClassification.label`.
PCG_LABELS = ("normal", "abnormal")
CLASSIFIER_MODEL = "pcg_cinc2016"


@dataclass(frozen=True)
class PCGClassification:
    """``label`` normal/abnormal from ``probability_abnormal`` >= ``threshold``.

    ``components`` gives each model's probability (``robust``, ``trees``, ``cnn``); ``quality`` is
    "good", or "unsure" when the recording is barely periodic (see :func:`classify_pcg`).
    """

    label: str
    probability_abnormal: float
    threshold: float
    model: str
    components: dict[str, float] = field(default_factory=dict)
    quality: str = "good"

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "probability_abnormal": self.probability_abnormal,
                "threshold": self.threshold, "model": self.model,
                "components": dict(self.components), "quality": self.quality}


@dataclass(frozen=True, eq=False)
class SignVote:
    """Equal-weight vote of robustly scaled features (an "improper linear model", Dawes 1979).

    ``z = clip((x - centre) / scale, -5, 5)`` per feature (NaN -> ``impute``), probability
    ``sigmoid(gain * (mean(sign * z) - offset))``. Training (``training/train_pcg.py robust``)
    keeps the features whose per-database AUC lay on the same side of 0.5 in every training
    database; ``centre`` is the pooled median, ``offset`` the mean over databases of the
    midpoint between the class medians of the vote (2.0.0: per-feature centres, offset 0).
    """

    columns: np.ndarray
    sign: np.ndarray
    centre: np.ndarray
    scale: np.ndarray
    impute: np.ndarray
    gain: float
    offset: float = 0.0

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SignVote:
        cols = np.array([FEATURE_NAMES.index(n) for n in raw["features"]], dtype=np.int64)
        return cls(cols, *(np.asarray(raw[k], dtype=np.float64) for k in ("sign", "centre", "scale", "impute")),
                   float(raw["gain"]), float(raw.get("offset", 0.0)))

    def probability(self, X: np.ndarray) -> np.ndarray:
        """Probability of abnormal per row of ``X`` (columns :data:`FEATURE_NAMES`)."""
        x = np.atleast_2d(np.asarray(X, dtype=np.float64))[:, self.columns]
        x = np.where(np.isfinite(x), x, self.impute)
        z = np.clip((x - self.centre) / self.scale, -5.0, 5.0)
        return 1.0 / (1.0 + np.exp(-self.gain * ((z * self.sign).mean(axis=1) - self.offset)))


@lru_cache(maxsize=1)
def _model() -> tuple[Any, TreeEnsemble, str, SignVote]:
    card = load_card(CLASSIFIER_MODEL)
    verify(card)
    trees = TreeEnsemble.load(MODEL_DIR / card.extra["trees_file"])
    vote = SignVote.from_dict(json.loads((MODEL_DIR / card.extra["robust_file"]).read_text()))
    return card, trees, str(MODEL_DIR / card.extra["onnx_file"]), vote


def _sigmoid(z: float) -> float:
    return float(1.0 / (1.0 + np.exp(-z)))


def classify_pcg(y: np.ndarray, seg: HeartSoundSegmentation, *, lm: np.ndarray | None = None
                 ) -> PCGClassification:
    """Classify a cleaned 1-kHz PCG ``y`` (:func:`clean_pcg`) with its segmentation."""
    card, trees, onnx_path, vote = _model()
    lm = log_mel(y, fs_hz=PCG_FS_HZ) if lm is None else lm
    feats = record_features(y, seg, lm)[None, :]
    comp = {"robust": float(vote.probability(feats)[0]),
            "trees": _sigmoid(float(trees.raw_scores(feats)[0, 0]))}
    win = cnn_windows(lm, cycle_starts(seg, lm.shape[0]))
    comp["cnn"] = _sigmoid(float(np.mean(run_onnx(onnx_path, {"logmel": win})[0].reshape(-1))))
    weights = dict(card.extra.get("weights", {"robust": 1.0}))
    p = sum(float(w) * comp[k] for k, w in weights.items()) / sum(float(w) for w in weights.values())
    thr = float(card.extra.get("threshold", 0.5))
    unsure = seg.rate.peak < float(card.extra.get("unsure_periodicity", 0.0))
    return PCGClassification(
        label=PCG_LABELS[int(p >= thr)], probability_abnormal=p, threshold=thr, model=card.id,
        components=comp, quality="unsure" if unsure else "good")


@dataclass(frozen=True, eq=False)
class PCGAnalysis:
    """Segmentation and classification of one PCG: the report's ``pcg`` object.

    ``to_dict()`` gives ``label``, ``probability_abnormal``, ``heart_rate_bpm``,
    ``segments`` (``state``, ``start_s``, ``end_s``), ``s1``/``s2`` (centre sample indices
    at the recording's rate, for the report's dots), ``quality``, ``model``, ``channel``,
    ``segmentation_method`` and ``systolic_interval_s``. ``classification`` is ``None``
    when no classification could run (``errors`` then says why, as ``"classify: Type:
    message"``); label and probability are then null.
    """

    segmentation: HeartSoundSegmentation
    classification: PCGClassification | None
    fs: float
    channel: str
    errors: tuple[str, ...] = ()

    @property
    def heart_rate_bpm(self) -> float:
        return self.segmentation.heart_rate_bpm

    def to_dict(self) -> dict[str, Any]:
        c = self.classification
        seg = self.segmentation
        return {
            "label": c.label if c else None,
            "probability_abnormal": round(float(c.probability_abnormal), 4) if c else None,
            "heart_rate_bpm": round(float(self.heart_rate_bpm), 1),
            "systolic_interval_s": round(float(seg.rate.systolic_interval_s), 3),
            "segments": [g.to_dict() for g in seg.segments],
            "s1": np.round(seg.s1_times_s * self.fs).astype(np.int64).tolist(),
            "s2": np.round(seg.s2_times_s * self.fs).astype(np.int64).tolist(),
            "quality": c.quality if c else None,
            "periodicity": round(float(seg.rate.peak), 3),
            "model": c.model if c else None,
            "components": {k: round(float(v), 4) for k, v in c.components.items()} if c else None,
            "segmentation_method": seg.method,
            "channel": self.channel,
        }


def analyze_pcg(rec: Recording, *, channel: int | str | None = None, classify: bool = True
                ) -> PCGAnalysis:
    """Clean, segment and (with ``classify``) classify the PCG channel of ``rec``."""
    x = pcg_channel(rec, channel)
    idx = rec.channel_index(channel) if channel is not None else next(
        (i for i, c in enumerate(rec.channels) if c.kind == "pcg"), 0)
    y = clean_pcg(x, fs_hz=rec.fs)
    seg = segment_heart_sounds(y, fs_hz=PCG_FS_HZ, cleaned=True)
    cls, errors = None, []
    if classify:
        try:
            cls = classify_pcg(y, seg)
        except Exception as exc:  # the segmentation stays useful without the classifier
            errors.append(f"classify: {type(exc).__name__}: {exc}")
    return PCGAnalysis(seg, cls, rec.fs, rec.channels[idx].name, tuple(errors))
