"""An empty or hand-filled raw layer for dbt tests, shaped by the data contracts.

The column lists come from ``ltu_platform.contracts`` (the single source), with the lineage
columns of docs/architecture.md "Raw layer"; the real ingestion writes the same shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from ltu_platform.contracts import load_contracts

LINEAGE = {
    "_partition": "VARCHAR",
    "_source_file": "VARCHAR",
    "_row_number": "BIGINT",
    "_load_id": "VARCHAR",
    "_loaded_at": "TIMESTAMP",
}


def raw_columns(dataset: str) -> dict[str, str]:
    contract = load_contracts()[dataset]
    return {c.warehouse_name: c.warehouse_type for c in contract.columns} | LINEAGE


def create_raw_layer(warehouse: Path) -> None:
    """Create every ``raw.<dataset>`` table, empty."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists raw")
        for dataset in load_contracts():
            cols = ", ".join(f"{n} {t}" for n, t in raw_columns(dataset).items())
            con.execute(f"create or replace table raw.{dataset} ({cols})")


def insert_rows(
    warehouse: Path,
    dataset: str,
    rows: Iterable[Mapping[str, Any]],
    load_id: str = "load-1",
    loaded_at: datetime = datetime(2024, 1, 1),
) -> None:
    """Append contract rows (keyed by warehouse column name) with lineage filled in."""
    contract = load_contracts()[dataset]
    columns = list(raw_columns(dataset))
    partition_column = contract.partition_column
    records = []
    for i, row in enumerate(rows, start=1):
        unknown = set(row) - set(columns)
        if unknown:
            raise KeyError(f"{dataset}: columns {sorted(unknown)} are not in the contract")
        value = row[partition_column]
        partition = str(value)[:7] if contract.partitioning == "monthly" else str(value)[:4]
        lineage = {
            "_partition": partition,
            "_source_file": f"test/{dataset}_{partition}.csv",
            "_row_number": i,
            "_load_id": load_id,
            "_loaded_at": loaded_at,
        }
        records.append([{**row, **lineage}.get(c) for c in columns])
    if not records:
        return
    with duckdb.connect(str(warehouse)) as con:
        placeholders = ", ".join("?" for _ in columns)
        con.executemany(
            f"insert into raw.{dataset} ({', '.join(columns)}) values ({placeholders})", records
        )
