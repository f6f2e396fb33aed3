"""Our own small MLflow resource (no dagster-mlflow): where the tracking server is."""

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
