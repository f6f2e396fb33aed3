"""Loading deliveries into the raw layer (docs/architecture.md, Raw layer).

One partition at a time: read, check the header and types (a failure stops the partition),
quarantine the rows that break a row rule, pseudonymise CPR numbers, then replace the
partition's rows, its quarantine and add its load-log row in one transaction. The delivered
file is only read, never changed.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm import tqdm

from ltu_platform import pseudonym
from ltu_platform.contracts import Contract, get_contract, load_contracts
from ltu_platform.ingest.discovery import Delivery, find_delivery, list_all_deliveries
from ltu_platform.ingest.errors import DeliveryContractError, IngestionFailed
from ltu_platform.ingest.parsing import check_header, parse_table
from ltu_platform.ingest.raw_schema import RAW_SCHEMA, ensure_raw_tables, table_name
from ltu_platform.ingest.reading import fetch, file_sha256, parse_delivery
from ltu_platform.ingest.validation import row_failures

log = logging.getLogger(__name__)


@dataclass
class LoadReport:
    dataset: str
    partition: str
    source_file: str
    file_sha256: str | None
    rows_in: int
    rows_loaded: int
    rows_quarantined: int
    status: str  # loaded | failed
    message: str
    load_id: str
    # (column, rule) -> number of quarantined rows whose first failure it is
    quarantine_reasons: dict[tuple[str, str], int] = field(default_factory=dict)

    def quarantine_markdown(self) -> str:
        return quarantine_markdown(self.quarantine_reasons)


def quarantine_markdown(reasons: Mapping[tuple[str, str], int]) -> str:
    """Quarantine counts by (column, rule) as a markdown table (Dagster metadata, logs)."""
    if not reasons:
        return "No rows quarantined."
    lines = ["| column | rule | rows |", "|---|---|---:|"]
    lines += [f"| {c} | {r} | {n} |" for (c, r), n in sorted(reasons.items())]
    return "\n".join(lines)


def load_partition(
    con: duckdb.DuckDBPyConnection,
    landing_url: str,
    dataset: str,
    partition: str,
    key: bytes | None = None,
) -> LoadReport:
    """Load one delivered partition; raises DeliveryContractError when it cannot load at all.

    A failed load is recorded in ``raw.load_log`` and leaves the partition's earlier rows as
    they were (the last good delivery stays until a good one replaces it).
    """
    contract = get_contract(dataset)
    key = pseudonym.pseudo_key() if key is None else key
    ensure_raw_tables(con, contract)
    load_id, loaded_at = uuid.uuid4().hex, datetime.now(timezone.utc).replace(tzinfo=None)
    delivery = _the_delivery(landing_url, contract, partition)
    data = fetch(landing_url, delivery)
    try:
        raw = parse_delivery(data, delivery)
        check_header(raw.header, contract, delivery.relative_path)
        typed = parse_table(raw.table, contract, delivery.relative_path)
    except DeliveryContractError as exc:
        report = LoadReport(dataset, partition, delivery.relative_path, file_sha256(data), 0, 0, 0,
                            "failed", str(exc), load_id)
        _write_load_log(con, report, loaded_at)
        raise
    report = _replace_partition(con, contract, delivery, typed, raw.sha256, key, load_id, loaded_at)
    log.info("loaded %s %s: %d in, %d loaded, %d quarantined", dataset, partition,
             report.rows_in, report.rows_loaded, report.rows_quarantined)
    return report


def ingest_all(
    warehouse_path: str | Path,
    landing_url: str,
    datasets: list[str] | None = None,
    progress: bool = False,
    key: bytes | None = None,
) -> list[LoadReport]:
    """Load every delivered partition of the datasets (default: all contracts).

    A partition that fails is recorded and the others still load; IngestionFailed is
    raised at the end naming every failure.
    """
    key = pseudonym.pseudo_key() if key is None else key  # fail before loading anything
    todo = sorted({(d.dataset, d.partition) for d in list_all_deliveries(landing_url, datasets)},
                  key=lambda dp: (_contract_order(dp[0]), dp[1]))
    Path(warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    reports, failures = [], []
    with duckdb.connect(str(warehouse_path)) as con:
        for dataset, partition in tqdm(todo, desc="ingest", unit="partition", disable=not progress):
            try:
                reports.append(load_partition(con, landing_url, dataset, partition, key))
            except (DeliveryContractError, ValueError) as exc:
                log.error("%s %s failed: %s", dataset, partition, exc)
                failures.append((dataset, partition, exc))
    if failures:
        raise IngestionFailed(failures)
    return reports


def last_loaded_sha256(con: duckdb.DuckDBPyConnection, dataset: str, partition: str) -> str | None:
    """Checksum of the file behind the partition's latest successful load, if any."""
    try:
        row = con.execute(
            f"""SELECT file_sha256 FROM {RAW_SCHEMA}.load_log
                WHERE dataset = ? AND "partition" = ? AND status = 'loaded'
                ORDER BY loaded_at DESC LIMIT 1""",
            [dataset, partition],
        ).fetchone()
    except duckdb.CatalogException:  # no load yet
        return None
    return row[0] if row else None


