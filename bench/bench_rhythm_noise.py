"""Rhythm classification under noise: the report's rhythm class on CinC 2017 strips with
nstdb muscle and baseline-wander noise added.

    .venv/bin/python -m bench.bench_rhythm_noise [--no-write]

The 600 shared CinC 2017 records (never used for training or tuning) through
``cardiokit.analyze`` as recorded and with noise from the *second* half of the nstdb noise
records (``ma`` muscle artefact, ``bw`` baseline wander; the first half trained the quality
model; the shared data hold no ``em`` record) at 12, 6 and 0 dB (nstdb SNR definition, on the record's own
beats). Scored: the CinC score (mean F1 of N, A, O) of ``rhythm.label`` (none: ``~``), the F1
of N, A and O, and how many records are answered ``noisy``. The records are already noisy
handheld strips, so the SNR is added to their own noise. None of the peers ships a trained
rhythm classifier (the NeuroKit2 baseline of ``bench_rhythm`` is a classifier trained here on
its HRV features), so there is no peer column.

Writes the section "Rhythm under noise (CinC 2017)" of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import platform
import time

import numpy as np
from training import _noise as NZ
from training import _rhythm_data as D

from bench._common import today, write_section

KINDS = ("ma", "bw")
SNRS = (12.0, 6.0, 0.0)
IDX = {"N": 0, "A": 1, "O": 2, "~": 3}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true", help="print only")
    args = ap.parse_args(argv)
    import cardiokit
    from cardiokit.ecg.qrs import detect_beats_array

    with open(D.SHARED_DIR / "labels.csv") as f:
        rows = list(csv.DictReader(f))
    y = np.asarray([IDX[r["label"]] for r in rows])
    t0 = time.time()
    recs = [cardiokit.read(str(D.SHARED_DIR / f"{r['record']}.hea")) for r in rows]
    beats = [detect_beats_array(rec.signals[:, :1].astype(np.float64), fs_hz=rec.fs)[0] for rec in recs]
    conditions = [("as recorded", None, None)] + [(f"{k} {s:g} dB", k, s) for k in KINDS for s in SNRS]
    lines = []
    for name, kind, snr in conditions:
        rng = np.random.default_rng(2017)
        pred = np.zeros(y.size, np.int64)
        for i, (rec, b) in enumerate(zip(recs, beats, strict=True)):
            x = rec.signals[:, 0].astype(np.float64)
            if kind is not None:
                x = NZ.add_noise(x, b, rec.fs, kind, snr, rng, "test")
            label = cardiokit.analyze(rec.replace(signals=x[:, None].astype(np.float32))).rhythm.label
            pred[i] = 3 if label is None else {"normal": 0, "af": 1, "other": 2, "noisy": 3}[label]
        f = D.cinc_f1(y, pred)
        lines.append(f"| {name} | **{f['score']:.3f}** | {f['N']:.3f} | {f['A']:.3f} | {f['O']:.3f} | "
                     f"{int((pred == 3).sum())} |")
        print(lines[-1], flush=True)
    body = [
        f"Command: `.venv/bin/python -m bench.bench_rhythm_noise` ({today()}, {time.time() - t0:.0f} s; "
        f"python {platform.python_version()}, cardiokit {cardiokit.__version__}, numpy {np.__version__}).",
        "",
        " ".join(__doc__.split("\n\n")[2].split()),  # the method paragraph
        "",
        "| condition | CinC score (`rhythm.label`) | F1 N | F1 A | F1 O | answered noisy (of 600; 50 labelled `~`) |",
        "|---|---|---|---|---|---|",
        *lines,
    ]
    text = "\n".join(body)
    print(text)
    if not args.no_write:
        write_section("Rhythm under noise (CinC 2017)", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
