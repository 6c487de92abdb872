"""Train the cardiokit learned delineator: a small 1-D U-Net segmenting one ECG lead into
other / P / QRS / T (LUDB, 200 records x 12 leads).

Reproducible (seeded)::

    # the shipped 1.1.0 model: TAG=v2 AUG=v2 EPOCHS=24 in the environment of every stage
    # (tried, not shipped, docs/MODELS.md: TAG=v3a AUG=v2 EPOCHS=40 CHANNELS=16,32,48,64, v3b the same
    # with EPOCHS=24, and TAG=ctx1 AUG=v2 EPOCHS=24 CTX=1)
    nice -n 10 .venv/bin/python -m training.train_delineator cache   # preprocessed LUDB arrays
    nice -n 10 .venv/bin/python -m training.train_delineator fold0   # ... fold4: one fold each (two at once)
    nice -n 10 .venv/bin/python -m training.train_delineator cv      # 5-fold CV, out-of-fold probabilities
    nice -n 10 .venv/bin/python -m training.train_delineator final   # one model on all 200 records
    .venv/bin/python -m training.train_delineator export             # ONNX into src/cardiokit/models
    .venv/bin/python -m training.train_delineator card               # model card (metrics.json from the bench)

Input: the lead cleaned by ``cardiokit.ecg.clean`` (what ``analyze`` feeds the delineation;
30 % of the training crops use the uncleaned lead instead) and high-passed at 0.5 Hz
(``remove_baseline``), at 250 Hz, scaled by ``cardiokit.ecg._delineate_unet.net_input``
(the same code runs at inference). Labels: the
per-lead LUDB expert boundaries, onset..offset inclusive; the loss is masked outside the
annotated span of each lead (LUDB leaves the first and last beats unannotated).
Folds: record id mod 5 (every record gets an out-of-fold prediction from a model that never
saw it). Augmentation: random 8.2-s crops, polarity flip, amplitude scaling, time stretch
(0.85-1.15), Gaussian and low-frequency noise; ``AUG=v2`` adds a smooth non-uniform time warp,
muscle-like noise bursts and faster, larger baseline wander. Cached under /work/cache/delineation
(override with CARDIOKIT_CACHE).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
from training._paths import SHARED_DATA

REPO = Path(__file__).resolve().parents[1]
LUDB = Path(os.environ.get("LUDB_DIR", SHARED_DATA / "ludb"))
CACHE = Path(os.environ.get("CARDIOKIT_CACHE", "/work/cache/delineation"))
MODEL_DIR = REPO / "src" / "cardiokit" / "models"
LEADS = ("i", "ii", "iii", "avr", "avl", "avf", "v1", "v2", "v3", "v4", "v5", "v6")
SEED = int(os.environ.get("SEED", "2020"))  # + fold; + 99 for the final model
EPOCHS = int(os.environ.get("EPOCHS", "40"))
CROP = 2048
BATCH = 32
CHANNELS = tuple(int(c) for c in os.environ.get("CHANNELS", "8,16,24,32").split(","))
KERNEL = int(os.environ.get("KERNEL", "7"))
TAG = os.environ.get("TAG", "v1")
#: augmentation recipe: "v1" (the 1.0.0 model) or "v2" (+ smooth non-uniform time warp,
#: muscle-like noise bursts, baseline steps and more slow wander)
AUG = os.environ.get("AUG", "v1")
#: torch threads per process (1 is fastest on a shared 2-core machine; run two folds at once)
THREADS = int(os.environ.get("THREADS", "1"))
#: ``CTX=1`` (evaluation only, not shipped: docs/MODELS.md): a second input channel, the RMS
#: over the record's leads of their network inputs (:func:`lead_context`), so each lead is
#: segmented with the whole record's activity in view; trained on random lead subsets (one
#: lead: its own |x|)
CTX = os.environ.get("CTX", "0") == "1"
#: model card version of each shipped recipe (TAG)
VERSIONS = {"v1": "1.0.0", "v2": "1.1.0"}


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


# -- data -----------------------------------------------------------------------------------
def stage_cache() -> None:
    """X (200, 12, 2500) float32 network inputs, Y labels int8, M loss mask bool."""
    import wfdb

    from cardiokit._core.recording import Channel, Recording
    from cardiokit.ecg import clean
    from cardiokit.ecg._delineate_filters import remove_baseline
    from cardiokit.ecg._delineate_unet import fs_to_work, net_input, to_net_rate

    CACHE.mkdir(parents=True, exist_ok=True)
    names = [r.strip() for r in (LUDB / "RECORDS").read_text().split() if r.strip()]
    xs, xcs, ys, ms, ids = [], [], [], [], []
    for name in names:
        path = str(LUDB / name)
        rec = wfdb.rdrecord(path)
        fs = float(rec.fs)
        sig = rec.p_signal.astype(np.float64)
        hp = remove_baseline(sig, fs)
        x = net_input(to_net_rate(hp, fs))[:, 0, :]  # (12, n)
        # what cardiokit.analyze feeds delineate(): clean() (0.5-40 Hz band-pass) first
        r_ck = Recording(sig.astype(np.float32), fs, tuple(Channel(c, "ecg", "mV") for c in rec.sig_name))
        hp_c = remove_baseline(np.asarray(clean(r_ck).signals, np.float64), fs)
        xcs.append(net_input(to_net_rate(hp_c, fs))[:, 0, :])
        n = x.shape[1]
        y = np.zeros((12, n), np.int8)
        m = np.zeros((12, n), bool)
        for j, lead in enumerate(LEADS):
            ann = wfdb.rdann(path, lead)
            s = fs_to_work(np.asarray(ann.sample), fs)
            sym = ann.symbol
            lo, hi = int(np.floor(s.min())), int(np.ceil(s.max()))
            m[j, max(lo, 0) : min(hi + 1, n)] = True
            for k, c in enumerate(sym):
                if c not in ("p", "N", "t"):
                    continue
                cls = {"p": 1, "N": 2, "t": 3}[c]
                if k > 0 and sym[k - 1] == "(" and k + 1 < len(sym) and sym[k + 1] == ")":
                    a, b = int(np.ceil(s[k - 1])), int(np.floor(s[k + 1]))
                    y[j, max(a, 0) : min(b + 1, n)] = cls
                else:  # a wave without both boundaries: not trained on
                    a = int(s[k - 1]) if k > 0 else int(s[k]) - 10
                    b = int(s[k + 1]) if k + 1 < len(sym) else int(s[k]) + 10
                    m[j, max(a, 0) : min(b + 1, n)] = False
        xs.append(x)
        ys.append(y)
        ms.append(m)
        ids.append(int(Path(name).name))
    np.savez_compressed(CACHE / "ludb.npz", x=np.stack(xcs), x_raw=np.stack(xs), y=np.stack(ys), m=np.stack(ms),
                        ids=np.array(ids))
    log(f"cached {len(ids)} records -> {CACHE / 'ludb.npz'}")


def load(raw: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cleaned (``clean()`` then high-pass; ``raw``: high-pass only) inputs, labels, mask, ids."""
    z = np.load(CACHE / "ludb.npz")
    return z["x_raw" if raw else "x"], z["y"], z["m"], z["ids"]


