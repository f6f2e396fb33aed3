"""A tiny landing zone written by hand from the data contracts (not the simulator).

Values are formatted the way a Danish export writes them (decimal comma, ja/nej, ``;``), so
the loader's parsing is tested against text we control; ``expected`` holds what each value
must become, as an independent truth.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ltu_platform.contracts import Column, Contract, get_contract


@dataclass
class Written:
    path: Path
    rows: list[dict[str, str]]

    @property
    def cprs(self) -> set[str]:
        return {v for r in self.rows for k, v in r.items() if k == "cpr" and v}


def cpr_for(i: int) -> str:
    """A well-formed 10-digit CPR number (DDMMYYSSSS); the sequence part varies with i."""
    return f"{(i % 28) + 1:02d}{(i % 12) + 1:02d}{80 + i % 20:02d}{1000 + i:04d}"


def sample_value(contract: Contract, column: Column, partition: str, i: int) -> str:
    """A valid text value of one column for data row i of a partition."""
    if column.name == contract.partition_column:
        if column.type == "date":
            return f"{partition}-{(i % 28) + 1:02d}" if len(partition) == 7 else f"{partition}-06-{(i % 28) + 1:02d}"
        return partition
    if column.name in contract.primary_key and column.type == "string":
        return f"{contract.dataset[:4]}-{partition}-{i}"
    allowed = column.allowed_values()
    if allowed:
        return allowed[i % len(allowed)]
    if column.type == "cpr":
        return cpr_for(i)
    if column.type == "integer":
        low = int(column.min) if column.min is not None else 0
        return str(low + i % 3)
    if column.type == "decimal":
        return f"{int(column.min or 0) + i % 4},5"  # decimal comma, as a Danish export writes it
    if column.type == "date":
        return f"2019-0{(i % 9) + 1}-{(i % 28) + 1:02d}"
    if column.type == "timestamp":
        return f"2020-01-{(i % 28) + 1:02d} 08:{i % 60:02d}:00"
    if column.type == "boolean":
        return ["ja", "nej", "1", "0", "true", "false"][i % 6]
    return f"{column.name}-{i}"


def sample_rows(dataset: str, partition: str, n: int, start: int = 0) -> list[dict[str, str]]:
    contract = get_contract(dataset)
    return [{c.name: sample_value(contract, c, partition, start + i) for c in contract.columns} for i in range(n)]


def csv_bytes(rows: list[dict[str, str]], header: list[str], encoding: str = "utf-8", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[row.get(name, "") for name in header] for row in rows])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def delivery_path(landing: Path, dataset: str, partition: str, suffix: str = "csv") -> Path:
    path = landing / get_contract(dataset).relative_path(partition, suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def write_csv(landing: Path, dataset: str, partition: str, rows: list[dict[str, str]] | None = None,
              n: int = 5, header: list[str] | None = None, encoding: str = "utf-8", bom: bool = False) -> Written:
    rows = sample_rows(dataset, partition, n) if rows is None else rows
    header = get_contract(dataset).column_names if header is None else header
    path = delivery_path(landing, dataset, partition)
    path.write_bytes(csv_bytes(rows, header, encoding, bom))
    return Written(path, rows)


def write_bytes(landing: Path, dataset: str, partition: str, data: bytes, suffix: str = "csv") -> Path:
    path = delivery_path(landing, dataset, partition, suffix)
    path.write_bytes(data)
    return path


def write_parquet(landing: Path, dataset: str, partition: str, table: pa.Table) -> Path:
    path = delivery_path(landing, dataset, partition, "parquet")
    pq.write_table(table, path)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
