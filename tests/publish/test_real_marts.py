"""The publication against the real dbt project: the marts have the columns the suppression
specs and evaluations read, and the dbt docs ship with a publication.

The raw layer is empty (shaped by the data contracts), so dbt builds every model with zero
rows in seconds; the numbers are tested elsewhere, here the interface is.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from ltu_platform.contracts import load_contracts
from ltu_platform.publish import dbt_docs
from ltu_platform.publish.assemble import COURSES, FEATURES
from ltu_platform.publish.evaluation import pilot
from ltu_platform.publish.tables import INDICATOR_MART_NAMES, INDICATOR_MARTS

LINEAGE = "_partition VARCHAR, _source_file VARCHAR, _row_number BIGINT, _load_id VARCHAR, " \
          "_loaded_at TIMESTAMP"
# what the evaluations read from the spell marts (assemble.py, evaluation/*)
COURSE_COLUMNS = {"spell_key", "spell_start", "akasse_code", "municipality_code",
                  "jobcenter_code", "cv_within_14_days", "joint_1_in_window",
                  "n_contact_conversations_3m", "transfer_410_date", "pilot_target",
                  "pilot_participant", "ltu", "censored"}
FEATURE_COLUMNS = {"spell_key", "sex", "origin", "age", *pilot.NUMERIC, *pilot.CATEGORICAL} - {
    "start_month_index"}


@pytest.fixture(scope="module")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("real_marts")
    warehouse = root / "ltu.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE SCHEMA raw")
        for name, contract in load_contracts().items():
            cols = ", ".join(f"{c.warehouse_name} {c.warehouse_type}" for c in contract.columns)
            con.execute(f"CREATE TABLE raw.{name} ({cols}, {LINEAGE})")
    finally:
        con.close()
    profiles = dbt_docs._profiles_dir(warehouse, root)
    result = dbtRunner().invoke([
        "build", "--project-dir", str(dbt_docs.DBT_PROJECT_DIR), "--profiles-dir", str(profiles),
        "--target-path", str(root / "target"), "--log-path", str(root / "logs"), "--quiet",
        "--exclude", "resource_type:test",
    ])
    assert result.success, result.exception
    return warehouse


def test_real_marts_have_the_columns_publication_reads(built_warehouse: Path) -> None:
    # dbt-duckdb keeps its in-process connection: read through the same configuration
    con = duckdb.connect(str(built_warehouse))
    try:
        def columns(relation: str) -> set[str]:
            return {r[0] for r in con.execute(f"DESCRIBE {relation}").fetchall()}

        for mart in INDICATOR_MARTS:
            assert columns(mart.relation) == set(mart.spec.columns), mart.name
        assert COURSE_COLUMNS <= columns(COURSES)
        assert FEATURE_COLUMNS <= columns(FEATURES)
    finally:
        con.close()


def test_dbt_docs_of_the_published_models_ship(built_warehouse: Path, tmp_path: Path) -> None:
    result = dbt_docs.generate_docs(built_warehouse, tmp_path / "docs", INDICATOR_MART_NAMES)
    assert result.source == "generated", result.message
    for name in dbt_docs.DOCS_FILES:
        assert (tmp_path / "docs" / name).stat().st_size > 0
    catalog = json.loads((tmp_path / "docs" / "catalog.json").read_text(encoding="utf-8"))
    documented = {n.split(".")[-1] for n in catalog["nodes"]}
    assert set(INDICATOR_MART_NAMES) <= documented
