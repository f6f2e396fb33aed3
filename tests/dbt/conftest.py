"""Fixtures of the dbt tests: a scratch warehouse with the raw layer of the data contracts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dbt.raw_layer import create_raw_layer


@pytest.fixture(autouse=True)
def _pseudonym_key(monkeypatch):
    monkeypatch.setenv("LTU_PSEUDO_KEY", "test-key")


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """An empty raw layer in a fresh DuckDB file."""
    path = tmp_path / "warehouse" / "ltu.duckdb"
    path.parent.mkdir(parents=True)
    create_raw_layer(path)
    return path
