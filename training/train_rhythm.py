"""Train the cardiokit CinC 2017 rhythm model (normal / af / other / noisy).

Reproducible (seeded) end to end::

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python -m training.train_rhythm all        # = cnn, features, head, export

Stages (each caches its output under /work/cache/cardiokit_rhythm, override with
CARDIOKIT_CACHE; the CinC 2017 training set is read from CINC2017_DIR):

``cnn``       5-fold CV of the residual 1-D CNN (training/_rhythm_cnn.py) on the pool;
              out-of-fold probabilities, fold models kept (CNN_RECIPE=v1|v2 from
              scratch, CNN_INIT=<tag> fine-tunes, CNN_FOLDS=k one fold, CNN_TAG=<tag>
              output prefix; ``cnn_collect`` merges per-fold runs).
``features``  hand-crafted features (cardiokit.ecg._rhythm_features) with the beats
              cardiokit.ecg.rhythm uses at inference.
``head``      gradient-boosted trees over features + CNN out-of-fold probabilities,
              5-fold CV table (features-only, CNN-only, fused) printed; final head
              trained on the whole pool.
``export``    ONNX of the fold-1 CNN + head trees (npz) + model card (json, md)
              into src/cardiokit/models/.

``all`` runs the default (v2) recipe; the shipped 1.2.0 model is the v1 -> ft_ -> ft2_
-> e6_ -> e7_ chain of :data:`REPRODUCE_MD` (docs/MODELS.md "Reproduce").

The pool is the CinC 2017 training set minus the shared evaluation subset and the
reserved ids (training/_rhythm_data.py). Folds are stratified by class, one record per
subject, assigned on REFERENCE.csv. Training labels: the final v3 labels
(``RHYTHM_LABELS=v3``, _rhythm_data.pool_v3) or REFERENCE.csv (``reference``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from training import _rhythm_data as D
from training._trees import hgb_to_trees

REPO = Path(__file__).resolve().parents[1]
MODEL_DIR = REPO / "src" / "cardiokit" / "models"
#: CNN training recipe for runs from scratch: ``v2`` (current: augmentation, label
#: smoothing, early stopping on an inner split) or ``v1`` (1.0.0: the first stage of the
#: shipped 1.1.0 fold CNNs, 10 epochs by default; see docs/MODELS.md "Reproduce").
CNN_RECIPE = os.environ.get("CNN_RECIPE", "v2")
CNN_EPOCHS = int(os.environ.get("CNN_EPOCHS", "10" if CNN_RECIPE == "v1" else "24"))
#: Prefix of the cached CNN outputs (lets a new CNN run train beside the exported one).
CNN_TAG = os.environ.get("CNN_TAG", "")
#: Fine-tune the cached fold models with this tag instead of starting from scratch
#: (the same folds, so the out-of-fold outputs stay out of fold).
CNN_INIT = os.environ.get("CNN_INIT")
CNN_LR = float(os.environ.get("CNN_LR", "3e-3"))
#: CNN training window (samples at 300 Hz): 3000 (10 s) for the 1.1.0 stages, 6000 and
#: 9000 for the two 1.2.0 fine-tuning stages.
CNN_CROP = int(os.environ.get("CNN_CROP", "3000"))
#: Training labels: ``v3`` (the final labels, _rhythm_data.V3_CSV; model 1.2.0) or
#: ``reference`` (the REFERENCE.csv beside the signals; the 1.1.0 stages). The folds are
#: the same either way.
RHYTHM_LABELS = os.environ.get("RHYTHM_LABELS", "v3")
#: Added to each fold's CNN seed (``D.SEED + fold``): a second, independent network of
#: the same recipe (0 for the shipped chain).
CNN_SEED = int(os.environ.get("CNN_SEED", "0"))
#: Several CNNs (one net each, exported as one graph): CNN_TAG="e7_,s9_" in the head and
#: export stages; their probabilities are averaged (``CNN_MIX=mean``) or the head reads
#: each net's (``concat``).
CNN_MIX = os.environ.get("CNN_MIX", "mean")


#: Tag of the beat-sequence network's cached fold outputs (training/_rhythm_beatseq.py;
#: model 1.3.0: ``bs1_``); empty: no beat-sequence network. The head reads its
#: probabilities after the CNN's.
BEATSEQ_TAG = os.environ.get("BEATSEQ_TAG", "")


#: The tree heads, comma-separated, each the "+"-joined network outputs it reads beside the
#: features (``cnn``, ``bs``); several heads: their probabilities averaged. Default: one
#: head over every network (``cnn`` or ``cnn+bs``). Model 1.3.0: ``cnn,bs``.
HEADS = os.environ.get("HEADS", "")


def head_specs() -> list[list[str]]:
    """The network outputs each head reads (:data:`HEADS`)."""
    if HEADS:
        return [h.split("+") for h in HEADS.split(",")]
    return [["cnn", "bs"] if BEATSEQ_TAG else ["cnn"]]


def cnn_tags() -> list[str]:
    """The CNN tags of CNN_TAG (comma-separated; one for the ``cnn`` stages)."""
    return CNN_TAG.split(",")


#: Version written to the card by the export stage.
MODEL_VERSION = "1.3.0"
#: The fold model shipped as the CNN (one network: 5x faster than the fold ensemble).
EXPORT_FOLD = 0
#: The commands that rebuild the shipped 1.3.0 model from HEAD (appended to the card .md).
REPRODUCE_MD = """## Reproduce

