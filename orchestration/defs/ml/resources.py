"""Our own small MLflow resource (no dagster-mlflow), and where the simulator's truth lies."""

from __future__ import annotations

import dagster as dg
from pydantic import Field


class MlflowResource(dg.ConfigurableResource):
    """The MLflow tracking server every run logs through (MLFLOW_TRACKING_URI)."""

    tracking_uri: str = Field(description="URL of the MLflow tracking server")

    def run_url(self, experiment_id: str, run_id: str) -> str:
        return f"{self.tracking_uri}/#/experiments/{experiment_id}/runs/{run_id}"

    def model_version_url(self, name: str, version: str) -> str:
        return f"{self.tracking_uri}/#/models/{name}/versions/{version}"


class SimulatorTruthResource(dg.ConfigurableResource):
    """The simulator's ground-truth bundle (LTU_TRUTH_DIR). Read only to log the oracle AUC
    beside the model's; never a feature. With real deliveries it is absent and nothing is read."""

    truth_dir: str = Field(description="Folder of the simulator's ground truth (truth/spells.parquet)")

    def true_probabilities(self):
        from pathlib import Path

        from ml.oracle import load_true_probabilities

        return load_true_probabilities(Path(self.truth_dir))
