"""The whole Dagster code location loads, and the one-run gate-before-publication wiring holds."""

from __future__ import annotations

import dagster as dg


def test_code_location_validates(monkeypatch, tmp_path):
    monkeypatch.setenv("LTU_DATA_DIR", str(tmp_path))
    from orchestration.definitions import defs

    dg.Definitions.validate_loadable(defs)
    jobs = {job.name for job in defs.resolve_all_job_defs()}
    assert {"ingest_job", "ingest_register_job", "platform_job"} <= jobs


def test_platform_job_runs_the_gate_checks_with_publication(monkeypatch, tmp_path):
    monkeypatch.setenv("LTU_DATA_DIR", str(tmp_path))
    from orchestration.definitions import defs

    job = defs.resolve_job_def("platform_job")
    selection = job.asset_selection_data
    layer = job.asset_layer
    selected = {key.to_user_string() for key in layer.selected_asset_keys}
    check_keys = layer.asset_graph.asset_check_keys if selection is None else selection.asset_check_selection
    checks = {(c.asset_key.to_user_string(), c.name) for c in check_keys}
    assert "quality/registration_quality" in selected
    assert any(key.startswith("published/") for key in selected)
    assert "fct_contact_courses" in selected and "ml/risk_model" in selected
    # The gate's blocking checks target the raw datasets, which this job does not re-load.
    assert ("raw/conversations", "joint_participation_registered") in checks
    assert not any(key.startswith("raw/") for key in selected)


def test_every_warehouse_writer_shares_one_pool(monkeypatch, tmp_path):
    """DuckDB has one writer: the assets that write the warehouse all queue in one pool."""
    monkeypatch.setenv("LTU_DATA_DIR", str(tmp_path))
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    writers = [dg.AssetKey(["raw", "conversations"]), dg.AssetKey(["quality", "registration_quality"]),
               dg.AssetKey(["fct_contact_courses"]), dg.AssetKey(["ml", "risk_scores"])]
    for key in writers:
        assert graph.get(key).pools == {"duckdb_warehouse"}, key