From the repository root, `OMP_NUM_THREADS=1` (each `cnn` call also takes `CNN_FOLDS=k`
for one fold; `cnn_collect` then merges the folds). Steps 2-4 are the 1.1.0 CNN stages
(REFERENCE.csv labels, 10-s crops); steps 5-6 fine-tune them on the final v3 labels with
20-s and 30-s crops:

1. `.venv/bin/pip install -e '.[train]'`
2. `RHYTHM_LABELS=reference CNN_RECIPE=v1 .venv/bin/python -m training.train_rhythm cnn`
3. `RHYTHM_LABELS=reference CNN_TAG=ft_ CNN_INIT= CNN_EPOCHS=8 CNN_LR=1e-3 .venv/bin/python -m training.train_rhythm cnn`
4. `RHYTHM_LABELS=reference CNN_TAG=ft2_ CNN_INIT=ft_ CNN_EPOCHS=6 CNN_LR=5e-4 .venv/bin/python -m training.train_rhythm cnn`
5. `CNN_TAG=e6_ CNN_INIT=ft2_ CNN_EPOCHS=5 CNN_LR=5e-4 CNN_CROP=6000 .venv/bin/python -m training.train_rhythm cnn`
6. `CNN_TAG=e7_ CNN_INIT=e6_ CNN_EPOCHS=4 CNN_LR=3e-4 CNN_CROP=9000 .venv/bin/python -m training.train_rhythm cnn`
7. `BEATSEQ_TAG=bs1_ .venv/bin/python -m training.train_rhythm beatseq` (the beat-sequence
   network, 5 folds, ~7 min each on one core)
8. `CNN_TAG=e7_ BEATSEQ_TAG=bs1_ HEADS=cnn,bs .venv/bin/python -m training.train_rhythm features head export`

