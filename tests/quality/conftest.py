from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from quality_raw_layer import RawWriter, create_raw_layer


@pytest.fixture(autouse=True)
def _pseudo_key(monkeypatch):
    monkeypatch.setenv("LTU_PSEUDO_KEY", "test-key")


@pytest.fixture
def warehouse(tmp_path: Path):
    """An empty raw layer in a temp DuckDB file and a writer to fill it."""
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    create_raw_layer(con)
    yield path, RawWriter(con)
    con.close()
