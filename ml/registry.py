"""The MLflow model registry: register a version, set aliases, and the promotion gate.

A new version becomes ``challenger``. ``champion`` moves to it only if the gate passes; otherwise
the reasons are written on the version (tag ``gate_reasons``) for the reviewer.

Crash safety (issue 7 §4): a version is registered only after its run has finished with the
model logged (``register``), with its model card and tags in the same call, and the aliases
are set last (``decide``). A process killed at any point therefore leaves either no new
version, or a documented version with its model files and no alias: ``champion`` always
names a complete version.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sklearn.metrics import roc_auc_score

from ml.config import TrainConfig
from ml.feature_frame import input_for_schema

MODEL_NAME = "ltu_risk"
CHAMPION, CHALLENGER = "champion", "challenger"
CHAMPION_URI = f"models:/{MODEL_NAME}@{CHAMPION}"


@dataclass(frozen=True)
class GateInputs:
    auc: float
    ece: float
    min_selection_rate_ratio: float
    min_ratio_group: str
    champion_auc: float | None  # the champion scored on the challenger's test spells


def gate_reasons(g: GateInputs, cfg: TrainConfig) -> list[str]:
    """Why the challenger may not become champion (empty list: it may)."""
    reasons = []
    if g.champion_auc is not None and g.auc < g.champion_auc - cfg.gate_max_auc_drop:
        reasons.append(
            f"test AUC {g.auc:.4f} is more than {cfg.gate_max_auc_drop} below the champion's {g.champion_auc:.4f}"
        )
    if not g.ece <= cfg.gate_max_ece:
        reasons.append(f"ECE {g.ece:.4f} exceeds {cfg.gate_max_ece}")
    if not np.isnan(g.min_selection_rate_ratio) and g.min_selection_rate_ratio < cfg.gate_min_selection_rate_ratio:
        reasons.append(
            f"selection-rate ratio {g.min_selection_rate_ratio:.3f} of group {g.min_ratio_group} is below "
            f"the floor {cfg.gate_min_selection_rate_ratio}"
        )
    return reasons


def champion_version(client: MlflowClient):
    try:
        return client.get_model_version_by_alias(MODEL_NAME, CHAMPION)
    except MlflowException:
        return None


def champion_auc_on(test: pd.DataFrame, y: np.ndarray, tracking_uri: str) -> float | None:
    """The current champion's AUC on the challenger's test spells (None when there is none)."""
    import mlflow.pyfunc

    client = MlflowClient(tracking_uri)
    if champion_version(client) is None:
        return None
    mlflow_model = mlflow.pyfunc.load_model(CHAMPION_URI)
    scored = mlflow_model.predict(input_for_schema(test, mlflow_model.metadata.get_input_schema()))
    return float(roc_auc_score(y, scored["probability"].to_numpy()))


def register(client: MlflowClient, model_uri: str, model_id: str | None, run_id: str,
             card: str, tags: dict[str, str]) -> str:
    """Register a logged model as a new version, its card (description) and tags included."""
    try:
        client.create_registered_model(MODEL_NAME)
    except MlflowException as exc:
        if exc.error_code != "RESOURCE_ALREADY_EXISTS":
            raise
    version = client.create_model_version(
        MODEL_NAME, source=model_uri, run_id=run_id, tags=tags, description=card, model_id=model_id
    )
    return str(version.version)


def decide(client: MlflowClient, version: str, reasons: list[str]) -> bool:
    """Alias the version as challenger, and as champion when the gate has no reasons."""
    client.set_registered_model_alias(MODEL_NAME, CHALLENGER, version)
    if reasons:
        client.set_model_version_tag(MODEL_NAME, version, "gate_decision", "refused")
        client.set_model_version_tag(MODEL_NAME, version, "gate_reasons", " | ".join(reasons))
        return False
    client.set_model_version_tag(MODEL_NAME, version, "gate_decision", "promoted")
    client.set_registered_model_alias(MODEL_NAME, CHAMPION, version)
    return True