Steps 2-4 were verified bitwise against the 1.1.0 runs (2026-11-24, torch 2.13 CPU, one
thread). Steps 5-6 first ran (2026-11-24) from an exploration script with the same calls
to training/_rhythm_cnn.py; re-run through this script for fold 1 (`CNN_FOLDS=0`) they gave
the cached fold models bit for bit. The features of the 29 1.2.0 additions were checked
equal (to 1e-15) between the exploration code and cardiokit.ecg._rhythm_features on the
600 shared records. Steps 7-8 (model 1.3.0, 2026-11-25) ran at the commit that shipped
it: the features stage's beats and the beat windows are those of `detect_beats` there.
Step 7 is the `training._rhythm_beatseq.run_fold` call the exploration made for each fold
(`python -m training._rhythm_beatseq fold k`, seed 2017 + k, 30 epochs); re-run through this
script for fold 1 (`BEATSEQ_TAG=rbs_ CNN_FOLDS=0`) it gave the cached fold network bit for bit.
"""


def log(msg: str) -> None:
    print(msg, flush=True)


def cnn_inputs(name: str, sigs: list[np.ndarray]) -> list[np.ndarray]:
    from cardiokit.ecg._rhythm_features import cnn_input

    path = D.CACHE / f"cnn_input_{name}.npz"
    if path.exists():
        z = np.load(path)
        off = z["offsets"]
        if off.size == len(sigs) + 1:
            data = z["data"]
            return [data[off[i] : off[i + 1]] for i in range(len(sigs))]
    xs = [cnn_input(s) for s in sigs]
    off = np.concatenate([[0], np.cumsum([x.size for x in xs])])
    np.savez(path, offsets=off, data=np.concatenate(xs))
    return xs


def pool_labels() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Pool ids, training labels (:data:`RHYTHM_LABELS`) and the CV folds."""
    if RHYTHM_LABELS == "reference":
        ids, y = D.pool()
        return ids, y, D.folds(y)
    if RHYTHM_LABELS != "v3":
        from cardiokit._core.errors import InvalidArgumentError

        raise InvalidArgumentError(f"RHYTHM_LABELS={RHYTHM_LABELS!r}: v3 or reference")
    return D.pool_v3()


def stage_cnn() -> None:
    """Train the CNN folds listed in CNN_FOLDS (default all), one cached file per fold.

    Each fold is its own short run (``CNN_FOLDS=2 python -m training.train_rhythm cnn``)
    so no single run hogs the shared cores for long; ``cnn_collect`` merges them.
    """
    import torch
    from training import _rhythm_cnn as C

    # one thread: on a loaded machine two intra-op threads were ~10x slower (spin-waits)
    torch.set_num_threads(1)
    ids, y, fold = pool_labels()
    xs = cnn_inputs("pool", D.signals("pool", ids, D.TRAIN_DIR))
    sids, _sy = D.shared()
    sxs = cnn_inputs("shared", D.signals("shared", sids, D.SHARED_DIR))
    todo = [int(k) for k in os.environ.get("CNN_FOLDS", ",".join(map(str, range(D.N_FOLDS)))).split(",")]
    for k in todo:
        tr, va = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        how = ("fine-tuning" if CNN_INIT is not None
               else "recipe v1, no early stopping" if CNN_RECIPE == "v1"
               else "10 % of it for early stopping")
        log(f"CNN fold {k + 1}/{D.N_FOLDS}: {tr.size} train ({how}), {va.size} validation")
        init = torch.load(D.CACHE / f"{CNN_INIT}cnn_fold{k}.pt") if CNN_INIT is not None else None
        net = C.train([xs[i] for i in tr], y[tr], epochs=CNN_EPOCHS, seed=D.SEED + k + CNN_SEED, log=log,
                      lr=CNN_LR, inner=0.0 if init is not None else 0.1, init=init,
                      recipe=CNN_RECIPE if init is None else "v2", crop=CNN_CROP)
        torch.save(net.state_dict(), D.CACHE / f"{CNN_TAG}cnn_fold{k}.pt")
        oof = C.predict(net, [xs[i] for i in va])
        np.savez(D.CACHE / f"{CNN_TAG}cnn_oof{k}.npz", va=va, oof=oof, shared=C.predict(net, sxs))
        f1 = D.cinc_f1(y[va], oof.argmax(1))
        log(f"  fold {k + 1} CNN score {f1['score']:.3f} (N {f1['N']:.3f} A {f1['A']:.3f} "
            f"O {f1['O']:.3f} ~ {f1['~']:.3f})")
    if len(todo) == D.N_FOLDS:
        stage_cnn_collect()


