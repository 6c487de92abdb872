"""Apache Parquet tables: one column per channel plus ``time_s`` (written with pyarrow).

cardiokit's writer stores fs, channel kinds/units, start, metadata and annotations as JSON in
the schema metadata (key ``cardiokit``), so a round trip is complete. Other Parquet files are
read from their numeric columns, with the time column rule of :mod:`cardiokit.io._tabular`
(a timestamp-typed column is always the time column) or the ``fs`` option.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from .._core.annotations import Annotations
from .._core.errors import CorruptFileError, InvalidArgumentError, MissingOptionError
from .._core.recording import Channel, Recording
from .._core.registry import FormatSpec, register_format
from ._channels import make_channel
from ._common import check_options
from ._tabular import choose_time_column, fs_from_time, split_name_unit

__all__ = ["read_parquet", "write_parquet"]

NAME = "parquet"
_META_KEY = b"cardiokit"


def _sniff(head: bytes, path: Path) -> bool:
    return head[:4] == b"PAR1"


def _table(path: Path) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise CorruptFileError(f"not a readable Parquet file: {exc}", path=path) from None


def _column(table: Any, name: str, path: Path) -> np.ndarray:
    col = table.column(name)
    if col.null_count:
        row = int(np.flatnonzero(col.is_null().to_numpy(zero_copy_only=False))[0])
        raise CorruptFileError(f"column {name!r} has a missing value at row {row + 1}", path=path)
    values = col.to_numpy(zero_copy_only=False).astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise CorruptFileError(
            f"column {name!r} row {int(bad[0]) + 1}: {values[bad[0]]} is not a finite number", path=path
        )
    return values


def _from_cardiokit(table: Any, info: dict[str, Any], path: Path) -> Recording:
    chans = info["channels"]
    sig = np.stack([_column(table, c["column"], path) for c in chans], axis=1)
    channels = tuple(Channel(c["name"], c.get("kind", "other"), c.get("unit", "")) for c in chans)
    anns = tuple(
        Annotations(a["name"], a["sample"], a["symbol"], a.get("chan"), a.get("aux"), a.get("duration"))
        for a in info.get("annotations", [])
    )
    meta = {k: (tuple(v) if isinstance(v, list) else v) for k, v in (info.get("meta") or {}).items()}
    meta.update({"format": NAME, "source": str(path)})
    start = datetime.fromisoformat(info["start"]) if info.get("start") else None
    return Recording(sig.astype(np.float32), float(info["fs"]), channels, start, anns, meta)


def read_parquet(path: Path, *, fs: float | None = None, **options: Any) -> Recording:
    """Read a Parquet table; ``fs`` (Hz) is needed only for tables without time column or metadata.

    Non-numeric columns of other tables are skipped (their names in ``meta["skipped_columns"]``).
    """
    import pyarrow.types as pat

    check_options(NAME, options, ("fs",))
    table = _table(Path(path))
    if table.num_rows == 0:
        raise CorruptFileError("table has no rows", path=path)
    raw_meta = (table.schema.metadata or {}).get(_META_KEY)
    if raw_meta is not None:
        try:
            info = json.loads(raw_meta)
            return _from_cardiokit(table, info, path)
        except (ValueError, KeyError, TypeError) as exc:
            raise CorruptFileError(f"broken cardiokit metadata: {type(exc).__name__}: {exc}", path=path) from None
    names, cols, skipped = [], [], []
    t_stamp = None
    for field in table.schema:
        if pat.is_timestamp(field.type) and t_stamp is None:
            t_stamp = field.name
        elif pat.is_integer(field.type) or pat.is_floating(field.type):
            names.append(field.name)
            cols.append(_column(table, field.name, path))
        else:
            skipped.append(field.name)
    if not cols:
        raise CorruptFileError(
            "no numeric column; columns are " + ", ".join(f"{f.name} ({f.type})" for f in table.schema),
            path=path,
        )
    data = np.stack(cols, axis=1)
    meta: dict[str, Any] = {"format": NAME, "source": str(path)}
    if skipped:
        meta["skipped_columns"] = tuple(skipped)
    start = None
    keep = list(range(len(names)))
    if t_stamp is not None:
        ts = table.column(t_stamp).cast("timestamp[ns]").to_numpy(zero_copy_only=False)
        if np.isnat(ts).any():
            raise CorruptFileError(f"time column {t_stamp!r} has missing values", path=path)
        fs_out = fs_from_time((ts - ts[0]).astype(np.int64), 1e-9, where=f"time column {t_stamp!r}", path=path)
        start = ts[0].astype("datetime64[us]").astype(datetime)
        meta["time_column"] = t_stamp
    else:
        t_col, scale, is_index = choose_time_column(names, data)
        if t_col is not None:
            keep.remove(t_col)
        if t_col is not None and not is_index:
            fs_out = fs_from_time(data[:, t_col], scale, where=f"time column {names[t_col]!r}", path=path)
            meta["time_column"] = names[t_col]
        elif fs is None:
            raise MissingOptionError(
                "has no time column, so the sampling rate is unknown; pass fs= in Hz (CLI --fs)", path=path
            )
        else:
            fs_out = float(fs)
    if not keep:
        raise CorruptFileError("the table holds only a time column and no signal", path=path)
    channels = tuple(make_channel(*split_name_unit(names[j])) for j in keep)
    return Recording(data[:, keep].astype(np.float32), fs_out, channels, start, (), meta)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "items"):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def write_parquet(rec: Recording, path: Path, **options: Any) -> None:
    """Write ``time_s`` (float64) + one float32 column per channel, with cardiokit metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if options:
        raise InvalidArgumentError(f"parquet writer takes no options; got {', '.join(sorted(options))}")
    columns: list[str] = []
    for c in rec.channels:
        base, k, name = c.name or "signal", 2, c.name or "signal"
        while name in columns or name == "time_s":
            name, k = f"{base}_{k}", k + 1
        columns.append(name)
    info = {
        "version": 1,
        "fs": rec.fs,
        "channels": [
            {"name": c.name, "column": col, "kind": c.kind, "unit": c.unit}
            for c, col in zip(rec.channels, columns, strict=True)
        ],
        "start": rec.start.isoformat() if rec.start else None,
        "meta": _jsonable({k: v for k, v in rec.meta.items() if k not in ("format", "source")}),
        "annotations": [
            {"name": a.name, "sample": a.sample.tolist(), "symbol": list(a.symbol), "chan": a.chan.tolist(),
             "aux": list(a.aux), "duration": a.duration.tolist()}
            for a in rec.annotations
        ],
    }
    arrays = [pa.array(np.arange(rec.n_samples) / rec.fs, type=pa.float64())]
    arrays += [pa.array(np.ascontiguousarray(rec.signals[:, j]), type=pa.float32()) for j in range(rec.n_channels)]
    table = pa.Table.from_arrays(arrays, names=["time_s", *columns])
    table = table.replace_schema_metadata({_META_KEY: json.dumps(info, separators=(",", ":")).encode()})
    pq.write_table(table, path, compression="zstd")


register_format(
    FormatSpec(
        name=NAME,
        description="Apache Parquet table (one column per channel)",
        extensions=(".parquet", ".pq"),
        read=read_parquet,
        write=write_parquet,
        sniff=_sniff,
        priority=10,
    )
)
