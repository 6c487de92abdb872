"""Agreement of cardiokit's measurements with the ECG device's own, on vendor files.

Usage: ``.venv/bin/python -m bench.bench_device_agreement``

Every file in ../shared/data/ecg_formats whose reader finds stored device measurements
(GE MUSE, Philips Sierra, Schiller, HL7 aECG, DICOM) is analysed with
``cardiokit.analyze``; each measurement is printed next to the device's value and the
difference. The MUSE file is synthetic (generator output), so its "device" values are
the generator's nominal settings, not a device's measurement. Results go to
docs/BENCHMARKS.md, section "Device measurement agreement".
"""

from __future__ import annotations

import logging
import sys

import numpy as np

import cardiokit

from ._common import data_path, markdown_table, today, versions, write_section

KEYS = (
    "heart_rate_bpm", "rr_ms", "p_duration_ms", "pr_ms", "qrs_ms", "qt_ms", "qtc_ms",
    "p_axis_deg", "qrs_axis_deg", "t_axis_deg",
)
# IEC 60601-2-25 style limits for the mean difference (ms) where one exists
LIMITS = {"pr_ms": 10, "qrs_ms": 10, "qt_ms": 25, "p_duration_ms": 10}


def main() -> int:
    logging.disable(logging.WARNING)
    root = data_path("ecg_formats")
    rows, diffs = [], {k: [] for k in KEYS}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in (".xml", ".dcm")):
        try:
            rec = cardiokit.read(path)
        except cardiokit.CardiokitError as exc:
            print(f"skip {path.name}: {exc}", file=sys.stderr)
            continue
        device = dict(rec.meta.get("device_measurements") or {})
        if not device:
            continue
        ours = cardiokit.analyze(rec).measurements
        for key in KEYS:
            if key not in device:
                continue
            mine = ours.get(key)
            diff = None if mine is None else float(mine) - float(device[key])
            if diff is not None:
                diffs[key].append(diff)
            rows.append([
                f"{path.parent.name}/{path.name}", rec.meta.get("format"), key, f"{device[key]:g}",
                "-" if mine is None else f"{mine:.0f}", "-" if diff is None else f"{diff:+.0f}",
            ])
    summary = []
    for key, d in diffs.items():
        if d:
            arr = np.asarray(d)
            lim = LIMITS.get(key)
            summary.append([key, len(d), f"{arr.mean():+.1f} ± {arr.std(ddof=1) if len(d) > 1 else 0:.1f}",
                            f"{np.abs(arr).max():.0f}", f"±{lim}" if lim else "-"])
    v = versions(["cardiokit", "numpy", "scipy"])
    body = (
        f"Command: `.venv/bin/python -m bench.bench_device_agreement` ({today()}; "
        + ", ".join(f"{k} {x}" for k, x in v.items())
        + ").\n\nEvery shared vendor file with stored device measurements "
        "(`meta[\"device_measurements\"]`), analysed by `cardiokit.analyze`. The MUSE file is "
        "synthetic (its values are the generator's settings). Few files: read this as a sanity "
        "check of the readers and the measurement chain, not as a validation.\n\n"
        "### Summary (cardiokit − device)\n\n"
        + markdown_table(["measurement", "files", "mean ± SD", "max |diff|", "IEC mean limit (ms)"], summary)
        + "\n\n### Per file\n\n"
        + markdown_table(["file", "format", "measurement", "device", "cardiokit", "diff"], rows)
    )
    write_section("Device measurement agreement", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
