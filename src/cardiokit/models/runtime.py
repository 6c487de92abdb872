"""onnxruntime sessions for the shipped models (one cached session per file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from cardiokit._core.errors import MissingDependencyError

__all__ = ["onnx_session", "run_onnx"]


@lru_cache(maxsize=16)
def onnx_session(path: str | Path, *, threads: int = 1) -> Any:
    """A CPU ``onnxruntime.InferenceSession`` for ``path`` (cached; ``threads`` intra-op)."""
    try:
        import onnxruntime as ort
    except ImportError as exc:  # pragma: no cover - onnxruntime is a core dependency
        raise MissingDependencyError("onnxruntime", "model inference") from exc
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = int(threads)
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def run_onnx(path: str | Path, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Run the model at ``path`` on named ``inputs``; returns every output."""
    return onnx_session(str(path)).run(None, inputs)