# -- model ----------------------------------------------------------------------------------
def build(channels: tuple[int, ...] = CHANNELS, k: int = KERNEL):
    import torch
    from torch import nn

    def cbr(i: int, o: int, stride: int = 1) -> nn.Module:
        return nn.Sequential(nn.Conv1d(i, o, k, stride=stride, padding=k // 2), nn.BatchNorm1d(o), nn.ReLU())

    class UNet(nn.Module):
        """Stem (stride 2, 125 Hz) + encoder levels with max-pooling, decoder with nearest
        up-sampling and concatenated skips, logits linearly up-sampled back to 250 Hz."""

        def __init__(self) -> None:
            super().__init__()
            ch = channels
            self.stem = cbr(2 if CTX else 1, ch[0], 2)
            self.enc = nn.ModuleList([cbr(ch[i], ch[i + 1]) for i in range(len(ch) - 1)])
            self.dec = nn.ModuleList([cbr(ch[i + 1] + ch[i], ch[i]) for i in range(len(ch) - 2, -1, -1)])
            self.head = nn.Conv1d(ch[0], 4, 1)

        def forward(self, x):
            x = self.stem(x)
            skips = [x]
            for e in self.enc:
                x = e(nn.functional.max_pool1d(x, 2))
                skips.append(x)
            for j, d in enumerate(self.dec):
                x = nn.functional.interpolate(x, scale_factor=2.0, mode="nearest")
                x = d(torch.cat([x, skips[-2 - j]], 1))
            return nn.functional.interpolate(self.head(x), scale_factor=2.0, mode="linear", align_corners=False)

    return UNet()


def lead_context(z: np.ndarray) -> np.ndarray:
    """Context channel of network inputs ``z`` ``(k, n)`` of one record's leads: their RMS."""
    return np.sqrt(np.mean(np.square(z, dtype=np.float32), axis=0))


def augment(x: np.ndarray, y: np.ndarray, m: np.ndarray, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One random training crop of one lead: ``x`` 1-D, or ``(2, n)`` lead and context
    (``CTX``; time changes apply to both, amplitude and noise to the lead)."""
    ctx = x[1] if x.ndim == 2 else None
    x = x[0] if x.ndim == 2 else x
    grid = np.arange(x.size)
    if rng.random() < 0.5:  # time stretch: heart rate and wave durations
        f = rng.uniform(0.85, 1.15)
        n2 = int(x.size * f)
        src = np.arange(n2) / f
        x = np.interp(src, grid, x)
        ctx = None if ctx is None else np.interp(src, grid, ctx)
        idx = np.clip(np.round(src).astype(int), 0, y.size - 1)
        y, m = y[idx], m[idx]
        grid = np.arange(x.size)
    if AUG == "v2" and rng.random() < 0.5:  # smooth non-uniform time warp (rate 0.85-1.15 locally)
        knots = rng.uniform(0.85, 1.15, 6)
        rate = np.interp(np.linspace(0, 5, x.size), np.arange(6), knots)
        src = np.concatenate([[0.0], np.cumsum(rate)[:-1]])
        src = src[src <= x.size - 1]
        x = np.interp(src, grid, x)
        ctx = None if ctx is None else np.interp(src, grid, ctx)
        idx = np.clip(np.round(src).astype(int), 0, y.size - 1)
        y, m = y[idx], m[idx]
    if x.size < CROP:
        pad = CROP - x.size
        x, y, m = np.pad(x, (0, pad), mode="edge"), np.pad(y, (0, pad)), np.pad(m, (0, pad))
        ctx = None if ctx is None else np.pad(ctx, (0, pad), mode="edge")
    s = int(rng.integers(0, x.size - CROP + 1))
    x, y, m = x[s : s + CROP].copy(), y[s : s + CROP], m[s : s + CROP]
    x *= rng.uniform(0.6, 1.6) * (-1.0 if rng.random() < 0.3 else 1.0)
    x += rng.normal(0, rng.uniform(0, 0.05), CROP)
    if rng.random() < 0.3:  # slow wander left after the high-pass
        t = np.arange(CROP) / 250.0
        x += rng.uniform(0, 0.15) * np.sin(2 * np.pi * rng.uniform(0.1, 0.6) * t + rng.uniform(0, 6.3))
    if AUG == "v2":
        if rng.random() < 0.3:  # muscle-like noise: high-passed white noise in a burst
            a, b = sorted(rng.integers(0, CROP, 2))
            e = rng.normal(0, rng.uniform(0.02, 0.12), CROP)
            x[a:b] += (e - np.convolve(e, np.ones(5) / 5, mode="same"))[a:b]
        if rng.random() < 0.2:  # more and faster wander (respiration, movement)
            t = np.arange(CROP) / 250.0
            x += rng.uniform(0, 0.3) * np.sin(2 * np.pi * rng.uniform(0.15, 1.0) * t + rng.uniform(0, 6.3))
    if ctx is not None:
        x = np.stack([x, ctx[s : s + CROP] * rng.uniform(0.8, 1.25)])
    return x.astype(np.float32), y.astype(np.int64), m


def _train_input(src: np.ndarray, r: int, j: int, rng: np.random.Generator) -> np.ndarray:
    """Lead ``j`` of record ``r`` (1-D), or with ``CTX`` ``(2, n)``: the lead and the context of
    a random subset of the record's leads holding it (1 lead in 20 % of the crops)."""
    if not CTX:
        return src[r, j]
    k = 1 if rng.random() < 0.2 else int(rng.integers(2, 13))
    others = rng.permutation(np.delete(np.arange(12), j))[: k - 1]
    return np.stack([src[r, j], lead_context(src[r, np.concatenate([[j], others])])])


def net_inputs(x: np.ndarray) -> np.ndarray:
    """``(n_records * 12, C, len)`` network inputs of records ``x`` ``(n, 12, len)``: each lead,
    with ``CTX`` beside the context of all 12 leads of its record."""
    if not CTX:
        return x.reshape(-1, 1, x.shape[2])
    c = np.sqrt(np.mean(np.square(x, dtype=np.float32), axis=1, keepdims=True))
    return np.stack([x, np.broadcast_to(c, x.shape)], axis=2).reshape(-1, 2, x.shape[2])


def train(train_idx: np.ndarray, seed: int, out: Path) -> None:
    import torch

    torch.set_num_threads(THREADS)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x, y, m, _ = load()
    x_raw = load(raw=True)[0]
    items = [(r, j) for r in train_idx for j in range(12) if m[r, j].any()]
    net = build()
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = EPOCHS * (len(items) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.1)
    weight = torch.tensor([1.0, 1.5, 1.5, 1.0])
    t0 = time.time()
    for ep in range(EPOCHS):
        net.train()
        order = rng.permutation(len(items))
        tot = 0.0
        for b in range(len(items) // BATCH):
            # 30 % of the crops from the uncleaned (high-passed only) lead: raw input works too
            batch = [augment(_train_input(x_raw if rng.random() < 0.3 else x, r, j, rng), y[r, j], m[r, j], rng)
                     for r, j in (items[i] for i in order[b * BATCH:(b + 1) * BATCH])]
            xb = np.stack([a[0] for a in batch])
            xb = torch.from_numpy(xb if xb.ndim == 3 else xb[:, None, :])
            yb = torch.from_numpy(np.stack([a[1] for a in batch]))
            mb = torch.from_numpy(np.stack([a[2] for a in batch]).astype(np.float32))
            logits = net(xb)
            ce = torch.nn.functional.cross_entropy(logits, yb, weight=weight, reduction="none")
            loss = (ce * mb).sum() / mb.sum().clamp(min=1.0)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss.detach())
        log(f"{out.name} epoch {ep + 1}/{EPOCHS} loss {tot / max(1, len(items) // BATCH):.4f} ({time.time() - t0:.0f} s)")
    torch.save(net.state_dict(), out)


def predict(state: Path, x: np.ndarray) -> np.ndarray:
    """Class probabilities ``(n, 4, len)`` of inputs ``x`` ``(n, C, len)`` (padded to a multiple of 16)."""
    import torch

    net = build()
    net.load_state_dict(torch.load(state))
    net.eval()
    n = x.shape[-1]
    pad = (-n) % 16
    xp = np.pad(x, ((0, 0), (0, 0), (0, pad)), mode="edge")
    with torch.no_grad():
        p = torch.softmax(net(torch.from_numpy(xp.astype(np.float32))), dim=1).numpy()
    return p[:, :, :n]


def stage_fold(f: int) -> None:
    """Train the model of fold ``f`` (records with id % 5 == f held out)."""
    _, _, _, ids = load()
    st = CACHE / f"{TAG}_fold{f}.pt"
    if not st.exists():
        train(np.flatnonzero(ids % 5 != f), SEED + f, st)


def stage_cv() -> None:
    """Every fold model (trained when missing) and the out-of-fold probabilities."""
    x, _, _, ids = load()
    fold = ids % 5
    oof = np.zeros((x.shape[0], 12, 4, x.shape[2]), np.float32)
    for f in range(5):
        st = CACHE / f"{TAG}_fold{f}.pt"
        if not st.exists():
            train(np.flatnonzero(fold != f), SEED + f, st)
        te = np.flatnonzero(fold == f)
        oof[te] = predict(st, net_inputs(x[te])).reshape(te.size, 12, 4, -1)
        log(f"fold {f} done")
    np.savez_compressed(CACHE / f"{TAG}_oof.npz", p=oof.astype(np.float16), ids=ids)
    log(f"out-of-fold probabilities -> {CACHE / f'{TAG}_oof.npz'}")


def stage_final() -> None:
    x, *_ = load()
    train(np.arange(x.shape[0]), SEED + 99, CACHE / f"{TAG}_final.pt")


def stage_export() -> None:
    import torch

    if CTX:
        raise SystemExit("CTX=1 models are evaluated out of fold only: cardiokit feeds the network one lead")
    net = build()
    net.load_state_dict(torch.load(CACHE / f"{TAG}_final.pt"))
    net.eval()
    path = MODEL_DIR / "delineator_ludb.onnx"
    dummy = torch.zeros(12, 1, 2512)
    torch.onnx.export(net, (dummy,), str(path), input_names=["ecg"], output_names=["logits"],
                      dynamic_axes={"ecg": {0: "leads", 2: "samples"}, "logits": {0: "leads", 2: "samples"}},
                      opset_version=17, dynamo=False)
    import onnxruntime as ort

    xt = np.random.default_rng(0).normal(size=(3, 1, 2512)).astype(np.float32)
    with torch.no_grad():
        ref = net(torch.from_numpy(xt)).numpy()
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"ecg": xt})[0]
    log(f"exported {path} ({path.stat().st_size} bytes), max |torch - onnx| = {np.abs(ref - got).max():.2e}")


def stage_card() -> None:
    """Model card (json + md) of the exported model; metrics from CACHE/metrics.json
    (written from the benchmark's out-of-fold and QT Database numbers)."""
    import json
    from datetime import date

    from training._cards import write_card_md

    from cardiokit.models.cards import sha256_file

    onnx = "delineator_ludb.onnx"
    mpath = CACHE / "metrics.json"
    metrics = json.loads(mpath.read_text()) if mpath.exists() else {}
    card = {
        "name": "cardiokit-delineator-ludb",
        "version": VERSIONS.get(TAG, "0.0.0"),
        "task": "per-sample segmentation of one ECG lead into other / P wave / QRS complex / T wave; "
                "cardiokit.ecg.delineate(method='unet') turns it into onset, peak and offset of each "
                "wave per beat and fuses the leads",
        "inputs": {
            "leads": "any single lead; 12 leads are run as one batch",
            "fs_hz": 250,
            "resampled_from": "any rate (block means for multiples of 250 Hz, else polyphase)",
            "preprocessing": "clean() band-pass 0.5-40 Hz (as in analyze), 0.5 Hz high-pass, "
                             "divided by the median 1-s peak-to-peak amplitude, clipped to +-8",
            "length": "any multiple of 16 samples; records longer than 20 s run in 10.24-s windows",
        },
        "labels": ["other", "p", "qrs", "t"],
        "data": {
            "training": "LUDB v1.0.1 (Kalyakulina et al. 2020), all 200 records x 12 leads, 10 s, 500 Hz, "
                        "per-lead expert boundaries; loss masked outside each lead's annotated span",
            "n_records": 200,
            "split": "5-fold cross-validation by record (fold = record id mod 5; one record per "
                     "subject): every record has an out-of-fold prediction; the shipped model is "
                     "retrained on all 200 records with the same recipe",
            "external": "QT Database sel100, sel16265, sele0106 (q1c), never used for training or "
                        "tuning; the other QT Database records are reserved and were not used",
            "augmentation": "random 8.2-s crops, time stretch 0.85-1.15, polarity flip, amplitude "
                            "0.6-1.6, Gaussian and slow-wander noise, 30 % uncleaned input"
                            + ("; v2: smooth non-uniform time warp, muscle-like noise bursts, faster "
                               "and larger baseline wander" if AUG == "v2" else ""),
        },
        "architecture": {
            "type": "1-D U-Net (Ronneberger et al. 2015): stride-2 stem, encoder channels "
                    + ",".join(str(c) for c in CHANNELS) + f", kernel {KERNEL}, BatchNorm+ReLU, "
                    "nearest up-sampling with concatenated skips, logits linearly up-sampled to 250 Hz",
            "parameters": int(sum(p.numel() for p in build().parameters())),
            "epochs": EPOCHS,
            "recipe": f"TAG={TAG} AUG={AUG} EPOCHS={EPOCHS} CHANNELS={','.join(map(str, CHANNELS))} "
                      f"KERNEL={KERNEL} seed {SEED} (+ fold, + 99 for the final model)",
        },
        "metrics": metrics,
        "license": "model weights Apache-2.0 (cardiokit); trained on LUDB, Open Data Commons "
                   "Attribution License v1.0 (ODC-By 1.0) - attribution required: Kalyakulina AI et "
                   "al., IEEE Access 8:186181 (2020); PhysioNet doi:10.13026/eegm-h675",
        "files": {onnx: sha256_file(MODEL_DIR / onnx)},
        "onnx_file": onnx,
        "trained": date.today().isoformat(),
        "script": "training/train_delineator.py",
    }
    path = MODEL_DIR / "delineator_ludb.json"
    path.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n")
    write_card_md(path)
    log(f"card -> {path}")


if __name__ == "__main__":
    stages = {"cache": stage_cache, "cv": stage_cv, "final": stage_final, "export": stage_export,
              "card": stage_card}
    for s in sys.argv[1:] or ["cache", "cv", "final", "export", "card"]:
        if s.startswith("fold"):  # fold0 .. fold4: one fold model (run several at once)
            stage_fold(int(s[4:]))
        else:
            stages[s]()
