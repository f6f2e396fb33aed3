"""A code location holding only the ingestion domain and the shared resources.

The real assets, jobs, pool and resources of ``orchestration/defs`` (no copies), without the
ML and dbt modules whose imports take most of a full code location's ~13 s start-up: each run
of the concurrency test loads the location twice (run worker and step process).
"""

import dagster as dg

from orchestration.defs import resources
from orchestration.defs.ingestion import assets, jobs

defs = dg.Definitions.merge(resources.defs, assets.defs, jobs.defs)
