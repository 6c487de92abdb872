"""Out-of-fold ``cardiokit.analyze`` on the CinC 2017 training pool: how the report's
``rhythm.label`` scores when every record is read by rhythm models that never saw it.

    .venv/bin/python -m training.rhythm_oof_analyze models   # fold models (torch)
    .venv/bin/python -m training.rhythm_oof_analyze eval     # 5 processes, ~1-2 min each

``models`` writes, for each fold k, a model directory (``CACHE/oof_models/fold<k>``) holding
the shipped design of ``rhythm_cinc2017`` built without fold k: the fold-k CNN and
beat-sequence network of the cache (``CNN_TAG`` / ``BEATSEQ_TAG``, default the shipped
``e7_`` / ``bs1_``; trained on the other four folds) and the two tree heads fit on the other
four folds' out-of-fold network outputs; every other model is the shipped one. ``eval`` runs
``cardiokit.analyze`` on each pool record with its fold's models and scores (v3 labels):

* the report's ``rhythm.label`` (none: noisy), and its rhythm model's most probable class;
* the label with records graded unusable read as noisy without the model (as before
  2026-11-25).

At commit e6fc975 (the label from the statements only, no veto of the AF rule, unusable
records not read) the same harness gave: label 0.722, the model's class 0.842; at b241fce
(the model read the longest usable stretch of its lead): label 0.850, model's class 0.850.
Since the next change of that day the model reads the whole lead: label 0.849, model's class
0.847 (with two electrode pops added to every record, ``/work/exp15/oof_pops.py`` of that
session: 0.829 on the whole lead against 0.817 on the stretch).

Runs of this harness at e6fc975 (saving the report's statements, quality grade and the
model's probabilities on the whole lead and on its usable stretch) chose the label rules of
:func:`cardiokit.interpret.rhythm_from_statements` and ``af_rule_model_af_from`` = 0.3
(docs/STATEMENTS.md): the alternatives were scored on those saved outputs (label score with
the veto off 0.806, at 0.1 / 0.2 / 0.3 / 0.5: 0.843 / 0.848 / 0.850 / 0.848; the model on
whole leads instead of the usable stretch 0.847, chosen later on the evidence above). The
quality model was trained on part of this pool, so its grades here are in-sample.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import numpy as np
from training import _rhythm_data as D

OUT = D.CACHE / "oof_models"
CNN_TAG = os.environ.get("CNN_TAG", "e7_")
BEATSEQ_TAG = os.environ.get("BEATSEQ_TAG", "bs1_")
LABELS = ("normal", "af", "other", "noisy")


def stage_models() -> None:
    os.environ.update(CNN_TAG=CNN_TAG, BEATSEQ_TAG=BEATSEQ_TAG, HEADS="cnn,bs")
    import torch
    from training import _rhythm_cnn as C
    from training import train_rhythm as T
    from training._onnx_layout import conv1d_as_2d
    from training._rhythm_beatseq import export_onnx
    from training._trees import hgb_to_trees

    from cardiokit.models.cards import MODEL_DIR, sha256_file

    d = T.head_data()
    y, fold = d["y"], d["fold"]
    for k in range(D.N_FOLDS):
        out = OUT / f"fold{k}"
        out.mkdir(parents=True, exist_ok=True)
        for p in MODEL_DIR.iterdir():
            if p.is_file() and not p.name.startswith("rhythm_cinc2017") and not (out / p.name).exists():
                (out / p.name).symlink_to(p)
        card = json.loads((MODEL_DIR / "rhythm_cinc2017.json").read_text())
        tr, files = fold != k, {}
        for j, spec in enumerate((["cnn"], ["bs"])):
            X = np.hstack([d["X"], *(d[c] for c in spec)])
            name = f"rhythm_cinc2017_head{'' if j == 0 else 2}.npz"
            hgb_to_trees(T.fit_head(X[tr], y[tr])).save(out / name)
            files[name] = sha256_file(out / name)
        net = C.RhythmCNN()
        net.load_state_dict(torch.load(D.CACHE / f"{CNN_TAG}cnn_fold{k}.pt"))
        path = out / "rhythm_cinc2017_cnn.onnx"
        torch.onnx.export(C.Softmaxed(net.eval()).eval(), (torch.zeros(1, 1, 9000),), str(path),
                          input_names=["ecg"], output_names=["probabilities"],
                          dynamic_axes={"ecg": {0: "batch", 2: "samples"}, "probabilities": {0: "batch"}},
                          opset_version=17, dynamo=False)
        conv1d_as_2d(path)
        files[path.name] = sha256_file(path)
        path = out / "rhythm_cinc2017_beatseq.onnx"
        export_onnx(D.CACHE / f"{BEATSEQ_TAG}fold{k}.pt", path)
        files[path.name] = sha256_file(path)
        card.update(files=files, version=f"oof-fold{k}")
        (out / "rhythm_cinc2017.json").write_text(json.dumps(card, indent=1))
        print(f"fold {k}: models in {out}", flush=True)


def run_fold(k: int) -> None:
    """analyze every pool record of fold ``k`` with the fold-k models (this process only)."""
    import cardiokit.models.cards as cards

    cards.MODEL_DIR = OUT / f"fold{k}"
    from training.train_rhythm import pool_labels

    import cardiokit
    from cardiokit import pipeline
    from cardiokit.ecg.rhythm import classify_rhythm, model_id

    if not model_id().endswith(f"fold{k}"):
        raise RuntimeError(f"fold {k}: loaded {model_id()}")
    cap: dict = {}
    beats_fn, quality_fn = pipeline._detect_beats, pipeline.assess_quality

    def beats(c):  # the pipeline's beats and quality, to re-read the model as before
        cap["beats"] = beats_fn(c)
        return cap["beats"]

    def quality(*a, **kw):
        cap["q"] = quality_fn(*a, **kw)
        return cap["q"]

    pipeline._detect_beats, pipeline.assess_quality = beats, quality
    ids, y, fold = pool_labels()
    rows = []
    for i in np.flatnonzero(fold == k):
        cap.clear()
        rec = cardiokit.read(str(D.TRAIN_DIR / f"{ids[i]}.hea"))
        rep = cardiokit.analyze(rec)
        rh, q = rep.rhythm, cap.get("q")
        probs = None if rh is None or rh.probabilities is None else [rh.probabilities[c] for c in LABELS]
        if probs is None and cap.get("beats") is not None:
            res = classify_rhythm(rec, quality=q, beats=cap["beats"], max_leads=1)
            probs = None if res.probabilities is None else [res.probabilities[c] for c in LABELS]
        rows.append({"id": ids[i], "y": int(y[i]), "grade": None if q is None else q.grade,
                     "label": None if rh is None else rh.label, "probs": probs,
                     "keys": [s.key for s in rep.statements]})
    with open(OUT / f"oof_fold{k}.pkl", "wb") as f:
        pickle.dump(rows, f)
    print(f"fold {k}: {len(rows)} records", flush=True)


def _idx(label: str | None) -> int:
    return 3 if label is None else LABELS.index(label)


def gated(r: dict) -> int:
    """The label as before 2026-11-25 for a record graded unusable (``noisy``, without the
    model); other records keep the report's label."""
    return 3 if r["grade"] == "unusable" else _idx(r["label"])


