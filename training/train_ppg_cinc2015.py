"""Window-level SBP/DBP from the PPG of the PhysioNet/CinC 2015 ICU records (ABP reference).

Usage::

    .venv/bin/python training/train_ppg_cinc2015.py [--records DIR] [--write]

* Records: every ventricular-tachycardia alarm record of the challenge training set with
  both PLETH and ABP (github cx1111/vt-false-alarm-reduction ``data/``, extracted to
  ``/work/cache/ppg/cinc2015``), minus the records reserved in ``shared/data/RESERVED.md``
  **and every record chained to one of them**: the challenge publishes no patient id and
  neighbouring record numbers often come from one patient, so records are chained into
  groups whenever the next number is within 3 (as in the shared subset's provenance); a
  group with a reserved record is dropped whole. The groups are the "subjects" of every
  split below.
* Windows: non-overlapping 10 s in the first 290 s (the alarm at 300 s is often artefact).
  Target: median systolic peak / diastolic trough of the invasive ABP in the window.
  Kept when the ABP is plausible (SBP 60-250, DBP 20-150, pulse pressure >= 15 mmHg, ABP
  pulse count within 2 of the ECG R-peak count and of the PPG pulse count, beat-to-beat
  interquartile range of SBP <= 10 and of DBP <= 8 mmHg: no flush, zeroing or artefact)
  and the PPG window has >= 5 good pulses.
* Features: :func:`cardiokit.ppg.window_biomarkers` of :func:`cardiokit.ppg.analyze_ppg`
  on the whole record (``BP_PPG_FEATURES`` + pulse rate) and, reported only, the pulse
  arrival time (ECG R peak to PPG foot / peak; Mukkamala et al. 2015, IEEE TBME
  62:1879), which the package cannot use without an ECG.
* Evaluations (group-wise 5-fold CV, models refitted inside each fold, hyper-parameters by
  an inner group-wise CV): calibration-free (ridge, GBM, training-mean baseline), and
  **calibrated** (ISO 81060-3 style: one reference reading per record, the median ABP of
  its usable windows in the first 30 s after the first usable one, like a 30-s cuff
  reading; estimates for the windows >= 60 s later =
  calibration + ridge on the feature change since the calibration window), next to the
  baseline that carries the calibration reading forward.
* ``--write`` adds the calibrated variant to ``src/cardiokit/models/ppg_bp_weights.json``
  (run ``training/train_ppg_bp.py --write`` first; it rewrites the file).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "training"))

from train_ppg_bp import Ridge, conformal, metrics  # noqa: E402
from train_ppg_bp import folds as gfolds  # noqa: E402

from cardiokit.ppg import BP_PPG_FEATURES, analyze_ppg, window_biomarkers  # noqa: E402

RESERVED = ("v481l", "v501l", "v540s", "v568s", "v612s", "v720s", "v759l")
CACHE = Path("/work/cache/ppg")
WIN_S = 10.0
CAL_GAP_S = 60.0
CAL_S = 30.0
FEATS = (*BP_PPG_FEATURES, "hr_bpm")
ALPHAS = (1.0, 10.0, 100.0, 1000.0, 3000.0, 1e4, 3e4, 1e5)


def groups_of(names: list[str]) -> dict[str, int]:
    """Chain records whose numbers are within 3 into one group (patient proxy)."""
    nums = sorted((int(re.sub(r"\D", "", n)), n) for n in names)
    out, g, last = {}, -1, -100
    for num, n in nums:
        if num - last > 3:
            g += 1
        out[n] = g
        last = num
    return out


def select_records(folder: Path) -> tuple[list[str], dict[str, int]]:
    names = []
    for h in sorted(folder.glob("*.hea")):
        txt = h.read_text()
        if " PLETH" in txt and " ABP" in txt:
            names.append(h.stem)
    allg = groups_of(sorted(h.stem for h in folder.glob("*.hea")))
    bad = {allg[r] for r in RESERVED if r in allg}
    keep = [n for n in names if allg[n] not in bad]
    return keep, {n: allg[n] for n in keep}


def record_windows(path: Path) -> list[dict]:
    import wfdb
    from scipy.signal import find_peaks

    from cardiokit._core.recording import Channel, Recording
    from cardiokit.dsp import lowpass
    from cardiokit.ecg import clean, detect_beats

    w = wfdb.rdrecord(str(path))
    fs = float(w.fs)
    names = list(w.sig_name)
    sig = np.nan_to_num(w.p_signal)
    ppg, abp = sig[:, names.index("PLETH")], sig[:, names.index("ABP")]
    ecg_idx = [i for i, n in enumerate(names) if n not in ("PLETH", "ABP", "RESP")]
    ecg = Recording(sig[:, ecg_idx], fs, tuple(Channel(names[i], "ecg", "mV") for i in ecg_idx))
    r_peaks = detect_beats(clean(ecg)).samples
    a = analyze_ppg(ppg, fs_hz=fs, models=False)
    wins = window_biomarkers(a, window_s=WIN_S)
    lp = lowpass(abp, fs_hz=fs, cutoff_hz=10.0)
    sys_i, _ = find_peaks(lp, distance=int(0.3 * fs), prominence=10)
    # PAT: R peak to the PPG foot / peak of the same pulse (first R peak 80-600 ms before)
    on = a.beats.onsets
    pat_f = np.full(on.size, np.nan)
    pat_p = np.full(on.size, np.nan)
    for i, (o, p) in enumerate(zip(on, a.beats.peaks, strict=True)):
        k = np.searchsorted(r_peaks, o) - 1
        if o >= 0 and k >= 0 and 0.08 * fs <= o - r_peaks[k] <= 0.6 * fs:
            pat_f[i] = (o - r_peaks[k]) / fs
            pat_p[i] = (p - r_peaks[k]) / fs
    out = []
    for t0, bm, n_good in wins:
        if t0 + WIN_S > 290.0:
            break
        lo, hi = int(t0 * fs), int((t0 + WIN_S) * fs)
        s = sys_i[(sys_i >= lo) & (sys_i < hi)]
        if s.size < 4:
            continue
        dia = np.array([lp[u:v].min() for u, v in itertools.pairwise(s)])
        sbp, dbp = float(np.median(lp[s])), float(np.median(dia))
        n_r = int(((r_peaks >= lo) & (r_peaks < hi)).sum())
        n_p = int(((a.beats.peaks >= lo) & (a.beats.peaks < hi)).sum())
        iqr_s = float(np.subtract(*np.percentile(lp[s], [75, 25])))
        iqr_d = float(np.subtract(*np.percentile(dia, [75, 25])))
        ok = (60 <= sbp <= 250 and 20 <= dbp <= 150 and sbp - dbp >= 15
              and abs(n_r - s.size) <= 2 and abs(n_p - s.size) <= 2 and n_good >= 5
              and iqr_s <= 10 and iqr_d <= 8)
        sel = (a.beats.peaks >= lo) & (a.beats.peaks < hi) & a.quality.beat_good
        out.append({"t0": t0, "ok": ok, "sbp": sbp, "dbp": dbp,
                    "x": [np.nan if bm.get(k) is None else bm[k] for k in FEATS],
                    "pat_foot": float(np.nanmedian(pat_f[sel])) if np.isfinite(pat_f[sel]).any() else np.nan,
                    "pat_peak": float(np.nanmedian(pat_p[sel])) if np.isfinite(pat_p[sel]).any() else np.nan})
    return out


def build(folder: Path) -> dict:
    cache = CACHE / "cinc2015_windows.npz"
    recs, grp = select_records(folder)
    if cache.exists():
        z = np.load(cache, allow_pickle=False)
        if list(z["columns"]) == list(FEATS) and sorted(set(z["record"])) == sorted(
                {r for r in recs if r in set(z["record"])}) and int(z["n_records"]) == len(recs):
            return {k: z[k] for k in z.files}
    rows = []
    for i, r in enumerate(recs):
        try:
            ws = record_windows(folder / r)
        except Exception as exc:  # a broken record must not stop the build
            print(f"skip {r}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        for w in ws:
            rows.append((r, grp[r], w))
        print(f"{i + 1}/{len(recs)} {r}: {sum(w['ok'] for w in ws)}/{len(ws)} windows", file=sys.stderr)
    d = {"record": np.array([r for r, _, _ in rows]), "group": np.array([g for _, g, _ in rows]),
         "t0": np.array([w["t0"] for *_, w in rows]), "ok": np.array([w["ok"] for *_, w in rows]),
         "y": np.array([[w["sbp"], w["dbp"]] for *_, w in rows]),
         "X": np.array([w["x"] for *_, w in rows], float),
         "pat": np.array([[w["pat_foot"], w["pat_peak"]] for *_, w in rows]),
         "columns": np.array(FEATS), "n_records": np.array(len(recs))}
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **d)
    return d



def ridge_cv(X: np.ndarray, y: np.ndarray, g: np.ndarray) -> Ridge:
    best, err_b = ALPHAS[0], np.inf
    for a in ALPHAS:
        err = sum(float(np.sum((Ridge(a).fit(X[~te], y[~te]).predict(X[te]) - y[te]) ** 2))
                  for te in gfolds(g, 4, 1))
        if err < err_b:
            best, err_b = a, err
    return Ridge(best).fit(X, y)


def gbm(X: np.ndarray, y: np.ndarray) -> list:
    from sklearn.ensemble import HistGradientBoostingRegressor

    return [HistGradientBoostingRegressor(max_iter=200, learning_rate=0.05, max_leaf_nodes=15,
                                          min_samples_leaf=20, l2_regularization=1.0,
                                          random_state=0).fit(X, y[:, j]) for j in range(y.shape[1])]


def calibration_pairs(d: dict, X: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per record: reference = usable windows in the first CAL_S; pairs >= CAL_GAP_S later."""
    dx, cal, yy, gg, rr = [], [], [], [], []
    for r in np.unique(d["record"]):
        idx = np.flatnonzero((d["record"] == r) & d["ok"])
        if idx.size < 2:
            continue
        c = idx[d["t0"][idx] < d["t0"][idx[0]] + CAL_S]
        xc, yc0 = np.nanmedian(X[c], axis=0), np.median(d["y"][c], axis=0)
        for i in idx:
            if d["t0"][i] - d["t0"][c[-1]] >= CAL_GAP_S:
                dx.append(X[i] - xc)
                cal.append(yc0)
                yy.append(d["y"][i])
                gg.append(d["group"][i])
                rr.append(r)
    dx = np.array(dx)
    return np.where(np.isfinite(dx), dx, 0.0), np.array(cal), np.array(yy), np.array(gg), np.array(rr)


