"""Speed of the whole ``cardiokit.analyze`` chain, per stage, next to NeuroKit2.

Usage: ``.venv/bin/python -m bench.bench_analyze [--repeat 7]``

Times ``cardiokit.analyze`` (quality screen, clean, beats, learned quality, delineate,
measure, morphology, rhythm model, statements; reading excluded) on 10-s 12-lead 500 Hz
LUDB records, median over repeats per stage from ``Report.timing_ms``, and NeuroKit2's
``ecg_process`` on each of the 12 leads of the same records, in the same run. Results go
to docs/BENCHMARKS.md, section "Speed of the whole analyze chain".
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings

import numpy as np

import cardiokit

from ._common import data_path, markdown_table, today, versions, write_section


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--records", nargs="*", default=["1", "2", "3"])
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    import neurokit2 as nk

    stage_rows: dict[str, list[float]] = {}
    nk_ms = []
    for name in args.records:
        rec = cardiokit.read(data_path("ludb", "data", name))
        cardiokit.analyze(rec)  # warm-up: model sessions, filter caches
        for _ in range(args.repeat):
            t = cardiokit.analyze(rec).timing_ms
            for k, v in t.items():
                stage_rows.setdefault(k, []).append(float(v))
        t0 = time.perf_counter()
        for j in range(rec.n_channels):
            nk.ecg_process(np.asarray(rec.signals[:, j], float), sampling_rate=int(rec.fs))
        nk_ms.append((time.perf_counter() - t0) * 1000.0)
    med = {k: float(np.median(v)) for k, v in stage_rows.items()}
    total = med.pop("total")
    core = sum(med.get(k, 0.0) for k in ("quality", "clean", "beats", "delineate", "measure"))
    nk = float(np.median(nk_ms))
    rows = [[k, f"{v:.1f}"] for k, v in med.items()]
    rows.append(["**total analyze**", f"**{total:.1f}**"])
    summary = [
        ["ECG core (screen, clean, beats, delineate, measure)", f"{core:.1f}", f"{nk:.0f}", f"{nk / core:.0f}x"],
        ["whole analyze (+ learned quality, morphology, rhythm model, statements)", f"{total:.1f}",
         f"{nk:.0f}", f"{nk / total:.0f}x"],
    ]
    v = versions(["cardiokit", "neurokit2", "numpy", "scipy", "onnxruntime"])
    body = (
        f"Command: `.venv/bin/python -m bench.bench_analyze` ({today()}; "
        + ", ".join(f"{k} {x}" for k, x in v.items())
        + f"). LUDB records {', '.join(args.records)} (10 s, 12 leads, 500 Hz); medians over "
        f"{args.repeat} runs per record after a warm-up; NeuroKit2 = `ecg_process` on each of the 12 "
        "leads, same run, same machine (2 shared cores).\n\n"
        + markdown_table(["chain", "cardiokit ms", "NeuroKit2 ms", "ratio"], summary)
        + "\n\nPer stage (ms, median):\n\n"
        + markdown_table(["stage", "ms"], rows)
        + "\n\nThe learned per-segment quality model runs two beat detectors per lead for its "
        "beat-agreement index and the rhythm model runs on up to 3 leads; together they take most "
        "of the time. The >= 100x promise holds for neither chain yet (see the closing notes).\n"
    )
    write_section("Speed of the whole analyze chain", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
