"""One training run end to end: split, fit, evaluate, explain, log, register, gate.

``train_and_register(features_df, tracking_uri, config)`` works without Dagster (``make bench``);
the Dagster asset ``["ml", "risk_model"]`` calls it with the warehouse's feature mart.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.models import ModelSignature
from mlflow.types import ColSpec, Schema
from sklearn.metrics import roc_auc_score

from ltu_platform.settings import REPO_ROOT
from ml import registry
from ml.card import CardFacts, model_card
from ml.config import TrainConfig
from ml.evaluate import calibration_plot, metrics
from ml.explain import importance_plot, shap_importance
from ml.feature_frame import as_categories, input_frame, model_frame
from ml.fairness import group_metrics, lowest_selection_rate_ratio, markdown_table
from ml.features import CODED, IDENTIFIERS, PROTECTED, QUESTIONS, STRICT, assert_no_fund_questions, build_spec
from ml.oracle import true_probability_for
from ml.pyfunc_model import ARTIFACT_FILES, OUTPUT_COLUMNS, LtuRiskModel
from ml.risk_groups import RiskGroups, fit_risk_groups
from ml.split import CohortSplit, halves, split_by_cohort
from ml.train import RiskModel, at_risk_threshold, fit_logistic, fit_xgboost, sample_rows

EXPERIMENT = "ltu_risk"
ML_PACKAGE_DIR = Path(__file__).resolve().parent
INPUT_EXAMPLE_ROWS = 5
RISK_GROUP_ROWS = 200_000  # a shallow tree needs no more rows to find its splits


@dataclass
class TrainResult:
    run_id: str
    run_url: str
    model_version: str
    promoted: bool
    gate_reasons: list[str]
    metrics: dict[str, dict[str, float]]  # model -> test metric -> value
    oracle_auc: float | None
    threshold: float
    cohorts: dict[str, list[int]]
    group_table: pd.DataFrame
    risk_groups_md: str
    tags: dict[str, str] = field(default_factory=dict)

    def metrics_markdown(self) -> str:
        names = ["roc_auc", "pr_auc", "brier", "ece", "precision_at_top10", "recall_at_top25"]
        lines = ["| model | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
        for model, m in self.metrics.items():
            lines.append(f"| {model} | " + " | ".join(f"{m[n]:.4f}" for n in names) + " |")
        if self.oracle_auc is not None:
            lines.append(f"| oracle (true probability given the observables) | {self.oracle_auc:.4f} |" + " |" * (len(names) - 1))
        return "\n".join(lines)


def data_snapshot(df: pd.DataFrame) -> str:
    """A short fingerprint of the training data: spells, cohorts and labels."""
    cols = [c for c in ("spell_key", "cohort", "ltu", "ltu_26w", "censored") if c in df.columns]
    digest = pd.util.hash_pandas_object(df[cols], index=False).to_numpy()
    return hashlib.sha256(np.sort(digest).tobytes()).hexdigest()[:16]


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def signature(spec) -> ModelSignature:
    """Every input optional (a missing answer or register value is a valid state)."""
    inputs = [ColSpec("double", c, required=False) for c in [*spec.numeric, *spec.boolean]]
    inputs += [ColSpec("string", c, required=False) for c in spec.categories]
    outputs = [
        ColSpec("double", "probability"),
        ColSpec("boolean", "at_risk"),
        *(ColSpec("string", c) for c in OUTPUT_COLUMNS if c not in ("probability", "at_risk")),
    ]
    return ModelSignature(inputs=Schema(inputs), outputs=Schema(outputs))


def pip_requirements() -> list[str]:
    """The libraries the pyfunc imports, pinned to the installed versions (no slow inference)."""
    from importlib.metadata import version

    return [f"{dist}=={version(dist)}" for dist in ("mlflow", "xgboost-cpu", "scikit-learn", "pandas", "numpy")]


def _y(df: pd.DataFrame, cfg: TrainConfig) -> np.ndarray:
    return df[cfg.label].to_numpy(dtype=int)


def _log_figure(fig: plt.Figure, name: str) -> None:
    mlflow.log_figure(fig, name)
    plt.close(fig)


def _origin_comparison(with_origin: dict[str, float], without: dict[str, float], groups_with: pd.DataFrame, groups_without: pd.DataFrame) -> str:
    lines = ["| model | roc_auc | ece | flag rate dansk | flag rate vestlig | flag rate ikke_vestlig |", "|---|---|---|---|---|---|"]
    for name, m, g in (("with origin", with_origin, groups_with), ("without origin", without, groups_without)):
        rates = g[g["attribute"] == "origin"].set_index("group")["selection_rate"]
        cells = [f"{rates.get(o, float('nan')):.3f}" for o in ("dansk", "vestlig", "ikke_vestlig")]
        lines.append(f"| {name} | {m['roc_auc']:.4f} | {m['ece']:.4f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _save_model_artifacts(directory: Path, model: RiskModel, groups_json: str, cfg: TrainConfig) -> dict[str, str]:
    paths = {key: str(directory / name) for key, name in ARTIFACT_FILES.items()}
    model.booster.save_model(paths["booster"])
    Path(paths["spec"]).write_text(model.spec.to_json(), encoding="utf-8")
    Path(paths["calibrator"]).write_text(json.dumps(model.calibrator.to_dict()), encoding="utf-8")
    Path(paths["risk_groups"]).write_text(groups_json, encoding="utf-8")
    policy = {
        "threshold": model.threshold,
        "threshold_policy": cfg.threshold_policy,
        "threshold_value": cfg.threshold_value,
        "top_reasons": cfg.top_reasons,
        "label": cfg.label,
        "strict": [c for c in STRICT if c in model.spec.categories],
    }
    Path(paths["policy"]).write_text(json.dumps(policy, indent=2), encoding="utf-8")
    return paths


@dataclass
class Fitted:
    """The three fitted models and their calibrated test-cohort probabilities."""

    split: CohortSplit
    xgb: RiskModel
    no_origin: RiskModel
    y_test: np.ndarray
    proba: dict[str, np.ndarray]  # model name -> test probabilities


@dataclass
class Evaluation:
    metrics: dict[str, dict[str, float]]
    oracle_auc: float | None
    groups: pd.DataFrame
    groups_no_origin: pd.DataFrame
    min_ratio: float
    min_ratio_group: str
    importance: pd.DataFrame
    risk_groups: RiskGroups
    origin_md: str


def fit_models(features_df: pd.DataFrame, cfg: TrainConfig) -> Fitted:
    """Out-of-time split, then XGBoost, the logistic baseline and XGBoost without origin."""
    split = split_by_cohort(features_df, cfg.label)
    spec = build_spec(split.train)
    stop, calib = halves(split.validation, cfg.seed)
    test = split.test

    xgb_model = fit_xgboost(sample_rows(split.train, cfg.xgb_max_rows, cfg.seed), stop, calib, spec, cfg)
    xgb_model.threshold = at_risk_threshold(xgb_model.predict_proba(split.validation), cfg)
    logreg = fit_logistic(split.train, calib, spec, cfg)
    no_origin = fit_xgboost(
        sample_rows(split.train, cfg.no_origin_max_rows, cfg.seed), stop, calib, spec.without(PROTECTED), cfg
    )
    no_origin.threshold = at_risk_threshold(no_origin.predict_proba(split.validation), cfg)
    proba = {
        "xgboost": xgb_model.predict_proba(test),
        "logreg": logreg.predict_proba(model_frame(test, spec))[:, 1],
        "xgboost_no_origin": no_origin.predict_proba(test),
    }
    return Fitted(split, xgb_model, no_origin, _y(test, cfg), proba)


def _oracle_auc(test: pd.DataFrame, y: np.ndarray, truth: pd.DataFrame | None) -> float | None:
    if truth is None:
        return None
    p_true = true_probability_for(test, truth)
    known = ~np.isnan(p_true)
    if known.sum() == 0 or len(np.unique(y[known])) < 2:
        return None
    return float(roc_auc_score(y[known], p_true[known]))


def evaluate_models(f: Fitted, cfg: TrainConfig, truth: pd.DataFrame | None) -> Evaluation:
    """Metrics of every model, the oracle, the groups, SHAP importance and the risk groups."""
    test, y = f.split.test, f.y_test
    results = {name: metrics(y, p) for name, p in f.proba.items()}
    groups = group_metrics(test, y, f.proba["xgboost"], f.proba["xgboost"] >= f.xgb.threshold)
    groups_no_origin = group_metrics(
        test, y, f.proba["xgboost_no_origin"], f.proba["xgboost_no_origin"] >= f.no_origin.threshold
    )
    min_ratio, min_group = lowest_selection_rate_ratio(groups, cfg.gate_min_group_size)
    train_sample = sample_rows(f.split.train, RISK_GROUP_ROWS, cfg.seed)
    return Evaluation(
        metrics=results,
        oracle_auc=_oracle_auc(test, y, truth),
        groups=groups,
        groups_no_origin=groups_no_origin,
        min_ratio=min_ratio,
        min_ratio_group=min_group,
        importance=shap_importance(f.xgb, test, cfg.shap_sample, cfg.seed),
        risk_groups=fit_risk_groups(
            train_sample, f.xgb.spec, f.xgb.predict_proba(train_sample), cfg.risk_group_depth, cfg.seed
        ),
        origin_md=_origin_comparison(results["xgboost"], results["xgboost_no_origin"], groups, groups_no_origin),
    )


def _card(f: Fitted, e: Evaluation, cfg: TrainConfig, snapshot: str) -> str:
    return model_card(
        CardFacts(
            label=cfg.label,
            cohorts=f.split.cohorts,
            rows={"train": len(f.split.train), "validation": len(f.split.validation), "test": len(f.split.test)},
            snapshot=snapshot,
            features=f.xgb.spec.columns,
            metrics=e.metrics,
            oracle_auc=e.oracle_auc,
            threshold_policy=f"{cfg.threshold_policy}={cfg.threshold_value}",
            threshold=f.xgb.threshold,
            group_table_md=markdown_table(e.groups),
            origin_comparison_md=e.origin_md,
            risk_groups_md=e.risk_groups.markdown(),
            top_features=list(e.importance["feature"].head(8)),
        )
    )


def _metric_key(*parts: str) -> str:
    """MLflow metric names allow letters, digits, _ - . / and spaces only."""
    return "_".join(parts).replace(" ", "_").replace("+", "plus").replace("<", "lt")


def _log_evaluation(f: Fitted, e: Evaluation, cfg: TrainConfig, card: str, champion_auc: float | None) -> None:
    mlflow.log_params({**cfg.model_dump(), "best_iteration": f.xgb.best_iteration, "threshold": f.xgb.threshold})
    mlflow.log_params({f"cohorts_{k}": str(v) for k, v in f.split.cohorts.items()})
    for model_name, m in e.metrics.items():
        prefix = "" if model_name == "xgboost" else f"{model_name}_"  # the registered model unprefixed
        mlflow.log_metrics({f"{prefix}test_{k}": v for k, v in m.items()})
    extra = {"oracle_test_roc_auc": e.oracle_auc, "champion_test_roc_auc": champion_auc, "min_selection_rate_ratio": e.min_ratio}
    mlflow.log_metrics({k: v for k, v in extra.items() if v is not None})
    mlflow.log_metrics(
        {
            _metric_key("group", r.attribute, r.group, m): float(getattr(r, m))
            for r in e.groups.itertuples()
            for m in ("selection_rate_ratio", "fpr", "fnr", "calibration_gap")
            if not pd.isna(getattr(r, m))
        }
    )
    names = {"xgboost": "xgboost", "logreg": "logreg", "xgboost_no_origin": "xgboost without origin"}
    _log_figure(
        calibration_plot(f.y_test, {names[k]: p for k, p in f.proba.items()}, f"Calibration, test cohort {f.split.cohorts['test']}"),
        "plots/calibration.png",
    )
    _log_figure(importance_plot(e.importance), "plots/shap_importance.png")
    mlflow.log_text(card, "model_card.md")
    mlflow.log_text(e.groups.to_csv(index=False), "fairness/group_metrics.csv")
    mlflow.log_text(e.groups_no_origin.to_csv(index=False), "fairness/group_metrics_without_origin.csv")
    mlflow.log_text(e.origin_md, "fairness/origin_comparison.md")
    mlflow.log_text(e.importance.to_csv(index=False), "explain/shap_importance.csv")
    mlflow.log_text(e.risk_groups.markdown(), "explain/risk_groups.md")


def _log_model(f: Fitted, e: Evaluation, cfg: TrainConfig):
    """Log the pyfunc with an identifier-free input example (registered later: registry.register)."""
    example = input_frame(f.split.test.head(INPUT_EXAMPLE_ROWS), f.xgb.spec)
    if set(IDENTIFIERS) & set(example.columns):
        raise AssertionError("identifiers in the input example")  # privacy: never logged
    with tempfile.TemporaryDirectory() as tmp:
        artifacts = _save_model_artifacts(Path(tmp), f.xgb, e.risk_groups.to_json(), cfg)
        return mlflow.pyfunc.log_model(
            name="model",
            python_model=LtuRiskModel(),
            artifacts=artifacts,
            code_paths=[str(ML_PACKAGE_DIR)],
            signature=signature(f.xgb.spec),
            pip_requirements=pip_requirements(),
            input_example=example,
        )


def train_and_register(
    features_df: pd.DataFrame,
    tracking_uri: str,
    config: TrainConfig | None = None,
    *,
    truth: pd.DataFrame | None = None,
    tags: dict[str, str] | None = None,
) -> TrainResult:
    """Train both models on ``marts.fct_risk_features`` rows, log everything, register, gate.

    ``truth`` (``person_key, spell_start, true_probability``; ml.oracle) only adds the oracle AUC.
    """
    cfg = config or TrainConfig()
    assert_no_fund_questions(features_df)  # R-PROF-3
    snapshot = data_snapshot(features_df)
    fitted = fit_models(as_categories(features_df, [*CODED, *QUESTIONS]), cfg)
    ev = evaluate_models(fitted, cfg, truth)
    card = _card(fitted, ev, cfg, snapshot)
    all_tags = {
        "git_commit": git_commit(),
        "data_snapshot": snapshot,
        "label": cfg.label,
        "training_rows": str(len(fitted.split.train)),
        **(tags or {}),
    }

    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    mlflow.set_experiment(EXPERIMENT)
    champion_auc = registry.champion_auc_on(fitted.split.test, fitted.y_test, tracking_uri)
    xgb_metrics = ev.metrics["xgboost"]
    reasons = registry.gate_reasons(
        registry.GateInputs(xgb_metrics["roc_auc"], xgb_metrics["ece"], ev.min_ratio, ev.min_ratio_group, champion_auc), cfg
    )
    with mlflow.start_run(run_name=f"ltu_risk {cfg.label} {snapshot}", tags=all_tags) as run:
        _log_evaluation(fitted, ev, cfg, card, champion_auc)
        info = _log_model(fitted, ev, cfg)

    # After the run ended with its model logged; aliases last (crash safety, ml/registry.py).
    client = MlflowClient(tracking_uri)
    version = registry.register(client, info.model_uri, info.model_id, run.info.run_id, card,
                                {k: str(v) for k, v in {**all_tags, "run_id": run.info.run_id}.items()})
    promoted = registry.decide(client, version, reasons)
    return TrainResult(
        run_id=run.info.run_id,
        run_url=f"{tracking_uri}/#/experiments/{run.info.experiment_id}/runs/{run.info.run_id}",
        model_version=version,
        promoted=promoted,
        gate_reasons=reasons,
        metrics=ev.metrics,
        oracle_auc=ev.oracle_auc,
        threshold=fitted.xgb.threshold,
        cohorts=fitted.split.cohorts,
        group_table=ev.groups,
        risk_groups_md=ev.risk_groups.markdown(),
        tags=all_tags,
    )
