"""Scoring the open spells with the champion: probability, flag, risk group, reasons, version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import mlflow
import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow import MlflowClient

from ml.feature_frame import input_for_schema
from ml.features import CONTEXT, IDENTIFIERS
from ml.registry import CHAMPION, MODEL_NAME
from ml.split import open_spells

CHUNK_ROWS = 100_000  # bounds the memory of the SHAP contributions at national scale


class NoChampionError(RuntimeError):
    pass


@dataclass(frozen=True)
class ScoringResult:
    scores: pd.DataFrame
    model_version: str
    run_id: str
    input_columns: list[str]


def score_open_spells(features: pd.DataFrame, tracking_uri: str, alias: str = CHAMPION, label: str = "ltu") -> ScoringResult:
    """Score every spell without a label with the model version the alias points to now.

    The alias is resolved once to a version number, so a promotion during scoring cannot mix
    two versions in one table.
    """
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    client = MlflowClient(tracking_uri)
    try:
        mv = client.get_model_version_by_alias(MODEL_NAME, alias)
    except mlflow.exceptions.MlflowException as exc:
        raise NoChampionError(
            f"no version of {MODEL_NAME} has alias {alias!r}: train one that passes the promotion gate first"
        ) from exc
    model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}/{mv.version}")
    schema = model.metadata.get_input_schema()
    spells = open_spells(features, label).reset_index(drop=True)
    parts = []
    for start in range(0, len(spells), CHUNK_ROWS):
        chunk = spells.iloc[start : start + CHUNK_ROWS]
        parts.append(model.predict(input_for_schema(chunk, schema)))
    scored = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame({c: pd.Series(dtype="object") for c in ("probability", "at_risk", "risk_group", "risk_group_description", "top_reasons", "top_reasons_en")})
    )
    keep = [c for c in (*IDENTIFIERS, *CONTEXT) if c in spells.columns]
    scores = pd.concat([spells[keep].reset_index(drop=True), scored.reset_index(drop=True)], axis=1)
    scores["probability"] = scores["probability"].astype("float64")
    scores["at_risk"] = scores["at_risk"].astype(bool)
    scores["model_name"] = MODEL_NAME
    scores["model_version"] = str(mv.version)
    scores["model_run_id"] = mv.run_id
    scores["scored_at"] = pd.Timestamp(datetime.now(timezone.utc).replace(tzinfo=None))
    return ScoringResult(scores, str(mv.version), mv.run_id, list(schema.input_names()))


def model_input_columns(tracking_uri: str, version: str) -> list[str]:
    """The feature columns a registered version reads (its signature): the data it used."""
    from mlflow.models import get_model_info

    mlflow.set_registry_uri(tracking_uri)
    mlflow.set_tracking_uri(tracking_uri)
    return list(get_model_info(f"models:/{MODEL_NAME}/{version}").signature.inputs.input_names())


def summary(scores: pd.DataFrame) -> dict[str, float]:
    if scores.empty:
        return {"rows": 0, "at_risk_share": float("nan"), "mean_probability": float("nan")}
    return {
        "rows": int(len(scores)),
        "at_risk_share": float(np.mean(scores["at_risk"])),
        "mean_probability": float(scores["probability"].mean()),
    }
