"""The job that builds everything downstream of ingestion in one run.

One run, so that the quality gate's blocking checks stop publication in that same run:
dbt facts and indicators, the quality gate (and its checks on the raw datasets), the risk
model and scoring, the publication.
"""

import dagster as dg

from ltu_platform.contracts import load_contracts
from orchestration.defs.ingestion.assets import asset_key_for

_RAW_KEYS = [asset_key_for(dataset) for dataset in load_contracts()]

platform_job = dg.define_asset_job(
    "platform_job",
    selection=(
        dg.AssetSelection.all(include_sources=False) - dg.AssetSelection.groups("ingestion")
    )
    # The gate judges the raw datasets: its (blocking) checks target the ingestion assets.
    | dg.AssetSelection.checks_for_assets(*_RAW_KEYS),
    description="dbt facts and indicators, quality gate, risk model, scoring and publication.",
    tags={"team": "ltu-data"},
)

defs = dg.Definitions(jobs=[platform_job])
