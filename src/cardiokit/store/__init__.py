"""Result store: an embedded DuckDB database (one row per input content hash), Parquet export.

Default location: ``$CARDIOKIT_DATA_DIR/cardiokit.duckdb``, else
``$XDG_DATA_HOME/cardiokit/cardiokit.duckdb``, else ``~/.local/share/cardiokit/cardiokit.duckdb``
(:func:`default_store_path`). See :class:`Store` for the tables.
"""

from __future__ import annotations

from .duck import TABLES, Store, default_store_path

__all__ = ["TABLES", "Store", "default_store_path"]
