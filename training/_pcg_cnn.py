"""Channel-robust log-mel CNN for heart sounds on unseen sites: stage ``cnn`` of train_pcg.py
(leave-one-database-out evaluation only; not shipped, docs/MODELS.md "Heart sounds", Tried).

A site's stethoscope multiplies the spectrum by its frequency response: an offset per band
in log-mel. The variants (declared before their results) normalise the log-mel per band
over the recording (``cmvn``: mean and SD, cepstral mean and variance normalisation;
``cmn``: mean only, one global SD), and ``_aug`` trains with random channels (smooth gain
curve over the bands, high- and low-pass responses, gain, coloured noise, time stretch; all
applied to the cached log-mel, the filters as their magnitude at the band centres). Every
(database, class) group of the training databases draws the same number of windows per
epoch; 2-s windows from the S1 onsets (at most 16 per recording, evenly spaced, at test).

Protocol (every choice without the held-out database): for each held-out database d, the
epoch (checkpoint of CHECKPOINTS, by the mean inner AUC) and the threshold (by the mean
inner MAcc) come from an inner leave-one-database-out on the three training databases
(train on two, predict the third); the model trained on the three is applied once to d.
Declared combination: the mean of the robust vote's probability (stage robust) and
``cmvn_aug``'s.

References: Viikki O, Laurila K. Cepstral domain segmental feature vector normalization for
noise robust speech recognition. Speech Commun 25:133-147 (1998). Potes C et al. CinC
43:621-624 (2016) (log-mel CNN on cardiac cycles).
"""

from __future__ import annotations

import time

import numpy as np

from cardiokit.pcg._inputs import CNN_FRAMES, cycle_starts
from cardiokit.pcg.features import MEL_BANDS
from cardiokit.pcg.segment import HeartRateEstimate, HeartSoundSegmentation

#: Variants: (per-band SD normalisation, random channels in training).
VARIANTS = {"cmvn": (True, False), "cmvn_aug": (True, True), "cmn_aug": (False, True)}
#: Epochs at which the held-out probabilities are recorded (the inner LODO picks one).
CHECKPOINTS = (2, 4, 7, 10, 14)
WINDOWS_PER_EPOCH = 3072
#: Windows drawn from one (augmented) recording per draw.
PER_RECORD = 4
#: Windows per recording at test time (evenly spaced over the S1 onsets).
MAX_WINDOWS = 16
SEED = 2016
_LN_DB = np.log(10.0) / 10.0  # natural-log power units per dB


def band_centres_hz() -> np.ndarray:
    """Centre frequencies of the log-mel bands (cardiokit.pcg.features.log_mel, 25-400 Hz)."""
    def mel(f: np.ndarray | float) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    return hz(np.linspace(mel(25.0), mel(400.0), MEL_BANDS + 2))[1:-1]


_FC = band_centres_hz()


def normalise(lm: np.ndarray, per_band_sd: bool) -> np.ndarray:
    """Log-mel minus each band's mean over the recording, divided by each band's SD
    (``per_band_sd``) or by the SD of the whole centred log-mel."""
    c = lm - lm.mean(axis=0, keepdims=True)
    return c / ((c.std(axis=0, keepdims=True) if per_band_sd else c.std()) + 1e-3)


