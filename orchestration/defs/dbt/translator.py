"""How dbt nodes appear in Dagster: groups by layer, owners, kinds (docs/architecture.md, Dagster).

Asset keys stay dagster-dbt's defaults: a model's key is its name and a source's key comes
from its ``meta.dagster.asset_key`` (``["raw", <dataset>]``, the ingestion assets).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

OWNERS = ["team:ltu-data"]
LAYERS = ("staging", "intermediate", "marts")


class LtuDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        # dbt data tests and unit tests' models surface as Dagster asset checks
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        # models and seeds: the bare name (not dagster-dbt's default schema prefix); sources:
        # their meta.dagster.asset_key
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "dbt_reference"
        fqn = dbt_resource_props.get("fqn", [])
        layer = next((part for part in fqn[1:] if part in LAYERS), None)
        return f"dbt_{layer}" if layer else "dbt"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return OWNERS
