"""Service benchmarks against a live ``cardiokit serve`` on loopback (127.0.0.1 only).

* ``load``: after uploading one LUDB record, a second process (this one) sends GET
  ``/v1/analyses/{id}`` (and every 5th request ``/signal`` of a 2-s window) at a fixed
  open-loop rate (default 50 requests/s for 60 s; bounded), then reports errors and the
  p50/p99/max latency. Also times a few uploads (POST) and the first report renders.
* ``schemathesis``: property-based API testing against ``/openapi.json`` with a key,
  bounded by ``--max-examples``; the summary is printed.

Usage::

    python -m bench.bench_service load [--rate 50] [--seconds 60]
    python -m bench.bench_service schemathesis [--max-examples 30]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

LUDB = Path(__file__).resolve().parents[2] / "shared" / "data" / "ludb" / "data"
KEY = "bench-key-" + os.urandom(6).hex()
MAX_RATE, MAX_SECONDS = 200.0, 300.0  # hard bounds of the load generator


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server():
    """``cardiokit serve`` in a subprocess on 127.0.0.1 with a fresh data folder."""
    port = _free_port()
    data = tempfile.mkdtemp(prefix="cardiokit-bench-")
    env = {**os.environ, "CARDIOKIT_API_KEYS": KEY, "CARDIOKIT_DATA_DIR": data}
    proc = subprocess.Popen([sys.executable, "-m", "cardiokit", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(15)
        shutil.rmtree(data, ignore_errors=True)


def _upload(client, url: str) -> tuple[dict, float]:
    files = [("file", ("1.hea", (LUDB / "1.hea").read_bytes())), ("file", ("1.dat", (LUDB / "1.dat").read_bytes()))]
    t0 = time.perf_counter()
    r = client.post(url + "/v1/analyses", files=files, headers={"Authorization": f"Bearer {KEY}"})
    r.raise_for_status()
    return r.json(), time.perf_counter() - t0


def bench_load(rate: float, seconds: float) -> dict:
    import httpx
    import numpy as np

    rate, seconds = min(rate, MAX_RATE), min(seconds, MAX_SECONDS)
    with server() as url:
        h = {"Authorization": f"Bearer {KEY}"}
        with httpx.Client(timeout=30, limits=httpx.Limits(max_connections=64)) as client:
            doc, first = _upload(client, url)
            posts = [_upload(client, url)[1] for _ in range(5)]
            rid = doc["id"]
            t0 = time.perf_counter()
            client.get(f"{url}/v1/analyses/{rid}/report.html", headers=h).raise_for_status()
            t_html = time.perf_counter() - t0
            t0 = time.perf_counter()
            client.get(f"{url}/v1/analyses/{rid}/report.pdf", headers=h).raise_for_status()
            t_pdf = time.perf_counter() - t0
            n = int(rate * seconds)
            lat = np.full(n, np.nan)
            errors: list[str] = []
            lock = threading.Lock()

            def one(i: int) -> None:
                path = (f"/v1/analyses/{rid}/signal?start_s=2&stop_s=4" if i % 5 == 4 else f"/v1/analyses/{rid}")
                t = time.perf_counter()
                try:
                    r = client.get(url + path, headers=h)
                    ok = r.status_code == 200 and r.content
                except httpx.HTTPError as exc:
                    ok, r = False, exc
                lat[i] = time.perf_counter() - t
                if not ok:
                    with lock:
                        errors.append(str(getattr(r, "status_code", r)))

            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=48) as pool:
                for i in range(n):  # open loop: request i is sent at start + i / rate
                    delay = start + i / rate - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    pool.submit(one, i)
            wall = time.perf_counter() - start
    ms = lat[np.isfinite(lat)] * 1000
    out = {"target_rate_per_s": rate, "seconds": seconds, "requests": n, "achieved_rate_per_s": round(n / wall, 1),
           "errors": len(errors), "error_samples": errors[:5],
           "p50_ms": round(float(np.percentile(ms, 50)), 1), "p99_ms": round(float(np.percentile(ms, 99)), 1),
           "max_ms": round(float(ms.max()), 1), "upload_first_s": round(first, 2),
           "upload_repeat_median_s": round(float(np.median(posts)), 3),
           "report_html_first_s": round(t_html, 2), "report_pdf_first_s": round(t_pdf, 2)}
    print(json.dumps(out), flush=True)
    return out


def bench_schemathesis(max_examples: int) -> dict:
    st = Path(sys.executable).with_name("schemathesis")
    import httpx

    with server() as url:
        with httpx.Client(timeout=60) as client:
            rid = _upload(client, url)[0]["id"]  # a stored analysis, so the GET routes reach real data
        tmp = Path(tempfile.mkdtemp())
        report = tmp / "st.json"
        config = tmp / "schemathesis.toml"
        config.write_text(f'[parameters]\n"path.analysis_id" = "{rid}"\n')
        cmd = [str(st), "--config-file", str(config), "run", f"{url}/openapi.json", "-H", f"Authorization: Bearer {KEY}",
               "--max-examples", str(max_examples), "--request-timeout", "60", "--checks", "all",
               "--report", "ndjson", "--report-ndjson-path", str(report), "--no-color"]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        wall = time.perf_counter() - t0
    text = proc.stdout + proc.stderr
    print(text[-6000:])
    out = {"exit_code": proc.returncode, "wall_s": round(wall, 1), "max_examples": max_examples}
    print(json.dumps(out))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("load", "schemathesis"))
    ap.add_argument("--rate", type=float, default=50.0)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--max-examples", type=int, default=30)
    a = ap.parse_args()
    if a.what == "load":
        bench_load(a.rate, a.seconds)
    else:
        bench_schemathesis(a.max_examples)


if __name__ == "__main__":
    main()
