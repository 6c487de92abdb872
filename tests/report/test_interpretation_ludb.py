"""Per-statement floors of the 12-lead interpretation on a fixed subset of LUDB records.

One ``analyze`` per record (module-scoped cache), then each test checks one statement
family against the cardiologists' labels (``ludb.csv``, mapped by
``bench.bench_interpretation.TRUTH``), so a criterion change that breaks another
statement fails here. The full 200-record table is ``python -m bench.bench_interpretation``.
"""

from __future__ import annotations

import pytest

from tests.conftest import shared_path

# AF, flutter, paced, bundle branch blocks, ectopy, first-degree AV block, axis, and plain sinus
RECORDS = (1, 2, 5, 8, 10, 23, 24, 34, 38, 44, 51, 56, 78, 96, 104, 105, 109, 116, 125, 173)


@pytest.fixture(scope="module")
def results():
    from bench.bench_interpretation import ludb_rows

    from cardiokit.pipeline import analyze_file

    shared_path("ludb", "ludb.csv")
    rows = ludb_rows()
    out = {}
    for n in RECORDS:
        rep = analyze_file(shared_path("ludb", "data", f"{n}.hea"))
        out[n] = (rows[n], rep)
    return out


def _truth(key, row):
    from bench.bench_interpretation import TRUTH

    return TRUTH[key][1](row)


def _counts(results, key):
    tp = fp = fn = tn = 0
    for row, rep in results.values():
        t, p = _truth(key, row), rep.statement(key) is not None
        tp += t and p
        fp += p and not t
        fn += t and not p
        tn += not t and not p
    return tp, fp, fn, tn


@pytest.mark.parametrize(
    ("key", "min_tp", "max_fp"),
    [
        ("atrial_fibrillation", 4, 0),
        ("paced_rhythm", 2, 0),
        ("complete_right_bundle_branch_block", 1, 1),
        ("premature_ventricular_complexes", 3, 2),
        ("first_degree_av_block", 1, 2),
    ],
)
def test_statement_floor(results, key, min_tp, max_fp):
    tp, fp, fn, tn = _counts(results, key)
    assert tp >= min_tp and fp <= max_fp, (key, tp, fp, fn, tn)


def test_af_and_sinus_never_together_and_rhythm_block_consistent(results):
    for _row, rep in results.values():
        keys = [s.key for s in rep.statements]
        rh = [k for k in keys if s_cat(rep, k) == "rhythm"]
        # one rhythm statement; none beside a paced rhythm when no atrial rhythm was found
        assert len(rh) == 1 or (not rh and "paced_rhythm" in keys), keys
        if "atrial_fibrillation" in keys:
            assert rep.rhythm.label == "af"
        elif rh and rh[0].startswith("sinus") and "paced_rhythm" not in keys:
            # the CinC class: "normal" sinus rhythm, or the model's "other rhythm" (ectopy, a
            # bundle branch block, ...), never AF beside sinus P waves
            probs = rep.rhythm.probabilities
            ranked = sorted((k for k in probs if k != "af"), key=lambda k: -probs[k])
            assert rep.rhythm.label == ranked[0]
        if "paced_rhythm" in keys:  # "af" when AF is stated beside the pacing (conducted beats, LUDB 8)
            assert rep.rhythm.label == ("af" if "atrial_fibrillation" in keys else "other")
            assert not any("bundle_branch" in k or k.endswith("axis_deviation") for k in keys)


def s_cat(rep, key):
    return rep.statement(key).category


def test_amplitude_criteria_do_not_run_on_normalised_ludb(results):
    for _row, rep in results.values():
        keys = {s.key for s in rep.statements}
        assert not keys & {"left_ventricular_hypertrophy", "right_ventricular_hypertrophy", "low_qrs_voltage",
                           "st_elevation", "st_depression", "right_atrial_enlargement"}, keys


def test_every_statement_has_code_or_none_evidence_and_criteria(results):
    for _row, rep in results.values():
        for s in rep.statements:
            d = s.to_dict()
            assert d["criteria"]["reference"] and d["criteria"]["rule"], d
            assert d["code"] is None or d["code"].isdigit()
