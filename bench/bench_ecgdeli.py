"""ECGdeli (Pilia et al., SoftwareX 2021) next to cardiokit on LUDB and the shared QT Database records.

Run: ``.venv/bin/python -m bench.bench_ecgdeli [--records N] [--no-write]``.

ECGdeli is a MATLAB toolbox; here it runs unmodified under GNU Octave 7 (Debian packages
``octave`` and ``octave-signal``; ``make bench-deps`` installs them) with small shims in
bench/ecgdeli_octave/ for the MATLAB toolbox functions Octave lacks or implements
differently (``swt``, ``wextend``, MATLAB-default ``findpeaks``/``median``/``quantile`` on
empty input, ``pca``, ``mahal``, ``fspecial``, ``zp2sos`` row layout, ``nanmean``, ``smooth``).
The ECGdeli source is taken from a local clone (``--ecgdeli DIR``, default: the fetched
mirror of github.com/KIT-IBT/ECGdeli); nothing is downloaded.

Chain as in ECGdeli's own example: baseline removal, 1-40 Hz band-pass, 50 Hz notch, isoline
correction, ``Annotate_ECG_Multi`` (its own R-peak detection). Scoring is that of
bench/bench_delineation.py (nearest detection within 150 ms; PPV inside each lead's
annotated span); cardiokit's default delineation runs on the same records in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.io
import wfdb

from bench._common import (
    data_path,
    load_wfdb,
    record_names,
    today,
    versions,
    write_section,
)
from bench.bench_delineation import LUDB_LEADS, SCORED, Tally, ours, parse_waves, table
from cardiokit.ecg import FIDUCIALS

SHIMS = Path(__file__).resolve().parent / "ecgdeli_octave"
MIRROR = Path("/work/.mirror/KIT-IBT+ECGdeli/repo")
#: FPT table columns (1-based in MATLAB) of ECGdeli for each scored boundary.
FPT_COLS = {"p_on": 1, "p_peak": 2, "p_off": 3, "qrs_on": 4, "qrs_off": 8, "t_on": 10, "t_peak": 11, "t_off": 12}

_SCRIPT = """
pkg load signal
addpath(genpath(fullfile('{src}', 'Filtering')));
addpath(genpath(fullfile('{src}', 'ECG_Processing')));
addpath('{shims}');
warning('off', 'all');
files = dir(fullfile('{work}', 'in_*.mat'));
for f = 1:numel(files)
  d = load(fullfile('{work}', files(f).name));
  t0 = tic;
  try
    [b, ~] = ECG_Baseline_Removal(d.sig, d.fs, 1, 0.5);
    x = ECG_High_Low_Filter(b, d.fs, 1, 40);
    x = Notch_Filter(x, d.fs, 50, 1);
    [x, ~, ~, ~] = Isoline_Correction(x);
    evalc('[multi, cells] = Annotate_ECG_Multi(x, d.fs);');
    per_lead = cells(:, 1).';
    ok = 1; msg = '';
  catch err
    multi = zeros(0, 13); per_lead = {{}}; ok = 0; msg = err.message;
  end
  elapsed = toc(t0);
  save('-v7', fullfile('{work}', strrep(files(f).name, 'in_', 'out_')), 'multi', 'per_lead', 'ok', 'msg', 'elapsed');
