"""Batch and long-recording benchmarks.

* ``ludb``: records per second of ``run_batch`` over LUDB (1 vs 2 local workers), peak RSS
  of the driver and of its worker processes (sampled every 50 ms).
* ``holter``: a synthetic 48-h 2-lead Holter (``cardiokit.sim.simulate_ecg`` in 30-min
  pieces with a day/night heart-rate cycle, written with the ISHNE writer under
  /work/cache) summarised by ``analyze_long`` in a fresh process; peak RSS from
  ``getrusage``.

Usage::

    python -m bench.bench_batch ludb [--n 200]
    python -m bench.bench_batch holter [--hours 48] [--chunk-s 300]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CACHE = Path(os.environ.get("CARDIOKIT_CACHE", "/work/cache"))
LUDB = Path(__file__).resolve().parents[2] / "shared" / "data" / "ludb" / "data"


class _PeakRss:
    """Peak RSS (MB) of this process and, separately, the sum over its children, by sampling."""

    def __init__(self, interval_s: float = 0.05) -> None:
        import psutil

        self._p = psutil.Process()
        self.self_mb = 0.0
        self.children_mb = 0.0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, args=(interval_s,), daemon=True)

    def _run(self, dt: float) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                self.self_mb = max(self.self_mb, self._p.memory_info().rss / 1e6)
                kids = 0.0
                for c in self._p.children(recursive=True):
                    try:
                        kids += c.memory_info().rss / 1e6
                    except psutil.Error:
                        pass
                self.children_mb = max(self.children_mb, kids)
            except psutil.Error:
                pass
            time.sleep(dt)

    def __enter__(self) -> _PeakRss:
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def bench_ludb(n: int) -> dict:
    from cardiokit.batch import discover_inputs, run_batch

    inputs = discover_inputs(LUDB)[:n]
    out = {"records": len(inputs), "runs": []}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as d, _PeakRss() as rss:
            t0 = time.perf_counter()
            res = run_batch(inputs, Path(d) / "b.duckdb", workers=workers)
            wall = time.perf_counter() - t0
        run = {"workers": workers, "wall_s": round(wall, 2), "records_per_s": round(res.n_done / wall, 2),
               "failed": res.n_failed, "driver_peak_rss_mb": round(rss.self_mb), "workers_peak_rss_mb": round(rss.children_mb)}
        print(json.dumps(run), flush=True)
        out["runs"].append(run)
    return out


# -- 48-h Holter ---------------------------------------------------------------------------------
def make_holter(path: Path, hours: float, *, fs: int = 200, piece_s: float = 1800.0) -> Path:
    """Write a synthetic ``hours``-long 2-lead ISHNE Holter in pieces (bounded memory)."""
    import numpy as np

    from cardiokit.io import ishne
    from cardiokit.io._ecg_common import crc_ccitt
    from cardiokit.sim import simulate_ecg

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    n_pieces = int(np.ceil(hours * 3600 / piece_s))
    total = 0
    res_nv = 1000  # fixed quantisation for every piece (1 uV per count: +-32 mV)
    with open(tmp, "wb") as out:
        for i in range(n_pieces):
            hour = (i * piece_s / 3600.0) % 24
            hr = 62 + 18 * np.clip(np.sin((hour - 8) / 24 * 2 * np.pi) + 0.3, -1, 1)  # day/night cycle
            rec = simulate_ecg(duration_s=piece_s, fs_hz=fs, leads=["II", "V5"], heart_rate_bpm=float(hr),
                               hrv=45.0, noise_snr_db=25.0, seed=1000 + i).replace(annotations=())
            with tempfile.TemporaryDirectory() as d:
                p = Path(d) / "piece.ecg"
                ishne.write(rec, p, resolution_nv=res_nv)
                raw = p.read_bytes()
            header, data = raw[:522], raw[522:]
            if i == 0:
                out.write(header)
            out.write(data)
            total += rec.n_samples
            print(f"  piece {i + 1}/{n_pieces} ({hr:.0f} bpm)", end="\r", file=sys.stderr, flush=True)
    with open(tmp, "r+b") as fh:  # patch the sample count and the header CRC
        buf = bytearray(fh.read(522))
        struct.pack_into("<i", buf, 14, total)
        struct.pack_into("<H", buf, 8, crc_ccitt(buf[10:]))
        fh.seek(0)
        fh.write(buf)
    os.replace(tmp, path)
    print(file=sys.stderr)
    return path


def _holter_child(path: str, chunk_s: float, overlap_s: float) -> None:
    """Run in a fresh process: the summary plus this process's peak RSS."""
    from cardiokit.batch import analyze_long

    t0 = time.perf_counter()
    s = analyze_long(path, chunk_s=chunk_s, overlap_s=overlap_s)
    wall = time.perf_counter() - t0
    d = s.to_dict()
    print(json.dumps({
        "duration_h": round(d["duration_s"] / 3600, 2), "fs": d["fs"], "channels": d["channels"],
        "n_beats": d["n_beats"], "n_chunks": d["n_chunks"], "chunk_s": chunk_s, "overlap_s": overlap_s,
        "streaming": d["streaming"], "wall_s": round(wall, 1), "peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "heart_rate": {k: round(v, 1) for k, v in d["heart_rate"].items() if v is not None},
        "hrv": {k: round(d["hrv"][k], 2) for k in ("sdnn_ms", "rmssd_ms", "sdann_ms", "sdnn_index_ms", "lf_hf")
                if d["hrv"].get(k) is not None},
        "measurements": d["measurements"], "quality": d["quality"], "chunk_errors": len(d["errors"]),
        "hr_trend_minutes": len(d["hr_trend"]),
    }))


def bench_holter(hours: float, chunk_s: float, overlap_s: float) -> dict:
    path = make_holter(CACHE / f"holter_{hours:g}h_2lead_200hz.ecg", hours)
    size_mb = path.stat().st_size / 1e6
    proc = subprocess.run([sys.executable, "-m", "bench.bench_batch", "_holter_child", str(path),
                           "--chunk-s", str(chunk_s), "--overlap-s", str(overlap_s)],
                          capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1])
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["file_mb"] = round(size_mb)
    print(json.dumps(out), flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("ludb", "holter", "_holter_child"))
    ap.add_argument("path", nargs="?")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--hours", type=float, default=48.0)
    ap.add_argument("--chunk-s", type=float, default=300.0)
    ap.add_argument("--overlap-s", type=float, default=10.0)
    a = ap.parse_args()
    if a.what == "ludb":
        bench_ludb(a.n)
    elif a.what == "holter":
        bench_holter(a.hours, a.chunk_s, a.overlap_s)
    else:
        _holter_child(a.path, a.chunk_s, a.overlap_s)


if __name__ == "__main__":
    main()