def stage_eval() -> None:
    for k in range(D.N_FOLDS):
        subprocess.run([sys.executable, "-m", "training.rhythm_oof_analyze", "fold", str(k)], check=True,
                       env={**os.environ, "OMP_NUM_THREADS": "1"})
    rows = []
    for k in range(D.N_FOLDS):
        with open(OUT / f"oof_fold{k}.pkl", "rb") as f:
            rows += pickle.load(f)
    y = np.asarray([r["y"] for r in rows])

    def show(name: str, pred: list[int]) -> None:
        f = D.cinc_f1(y, np.asarray(pred))
        print(f"  {name:<58} {f['score']:.4f}  N {f['N']:.3f} A {f['A']:.3f} O {f['O']:.3f} ~ {f['~']:.3f}")

    print(f"CinC 2017 pool, {y.size} records, out of fold (v3 labels):")
    show("report rhythm.label", [_idx(r["label"]) for r in rows])
    show("its rhythm model's most probable class", [3 if r["probs"] is None else int(np.argmax(r["probs"]))
                                                    for r in rows])
    show("label, records graded unusable read as noisy", [gated(r) for r in rows])
    print(f"  graded unusable: {sum(r['grade'] == 'unusable' for r in rows)}")


def main(argv: list[str]) -> None:
    if argv[:1] == ["fold"]:
        run_fold(int(argv[1]))
        return
    for stage in argv or ["models", "eval"]:
        {"models": stage_models, "eval": stage_eval}[stage]()


if __name__ == "__main__":
    main(sys.argv[1:])
