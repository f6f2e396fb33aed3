"""dbt's sources are derived from the data contracts, never edited by hand."""

from __future__ import annotations

import importlib.util

from ltu_platform.contracts import load_contracts
from ltu_platform.settings import REPO_ROOT

GENERATOR = REPO_ROOT / "dbt_project" / "scripts" / "generate_sources.py"


def _generator():
    spec = importlib.util.spec_from_file_location("generate_sources", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sources_yml_is_generated_from_the_contracts():
    generator = _generator()
    assert generator.SOURCES_FILE.read_text(encoding="utf-8") == generator.render(), (
        "dbt_project/models/staging/sources.yml is stale: run python dbt_project/scripts/generate_sources.py"
    )


def test_every_raw_table_maps_to_its_ingestion_asset():
    import yaml

    generator = _generator()
    tables = yaml.safe_load(generator.SOURCES_FILE.read_text(encoding="utf-8"))["sources"][0]["tables"]
    assert {t["name"] for t in tables} == set(load_contracts())
    for table in tables:
        assert table["meta"]["dagster"]["asset_key"] == ["raw", table["name"]]
        contract = load_contracts()[table["name"]]
        names = [c["name"] for c in table["columns"]]
        assert names[: len(contract.columns)] == [c.warehouse_name for c in contract.columns]
        assert "cpr" not in names