def pseudonymise(cprs: pa.Array, key: bytes) -> pa.Array:
    """person_key for each CPR number: one HMAC per distinct number, nulls stay null."""
    codes, distinct = pd.factorize(cprs.to_numpy(zero_copy_only=False), use_na_sentinel=True)
    keys = pseudonym.person_keys(distinct, key)
    out = np.where(codes >= 0, keys[np.maximum(codes, 0)] if len(keys) else None, None)
    return pa.array(out, type=pa.string())


def _the_delivery(landing_url: str, contract: Contract, partition: str) -> Delivery:
    expected = contract.relative_path(partition)
    try:
        delivery = find_delivery(landing_url, contract.dataset, partition)
    except ValueError as exc:
        raise DeliveryContractError(expected, 0, None, "one_delivery_per_partition", str(exc)) from exc
    if delivery is None:
        raise DeliveryContractError(expected, 0, None, "delivery_missing", f"nothing delivered for {contract.dataset} {partition} (.csv or .parquet)")
    return delivery


def _replace_partition(con, contract: Contract, delivery: Delivery, typed: pa.Table, sha256: str,
                       key: bytes, load_id: str, loaded_at: datetime) -> LoadReport:
    warehouse = _to_warehouse_columns(typed, contract, key)
    failures = row_failures(typed, contract, delivery.partition)
    bad_rows = np.unique(failures["row"].to_numpy()) if len(failures) else np.array([], dtype="int64")
    keep = np.ones(typed.num_rows, dtype=bool)
    keep[bad_rows] = False
    good = warehouse.filter(pa.array(keep)).append_column(
        "_row_number", pa.array(np.flatnonzero(keep) + 1, type=pa.int64()))
    quarantine = _quarantine_rows(failures, warehouse, contract, delivery)
    reasons = Counter(zip(quarantine["column_name"], quarantine["rule"]))
    report = LoadReport(contract.dataset, delivery.partition, delivery.relative_path, sha256,
                        typed.num_rows, good.num_rows, len(quarantine), "loaded",
                        f"{len(quarantine)} row(s) quarantined" if len(quarantine) else "ok",
                        load_id, dict(reasons))
    lineage = [delivery.partition, delivery.relative_path, load_id, loaded_at]
    con.begin()
    try:
        con.register("_ltu_ingest_rows", good)
        _record_removed_persons(con, contract, delivery.partition, load_id, loaded_at)
        con.execute(f"DELETE FROM {table_name(contract)} WHERE _partition = ?", [delivery.partition])
        con.execute(f"DELETE FROM {RAW_SCHEMA}.quarantine WHERE dataset = ? AND _partition = ?",
                    [contract.dataset, delivery.partition])
        con.execute(
            f"""INSERT INTO {table_name(contract)} BY NAME
                SELECT *, ? AS _partition, ? AS _source_file, ? AS _load_id, ?::TIMESTAMP AS _loaded_at
                FROM _ltu_ingest_rows""", lineage)
        con.register("_ltu_ingest_quarantine", quarantine)
        con.execute(
            f"""INSERT INTO {RAW_SCHEMA}.quarantine BY NAME
                SELECT *, ? AS _load_id, ?::TIMESTAMP AS _loaded_at FROM _ltu_ingest_quarantine""",
            [load_id, loaded_at])
        _check_nothing_lost(con, contract, report)
        _write_load_log(con, report, loaded_at)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        con.unregister("_ltu_ingest_rows")
        con.unregister("_ltu_ingest_quarantine")
    return report


