"""Scores of the model in use on the newest labelled cohort, for calibration and fairness.

``ml.risk_scores`` holds only open (unlabelled) spells, so the calibration of the model in
use is measured by scoring the newest cohort with labels with the registered champion
(``models:/ltu_risk@champion``, ml.registry). That cohort is the model's out-of-time test
cohort (ml.split), so this is an out-of-sample check.
"""

from __future__ import annotations

import pandas as pd

CALIBRATION_INPUT = ("spell_key", "probability", "at_risk", "model_version")


def newest_labelled(features: pd.DataFrame, label: str = "ltu") -> pd.DataFrame:
    known = features[~features["censored"].fillna(True).astype(bool) & features[label].notna()]
    if known.empty:
        return known
    return known[known["cohort"] == known["cohort"].max()]


def score_newest_labelled_cohort(features: pd.DataFrame, tracking_uri: str) -> pd.DataFrame:
    """``spell_key, probability, at_risk, model_version`` of the newest labelled cohort."""
    import mlflow
    import mlflow.pyfunc
    from mlflow import MlflowClient

    from ml.feature_frame import input_for_schema  # the version's own input signature
    from ml.registry import CHAMPION, MODEL_NAME

    rows = newest_labelled(features).reset_index(drop=True)
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(tracking_uri)
    version = MlflowClient(tracking_uri).get_model_version_by_alias(MODEL_NAME, CHAMPION)
    model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}/{version.version}")
    predicted = model.predict(input_for_schema(rows, model.metadata.get_input_schema()))
    return pd.DataFrame({
        "spell_key": rows["spell_key"],
        "probability": predicted["probability"].astype(float).to_numpy(),
        "at_risk": predicted["at_risk"].astype(bool).to_numpy(),
        "model_version": str(version.version),
    })
