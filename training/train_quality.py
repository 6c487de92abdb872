"""Train the ECG segment-quality model (logistic regression over SQIs), seeded.

    .venv/bin/python -m training.train_quality

Labels obtained honestly, all from the CinC 2017 training pool (training/_rhythm_data.py:
the shared evaluation subset and the reserved ids are excluded) and the first half of
the nstdb noise records (the second half is kept for bench/bench_quality.py):

* usable (0): 5-s segments of pool records labelled N, A or O, as recorded and with
  nstdb ``bw``/``ma`` noise added at 12-24 dB SNR;
* unusable (1): the same kind of segments with ``bw``/``ma`` noise at -6 to 0 dB, and
  segments of pool records labelled ``~`` (too noisy) whose beat detectors disagree
  (bSQI < 0.9: the noisy stretches of a noisy record; weight 1);
* since 2.1.0, clinical 12-lead leads too (:func:`ludb_segments`): LUDB records with an even
  id from 62 to 200 (70 records that cardiologists interpreted, so every lead counts as
  usable), 4 random leads each, as recorded and at 12-24 dB (usable) and -6 to 0 dB
  (unusable), with the indices computed the way ``cardiokit.analyze`` computes them (the
  12-lead fused beats, 500 Hz). The CinC-only model graded a lead-segment of 99 of the 200
  LUDB records unusable, mostly for baseline power (bassqi) in small limb leads. LUDB 1-60
  (the noise-stress benchmark's clips) and the odd ids are never used here: the benchmark
  reports the clinical false-alarm rate on those 130 records.

Features are computed exactly as ``cardiokit.quality`` does at run time
(:func:`cardiokit.quality.indices.ecg_indices` on the raw segment, its
``cardiokit.ecg.clean_array`` and its ``detect_beats`` beats) and cached in
``/work/cache/quality`` (``quality_train_v3.npz`` and ``quality_train_ludb_v2.npz`` since
2.2.0, whose tSQI lets beats of a second morphology count with each other; a cache from
before must not be reused). The 2.0.0 weights were fit on the cached features of the
indices at the full 300 Hz; since tSQI, kurtosis and skewness use 150 Hz (every
``fs // 125``-th sample) a rebuilt cache gave CV AUC 0.9675 (0.9674 before). 2.2.0:
CV AUC 0.973 (2.1.0: 0.972).

Writes ``src/cardiokit/models/quality_ecg_weights.json`` and the card
``quality_ecg.json`` (sha256 of the weights) and prints 5-fold CV AUC by record.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import numpy as np
from training import _noise as NZ
from training import _rhythm_data as D

REPO = Path(__file__).resolve().parents[1]
CACHE = Path("/work/cache/quality")
MODEL_DIR = REPO / "src" / "cardiokit" / "models"
FS = 300.0
SEG = 1500


def seg_features(x: np.ndarray) -> np.ndarray:
    """Model inputs of one 5-s segment at 300 Hz (as cardiokit.quality computes them)."""
    from cardiokit.ecg.clean import clean_array
    from cardiokit.ecg.qrs import detect_beats_array
    from cardiokit.quality.assess import feature_matrix
    from cardiokit.quality.indices import ecg_indices

    x2 = x[:, None]
    beats = detect_beats_array(x2, fs_hz=FS)[0]
    ind = ecg_indices(x2, clean_array(x2, fs_hz=FS), FS, beats, [(0, x.size)], np.array([1.0]))
    return feature_matrix(ind)[0, 0]


def build() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / "quality_train_v3.npz"  # v3: tSQI with second-morphology beats (2.2.0)
    if path.exists():
        z = np.load(path)
        return z["X"], z["y"], z["g"], z["snr"]
    from cardiokit.ecg.qrs import detect_beats_array

    rng = np.random.default_rng(D.SEED)
    ids, lab = D.pool()
    sigs = D.signals("pool", ids, D.TRAIN_DIR)
    clean_idx = np.concatenate([rng.choice(np.flatnonzero(lab == c), n, replace=False)
                                for c, n in ((0, 500), (1, 150), (2, 250))])
    noisy_idx = np.flatnonzero(lab == 3)
    X, y, g, snr = [], [], [], []
    t0 = time.time()
    for k, i in enumerate(clean_idx):
        x = sigs[i]
        beats = detect_beats_array(x[:, None], fs_hz=FS)[0]
        s = int(rng.integers(0, x.size - SEG))
        seg, bseg = x[s : s + SEG], beats[(beats >= s) & (beats < s + SEG)] - s
        X.append(seg_features(seg))
        y.append(0)
        g.append(i)
        snr.append(99.0)
        for level, label in ((float(rng.choice([12.0, 18.0, 24.0])), 0),
                             (float(rng.choice([-6.0, -3.0, 0.0])), 1)):
            kind = "bw" if rng.random() < 0.5 else "ma"
            noisy = NZ.add_noise(seg, bseg, FS, kind, level, rng, "train")
            X.append(seg_features(noisy))
            y.append(label)
            g.append(i)
            snr.append(level)
        if k % 200 == 0:
            print(f"  clean/noise-stress {k}/{clean_idx.size} ({time.time() - t0:.0f} s)", flush=True)
    for i in noisy_idx:
        x = sigs[i]
        for s in range(0, x.size - SEG + 1, SEG):
            f = seg_features(x[s : s + SEG])
            if f[0] < 0.9:
                X.append(f)
                y.append(1)
                g.append(i)
                snr.append(-99.0)
    out = np.asarray(X), np.asarray(y), np.asarray(g), np.asarray(snr)
    np.savez(path, X=out[0], y=out[1], g=out[2], snr=out[3])
    return out


#: LUDB records used for training (even ids 62-200); the others are for bench/bench_quality.py
LUDB_TRAIN = tuple(range(62, 201, 2))
#: Group ids of LUDB records in the CV folds (CinC pool indices stay below this)
LUDB_GROUP = 1_000_000


def _noisy_recording(rec, beats: np.ndarray, kind: str, snr_db: float, rng: np.random.Generator):
    """``rec`` with nstdb noise added to every lead (each its own piece, each lead's SNR)."""
    x = np.asarray(rec.signals, np.float64)
    y = np.column_stack([NZ.add_noise(x[:, j], beats, rec.fs, kind, snr_db, rng, "train")
                         for j in range(x.shape[1])])
    return rec._evolve(signals=y.astype(np.float32))


def _runtime_features(rec) -> tuple[list[str], np.ndarray]:
    """(lead names, (leads * segments, 10) model inputs) as ``cardiokit.analyze`` makes them."""
    from cardiokit.ecg import clean, detect_beats
    from cardiokit.quality import assess_quality
    from cardiokit.quality.assess import model_features

    cl = clean(rec)
    q = assess_quality(rec, beats=detect_beats(cl), cleaned=cl)
    names, rows = [], []
    for lq in q.leads:
        for sg in lq.segments:
            ind = {k: (float("nan") if v is None else float(v)) for k, v in sg.indices.items()}
            names.append(lq.lead)
            rows.append(model_features(ind))
    return names, np.asarray(rows)


def ludb_segments() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Clinical 12-lead segments (rule in the module docstring): X, y, group, SNR."""
    path = CACHE / "quality_train_ludb_v2.npz"
    if path.exists():
        z = np.load(path)
        return z["X"], z["y"], z["g"], z["snr"]
    import cardiokit
    from cardiokit.ecg import clean, detect_beats

    rng = np.random.default_rng(D.SEED + 1)
    X, y, g, snr = [], [], [], []
    for rid in LUDB_TRAIN:
        rec = cardiokit.read(str(D.SHARED / "ludb" / "data" / f"{rid}.hea"))
        beats = detect_beats(clean(rec)).samples
        keep = set(rng.choice(rec.n_channels, 4, replace=False).tolist())
        variants = [(rec, 0, 99.0)]
        for level, label in ((float(rng.choice([12.0, 18.0, 24.0])), 0),
                             (float(rng.choice([-6.0, -3.0, 0.0])), 1)):
            kind = "bw" if rng.random() < 0.5 else "ma"
            variants.append((_noisy_recording(rec, beats, kind, level, rng), label, level))
        for r, label, level in variants:
            names, F = _runtime_features(r)
            lead_of = [c.name for c in rec.channels]
            for name, row in zip(names, F, strict=True):
                if lead_of.index(name) in keep:
                    X.append(row)
                    y.append(label)
                    g.append(LUDB_GROUP + rid)
                    snr.append(level)
    out = np.asarray(X), np.asarray(y), np.asarray(g), np.asarray(snr)
    np.savez(path, X=out[0], y=out[1], g=out[2], snr=out[3])
    return out


def fit(X: np.ndarray, y: np.ndarray) -> dict:
    from sklearn.linear_model import LogisticRegression

    mean = np.nanmean(X, axis=0)
    scale = np.nanstd(X, axis=0)
    scale[scale <= 0] = 1.0
    Z = np.where(np.isfinite(X), (X - mean) / scale, 0.0)
    m = LogisticRegression(C=1.0, max_iter=2000).fit(Z, y)
    return {"mean": mean.tolist(), "scale": scale.tolist(), "coef": m.coef_[0].tolist(),
            "intercept": float(m.intercept_[0])}


def predict(w: dict, X: np.ndarray) -> np.ndarray:
    Z = (X - np.asarray(w["mean"])) / np.asarray(w["scale"])
    Z = np.where(np.isfinite(Z), Z, 0.0)
    return 1 / (1 + np.exp(-(Z @ np.asarray(w["coef"]) + w["intercept"])))


def main() -> None:
    from sklearn.metrics import roc_auc_score

    from cardiokit.models.cards import sha256_file
    from cardiokit.quality.assess import _MODEL_INPUTS

    X, y, g, snr = build()
    XL, yL, gL, sL = ludb_segments()
    X, y, g, snr = (np.concatenate([X, XL]), np.concatenate([y, yL]), np.concatenate([g, gL]),
                    np.concatenate([snr, sL]))
    print(f"{X.shape[0]} segments: {int((y == 0).sum())} usable, {int((y == 1).sum())} unusable")
    rng = np.random.default_rng(D.SEED)
    groups = np.unique(g)
    fold_of = dict(zip(groups, rng.permutation(groups.size) % 5, strict=True))
    f = np.array([fold_of[v] for v in g])
    oof = np.zeros(y.size)
    for k in range(5):
        w = fit(X[f != k], y[f != k])
        oof[f == k] = predict(w, X[f == k])
    auc = float(roc_auc_score(y, oof))
    print(f"5-fold CV (by record) AUC {auc:.3f}")
    for level in sorted(set(snr.tolist())):
        sel = snr == level
        print(f"  SNR {level:>5}: n {sel.sum():4d}  mean p_unusable {oof[sel].mean():.3f}")
    w = fit(X, y)
    w["inputs"] = list(_MODEL_INPUTS)
    w["thresholds"] = {"good": 0.2, "unusable": 0.5}
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    wpath = MODEL_DIR / "quality_ecg_weights.json"
    wpath.write_text(json.dumps(w, indent=1) + "\n")
    card = {
        "name": "cardiokit-quality-ecg",
        "version": "2.2.0",
        "task": "probability that a 5-s single-lead ECG segment is unusable (too noisy)",
        "inputs": {"segment_s": 5.0, "fs_hz": "any >= 100 (indices are rate-independent)",
                   "features": list(_MODEL_INPUTS)},
        "labels": ["usable", "unusable"],
        "data": {
            "training": "CinC 2017 training pool (training set minus shared/data/cinc2017 and "
                        "RESERVED.md ids): 900 N/A/O records (clean, +12-24 dB nstdb bw/ma) vs "
                        "the same with -6..0 dB noise (first half of the nstdb noise) and "
                        "noisy-class (~) segments whose detectors disagree; plus 70 clinical 12-lead "
                        "LUDB records (even ids 62-200, 4 leads each) as recorded, +12-24 dB (usable) "
                        "and -6..0 dB (unusable)",
            "n_segments": int(X.shape[0]),
            "split": "5-fold CV grouped by record",
        },
        "metrics": {"cv_auc": round(auc, 4)},
        "license": "ODC-By 1.0 (CinC 2017 and nstdb data); model weights Apache-2.0",
        "files": {wpath.name: sha256_file(wpath)},
        "weights_file": wpath.name,
        "trained": date.today().isoformat(),
        "script": "training/train_quality.py",
    }
    (MODEL_DIR / "quality_ecg.json").write_text(json.dumps(card, indent=1) + "\n")
    from training._cards import write_card_md

    write_card_md(MODEL_DIR / "quality_ecg.json")
    print(f"wrote {wpath} and quality_ecg.json")


if __name__ == "__main__":
    main()
