"""Row-for-row comparison of warehouse tables between two DuckDB files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

# State of an incremental build (macros/incremental.sql): legitimately differs by build path.
BUILD_STATE_PREFIX = "_built_"


def _connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    # not read_only: an in-process dbt run (dbtRunner) may still hold the file with the
    # default configuration, and DuckDB allows one configuration per file and process
    return duckdb.connect(str(warehouse))


def read_table(warehouse: Path, table: str) -> pd.DataFrame:
    """All rows of ``table`` without build-state columns, in a canonical order."""
    with _connect(warehouse) as con:
        columns = [c for (c,) in con.execute(f"select column_name from (describe {table})").fetchall()
                   if not c.startswith(BUILD_STATE_PREFIX)]
        quoted = ", ".join(f'"{c}"' for c in columns)
        df = con.execute(f"select {quoted} from {table} order by all nulls first").df()
    # list columns arrive as arrays: make them comparable values
    return df.apply(lambda col: col.map(lambda v: tuple(v) if hasattr(v, "__len__") and not isinstance(v, str) else v)
                    if col.dtype == object else col)


def tables_in(warehouse: Path, schema: str) -> list[str]:
    with _connect(warehouse) as con:
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
        ).fetchall()
    return [f"{schema}.{name}" for (name,) in rows]
