"""Train the PPG blood-pressure and vascular-age models on PPG-BP (shared developer subjects).

Usage: ``.venv/bin/python training/train_ppg_bp.py [--data ../shared/data/ppg_bp] [--write]``

* Features: segment biomarkers of ``cardiokit.ppg`` (``BP_PPG_FEATURES``) of each 2.1-s
  segment, plus age, sex, height, weight, BMI from ``subjects.csv`` for the BP model.
* Models compared (nested: everything fitted inside each outer fold): ridge regression
  (impute with training medians, standardise, linear; alpha by an inner subject-wise 5-fold
  CV), gradient-boosted trees (fixed conservative settings, ``GBM_PARAMS``) and their mean.
  Shipped: the mean of ridge and trees (both evaluable with numpy).
* Evaluation: subject-wise 10-fold CV (GroupKFold on subject_ID, no subject in two folds),
  per segment and per subject (mean of its segments' predictions), next to a trivial
  baseline (training mean) and a demographics-only ridge; AAMI (ME <= 5, SD <= 8 mmHg)
  and BHS grades (% within 5/10/15 mmHg).
* Intervals: split-conformal half-width = 90 % quantile of the absolute CV residuals;
  coverage is checked cross-conformally (half-width from the other folds).
* ``--write`` fits the final models on all subjects and writes
  ``src/cardiokit/models/ppg_bp*.json|md`` and ``ppg_vascular_age*.json|md``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))  # training._trees when run as a script

from training._paths import SHARED_DATA  # noqa: E402
from training._trees import hgb_to_trees  # noqa: E402

from cardiokit.models.cards import MODEL_DIR, sha256_file  # noqa: E402
from cardiokit.ppg import BP_PPG_FEATURES, analyze_ppg  # noqa: E402
from cardiokit.ppg._linear import subject_features  # noqa: E402

SUBJ = ("age_years", "male", "height_cm", "weight_kg", "bmi")
ALPHAS = (0.1, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
RESERVED = {3, 10, 12, 13, 14, 24, 25, 26, 30, 34, 40, 43, 51, 53, 58, 62, 67, 84, 88, 95, 98, 99,
            100, 103, 104, 105, 111, 114, 116, 120, 122, 125, 127, 130, 134, 139, 142, 144, 148,
            152, 153, 165, 172, 176, 179, 180, 186, 188, 189, 195, 201, 216, 217, 218, 219, 237,
            239, 240, 245, 257, 259, 410, 411, 415, 416, 419}


def load(data: Path) -> dict:
    """Features of every segment, cached in /work/cache/ppg (recomputed when absent)."""
    cache = Path("/work/cache/ppg/ppgbp_features.npz")
    if cache.exists():
        z = np.load(cache)
        if list(z["columns"]) == list(BP_PPG_FEATURES) + list(SUBJ):
            return {"X": z["X"], "y": z["y"], "groups": z["groups"], "quality": z["quality"],
                    "names": list(z["names"]), "columns": list(z["columns"])}
    d = _load(data)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **{k: np.asarray(v) for k, v in d.items()})
    return d


def _load(data: Path) -> dict:
    import csv

    rows = list(csv.DictReader(open(data / "subjects.csv")))
    feats, y, groups, subj, quality, names = [], [], [], [], [], []
    for r in rows:
        sid = int(r["subject_ID"])
        if sid in RESERVED:
            raise SystemExit(f"reserved subject {sid} found in {data}; refusing to train")
        s = {"age_years": float(r["Age(year)"]), "sex": "M" if r["Sex(M/F)"].startswith("M") else "F",
             "height_cm": float(r["Height(cm)"]), "weight_kg": float(r["Weight(kg)"])}
        for f in sorted((data / "0_subject").glob(f"{sid}_*.txt")):
            x = np.array(f.read_text().split(), float)
            a = analyze_ppg(x, fs_hz=1000.0, models=False)
            sf = subject_features(s)
            feats.append([a.biomarkers.get(k) for k in BP_PPG_FEATURES] + [sf[k] for k in SUBJ])
            y.append([float(r["Systolic Blood Pressure(mmHg)"]), float(r["Diastolic Blood Pressure(mmHg)"]),
                      s["age_years"]])
            groups.append(sid)
            subj.append(s)
            quality.append(a.quality.grade)
            names.append(f.name)
    X = np.array([[np.nan if v is None else v for v in row] for row in feats], float)
    return {"X": X, "y": np.array(y), "groups": np.array(groups), "quality": np.array(quality),
            "names": names, "columns": list(BP_PPG_FEATURES) + list(SUBJ)}


class Ridge:
    """Median imputation + standardisation + closed-form ridge (what the package evaluates)."""

    def __init__(self, alpha: float) -> None:
        self.alpha = alpha

    def fit(self, X: np.ndarray, y: np.ndarray) -> Ridge:
        self.impute = np.nanmedian(X, axis=0)
        self.impute = np.where(np.isfinite(self.impute), self.impute, 0.0)
        Xi = np.where(np.isfinite(X), X, self.impute)
        self.mean = Xi.mean(axis=0)
        self.scale = Xi.std(axis=0)
        self.scale[self.scale == 0] = 1.0
        Z = (Xi - self.mean) / self.scale
        self.intercept = y.mean(axis=0)
        A = Z.T @ Z + self.alpha * np.eye(Z.shape[1])
        self.coef = np.linalg.solve(A, Z.T @ (y - self.intercept))
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        Xi = np.where(np.isfinite(X), X, self.impute)
        return ((Xi - self.mean) / self.scale) @ self.coef + self.intercept


def folds(groups: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    ids = np.unique(groups)
    rng = np.random.RandomState(seed)
    rng.shuffle(ids)
    return [np.isin(groups, part) for part in np.array_split(ids, k)]


def fit_cv_alpha(X: np.ndarray, y: np.ndarray, groups: np.ndarray) -> float:
    best, best_err = ALPHAS[0], np.inf
    inner = folds(groups, 5, 1)
    for a in ALPHAS:
        err = 0.0
        for te in inner:
            m = Ridge(a).fit(X[~te], y[~te])
            err += float(np.sum((m.predict(X[te]) - y[te]) ** 2))
        if err < best_err:
            best, best_err = a, err
    return best


GBM_PARAMS = {"max_iter": 150, "learning_rate": 0.03, "max_leaf_nodes": 7, "min_samples_leaf": 15,
              "l2_regularization": 1.0, "random_state": 0}
#: CV entry -> shipped variant (its conformal half-widths ship with it)
SHIPPED = {"ppg ridge+gbm": "ppg", "ppg+subject ridge+gbm": "ppg+subject"}


def gbm_fit_predict(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray) -> np.ndarray:
    """Gradient-boosted trees per target (scikit-learn, fixed conservative settings)."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    out = []
    for j in range(ytr.shape[1]):
        m = HistGradientBoostingRegressor(**GBM_PARAMS).fit(Xtr, ytr[:, j])
        out.append(m.predict(Xte))
    return np.column_stack(out)