def table(pred: np.ndarray, y: np.ndarray, fl: list[np.ndarray]) -> dict:
    out = {}
    for j, t in enumerate(("sbp_mmhg", "dbp_mmhg")):
        h, cov = conformal(pred[:, j], y[:, j], fl)
        out[t] = {**metrics(pred[:, j] - y[:, j]), "interval90_half_width": round(h, 2),
                  "interval90_cv_coverage": round(cov, 3)}
    return out


def evaluate(d: dict) -> tuple[dict, dict]:
    ok = d["ok"].astype(bool)
    X, Y, G = d["X"][ok], d["y"][ok], d["group"][ok]
    Xp = np.column_stack([X, d["pat"][ok]])
    fl = gfolds(G, 5, 0)
    res: dict = {"n_records": int(np.unique(d["record"][ok]).size), "n_groups": int(np.unique(G).size),
                 "n_windows": int(ok.sum()), "calibration_free": {}, "calibrated": {}}
    preds = {k: np.zeros_like(Y) for k in ("training mean", "ridge", "gbm", "ridge+PAT", "ridge+gbm")}
    for te in fl:
        preds["training mean"][te] = Y[~te].mean(axis=0)
        preds["ridge"][te] = ridge_cv(X[~te], Y[~te], G[~te]).predict(X[te])
        preds["ridge+PAT"][te] = ridge_cv(Xp[~te], Y[~te], G[~te]).predict(Xp[te])
        preds["gbm"][te] = np.column_stack([m.predict(X[te]) for m in gbm(X[~te], Y[~te])])
    preds["ridge+gbm"] = (preds["ridge"] + preds["gbm"]) / 2
    for k, p in preds.items():
        res["calibration_free"][k] = table(p, Y, fl)
    # calibrated
    full = np.column_stack([d["X"], d["pat"]])
    dX, cal, yc, gc, _ = calibration_pairs(d, full)
    nf = len(FEATS)
    flc = gfolds(gc, 5, 0)
    cp = {k: np.zeros_like(yc) for k in ("carry calibration forward", "calibrated ridge",
                                         "calibrated ridge+PAT")}
    for te in flc:
        cp["carry calibration forward"][te] = cal[te]
        m = ridge_cv(dX[~te, :nf], yc[~te] - cal[~te], gc[~te])
        cp["calibrated ridge"][te] = cal[te] + m.predict(dX[te, :nf])
        m = ridge_cv(dX[~te], yc[~te] - cal[~te], gc[~te])
        cp["calibrated ridge+PAT"][te] = cal[te] + m.predict(dX[te])
    res["calibrated"] = {"n_pairs": int(yc.shape[0]), "n_records": int(np.unique(_).size),
                         "n_groups": int(np.unique(gc).size),
                         "change_sd_mmhg": [round(float(np.std(yc[:, j] - cal[:, j], ddof=1)), 2)
                                            for j in range(2)]}
    for k, p in cp.items():
        res["calibrated"][k] = table(p, yc, flc)
    half = {t: res["calibrated"]["calibrated ridge"][t]["interval90_half_width"]
            for t in ("sbp_mmhg", "dbp_mmhg")}
    final = ridge_cv(dX[:, :nf], yc - cal, gc)
    return res, {"model": final, "half": half}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=Path, default=CACHE / "cinc2015")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    d = build(args.records)
    res, fin = evaluate(d)
    print(json.dumps(res, indent=1))
    (CACHE / "cinc2015_report.json").write_text(json.dumps(res, indent=1))
    if args.write:
        write_calibrated(fin, res)