def windows(z: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``(n, 1, MEL_BANDS, CNN_FRAMES)`` float32 windows of ``z`` (edge-padded if short)."""
    if z.shape[0] < CNN_FRAMES:
        z = np.pad(z, ((0, CNN_FRAMES - z.shape[0]), (0, 0)), mode="edge")
    idx = np.asarray(starts)[:, None] + np.arange(CNN_FRAMES)[None, :]
    return np.ascontiguousarray(z[idx].transpose(0, 2, 1)[:, None]).astype(np.float32)


def spaced(starts: np.ndarray, n: int = MAX_WINDOWS) -> np.ndarray:
    """At most ``n`` of ``starts``, evenly spaced (first and last kept)."""
    if starts.size <= n:
        return starts
    return starts[np.round(np.linspace(0, starts.size - 1, n)).astype(int)]


def random_channel(lm: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """(log-mel through a random channel, time-stretch factor).

    Smooth gain curve over the bands (three cosines, 6-10 dB at its extreme), 2nd-order
    Butterworth high-pass 20-80 Hz and low-pass 150-400 Hz magnitudes at the band centres,
    gain +-10 dB; with probability 0.7 coloured noise (power ~ f^-alpha, alpha 0-2) at 5-30 dB
    SNR added in power; time stretch 0.9-1.1 by linear interpolation of the frames.
    """
    b = np.arange(MEL_BANDS) / (MEL_BANDS - 1)
    curve = sum(rng.normal() * np.cos(np.pi * k * b) for k in (1, 2, 3))
    curve = curve / (np.abs(curve).max() + 1e-9) * rng.uniform(6.0, 10.0)
    hp = rng.uniform(20.0, 80.0)
    lp = rng.uniform(150.0, 400.0)
    resp = 10 * np.log10((_FC / hp) ** 4 / (1 + (_FC / hp) ** 4)) + 10 * np.log10(1 / (1 + (_FC / lp) ** 4))
    gain = rng.uniform(-10.0, 10.0)
    x = lm + _LN_DB * (curve + resp + gain)[None, :]
    if rng.random() < 0.7:
        alpha = rng.uniform(0.0, 2.0)
        shape = (_FC / 100.0) ** -alpha
        npow = np.exp(x).mean() / 10 ** (rng.uniform(5.0, 30.0) / 10) * shape / shape.mean()
        x = np.log(np.exp(x) + npow[None, :] * rng.gamma(4.0, 0.25, size=x.shape) + 1e-8)
    r = rng.uniform(0.9, 1.1)
    if abs(r - 1) > 1e-3:
        n = x.shape[0]
        src = np.linspace(0, n - 1, max(round(n * r), CNN_FRAMES))
        i0 = np.floor(src).astype(int)
        i1 = np.minimum(i0 + 1, n - 1)
        f = (src - i0)[:, None]
        x = x[i0] * (1 - f) + x[i1] * f
    return x, r


def make_cnn():
    """Four conv blocks (12-24-32-48 channels), global average pooling, one logit: 24 k weights."""
    import torch
    from torch import nn

    def block(cin: int, cout: int) -> list:
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

    torch.manual_seed(SEED)
    return nn.Sequential(
        *block(1, 12), nn.MaxPool2d(2),
        *block(12, 24), nn.MaxPool2d(2),
        *block(24, 32), nn.MaxPool2d((1, 2)),
        *block(32, 48),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(48, 1),
    )


class Pool:
    """Log-mel, S1-onset window starts, labels and databases of the cached training pool, and
    the variant's input construction."""

    def __init__(self, pool: dict[str, list], variant: str) -> None:
        self.per_band_sd, self.augment = VARIANTS[variant]
        self.lm = [np.asarray(a, dtype=np.float64) for a in pool["lm"]]
        self.starts = [cycle_starts(HeartSoundSegmentation(s, 50.0, HeartRateEstimate(60.0, 0.3, 0.5)), a.shape[0])
                       for s, a in zip(pool["states"], self.lm, strict=True)]
        self.y = np.asarray(pool["y"])
        self.db = np.asarray(pool["db"])
        self._eval: dict[int, np.ndarray] = {}

    def eval_windows(self, i: int) -> np.ndarray:
        """The test windows of recording ``i``."""
        if i not in self._eval:
            self._eval[i] = windows(normalise(self.lm[i], self.per_band_sd), spaced(self.starts[i]))
        return self._eval[i]


def predict(net, data: Pool, idx: np.ndarray) -> np.ndarray:
    """Probability of abnormal per recording: sigmoid of the mean window logit."""
    import torch

    out = np.zeros(idx.size)
    net.eval()
    with torch.no_grad():
        for k, i in enumerate(idx):
            out[k] = 1 / (1 + np.exp(-float(net(torch.from_numpy(data.eval_windows(int(i)))).mean())))
    return out


def train_cnn(data: Pool, tr: np.ndarray, te: np.ndarray, tag: str) -> dict[int, np.ndarray]:
    """Train on records ``tr`` (AdamW 1e-3, constant rate, seeded); probabilities of the
    records ``te`` at every checkpoint."""
    import torch
    from training.train_pcg import log

    torch.set_num_threads(1)
    rng = np.random.default_rng(SEED)
    net = make_cnn()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-3)
    lossf = torch.nn.BCEWithLogitsLoss()
    groups = [tr[(data.db[tr] == d) & (data.y[tr] == c)] for d in sorted(set(data.db[tr].tolist()))
              for c in (0, 1)]
    groups = [g for g in groups if g.size]
    per_group = WINDOWS_PER_EPOCH // PER_RECORD // len(groups)
    res: dict[int, np.ndarray] = {}
    t0 = time.time()
    for ep in range(1, max(CHECKPOINTS) + 1):
        recs = np.concatenate([rng.choice(g, size=per_group, replace=True) for g in groups])
        rng.shuffle(recs)
        xs, ys = [], []
        for i in recs:
            lm, st = data.lm[i], data.starts[i]
            if data.augment:
                lm, r = random_channel(lm, rng)
                st = np.minimum(np.round(st * r).astype(int), max(lm.shape[0] - CNN_FRAMES, 0))
            pick = rng.choice(st, size=PER_RECORD, replace=st.size < PER_RECORD)
            pick = np.clip(pick + rng.integers(-3, 4, size=PER_RECORD), 0, max(lm.shape[0] - CNN_FRAMES, 0))
            xs.append(windows(normalise(lm, data.per_band_sd), pick))
            ys.append(np.full(PER_RECORD, data.y[i], dtype=np.float32))
        X, Y = np.concatenate(xs), np.concatenate(ys)
        order = rng.permutation(Y.size)
        net.train()
        tot = 0.0
        for b in range(0, Y.size, 64):
            j = order[b : b + 64]
            loss = lossf(net(torch.from_numpy(X[j])).reshape(-1), torch.from_numpy(Y[j]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += float(loss.detach()) * j.size
        if ep in CHECKPOINTS:
            res[ep] = predict(net, data, te)
            log(f"{tag} epoch {ep}: loss {tot / Y.size:.4f} ({time.time() - t0:.0f} s)")
    return res


def lodo_outputs(data: Pool, databases: tuple[str, ...], tag: str) -> dict[str, np.ndarray]:
    """Held-out probabilities at every checkpoint: ``outer_{d}_{epoch}`` (trained on the other
    databases) and ``inner_{d}_{e}_{epoch}`` (trained without d and e, tested on e)."""
    db = data.db
    out: dict[str, np.ndarray] = {}
    for d in databases:
        for e in (x for x in databases if x != d):
            r = train_cnn(data, np.flatnonzero((db != d) & (db != e)), np.flatnonzero(db == e),
                          f"{tag} without {d}, held-out {e}")
            out.update({f"inner_{d}_{e}_{ep}": p for ep, p in r.items()})
        r = train_cnn(data, np.flatnonzero(db != d), np.flatnonzero(db == d), f"{tag} held-out {d}")
        out.update({f"outer_{d}_{ep}": p for ep, p in r.items()})
    return out


# -- evaluation ------------------------------------------------------------------------------
GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)


def vote_lodo(X: np.ndarray, y: np.ndarray, db: np.ndarray, databases: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The robust vote's (stage robust, margin 0) held-out probabilities, keyed as
    :func:`lodo_outputs` without the epoch."""
    from training.train_pcg import FIT_VOTE, vote_proba

    out = {}
    for d in databases:
        for e in (x for x in databases if x != d):
            m = (db != d) & (db != e)
            out[f"inner_{d}_{e}"] = vote_proba(FIT_VOTE(X[m], y[m], db[m], min_margin=0.0), X[db == e])
        out[f"outer_{d}"] = vote_proba(FIT_VOTE(X[db != d], y[db != d], db[db != d], min_margin=0.0), X[db == d])
    return out


def pick_threshold(ys: list[np.ndarray], ps: list[np.ndarray]) -> float:
    """Threshold of GRID maximising the mean MAcc over the (labels, probabilities) pairs."""
    from training.train_pcg import scores

    macc = [np.mean([scores(a, b, t)["macc"] for a, b in zip(ys, ps, strict=True)]) for t in GRID]
    return float(GRID[int(np.argmax(macc))])


def pick_epoch(ys: list[np.ndarray], probs: dict) -> int | None:
    """Checkpoint (key of ``probs``) maximising the mean AUC over the (labels, probabilities)
    pairs; the first of equals."""
    from sklearn.metrics import roc_auc_score

    auc = {ep: np.mean([roc_auc_score(a, b) for a, b in zip(ys, ps, strict=True)]) for ep, ps in probs.items()}
    return max(auc, key=auc.get)


def lodo_scores(y: np.ndarray, db: np.ndarray, databases: tuple[str, ...], inner, outer,
                checkpoints: tuple = CHECKPOINTS) -> dict[str, dict]:
    """Held-out scores per database, epoch and threshold by the inner leave-one-database-out:
    ``inner(d, e, epoch)`` / ``outer(d, epoch)`` give probabilities."""
    from training.train_pcg import scores

    res = {}
    for d in databases:
        rest = [e for e in databases if e != d]
        ys = [y[db == e] for e in rest]
        ep = pick_epoch(ys, {c: [inner(d, e, c) for e in rest] for c in checkpoints})
        thr = pick_threshold(ys, [inner(d, e, ep) for e in rest])
        res[d] = {**scores(y[db == d], outer(d, ep), thr), "threshold": thr, "epoch": ep}
    return res


def stage_cnn() -> None:
    """Leave-one-database-out of the variants and of the declared combination (robust vote +
    ``cmvn_aug``); held-out probabilities cached in CACHE/cnn_channel_<variant>.npz, the
    scores written to CACHE/cnn_channel_lodo.json."""
    import json

    from training.train_pcg import CACHE, DATABASES, load_pool, log, pool_matrix, records

    pool = load_pool(records())
    X, y, db = pool_matrix(pool), np.asarray(pool["y"]), np.asarray(pool["db"])
    vp = vote_lodo(X, y, db, DATABASES)
    res = {"robust": lodo_scores(y, db, DATABASES, lambda d, e, ep: vp[f"inner_{d}_{e}"],
                                 lambda d, ep: vp[f"outer_{d}"], (None,))}
    for v in VARIANTS:
        f = CACHE / f"cnn_channel_{v}.npz"
        if not f.is_file():
            np.savez(f, **lodo_outputs(Pool(pool, v), DATABASES, v))
        z = dict(np.load(f))
        res[v] = lodo_scores(y, db, DATABASES, lambda d, e, ep, z=z: z[f"inner_{d}_{e}_{ep}"],
                             lambda d, ep, z=z: z[f"outer_{d}_{ep}"])
        if v == "cmvn_aug":
            res["robust+cmvn_aug"] = lodo_scores(
                y, db, DATABASES, lambda d, e, ep, z=z: (vp[f"inner_{d}_{e}"] + z[f"inner_{d}_{e}_{ep}"]) / 2,
                lambda d, ep, z=z: (vp[f"outer_{d}"] + z[f"outer_{d}_{ep}"]) / 2)
    for k, r in res.items():
        r["mean_macc"] = round(float(np.mean([r[d]["macc"] for d in DATABASES])), 4)
        r["mean_auc"] = round(float(np.mean([r[d]["auc"] for d in DATABASES])), 4)
        log(f"{k}: LODO mean MAcc {r['mean_macc']:.3f} AUC {r['mean_auc']:.3f}; " + "; ".join(
            f"{d} {r[d]['macc']:.3f} / {r[d]['auc']:.3f} (t {r[d]['threshold']}, epoch {r[d]['epoch']})"
            for d in DATABASES))
    (CACHE / "cnn_channel_lodo.json").write_text(json.dumps(res, indent=1) + "\n")
