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
    per = np.array([r[1:3] for r in rows if r[2] != ""], dtype=float)
    summary = {"f1_s1": f1(*tot["S1"]), "f1_s2": f1(*tot["S2"]), "hr_mae_bpm": float(e.mean()),
               "mean_f1_s1": float(per[:, 0].mean()), "mean_f1_s2": float(per[:, 1].mean()),
               "a0251": next((r[4] for r in rows if r[0] == "a0251"), float("nan")),
               "hr_within_5": int((e <= 5).sum()), "n": int(e.size)}
    table = markdown_table(("record", "F1 S1", "F1 S2", "HR ECG", "HR PCG", "periodicity"), rows)
    return table, summary


def bench_training_a() -> dict | None:
    """HR and S1/S2 F1 against the ECG on every training-a record with a usable ECG (the
    challenge data in PCG2016_DIR; None when absent). The segmenter's emission model was
    trained on these records minus the shared 16 (the heart-rate and duration parts were not)."""
    from training.train_pcg import DATA, ecg_reference

    folder = DATA / "training-a"
    if not folder.is_dir():
        return None
    with open(folder / "REFERENCE.csv") as fh:
        lab = {r: int(v) for r, v in csv.reader(fh)}
    err, tot = {0: [], 1: []}, {"S1": [0, 0, 0], "S2": [0, 0, 0]}
    for hea in sorted(folder.glob("*.hea")):
        try:
            ref = ecg_reference(hea)
        except Exception:  # no ECG channel in a few records
            ref = None
        if ref is None:
            continue
        seg = segment_heart_sounds(read(hea), channel="PCG")
        lo = float(ref["s1"].min()) - TOL_S
        hi = float(max(ref["s1"].max(), ref["s2"].max())) + TOL_S
        for st, r, d in (("S1", ref["s1"], seg.s1_times_s), ("S2", ref["s2"], seg.s2_times_s)):
            tot[st] = [a + b for a, b in zip(tot[st], match(r, d[(d >= lo) & (d <= hi)]), strict=True)]
        err[int(lab[hea.stem] == 1)].append(abs(seg.heart_rate_bpm - 60.0 / float(np.median(np.diff(ref["r"])))))
    e = np.asarray(err[0] + err[1])
    return {"n": int(e.size), "n_abnormal": len(err[1]), "mae": float(e.mean()),
            "within5": float((e <= 5).mean()), "mae_abnormal": float(np.mean(err[1])),
            "mae_normal": float(np.mean(err[0])), "f1_s1": f1(*tot["S1"]), "f1_s2": f1(*tot["S2"])}


def bench_synthetic_murmurs() -> str:
    """Heart rate and S1/S2 hit rate (±60 ms) on synthetic PCGs with a loud systolic murmur."""
    from tests.pcg.test_pcg_signal import FS, synthetic_pcg

    from cardiokit.pcg import PCG_FS_HZ, bandpass_pcg, clean_pcg

    rows = []
    for lo, hi in ((150.0, 300.0), (80.0, 300.0), (50.0, 200.0)):
        for bpm in (60.0, 85.0, 110.0):
            for amp in (0.2, 0.4):
                sys_s = 0.32 if bpm < 100 else 0.27
                x, s1, s2 = synthetic_pcg(bpm=bpm, seconds=25.0, sys_s=sys_s)
                noise = bandpass_pcg(np.random.default_rng(1).standard_normal(x.size), fs_hz=FS,
                                     low_hz=lo, high_hz=hi)
                mask = np.zeros(x.size)
                for a, b in zip(s1, s2, strict=True):
                    mask[round((a + 0.06) * FS) : round((b - 0.05) * FS)] = 1.0
                y = clean_pcg(x + amp * noise / noise.std() * mask, fs_hz=FS)
                seg = segment_heart_sounds(y, fs_hz=PCG_FS_HZ, cleaned=True)
                hits = []
                for ref, det in ((s1, seg.s1_times_s), (s2, seg.s2_times_s)):
                    inner = ref[(ref > 0.5) & (ref < 24.0)]
                    hits.append(float((np.min(np.abs(inner[:, None] - det[None, :]), axis=1) <= TOL_S).mean()))
                rows.append((f"{lo:g}-{hi:g} Hz", amp, bpm, round(seg.heart_rate_bpm, 1),
                             round(seg.rate.systolic_interval_s, 2), hits[0], hits[1]))
    return markdown_table(("murmur band", "murmur sd (S1 peak 1)", "true bpm", "PCG bpm",
                           "systolic interval s (true 0.32 / 0.27)", "S1 hit", "S2 hit"), rows)


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


