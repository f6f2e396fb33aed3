"""The ML assets in real Dagster: train and register, score open spells, receipts, and the
jobcentre record with the caseworker's decisive assessment (R-PROF-4, R-PROF-5, R-PROF-6)."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
from mlflow import MlflowClient

from ml.registry import CHAMPION, MODEL_NAME
from ml.split import open_spells
from ml.warehouse import record_override
from orchestration.defs.ml.assets import citizen_receipts, jobcenter_assessments, risk_model, risk_scores
from orchestration.defs.ml.resources import MlflowResource, SimulatorTruthResource
from orchestration.defs.resources import WarehouseResource
from tests.ml.conftest import TEST_CONFIG

ASSETS = [risk_model, risk_scores, citizen_receipts, jobcenter_assessments]


def _resources(warehouse, server):
    # A synthetic mart has no simulator truth: the asset must run without one (real deliveries).
    return {"warehouse": WarehouseResource(path=str(warehouse)), "mlflow": MlflowResource(tracking_uri=server.uri),
            "simulator_truth": SimulatorTruthResource(truth_dir=str(warehouse.parent / "no-truth"))}


def test_asset_definitions_follow_the_house_style():
    for asset in ASSETS:
        spec = next(iter(asset.specs))
        assert spec.key.path[0] == "ml" and spec.group_name == "ml"
        assert spec.owners == ["team:ltu-data"] and spec.description
    assert {"xgboost", "mlflow"} <= set(next(iter(risk_model.specs)).kinds)
    assert dg.AssetKey(["fct_risk_features"]) in {d.asset_key for d in next(iter(risk_model.specs)).deps}
    for writer in (risk_scores, citizen_receipts, jobcenter_assessments):
        assert writer.op.pool == "duckdb_warehouse"


def test_ml_assets_materialize_and_the_caseworker_decides(warehouse, mlflow_server, mart_and_truth):
    mart, _ = mart_and_truth
    run_config = {"ops": {"ml__risk_model": {"config": TEST_CONFIG.model_dump()}}}
    result = dg.materialize(ASSETS, resources=_resources(warehouse, mlflow_server), run_config=run_config)
    assert result.success
    meta = result.asset_materializations_for_node("ml__risk_model")[0].metadata
    version = meta["model_version"].value
    assert meta["oracle_roc_auc"].value == "no simulator truth"
    client = MlflowClient(mlflow_server.uri)
    mv = client.get_model_version(MODEL_NAME, version)
    assert meta["promoted_to_champion"].value == (mv.tags["gate_decision"] == "promoted")
    assert mv.tags["dagster_run_id"] == result.run_id
    champion = client.get_model_version_by_alias(MODEL_NAME, CHAMPION).version

    expected = set(open_spells(mart)["spell_key"])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        scores = con.sql("select * from ml.risk_scores").df()
        receipts = con.sql("select * from ml.citizen_receipts").df()
        records = con.sql("select * from ml.jobcenter_assessments").df()
    assert set(scores["spell_key"]) == expected and len(scores) == len(expected)
    assert scores["model_version"].eq(champion).all()
    assert scores["probability"].between(0, 1).all() and scores["risk_group"].ne("").all()
    assert set(receipts["spell_key"]) == expected
    assert receipts["receipt_text"].str.startswith("Kvittering for din profilafklaring").all()
    assert len(records) == len(expected) and records["caseworker_assessment"].isna().all()
    data_used = json.loads(records["data_used"].iloc[0])
    assert {"age", "origin", "q01"} <= set(data_used) and "person_key" not in data_used
    statistical = records.set_index("spell_key")["statistical_assessment"]
    assert (records["decisive_assessment"] == records["statistical_assessment"]).all()

    # R-PROF-6: the caseworker disagrees; the record shows it as decisive, and re-scoring keeps it.
    spell = records["spell_key"].iloc[0]
    opposite = "ikke_hoej_risiko" if statistical[spell] == "hoej_risiko" else "hoej_risiko"
    with duckdb.connect(str(warehouse)) as con:
        record_override(con, spell, opposite, "Har fået tilbud om job fra tidligere arbejdsgiver", "cw-17")
    again = dg.materialize([risk_scores, jobcenter_assessments], resources=_resources(warehouse, mlflow_server),
                           selection=[risk_scores, jobcenter_assessments])
    assert again.success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute("select statistical_assessment, caseworker_assessment, decisive_assessment "
                          "from ml.jobcenter_assessments where spell_key = ?", [spell]).fetchone()
        logged = con.execute("select count(*) from ml.caseworker_overrides").fetchone()[0]
    assert row == (statistical[spell], opposite, opposite)
    assert logged == 1
