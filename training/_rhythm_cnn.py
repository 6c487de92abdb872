"""The rhythm CNN (torch; training only): residual 1-D blocks + global mean/max pooling.

Input: one lead at 300 Hz (averaged to 150 Hz by the first layer) prepared by ``cardiokit.ecg._rhythm_features.cnn_input``,
shape ``(batch, 1, n)`` with any ``n`` >= 2700 (9 s). Output: 4 logits (N, A, O, ~).
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import torch
from torch import nn

from cardiokit._core.errors import InvalidArgumentError

CROP = 3000  # 10 s at 300 Hz


class Block(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, k: int = 7) -> None:
        super().__init__()
        self.c1 = nn.Conv1d(cin, cout, k, stride, padding=k // 2, bias=False)
        self.b1 = nn.BatchNorm1d(cout)
        self.c2 = nn.Conv1d(cout, cout, k, 1, padding=k // 2, bias=False)
        self.b2 = nn.BatchNorm1d(cout)
        self.drop = nn.Dropout(0.1)
        self.skip = (
            nn.Sequential(nn.Conv1d(cin, cout, 1, stride, bias=False), nn.BatchNorm1d(cout))
            if stride != 1 or cin != cout else nn.Identity()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.b1(self.c1(x)))
        h = self.b2(self.c2(self.drop(h)))
        return torch.relu(h + self.skip(x))


class RhythmCNN(nn.Module):
    def __init__(self, widths: tuple[int, ...] = (12, 16, 24, 32, 48, 64)) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.AvgPool1d(2),  # 300 -> 150 Hz (the input is low-passed at 40 Hz)
            nn.Conv1d(1, widths[0], 15, 2, padding=7, bias=False), nn.BatchNorm1d(widths[0]),
            nn.ReLU(), nn.MaxPool1d(2),
        )
        self.blocks = nn.Sequential(*[Block(a, b, 2) for a, b in itertools.pairwise(widths)])
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(2 * widths[-1], 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.blocks(self.stem(x))
        z = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        return self.fc(self.drop(z))


class Softmaxed(nn.Module):
    """Export wrapper: probabilities instead of logits."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(x), dim=1)


class SoftmaxedSet(nn.Module):
    """Export wrapper of several nets on the same input: their probabilities side by side,
    ``(batch, 4 * len(nets))``."""

    def __init__(self, nets: list[nn.Module]) -> None:
        super().__init__()
        self.nets = nn.ModuleList(nets)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.softmax(n(x), dim=1) for n in self.nets], dim=1)


def _crop_batch(xs: list[np.ndarray], rng: np.random.Generator, crop: int,
                augment: bool = True, recipe: str = "v2") -> np.ndarray:
    """Random ``crop``-sample windows (zero-padded when shorter), with augmentation.

    Augmentation (``augment``): amplitude scaling 0.6-1.5, polarity flip (handheld
    AliveCor recordings are often inverted, Clifford et al. 2017), low-frequency baseline
    wander and white noise at random small levels. ``recipe="v1"``: the 1.0.0 recipe
    instead (amplitude scaling 0.7-1.3 of full-length crops only, the same random draws
    in the same order as 1.0.0, so a seeded run repeats it).
    """
    out = np.zeros((len(xs), 1, crop), np.float32)
    if recipe == "v1":
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
    t = np.arange(crop, dtype=np.float32) / 300.0
    for i, x in enumerate(xs):
        if x.size >= crop:
            s = int(rng.integers(0, x.size - crop + 1))
            seg = x[s : s + crop].copy()
        else:
            seg = np.zeros(crop, np.float32)
            s = int(rng.integers(0, crop - x.size + 1))
            seg[s : s + x.size] = x
        if augment:
            if rng.random() < 0.5:
                seg = seg * float(rng.uniform(0.6, 1.5))
            if rng.random() < 0.3:
                seg = -seg
            if rng.random() < 0.3:
                f = float(rng.uniform(0.05, 0.5))
                seg = seg + float(rng.uniform(0.0, 0.3)) * np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3))
            if rng.random() < 0.3:
                seg = seg + rng.normal(0.0, float(rng.uniform(0.01, 0.1)), crop).astype(np.float32)
        out[i, 0] = seg
    return out


