"""The registration-quality gate, usable without Dagster: ``run_gate(warehouse, out_dir)``.

Order of work: DuckDB flags every failing row (``registration_rules``), the flags become
``quality.quarantine``, the ``quality.passed_<dataset>`` views, the reconciliation and the
``quality.registration_quality`` mart; then GX judges each raw dataset batch by batch against
its contract suite and renders Data Docs under ``<out_dir>/data_docs/<run_id>/``.
"""

from __future__ import annotations

import logging
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from ltu_platform.contracts import load_contracts
from ltu_platform.quality.mart import write_registration_quality
from ltu_platform.quality.quarantine import (
    SCHEMA,
    ingestion_quarantine_counts,
    reconcile,
    write_passed_views,
    write_quarantine,
    write_reconciliation,
)
from ltu_platform.quality.registration_rules import (
    FAILURES_TABLE,
    STRUCTURE_RULE,
    flag_failures,
    loaded_datasets,
)
from ltu_platform.quality.results import GateResult, RuleResult
from ltu_platform.quality.suites import rule_settings
from ltu_platform.quality.validation import (
    DatasetValidation,
    build_docs,
    make_context,
    validate_dataset,
)

log = logging.getLogger(__name__)
INGESTION_RULE = "ingestion_quarantine"
RECONCILIATION_RULE = "reconciliation"
SAMPLE_ROWS = 10
DEFAULT_BATCH_ROWS = 2_000_000  # flag columns only: ~20 MB of booleans per batch


@contextmanager
def _timed(step: str):
    # Step durations in the log: the gate has a time budget at national scale (make bench).
    start = time.perf_counter()
    yield
    log.info("quality gate: %s took %.1f s", step, time.perf_counter() - start)


def _markdown(frame: pd.DataFrame) -> str:
    return frame.to_markdown(index=False) if len(frame) else ""


def _failure_sample(con: duckdb.DuckDBPyConnection, dataset: str, rule_id: str) -> str:
    # Lineage and reason only: the row is found by file and row number, never by person.
    return _markdown(
        con.execute(
            f"""
            SELECT _partition AS partition, _source_file AS source_file,
                   _row_number AS row_number, reason
            FROM {FAILURES_TABLE} WHERE dataset = ? AND rule_id = ?
            ORDER BY _partition, _source_file, _row_number LIMIT {SAMPLE_ROWS}
            """,
            [dataset, rule_id],
        ).df()
    )


def _schema_failures(v: DatasetValidation) -> str:
    # Columns and types are judged on the table, not on rows: listed by expectation.
    failed = [t for t in v.tallies if "schema" in t.failed_batches]
    return _markdown(pd.DataFrame([{"expectation": t.expectation, "column": t.column or ""} for t in failed]))


def _row_rule_results(con: duckdb.DuckDBPyConnection, v: DatasetValidation) -> list[RuleResult]:
    contract = load_contracts()[v.dataset]
    results = []
    for rule_id, s in rule_settings(contract).items():
        sample = _failure_sample(con, v.dataset, rule_id)
        if rule_id == STRUCTURE_RULE:
            sample = "\n\n".join(part for part in (_schema_failures(v), sample) if part)
        results.append(
            RuleResult(
                dataset=v.dataset, rule_id=rule_id, domain_rule=s["domain_rule"], kind=s["kind"],
                severity=s["severity"], tolerance=s["tolerance"], description=s["description"],
                n_rows=v.n_rows, n_failing=v.failing(rule_id), sample_markdown=sample,
                data_docs=v.worst_batch_docs(rule_id),
            )
        )
    return results


def _ingestion_result(dataset: str, n_loaded: int, counts: pd.DataFrame) -> RuleResult:
    # Rows the ingestion already kept out of raw: detected defects, reported, never blocking
    # here (the ingestion has dealt with them; they are not in the tables downstream reads).
    mine = counts[counts["dataset"] == dataset][["rule", "rows"]]
    n = int(mine["rows"].sum()) if len(mine) else 0
    return RuleResult(
        dataset=dataset, rule_id=INGESTION_RULE, domain_rule="contract", kind="ingestion",
        severity="warning", tolerance=0.0,
        description="Rows the ingestion quarantined (raw.quarantine), per rule",
        n_rows=n_loaded + n, n_failing=n, sample_markdown=_markdown(mine),
    )


