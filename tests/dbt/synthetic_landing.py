"""The synthetic raw rows (synthetic_raw.py) as landing-zone files, loaded by the real loader.

Rows are keyed by warehouse column names with made-up person keys (``p0007``); a landing
file needs the contract's column names and a CPR number, so each person gets a well-formed
CPR and the loader pseudonymises it as it does every delivery. Values are written as a
Danish export writes them (docs/architecture.md, Landing zone).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

from ltu_platform.contracts import Column, Contract, load_contracts
from tests.ingest.landing_fixture import cpr_for, csv_bytes, delivery_path


def cpr_of(person: str) -> str:
    """The CPR number standing for a synthetic person key ``pNNNN``."""
    return cpr_for(int(person.lstrip("p")))


def partition_of(contract: Contract, row: dict) -> str:
    value = row[contract.partition_column]
    return str(value) if contract.partitioning == "yearly" else f"{value:%Y-%m}"


def partitions(rows_by_dataset: dict[str, list[dict]]) -> dict[tuple[str, str], list[dict]]:
    """(dataset, partition) -> its rows."""
    contracts = load_contracts()
    out: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for dataset, rows in rows_by_dataset.items():
        for row in rows:
            out[(dataset, partition_of(contracts[dataset], row))].append(row)
    return dict(out)


def write_partition(landing: Path, dataset: str, partition: str, rows: list[dict]) -> Path:
    """The delivery file of one partition (replacing an earlier delivery at the same path)."""
    contract = load_contracts()[dataset]
    text_rows = [{c.name: _text(c, row.get(c.warehouse_name)) for c in contract.columns} for row in rows]
    path = delivery_path(landing, dataset, partition)
    path.write_bytes(csv_bytes(text_rows, contract.column_names))
    return path


def _text(column: Column, value) -> str:
    if value is None:
        return ""
    if column.type == "cpr":
        return cpr_of(value)
    if column.type == "boolean":
        return "1" if value else "0"
    if column.type == "decimal":
        return str(value).replace(".", ",")
    if column.type == "timestamp" and isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
