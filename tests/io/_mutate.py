"""Helpers shared by the conformance, mutation tests and bench/fuzz.py: copy a sample
record (with companion files) to a scratch folder and damage it."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from cardiokit import Channel, Recording


def companions(path: Path) -> list[Path]:
    """The file plus every file in its folder sharing its stem (WFDB .hea/.dat/annotations)."""
    p = Path(path)
    stem = p.name.split(".")[0]
    folder = p.parent
    files = [f for f in folder.iterdir() if f.is_file() and f.name.split(".")[0] == stem]
    if p.is_file() and p not in files:
        files.append(p)
    return files


def copy_record(path: Path, dest: Path) -> Path:
    """Copy a record and its companions into ``dest``; return the copied main path."""
    dest.mkdir(parents=True, exist_ok=True)
    for f in companions(path):
        shutil.copy2(f, dest / f.name)
    return dest / Path(path).name


def data_file(path: Path) -> Path:
    """The file whose damage matters most: the largest of the record's files."""
    files = companions(path)
    return max(files, key=lambda f: f.stat().st_size)


def synthetic_recording(spec: dict | bool) -> Recording:
    """A generated recording matching a SAMPLES ``synthetic`` spec (True = 3-lead ECG)."""
    cfg = spec if isinstance(spec, dict) else {}
    names = cfg.get("channels", ["I", "II", "V1"])
    kind = cfg.get("kind", "ecg")
    unit = cfg.get("unit", "mV")
    fs = cfg.get("fs", 500.0)
    n = int(cfg.get("duration_s", 4.0) * fs)
    amp = cfg.get("amplitude", 1.5)
    t = np.arange(n) / fs
    rng = np.random.default_rng(7)
    cols = []
    for i, _ in enumerate(names):
        x = amp * (0.6 * np.sin(2 * np.pi * (1.1 + 0.3 * i) * t) + 0.3 * np.sin(2 * np.pi * 7.3 * t + i))
        x += 0.05 * amp * rng.standard_normal(n)
        cols.append(np.clip(x, -amp, amp))
    sig = np.stack(cols, axis=1).astype(np.float32)
    return Recording(sig, fs, tuple(Channel(nm, kind, unit) for nm in names), meta={})


def apply_mutation(raw: bytes, m: tuple) -> bytes:
    """Apply one mutation drawn from ``mutation`` to file bytes."""
    kind = m[0]
    if kind == "truncate":
        return raw[: int(len(raw) * m[1])]
    buf = bytearray(raw)
    if kind == "flip" and buf:
        for pos, x in m[1]:
            i = min(int(pos * len(buf)), len(buf) - 1)
            buf[i] ^= x
        return bytes(buf)
    if kind == "head_flip" and buf:
        for pos, x in m[1]:
            buf[pos % len(buf)] ^= x
        return bytes(buf)
    if kind == "lines":
        lines = raw.split(b"\n")
        head = lines[:40]
        rnd = m[1]
        if rnd.random() < 0.5:
            rnd.shuffle(head)
        elif head:
            del head[rnd.randrange(len(head))]
        return b"\n".join(head + lines[40:])
    if kind == "insert":
        i = int(m[1] * len(raw))
        return raw[:i] + m[2] + raw[i:]
    return raw
