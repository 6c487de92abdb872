"""cardiokit.models: shipped files match their cards, tree heads reproduce scikit-learn."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from cardiokit._core.errors import AnalysisError, InvalidArgumentError
from cardiokit.models import MODEL_DIR, TreeEnsemble, load_card, sha256_file, verify
from cardiokit.models import cards as cards_mod

SHIPPED = ("rhythm_cinc2017", "quality_ecg")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_files_match_card_sha256(name):
    card = load_card(name)
    assert card.files, "a card must list its files"
    for file, digest in card.files.items():
        assert sha256_file(MODEL_DIR / file) == digest, file
    verify(card)
    assert "ODC-By 1.0" in card.license
    assert card.metrics and card.data
    assert card.id == f"{card.name}@{card.version}"


def test_rhythm_card_sizes_and_inputs():
    card = load_card("rhythm_cinc2017")
    total = sum((MODEL_DIR / f).stat().st_size for f in card.files)
    assert total < 6_000_000
    assert card.labels == ("normal", "af", "other", "noisy")
    assert card.inputs["fs_hz"] == 300
    for split in ("cv_5fold", "shared_600"):
        assert 0.0 < card.metrics[split]["fused" if card.extra.get("cnn_file") else "features_gbm"]["score"] <= 1.0


def test_verify_detects_a_changed_file(tmp_path, monkeypatch):
    card = load_card("quality_ecg")
    for f in card.files:
        shutil.copy(MODEL_DIR / f, tmp_path / f)
    monkeypatch.setattr(cards_mod, "MODEL_DIR", tmp_path)
    verify(card)
    name = next(iter(card.files))
    w = json.loads((tmp_path / name).read_text())
    w["intercept"] += 1.0
    (tmp_path / name).write_text(json.dumps(w))
    with pytest.raises(AnalysisError, match="sha256"):
        verify(card)


def test_unknown_model_names_the_known_ones():
    with pytest.raises(InvalidArgumentError, match="rhythm_cinc2017"):
        load_card("no_such_model")


def test_tree_ensemble_reproduces_sklearn(tmp_path):
    sk = pytest.importorskip("sklearn.ensemble")
    from training._trees import hgb_to_trees

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5))
    X[rng.random(X.shape) < 0.1] = np.nan
    y = (np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) > 0).astype(int) + (np.nan_to_num(X[:, 2]) > 1)
    m = sk.HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, y)
    trees = hgb_to_trees(m)
    trees.save(tmp_path / "t.npz")
    back = TreeEnsemble.load(tmp_path / "t.npz")
    assert np.allclose(back.predict_proba(X), m.predict_proba(X), atol=1e-9)


def _walk_one(t: TreeEnsemble, x: np.ndarray) -> np.ndarray:
    """Node-by-node reference walk of every tree (the plain HistGradientBoosting rule)."""
    out = t.baseline.astype(np.float64).copy()
    for it in range(t.roots.shape[0]):
        for c in range(t.roots.shape[1]):
            n = int(t.roots[it, c])
            while not t.is_leaf[n]:
                v = x[t.feature[n]]
                left = bool(t.missing_left[n]) if np.isnan(v) else v <= t.threshold[n]
                n = int(t.left[n] if left else t.right[n])
            out[c] += t.value[n]
    return out


def test_tree_ensemble_routes_like_a_node_by_node_walk():
    card = load_card("rhythm_cinc2017")
    t = TreeEnsemble.load(card.path(card.extra["head_file"]))
    nf = len(card.extra["head_inputs"])
    rng = np.random.default_rng(3)
    X = rng.choice(np.unique(t.threshold[~t.is_leaf]), size=(6, nf)) + rng.normal(0, 1e-3, size=(6, nf))
    X[rng.random(X.shape) < 0.2] = np.nan
    X[0] = np.nan
    X[1, :5] = t.threshold[~t.is_leaf][:5]  # exactly on a threshold: goes left
    got = t.raw_scores(X)
    want = np.array([_walk_one(t, x) for x in X])
    assert np.allclose(got, want, rtol=0, atol=1e-12)
    with pytest.raises(InvalidArgumentError):
        t.raw_scores(X[:, :3])


def test_tree_ensemble_threads_and_pickle_give_the_same_scores():
    """The per-thread next-node buffers: the same scores from several threads at once and
    after a pickle round trip (the buffers are not pickled)."""
    import pickle
    from concurrent.futures import ThreadPoolExecutor

    card = load_card("rhythm_cinc2017")
    t = TreeEnsemble.load(card.path(card.extra["head_file"]))
    nf = len(card.extra["head_inputs"])
    X = np.random.default_rng(5).normal(0, 1, size=(40, nf))
    X[::3, ::4] = np.nan
    want = np.array([_walk_one(t, x) for x in X[:8]])
    with ThreadPoolExecutor(4) as ex:
        got = list(ex.map(lambda i: t.raw_scores(X[i : i + 1])[0], range(40)))
    assert np.allclose(np.array(got[:8]), want, rtol=0, atol=1e-12)
    assert np.array_equal(np.array(got), t.raw_scores(X))
    back = pickle.loads(pickle.dumps(t))
    assert np.array_equal(back.raw_scores(X), t.raw_scores(X))


def test_rhythm_cnn_onnx_runs_and_sums_to_one():
    card = load_card("rhythm_cinc2017")
    if not card.extra.get("cnn_file"):
        pytest.skip("shipped rhythm model has no CNN")
    from cardiokit.models import run_onnx

    x = np.random.default_rng(0).normal(size=(1, 1, 3000)).astype(np.float32)
    (p,) = run_onnx(card.path(card.extra["cnn_file"]), {"ecg": x})
    assert p.shape == (1, 4) and abs(float(p.sum()) - 1.0) < 1e-5


def test_rhythm_cnn_layout_keeps_the_trained_outputs():
    """The shipped graph (2-D convolutions of height 1, training/_onnx_layout.py) gives the
    probabilities of the 1-D export it was made from (values below from that export)."""
    from cardiokit.models import run_onnx

    card = load_card("rhythm_cinc2017")
    path = card.path(card.extra["cnn_file"])
    t = np.arange(3000) / 300.0
    x = (np.sin(2 * np.pi * 1.2 * t) ** 15 * 3 + 0.1 * np.sin(2 * np.pi * 7 * t)).astype(np.float32)
    (p,) = run_onnx(path, {"ecg": x[None, None]})
    assert np.allclose(p[0], [0.0503165, 0.09826561, 0.39996696, 0.4514509], atol=1e-5)
    (p,) = run_onnx(path, {"ecg": np.random.default_rng(0).normal(size=(1, 1, 3000)).astype(np.float32)})
    assert np.allclose(p[0], [0.11660027, 0.07819581, 0.11330957, 0.6918944], atol=1e-5)