def _reconciliation_result(dataset: str, reconciliation: pd.DataFrame) -> RuleResult:
    # Nothing may be lost silently: every raw row is either passed or quarantined.
    rec = reconciliation[reconciliation["dataset"] == dataset]
    gap = (rec["rows_in"] - rec["rows_passed"] - rec["rows_quarantined"]).abs()
    return RuleResult(
        dataset=dataset, rule_id=RECONCILIATION_RULE, domain_rule="contract", kind="structural",
        severity="blocking", tolerance=0.0,
        description="Per partition: rows in = rows passed + rows quarantined",
        n_rows=int(rec["rows_in"].sum()), n_failing=int(gap.sum()),
        sample_markdown=_markdown(rec[gap > 0].head(SAMPLE_ROWS)),
    )


def _write_rule_results(con: duckdb.DuckDBPyConnection, result: GateResult) -> None:
    frame = result.summary().assign(
        run_id=result.run_id,
        data_docs=[r.data_docs for r in result.rules],
        checked_at=pd.Timestamp.now(),
    )
    con.register("_rule_results", frame)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {SCHEMA}.rule_results AS SELECT * FROM _rule_results LIMIT 0"
    )
    con.execute(f"INSERT INTO {SCHEMA}.rule_results BY NAME SELECT * FROM _rule_results")
    con.unregister("_rule_results")


def run_gate(
    warehouse_path: str | Path,
    out_dir: str | Path,
    run_id: str | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    memory_limit: str = "2GB",
) -> GateResult:
    """Judge every loaded raw dataset; write the quality schema and this run's Data Docs.

    ``out_dir`` is the quality folder (``Settings.quality_dir``); Data Docs go to
    ``<out_dir>/data_docs/<run_id>/``. Needs the warehouse's single writer slot.
    """
    with duckdb.connect(str(warehouse_path)) as con:
        return gate_on_connection(con, out_dir, run_id, batch_rows, memory_limit)


def gate_on_connection(
    con: duckdb.DuckDBPyConnection,
    out_dir: str | Path,
    run_id: str | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    memory_limit: str = "2GB",
) -> GateResult:
    """``run_gate`` on an open (writable) warehouse connection, e.g. a Dagster resource's."""
    run_id = run_id or uuid.uuid4().hex[:12]
    # Bounded memory at national scale: DuckDB spills beyond this, pandas holds one batch.
    con.execute(f"SET memory_limit = '{memory_limit}'")
    datasets = loaded_datasets(con)
    with _timed("flagging row-level rules in DuckDB"):
        flag_failures(con, datasets)
    with _timed("quarantine, passed views, reconciliation and mart"):
        write_quarantine(con, run_id)
        write_passed_views(con, datasets)
        reconciliation = reconcile(con, datasets)
        write_reconciliation(con, reconciliation, run_id)
        mart_rows = write_registration_quality(con, datasets)
        counts = ingestion_quarantine_counts(con)
    context = make_context(Path(out_dir) / "data_docs" / run_id)
    contracts = load_contracts()
    validations = []
    for d in datasets:
        with _timed(f"GX validation of raw.{d}"):
            validations.append(validate_dataset(context, con, contracts[d], run_id, batch_rows))
    with _timed("Data Docs"):
        index = build_docs(context, validations)
    rules: list[RuleResult] = []
    for v in validations:
        rules += _row_rule_results(con, v)
        rules.append(_reconciliation_result(v.dataset, reconciliation))
        rules.append(_ingestion_result(v.dataset, v.n_rows, counts))
    result = GateResult(run_id, rules, reconciliation, index, counts, mart_rows)
    _write_rule_results(con, result)
    return result


def planned_rules(dataset: str) -> list[tuple[str, str, str]]:
    """(rule_id, severity, description) of every verdict the gate gives on a dataset, known
    before it runs (Dagster declares one asset check per entry)."""
    contract = load_contracts()[dataset]
    return [
        *((rule_id, s["severity"], f"{s['domain_rule']}: {s['description']}")
          for rule_id, s in rule_settings(contract).items()),
        (RECONCILIATION_RULE, "blocking", "Per partition: rows in = rows passed + rows quarantined"),
        (INGESTION_RULE, "warning", "Rows the ingestion quarantined (raw.quarantine), per rule"),
    ]
