"""CinC 2017 rhythm benchmark: cardiokit vs a NeuroKit2 HRV-feature baseline.

    .venv/bin/python -m bench.bench_rhythm [--no-write]

Writes the "Rhythm (CinC 2017)" section of docs/BENCHMARKS.md. In one run, on the same folds (training/_rhythm_data.py: the CinC 2017 training set
minus the shared subset and reserved ids, 5-fold stratified by record, seed 2017):

* cardiokit 5-fold CV: the out-of-fold predictions of ``python -m training.train_rhythm
  head`` (features from cardiokit.ecg._rhythm_features with detect_beats + out-of-fold
  CNN probabilities -> gradient-boosted trees with the shipped hyper-parameters; also
  features-only, CNN alone, and the class scales chosen in nested CV);
* baseline 5-fold CV: NeuroKit2 ``ecg_clean`` + ``ecg_peaks`` + ``hrv`` (time, frequency,
  non-linear indices) -> the same gradient-boosted trees;
* the shared evaluation subset (600 records, final v3 labels, never used for training):
  the shipped model through the public API ``cardiokit.ecg.classify_rhythm`` on records
  read with ``cardiokit.read``, and the baseline trained on the whole pool;
* inference time of ``classify_rhythm`` per 30-s record (single thread), with and
  without beats given, and the rhythm stage inside ``cardiokit.analyze`` on 10-s 12-lead
  LUDB records.

Score: the official CinC 2017 score, mean F1 over N, A and O.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from datetime import date

import numpy as np
from training import _rhythm_data as D
from training.train_rhythm import CNN_TAG, fit_head, head_oof_name

from ._common import write_section

NK_CACHE = D.CACHE / "nk_features_{}.npz"


def nk_features(name: str, sigs: list[np.ndarray]) -> np.ndarray:
    """NeuroKit2 HRV features (nk.hrv on nk.ecg_peaks of nk.ecg_clean) per record, cached."""
    import neurokit2 as nk

    path = D.CACHE / f"nk_features_{name}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        if z["X"].shape[0] == len(sigs):
            return z["X"]
    cols: list[str] | None = None
    rows = []
    t0 = time.time()
    for i, x in enumerate(sigs):
        row: dict[str, float] = {}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cl = nk.ecg_clean(x, sampling_rate=300)
                _, info = nk.ecg_peaks(cl, sampling_rate=300)
                peaks = info["ECG_R_Peaks"]
                h = nk.hrv(peaks, sampling_rate=300)
                row = {k: float(v) for k, v in h.iloc[0].items()}
                row["n_peaks"] = float(len(peaks))
        except Exception:
            row = {}
        if cols is None and row:
            cols = list(row)
        rows.append(row)
        if i % 500 == 0:
            print(f"  nk features {name}: {i}/{len(sigs)} ({time.time() - t0:.0f} s)", flush=True)
    cols = cols or []
    X = np.array([[r.get(c, np.nan) for c in cols] for r in rows], np.float64)
    X[~np.isfinite(X)] = np.nan
    np.savez(path, X=X, names=np.asarray(cols))
    return X


def cv(X: np.ndarray, y: np.ndarray, fold: np.ndarray) -> np.ndarray:
    oof = np.zeros((y.size, 4))
    for k in range(D.N_FOLDS):
        tr, va = fold != k, fold == k
        oof[va] = fit_head(X[tr], y[tr]).predict_proba(X[va])
    return oof.argmax(1)


def ludb_check(max_leads: int, with_beats: bool) -> dict:
    """LUDB 12-lead records labelled 'Sinus rhythm' or 'Atrial fibrillation': predicted labels.

    ``with_beats``: the multi-lead beats of ``cardiokit.ecg.detect_beats`` on the cleaned
    record are passed in, as ``cardiokit.analyze`` does."""
    import wfdb

    from cardiokit import Channel, Recording
    from cardiokit.ecg.rhythm import classify_rhythm

    folder = D.SHARED / "ludb"
    out = {"Sinus rhythm": {}, "Atrial fibrillation": {}}
    with open(folder / "ludb.csv", newline="") as f:
        import csv

        for row in csv.DictReader(f):
            rhythm = row["Rhythms"].strip().splitlines()[0].strip()
            if rhythm not in out:
                continue
            r = wfdb.rdrecord(str(folder / "data" / row["ID"].strip()))
            rec = Recording(r.p_signal.astype(np.float32), r.fs,
                            tuple(Channel(n, "ecg", "mV") for n in r.sig_name))
            beats = None
            if with_beats:
                from cardiokit.ecg import clean, detect_beats

                beats = detect_beats(clean(rec))
            label = classify_rhythm(rec, max_leads=max_leads, beats=beats).label
            out[rhythm][label] = out[rhythm].get(label, 0) + 1
    return out


def fmt(name: str, f: dict[str, float]) -> str:
    return (f"| {name} | **{f['score']:.3f}** | {f['N']:.3f} | {f['A']:.3f} | {f['O']:.3f} | "
            f"{f['~']:.3f} |")


def timing(recs: list, **kw) -> tuple[float, float]:
    """Mean wall and CPU ms of classify_rhythm over ``recs`` (after one warm-up call)."""
    from cardiokit.ecg import clean, detect_beats
    from cardiokit.ecg.rhythm import classify_rhythm

    beats = [detect_beats(clean(r)) for r in recs] if kw.pop("beats", False) else [None] * len(recs)
    classify_rhythm(recs[0], beats=beats[0], **kw)
    t0, c0 = time.perf_counter(), time.process_time()
    for r, b in zip(recs, beats, strict=True):
        classify_rhythm(r, beats=b, **kw)
    return ((time.perf_counter() - t0) / len(recs) * 1000, (time.process_time() - c0) / len(recs) * 1000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true", help="print only, leave docs/BENCHMARKS.md")
    ap.add_argument("--timing-records", type=int, default=50)
    ap.add_argument("--shared-only", action="store_true",
                    help="only the shared-subset table (no CV rows, which need the training cache's "
                         "out-of-fold outputs); prints, never writes")
    args = ap.parse_args()

    import cardiokit
    from cardiokit.ecg.rhythm import RHYTHM_LABELS, classify_rhythm, model_id

    if args.shared_only:
        args.no_write = True
    ids, y, fold = D.pool_v3()  # final v3 labels; folds as assigned on REFERENCE.csv
    sids, sy = D.shared()
    # the signals feed the NeuroKit2 baseline only (the cardiokit rows read the cache or the files)
    sigs = None if args.shared_only else D.signals("pool", ids, D.TRAIN_DIR)
    ssigs = None if args.shared_only else D.signals("shared", sids, D.SHARED_DIR)
    rows_cv, rows_sh = [], []

    # the training cache of the shipped model (its card names the CNN_TAG it was built with)
    from cardiokit.models import load_card

    tag = load_card("rhythm_cinc2017").extra.get("cache_tag", CNN_TAG)
    bs_tag = load_card("rhythm_cinc2017").extra.get("beatseq_tag", "")
    n_nets = len(tag.split(","))
    nets = "one CNN" if n_nets == 1 else f"{n_nets} CNNs"
    if not args.shared_only:
        z = np.load(D.CACHE / head_oof_name(tag, bs_tag))
        # several nets (cache_tag "e7_,ze7_"): the CNN row is their mean, as the head reads it
        cnn = np.mean([np.load(D.CACHE / f"{t}cnn_probs.npz")["oof"].astype(np.float64) for t in tag.split(",")],
                      axis=0)
        scaled = any(abs(v - 1.0) > 1e-9 for v in load_card("rhythm_cinc2017").extra.get("class_scales") or [1.0])
        design = ("cardiokit features + CNN -> GBM, features + beat-sequence net -> GBM, averaged" if bs_tag
                  else "cardiokit features + CNN -> GBM")
        rows_cv.append((design + ("" if scaled else " (shipped design)"),
                        D.cinc_f1(y, z["fused"].argmax(1))))
        rows_cv.append(("  + class scales chosen in nested CV" + (" (shipped design)" if scaled else
                                                                   " (not shipped: gain < 0.003)"),
                        D.cinc_f1(y, z["scaled"])))
        # the same out-of-fold predictions against REFERENCE.csv, the labels the issue names
        y_ref = D.pool()[1]
        rows_cv.append(("  same predictions scored on REFERENCE.csv labels", D.cinc_f1(y_ref, z["fused"].argmax(1))))
        rows_cv.append(("cardiokit features -> GBM", D.cinc_f1(y, z["feat"].argmax(1))))
        rows_cv.append(("cardiokit CNN alone (one fold model)" if n_nets == 1 else
                        f"cardiokit CNNs alone (mean of {n_nets} chains' fold models)", D.cinc_f1(y, cnn.argmax(1))))
        if bs_tag:  # the beat-sequence network (model 1.3.0), its fold models out of fold
            bs = np.zeros((y.size, 4))
            for k in range(D.N_FOLDS):
                zb = np.load(D.CACHE / f"{bs_tag}cnn_oof{k}.npz")
                bs[zb["va"]] = zb["oof"]
            rows_cv.append(("cardiokit beat-sequence net alone (one fold model)", D.cinc_f1(y, bs.argmax(1))))
            e7 = D.CACHE / "e7_head_oof.npz"  # model 1.2.0: features + one CNN
            if e7.exists():
                rows_cv.append(("previous model 1.2.0 (features + CNN, no beat-sequence net)",
                                D.cinc_f1(y, np.load(e7)["fused"].argmax(1))))
        prev = D.CACHE / "ft2_head_oof.npz"  # model 1.1.0 (REFERENCE.csv labels), its out-of-fold output
        if tag != "ft2_" and prev.exists():
            rows_cv.append(("previous model 1.1.0 (trained on REFERENCE.csv), scored on v3 labels",
                            D.cinc_f1(y, np.load(prev)["fused"].argmax(1))))
        NX = nk_features("pool", sigs)
        # keep NeuroKit2 columns with at least two distinct finite values on the pool
        keep = [j for j in range(NX.shape[1]) if np.unique(NX[np.isfinite(NX[:, j]), j]).size >= 2]
        NX = NX[:, keep]
        rows_cv.append(("NeuroKit2 hrv() features -> GBM (baseline)", D.cinc_f1(y, cv(NX, y, fold))))

    # shared subset: the shipped model through the public API
    pred = np.zeros(len(sids), np.int64)
    # the same records through cardiokit.analyze: its JSON's rhythm.label (the class a user
    # reads, consistent with the statements) and the most probable class of its rhythm model
    # (its quality grading picks the stretch the model reads); no label or no probabilities: ~
    an_label, an_prob = np.full(len(sids), 3), np.full(len(sids), 3)
    for i, rid in enumerate(sids):
        rec = cardiokit.read(str(D.SHARED_DIR / f"{rid}.hea"))
        res = classify_rhythm(rec)
        pred[i] = RHYTHM_LABELS.index(res.label)
        rh = cardiokit.analyze(rec).rhythm
        if rh is not None and rh.label is not None:
            an_label[i] = RHYTHM_LABELS.index(rh.label)
        if rh is not None and rh.probabilities is not None:
            an_prob[i] = RHYTHM_LABELS.index(max(rh.probabilities, key=rh.probabilities.get))
    rows_sh.append((f"cardiokit classify_rhythm ({model_id()})", D.cinc_f1(sy, pred)))
    rows_sh.append(("cardiokit.analyze: `rhythm.label` of the report", D.cinc_f1(sy, an_label)))
    rows_sh.append(("cardiokit.analyze: its rhythm model's most probable class", D.cinc_f1(sy, an_prob)))
    if not args.shared_only:
        SNX = nk_features("shared", ssigs)
        names_pool = list(np.load(D.CACHE / "nk_features_pool.npz")["names"])
        names_shared = list(np.load(D.CACHE / "nk_features_shared.npz")["names"])
        SNX = np.column_stack([SNX[:, names_shared.index(names_pool[j])] if names_pool[j] in names_shared
                               else np.full(SNX.shape[0], np.nan) for j in keep])
        base = fit_head(NX, y)
        rows_sh.append(("NeuroKit2 hrv() features -> GBM (baseline)",
                        D.cinc_f1(sy, base.predict_proba(SNX).argmax(1))))

    # external 12-lead check: LUDB (500 Hz, 10 s), sinus rhythm vs atrial fibrillation
    lud = {"best lead, beats from analyze (as in cardiokit.analyze)": ludb_check(1, True),
           "up to 3 leads, beats detected per lead": ludb_check(3, False)}

    # timing on 30-s records (single-threaded onnxruntime session)
    recs = [cardiokit.read(str(D.SHARED_DIR / f"{r}.hea")) for r in sids]
    recs30 = [r.crop(0, 30.0) for r in recs if r.duration_s >= 30.0][: args.timing_records]
    ms, cpu_ms = timing(recs30)
    ms_b, cpu_b = timing(recs30, beats=True)
    # the rhythm stage inside analyze (10-s 12-lead 500 Hz LUDB records)
    stage = []
    for name in ("1", "2", "3"):
        rec = cardiokit.read(str(D.SHARED / "ludb" / "data" / name))
        cardiokit.analyze(rec)
        stage += [float(cardiokit.analyze(rec).timing_ms.get("rhythm", np.nan)) for _ in range(7)]
    import os

    load = os.getloadavg()[0]
    head = "| model | CinC score (mean F1 N/A/O) | F1 N | F1 A | F1 O | F1 ~ |\n|---|---|---|---|---|---|"
    lines = [
        f"Run {date.today().isoformat()} with `.venv/bin/python -m bench.bench_rhythm` "
        f"(cardiokit {cardiokit.__version__}, model {model_id()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, onnxruntime {__import__('onnxruntime').__version__}; baseline "
        f"neurokit2 {__import__('neurokit2').__version__}, scikit-learn {__import__('sklearn').__version__}). "
        "The cardiokit CV rows are the out-of-fold predictions of `python -m training.train_rhythm "
        "head` (commands in docs/MODELS.md); the baseline is cross-validated in this run on the same "
        "folds. Previous models: 1.1.0 (65 features, 10-s-crop CNN, REFERENCE.csv labels): CV 0.831 "
        "on REFERENCE.csv labels (0.835 on v3 labels, row below), shared 0.820, rhythm stage in "
        "analyze 1.9 ms; 1.0.0 (5-model CNN average, 51 features): CV 0.818, shared 0.829, "
        "12.4 ms CPU per 30-s record, rhythm stage in analyze ~30 ms (up to 3 leads, beats detected "
        "per lead).",
        "",
        f"5-fold CV on the training pool ({y.size} records of the CinC 2017 training set minus the "
        "600 shared records and the RESERVED.md ids; folds stratified by class, by record, "
        "seed 2017, assigned on REFERENCE.csv; scored and trained on the final v3 labels, "
        "REFERENCE-v3.csv, which 112 pool records differ from REFERENCE.csv in). Same folds and "
        "same gradient-boosted trees for all rows:",
        "",
        head,
        *[fmt(n, f) for n, f in rows_cv],
        "",
        f"Shared evaluation subset (shared/data/cinc2017, {len(sids)} records: 300 N, 150 A, 100 O, "
        "50 ~; final v3 labels; never used for training, tuning or model selection). cardiokit is "
        "the shipped model called through `cardiokit.read` + `cardiokit.ecg.classify_rhythm`, and "
        "the same records through `cardiokit.analyze` (the report's `rhythm.label`, and the most "
        "probable class of the probabilities beside it, from the pipeline's beats); the baseline "
        "is trained on the whole pool:",
        "",
        head,
        *[fmt(n, f) for n, f in rows_sh],
        "",
        "External 12-lead check (LUDB, 500 Hz, 10 s; records whose first rhythm is sinus rhythm "
        "or atrial fibrillation; leads chosen by quality grade and preference):",
        "",
        "| leads | LUDB rhythm | records | predicted normal | af | other | noisy |",
        "|---|---|---|---|---|---|---|",
        *[f"| {m} | {k} | {sum(v.values())} | " + " | ".join(str(v.get(lab, 0)) for lab in RHYTHM_LABELS) + " |"
          for m, d in lud.items() for k, v in d.items()],
        "",
        f"Inference per 30-s single-lead record (mean over {len(recs30)} shared records, onnxruntime "
        f"1 thread, load average {load:.1f} on {os.cpu_count()} cores shared with other jobs): "
        f"{cpu_ms:.1f} ms CPU ({ms:.1f} ms wall) with beat detection, {cpu_b:.1f} ms CPU "
        f"({ms_b:.1f} ms wall) with the beats given (features + {nets}"
        f"{' + beat-sequence net' if bs_tag else ''} + trees). Rhythm stage "
        f"inside `cardiokit.analyze` (best lead, the pipeline's beats; LUDB 1-3, 10 s, 12 leads, "
        f"500 Hz; median of 21 runs): {np.nanmedian(stage):.1f} ms. For reference the four 2017 "
        "challenge winners scored 0.83 on the hidden test set (a different set: numbers are not "
        "directly comparable).",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("Rhythm (CinC 2017)", text)
        (D.CACHE / "bench_rhythm.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
