"""DuckDB result store.

Tables (all keyed by ``analysis_id`` = the input's content sha256, see
:func:`cardiokit.pipeline.content_sha256`):

``analyses``
    one row per input: ``id`` (primary key), ``source``, ``analyzed_at`` (UTC),
    ``cardiokit_version``, ``schema_version``, ``format``, ``fs``, ``duration_s``,
    ``n_channels``, ``kinds``, ``subject_age_years``, ``subject_sex``, ``quality_grade``,
    ``rhythm_label``, ``heart_rate_bpm``, ``qrs_ms``, ``qtc_ms``, ``n_beats``,
    ``n_statements``, ``n_errors``, ``report`` (the full JSON document).
``measurements``
    one row per measurement: ``analysis_id``, ``name``, ``value`` (DOUBLE, numeric ones),
    ``text`` (non-numeric ones such as ``qtc_formula``).
``statements``
    one row per statement: ``analysis_id``, ``idx``, ``key``, ``code``, ``text``,
    ``category``, ``severity``, ``evidence`` and ``criteria`` (JSON text).
``beats``
    one row per beat: ``analysis_id``, ``idx``, ``sample``, ``time_s`` and the global
    fiducials ``p_on ... t_off`` (sample indices, NULL when absent).

Writing the same content again replaces its rows (delete + insert of the analysis and its
child rows in one transaction), so a rerun never duplicates. DuckDB allows one writing
process per database file: a :class:`Store` holds one connection, serialises its writes
with a lock, and retries opening the file while another process holds it (up to
``lock_timeout_s``). Parallel workers should send reports to one writer, or open, write
and close per batch (each open waits for the lock).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._core.errors import CardiokitError, InvalidArgumentError, MissingDependencyError
from ..report.model import recording_grade

__all__ = ["TABLES", "Store", "StoreError", "default_store_path"]

TABLES = ("analyses", "measurements", "statements", "beats")
_FIDUCIALS = ("p_on", "p_peak", "p_off", "qrs_on", "qrs_peak", "qrs_off", "t_on", "t_peak", "t_off")

_DDL = (
    """CREATE TABLE IF NOT EXISTS analyses (
        id VARCHAR PRIMARY KEY, source VARCHAR, analyzed_at TIMESTAMP,
        cardiokit_version VARCHAR, schema_version VARCHAR, format VARCHAR,
        fs DOUBLE, duration_s DOUBLE, n_channels INTEGER, kinds VARCHAR,
        subject_age_years DOUBLE, subject_sex VARCHAR, quality_grade VARCHAR,
        rhythm_label VARCHAR, heart_rate_bpm DOUBLE, qrs_ms DOUBLE, qtc_ms DOUBLE,
        n_beats INTEGER, n_statements INTEGER, n_errors INTEGER, report VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS measurements (
        analysis_id VARCHAR, name VARCHAR, value DOUBLE, text VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS statements (
        analysis_id VARCHAR, idx INTEGER, key VARCHAR, code VARCHAR, text VARCHAR,
        category VARCHAR, severity VARCHAR, evidence VARCHAR, criteria VARCHAR)""",
    "CREATE TABLE IF NOT EXISTS beats (analysis_id VARCHAR, idx INTEGER, sample BIGINT, time_s DOUBLE, "
    + ", ".join(f"{f} BIGINT" for f in _FIDUCIALS) + ")",
)


class StoreError(CardiokitError):
    """The result store cannot be opened or written."""


def default_store_path() -> Path:
    """``$CARDIOKIT_DATA_DIR/cardiokit.duckdb``, else the XDG data folder (``~/.local/share``)."""
    base = os.environ.get("CARDIOKIT_DATA_DIR")
    if base:
        return Path(base) / "cardiokit.duckdb"
    xdg = os.environ.get("XDG_DATA_HOME")
    root = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return root / "cardiokit" / "cardiokit.duckdb"


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError:  # pragma: no cover - duckdb is a core dependency
        raise MissingDependencyError("duckdb", "the result store") from None
    return duckdb


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflict" in text


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if f == f and f not in (float("inf"), float("-inf")) else None


class Store:
    """A DuckDB result store at ``path`` (default :func:`default_store_path`).

    Use as a context manager or call :meth:`close`. ``read_only=True`` opens for queries
    only (and fails when the file does not exist).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
                 lock_timeout_s: float = 30.0) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.read_only = read_only
        self.lock_timeout_s = float(lock_timeout_s)
        self._lock = threading.Lock()
        self._con: Any = None
        if read_only and not self.path.is_file():
            raise StoreError(f"no result store at {self.path}; write one with "
                             f"'cardiokit analyze FILE --store {self.path}'")
        self._connect()

    # -- connection ------------------------------------------------------------------------
    def _connect(self) -> None:
        duckdb = _duckdb()
        if not self.read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.lock_timeout_s
        delay = 0.05
        while True:
            try:
                self._con = duckdb.connect(str(self.path), read_only=self.read_only)
                break
            except duckdb.Error as exc:
                if _is_lock_error(exc) and time.monotonic() < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 1.0)
                    continue
                raise StoreError(f"cannot open result store {self.path}: {exc}") from None
        if not self.read_only:
            for ddl in _DDL:
                self._con.execute(ddl)

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------
    def put(self, report: Any) -> str:
        """Insert or replace one report; returns its id (the content sha256)."""
        return self.put_many([report])[0]

    def put_many(self, reports: Iterable[Any]) -> list[str]:
        """Insert or replace several reports in one transaction (retried on write conflicts)."""
        rows = [self._rows(r) for r in reports]
        if self.read_only:
            raise StoreError(f"result store {self.path} is open read-only")
        deadline = time.monotonic() + self.lock_timeout_s
        while True:
            with self._lock:
                con = self._con
                try:
                    con.execute("BEGIN TRANSACTION")
                    for a, meas, sts, beats in rows:
                        for t in ("beats", "statements", "measurements", "analyses"):
                            col = "id" if t == "analyses" else "analysis_id"
                            con.execute(f"DELETE FROM {t} WHERE {col} = ?", [a[0]])
                        con.execute(f"INSERT INTO analyses VALUES ({', '.join('?' * len(a))})", a)
                        if meas:
                            con.executemany("INSERT INTO measurements VALUES (?, ?, ?, ?)", meas)
                        if sts:
                            con.executemany("INSERT INTO statements VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", sts)
                        if beats:
                            con.executemany(
                                f"INSERT INTO beats VALUES ({', '.join('?' * len(beats[0]))})", beats)
                    con.execute("COMMIT")
                    return [a[0] for a, *_ in rows]
                except Exception as exc:
                    try:
                        con.execute("ROLLBACK")
                    except Exception:
                        pass
                    if _is_lock_error(exc) and time.monotonic() < deadline:
                        time.sleep(0.05)
                        continue
                    raise StoreError(f"cannot write to result store {self.path}: {exc}") from exc

    @staticmethod
    def _rows(report: Any) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
        doc = report.to_dict()
        rid = doc.get("sha256")
        if not rid:
            raise InvalidArgumentError(
                "a report needs a content hash (Report.sha256) to be stored; analyse a file, "
                "or pass sha256=... to cardiokit.analyze"
            )
        rec = doc.get("recording") or {}
        subj = rec.get("subject") or {}
        m = doc.get("measurements") or {}
        beats = getattr(report, "beats", None)
        n_beats = len(beats) if beats is not None else None
        a = [
            rid, doc.get("source"), datetime.now(UTC).replace(tzinfo=None),
            doc.get("cardiokit_version"), doc.get("schema_version"), rec.get("format"),
            rec.get("fs"), rec.get("duration_s"), len(rec.get("channels") or []) or None,
            ",".join(rec.get("kinds") or []) or None, _num(subj.get("age_years")), subj.get("sex"),
            recording_grade(doc), (doc.get("rhythm") or {}).get("label"),
            _num(m.get("heart_rate_bpm")), _num(m.get("qrs_ms")), _num(m.get("qtc_ms")),
            n_beats, len(doc.get("statements") or []), len(doc.get("errors") or []),
            json.dumps(doc, allow_nan=False),
        ]
        meas = [[rid, k, _num(v), None if _num(v) is not None else (None if v is None else str(v))]
                for k, v in m.items() if not isinstance(v, (dict, list))]
        sts = [[rid, i, s.get("key"), s.get("code"), s.get("text"), s.get("category"), s.get("severity"),
                json.dumps(s.get("evidence"), allow_nan=False), json.dumps(s.get("criteria"), allow_nan=False)]
               for i, s in enumerate(doc.get("statements") or [])]
        beat_rows: list[Any] = []
        if beats is not None and len(beats):
            samples = [int(v) for v in beats.samples]
            fs = float(beats.fs)
            dl = getattr(report, "delineation", None)
            fid: dict[int, list[int | None]] = {}
            if dl is not None:
                for b, row in zip(dl.beats.tolist(), dl.global_.tolist(), strict=True):
                    fid[int(b)] = [v if v >= 0 else None for v in row]
            for i, s in enumerate(samples):
                beat_rows.append([rid, i, s, s / fs, *fid.get(s, [None] * len(_FIDUCIALS))])
        return a, meas, sts, beat_rows

    # -- reading ---------------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple]]:
        """Run SQL; returns (column names, rows)."""
        duckdb = _duckdb()
        with self._lock:
            try:
                cur = self._con.execute(sql, params or [])
            except duckdb.Error as exc:
                raise InvalidArgumentError(f"query failed: {exc}") from None
            if cur.description is None:
                return [], []
            cols = [d[0] for d in cur.description]
            return cols, cur.fetchall()

    def get(self, analysis_id: str) -> dict[str, Any] | None:
        """The stored JSON document of one analysis, or None."""
        _, rows = self.query("SELECT report FROM analyses WHERE id = ?", [analysis_id])
        return json.loads(rows[0][0]) if rows else None

    def export(self, folder: str | os.PathLike[str]) -> list[Path]:
        """Write each table to ``folder/<table>.parquet``; returns the paths."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        with self._lock:
            for t in TABLES:
                exists = self._con.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [t]
                ).fetchone()[0]
                if not exists:
                    continue
                dest = out / f"{t}.parquet"
                tmp = out / f".{t}.parquet.tmp"
                path_sql = str(tmp).replace("'", "''")
                self._con.execute(f"COPY (SELECT * FROM {t}) TO '{path_sql}' (FORMAT PARQUET)")
                os.replace(tmp, dest)
                written.append(dest)
        return written
