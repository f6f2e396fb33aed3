"""The risk model's assets: train and register, score open spells, receipts, jobcentre records.

Training reads the warehouse read-only and logs through the MLflow server; the scoring assets
write the warehouse schema ``ml`` and therefore run in the pool ``duckdb_warehouse``.
"""

# No `from __future__ import annotations`: Dagster must see the derived config class itself.
# ml.pipeline, ml.registry and ml.scoring (scikit-learn, MLflow, SHAP, matplotlib: ~10 s) are
# imported inside the assets: every run step loads this code location, and only these steps
# need them.
import hashlib

import dagster as dg
import pydantic

from ltu_platform.settings import load_settings
from ml.config import TrainConfig
from ml.receipt import receipts
from ml.warehouse import (
    ASSESSMENTS,
    RECEIPTS,
    SCORES,
    build_jobcenter_assessments,
    read_features,
    replace_table,
)
from orchestration.defs.ml.resources import MlflowResource, SimulatorTruthResource
from orchestration.defs.resources import WAREHOUSE_POOL, WarehouseResource, env_or_default

OWNERS = ["team:ltu-data"]
GROUP = "ml"
KINDS = {"xgboost", "mlflow"}
FEATURE_MART = dg.AssetKey(["fct_risk_features"])

# The Launchpad config is TrainConfig itself: its fields, defaults and descriptions, derived
# so the two can never disagree.
RiskModelConfig = pydantic.create_model(
    "RiskModelConfig",
    __base__=dg.Config,
    __doc__="Hyperparameters, threshold policy and promotion gate of one training run.",
    **{name: (f.annotation, f) for name, f in TrainConfig.model_fields.items()},
)


def _warehouse_snapshot(warehouse: WarehouseResource) -> str:
    """Fingerprint of the raw loads behind the warehouse (load ids), for the version's tags."""
    with warehouse.connect(read_only=True) as con:
        try:
            ids = [r[0] for r in con.sql("select load_id from raw.load_log order by load_id").fetchall()]
        except Exception:  # noqa: BLE001 - a warehouse built without ingestion has no load log
            return "no-load-log"
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]


@dg.asset(
    key=["ml", "risk_model"],
    deps=[FEATURE_MART],
    group_name=GROUP,
    kinds=KINDS,
    owners=OWNERS,
)
def risk_model(
    context: dg.AssetExecutionContext,
    config: RiskModelConfig,
    warehouse: WarehouseResource,
    mlflow: MlflowResource,
    simulator_truth: SimulatorTruthResource,
) -> dg.MaterializeResult:
    """Train the XGBoost risk model and the logistic baseline on the feature mart (out-of-time by
    cohort), evaluate overall and by group, register the XGBoost model as `ltu_risk` in MLflow
    with its model card, alias it `challenger`, and move `champion` when the promotion gate passes.
    When the simulator's truth is present, the oracle AUC is logged beside the model's."""
    from ml.pipeline import train_and_register
    from ml.registry import MODEL_NAME

    with warehouse.connect(read_only=True) as con:
        features = read_features(con)
    result = train_and_register(
        features,
        mlflow.tracking_uri,
        TrainConfig(**config.model_dump()),
        truth=simulator_truth.true_probabilities(),
        tags={"dagster_run_id": context.run.run_id, "warehouse_loads": _warehouse_snapshot(warehouse)},
    )
    return dg.MaterializeResult(
        metadata={
            "model_version": result.model_version,
            "promoted_to_champion": result.promoted,
            "gate_reasons": "; ".join(result.gate_reasons) or "none",
            "mlflow_run": dg.MetadataValue.url(result.run_url),
            "model_version_url": dg.MetadataValue.url(mlflow.model_version_url(MODEL_NAME, result.model_version)),
            "metrics": dg.MetadataValue.md(result.metrics_markdown()),
            "risk_groups": dg.MetadataValue.md(result.risk_groups_md),
            "test_roc_auc": result.metrics["xgboost"]["roc_auc"],
            "test_ece": result.metrics["xgboost"]["ece"],
            "cohorts": str(result.cohorts),
            "training_rows": int(result.tags["training_rows"]),
            "oracle_roc_auc": result.oracle_auc if result.oracle_auc is not None else "no simulator truth",
        }
    )