def stage_cnn_collect() -> None:
    """Merge the per-fold CNN outputs into out-of-fold probabilities (cnn_probs.npz)."""
    ids, y, _ = pool_labels()
    oof = np.zeros((len(ids), 4), np.float32)
    shared = []
    for k in range(D.N_FOLDS):
        z = np.load(D.CACHE / f"{CNN_TAG}cnn_oof{k}.npz")
        oof[z["va"]] = z["oof"]
        shared.append(z["shared"])
    np.savez(D.CACHE / f"{CNN_TAG}cnn_probs.npz", oof=oof, shared=np.stack(shared), ids=np.asarray(ids))
    f1 = D.cinc_f1(y, oof.argmax(1))
    log(f"CNN 5-fold CV score {f1['score']:.3f} (N {f1['N']:.3f} A {f1['A']:.3f} O {f1['O']:.3f} "
        f"~ {f1['~']:.3f})")


def stage_beatseq() -> None:
    """5-fold CV of the beat-sequence network (training/_rhythm_beatseq.py): caches the
    beat windows, trains each fold's net (CNN_FOLDS=k: one fold) and prints the score."""
    from training import _rhythm_beatseq as B

    tag = BEATSEQ_TAG or B.TAG
    for name in ("pool", "shared"):
        if not (D.CACHE / f"beatseq_{name}.npz").exists():
            B.cache(name)
    folds = [int(k) for k in os.environ.get("CNN_FOLDS", "0,1,2,3,4").split(",")]
    for k in folds:
        B.run_fold(k, B.EPOCHS, tag)


def beats_300(x: np.ndarray) -> np.ndarray:
    """The beats cardiokit.ecg.rhythm uses: detect_beats (default method) at 300 Hz."""
    from cardiokit.ecg.rhythm import lead_beats

    return lead_beats(x)


def features(name: str, sigs: list[np.ndarray]) -> np.ndarray:
    from cardiokit.ecg._rhythm_features import FEATURE_NAMES, rhythm_features

    path = D.CACHE / f"features_{name}.npz"
    if path.exists():
        z = np.load(path)
        if list(z["names"]) == list(FEATURE_NAMES) and z["X"].shape[0] == len(sigs):
            return z["X"]
    t0 = time.time()
    X = np.zeros((len(sigs), len(FEATURE_NAMES)))
    for i, s in enumerate(sigs):
        X[i] = rhythm_features(s, beats_300(s))
        if i % 1000 == 0:
            log(f"  features {name}: {i}/{len(sigs)} ({time.time() - t0:.0f} s)")
    np.savez(path, X=X, names=np.asarray(FEATURE_NAMES))
    return X


def stage_features() -> None:
    ids, _, _ = pool_labels()
    features("pool", D.signals("pool", ids, D.TRAIN_DIR))
    sids, _ = D.shared()
    features("shared", D.signals("shared", sids, D.SHARED_DIR))


HEAD_PARAMS = {"max_iter": 250, "learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 20,
               "l2_regularization": 1.0, "random_state": D.SEED}


def _class_weights(y: np.ndarray) -> np.ndarray:
    counts = np.bincount(y, minlength=4).astype(np.float64)
    w = (counts.sum() / np.maximum(counts, 1)) ** 0.5
    return (w / w[y].mean())[y]


def fit_head(X: np.ndarray, y: np.ndarray):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(**HEAD_PARAMS).fit(X, y, sample_weight=_class_weights(y))


def _row(name: str, y: np.ndarray, pred: np.ndarray) -> dict:
    f = D.cinc_f1(y, pred)
    log(f"  {name:<28} score {f['score']:.3f}   F1 N {f['N']:.3f}  A {f['A']:.3f}  O {f['O']:.3f}"
        f"  ~ {f['~']:.3f}")
    return {k: round(v, 4) for k, v in f.items()}


