"""How far LUDB's diagnoses follow the LUDB experts' own interval annotations.

``python -m bench.bench_ludb_label_ceiling [--no-write]``: for the interval- and rate-based goal
statements of the interpretation benchmark, the cardiologists' labels (``ludb.csv``) are scored
against a rule applied to the *experts' own* annotations of the same records: PR and QRS from
their 12 leads' wave boundaries (:func:`bench.bench_measure.expert_intervals`: earliest onset /
latest offset over the leads, or the second earliest / latest), the rate from their lead-II QRS
marks. A program that measured exactly what the annotators marked and applied the textbook
limit would score this F1: a ceiling that label noise, not measurement, sets for rules on these
intervals. The out-of-fold F1 of cardiokit's "ludb" reading is in section "12-lead
interpretation (LUDB)".
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

from bench._common import data_path, markdown_table, today, versions, write_section
from bench.bench_interpretation import TRUTH, ludb_rows
from bench.bench_measure import expert_intervals


def _score(pred: list[bool], truth: list[bool]) -> tuple[int, int, int, float]:
    tp = sum(p and t for p, t in zip(pred, truth, strict=True))
    fp = sum(p and not t for p, t in zip(pred, truth, strict=True))
    fn = sum(t and not p for p, t in zip(pred, truth, strict=True))
    return tp, fp, fn, (2 * tp / (2 * tp + fp + fn) if tp else 0.0)


def _rate_bpm(rid: int) -> float | None:
    """Median rate of the lead-II QRS marks of LUDB record ``rid``."""
    import wfdb

    ann = wfdb.rdann(str(data_path("ludb", "data", str(rid))), "ii")
    r = np.asarray(ann.sample)[np.asarray(ann.symbol) == "N"]
    return 60.0 * 500.0 / float(np.median(np.diff(r))) if r.size > 2 else None


def run() -> list[list[str]]:
    rows = ludb_rows()
    ids = sorted(rows)
    path = {i: data_path("ludb", "data", str(i)) for i in ids}
    ex = {k: {i: expert_intervals(path[i], k) for i in ids} for k in (0, 1)}
    rate = {i: _rate_bpm(i) for i in ids}
    paced = {i: TRUTH["paced_rhythm"][1](rows[i]) for i in ids}
    sinus = {i: rows[i]["Rhythms"].split("\n")[0].strip().startswith(("Sinus", "Irregular sinus")) for i in ids}
    out: list[list[str]] = []

    def add(key: str, rule: str, fn: Callable[[int], bool]) -> None:
        truth = [TRUTH[key][1](rows[i]) for i in ids]
        tp, fp, fn_, f1 = _score([fn(i) for i in ids], truth)
        out.append([key, str(sum(truth)), rule, f"{tp}/{fp}/{fn_}", f"{f1:.2f}"])

    for k, name in ((0, "earliest / latest"), (1, "2nd earliest / latest")):
        for lim in (200, 210):
            add("first_degree_av_block", f"experts' PR ({name}) > {lim} ms, not paced",
                lambda i, k=k, lim=lim: not paced[i] and (ex[k][i]["pr_ms"] or 0) > lim)
    for lim in (100, 90):
        add("sinus_tachycardia", f"sinus first label, experts' rate > {lim} bpm",
            lambda i, lim=lim: sinus[i] and (rate[i] or 0) > lim)
    for lim in (60, 56.5):
        add("sinus_bradycardia", f"sinus first label, experts' rate < {lim:g} bpm",
            lambda i, lim=lim: sinus[i] and rate[i] is not None and rate[i] < lim)
    wide = {i: not paced[i] and (ex[1][i]["qrs_ms"] or 0) >= 120 for i in ids}
    for key in ("complete_left_bundle_branch_block", "complete_right_bundle_branch_block"):
        add(key, "experts' QRS (2nd earliest / latest) >= 120 ms, not paced (duration alone)", lambda i: wide[i])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/BENCHMARKS.md alone")
    args = ap.parse_args(argv)
    table = markdown_table(["statement", "LUDB cases", "rule on the experts' own annotations", "TP/FP/FN", "F1"], run())
    v = versions(["numpy", "wfdb"])
    body = (
        f"Command: `.venv/bin/python -m bench.bench_ludb_label_ceiling` ({today()}; "
        + ", ".join(f"{k} {x}" for k, x in v.items()) + ").\n\n"
        + (__doc__ or "").split("\n\n", 1)[1].strip() + "\n\n" + table + "\n\n"
        "Reading it: the experts' own PR intervals agree with their first-degree AV block labels at "
        "F1 0.42-0.56 whatever the limit (records with an annotated PR of 210-231 ms are not labelled, "
        "some of 193-200 ms are; cardiokit's out-of-fold reading scores 0.70); none of the four records "
        "labelled sinus tachycardia reaches 100 bpm by its own QRS marks (at 90 bpm F1 0.55, what "
        "cardiokit's out-of-fold reading scores too); bradycardia follows a limit near 56 bpm rather "
        "than 60; and the experts annotated a QRS of 120 ms or more in 59 records of which 8 carry a "
        "complete bundle branch block label, so those labels rest on morphology rather than the "
        "annotated duration. Sinus tachycardia and first-degree AV block alone leave 0.45 + 0.30 F1 "
        "points to perfect, more than the whole gap between the out-of-fold macro F1 over the 11 goal "
        "statements (0.789) and the 0.85 goal (0.67 points)."
    )
    print(body)
    if not args.no_write:
        write_section("LUDB diagnoses against the experts' own intervals", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