@dg.asset(
    key=["ml", "risk_scores"],
    deps=[dg.AssetKey(["ml", "risk_model"]), FEATURE_MART],
    group_name=GROUP,
    kinds={"xgboost", "mlflow", "duckdb"},
    owners=OWNERS,
    pool=WAREHOUSE_POOL,
)
def risk_scores(warehouse: WarehouseResource, mlflow: MlflowResource) -> dg.MaterializeResult:
    """Score every open (censored) spell with `models:/ltu_risk@champion`: probability, at-risk
    flag, risk group in words and the top reasons, with the model version (table `ml.risk_scores`)."""
    from ml.scoring import score_open_spells, summary

    with warehouse.connect(read_only=True) as con:
        features = read_features(con)
    result = score_open_spells(features, mlflow.tracking_uri)
    with warehouse.connect() as con:
        rows = replace_table(con, SCORES, result.scores)
    s = summary(result.scores)
    groups = result.scores.groupby("risk_group").size().sort_index() if rows else None
    table = "| risk group | spells |\n|---|---|\n" + "\n".join(f"| {g} | {n} |" for g, n in groups.items()) if groups is not None else ""
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "model_version": result.model_version,
            "at_risk_share": s["at_risk_share"],
            "mean_probability": s["mean_probability"],
            "risk_groups": dg.MetadataValue.md(table),
        }
    )


@dg.asset(
    key=["ml", "citizen_receipts"],
    deps=[dg.AssetKey(["ml", "risk_scores"])],
    group_name=GROUP,
    kinds={"duckdb"},
    owners=OWNERS,
    pool=WAREHOUSE_POOL,
)
def citizen_receipts(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The citizen's receipt in Danish summarising the statistical risk (R-PROF-5), one per
    scored spell (table `ml.citizen_receipts`)."""
    with warehouse.connect() as con:
        scores = con.sql(f"select * from {SCORES}").df()
        rows = replace_table(con, RECEIPTS, receipts(scores))
        example = con.execute(f"select receipt_text from {RECEIPTS} limit 1").fetchone()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "example": dg.MetadataValue.md(f"```\n{example[0]}\n```" if example else "(no open spells)"),
        }
    )


@dg.asset(
    key=["ml", "jobcenter_assessments"],
    deps=[dg.AssetKey(["ml", "risk_scores"]), FEATURE_MART],
    group_name=GROUP,
    kinds={"duckdb"},
    owners=OWNERS,
    pool=WAREHOUSE_POOL,
)
def jobcenter_assessments(warehouse: WarehouseResource, mlflow: MlflowResource) -> dg.MaterializeResult:
    """The record shared with the jobcentre (R-PROF-4): the standardised assessment, the data
    used, and the caseworker's own assessment from the override log `ml.caseworker_overrides`,
    which is decisive (R-PROF-6). Table `ml.jobcenter_assessments`."""
    from ml.scoring import model_input_columns

    with warehouse.connect() as con:
        version = con.execute(f"select any_value(model_version) from {SCORES}").fetchone()[0]
        columns = model_input_columns(mlflow.tracking_uri, version) if version is not None else []
        rows = build_jobcenter_assessments(con, columns)
        overridden = con.execute(f"select count(*) from {ASSESSMENTS} where caseworker_assessment is not null").fetchone()[0]
    return dg.MaterializeResult(metadata={"dagster/row_count": rows, "with_caseworker_assessment": int(overridden)})


defs = dg.Definitions(
    assets=[risk_model, risk_scores, citizen_receipts, jobcenter_assessments],
    resources={
        "mlflow": MlflowResource(
            tracking_uri=env_or_default("MLFLOW_TRACKING_URI", load_settings().mlflow_tracking_uri)
        ),
        "simulator_truth": SimulatorTruthResource(
            truth_dir=env_or_default("LTU_TRUTH_DIR", str(load_settings().truth_dir))
        ),
    },
)