def _record_removed_persons(con, contract: Contract, partition: str, load_id: str,
                            loaded_at: datetime) -> None:
    """Persons in the partition's loaded rows who are not in the new delivery's good rows.

    A corrected re-delivery may withdraw a person's rows; without a newer row of theirs the
    incremental dbt models would keep their old facts (raw.person_removals, raw_schema.py).
    Persons still in the delivery need no record: their new rows carry this load's time.
    """
    person_columns = [c.warehouse_name for c in contract.columns if c.type == "cpr"]
    if not person_columns:
        return
    con.execute(
        f"""INSERT INTO {RAW_SCHEMA}.person_removals
            SELECT person_key, ?, ?, ?, ?::TIMESTAMP FROM (
                SELECT {person_columns[0]} AS person_key FROM {table_name(contract)} WHERE _partition = ?
                EXCEPT
                SELECT {person_columns[0]} FROM _ltu_ingest_rows
            ) WHERE person_key IS NOT NULL""",
        [contract.dataset, partition, load_id, loaded_at, partition])


def _to_warehouse_columns(typed: pa.Table, contract: Contract, key: bytes) -> pa.Table:
    """Contract columns under their warehouse names, CPR replaced by its person_key."""
    arrays = [
        pseudonymise(typed.column(c.name).combine_chunks(), key) if c.type == "cpr" else typed.column(c.name)
        for c in contract.columns
    ]
    return pa.Table.from_arrays(arrays, names=[c.warehouse_name for c in contract.columns])


def _quarantine_rows(failures: pd.DataFrame, warehouse: pa.Table, contract: Contract,
                     delivery: Delivery) -> pd.DataFrame:
    """One quarantine row per bad data row: its first failure, all reasons, the record."""
    if not len(failures):
        return pd.DataFrame({"dataset": [], "_partition": [], "_source_file": [], "_row_number": pd.Series([], dtype="int64"),
                             "column_name": [], "rule": [], "reason": [], "record": []})
    per_row = failures.groupby("row", sort=True).agg(
        column_name=("column_name", "first"), rule=("rule", "first"), reason=("reason", "; ".join))
    rows = per_row.index.to_numpy()
    records = warehouse.take(pa.array(rows)).to_pylist()  # CPR already pseudonymised here
    return pd.DataFrame({
        "dataset": contract.dataset,
        "_partition": delivery.partition,
        "_source_file": delivery.relative_path,
        "_row_number": rows.astype("int64") + 1,
        "column_name": per_row["column_name"].to_numpy(),
        "rule": per_row["rule"].to_numpy(),
        "reason": per_row["reason"].to_numpy(),
        "record": [json.dumps(r, default=str, ensure_ascii=False) for r in records],
    })


def _check_nothing_lost(con, contract: Contract, report: LoadReport) -> None:
    loaded = con.execute(f"SELECT count(*) FROM {table_name(contract)} WHERE _load_id = ?", [report.load_id]).fetchone()[0]
    quarantined = con.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.quarantine WHERE _load_id = ?", [report.load_id]).fetchone()[0]
    if (loaded, quarantined) != (report.rows_loaded, report.rows_quarantined) or report.rows_in != loaded + quarantined:
        raise RuntimeError(
            f"{report.source_file}: rows in {report.rows_in} != loaded {loaded} + quarantined {quarantined}; load rolled back")


def _write_load_log(con, report: LoadReport, loaded_at: datetime) -> None:
    con.execute(
        f"""INSERT INTO {RAW_SCHEMA}.load_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::TIMESTAMP)""",
        [report.load_id, report.dataset, report.partition, report.source_file, report.file_sha256,
         report.rows_in, report.rows_loaded, report.rows_quarantined, report.status, report.message, loaded_at],
    )


def _contract_order(dataset: str) -> int:
    return list(load_contracts()).index(dataset)