end
"""


def ecgdeli_source(arg: str | None) -> Path | None:
    if arg:
        return Path(arg)
    if MIRROR.exists():
        dst = Path(tempfile.gettempdir()) / "ecgdeli_src"
        if not dst.exists():
            subprocess.run(["git", "clone", "-q", str(MIRROR), str(dst)], check=True)
        return dst
    return None


def run_octave(src: Path, inputs: dict[str, tuple[np.ndarray, float]]) -> dict[str, dict]:
    """ECGdeli on each ``name -> (signals (n, ch), fs)``; returns the loaded result per name."""
    work = Path(tempfile.mkdtemp(prefix="ecgdeli_"))
    try:
        for name, (sig, fs) in inputs.items():
            scipy.io.savemat(work / f"in_{name}.mat", {"sig": sig.astype(float), "fs": float(fs)})
        script = work / "run.m"
        script.write_text(_SCRIPT.format(src=src, shims=SHIMS, work=work))
        subprocess.run(["octave", "--no-gui", "--quiet", str(script)], check=True, capture_output=True,
                       env={**os.environ, "OMP_NUM_THREADS": "1"})
        out = {}
        for name in inputs:
            z = scipy.io.loadmat(work / f"out_{name}.mat", squeeze_me=False)
            out[name] = z
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fpt_points(fpt: np.ndarray) -> dict[str, np.ndarray]:
    """0-based sample indices per boundary from an ECGdeli FPT table (0 = not found)."""
    fpt = np.asarray(fpt)
    if fpt.ndim != 2 or fpt.shape[0] == 0:
        return {k: np.zeros(0, np.int64) for k in SCORED}
    return {k: fpt[:, c - 1][fpt[:, c - 1] > 0].astype(np.int64) - 1 for k, c in FPT_COLS.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=40, help="LUDB held-out records to use (every k-th; 160 max)")
    ap.add_argument("--ecgdeli", help="ECGdeli source folder (default: the fetched mirror)")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    src = ecgdeli_source(args.ecgdeli)
    if src is None or shutil.which("octave") is None:
        raise SystemExit("ECGdeli source or octave not available (see the module docstring)")

    held = [n for n in record_names("ludb") if int(Path(n).name) % 5 != 1]
    step = max(1, len(held) // max(1, args.records))
    names = held[::step][: args.records]
    full = {Path(n).name: n for n in names}
    recs = {k: load_wfdb(data_path("ludb", n), annotator=None) for k, n in full.items()}
    t0 = time.perf_counter()
    res = run_octave(src, {k: (r.signals, r.fs) for k, r in recs.items()})
    octave_wall = time.perf_counter() - t0
    methods = ("cardiokit rules", "cardiokit rules global", "ECGdeli", "ECGdeli global")
    tallies = {m: Tally() for m in methods}
    failed, t_ours, t_deli = [], 0.0, 0.0
    for name, rec in recs.items():
        z = res[name]
        t_deli += float(np.asarray(z["elapsed"]).ravel()[0])
        if int(np.asarray(z["ok"]).ravel()[0]) != 1:
            failed.append(name)
        t1 = time.perf_counter()
        dl, _ = ours(rec.signals, rec.fs, rec.sig_names)
        t_ours += time.perf_counter() - t1
        per_lead = z["per_lead"].ravel() if z["per_lead"].size else []
        multi = fpt_points(z["multi"])
        path = data_path("ludb", full[name])
        for j, lead in enumerate(LUDB_LEADS):
            ann = wfdb.rdann(str(path), lead)
            ref = parse_waves(np.asarray(ann.sample), tuple(ann.symbol))
            span = (int(ann.sample.min()), int(ann.sample.max()))
            lead_pts = fpt_points(per_lead[j]) if len(per_lead) > j else fpt_points(np.zeros((0, 13)))
            dets = {"cardiokit rules": {k: dl.lead(j)[:, FIDUCIALS.index(k)] for k in SCORED},
                    "cardiokit rules global": {k: dl.global_[:, FIDUCIALS.index(k)] for k in SCORED},
                    "ECGdeli": lead_pts, "ECGdeli global": multi}
            for m in methods:
                for k in SCORED:
                    tallies[m].add(k, ref[k], dets[m][k], rec.fs, span)

    # QT Database: the annotated stretch of each shared record (+-2 s)
    q_tallies = {m: Tally() for m in methods}
    q_inputs, q_refs, q_offsets = {}, {}, {}
    for name in ("sel100", "sel16265", "sele0106"):
        rec = load_wfdb(data_path("qtdb", name), annotator="q1c")
        a = max(0, int(rec.ann_sample.min() - 2 * rec.fs))
        b = min(rec.signals.shape[0], int(rec.ann_sample.max() + 2 * rec.fs))
        q_inputs[name] = (rec.signals[a:b], rec.fs)
        q_refs[name] = (parse_waves(rec.ann_sample - a, rec.ann_symbol), rec)
        q_offsets[name] = a
    q_res = run_octave(src, q_inputs)
    for name, z in q_res.items():
        if int(np.asarray(z["ok"]).ravel()[0]) != 1:
            failed.append(f"qtdb {name}: {np.asarray(z['msg']).ravel()[0] if np.asarray(z['msg']).size else '?'}")
    for name, (ref, rec) in q_refs.items():
        sig, fs = q_inputs[name]
        dl, _ = ours(sig, fs, rec.sig_names)
        z = q_res[name]
        per_lead = z["per_lead"].ravel() if z["per_lead"].size else []
        dets = {"cardiokit rules": {k: dl.lead(0)[:, FIDUCIALS.index(k)] for k in SCORED},
                "cardiokit rules global": {k: dl.global_[:, FIDUCIALS.index(k)] for k in SCORED},
                "ECGdeli": fpt_points(per_lead[0]) if len(per_lead) else fpt_points(np.zeros((0, 13))),
                "ECGdeli global": fpt_points(z["multi"])}
        for m in methods:
            for k in SCORED:
                q_tallies[m].add(k, ref[k], dets[m][k], fs, None)

    v = versions(["numpy", "scipy", "wfdb"])
    oct_ver = subprocess.run(["octave", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    body = f"""Command: `.venv/bin/python -m bench.bench_ecgdeli --records {args.records}` ({today()}; {oct_ver};
ECGdeli {src.name} @ {subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True,
                                     text=True).stdout.strip() or "?"}; {", ".join(f"{k} {x}" for k, x in v.items())}).

ECGdeli (MATLAB) under GNU Octave with the shims of bench/ecgdeli_octave (see
bench/bench_ecgdeli.py); its own filtering and R-peak detection. Cells are `Se % / PPV % /
error mean ± SD (ms)`; "global" = the multi-lead delineation scored against every lead's
annotation. {len(recs)} LUDB records (every {step}-th of the 160 held-out ones), 12 leads each;
ECGdeli failed on {len(failed)} of them{(' (' + ', '.join(failed) + ')') if failed else ''}.

### LUDB subset
{table(tallies)}

### QT Database, 3 shared records (q1c; Se and error only)
{table(q_tallies, ppv=False)}

Time per 10-s 12-lead record: ECGdeli {1000 * t_deli / len(recs):.0f} ms (inside Octave; {octave_wall:.0f} s wall for
the whole batch incl. start-up), cardiokit clean + detect_beats + delineate {1000 * t_ours / len(recs):.1f} ms
(ratio {t_deli / max(t_ours, 1e-9):.0f}x). Octave is slower than MATLAB, so the time ratio overstates
what MATLAB users would see; the accuracy columns do not depend on it.
"""
    print(body)
    if not args.no_write:
        write_section("Delineation: ECGdeli (Octave)", body)


if __name__ == "__main__":
    main()