def cv_predict(X: np.ndarray, y: np.ndarray, groups: np.ndarray, cols: list[int] | None,
               k: int = 10, seed: int = 0, kind: str = "ridge") -> tuple[np.ndarray, list[np.ndarray]]:
    """Out-of-fold predictions; ``kind`` ridge (alpha by inner CV), gbm, or ridge+gbm (mean)."""
    pred = np.zeros_like(y)
    fl = folds(groups, k, seed)
    for te in fl:
        if cols is None:  # trivial baseline: the training mean
            pred[te] = y[~te].mean(axis=0)
            continue
        Xs = X[:, cols]
        parts = []
        if kind in ("ridge", "ridge+gbm"):
            a = fit_cv_alpha(Xs[~te], y[~te], groups[~te])
            parts.append(Ridge(a).fit(Xs[~te], y[~te]).predict(Xs[te]))
        if kind in ("gbm", "ridge+gbm"):
            parts.append(gbm_fit_predict(Xs[~te], y[~te], Xs[te]))
        pred[te] = np.mean(parts, axis=0)
    return pred, fl


def metrics(err: np.ndarray) -> dict:
    a = np.abs(err)
    w5, w10, w15 = (float(100 * np.mean(a <= t)) for t in (5, 10, 15))
    grade = "D"
    for g, lim in (("A", (60, 85, 95)), ("B", (50, 75, 90)), ("C", (40, 65, 85))):
        if w5 >= lim[0] and w10 >= lim[1] and w15 >= lim[2]:
            grade = g
            break
    me, sd = float(err.mean()), float(err.std(ddof=1))
    return {"n": int(err.size), "me": round(me, 2), "sd": round(sd, 2), "mae": round(float(a.mean()), 2),
            "within5_pct": round(w5, 1), "within10_pct": round(w10, 1), "within15_pct": round(w15, 1),
            "bhs_grade": grade, "aami_pass": bool(abs(me) <= 5 and sd <= 8)}