def head_data(cnn: bool = True) -> dict:
    ids, y, fold = pool_labels()
    sids, sy = D.shared()
    X = features("pool", D.signals("pool", ids, D.TRAIN_DIR))
    SX = features("shared", D.signals("shared", sids, D.SHARED_DIR))
    d = {"y": y, "sy": sy, "X": X, "SX": SX, "fold": fold}
    if cnn:
        zs = [np.load(D.CACHE / f"{tag}cnn_probs.npz") for tag in cnn_tags()]
        # the shipped CNN is the single fold model EXPORT_FOLD of each tag (its outputs on
        # unseen records are distributed like the out-of-fold probabilities the head learns
        # from); several tags: their probabilities averaged (CNN_MIX=mean) or side by side
        oofs = [z["oof"].astype(np.float64) for z in zs]
        shared = [z["shared"][EXPORT_FOLD].astype(np.float64) for z in zs]
        mix = np.hstack if CNN_MIX == "concat" else (lambda a: np.mean(a, axis=0))
        d["cnn"], d["scnn"] = mix(oofs), mix(shared)
        if BEATSEQ_TAG:
            oof = np.full((y.size, 4), np.nan)
            for k in range(D.N_FOLDS):
                z = np.load(D.CACHE / f"{BEATSEQ_TAG}cnn_oof{k}.npz")
                oof[z["va"]] = z["oof"]
                if k == EXPORT_FOLD:
                    sbs = z["shared"].astype(np.float64)
            if np.isnan(oof).any():
                raise RuntimeError(f"beat-sequence outputs {BEATSEQ_TAG}cnn_oof*.npz miss pool records")
            d["bs"], d["sbs"] = oof, sbs
    return d


def stage_head_features() -> None:
    """Intermediate model without the CNN: features + GBM (CV table, final head)."""
    import pickle

    d = head_data(cnn=False)
    y, fold = d["y"], d["fold"]
    oof = np.zeros((y.size, 4))
    for k in range(D.N_FOLDS):
        tr, va = fold != k, fold == k
        oof[va] = fit_head(d["X"][tr], y[tr]).predict_proba(d["X"][va])
    log(f"5-fold CV on the training pool ({y.size} records):")
    cv = {"features_gbm": _row("features + GBM", y, oof.argmax(1))}
    head = fit_head(d["X"], y)
    log(f"shared evaluation subset ({d['sy'].size} records, v3 labels; never used for training):")
    shared = {"features_gbm": _row("features + GBM", d["sy"], head.predict_proba(d["SX"]).argmax(1))}
    with open(D.CACHE / "head.pkl", "wb") as f:
        pickle.dump({"head": head, "cv": cv, "shared": shared, "n_pool": int(y.size), "uses_cnn": False,
                     "pool_counts": np.bincount(y, minlength=4).tolist()}, f)


SCALE_GRID = (0.6, 0.8, 1.0, 1.25, 1.6, 2.0)


