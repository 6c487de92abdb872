"""Train cardiokit's heart-sound models (PhysioNet/CinC 2016): the segmenter and the
normal/abnormal classifier.

Reproducible (seeded) end to end::

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python -m training.train_pcg all      # = segmenter, features, classifier, export

Data: the PhysioNet/CinC 2016 training set, databases training-a, -b, -d, -e only
(training-c and -f are reserved and never read), from PCG2016_DIR (default
/work/cache/pcg2016/data, extracted with ``git archive`` from github 240438/physionet2016-
baseline). The 90 records of the shared evaluation subset (../shared/data/
pcg_physionet2016/labels.csv) are excluded by record name, so that set stays unseen.
Caches go to CARDIOKIT_CACHE (default /work/cache/cardiokit_pcg).

Stages
``segmenter``  ECG-derived state labels on training-a (R peak -> S1, end of T -> S2, as
               Springer 2016 labelled its training data before hand correction), multinomial
               logistic regression of the state on the four envelopes (+-2 frames) ->
               src/cardiokit/models/pcg_segmenter{,_weights}.json.
``features``   per record: segmentation, per-state features and the per-cycle log-mel
               tensors of the CNN (cached npz).
``classifier`` leave-one-database-out (a, b, d, e) evaluation of the feature model, the CNN
               and their mean; then the final models on all four databases.
``export``     ONNX + card into src/cardiokit/models/.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("PCG2016_DIR", "/work/cache/pcg2016/data"))
SHARED = Path(os.environ.get("CARDIOKIT_SHARED_DATA", REPO.parent / "shared" / "data")) / "pcg_physionet2016"
CACHE = Path(os.environ.get("CARDIOKIT_CACHE", "/work/cache/cardiokit_pcg"))
MODELS = REPO / "src" / "cardiokit" / "models"
DATABASES = ("a", "b", "d", "e")
RESERVED = ("c", "f")
SEED = 2016


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# -- data ------------------------------------------------------------------------------------
def shared_records() -> set[str]:
    """Record names of the shared evaluation subset (never trained on)."""
    with open(SHARED / "labels.csv") as fh:
        return {row["record"] for row in csv.DictReader(fh)}


def records(databases: tuple[str, ...] = DATABASES, *, exclude_shared: bool = True
            ) -> list[tuple[str, str, int]]:
    """(record, database letter, label 1 abnormal / 0 normal) of the training pool."""
    if any(d in RESERVED for d in databases):
        raise SystemExit("training-c and training-f are reserved; they are never read")
    skip = shared_records() if exclude_shared else set()
    out = []
    for d in databases:
        with open(DATA / f"training-{d}" / "REFERENCE.csv") as fh:
            for rec, lab in csv.reader(fh):
                if rec not in skip:
                    out.append((rec, d, int(int(lab) == 1)))
    return out


def wav_path(rec: str, db: str) -> Path:
    return DATA / f"training-{db}" / f"{rec}.wav"


# -- ECG-derived reference states (training-a has a simultaneous ECG) ------------------------
def ecg_reference(hea: Path) -> dict[str, np.ndarray] | None:
    """S1 and S2 centres (seconds) of a training-a record from its ECG and PCG envelope.

    S1: the homomorphic-envelope maximum within R-0.05..R+0.20 s; S2: the maximum within
    T end-0.10..T end+0.10 s (Springer 2016's labelling, before hand correction). Returns
    ``None`` when the ECG is not usable (too few T ends or implausible intervals).
    """
    import neurokit2 as nk

    import cardiokit
    from cardiokit._core.recording import Channel, Recording
    from cardiokit.ecg import clean, delineate
    from cardiokit.pcg.clean import PCG_FS_HZ, clean_pcg, pcg_channel
    from cardiokit.pcg.envelopes import homomorphic_envelope

    rec = cardiokit.read(hea)
    # the training-a ECG starts with a step from 0 and its gain is arbitrary: centre, blank
    # the first 0.25 s, scale to ~1 mV; R peaks by NeuroKit2 (cardiokit's detector gates
    # some of these ECGs out as low quality), T ends by cardiokit's delineator
    x = np.asarray(rec.signals[:, rec.channel_index("ECG")], dtype=np.float64)
    x = x - np.median(x)
    x[: round(0.25 * rec.fs)] = 0.0
    x = x / max(float(np.percentile(np.abs(x), 99.5)), 1e-9)
    cl = clean(Recording(x[:, None], rec.fs, (Channel("ECG", "ecg", "mV"),)).resample(500.0))
    _, info = nk.ecg_peaks(np.asarray(cl.signals[:, 0]), sampling_rate=500, method="neurokit")
    beats = np.asarray(info["ECG_R_Peaks"], dtype=np.int64)
    if beats.size < 5:
        return None
    dl = delineate(cl, beats=beats)
    r = np.asarray(dl.beats) / 500.0
    tend = np.asarray(dl.global_)[:, 8]
    ok = tend > 0
    if ok.mean() < 0.7:
        return None
    y = clean_pcg(pcg_channel(rec), fs_hz=rec.fs)
    env = homomorphic_envelope(y, fs_hz=PCG_FS_HZ)
    fs = PCG_FS_HZ

    def peak(t0: float, t1: float) -> float:
        a, b = max(0, round(t0 * fs)), min(env.size, round(t1 * fs))
        return (a + int(np.argmax(env[a:b]))) / fs if b - a > 5 else np.nan

    s1 = np.array([peak(t - 0.05, t + 0.20) for t in r])
    s2 = np.array([peak(t / 500.0 - 0.10, t / 500.0 + 0.10) if t > 0 else np.nan for t in tend])
    sys_ = s2 - s1
    good = np.isfinite(s1) & np.isfinite(s2) & (sys_ > 0.15) & (sys_ < 0.55)
    if good.mean() < 0.7:
        return None
    return {"s1": s1[np.isfinite(s1)], "s2": s2[good], "r": r, "s1_paired": s1[good],
            "duration_s": np.array([rec.duration_s])}


def frame_labels(ref: dict[str, np.ndarray], n_frames: int, fs: float) -> np.ndarray:
    """State per frame (0 S1, 1 systole, 2 S2, 3 diastole, -1 unlabelled) from the centres."""
    from cardiokit.pcg.segment import S1_MEAN_S, S2_MEAN_S

    lab = np.full(n_frames, -1, dtype=np.int8)
    s1, s2 = ref["s1_paired"], ref["s2"]
    for k in range(s1.size):
        a1, b1 = s1[k] - S1_MEAN_S / 2, s1[k] + S1_MEAN_S / 2
        a2, b2 = s2[k] - S2_MEAN_S / 2, s2[k] + S2_MEAN_S / 2
        nxt = s1[k + 1] - S1_MEAN_S / 2 if k + 1 < s1.size else None
        if not b1 < a2:
            continue
        segs = [(a1, b1, 0), (b1, a2, 1), (a2, b2, 2)]
        if nxt is not None and nxt - b2 < 1.6 and nxt > b2:
            segs.append((b2, nxt, 3))
        for a, b, st in segs:
            i0, i1 = max(0, round(a * fs)), min(n_frames, round(b * fs))
            lab[i0:i1] = st
    return lab


def stage_segmenter() -> None:
    from sklearn.linear_model import LogisticRegression

    import cardiokit
    from cardiokit.pcg.clean import PCG_FS_HZ, clean_pcg, pcg_channel
    from cardiokit.pcg.envelopes import envelope_features
    from cardiokit.pcg.segment import CONTEXT, STATES, emission_features

    pool = [r for r in records(("a",))]
    cache = CACHE / "segmenter_frames.npz"
    if cache.is_file():
        z = np.load(cache)
        X, y, used = z["X"], z["y"], int(z["used"])
    else:
        Xs, ys, used = [], [], 0
        for k, (name, db, _) in enumerate(pool):
            hea = DATA / f"training-{db}" / f"{name}.hea"
            try:
                ref = ecg_reference(hea)
            except Exception as exc:  # an unreadable ECG only loses that record
                log(f"{name}: {type(exc).__name__}: {exc}")
                continue
            if ref is None:
                continue
            rec = cardiokit.read(hea)
            env = envelope_features(clean_pcg(pcg_channel(rec), fs_hz=rec.fs), fs_hz=PCG_FS_HZ)
            lab = frame_labels(ref, env.n_frames, env.fs)
            keep = lab >= 0
            Xs.append(emission_features(env)[keep].astype(np.float32))
            ys.append(lab[keep])
            used += 1
            if k % 50 == 0:
                log(f"segmenter labels {k}/{len(pool)}")
        X, y = np.vstack(Xs), np.concatenate(ys)
        np.savez(cache, X=X, y=y, used=used)
    log(f"segmenter: {used} training-a records, {len(y)} frames, state shares "
        f"{np.bincount(y, minlength=4) / len(y)}")
    rng = np.random.default_rng(SEED)
    sub = rng.choice(len(y), size=min(len(y), 200_000), replace=False)
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    clf = LogisticRegression(max_iter=500, C=1.0)
    clf.fit((X[sub] - mean) / scale, y[sub])
    acc = float((clf.predict((X - mean) / scale) == y).mean())
    prior = np.bincount(y, minlength=4) / len(y)
    weights = {"states": list(STATES), "mean": mean.tolist(), "scale": scale.tolist(),
               "coef": clf.coef_.tolist(), "intercept": clf.intercept_.tolist(), "prior": prior.tolist()}
    wfile = MODELS / "pcg_segmenter_weights.json"
    wfile.write_text(json.dumps(weights, indent=1) + "\n")
    from cardiokit.models.cards import sha256_file

    card = {
        "name": "cardiokit-pcg-segmenter",
        "version": "1.0.0",
        "task": "emission model of the heart-sound segmentation HSMM: P(state | envelopes) per "
                "20-ms frame, states S1, systole, S2, diastole",
        "inputs": {"fs_hz": 50, "features": "homomorphic, Hilbert, wavelet (Morlet 90 Hz), PSD "
                   "(40-60 Hz) envelopes of the 25-400 Hz PCG at 1 kHz, z-normalised per "
                   f"recording, with +-{CONTEXT} neighbouring frames"},
        "labels": list(STATES),
        "data": {"training": "PhysioNet/CinC 2016 training-a minus the 16 shared records; state "
                 "labels derived from the simultaneous ECG (R peak -> S1, end of T -> S2, "
                 "Springer 2016's labelling before hand correction)",
                 "n_records": used, "n_frames": len(y)},
        "metrics": {"frame_accuracy_training": round(acc, 4)},
        "license": "ODC-By 1.0 (PhysioNet/CinC 2016 data); weights Apache-2.0",
        "files": {wfile.name: sha256_file(wfile)},
        "weights_file": wfile.name,
        "trained": date.today().isoformat(),
        "script": "training/train_pcg.py segmenter",
        "reference": "Springer DB, Tarassenko L, Clifford GD. IEEE TBME 63(4):822-832 (2016)",
    }
    (MODELS / "pcg_segmenter.json").write_text(json.dumps(card, indent=1) + "\n")
    log(f"segmenter written: frame accuracy {acc:.3f}")


STAGES = {"segmenter": stage_segmenter}


def main(argv: list[str]) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    names = argv or ["all"]
    for n in names:
        for stage in (STAGES if n == "all" else [n]):
            if stage not in STAGES:
                raise SystemExit(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}, all")
            STAGES[stage]()


if __name__ == "__main__":
    main(sys.argv[1:])
