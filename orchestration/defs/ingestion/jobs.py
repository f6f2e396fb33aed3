"""Jobs of the ingestion assets.

Dagster cannot put assets of different partitions definitions in one job, so DFDG months
(``ingest_job``, the monthly bulk) and register years (``ingest_register_job``) are two jobs.
They load only: checks on the raw tables (the quality domain) run in their own jobs, so a
failed check never blocks or rolls back a load.
"""

from __future__ import annotations

import dagster as dg

from ltu_platform.contracts import load_contracts
from orchestration.defs.ingestion.assets import asset_key_for

_BY_SOURCE = {
    source: [asset_key_for(c.dataset) for c in load_contracts().values() if c.source == source]
    for source in ("dfdg", "register")
}

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.assets(*_BY_SOURCE["dfdg"]).without_checks(),
    description="Load DFDG deliveries (monthly partitions) into the raw layer.",
    tags={"team": "ltu-data"},
)
ingest_register_job = dg.define_asset_job(
    "ingest_register_job",
    selection=dg.AssetSelection.assets(*_BY_SOURCE["register"]).without_checks(),
    description="Load register extracts (yearly partitions) into the raw layer.",
    tags={"team": "ltu-data"},
)
JOB_BY_SOURCE = {"dfdg": ingest_job, "register": ingest_register_job}

defs = dg.Definitions(jobs=[ingest_job, ingest_register_job])
