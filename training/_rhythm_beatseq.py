"""Beat-sequence rhythm network (torch; training only): a second view of a record.

Each detected beat (the beats of ``cardiokit.ecg.rhythm.lead_beats``, as the features
stage uses) becomes a window of the CNN input (``cnn_input``: band-passed 0.5-40 Hz,
robustly scaled) at 150 Hz from 0.35 s before to 0.45 s after its R peak (the P wave and
the end of the preceding TQ segment included), divided by the record's median QRS
amplitude, plus four RR inputs (log pre-/post-RR, both relative to the record's median
RR). A shared small 1-D CNN embeds each beat; dilated convolutions over the beat
sequence and masked mean/max pooling give 4 logits (N, A, O, ~). The idea follows the
beat-level / RR-sequence AF detectors (e.g. Andersen et al. 2019; Teijeiro et al. 2018
use beat-level features for CinC 2017) and makes errors unlike the raw-signal CNN's.

Usage (cache, then one fold)::

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python -m training._rhythm_beatseq cache
    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python -m training._rhythm_beatseq fold 0
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch
from torch import nn
from training import _rhythm_data as D

FS_IN = 300
PRE, POST = 52, 68  # samples at 150 Hz: 0.35 s before, 0.45 s after R
WIN = PRE + POST
N_RR = 4
MAX_BEATS = 64  # training crop (beats); evaluation takes up to 256
TAG = "bs1_"
EPOCHS = 30


def beat_sequence(xin: np.ndarray, r300: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`cardiokit.ecg.rhythm.beat_sequence` (the inference code), with no rows
    instead of one all-zero beat for records with fewer than 2 beats (the batches add it)."""
    from cardiokit.ecg.rhythm import beat_sequence as bs

    w, f = bs(xin, r300)
    return (w[:0], f[:0]) if not w.any() and not f.any() else (w, f)


def cache(name: str) -> None:
    from training.train_rhythm import beats_300, cnn_inputs

    if name == "pool":
        ids, _, _ = D.pool_v3()
        sigs = D.signals("pool", ids, D.TRAIN_DIR)
    else:
        ids, _ = D.shared()
        sigs = D.signals("shared", ids, D.SHARED_DIR)
    xs = cnn_inputs(name, sigs)
    ws, fs, counts = [], [], []
    t0 = time.time()
    for i, (s, x) in enumerate(zip(sigs, xs, strict=True)):
        w, f = beat_sequence(x, beats_300(s))
        ws.append(w)
        fs.append(f)
        counts.append(w.shape[0])
        if i % 1000 == 0:
            print(name, i, f"{time.time() - t0:.0f}s", flush=True)
    off = np.concatenate([[0], np.cumsum(counts)])
    np.savez(D.CACHE / f"beatseq_{name}.npz", W=np.concatenate(ws), F=np.concatenate(fs), offsets=off)


