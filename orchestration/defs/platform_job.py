"""The job that builds everything downstream of ingestion in one run.

One run, so that the quality gate's blocking checks stop publication in that same run:
dbt facts and indicators, the quality gate, the risk model and scoring, the publication.
"""

import dagster as dg

platform_job = dg.define_asset_job(
    "platform_job",
    selection=dg.AssetSelection.all(include_sources=False) - dg.AssetSelection.groups("ingestion"),
    description="dbt facts and indicators, quality gate, risk model, scoring and publication.",
    tags={"team": "ltu-data"},
)

defs = dg.Definitions(jobs=[platform_job])
