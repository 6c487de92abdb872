"""Run pyPPG on signals given in an .npz (run inside pyPPG's own venv, see bench_ppg.py).

Usage: python _pyppg_runner.py IN.npz OUT.json  (IN holds arrays ``sig_<k>`` and ``fs_<k>``).
Writes, per key, systolic peaks, onsets and the seconds spent, or the error message.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np


def run_one(x: np.ndarray, fs: float) -> dict:
    import pyPPG.fiducials as FP
    import pyPPG.preproc as PP
    from dotmap import DotMap
    from pyPPG import PPG

    t0 = time.perf_counter()
    s = DotMap()
    s.v = np.asarray(x, float)
    s.fs = float(fs)
    s.start_sig = 0
    s.end_sig = len(x)
    s.name = "x"
    s.filtering = True
    s.fL = 0.5000001
    s.fH = 12
    s.order = 4
    s.sm_wins = {"ppg": 50, "vpg": 10, "apg": 10, "jpg": 10}
    prep = PP.Preprocess(fL=s.fL, fH=s.fH, order=s.order, sm_wins=s.sm_wins)
    s.ppg, s.vpg, s.apg, s.jpg = prep.get_signals(s=s)
    ppg = PPG(s=s, check_ppg_len=False)
    fp = FP.FpCollection(s=ppg).get_fiducials(s=ppg)
    dt = time.perf_counter() - t0
    sp = fp["sp"].dropna().to_numpy(dtype=np.int64)
    on = fp["on"].dropna().to_numpy(dtype=np.int64)
    return {"peaks": sp.tolist(), "onsets": on.tolist(), "seconds": dt}


def main() -> None:
    warnings.filterwarnings("ignore")
    data = np.load(sys.argv[1])
    keys = sorted({k[4:] for k in data.files if k.startswith("sig_")})
    out = {}
    for k in keys:
        try:
            out[k] = run_one(data[f"sig_{k}"], float(data[f"fs_{k}"]))
        except Exception as exc:  # report and go on
            out[k] = {"error": f"{type(exc).__name__}: {exc}"}
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
