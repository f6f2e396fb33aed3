"""Rows failing a row-level rule: recorded in ``quality.quarantine``, never deleted from raw.

Downstream reads ``quality.passed_<dataset>`` (raw minus quarantined rows). Every run
reconciles rows in = rows passed + rows quarantined per dataset and partition.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from ltu_platform.quality.registration_rules import FAILURES_TABLE
from ltu_platform.quality.warehouse import table_exists

SCHEMA = "quality"


def write_quarantine(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Replace ``quality.quarantine`` with this run's failing rows (the gate judges all rows)."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {SCHEMA}.quarantine AS
        SELECT dataset, _partition AS partition, _source_file AS source_file,
               _row_number AS row_number, rule_id, reason,
               ? AS run_id, current_timestamp::TIMESTAMP AS checked_at
        FROM {FAILURES_TABLE}
        ORDER BY dataset, partition, source_file, row_number, rule_id
        """,
        [run_id],
    )


def write_passed_views(con: duckdb.DuckDBPyConnection, datasets: list[str]) -> None:
    for d in datasets:
        con.execute(
            f"""
            CREATE OR REPLACE VIEW {SCHEMA}.passed_{d} AS
            SELECT t.* FROM raw.{d} AS t
            WHERE NOT EXISTS (
                SELECT 1 FROM {SCHEMA}.quarantine AS q
                WHERE q.dataset = '{d}' AND q.source_file = t._source_file
                  AND q.row_number = t._row_number)
            """
        )


def reconcile(con: duckdb.DuckDBPyConnection, datasets: list[str]) -> pd.DataFrame:
    """Per dataset and partition: rows in raw = rows passed + rows quarantined by the gate.

    Where the ingestion's load log exists, the delivered rows and the rows the ingestion
    quarantined are shown beside them (delivered = rows in + ingestion-quarantined).
    """
    has_log = table_exists(con, "raw", "load_log")
    parts = []
    for d in datasets:
        parts.append(
            f"""
            SELECT '{d}' AS dataset, r._partition AS partition, r.rows_in,
                   coalesce(p.rows_passed, 0) AS rows_passed,
                   coalesce(q.rows_quarantined, 0) AS rows_quarantined
            FROM (SELECT _partition, count(*) AS rows_in FROM raw.{d} GROUP BY 1) AS r
            LEFT JOIN (SELECT _partition, count(*) AS rows_passed FROM {SCHEMA}.passed_{d}
                       GROUP BY 1) AS p USING (_partition)
            LEFT JOIN (SELECT partition AS _partition,
                              count(DISTINCT (source_file, row_number)) AS rows_quarantined
                       FROM {SCHEMA}.quarantine WHERE dataset = '{d}' GROUP BY 1) AS q
              USING (_partition)
            """
        )
    frame = con.execute(" UNION ALL ".join(parts) + " ORDER BY dataset, partition").df()
    if has_log:
        log = con.execute(
            """
            SELECT dataset, partition, sum(rows_in) AS rows_delivered,
                   sum(rows_quarantined) AS rows_ingestion_quarantined
            FROM raw.load_log
            WHERE load_id IN (SELECT max_by(load_id, loaded_at) FROM raw.load_log
                              GROUP BY dataset, partition)
            GROUP BY ALL
            """
        ).df()
        frame = frame.merge(log, on=["dataset", "partition"], how="left")
    frame["reconciled"] = frame["rows_in"] == frame["rows_passed"] + frame["rows_quarantined"]
    return frame


def write_reconciliation(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, run_id: str) -> None:
    con.register("_reconciliation", frame.assign(run_id=run_id))
    con.execute(f"CREATE OR REPLACE TABLE {SCHEMA}.reconciliation AS SELECT * FROM _reconciliation")
    con.unregister("_reconciliation")


def ingestion_quarantine_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Rows the ingestion quarantined (``raw.quarantine``), per dataset and rule."""
    if not table_exists(con, "raw", "quarantine"):
        return pd.DataFrame(columns=["dataset", "rule", "rows"])
    return con.execute(
        """
        SELECT dataset, rule, count(DISTINCT (_source_file, _row_number)) AS rows
        FROM raw.quarantine GROUP BY ALL ORDER BY dataset, rule
        """
    ).df()
