"""The rhythm CNN recipes of training/_rhythm_cnn.py (torch; training only).

``recipe="v1"`` must repeat the 1.0.0 from-scratch recipe draw for draw: the shipped
1.1.0 fold CNNs start from it (docs/MODELS.md "Reproduce").
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is a training-only dependency ('.[train]')")

from training import _rhythm_cnn as C  # noqa: E402

from cardiokit._core.errors import InvalidArgumentError  # noqa: E402


def _crop_batch_1_0_0(xs: list[np.ndarray], rng: np.random.Generator, crop: int) -> np.ndarray:
    """Reference: the crop augmentation of rhythm model 1.0.0 (commit 2d5a2b9)."""
    out = np.zeros((len(xs), 1, crop), np.float32)
    for i, x in enumerate(xs):
        if x.size >= crop:
            s = int(rng.integers(0, x.size - crop + 1))
            seg = x[s : s + crop]
            if rng.random() < 0.5:
                seg = seg * float(rng.uniform(0.7, 1.3))
            out[i, 0] = seg
        else:
            s = int(rng.integers(0, crop - x.size + 1))
            out[i, 0, s : s + x.size] = x
    return out


def _inputs(n: int, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    xs = [rng.normal(size=int(rng.integers(2700, 4200))).astype(np.float32) for _ in range(n)]
    return xs, np.arange(n) % 4


def test_v1_crops_repeat_the_1_0_0_draws() -> None:
    xs, _ = _inputs(40)
    r1, r2 = np.random.default_rng(5), np.random.default_rng(5)
    for _ in range(3):
        a = C._crop_batch(xs, r1, C.CROP, recipe="v1")
        b = _crop_batch_1_0_0(xs, r2, C.CROP)
        assert np.array_equal(a, b)
    # the generators are left in the same state, so later epochs stay in step too
    assert r1.random() == r2.random()
    # the current recipe draws differently (it is not the 1.0.0 one)
    v2 = C._crop_batch(xs, np.random.default_rng(5), C.CROP)
    assert not np.array_equal(v2, _crop_batch_1_0_0(xs, np.random.default_rng(5), C.CROP))


def test_v1_training_is_seeded_and_differs_from_v2() -> None:
    torch.set_num_threads(1)
    xs, y = _inputs(24)
    kw = {"epochs": 1, "seed": 3, "log": lambda _m: None, "batch": 8, "widths": (4, 4, 6)}
    a = C.train(xs, y, recipe="v1", **kw).state_dict()
    b = C.train(xs, y, recipe="v1", **kw).state_dict()
    c = C.train(xs, y, **kw).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)
    with pytest.raises(InvalidArgumentError):
        C.train(xs, y, recipe="v3", **kw)
