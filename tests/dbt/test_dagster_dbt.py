"""The dbt project as Dagster assets: keys, groups, checks, and a real materialization."""

from __future__ import annotations

import dagster as dg
import pytest

from ltu_platform.settings import REPO_ROOT
from tests.dbt.dbt_runner import run_dbt

INDICATOR_MARTS = ["fct_selfbooking_share", "fct_joint_conversation_indicators", "fct_akasse_participation",
                   "fct_experiment_compliance", "fct_pilot_intake"]


@pytest.fixture(scope="module")
def dbt_defs(tmp_path_factory):
    """The code location's dbt module, with the manifest prepared as make/CI does (dbt parse)."""
    scratch = tmp_path_factory.mktemp("parse")
    run_dbt(scratch / "parse.duckdb", "parse", target_dir=REPO_ROOT / "dbt_project" / "target")
    from orchestration.defs.dbt import assets

    return assets


def test_asset_keys_groups_and_checks(dbt_defs):
    spec_of = dbt_defs.ltu_dbt_models.specs_by_key
    for mart in INDICATOR_MARTS + ["fct_contact_courses", "fct_risk_features"]:
        spec = spec_of[dg.AssetKey(mart)]
        assert spec.group_name == "dbt_marts"
        assert spec.owners == ["team:ltu-data"]
        assert {"dbt", "duckdb"} <= set(spec.kinds)
    assert spec_of[dg.AssetKey("stg_dfdg__conversations")].group_name == "dbt_staging"
    assert spec_of[dg.AssetKey("int_spells")].group_name == "dbt_intermediate"
    # dbt sources are the ingestion assets
    deps = {d.asset_key for d in spec_of[dg.AssetKey("stg_dfdg__conversations")].deps}
    assert deps == {dg.AssetKey(["raw", "conversations"])}
    checks = {c.name for c in dbt_defs.ltu_dbt_models.check_keys}
    assert "unique_fct_contact_courses_spell_key" in checks
    assert dbt_defs.ltu_dbt_models.op.pool == "duckdb_warehouse"


def test_materialize_through_dagster(dbt_defs, warehouse, monkeypatch):
    monkeypatch.setenv("LTU_WAREHOUSE", str(warehouse))
    result = dg.materialize(
        [dbt_defs.ltu_dbt_models],
        resources={"dbt": dbt_defs.defs.resources["dbt"]},
        raise_on_error=False,
    )
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert {dg.AssetKey(m) for m in INDICATOR_MARTS} <= materialized
    evaluations = result.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations)