@torch.no_grad()
def predict(net: nn.Module, xs: list[np.ndarray], batch: int = 64) -> np.ndarray:
    """Class probabilities of full-length inputs (grouped by length for batching)."""
    net.eval()
    out = np.zeros((len(xs), 4), np.float32)
    order = sorted(range(len(xs)), key=lambda i: xs[i].size)
    i = 0
    while i < len(order):
        n = xs[order[i]].size
        j = i
        while j < len(order) and xs[order[j]].size == n and j - i < batch:
            j += 1
        idx = order[i:j]
        xb = torch.from_numpy(np.stack([xs[k] for k in idx])[:, None, :].astype(np.float32))
        out[idx] = torch.softmax(net(xb), dim=1).numpy()
        i = j
    return out


def _score(y: np.ndarray, p: np.ndarray) -> float:
    """CinC 2017 score (mean F1 over N, A, O) of predicted labels ``p``."""
    f = []
    for c in range(3):
        tp = np.sum((y == c) & (p == c))
        d = np.sum(y == c) + np.sum(p == c)
        f.append(2 * tp / d if d else 0.0)
    return float(np.mean(f))


def train(xs: list[np.ndarray], y: np.ndarray, *, epochs: int, seed: int, log=print,
          batch: int = 64, lr: float = 3e-3, inner: float = 0.1, min_epochs: int = 8,
          widths: tuple[int, ...] | None = None, init: dict | None = None,
          recipe: str = "v2", crop: int = CROP) -> nn.Module:
    """Train one CNN on inputs ``xs`` (cnn_input arrays) and labels ``y`` (0..3).

    A stratified ``inner`` share of ``xs`` is held out for early stopping: after
    ``min_epochs`` the whole-record CinC score on it is checked every epoch and the best
    weights are kept (one-cycle learning rate over ``epochs``). ``init``: a state dict to
    start from (fine-tuning a model trained on the same data).

    ``recipe="v1"``: the from-scratch recipe of rhythm model 1.0.0 (the first stage of
    1.1.0): no inner split (``inner`` ignored), no label smoothing, the 1.0.0 crop
    augmentation (:func:`_crop_batch`). ``"v2"``: the current recipe. ``crop``: training
    window in samples at 300 Hz (longer windows, e.g. 20-30 s, match the whole-record
    inference better; shorter records are zero-padded).
    """
    if recipe not in ("v1", "v2"):
        raise InvalidArgumentError(f"unknown CNN recipe {recipe!r} (v1 or v2)")
    if recipe == "v1":
        inner = 0.0
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = RhythmCNN() if widths is None else RhythmCNN(widths)
    if init is not None:
        net.load_state_dict(init)
    va = np.zeros(len(xs), bool)
    if inner > 0:
        for c in range(4):
            idx = np.flatnonzero(y == c)
            rng.shuffle(idx)
            va[idx[: round(inner * idx.size)]] = True
    tr_idx = np.flatnonzero(~va)
    va_idx = np.flatnonzero(va)
    yt = y[tr_idx]
    counts = np.bincount(yt, minlength=4).astype(np.float64)
    w = (counts.sum() / np.maximum(counts, 1)) ** 0.5
    loss_fn = nn.CrossEntropyLoss(weight=torch.tensor(w / w.mean(), dtype=torch.float32),
                                  label_smoothing=0.0 if recipe == "v1" else 0.05)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-3)
    steps = epochs * int(np.ceil(tr_idx.size / batch))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.2)
    best, best_state = -1.0, None
    for ep in range(epochs):
        net.train()
        t0 = time.time()
        perm = rng.permutation(tr_idx)
        tot = 0.0
        for s in range(0, len(perm), batch):
            idx = perm[s : s + batch]
            xb = torch.from_numpy(_crop_batch([xs[i] for i in idx], rng, crop, recipe=recipe))
            yb = torch.from_numpy(y[idx])
            opt.zero_grad()
            loss = loss_fn(net(xb), yb)
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss.detach()) * len(idx)
        msg = f"  epoch {ep + 1}/{epochs} loss {tot / tr_idx.size:.4f} ({time.time() - t0:.0f} s)"
        if va_idx.size and ep + 1 >= min_epochs:
            sc = _score(y[va_idx], predict(net, [xs[i] for i in va_idx]).argmax(1))
            msg += f" inner score {sc:.3f}"
            if sc > best:
                best = sc
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        log(msg)
    if best_state is not None:
        net.load_state_dict(best_state)
        log(f"  kept the best inner-split epoch (score {best:.3f})")
    net.eval()
    return net