def per_subject(pred: np.ndarray, y: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ids = np.unique(groups)
    return (np.array([pred[groups == g].mean(axis=0) for g in ids]),
            np.array([y[groups == g][0] for g in ids]))


def conformal(pred: np.ndarray, y: np.ndarray, fl: list[np.ndarray], q: float = 0.9) -> tuple[float, float]:
    """Half-width from all residuals and the cross-conformal coverage (width from other folds)."""
    r = np.abs(pred - y)
    n = r.size
    level = min(1.0, np.ceil((n + 1) * q) / n)
    half = float(np.quantile(r, level))
    cov = []
    for te in fl:
        rt = r[~te]
        lv = min(1.0, np.ceil((rt.size + 1) * q) / rt.size)
        cov.append(r[te] <= np.quantile(rt, lv))
    return half, float(np.mean(np.concatenate(cov)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=SHARED_DATA / "ppg_bp")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    d = load(args.data)
    X, Y, g = d["X"], d["y"], d["groups"]
    n_ppg = len(BP_PPG_FEATURES)
    ppg_cols = list(range(n_ppg))
    subj_cols = list(range(n_ppg, n_ppg + len(SUBJ)))
    report: dict = {"n_subjects": int(np.unique(g).size), "n_segments": len(g),
                    "quality_counts": {q: int((d["quality"] == q).sum()) for q in np.unique(d["quality"])},
                    "bp": {}, "vascular_age": {}}
    variants = {"training mean": (None, "ridge"), "demographics only": (subj_cols, "ridge"),
                "ppg": (ppg_cols, "ridge"), "ppg gbm": (ppg_cols, "gbm"),
                "ppg ridge+gbm": (ppg_cols, "ridge+gbm"),
                "ppg+subject": (ppg_cols + subj_cols, "ridge"),
                "ppg+subject gbm": (ppg_cols + subj_cols, "gbm"),
                "ppg+subject ridge+gbm": (ppg_cols + subj_cols, "ridge+gbm")}
    half = {}
    for name, (cols, kind) in variants.items():
        pred, fl = cv_predict(X, Y[:, :2], g, cols, kind=kind)
        ps, ys = per_subject(pred, Y[:, :2], g)
        entry = {}
        for j, t in enumerate(("sbp_mmhg", "dbp_mmhg")):
            h, cov = conformal(pred[:, j], Y[:, j], fl)
            entry[t] = {"per_segment": metrics(pred[:, j] - Y[:, j]),
                        "per_subject": metrics(ps[:, j] - ys[:, j]),
                        "interval90_half_width": round(h, 2), "interval90_cv_coverage": round(cov, 3)}
            if name in SHIPPED:  # the shipped ensembles' conformal half-widths
                half.setdefault(SHIPPED[name], {})[t] = h
        report["bp"][name] = entry
    va = {}
    for name, cols, kind in (("training mean", None, "ridge"), ("ppg", ppg_cols, "ridge"),
                             ("ppg gbm", ppg_cols, "gbm"), ("ppg ridge+gbm", ppg_cols, "ridge+gbm")):
        pred, fl = cv_predict(X, Y[:, 2:3], g, cols, kind=kind)
        ps, ys = per_subject(pred, Y[:, 2:3], g)
        h, cov = conformal(pred[:, 0], Y[:, 2], fl)
        r = float(np.corrcoef(pred[:, 0], Y[:, 2])[0, 1]) if cols is not None else None
        va[name] = {"per_segment": metrics(pred[:, 0] - Y[:, 2]),
                    "per_subject": metrics(ps[:, 0] - ys[:, 0]),
                    "pearson_r": None if r is None else round(r, 3),
                    "interval90_half_width": round(h, 2), "interval90_cv_coverage": round(cov, 3)}
        if name == "ppg ridge+gbm":
            half["age"] = h
    report["vascular_age"] = va
    print(json.dumps(report, indent=1))
    if args.write:
        write_models(X, Y, g, ppg_cols, subj_cols, half, report, d["columns"])


def _variant(X: np.ndarray, y: np.ndarray, g: np.ndarray, cols: list[int], columns: list[str],
             targets: tuple[str, ...], half: dict, trees: dict, variant: str) -> dict:
    """Ridge weights (JSON) of one variant; its tree ensembles go into ``trees``."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    a = fit_cv_alpha(X[:, cols], y, g)
    m = Ridge(a).fit(X[:, cols], y)
    for j, t in enumerate(targets):
        gb = HistGradientBoostingRegressor(**GBM_PARAMS).fit(X[:, cols], y[:, j])
        te = hgb_to_trees(gb)
        for k in ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value", "roots",
                  "baseline"):
            trees[f"{variant}/{t}/{k}"] = getattr(te, k)
        assert np.allclose(te.raw_scores(X[:20, cols])[:, 0], gb.predict(X[:20, cols]))
    return {"features": [columns[c] for c in cols], "alpha": a, "trees": True,
            "impute": m.impute.round(8).tolist(), "mean": m.mean.round(8).tolist(),
            "scale": m.scale.round(8).tolist(),
            "coef": {t: m.coef[:, j].round(8).tolist() for j, t in enumerate(targets)},
            "intercept": {t: round(float(m.intercept[j]), 6) for j, t in enumerate(targets)},
            "half_width": {t: round(float(half[t]), 3) for t in targets}}


def write_models(X, Y, g, ppg_cols, subj_cols, half, report, columns) -> None:
    today = _dt.date.today().isoformat()
    data = {"training": "PPG-BP (Liang et al. 2018, figshare doi:10.6084/m9.figshare.5459299), the 153 "
                        "shared developer subjects (ids in ../shared/data/ppg_bp/PROVENANCE.md); the 66 "
                        "reserved subjects were never used",
            "n_subjects": report["n_subjects"], "n_segments": report["n_segments"],
            "segment": "2.1 s finger PPG at 1 kHz (3 per subject); labels: one cuff SBP/DBP per subject",
            "split": "subject-wise 10-fold CV (seed 0), ridge alpha by inner subject-wise 5-fold CV"}
    lic = "PPG-BP data CC BY 4.0 (Liang et al. 2018, attribution required); model weights Apache-2.0"
    targets = ("sbp_mmhg", "dbp_mmhg")
    tr_bp: dict = {}
    tr_va: dict = {}
    bp = {"clip": {"sbp_mmhg": [70, 230], "dbp_mmhg": [35, 140]},
          "variants": {v: _variant(X, Y[:, :2], g, cols, columns, targets, half[v], tr_bp, v)
                       for v, cols in (("ppg", ppg_cols), ("ppg+subject", ppg_cols + subj_cols))}}
    vage = {"clip": {"age_years": [15, 100]},
            "variants": {"ppg": _variant(X, Y[:, 2:3], g, ppg_cols, columns, ("age_years",),
                                         {"age_years": half["age"]}, tr_va, "ppg")}}
    trees = {"ppg_bp": tr_bp, "ppg_vascular_age": tr_va}
    for name, weights, task, labels, metrics_, inputs in (
        ("ppg_bp", bp, "cuffless systolic and diastolic blood pressure (mmHg) from one PPG segment, "
         "with subject data when given; 90 % split-conformal interval", list(targets), report["bp"],
         {"fs_hz": "any (biomarkers in seconds / ratios)", "segment_s": ">= 2 s, >= 2 pulses",
          "features": [columns[c] for c in ppg_cols + subj_cols],
          "variants": "ppg+subject when any subject field is known (others imputed), else ppg"}),
        ("ppg_vascular_age", vage, "age (years) predicted from PPG morphology alone (vascular age); "
         "90 % split-conformal interval", ["age_years"], report["vascular_age"],
         {"fs_hz": "any", "segment_s": ">= 2 s", "features": [columns[c] for c in ppg_cols],
          "note": "chronological age never enters; it only sets the gap"}),
    ):
        wfile = f"{name}_weights.json"
        (MODEL_DIR / wfile).write_text(json.dumps(weights, indent=1) + "\n")
        tfile = f"{name}_trees.npz"
        np.savez_compressed(MODEL_DIR / tfile, **trees[name])
        card = {"name": f"cardiokit-{name.replace('_', '-')}", "version": "1.1.0", "task": task,
                "inputs": inputs, "labels": labels, "data": data,
                "metrics": {"subject_wise_10fold_cv": metrics_, "quality_counts": report["quality_counts"]},
                "license": lic, "files": {wfile: sha256_file(MODEL_DIR / wfile),
                                          tfile: sha256_file(MODEL_DIR / tfile)},
                "weights_file": wfile, "trees_file": tfile, "trained": today,
                "script": "training/train_ppg_bp.py",
                "model_type": "mean of a ridge regression (median imputation, standardisation) and "
                              "gradient-boosted trees (scikit-learn HistGradientBoostingRegressor, "
                              "flattened), evaluated with numpy",
                "shipped_cv_entry": {"ppg_bp": "ppg ridge+gbm / ppg+subject ridge+gbm",
                                     "ppg_vascular_age": "ppg ridge+gbm"}[name]}
        (MODEL_DIR / f"{name}.json").write_text(json.dumps(card, indent=1) + "\n")
        (MODEL_DIR / f"{name}.md").write_text(card_md(card))
    print("wrote", MODEL_DIR)


def card_md(card: dict) -> str:
    lines = [f"# Model card: {card['name']} {card['version']}", "", f"**Task**: {card['task']}", "",
             "## Data and split", ""]
    lines += [f"- {k}: {v}" for k, v in card["data"].items()]
    lines += ["", "## Subject-wise cross-validated metrics", "",
              "| model | target | level | ME | SD | MAE | <=5 % | <=10 % | <=15 % | BHS | AAMI |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for mname, per in card["metrics"]["subject_wise_10fold_cv"].items():
        targets = {k: v for k, v in per.items() if isinstance(v, dict) and "per_segment" in v}
        if not targets:
            targets = {card["labels"][0]: per}
        for t, m in targets.items():
            for lvl in ("per_segment", "per_subject"):
                x = m[lvl]
                lines.append(f"| {mname} | {t} | {lvl} | {x['me']} | {x['sd']} | {x['mae']} | "
                             f"{x['within5_pct']} | {x['within10_pct']} | {x['within15_pct']} | "
                             f"{x['bhs_grade']} | {'pass' if x['aami_pass'] else 'fail'} |")
    lines += ["", "Interval half-widths (90 %) and their cross-conformal coverage are in the JSON card.",
              "", f"**Model**: {card['model_type']}; shipped = CV entry `{card.get('shipped_cv_entry')}`.", ""]
    if "sbp_mmhg" in card["labels"]:
        lines += ["**Not a medical device.** None of the calibration-free rows meets AAMI (|ME| <= 5, "
                  "SD <= 8 mmHg); compare every row with `training mean` (the population spread).", ""]
    cinc = card["metrics"].get("cinc2015_groupwise_5fold_cv")
    if cinc:
        lines += ["## Calibrated mode (PhysioNet/CinC 2015 ICU records, invasive ABP)", "",
                  f"Script `training/train_ppg_cinc2015.py`; {cinc['n_records']} records in "
                  f"{cinc['n_groups']} patient groups, {cinc['n_windows']} 10-s windows, group-wise "
                  "5-fold CV. Calibrated: one reading per record from its first 30 s, estimates for "
                  "windows >= 60 s later.", "",
                  "| mode | model | target | ME | SD | MAE | <=5 % | <=10 % | <=15 % | BHS | AAMI |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for mode in ("calibration_free", "calibrated"):
            for mname, per in cinc[mode].items():
                if not isinstance(per, dict):
                    continue
                for t in ("sbp_mmhg", "dbp_mmhg"):
                    x = per[t]
                    lines.append(f"| {mode} | {mname} | {t} | {x['me']} | {x['sd']} | {x['mae']} | "
                                 f"{x['within5_pct']} | {x['within10_pct']} | {x['within15_pct']} | "
                                 f"{x['bhs_grade']} | {'pass' if x['aami_pass'] else 'fail'} |")
        lines += ["", "The calibrated ridge is shrunk almost to the calibration reading: on these "
                  "records the PPG change adds nothing measurable to carrying the cuff reading "
                  "forward; the AAMI pass for DBP comes from the calibration.", ""]
    lines += [f"**Licence**: {card['license']}", "", "## Files", ""]
    lines += [f"- `{f}` sha256 `{h}`" for f, h in card["files"].items()]
    lines += ["", f"Trained {card['trained']} with `{card['script']}`.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