def tune_scales(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-class probability multipliers (N fixed at 1) maximising the CinC score of
    ``argmax(p * scales)``: coordinate search over :data:`SCALE_GRID`, two sweeps."""
    sc = np.ones(4)
    best = D.cinc_f1(y, p.argmax(1))["score"]
    for _ in range(2):
        for c in (1, 2, 3):
            for v in SCALE_GRID:
                t = sc.copy()
                t[c] = v
                f = D.cinc_f1(y, (p * t).argmax(1))["score"]
                if f > best + 1e-9:
                    best, sc = f, t
    return sc


#: Class scales are shipped only when they raise the nested-CV score by at least this much.
SCALE_MIN_GAIN = 0.003


def shipped_scales(h: dict) -> list[float]:
    """The class scales of head.pkl if nested CV says they help, else ones."""
    gain = h["cv"]["fused_scaled"]["score"] - h["cv"]["fused"]["score"]
    return [float(v) for v in h["scales"]] if gain >= SCALE_MIN_GAIN else [1.0] * 4


def head_oof_name(cnn_tag: str, beatseq_tag: str = "") -> str:
    """File name of the head's cached out-of-fold outputs for these CNN / beat-sequence tags."""
    return f"{cnn_tag.replace(',', '+')}{'+' + beatseq_tag if beatseq_tag else ''}head_oof.npz"


def stage_head() -> None:
    """5-fold CV table (features-only, CNN-only, fused, fused + class scales chosen in
    nested CV) and the final fused head with its class scales."""
    d = head_data()
    y, fold = d["y"], d["fold"]
    specs = head_specs()
    fused = [np.hstack([d["X"], *(d[c] for c in spec)]) for spec in specs]
    sfused = [np.hstack([d["SX"], *(d["s" + c] for c in spec)]) for spec in specs]
    oof_feat = np.zeros((y.size, 4))
    oof_fused = np.zeros((y.size, 4))
    for k in range(D.N_FOLDS):
        tr, va = fold != k, fold == k
        oof_feat[va] = fit_head(d["X"][tr], y[tr]).predict_proba(d["X"][va])
        # several heads: their probabilities averaged
        oof_fused[va] = np.mean([fit_head(f[tr], y[tr]).predict_proba(f[va]) for f in fused], axis=0)
        log(f"  head fold {k + 1} done")
    pred_scaled = np.zeros(y.size, np.int64)
    for k in range(D.N_FOLDS):
        tr, va = fold != k, fold == k
        pred_scaled[va] = (oof_fused[va] * tune_scales(oof_fused[tr], y[tr])).argmax(1)
    scales = tune_scales(oof_fused, y)
    log(f"5-fold CV on the training pool ({y.size} records), heads {specs}:")
    cv = {"features_gbm": _row("features + GBM", y, oof_feat.argmax(1)),
          "cnn": _row("CNN (one fold model)", y, d["cnn"].argmax(1)),
          **({"beatseq": _row("beat-sequence net", y, d["bs"].argmax(1))} if BEATSEQ_TAG else {}),
          "fused": _row("features + nets -> GBM", y, oof_fused.argmax(1)),
          "fused_scaled": _row("+ class scales (nested)", y, pred_scaled)}
    log(f"class scales (whole pool OOF): {np.round(scales, 3).tolist()}")
    heads = [fit_head(f, y) for f in fused]
    head_f = fit_head(d["X"], y)
    sp = np.mean([h.predict_proba(f) for h, f in zip(heads, sfused, strict=True)], axis=0)
    log(f"shared evaluation subset ({d['sy'].size} records, v3 labels; never used for training):")
    shared = {"features_gbm": _row("features + GBM", d["sy"], head_f.predict_proba(d["SX"]).argmax(1)),
              "cnn": _row("CNN (shipped fold model)", d["sy"], d["scnn"].argmax(1)),
              **({"beatseq": _row("beat-sequence net (shipped fold)", d["sy"], d["sbs"].argmax(1))}
                 if BEATSEQ_TAG else {}),
              "fused": _row("features + nets -> GBM", d["sy"], sp.argmax(1)),
              "fused_scaled": _row("+ class scales", d["sy"], (sp * scales).argmax(1))}
    import pickle

    np.savez(D.CACHE / head_oof_name(CNN_TAG, BEATSEQ_TAG), feat=oof_feat, fused=oof_fused, scaled=pred_scaled)
    with open(D.CACHE / "head.pkl", "wb") as f:
        pickle.dump({"head": heads[0], "heads": heads, "specs": specs, "cv": cv, "shared": shared,
                     "n_pool": int(y.size), "uses_cnn": True,
                     "scales": scales.tolist(), "pool_counts": np.bincount(y, minlength=4).tolist()}, f)


def cnn_input_names() -> list[str]:
    """The head's CNN columns: ``cnn_<label>`` (one net or the nets' mean), with
    ``CNN_MIX=concat`` also ``cnn2_<label>``, ... for the further nets."""
    labels = ("normal", "af", "other", "noisy")
    n = len(cnn_tags()) if CNN_MIX == "concat" else 1
    return [f"cnn{'' if j == 0 else j + 1}_{k}" for j in range(n) for k in labels]


def head_input_names(spec: list[str]) -> list[str]:
    """The input columns of a head reading the features and the networks ``spec``."""
    from cardiokit.ecg._rhythm_features import FEATURE_NAMES

    names = {"cnn": cnn_input_names(), "bs": [f"beatseq_{k}" for k in ("normal", "af", "other", "noisy")]}
    return [*FEATURE_NAMES, *(n for c in spec for n in names[c])]


def export_cnn(path: Path) -> None:
    """ONNX of the shipped fold CNN of each tag (softmax outputs side by side: 4 per net),
    any input length."""
    import torch
    from training import _rhythm_cnn as C

    nets = []
    for tag in cnn_tags():
        net = C.RhythmCNN()
        net.load_state_dict(torch.load(D.CACHE / f"{tag}cnn_fold{EXPORT_FOLD}.pt"))
        nets.append(net.eval())
    model = (C.Softmaxed(nets[0]) if len(nets) == 1 else C.SoftmaxedSet(nets)).eval()
    dummy = torch.zeros(1, 1, 9000)
    torch.onnx.export(model, (dummy,), str(path), input_names=["ecg"], output_names=["probabilities"],
                      dynamic_axes={"ecg": {0: "batch", 2: "samples"}, "probabilities": {0: "batch"}},
                      opset_version=17, dynamo=False)
    from training._onnx_layout import conv1d_as_2d

    conv1d_as_2d(path)  # the same weights as 2-D convolutions: onnxruntime's faster kernels


def stage_export() -> None:
    import pickle
    from datetime import date

    from cardiokit.ecg._rhythm_features import FEATURE_NAMES
    from cardiokit.models.cards import sha256_file

    with open(D.CACHE / "head.pkl", "rb") as f:
        h = pickle.load(f)
    uses_cnn = h["uses_cnn"]
    d = head_data(cnn=uses_cnn)
    specs = h.get("specs", [["cnn"]]) if uses_cnn else [[]]
    models = h.get("heads", [h["head"]])
    files, heads = {}, []
    for j, (spec, model) in enumerate(zip(specs, models, strict=True)):
        trees = hgb_to_trees(model)
        fused = np.hstack([d["SX"], *(d["s" + c] for c in spec)])
        ref = model.predict_proba(fused)
        got = trees.predict_proba(fused)
        assert np.allclose(ref, got, atol=1e-6), float(np.abs(ref - got).max())
        head_path = MODEL_DIR / f"rhythm_cinc2017_head{'' if j == 0 else j + 1}.npz"
        trees.save(head_path)
        files[head_path.name] = sha256_file(head_path)
        heads.append({"file": head_path.name, "inputs": head_input_names(spec)})
    for j in range(len(specs), 4):  # heads of an earlier export
        (MODEL_DIR / f"rhythm_cinc2017_head{j + 1}.npz").unlink(missing_ok=True)
    cnn_path = MODEL_DIR / "rhythm_cinc2017_cnn.onnx"
    bs_path = MODEL_DIR / "rhythm_cinc2017_beatseq.onnx"
    if uses_cnn:
        export_cnn(cnn_path)
        files[cnn_path.name] = sha256_file(cnn_path)
    elif cnn_path.exists():
        cnn_path.unlink()
    if uses_cnn and BEATSEQ_TAG:
        from training._rhythm_beatseq import export_onnx

        export_onnx(D.CACHE / f"{BEATSEQ_TAG}fold{EXPORT_FOLD}.pt", bs_path)
        files[bs_path.name] = sha256_file(bs_path)
    elif bs_path.exists():
        bs_path.unlink()
    card = {
        "name": "cardiokit-rhythm-cinc2017",
        "version": MODEL_VERSION,
        "task": "rhythm class of a single-lead ECG: normal sinus rhythm, atrial fibrillation, "
                "other rhythm, too noisy (PhysioNet/CinC Challenge 2017 classes)",
        "inputs": {"leads": "any single lead (AliveCor lead-I-like in training); 12-lead: best "
                            "leads by quality, probabilities averaged",
                   "fs_hz": 300, "resampled_from": ">= 100 Hz", "min_duration_s": 9.0,
                   "trained_durations_s": "9-61"},
        "labels": ["normal", "af", "other", "noisy"],
        "data": {
            "training": "PhysioNet/CinC Challenge 2017 training set (8528 records) minus the 600 "
                        "records of shared/data/cinc2017 and the CinC 2017 ids in RESERVED.md",
            "n_records": h["n_pool"],
            "class_counts": dict(zip(D.CLASSES, h["pool_counts"], strict=True)),
            "labels": "final v3 labels (REFERENCE-v3.csv, github awerdich/physionet @ 86248467; "
                      "112 pool records differ from the earlier REFERENCE.csv beside the "
                      "signals); folds assigned on the REFERENCE.csv labels as for 1.1.0",
            "split": "5-fold cross-validation stratified by class, by record (one record per "
                     "subject), seed 2017; the CNN of each fold is trained on the other four "
                     f"folds and the shipped CNN is the fold-{EXPORT_FOLD + 1} model; the tree head is "
                     "refit on the whole pool on out-of-fold CNN probabilities; class scales "
                     "chosen on out-of-fold head probabilities (nested in the CV estimate)",
            "held_out": "600 records of shared/data/cinc2017 (300 N, 150 A, 100 O, 50 ~), "
                        "final v3 labels, never used for training, tuning or selection",
        },
        "architecture": {
            "features": f"{len(FEATURE_NAMES)} hand-crafted (cardiokit/ecg/_rhythm_features.py)",
            "cnn": "residual 1-D CNN, 150 Hz internal, 6 blocks, global mean+max pooling "
                   "(training/_rhythm_cnn.py), trained on random 10-s crops, then fine-tuned "
                   "on 20-s and 30-s crops with the v3 labels (amplitude, polarity, "
                   "baseline-wander and noise augmentation), applied to the whole lead",
            "head": "gradient-boosted trees (scikit-learn HistGradientBoosting, evaluated with "
                    "numpy) over features + CNN probabilities"
                    + (" + beat-sequence network probabilities" if BEATSEQ_TAG else "")
                    + (f"; {len(heads)} heads ({', '.join('features + ' + ' + '.join(sp) for sp in specs)}), "
                       "their probabilities averaged" if len(heads) > 1 else ""),
            **({"beatseq": "beat-sequence network (training/_rhythm_beatseq.py): per beat a "
                           "0.8-s window at 150 Hz (-0.35..+0.45 s around R) scaled by the median "
                           "QRS amplitude and 4 log RR inputs, a shared 4-layer 1-D CNN beat "
                           "encoder, 4 dilated convolutions over the beat sequence, masked "
                           "mean+max pooling; trained from scratch on the v3 labels, fold "
                           f"{EXPORT_FOLD + 1} model shipped"} if BEATSEQ_TAG else {}),
        },
        "metrics": {"score": "CinC 2017 score = mean F1 over N, A, O", "cv_5fold": h["cv"],
                    "shared_600": h["shared"]},
        "license": "model weights Apache-2.0 (cardiokit); trained on data under ODC-By 1.0 "
                   "(PhysioNet/CinC Challenge 2017, Clifford et al. 2017) - attribution required",
        "files": files,
        "cnn_file": cnn_path.name if uses_cnn else None,
        **({"beatseq_file": bs_path.name, "beatseq_tag": BEATSEQ_TAG} if uses_cnn and BEATSEQ_TAG else {}),
        "head_file": heads[0]["file"],
        **({"heads": heads} if len(heads) > 1 else {}),
        "class_scales": [round(v, 4) for v in shipped_scales(h)],
        "cache_tag": CNN_TAG,
        "cnn_nets": len(cnn_tags()) if uses_cnn else 0,
        "cnn_mix": CNN_MIX,
        "head_inputs": heads[0]["inputs"],
        "trained": date.today().isoformat(),
        "script": "training/train_rhythm.py",
    }
    (MODEL_DIR / "rhythm_cinc2017.json").write_text(json.dumps(card, indent=1) + "\n")
    from training._cards import write_card_md

    md = write_card_md(MODEL_DIR / "rhythm_cinc2017.json")
    md.write_text(md.read_text() + "\n" + REPRODUCE_MD)
    for name in files:
        log(f"wrote {name} ({(MODEL_DIR / name).stat().st_size / 1e6:.2f} MB)")
    log("wrote rhythm_cinc2017.json")


def main(argv: list[str]) -> None:
    stages = argv or ["all"]
    if stages == ["all"]:
        stages = ["cnn", "features", "head", "export"]
    for s in stages:
        t0 = time.time()
        log(f"== stage {s}")
        globals()[f"stage_{s}"]()
        log(f"== stage {s} done in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
