"""Reading what a publication is built from, read-only, out of the DuckDB warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ltu_platform.publish.tables import (
    GATE_RESULTS_RELATION,
    LOAD_LOG_RELATION,
    RISK_SCORES_RELATION,
)


class MissingSource(LookupError):
    pass


class QualityGateFailed(RuntimeError):
    pass


@contextmanager
def read_only_warehouse(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    if not path.exists():
        raise MissingSource(f"warehouse {path} does not exist: run ingestion and dbt first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    schema, _, table = relation.partition(".")
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def read_relation(con: duckdb.DuckDBPyConnection, relation: str) -> pd.DataFrame:
    if not relation_exists(con, relation):
        raise MissingSource(f"{relation} is not in the warehouse (has its asset run?)")
    return con.execute(f"SELECT * FROM {relation}").df()


def source_snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The raw loads a publication rests on: the newest load id of every dataset partition."""
    if not relation_exists(con, LOAD_LOG_RELATION):
        return {"load_ids": [], "note": f"{LOAD_LOG_RELATION} not found"}
    rows = con.execute(
        f"""
        SELECT dataset, "partition", load_id, file_sha256, loaded_at
        FROM {LOAD_LOG_RELATION}
        QUALIFY row_number() OVER (PARTITION BY dataset, "partition" ORDER BY loaded_at DESC) = 1
        ORDER BY dataset, "partition"
        """
    ).df()
    rows["loaded_at"] = rows["loaded_at"].astype(str)
    return {
        "load_ids": sorted(rows["load_id"].unique().tolist()),
        "partitions": rows.to_dict(orient="records"),
        "newest_load_at": max(rows["loaded_at"], default=None),
    }


def model_version(scores: pd.DataFrame | None) -> str | None:
    """The model version the risk scores came from (column ``model_version``, if any)."""
    if scores is None or "model_version" not in scores.columns or scores.empty:
        return None
    versions = sorted(scores["model_version"].dropna().astype(str).unique())
    return ", ".join(versions) or None


def read_risk_scores(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """The model's scores joined to what evaluation needs; None before the model has run."""
    if not relation_exists(con, RISK_SCORES_RELATION):
        return None
    return con.execute(f"SELECT * FROM {RISK_SCORES_RELATION}").df()


def latest_gate_result(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The verdict of the newest quality-gate run (ltu_platform.quality writes one row per
    dataset and rule and run): passed when no blocking rule failed."""
    if not relation_exists(con, GATE_RESULTS_RELATION):
        return {"status": "missing", "blocking_failures": f"{GATE_RESULTS_RELATION} not found"}
    rows = con.execute(
        f"""
        SELECT * FROM {GATE_RESULTS_RELATION}
        WHERE run_id = (SELECT run_id FROM {GATE_RESULTS_RELATION}
                        ORDER BY checked_at DESC LIMIT 1)
        """
    ).df()
    if rows.empty:
        return {"status": "missing", "blocking_failures": "the gate has not run"}
    blocking = rows[(rows["severity"] == "blocking") & ~rows["passed"].astype(bool)]
    return {
        "status": "passed" if blocking.empty else "failed",
        "run_id": str(rows["run_id"].iloc[0]),
        "checked_at": str(rows["checked_at"].max()),
        "rules_judged": int(len(rows)),
        "rules_failing": int((~rows["passed"].astype(bool)).sum()),
        "blocking_failures": [f"{d}.{r}" for d, r in zip(blocking["dataset"], blocking["rule"])],
    }
