"""Watching the landing zone: new partitions, new and corrected deliveries, gaps.

The cursor holds each delivery's fingerprint (size and modification time), so a corrected
re-delivery at the same path triggers a reload while an untouched file does not. A month (or
year) missing inside a dataset's sequence is reported in the log and as a run tag: it is
never skipped silently.
"""


import hashlib
import json
from collections import defaultdict

import dagster as dg

from ltu_platform.contracts import get_contract
from ltu_platform.ingest.discovery import Delivery, list_all_deliveries, missing_partitions
from orchestration.defs.ingestion.assets import asset_key_for
from orchestration.defs.ingestion.jobs import JOB_BY_SOURCE, ingest_job, ingest_register_job
from orchestration.defs.ingestion.partitions import PARTITIONS_BY_SOURCE
from orchestration.defs.resources import LandingZoneResource

MISSING_TAG = "ltu/missing_partitions"
MAX_TAG_LENGTH = 1000


def gaps_by_dataset(deliveries: list[Delivery]) -> dict[str, list[str]]:
    """Partitions absent from each dataset's sequence of deliveries."""
    partitions: dict[str, list[str]] = defaultdict(list)
    for d in deliveries:
        partitions[d.dataset].append(d.partition)
    gaps = {ds: missing_partitions(ps, get_contract(ds).partitioning) for ds, ps in partitions.items()}
    return {ds: gap for ds, gap in gaps.items() if gap}


def gaps_text(gaps: dict[str, list[str]]) -> str:
    text = "; ".join(f"{ds}: {', '.join(g)}" for ds, g in sorted(gaps.items()))
    return text if len(text) <= MAX_TAG_LENGTH else text[: MAX_TAG_LENGTH - 1] + "…"


@dg.sensor(
    name="landing_zone_sensor",
    jobs=[ingest_job, ingest_register_job],
    minimum_interval_seconds=120,
    description="Registers delivered partitions and requests loads of new or changed files; reports missing months.",
    owners=["team:ltu-data"],
)
def landing_zone_sensor(context: dg.SensorEvaluationContext, landing: LandingZoneResource) -> dg.SensorResult:
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    deliveries = list_all_deliveries(landing.url)
    current = {d.relative_path: d.fingerprint for d in deliveries}
    changed = [d for d in deliveries if seen.get(d.relative_path) != d.fingerprint]

    gaps = gaps_by_dataset(deliveries)
    for dataset, gap in sorted(gaps.items()):
        context.log.warning(f"{dataset}: no delivery for {', '.join(gap)} (a gap in the sequence)")
    removed = sorted(set(seen) - set(current))
    if removed:
        context.log.warning(f"deliveries gone from the landing zone since the last tick: {removed}")

    return dg.SensorResult(
        dynamic_partitions_requests=_new_partitions(context, deliveries),
        run_requests=_run_requests(changed, gaps),
        cursor=json.dumps(current, sort_keys=True),
        skip_reason=None if changed else "no new or changed deliveries",
    )


def _new_partitions(context: dg.SensorEvaluationContext, deliveries: list[Delivery]) -> list:
    requests = []
    for source, partitions_def in PARTITIONS_BY_SOURCE.items():
        delivered = {d.partition for d in deliveries if get_contract(d.dataset).source == source}
        known = set(context.instance.get_dynamic_partitions(partitions_def.name))
        # Added in order, so partition ranges (backfills) follow the calendar.
        new = sorted(delivered - known)
        if new:
            requests.append(partitions_def.build_add_request(new))
    return requests


def _run_requests(changed: list[Delivery], gaps: dict[str, list[str]]) -> list[dg.RunRequest]:
    by_partition: dict[tuple[str, str], list[Delivery]] = defaultdict(list)
    for d in changed:
        by_partition[(get_contract(d.dataset).source, d.partition)].append(d)
    tags = {MISSING_TAG: gaps_text(gaps)} if gaps else {}
    requests = []
    for (source, partition), files in sorted(by_partition.items()):
        fingerprint = hashlib.sha256("|".join(sorted(f"{d.relative_path}={d.fingerprint}" for d in files)).encode()).hexdigest()[:16]
        requests.append(dg.RunRequest(
            run_key=f"{source}:{partition}:{fingerprint}",
            job_name=JOB_BY_SOURCE[source].name,
            partition_key=partition,
            asset_selection=sorted({asset_key_for(d.dataset) for d in files}, key=lambda k: k.to_user_string()),
            tags=tags,
        ))
    return requests


defs = dg.Definitions(sensors=[landing_zone_sensor])
