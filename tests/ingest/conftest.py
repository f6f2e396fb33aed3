from __future__ import annotations

import duckdb
import pytest

from ltu_platform import pseudonym

TEST_KEY = "test-key"


@pytest.fixture(autouse=True)
def pseudo_key_env(monkeypatch):
    monkeypatch.setenv(pseudonym.KEY_ENV, TEST_KEY)
    return TEST_KEY.encode()


@pytest.fixture
def landing(tmp_path):
    path = tmp_path / "landing"
    path.mkdir()
    return path


@pytest.fixture
def warehouse_path(tmp_path):
    return tmp_path / "warehouse" / "ltu.duckdb"


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "test.duckdb")) as connection:
        yield connection
