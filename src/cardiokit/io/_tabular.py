"""Column rules shared by the table formats (CSV/TSV/TXT, Parquet): time column and units.

Rule for the time column (documented in docs/FORMATS.md):

1. A column whose header name is a time name (``time``, ``t``, ``seconds``, ``sec``, ``s``,
   ``ms``, ``timestamp``, ``elapsed``, ``time_s``, ``time_ms``, ``Time [s]``...) is the time
   column: its unit is milliseconds when the name or its bracketed unit says ``ms``, and for
   ``timestamp`` columns whose values exceed 1e11 (Unix epoch milliseconds); else seconds.
2. A column named ``sample``/``index``/``idx``/``n`` holding 0,1,2... (or 1,2,3...) is a sample
   index: dropped, and ``fs`` is then needed.
3. Otherwise the first column is taken as time (in seconds) only when the table has at least
   two columns, the first is strictly increasing with a near-constant step, its header (if
   any) is not a known signal name, and no other column is also strictly increasing. A
   headerless first column counting 0,1,2... in steps of exactly 1 is a sample index (rule 2).

A time column must lie on a uniform grid from its first to its last value (each time within
half a step plus 1e-4 of its value, which tolerates times printed with few digits);
``fs`` is (n - 1) / (t_last - t_first), snapped to a round value when within 1e-6 of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from .._core.errors import CorruptFileError
from ._channels import guess_kind

__all__ = ["choose_time_column", "fs_from_time", "split_name_unit"]

_TIME_NAMES = {
    "time", "t", "seconds", "second", "sec", "secs", "s", "ms", "msec", "millis", "milliseconds",
    "timestamp", "timestamps", "elapsed", "elapsed_time", "time_s", "time_sec", "time_ms", "times",
    "relative_time", "time_seconds", "time_milliseconds", "timestamp_ms", "timestamp_s",
}  # fmt: skip
_INDEX_NAMES = {"sample", "samples", "index", "idx", "n", "no", "sample_number", "sample_index", "#"}


def split_name_unit(label: str) -> tuple[str, str]:
    """``"II [mV]"`` / ``"ABP (mmHg)"`` -> ``("II", "mV")``; a name without unit -> ``(name, "")``."""
    text = label.strip().strip('"').strip("'").strip()
    m = re.fullmatch(r"(.*?)\s*[\[(]\s*([^\[\]()]*)\s*[\])]", text)
    if m and m.group(1).strip():
        return m.group(1).strip(), m.group(2).strip()
    return text, ""


def _norm(name: str) -> str:
    return re.sub(r"[\s\-.]+", "_", name.strip().lower()).strip("_")


def _time_scale(label: str, values: np.ndarray) -> float | None:
    """Seconds per unit of a time column called ``label``, or None when it is not a time name."""
    name, unit = split_name_unit(label)
    n = _norm(name)
    if n not in _TIME_NAMES:
        return None
    u = unit.lower()
    if u in ("ms", "msec", "millisecond", "milliseconds") or n in ("ms", "msec", "millis", "milliseconds") \
            or n.endswith("_ms"):
        return 1e-3
    if u in ("us", "µs", "microseconds"):
        return 1e-6
    if n.startswith("timestamp") and not u and values.size and float(np.nanmax(np.abs(values))) > 1e11:
        return 1e-3
    return 1.0


def _grid_residual_ok(col: np.ndarray) -> np.ndarray:
    """Per sample: is it within tolerance of the uniform grid from first to last value?

    Tolerance: half a step, plus 1e-4 of the value for times printed with few digits
    (e.g. BIDMC's "100.02" at 125 Hz, where rounding even repeats values).
    """
    n = col.size
    step = (col[-1] - col[0]) / (n - 1)
    grid = col[0] + np.arange(n) * step
    return np.abs(col - grid) <= 0.5 * step + 1e-4 * np.abs(col)


def _uniform_increasing(col: np.ndarray) -> bool:
    if col.size < 3 or not np.all(np.isfinite(col)) or col[-1] <= col[0]:
        return False
    return bool(np.all(np.diff(col) >= 0) and np.all(_grid_residual_ok(col)))


def _is_index(col: np.ndarray) -> bool:
    return col.size >= 2 and col[0] in (0, 1) and bool(np.all(np.diff(col) == 1))


def choose_time_column(
    labels: Sequence[str] | None, data: np.ndarray
) -> tuple[int | None, float, bool]:
    """``(column, seconds_per_unit, is_index)`` by the module's rule; column None when none."""
    if data.ndim != 2 or data.shape[0] < 2:
        return None, 1.0, False
    if labels is not None:
        for j, label in enumerate(labels):
            scale = _time_scale(label, data[:, j])
            if scale is not None:
                return j, scale, False
        for j, label in enumerate(labels):
            if _norm(split_name_unit(label)[0]) in _INDEX_NAMES and _is_index(data[:, j]):
                return j, 1.0, True
    if data.shape[1] < 2:
        return None, 1.0, False
    if labels is not None and guess_kind(labels[0]) != "other":
        return None, 1.0, False
    first = data[:, 0]
    if not _uniform_increasing(first):
        return None, 1.0, False
    if any(_uniform_increasing(data[:, j]) for j in range(1, data.shape[1])):
        return None, 1.0, False
    if labels is None and _is_index(first):
        return 0, 1.0, True
    return 0, 1.0, False


def fs_from_time(
    t: np.ndarray, scale: float, *, where: str, path: object, row: Callable[[int], str] | None = None
) -> float:
    """Sampling rate from a time column (``scale`` seconds per unit); uneven steps are an error.

    ``row(i)`` names data row ``i`` (0-based) in messages, e.g. by its line number.
    """
    row = row or (lambda i: f"row {i + 1}")
    t = np.asarray(t, dtype=np.float64) * scale
    if t.size < 2:
        raise CorruptFileError(f"{where}: a time column needs at least 2 rows to give fs", path=path)  # type: ignore[arg-type]
    if t[-1] <= t[0]:
        raise CorruptFileError(
            f"{where}: time does not increase (first {t[0]:g} s, last {t[-1]:g} s)", path=path  # type: ignore[arg-type]
        )
    step = (t[-1] - t[0]) / (t.size - 1)
    off = np.flatnonzero(~_grid_residual_ok(t))
    if off.size:
        i = int(off[0])
        d = np.diff(t)
        typical = float(np.median(d))
        local = np.flatnonzero(np.abs(d - typical) > 0.5 * typical + 2e-4 * np.abs(t[1:])) + 1
        if local.size:
            i = int(local[0])  # name the first odd step rather than where the drift shows
        what = "does not increase" if t[i] <= t[i - 1] else "is not evenly sampled"
        raise CorruptFileError(
            f"{where}: time {what} at {row(i)} ({t[i - 1]:g} s then {t[i]:g} s; typical step "
            f"{np.median(np.diff(t)):g} s); "
            "resample the data, or drop the time column and pass fs=",
            path=path,  # type: ignore[arg-type]
        )
    fs = 1.0 / step
    for decimals in range(0, 7):
        snapped = round(fs, decimals)
        if snapped > 0 and abs(snapped - fs) <= 1e-6 * fs:
            return float(snapped)
    return float(fs)
