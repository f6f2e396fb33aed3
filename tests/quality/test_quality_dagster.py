"""The gate in Dagster: a failing blocking check stops downstream assets in the same run."""

from __future__ import annotations

from datetime import date

import dagster as dg

from ltu_platform.contracts import load_contracts
from orchestration.defs.quality.registration_gate import GATE_KEY, registration_quality
from orchestration.defs.resources import WarehouseResource
from quality_raw_layer import clean_registrations, conversation


def stand_in_raw(dataset: str) -> dg.AssetsDefinition:
    # The raw tables are already filled by the test; this stands in for the ingestion asset.
    @dg.asset(key=["raw", dataset])
    def _raw() -> dg.MaterializeResult:
        return dg.MaterializeResult()

    return _raw


@dg.asset(key=["downstream", "uses_conversations"], deps=[dg.AssetKey(["raw", "conversations"])])
def downstream() -> dg.MaterializeResult:
    return dg.MaterializeResult()


def run_all(path, tmp_path, monkeypatch) -> dg.ExecuteInProcessResult:
    monkeypatch.setenv("LTU_DATA_DIR", str(tmp_path / "data"))
    return dg.materialize(
        [*(stand_in_raw(d) for d in load_contracts()), registration_quality, downstream],
        resources={"warehouse": WarehouseResource(path=str(path))},
        raise_on_error=False,
    )


def materialized(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {m.asset_key for m in result.get_asset_materialization_events()}


def check_evaluations(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], dg.AssetCheckEvaluation]:
    return {(e.asset_key.path[-1], e.check_name): e for e in result.get_asset_check_evaluations()}


def test_blocking_failure_stops_downstream(warehouse, tmp_path, monkeypatch):
    path, w = warehouse
    clean_registrations(w)
    conversation(w, "X1", "A", date(2020, 1, 14))  # before A's spell: conversation_inside_spell
    w.con.close()

    result = run_all(path, tmp_path, monkeypatch)

    checks = check_evaluations(result)
    failed = checks[("conversations", "conversation_inside_spell")]
    assert not failed.passed and failed.blocking
    assert failed.metadata["failing"].value == 1
    assert "conversations_2020-01.csv" in failed.metadata["failing_rows_sample"].value
    assert failed.metadata["data_docs"].value.endswith(".html")
    # Data Docs are kept with the run, under the data directory's quality folder.
    assert (tmp_path / "data" / "quality" / "data_docs" / result.run_id / "index.html").exists()
    assert checks[("dagpenge_payments", "hours_within_norm")].passed
    # The gate wrote its results, the raw assets materialized, the downstream asset did not.
    assert GATE_KEY in materialized(result)
    assert dg.AssetKey(["downstream", "uses_conversations"]) not in materialized(result)
    assert not result.success


def test_clean_run_lets_downstream_through(warehouse, tmp_path, monkeypatch):
    path, w = warehouse
    clean_registrations(w)
    w.con.close()

    result = run_all(path, tmp_path, monkeypatch)

    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    assert dg.AssetKey(["downstream", "uses_conversations"]) in materialized(result)