def write_calibrated(fin: dict, res: dict) -> None:
    from cardiokit.models.cards import MODEL_DIR, sha256_file

    m = fin["model"]
    wpath = MODEL_DIR / "ppg_bp_weights.json"
    w = json.loads(wpath.read_text())
    w["variants"]["calibrated"] = {
        "features": [f"delta_{f}" for f in FEATS], "alpha": m.alpha,
        "impute": [0.0] * len(FEATS), "mean": m.mean.round(8).tolist(),
        "scale": m.scale.round(8).tolist(),
        "coef": {t: m.coef[:, j].round(8).tolist() for j, t in enumerate(("sbp_mmhg", "dbp_mmhg"))},
        "intercept": {t: round(float(m.intercept[j]), 6) for j, t in enumerate(("sbp_mmhg", "dbp_mmhg"))},
        "half_width": fin["half"], "window_s": WIN_S,
        "note": "predicts the BP change since the calibration window from the change of the "
                "window biomarkers; add it to the cuff reading"}
    wpath.write_text(json.dumps(w, indent=1) + "\n")
    cpath = MODEL_DIR / "ppg_bp.json"
    card = json.loads(cpath.read_text())
    card["files"]["ppg_bp_weights.json"] = sha256_file(wpath)
    card["metrics"]["cinc2015_groupwise_5fold_cv"] = res
    card["data"]["calibrated_training"] = (
        "PhysioNet/CinC 2015 VT-alarm records with PLETH+ABP (github cx1111/vt-false-alarm-reduction), "
        "minus the reserved records and every record chained to them; 10-s windows, ABP reference; "
        "training/train_ppg_cinc2015.py")
    cpath.write_text(json.dumps(card, indent=1) + "\n")
    from train_ppg_bp import card_md

    (MODEL_DIR / "ppg_bp.md").write_text(card_md(card))
    print("wrote calibrated variant to", wpath)


if __name__ == "__main__":
    main()
