"""Ingestion of the landing zone into the warehouse's raw layer, driven by the data contracts.

Usable without Dagster::

    from ltu_platform.ingest import ingest_all
    ingest_all("data/warehouse/ltu.duckdb", "data/landing")
"""

from ltu_platform.ingest.discovery import (
    Delivery,
    find_delivery,
    list_all_deliveries,
    list_deliveries,
    missing_partitions,
)
from ltu_platform.ingest.errors import DeliveryContractError, IngestionFailed
from ltu_platform.ingest.loading import LoadReport, ingest_all, last_loaded_sha256, load_partition

__all__ = [
    "Delivery",
    "DeliveryContractError",
    "IngestionFailed",
    "LoadReport",
    "find_delivery",
    "ingest_all",
    "last_loaded_sha256",
    "list_all_deliveries",
    "list_deliveries",
    "load_partition",
    "missing_partitions",
]