def card_cross() -> str:
    """The previous version on the same held-out features, and the variants not shipped (from the card)."""
    m = load_card("pcg_cinc2016").metrics
    old = m.get("history", {}).get("2.0.0")
    if not old:
        return ""
    per = ", ".join(f"{d} {old['lodo'][d]['macc']:.2f} (AUC {old['lodo'][d]['auc']:.2f})" for d in "abde")
    tried = "; ".join(
        f"{k.replace('_', ' ').replace('1 1 0', '1.1.0').replace('0 0.01', '0, 0.01,')}: "
        f"{v['lodo_mean_macc']:.3f} / AUC {v['lodo_mean_auc']:.3f}"
        for k, v in m.get("not_shipped", {}).items() if "lodo_mean_auc" in v and v.get("lodo_mean_auc"))
    return (f"Version 2.0.0 (vote of 42 features fitted with a 0.02 AUC margin and per-database centres) on "
            f"the same held-out features (segmenter 1.1.0): {per}; mean {old['lodo_mean_macc']:.3f}, AUC "
            f"{old['lodo_mean_auc']:.3f} (3.0.0: {m['lodo_mean_macc']['robust']:.3f}, AUC "
            f"{m['lodo_mean_auc_robust']:.3f}). Tried for 3.0.0 and not shipped (LODO mean MAcc / AUC): {tried}.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true", help="print only; do not touch docs/BENCHMARKS.md")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    seg_table, seg = bench_segmentation()
    cls_table, cls_all, ms = bench_classifier()
    lodo, lodo_mean = lodo_table()
    syn = bench_synthetic_murmurs()
    ta = bench_training_a()
    ta_text = "" if ta is None else (
        f"On all {ta['n']} training-a records with a usable ECG ({ta['n_abnormal']} abnormal; PCG2016_DIR): "
        f"heart rate mean absolute error {ta['mae']:.2f} bpm (abnormal {ta['mae_abnormal']:.2f}, normal "
        f"{ta['mae_normal']:.2f}), within 5 bpm in {100 * ta['within5']:.1f} %, S1 F1 {ta['f1_s1']:.3f}, S2 F1 "
        f"{ta['f1_s2']:.3f}. With segmenter 1.0.0 and the plain autocorrelation (commit 885d90e, same reference code, "
        "380 records in that run): 2.80 bpm (abnormal 2.89, normal 2.61), 92.4 %, S1 F1 0.931, S2 F1 0.886. The "
        "emission model was trained on these records minus the shared 16, so the F1s are in-sample; "
        "the heart-rate changes (S1/S2-band autocorrelation, harmonic check) are not fitted, the "
        "irregular-rhythm widening of the diastole (IRREGULAR_DIA_SD 0.10 of 0, 0.10, 0.15) was picked "
        "on these records minus the shared 16.")
    cross = card_cross()
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
a site never seen). `robust` is the shipped decision (version 3: equal-weight vote of the
features, including the beat-to-beat variability features, whose direction agreed in every
training database, threshold picked by an inner
leave-one-database-out on the three training databases, never on the held-out one; from
`python -m training.train_pcg robust`); `trees`, `cnn` and their mean `ensemble_v1` are the
version-1 models (threshold 0.5; `python -m training.train_pcg classifier`), now reported only:

{lodo}

