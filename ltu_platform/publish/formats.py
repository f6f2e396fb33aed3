"""The file formats evaluators read: Parquet, CSV for Danish Excel, and one DuckDB file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb
import pandas as pd

EVALUATOR_DB = "ltu_published.duckdb"


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    df.to_parquet(path, index=False)


def write_danish_csv(df: pd.DataFrame, path: Path) -> None:
    """Danish Excel opens this directly: ``;`` separator, decimal comma, UTF-8 with BOM.

    Booleans are written 1/0 (the landing zone's convention, docs/architecture.md) and
    NULL as an empty field.
    """
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype("Int64")
    out.to_csv(path, sep=";", decimal=",", encoding="utf-8-sig", index=False,
               date_format="%Y-%m-%d")


def write_duckdb(tables: Mapping[str, pd.DataFrame], path: Path) -> None:
    """One DuckDB file with a table per published table (evaluators open it read-only)."""
    con = duckdb.connect(str(path))
    try:
        for name, df in tables.items():
            con.register("_frame", df)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _frame')
            con.unregister("_frame")
        con.execute("CHECKPOINT")
    finally:
        con.close()
