"""Heart sounds (PhysioNet/CinC 2016): segmentation, heart rate and normal/abnormal.

Run: ``.venv/bin/python -m bench.bench_pcg [--no-write]``.

* Segmentation (S1/S2 F1, Springer 2016's metric: a detected sound is a true positive when
  its centre lies within +-60 ms of a reference centre) and PCG heart rate on the 16
  training-a records of ../shared/data/pcg_physionet2016. The mirror of the challenge data
  has no hand-corrected state annotations, so the reference is derived from the
  simultaneous ECG (R peak -> S1, end of T -> S2, the envelope maximum near each;
  ``training.train_pcg.ecg_reference``), as Springer labelled its training data before
  hand correction. The ECG heart rate is the median RR of the NeuroKit2 R peaks.
* Classification on the 90 shared records (never trained on: excluded from training by
  record name), with the shipped model end to end (``cardiokit.pcg.analyze_pcg``).
* Leave-one-database-out (a, b, d, e; c and f are reserved) figures come from the model
  card, written by ``python -m training.train_pcg classifier`` (trees, CNN: retrained per
  fold, too slow for a benchmark run) and ``python -m training.train_pcg robust`` (the
  shipped sign vote, its threshold picked per fold on the training databases only).
"""

from __future__ import annotations

import argparse
import csv
import time
import warnings

import numpy as np

from bench._common import data_path, markdown_table, today, versions, write_section
from cardiokit import read
from cardiokit.models.cards import load_card
from cardiokit.pcg import analyze_pcg, segment_heart_sounds

DATASET = "pcg_physionet2016"
TOL_S = 0.06


def match(ref: np.ndarray, det: np.ndarray, tol: float = TOL_S) -> tuple[int, int, int]:
    """(true positives, n reference, n detected) with one-to-one nearest matching."""
    used = np.zeros(det.size, dtype=bool)
    tp = 0
    for r in ref:
        if det.size == 0:
            break
        d = np.abs(det - r)
        d[used] = np.inf
        k = int(np.argmin(d))
        if d[k] <= tol:
            used[k] = True
            tp += 1
    return tp, int(ref.size), int(det.size)


def f1(tp: int, n_ref: int, n_det: int) -> float:
    se, ppv = tp / max(n_ref, 1), tp / max(n_det, 1)
    return 2 * se * ppv / (se + ppv) if se + ppv else 0.0


def bench_segmentation() -> tuple[str, dict]:
    from training.train_pcg import ecg_reference

    rows, tot = [], {"S1": [0, 0, 0], "S2": [0, 0, 0]}
    hr_err = []
    for hea in sorted(data_path(DATASET, "training-a").glob("*.hea")):
        ref = ecg_reference(hea)
        if ref is None:
            rows.append((hea.stem, "ECG unusable", "", "", "", ""))
            continue
        seg = segment_heart_sounds(read(hea), channel="PCG")
        lo = float(ref["s1"].min()) - TOL_S
        hi = float(max(ref["s1"].max(), ref["s2"].max())) + TOL_S
        out = []
        for st, r, d in (("S1", ref["s1"], seg.s1_times_s), ("S2", ref["s2"], seg.s2_times_s)):
            m = match(r, d[(d >= lo) & (d <= hi)])
            tot[st] = [a + b for a, b in zip(tot[st], m, strict=True)]
            out.append(f1(*m))
        hr_ecg = 60.0 / float(np.median(np.diff(ref["r"])))
        hr_err.append(seg.heart_rate_bpm - hr_ecg)
        rows.append((hea.stem, round(out[0], 3), round(out[1], 3), round(hr_ecg, 1),
                     round(seg.heart_rate_bpm, 1), round(seg.rate.peak, 2)))
    e = np.abs(np.asarray(hr_err))
    summary = {"f1_s1": f1(*tot["S1"]), "f1_s2": f1(*tot["S2"]), "hr_mae_bpm": float(e.mean()),
               "hr_within_5": int((e <= 5).sum()), "n": int(e.size)}
    table = markdown_table(("record", "F1 S1", "F1 S2", "HR ECG", "HR PCG", "periodicity"), rows)
    return table, summary


def scores(y: np.ndarray, p: np.ndarray, thr: float) -> dict[str, float]:
    pred = p >= thr
    se = float((pred & (y == 1)).sum() / max(1, (y == 1).sum()))
    sp = float((~pred & (y == 0)).sum() / max(1, (y == 0).sum()))
    pos, neg = p[y == 1], p[y == 0]
    auc = float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
                ) if pos.size and neg.size else float("nan")
    return {"n": int(y.size), "se": se, "sp": sp, "macc": (se + sp) / 2, "auc": auc}


def bench_classifier() -> tuple[str, dict, float]:
    with open(data_path(DATASET, "labels.csv")) as fh:
        labels = list(csv.DictReader(fh))
    ys, ps, dbs, comps, times, unsure = [], [], [], [], [], []
    thr = 0.5
    for row in labels:
        rec = read(data_path(DATASET, row["database"], f"{row['record']}.wav"))
        t0 = time.perf_counter()
        res = analyze_pcg(rec)
        times.append(time.perf_counter() - t0)
        c = res.classification
        thr = c.threshold
        ys.append(int(int(row["label"]) == 1))
        ps.append(c.probability_abnormal)
        comps.append((c.components["robust"], c.components["trees"], c.components["cnn"]))
        dbs.append(row["database"][-1])
        unsure.append(c.quality == "unsure")
    y, p, db, cp = np.asarray(ys), np.asarray(ps), np.asarray(dbs), np.asarray(comps)
    rows = []
    for d in ("a", "b", "d", "e"):
        s = scores(y[db == d], p[db == d], thr)
        rows.append((f"training-{d}", s["n"], s["se"], s["sp"], s["macc"], s["auc"]))
    s_all = scores(y, p, thr)
    rows.append(("all 90", s_all["n"], s_all["se"], s_all["sp"], s_all["macc"], s_all["auc"]))
    for k, name, t in ((1, "trees v1 only", 0.5), (2, "CNN v1 only", 0.5)):
        s = scores(y, cp[:, k], t)
        rows.append((f"all 90, {name}", s["n"], s["se"], s["sp"], s["macc"], s["auc"]))
    good = ~np.asarray(unsure)
    if good.sum() < y.size:
        s = scores(y[good], p[good], thr)
        rows.append((f"quality good only ({int(good.sum())})", s["n"], s["se"], s["sp"], s["macc"], s["auc"]))
    table = markdown_table(("subset", "n", "Se", "Sp", "MAcc", "AUC"), rows)
    return table, s_all, float(np.median(times) * 1000.0)