Mean LODO MAcc over the four held-out sites: shipped robust vote {lodo_mean["robust"]:.3f} (version 1
ensemble {lodo_mean["ensemble_v1"]:.3f}, trees {lodo_mean["trees"]:.3f}, CNN {lodo_mean["cnn"]:.3f}). Pooled over the
3005 held-out decisions (each at its fold's threshold; dominated by training-e's 1946 normals):
robust Se {pooled["robust"]["sensitivity"]:.2f}, Sp {pooled["robust"]["specificity"]:.2f}, MAcc {pooled["robust"]["macc"]:.2f} (version 1 ensemble: Se
{pooled["ensemble_v1"]["sensitivity"]:.2f}, Sp {pooled["ensemble_v1"]["specificity"]:.2f}, MAcc {pooled["ensemble_v1"]["macc"]:.2f}). The design (features, equal weights, the AUC margin 0
against 0.01 / 0.03 and an inner-LODO choice among them: 0.651, 0.636, 0.632) was compared on
these same folds, so the figures are slightly optimistic: the gain over 2.0.0 is small
against that spread, except on training-e.
**The goal of >= 0.87 on sites never seen is not met.** What separates abnormal from normal
differs between sites: the murmur contrasts (systole louder than diastole, consistently
from cycle to cycle) point to "abnormal" in a, b and d (AUC 0.65-0.85 each) but to "normal"
in e (AUC 0.2-0.35 there: another population, device and mix of pathologies), so no model
trained on three sites ranks the fourth well; the vote only keeps features that agree in
every training site, which is why the final model (trained on all four) drops those
contrasts. What does carry to e is beat-to-beat variability (robust spread of the S2 and
diastole levels, of the S1 / S2 widths and of the systole duration; AUC 0.77-0.85 in e,
0.55-0.75 elsewhere: `cardiokit.pcg.features.beat_features`), which lifts e from 0.62 to
{card.metrics["lodo"]["e"]["robust"]["macc"]:.2f}. Versions 2 and 3 trade accuracy on the sites seen in training (shared subset: MAcc
{cls_all["macc"]:.2f} against 0.83 for version 1) for accuracy on new sites (mean LODO 0.53 -> {lodo_mean["robust"]:.2f}).
For comparison only, the 2016 winner scored 0.86 on the challenge's hidden test set, whose
records come from the same sites as its training data (not a leave-one-site-out figure).

{cross}

Median time per recording (segmentation + classification, {ms:.0f} ms; recordings 5-36 s).

### Segmentation and heart rate (16 training-a records with ECG)

Reference S1/S2 centres from the simultaneous ECG (no hand-corrected annotations are in the
data mirror; see `bench/bench_pcg.py`). S1 F1 {seg["f1_s1"]:.3f}, S2 F1 {seg["f1_s2"]:.3f} (±60 ms,
pooled over records); PCG heart rate within 5 bpm of the ECG in {seg["hr_within_5"]}/{seg["n"]}
records, mean absolute error {seg["hr_mae_bpm"]:.1f} bpm (median error 0.7 bpm; a0326's ECG rate of 47 bpm
against ~100 from the PCG, and a0251, irregular, dominate the mean). Same 16 records and
references with segmenter 1.0.0 (commit 885d90e): mean F1 per record S1 0.892, S2 0.837 (now
{seg["mean_f1_s1"]:.3f}, {seg["mean_f1_s2"]:.3f}), heart rate within 5 bpm 14/16, MAE 4.7 bpm (a0251 83 bpm then, {seg["a0251"]:.0f} now). The
ECG references of a0311, a0326 and a0369 became usable with this run's ECG delineator.

{seg_table}

{ta_text}

### Loud systolic murmurs (synthetic)

S1 (50 Hz) and S2 (80 Hz) bursts with band-limited noise filling each systole (as
`tests/pcg/test_pcg_signal.py`). Segmenter 1.1.0 and the S1/S2-band (< 150 Hz) heart-rate
autocorrelation. Before (segmenter 1.0.0, full-band envelopes, commit 885d90e), 14 of these
18 cases lost S1 or S2 (hit rate 0-0.91), 4 of the 6 at 85 bpm read 14-72 bpm, and the
systolic interval came out wrong (negative, 0.05-0.07 s or the 0.20-s search limit) in 12.

{syn}
"""
    print(body)
    if not args.no_write:
        write_section("Heart sounds", body)


if __name__ == "__main__":
    main()
