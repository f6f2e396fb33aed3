"""Calibration of the model in use: the registered champion scores the newest labelled cohort.

A real MLflow registry (SQLite backend in a temp dir; the file store is deprecated) holds a small pyfunc model under the
platform's model name with the alias ``champion``; its probabilities are a known function of
age, so the published expected counts can be checked by hand.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

mlflow = pytest.importorskip("mlflow")
import mlflow.pyfunc  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.models import infer_signature  # noqa: E402

from ltu_platform.publish.publication import publish  # noqa: E402
from ml.registry import CHAMPION, MODEL_NAME  # noqa: E402


def _probability(age: pd.Series) -> np.ndarray:
    return 1 / (1 + np.exp(-0.05 * (age.astype(float) - 40)))


class AgeModel(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        p = _probability(model_input["age"])
        return pd.DataFrame({"probability": p, "at_risk": p >= 0.5})


@pytest.fixture
def champion_uri(tmp_path: Path) -> str:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    example = pd.DataFrame({"age": [30.0, 50.0], "sex": ["M", "K"]})
    experiment = mlflow.create_experiment("publish-test", artifact_location=(tmp_path / "art").as_uri())
    with mlflow.start_run(experiment_id=experiment):
        info = mlflow.pyfunc.log_model(
            name="model", python_model=AgeModel(), registered_model_name=MODEL_NAME,
            signature=infer_signature(example, AgeModel().predict(None, example)),
            pip_requirements=["mlflow"],  # skip inferring requirements in a subprocess
        )
    MlflowClient(uri).set_registered_model_alias(MODEL_NAME, CHAMPION, info.registered_model_version)
    return uri


def test_calibration_scores_the_newest_labelled_cohort_with_the_champion(
    small_warehouse: Path, tmp_path: Path, champion_uri: str
) -> None:
    pub = publish(small_warehouse, tmp_path / "published", docs=False, report=False,
                  bootstrap_replicates=10, champion_tracking_uri=champion_uri)
    assert "model calibration" not in pub.manifest["omitted"]
    calib = pd.read_parquet(pub.path / "parquet" / "model_calibration.parquet")
    con = duckdb.connect(str(small_warehouse), read_only=True)
    try:
        features = con.execute("SELECT * FROM marts.fct_risk_features").df()
    finally:
        con.close()
    labelled = features[~features["censored"] & features["ltu"].notna()]
    newest = labelled[labelled["cohort"] == labelled["cohort"].max()]
    national = calib[calib["level"] == "national"].iloc[0]
    assert national["cohort"] == newest["cohort"].iloc[0]
    assert national["n_spells"] == len(newest)
    assert national["n_ltu"] == newest["ltu"].sum()
    assert national["expected_ltu"] == pytest.approx(_probability(newest["age"]).sum())
    assert pub.manifest["facts"]["calibration_model_version"] == "1"
