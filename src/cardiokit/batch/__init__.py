"""Run the pipeline over many recordings: local worker processes or a Dask cluster.

``run_batch(inputs, store)`` analyses every recording named by ``inputs`` (a folder, a
glob, a list file) and writes one row per content hash to the DuckDB store; resumable
(inputs already stored are skipped). ``analyze_long(path)`` summarises Holter-length
recordings read in overlapping chunks with bounded memory.
"""

from __future__ import annotations

from .inputs import discover_inputs, group_recordings
from .long import HolterSummary, analyze_long, stitch_beats
from .run import BatchResult, analyze_for_store, run_batch

__all__ = [
    "BatchResult",
    "HolterSummary",
    "analyze_for_store",
    "analyze_long",
    "discover_inputs",
    "group_recordings",
    "run_batch",
    "stitch_beats",
]
