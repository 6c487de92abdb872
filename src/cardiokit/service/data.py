"""The service's data folder: store, kept signals for the viewer, rendered reports.

::

    DATA_DIR/cardiokit.duckdb          result store (table ``analyses`` keyed by content hash)
    DATA_DIR/recordings/<id>.npz       signals (float32) + channels/fs/start, for /signal and reports
    DATA_DIR/reports/<id>.html|.pdf    rendered on first request, then served from here

Reports are rendered from the kept signals by re-running the (deterministic) pipeline,
so an upload returns as soon as it is analysed and stored.
"""

from __future__ import annotations

import json
import math
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from .._core.recording import Channel, Recording

__all__ = ["DataDir"]

_FIDUCIALS = ("p_on", "p_peak", "p_off", "qrs_on", "qrs_peak", "qrs_off", "t_on", "t_peak", "t_off")


class DataDir:
    """Files of one service instance under ``root``; thread-safe."""

    def __init__(self, root: Path) -> None:
        from ..store import Store

        self.root = Path(root)
        (self.root / "recordings").mkdir(parents=True, exist_ok=True)
        (self.root / "reports").mkdir(parents=True, exist_ok=True)
        self.store = Store(self.root / "cardiokit.duckdb")
        self._render_lock = threading.Lock()

    def close(self) -> None:
        self.store.close()

    # -- recordings ------------------------------------------------------------------------
    def _rec_path(self, rid: str) -> Path:
        return self.root / "recordings" / f"{rid}.npz"

    def keep_recording(self, rid: str, rec: Recording) -> None:
        """Keep the signals of an analysed upload (atomically) for the viewer and reports."""
        dest = self._rec_path(rid)
        if dest.exists():
            return
        info = {"fs": rec.fs, "start": rec.start.isoformat() if rec.start else None,
                "channels": [[c.name, c.kind, c.unit] for c in rec.channels],
                "format": rec.meta.get("format")}
        tmp = dest.with_name(f".{rid}.{threading.get_ident()}.npz")
        with open(tmp, "wb") as fh:
            np.savez(fh, signals=np.asarray(rec.signals, np.float32), info=np.array(json.dumps(info)))
        os.replace(tmp, dest)

    def load_recording(self, rid: str) -> Recording | None:
        p = self._rec_path(rid)
        if not p.is_file():
            return None
        with np.load(p, allow_pickle=False) as z:
            sig = z["signals"]
            info = json.loads(str(z["info"]))
        start = datetime.fromisoformat(info["start"]) if info.get("start") else None
        meta = {"format": info.get("format")} if info.get("format") else {}
        return Recording(sig, info["fs"], tuple(Channel(*c) for c in info["channels"]), start=start, meta=meta)

    # -- reports ---------------------------------------------------------------------------
    def rebuild_report(self, rid: str, doc: dict[str, Any]) -> Any:
        """The full Report (with signals) of a stored analysis, for rendering; None without signals."""
        from ..pipeline import analyze

        rec = self.load_recording(rid)
        if rec is None:
            return _holter_from_doc(rid, doc) if doc.get("holter") else None
        subject = ((doc.get("recording") or {}).get("subject")) or {}
        return analyze(rec, subject=subject, source=doc.get("source"), sha256=rid)

    def rendered(self, rid: str, doc: dict[str, Any], ext: str) -> Path | None:
        """``reports/<id>.<ext>`` (html or pdf), rendered once; None when no signals are kept
        (a Holter analysis is drawn from its stored summary)."""
        dest = self.root / "reports" / f"{rid}.{ext}"
        if dest.is_file():
            return dest
        with self._render_lock:  # matplotlib figures are built one at a time
            if dest.is_file():
                return dest
            report = self.rebuild_report(rid, doc)
            if report is None:
                return None
            from ..report.render import render_html, render_pdf

            data = render_html(report).encode("utf-8") if ext == "html" else render_pdf(report)
            tmp = dest.with_name(f".{dest.name}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, dest)
        return dest

    # -- signal for the viewer -------------------------------------------------------------
    def signal(self, rid: str, *, start_s: float, stop_s: float | None, max_points: int) -> dict[str, Any] | None:
        """A window of the kept signals, decimated by min/max buckets to <= ``max_points``
        per channel, with the stored beats and fiducials (seconds) inside the window."""
        rec = self.load_recording(rid)
        if rec is None:
            return None
        fs = rec.fs
        n = rec.n_samples
        a = min(n - 1, max(0, math.floor(start_s * fs)))
        b = n if stop_s is None else min(n, max(a + 1, math.ceil(stop_s * fs)))
        x = np.asarray(rec.signals[a:b], np.float64)
        step = max(1, math.ceil(x.shape[0] / max(2, max_points // 2))) if x.shape[0] > max_points else 1
        if step > 1:
            m = (x.shape[0] // step) * step
            blocks = x[:m].reshape(-1, step, x.shape[1])
            lo, hi = blocks.min(axis=1), blocks.max(axis=1)
            first_is_min = blocks.argmin(axis=1) < blocks.argmax(axis=1)
            pair = np.where(first_is_min[:, None, :], np.stack([lo, hi], 1), np.stack([hi, lo], 1))
            y = pair.reshape(-1, x.shape[1])
            t0 = a / fs
            dt = step / fs / 2
        else:
            y = x
            t0, dt = a / fs, 1 / fs
        _, rows = self.store.query(
            "SELECT sample, " + ", ".join(_FIDUCIALS) + " FROM beats WHERE analysis_id = ? "
            "AND sample >= ? AND sample < ? ORDER BY sample", [rid, a, b])
        fid: dict[str, list[float]] = {k: [] for k in _FIDUCIALS}
        for row in rows:
            for k, v in zip(_FIDUCIALS, row[1:], strict=True):
                if v is not None:
                    fid[k].append(round(v / fs, 4))
        return {
            "id": rid,
            "fs": fs,
            "duration_s": n / fs,
            "start_s": a / fs,
            "stop_s": b / fs,
            "t0_s": t0,
            "dt_s": dt,
            "decimation": step,
            "channels": [{"name": c.name, "kind": c.kind, "unit": c.unit} for c in rec.channels],
            "signals": [np.round(y[:, j], 4).tolist() for j in range(y.shape[1])],
            "beats_s": [round(r[0] / fs, 4) for r in rows],
            "fiducials_s": fid,
        }


def _holter_from_doc(rid: str, doc: dict[str, Any]) -> Any:
    """A Holter Report rebuilt from its stored JSON (summary + recording), for its summary page."""
    from ..report.model import RecordingSummary, Report

    r = doc.get("recording") or {}
    rec = RecordingSummary(channels=tuple(r.get("channels") or ()), fs=float(r.get("fs") or 0.0),
                           duration_s=float(r.get("duration_s") or 0.0), n_samples=int(r.get("n_samples") or 0),
                           kinds=tuple(r.get("kinds") or ()), start=r.get("start"), format=r.get("format"),
                           subject=dict(r.get("subject") or {}), derived_leads=tuple(r.get("derived_leads") or ()))
    return Report(source=doc.get("source"), recording=rec, measurements=doc.get("measurements") or {},
                  holter=doc["holter"], sha256=rid)
