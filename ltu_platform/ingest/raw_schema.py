"""The warehouse's raw layer, derived from the data contracts (docs/architecture.md, Raw layer)."""

from __future__ import annotations

import duckdb

from ltu_platform.contracts import Contract

RAW_SCHEMA = "raw"
LINEAGE_COLUMNS = {
    "_partition": "VARCHAR",
    "_source_file": "VARCHAR",
    "_row_number": "BIGINT",  # 1-based data row in the delivered file, header excluded
    "_load_id": "VARCHAR",
    "_loaded_at": "TIMESTAMP",
}
QUARANTINE_DDL = f"""
CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.quarantine (
    dataset VARCHAR, _partition VARCHAR, _source_file VARCHAR, _row_number BIGINT,
    column_name VARCHAR, rule VARCHAR, reason VARCHAR, record JSON,
    _load_id VARCHAR, _loaded_at TIMESTAMP
)"""
LOAD_LOG_DDL = f"""
CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.load_log (
    load_id VARCHAR, dataset VARCHAR, "partition" VARCHAR, source_file VARCHAR,
    file_sha256 VARCHAR, rows_in BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT,
    status VARCHAR, message VARCHAR, loaded_at TIMESTAMP
)"""
# Persons whose rows a re-load of a partition withdrew (they are in the old delivery but not
# in the new one). They have no newer raw row, yet their facts changed: the incremental dbt
# models (dbt_project/macros/incremental.sql) recompute them from this table.
PERSON_REMOVALS_DDL = f"""
CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.person_removals (
    person_key VARCHAR, dataset VARCHAR, _partition VARCHAR, _load_id VARCHAR, _loaded_at TIMESTAMP
)"""


def data_columns(contract: Contract) -> dict[str, str]:
    """Warehouse name -> DuckDB type, in contract order (CPR columns become ``person_key``)."""
    return {c.warehouse_name: c.warehouse_type for c in contract.columns}


def table_name(contract: Contract) -> str:
    return f"{RAW_SCHEMA}.{contract.dataset}"


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    columns = {**data_columns(contract), **LINEAGE_COLUMNS}
    column_sql = ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns.items())
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {table_name(contract)} ({column_sql})")
    con.execute(QUARANTINE_DDL)
    con.execute(LOAD_LOG_DDL)
    con.execute(PERSON_REMOVALS_DDL)