def load(name: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    z = np.load(D.CACHE / f"beatseq_{name}.npz")
    off, W, F = z["offsets"], z["W"], z["F"]
    return ([W[off[i] : off[i + 1]] for i in range(off.size - 1)],
            [F[off[i] : off[i + 1]] for i in range(off.size - 1)])


class BeatSeqNet(nn.Module):
    """Beat encoder (shared over beats) + dilated convolutions over beats + masked pooling."""

    def __init__(self, emb: int = 48, hid: int = 64) -> None:
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv1d(1, 8, 7, 2, padding=3), nn.BatchNorm1d(8), nn.ReLU(),
            nn.Conv1d(8, 16, 5, 2, padding=2), nn.BatchNorm1d(16), nn.ReLU(),
            nn.Conv1d(16, 32, 5, 2, padding=2), nn.BatchNorm1d(32), nn.ReLU(),
            nn.Conv1d(32, 32, 3, 1, padding=1), nn.BatchNorm1d(32), nn.ReLU(),
        )
        self.proj = nn.Linear(32 * 15 + N_RR, emb)
        self.inp = nn.Conv1d(emb, hid, 1)
        self.tcs = nn.ModuleList([nn.Conv1d(hid, hid, 3, padding=d, dilation=d) for d in (1, 2, 4, 8)])
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(2 * hid, 4)

    def forward(self, w: torch.Tensor, f: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        """``w`` (B, T, WIN), ``f`` (B, T, N_RR), ``m`` (B, T) 1 for a beat, 0 for padding."""
        b, t, _ = w.shape
        e = self.enc(w.reshape(b * t, 1, WIN)).reshape(b * t, -1)
        e = torch.relu(self.proj(torch.cat([e, f.reshape(b * t, N_RR)], dim=1)))
        h = self.inp(e.reshape(b, t, -1).transpose(1, 2))
        mk = m[:, None, :]
        for c in self.tcs:
            h = h + torch.relu(c(h * mk))
        h = h * mk
        mean = h.sum(dim=2) / mk.sum(dim=2).clamp(min=1.0)
        mx = (h - (1.0 - mk) * 1e4).amax(dim=2)
        return self.fc(self.drop(torch.cat([mean, mx], dim=1)))


def _batch(ws, fs, idx, rng, train: bool, max_beats: int = MAX_BEATS):
    seqs = []
    for i in idx:
        w, f = ws[i], fs[i]
        if w.shape[0] == 0:  # no beats: one empty beat
            w, f = np.zeros((1, WIN), np.float32), np.zeros((1, N_RR), np.float32)
        n = w.shape[0]
        if train and n > max_beats:
            s = rng.integers(0, n - max_beats + 1)
            w, f = w[s : s + max_beats], f[s : s + max_beats]
        elif not train and n > max_beats * 4:
            w, f = w[: max_beats * 4], f[: max_beats * 4]
        if train:
            w = w.copy()
            f = f.copy()
            k = w.shape[0]
            w *= rng.uniform(0.8, 1.25)
            if rng.random() < 0.2:
                w = -w
            w += rng.normal(0, rng.uniform(0, 0.05), w.shape).astype(np.float32)
            f[:, :2] += rng.normal(0, 0.02, (k, 1)).astype(np.float32)  # RR jitter
            f[:, 2:] += rng.normal(0, 0.02, (k, 2)).astype(np.float32)
            if k > 8 and rng.random() < 0.1:  # drop a beat
                j = rng.integers(0, k)
                w, f = np.delete(w, j, 0), np.delete(f, j, 0)
        seqs.append((w, f))
    t = max(max(s[0].shape[0] for s in seqs), 1)
    W = np.zeros((len(seqs), t, WIN), np.float32)
    F = np.zeros((len(seqs), t, N_RR), np.float32)
    M = np.zeros((len(seqs), t), np.float32)
    for j, (w, f) in enumerate(seqs):
        W[j, : w.shape[0]] = w
        F[j, : w.shape[0]] = f
        M[j, : w.shape[0]] = 1
    return torch.from_numpy(W), torch.from_numpy(F), torch.from_numpy(M)


def predict(net: nn.Module, ws, fs, batch: int = 128) -> np.ndarray:
    net.eval()
    out = np.zeros((len(ws), 4), np.float32)
    order = np.argsort([w.shape[0] for w in ws])
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for s in range(0, len(order), batch):
            idx = order[s : s + batch]
            W, F, M = _batch(ws, fs, idx, rng, train=False)
            out[idx] = torch.softmax(net(W, F, M), dim=1).numpy()
    return out


def _score(y, p) -> float:
    return D.cinc_f1(y, p)["score"]


def train(ws, fs, y, *, epochs: int = 30, seed: int = 0, lr: float = 3e-3, batch: int = 64,
          inner: float = 0.1, min_epochs: int = 10, log=print) -> nn.Module:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    va = np.zeros(y.size, bool)
    for c in range(4):
        idx = np.flatnonzero(y == c)
        va[rng.choice(idx, round(inner * idx.size), replace=False)] = True
    tr = np.flatnonzero(~va)
    vai = np.flatnonzero(va)
    net = BeatSeqNet()
    counts = np.bincount(y[tr], minlength=4).astype(np.float64)
    cw = (counts.sum() / counts) ** 0.5
    cw = torch.tensor(cw / cw.mean(), dtype=torch.float32)
    loss_fn = nn.CrossEntropyLoss(weight=cw, label_smoothing=0.05)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-3)
    steps = epochs * int(np.ceil(tr.size / batch))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    best, best_state = -1.0, None
    yt = torch.from_numpy(y)
    for ep in range(epochs):
        t0 = time.time()
        net.train()
        perm = rng.permutation(tr)
        # bucket by length for speed: sort chunks of 16 batches
        chunks = [perm[i : i + batch * 16] for i in range(0, perm.size, batch * 16)]
        batches = []
        for ch in chunks:
            ch = ch[np.argsort([min(ws[i].shape[0], MAX_BEATS) for i in ch])]
            batches += [ch[i : i + batch] for i in range(0, ch.size, batch)]
        rng.shuffle(batches)
        tot = 0.0
        for idx in batches:
            W, F, M = _batch(ws, fs, idx, rng, train=True)
            loss = loss_fn(net(W, F, M), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item() * idx.size
        p = predict(net, [ws[i] for i in vai], [fs[i] for i in vai])
        sc = _score(y[vai], p.argmax(1))
        log(f"  ep {ep} loss {tot / tr.size:.4f} inner {sc:.4f} ({time.time() - t0:.0f}s)")
        if ep + 1 >= min_epochs and sc > best:
            best = sc
            best_state = {k: v.clone() for k, v in net.state_dict().items()}
    if best_state is not None:
        net.load_state_dict(best_state)
    return net


def run_fold(k: int, epochs: int, tag: str = TAG, seed: int = 0) -> None:
    torch.set_num_threads(1)
    _, y, fold = D.pool_v3()
    ws, fs = load("pool")
    sws, sfs = load("shared")
    tr, va = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
    t0 = time.time()
    net = train([ws[i] for i in tr], [fs[i] for i in tr], y[tr], epochs=epochs, seed=D.SEED + k + seed)
    oof = predict(net, [ws[i] for i in va], [fs[i] for i in va])
    shared = predict(net, sws, sfs)
    f = D.cinc_f1(y[va], oof.argmax(1))
    print(f"fold {k}: {f['score']:.4f} N {f['N']:.3f} A {f['A']:.3f} O {f['O']:.3f} ~ {f['~']:.3f} "
          f"({time.time() - t0:.0f}s)", flush=True)
    torch.save(net.state_dict(), D.CACHE / f"{tag}fold{k}.pt")
    np.savez(D.CACHE / f"{tag}cnn_oof{k}.npz", va=va, oof=oof, shared=shared)


class Softmaxed(nn.Module):
    """Export wrapper: probabilities instead of logits."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, w: torch.Tensor, f: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(w, f, m), dim=1)


def export_onnx(state_path, out_path) -> None:
    """ONNX of one fold's net: inputs ``beats`` (batch, n, WIN), ``rr`` (batch, n, N_RR),
    ``mask`` (batch, n); output ``probabilities`` (batch, 4); any beat count."""
    net = BeatSeqNet()
    net.load_state_dict(torch.load(state_path))
    model = Softmaxed(net.eval()).eval()
    args = (torch.zeros(1, 20, WIN), torch.zeros(1, 20, N_RR), torch.ones(1, 20))
    torch.onnx.export(model, args, str(out_path), input_names=["beats", "rr", "mask"],
                      output_names=["probabilities"],
                      dynamic_axes={"beats": {0: "batch", 1: "n"}, "rr": {0: "batch", 1: "n"},
                                    "mask": {0: "batch", 1: "n"}, "probabilities": {0: "batch"}},
                      opset_version=17, dynamo=False)


if __name__ == "__main__":
    if sys.argv[1] == "cache":
        for nm in sys.argv[2:] or ["pool", "shared"]:
            cache(nm)
    elif sys.argv[1] == "fold":
        import os

        ep = int(os.environ.get("BS_EPOCHS", str(EPOCHS)))
        for k in sys.argv[2:]:
            run_fold(int(k), ep, os.environ.get("BS_TAG", TAG), int(os.environ.get("BS_SEED", "0")))
