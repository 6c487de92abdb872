"""Run ``analyze`` over many recordings: local worker processes or a Dask cluster.

The driver (the calling process) hashes every input (:func:`cardiokit.pipeline.content_sha256`),
skips the hashes already in the store, sends the rest to workers and writes what comes
back. Workers never touch the store: the driver is its single writer, and each flush is
one transaction (:meth:`cardiokit.store.Store.put_many`), so a run killed at any moment
(even SIGKILL) and started again finishes with every input stored exactly once. A file
that cannot be read or analysed is stored with its error (``errors``) and the batch goes on.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import json
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .._core.errors import InvalidArgumentError, MissingDependencyError
from .inputs import discover_inputs

__all__ = ["BatchResult", "analyze_for_store", "run_batch"]

_log = logging.getLogger(__name__)


@dataclasses.dataclass
class BatchResult:
    """What a batch run did: counts and the failed inputs (source, first error)."""

    n_inputs: int = 0
    n_unique: int = 0
    n_skipped: int = 0
    n_done: int = 0
    n_failed: int = 0
    failures: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    elapsed_s: float = 0.0
    parquet: list[Path] = dataclasses.field(default_factory=list)

    @property
    def rate_per_s(self) -> float:
        return self.n_done / self.elapsed_s if self.elapsed_s > 0 else 0.0


def _error_report(source: str, sha: str | None, stage: str, exc: BaseException | str,
                  etype: str | None = None) -> Any:
    from .. import __version__
    from ..report.model import AnalysisErrorInfo, Report

    msg = str(exc)
    return Report(source=source, recording=None, sha256=sha, cardiokit_version=__version__,
                  errors=(AnalysisErrorInfo(stage, etype or type(exc).__name__, msg),))


def analyze_for_store(path: str, sha256: str, subject: Mapping[str, Any] | None = None,
                      fs: float | None = None, kind: str | None = None, long_s: float | None = None) -> Any:
    """Worker task: read and analyse one recording; returns a picklable :class:`Report`
    (without the signal arrays) keyed by ``sha256``. Never raises for bad input files.

    A streamable recording (ISHNE, WFDB, EDF) longer than ``long_s`` seconds (default
    :data:`~cardiokit.batch.long.LONG_RECORDING_S`, 1 h) goes through
    :func:`~cardiokit.batch.long.analyze_long` in chunks (bounded memory) and is stored with
    its Holter summary in the report's ``holter`` field."""
    from .._core.errors import CardiokitError
    from ..io import read
    from ..pipeline import analyze
    from .long import analyze_if_long

    t0 = time.perf_counter()
    try:
        holter = analyze_if_long(path, long_s=long_s, fs=fs, kind=kind, sha256=sha256, subject=dict(subject or {}))
    except (CardiokitError, OSError) as exc:
        return _error_report(path, sha256, "holter", exc)
    if holter is not None:
        return holter
    try:
        rec = read(path, fs=fs, kind=kind)
    except (CardiokitError, OSError) as exc:
        return _error_report(path, sha256, "read", exc)
    t_read = round((time.perf_counter() - t0) * 1000.0, 3)
    try:
        report = analyze(rec, subject=subject, source=path, sha256=sha256)
    except Exception as exc:  # analyze raises only for invalid arguments; keep the batch going
        return _error_report(path, sha256, "analyze", exc)
    object.__setattr__(report, "timing_ms", {"read": t_read, **report.timing_ms})
    return dataclasses.replace(report, source_recording=None, cleaned=None, measurement_details=None, morphology=None)


