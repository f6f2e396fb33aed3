"""One asset per landing dataset: ``["raw", <dataset>]``, built from its data contract.

A backfill of many partitions is one run (``BackfillPolicy.single_run``) that loads them one
by one, so memory stays bounded by one delivery. A partition that fails does not stop the
others; the run fails at the end naming every failed file, row, column and rule.
"""


from collections import Counter

import dagster as dg
from pydantic import Field

from ltu_platform.contracts import Contract, load_contracts
from ltu_platform.ingest import DeliveryContractError, IngestionFailed, LoadReport, last_loaded_sha256, load_partition
from ltu_platform.ingest.discovery import find_delivery
from ltu_platform.ingest.loading import quarantine_markdown
from ltu_platform.ingest.raw_schema import table_name
from ltu_platform.ingest.reading import fetch, file_sha256
from orchestration.defs.ingestion.partitions import partitions_def_for
from orchestration.defs.resources import WAREHOUSE_POOL, LandingZoneResource, PseudonymKeyResource, WarehouseResource

OWNERS = ["team:ltu-data"]
GROUP = "ingestion"
MAX_LISTED_FILES = 50  # metadata stays readable for a backfill of ten years of months


class IngestionConfig(dg.Config):
    skip_unchanged: bool = Field(
        default=False,
        description="Skip a partition whose file has the same SHA-256 as its last successful load",
    )


def asset_key_for(dataset: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", dataset])


def column_schema(contract: Contract) -> dg.TableSchema:
    return dg.TableSchema(columns=[
        dg.TableColumn(c.warehouse_name, c.warehouse_type, description=c.description,
                       constraints=dg.TableColumnConstraints(nullable=c.nullable))
        for c in contract.columns
    ])


def build_ingestion_asset(contract: Contract) -> dg.AssetsDefinition:
    dataset = contract.dataset

    @dg.asset(
        key=asset_key_for(dataset),
        group_name=GROUP,
        kinds={"duckdb", "csv"},
        owners=OWNERS,
        description=f"{contract.description.strip()}\n\nRaw layer table `{table_name(contract)}`, "
        f"loaded from `{contract.relative_path('{partition}')}` per data contract "
        f"`data_contracts/{dataset}.yaml`.",
        partitions_def=partitions_def_for(contract),
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        metadata={
            "dagster/column_schema": column_schema(contract),
            "dagster/table_name": f"ltu.{table_name(contract)}",
            "contract": f"data_contracts/{dataset}.yaml",
            "domain_rules": ", ".join(contract.rules),
        },
    )
    def _ingest(
        context: dg.AssetExecutionContext,
        config: IngestionConfig,
        warehouse: WarehouseResource,
        landing: LandingZoneResource,
        pseudonym: PseudonymKeyResource,
    ) -> dg.MaterializeResult:
        reports, failures, skipped = [], [], []
        with warehouse.connect() as con:
            for partition in context.partition_keys:
                if config.skip_unchanged and _unchanged(con, landing.url, dataset, partition):
                    skipped.append(partition)
                    continue
                try:
                    reports.append(load_partition(con, landing.url, dataset, partition, pseudonym.key_bytes()))
                except DeliveryContractError as exc:
                    context.log.error(str(exc))
                    failures.append((dataset, partition, exc))
            total_rows = con.execute(f"SELECT count(*) FROM {table_name(contract)}").fetchone()[0]
        if failures:
            raise IngestionFailed(failures)
        return dg.MaterializeResult(metadata=_metadata(reports, skipped, total_rows))

    return _ingest


def _unchanged(con, landing_url: str, dataset: str, partition: str) -> bool:
    delivery = find_delivery(landing_url, dataset, partition)
    if delivery is None:
        return False
    return last_loaded_sha256(con, dataset, partition) == file_sha256(fetch(landing_url, delivery))


def _metadata(reports: list[LoadReport], skipped: list[str], total_rows: int) -> dict:
    reasons: Counter = Counter()
    for report in reports:
        reasons.update(report.quarantine_reasons)
    files = [r.source_file for r in reports]
    return {
        "rows_in": sum(r.rows_in for r in reports),
        "rows_loaded": sum(r.rows_loaded for r in reports),
        "rows_quarantined": sum(r.rows_quarantined for r in reports),
        "partitions_loaded": len(reports),
        "partitions_skipped_unchanged": len(skipped),
        "source_files": dg.MetadataValue.md("\n".join(f"- `{f}`" for f in files[:MAX_LISTED_FILES])
                                            + (f"\n- … and {len(files) - MAX_LISTED_FILES} more" if len(files) > MAX_LISTED_FILES else "")),
        "quarantine_reasons": dg.MetadataValue.md(quarantine_markdown(reasons)),
        "load_ids": ", ".join(r.load_id for r in reports[:MAX_LISTED_FILES]),
        "dagster/row_count": sum(r.rows_loaded for r in reports),
        "raw_table_rows": total_rows,
    }


INGESTION_ASSETS = [build_ingestion_asset(contract) for contract in load_contracts().values()]

defs = dg.Definitions(assets=INGESTION_ASSETS)
