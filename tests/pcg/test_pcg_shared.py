"""cardiokit.pcg on PhysioNet/CinC 2016 records of ../shared/data/pcg_physionet2016
(never trained on): segmentation vs the simultaneous ECG, classifier floor, shipped model
integrity, CLI ``analyze`` JSON."""

from __future__ import annotations

import csv
import itertools
import json
import sys

import numpy as np
import pytest

import cardiokit
from cardiokit._core.errors import InvalidArgumentError
from cardiokit.models.cards import MODEL_DIR, load_card, sha256_file, verify
from cardiokit.pcg import STATES, analyze_pcg, segment_heart_sounds
from tests.conftest import shared_path

DATASET = "pcg_physionet2016"
#: Fixed classifier subset: the first 3 normal and 3 abnormal records (sorted) per database.
FLOOR_MACC = 0.70  # measured 2026-11-24: see docs/BENCHMARKS.md "Heart sounds"


def _labels() -> list[dict[str, str]]:
    with open(shared_path(DATASET, "labels.csv")) as fh:
        return list(csv.DictReader(fh))


def _ecg_heart_rate(rec: cardiokit.Recording) -> float:
    from cardiokit.ecg import clean, detect_beats

    ecg = rec.select(["ECG"]).crop(0.5)  # the ECG of training-a starts with a step from zero
    beats = detect_beats(clean(ecg))
    assert len(beats) > 10
    return beats.heart_rate_bpm


@pytest.mark.parametrize("name", ["a0080", "a0283", "a0343"])
def test_segmentation_alternates_and_heart_rate_matches_the_ecg(name):
    rec = cardiokit.read(shared_path(DATASET, "training-a", f"{name}.hea"))
    assert [c.kind for c in rec.channels] == ["pcg", "ecg"]
    seg = segment_heart_sounds(rec)
    segs = seg.segments
    order = [STATES.index(g.state) for g in segs]
    assert all((b - a) % 4 == 1 for a, b in itertools.pairwise(order))  # S1 sys S2 dia S1 ...
    assert all(a.end_s == b.start_s for a, b in itertools.pairwise(segs))
    assert abs(segs[-1].end_s - rec.duration_s) < 0.03
    assert abs(seg.heart_rate_bpm - _ecg_heart_rate(rec)) < 3.0
    s1 = seg.durations_s("S1")
    sys_ = seg.durations_s("systole")
    assert 0.08 < np.median(s1) < 0.17 and 0.15 < np.median(sys_) < 0.45


def test_shipped_models_match_their_cards():
    for name in ("pcg_cinc2016", "pcg_segmenter"):
        card = load_card(name)
        verify(card)
        for file, digest in card.files.items():
            assert sha256_file(MODEL_DIR / file) == digest
            assert (MODEL_DIR / file).stat().st_size < 3_000_000
        assert card.license and card.data["training"]
    card = load_card("pcg_cinc2016")
    assert set(card.files) == {card.extra["onnx_file"], card.extra["trees_file"], card.extra["robust_file"]}
    assert set(card.metrics["lodo"]) == {"a", "b", "d", "e"}
    # leave-one-database-out (sites never seen, threshold from the training databases only),
    # measured 2026-11-24 by training/train_pcg.py robust (3.0.0): mean MAcc 0.654, AUC 0.724
    assert card.metrics["lodo_mean_macc"]["robust"] >= 0.645
    assert card.metrics["lodo_mean_auc_robust"] >= 0.72
    assert all(card.metrics["lodo"][d]["robust"]["auc"] >= 0.64 for d in "abde")
    assert card.metrics["lodo"]["e"]["robust"]["macc"] >= 0.66  # was 0.60 with 2.0.0
    # shipped only because it beat the previous version on the same held-out features
    old = card.metrics["history"]["2.0.0"]
    assert card.metrics["lodo_mean_macc"]["robust"] > old["lodo_mean_macc"]
    assert card.metrics["lodo_mean_auc_robust"] > old["lodo_mean_auc"]


def test_classifier_floor_on_a_fixed_shared_subset():
    rows = _labels()
    subset = []
    for db in ("training-a", "training-b", "training-d", "training-e"):
        for lab in ("-1", "1"):
            subset += sorted((r for r in rows if r["database"] == db and r["label"] == lab),
                             key=lambda r: r["record"])[:3]
    y, p = [], []
    for r in subset:
        rec = cardiokit.read(shared_path(DATASET, r["database"], f"{r['record']}.wav"))
        res = analyze_pcg(rec)
        assert res.classification is not None and not res.errors
        doc = json.loads(json.dumps(res.to_dict()))  # plain Python types only
        assert doc["label"] == res.classification.label and doc["segments"]
        y.append(r["label"] == "1")
        p.append(res.classification.probability_abnormal)
    y, pred = np.array(y), np.array(p) >= res.classification.threshold
    se, sp = (pred & y).sum() / y.sum(), (~pred & ~y).sum() / (~y).sum()
    assert (se + sp) / 2 >= FLOOR_MACC, (se, sp)


def test_cli_analyze_wav_gives_a_valid_pcg_object(monkeypatch, tmp_path):
    from cardiokit.cli import main
    from cardiokit.report.schema import validate

    wav = shared_path(DATASET, "training-b", "b0009.wav")
    out = tmp_path / "out.jsonl"
    monkeypatch.setenv("CARDIOKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "argv", ["cardiokit", "analyze", str(wav), "--json", str(out), "--no-store"])
    try:
        main()
    except SystemExit as exc:
        assert not exc.code
    doc = json.loads(out.read_text().splitlines()[0])
    validate(doc)
    pcg = doc["pcg"]
    assert pcg["label"] in ("normal", "abnormal") and 0 <= pcg["probability_abnormal"] <= 1
    assert doc["errors"] == []
    assert doc["measurements"]["heart_rate_bpm"] == pcg["heart_rate_bpm"]
    assert 40 < pcg["heart_rate_bpm"] < 140
    segs = pcg["segments"]
    assert {s["state"] for s in segs} == set(STATES)
    assert segs[0]["start_s"] == 0 and all(s["end_s"] > s["start_s"] for s in segs)
    assert abs(segs[-1]["end_s"] - doc["recording"]["duration_s"]) < 0.03
    bad = json.loads(json.dumps(doc))
    bad["pcg"]["segments"][0]["state"] = "S3"
    with pytest.raises(InvalidArgumentError, match="S3"):
        validate(bad)


def test_report_of_a_pcg_with_ecg_shows_both(tmp_path):
    pytest.importorskip("matplotlib")
    from cardiokit.report import render

    rec = cardiokit.read(shared_path(DATASET, "training-a", "a0080.hea"))
    report = cardiokit.analyze(rec)
    assert report.pcg is not None and report.pcg["label"] in ("normal", "abnormal")
    assert report.measurements["heart_rate_bpm"] is not None
    figs = render.render_figures(report, rec)
    titles = {t.get_text() for f in figs for t in f.axes[0].texts}
    assert "Heart sounds (PCG)" in titles and any("ECG" in t for t in titles)
