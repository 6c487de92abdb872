"""Small helpers shared by the format modules: option checks and invalid-sample filling."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .._core.errors import InvalidArgumentError

__all__ = ["check_options", "fill_invalid"]


def check_options(fmt: str, options: Mapping[str, Any], accepted: Iterable[str]) -> None:
    """Raise :class:`InvalidArgumentError` when ``options`` holds names not in ``accepted``."""
    if options:
        names = ", ".join(sorted(options))
        ok = ", ".join(sorted(accepted)) or "none"
        raise InvalidArgumentError(f"{fmt} reader: unknown option(s) {names}; accepted options: {ok}")


def fill_invalid(signals: np.ndarray) -> tuple[np.ndarray, int]:
    """Replace NaN/inf samples by linear interpolation along time (edges: nearest valid value).

    Returns the filled float64 copy and the number of filled samples. A channel with no valid
    sample at all is set to 0.
    """
    sig = np.array(signals, dtype=np.float64, copy=True)
    bad = ~np.isfinite(sig)
    n_bad = int(bad.sum())
    if n_bad == 0:
        return sig, 0
    x = np.arange(sig.shape[0])
    for j in np.flatnonzero(bad.any(axis=0)):
        good = ~bad[:, j]
        if not good.any():
            sig[:, j] = 0.0
            continue
        sig[bad[:, j], j] = np.interp(x[bad[:, j]], x[good], sig[good, j])
    return sig, n_bad