# -- executors -------------------------------------------------------------------------------
def _mp_context() -> Any:
    """A fork server that has imported the pipeline (fast worker start, no inherited threads
    or DuckDB handles); plain spawn where there is no fork server."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["cardiokit.batch.run", "cardiokit.pipeline", "cardiokit.io",
                                    "cardiokit.ecg.delineate", "cardiokit.ecg.measure", "cardiokit.ecg.qrs"])
        return ctx
    return multiprocessing.get_context("spawn")


class _LocalPool:
    """Local worker processes (concurrent.futures); a crashed worker is replaced."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._ctx = _mp_context()
        self._pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=self._ctx)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return self._pool.submit(fn, *args)
        except cf.process.BrokenProcessPool:
            self.restart()
            return self._pool.submit(fn, *args)

    def restart(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=self._ctx)

    def wait_any(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        done, _ = cf.wait(list(futures), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return set(done)

    @staticmethod
    def outcome(fut: Any) -> tuple[Any, BaseException | None]:
        try:
            return fut.result(), None
        except BaseException as exc:  # worker crash or pickling error: recorded, batch goes on
            return None, exc

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class _DaskPool:
    """An existing Dask distributed cluster (``tcp://host:8786``) or a given ``Client``."""

    def __init__(self, scheduler: Any) -> None:
        try:
            import distributed
        except ImportError:
            raise MissingDependencyError("distributed", "batch runs on a Dask cluster", extra="batch") from None
        self._distributed = distributed
        if isinstance(scheduler, distributed.Client):
            self.client, self._own = scheduler, False
        else:
            self.client, self._own = distributed.Client(scheduler, timeout="30s"), True
        self.workers = max(1, sum(w.get("nthreads", 1) for w in
                                  self.client.scheduler_info().get("workers", {}).values()))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def wait_any(self, futures: Iterable[Any], timeout: float) -> set[Any]:
        futs = list(futures)
        try:
            done, _ = self._distributed.wait(futs, timeout=timeout, return_when="FIRST_COMPLETED")
        except self._distributed.TimeoutError:
            return set()
        except TimeoutError:
            return set()
        return set(done)

    @staticmethod
    def outcome(fut: Any) -> tuple[Any, BaseException | None]:
        try:
            return fut.result(), None
        except BaseException as exc:
            return None, exc
        finally:
            fut.release()

    def close(self) -> None:
        if self._own:
            self.client.close()


# -- driver ----------------------------------------------------------------------------------
def _hash_inputs(paths: Sequence[Path], on_error: Callable[[Path, Exception], None]) -> dict[str, Path]:
    from ..pipeline import content_sha256

    todo: dict[str, Path] = {}
    for p in paths:
        try:
            sha = content_sha256(p)
        except OSError as exc:
            on_error(p, exc)
            continue
        todo.setdefault(sha, p)
    return todo


def _count_stored_failures(db: Any, skipped: set[str], res: BatchResult) -> None:
    """Inputs skipped because a killed or earlier run stored them unreadable still count as
    failed, so a resumed run exits as a clean run would."""
    if not skipped:
        return
    _, rows = db.query("SELECT id, source, report FROM analyses WHERE n_errors > 0")
    for sha, source, doc in rows:
        if sha not in skipped:
            continue
        rep = json.loads(doc) if isinstance(doc, str) else doc
        errs = rep.get("errors") or []
        if rep.get("recording") is None and errs:
            res.n_failed += 1
            res.failures.append((str(source), f"{errs[0].get('stage')}: {errs[0].get('message')}"))


def run_batch(
    inputs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    store: Any,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    parquet: str | os.PathLike[str] | None = None,
    subject: Mapping[str, Any] | None = None,
    fs: float | None = None,
    kind: str | None = None,
    long_s: float | None = None,
    flush_every: int = 16,
    flush_interval_s: float = 1.0,
    on_start: Callable[[int, int], None] | None = None,
    on_result: Callable[[str, Any], None] | None = None,
) -> BatchResult:
    """Analyse every recording of ``inputs`` and write the reports to ``store``.

    Parameters
    ----------
    inputs
        A folder, glob, list file or recording (see :func:`discover_inputs`), or paths.
    store
        A :class:`cardiokit.store.Store` or the path of its DuckDB file.
    workers
        Local worker processes (default: CPU count). Ignored with ``scheduler``.
    scheduler
        Address of a Dask distributed scheduler (``tcp://host:8786``) or a ``Client``; the
        workers need cardiokit installed and the input paths visible.
    parquet
        Folder to export the store tables to as Parquet when the run ends.
    subject, fs, kind
        As for :func:`cardiokit.analyze_file` (applied to every input).
    long_s
        Streamable recordings longer than this (s; default 1 h) are analysed in chunks as
        Holter recordings (:func:`cardiokit.batch.analyze_long`); see :func:`analyze_for_store`.
    flush_every, flush_interval_s
        Results are written in one transaction per ``flush_every`` reports or per
        ``flush_interval_s`` seconds, whichever comes first.
    on_start, on_result
        Progress callbacks: ``on_start(n_to_do, n_skipped)`` once, ``on_result(source, report)``
        after each report is written.
    """
    from ..pipeline import validate_subject
    from ..store import Store

    subj = validate_subject(subject or {})
    if long_s is not None and not (isinstance(long_s, (int, float)) and long_s > 0):
        raise InvalidArgumentError(f"long_s must be a positive number of seconds; got {long_s!r}")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise InvalidArgumentError(f"workers must be an integer >= 1; got {workers!r}")
    t0 = time.perf_counter()
    paths = discover_inputs(inputs)
    res = BatchResult(n_inputs=len(paths))
    own_store = not hasattr(store, "put_many")
    db = Store(store) if own_store else store
    pending_reports: list[tuple[str, Any]] = []

    def flush() -> None:
        if not pending_reports:
            return
        db.put_many([r for _, r in pending_reports])
        for src, rep in pending_reports:
            res.n_done += 1
            if rep.errors and rep.recording is None:
                res.n_failed += 1
                res.failures.append((src, f"{rep.errors[0].stage}: {rep.errors[0].message}"))
            if on_result is not None:
                on_result(src, rep)
        pending_reports.clear()

    pool: Any = None
    try:
        hash_failures: list[tuple[Path, Exception]] = []
        todo = _hash_inputs(paths, lambda p, e: hash_failures.append((p, e)))
        res.n_unique = len(todo) + len(hash_failures)
        _, rows = db.query("SELECT id FROM analyses")
        stored = {r[0] for r in rows}
        work = [(sha, p) for sha, p in todo.items() if sha not in stored]
        res.n_skipped = len(todo) - len(work)
        _count_stored_failures(db, {sha for sha in todo if sha in stored}, res)
        for p, e in hash_failures:  # no content hash: cannot be stored, only reported
            res.n_failed += 1
            res.failures.append((str(p), f"hash: {e}"))
        if on_start is not None:
            on_start(len(work), res.n_skipped)
        if work:
            if scheduler is not None:
                pool = _DaskPool(scheduler)
            else:
                pool = _LocalPool(workers or os.cpu_count() or 1)
            window = max(2, 2 * pool.workers)
            queue = list(reversed(work))
            running: dict[Any, tuple[str, Path]] = {}
            last_flush = time.monotonic()
            while queue or running:
                while queue and len(running) < window:
                    sha, p = queue.pop()
                    running[pool.submit(analyze_for_store, str(p), sha, subj, fs, kind, long_s)] = (sha, p)
                for fut in pool.wait_any(running, timeout=flush_interval_s):
                    sha, p = running.pop(fut)
                    report, exc = pool.outcome(fut)
                    if exc is not None:
                        _log.warning("worker failed on an input: %s", type(exc).__name__)
                        report = _error_report(str(p), sha, "worker", exc)
                        if isinstance(exc, cf.process.BrokenProcessPool) and isinstance(pool, _LocalPool):
                            for f2, item in list(running.items()):  # lost with the pool: redo
                                queue.append(item)
                                running.pop(f2)
                            pool.restart()
                    pending_reports.append((str(p), report))
                if len(pending_reports) >= flush_every or time.monotonic() - last_flush >= flush_interval_s:
                    flush()
                    last_flush = time.monotonic()
            flush()
        if parquet is not None:
            res.parquet = db.export(parquet)
    finally:
        if pool is not None:
            pool.close()
        if own_store:
            db.close()
    res.elapsed_s = time.perf_counter() - t0
    return res