MODELS = ("robust", "trees", "cnn", "ensemble_v1")


def lodo_table() -> tuple[str, dict[str, float]]:
    card = load_card("pcg_cinc2016")
    lodo = card.metrics.get("lodo", {})
    means = {m: float(np.mean([v[m]["macc"] for v in lodo.values()])) for m in MODELS}
    rows = []
    for d, v in lodo.items():
        for model in MODELS:
            s = v[model]
            rows.append((f"training-{d}", model, s["n"], s["sensitivity"], s["specificity"], s["macc"],
                         s["auc"], s.get("threshold", 0.5)))
    return markdown_table(("held-out database", "model", "n", "Se", "Sp", "MAcc", "AUC", "threshold"), rows), means


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true", help="print only; do not touch docs/BENCHMARKS.md")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    seg_table, seg = bench_segmentation()
    cls_table, cls_all, ms = bench_classifier()
    lodo, lodo_mean = lodo_table()
    v = versions(("numpy", "scipy", "onnxruntime", "neurokit2"))
    card = load_card("pcg_cinc2016")
    pooled = card.metrics["lodo_pooled"]
    body = f"""Command: `.venv/bin/python -m bench.bench_pcg` ({today()}; {", ".join(f"{k} {x}" for k, x in v.items())};
model {card.id}). Data: PhysioNet/CinC 2016 training-a, -b, -d, -e (c and f reserved, never used).

### Normal / abnormal (challenge score MAcc = mean of sensitivity and specificity)

Shared evaluation subset `../shared/data/{DATASET}` (90 records, 45 normal / 45 abnormal;
excluded from training by record name), shipped model end to end, threshold {card.extra.get("threshold", 0.5)}:

{cls_table}

Leave-one-database-out over the training pool (train on three databases, test on the fourth:
a site never seen). `robust` is the shipped decision (version 2: equal-weight vote of the
features whose direction agreed in every training database, threshold picked by an inner
leave-one-database-out on the three training databases, never on the held-out one; from
`python -m training.train_pcg robust`); `trees`, `cnn` and their mean `ensemble_v1` are the
version-1 models (threshold 0.5; `python -m training.train_pcg classifier`), now reported only:

{lodo}

Mean LODO MAcc over the four held-out sites: shipped robust vote {lodo_mean["robust"]:.3f} (version 1
ensemble {lodo_mean["ensemble_v1"]:.3f}, trees {lodo_mean["trees"]:.3f}, CNN {lodo_mean["cnn"]:.3f}). Pooled over the
3005 held-out decisions (each at its fold's threshold; dominated by training-e's 1946 normals):
robust Se {pooled["robust"]["sensitivity"]:.2f}, Sp {pooled["robust"]["specificity"]:.2f}, MAcc {pooled["robust"]["macc"]:.2f} (version 1 ensemble: Se
{pooled["ensemble_v1"]["sensitivity"]:.2f}, Sp {pooled["ensemble_v1"]["specificity"]:.2f}, MAcc {pooled["ensemble_v1"]["macc"]:.2f}). The design (features, equal weights, the 0.02
AUC margin) was compared on these same folds, so the figures are slightly optimistic.
**The goal of >= 0.87 on sites never seen is not met.** What separates abnormal from normal
differs between sites: the murmur contrasts (systole louder than diastole, consistently
from cycle to cycle) point to "abnormal" in a, b and d (AUC 0.65-0.85 each) but to "normal"
in e (AUC 0.2-0.35 there: another population, device and mix of pathologies), so no model
trained on three sites ranks the fourth well; the vote only keeps features that agree in
every training site, which is why the final model (trained on all four) drops those
contrasts. Version 2 trades accuracy on the sites seen in training (shared subset: MAcc
{cls_all["macc"]:.2f} against 0.83 for version 1) for accuracy on new sites (mean LODO 0.53 -> {lodo_mean["robust"]:.2f}).
For comparison only, the 2016 winner scored 0.86 on the challenge's hidden test set, whose
records come from the same sites as its training data (not a leave-one-site-out figure).

Median time per recording (segmentation + classification, {ms:.0f} ms; recordings 5-36 s).

### Segmentation and heart rate (16 training-a records with ECG)

Reference S1/S2 centres from the simultaneous ECG (no hand-corrected annotations are in the
data mirror; see `bench/bench_pcg.py`). S1 F1 {seg["f1_s1"]:.3f}, S2 F1 {seg["f1_s2"]:.3f} (±60 ms,
pooled over records); PCG heart rate within 5 bpm of the ECG in {seg["hr_within_5"]}/{seg["n"]}
records, mean absolute error {seg["hr_mae_bpm"]:.1f} bpm.

{seg_table}
"""
    print(body)
    if not args.no_write:
        write_section("Heart sounds", body)


if __name__ == "__main__":
    main()
