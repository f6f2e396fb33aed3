"""Fixtures of the publication tests: a small warehouse and settings pointing at scratch dirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ltu_platform.publish.publication import Publication, publish

from .warehouse_fixture import World, build_warehouse, make_world


@pytest.fixture(autouse=True)
def _pseudo_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LTU_PSEUDO_KEY", "test-key")


@pytest.fixture(scope="session")
def world() -> World:
    return make_world()


@pytest.fixture(scope="session")
def warehouse(world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("warehouse") / "ltu.duckdb"
    build_warehouse(path, world)
    return path


@pytest.fixture(scope="session")
def small_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Few persons: for tests of versioning and orchestration, where size does not matter."""
    path = tmp_path_factory.mktemp("small_warehouse") / "ltu.duckdb"
    build_warehouse(path, make_world(n_spells=600, seed=11))
    return path


@pytest.fixture(scope="session")
def publication(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Publication:
    """One publication of the fixture warehouse, shared by the tests that only read it."""
    return publish(warehouse, tmp_path_factory.mktemp("published"), bootstrap_replicates=30,
                   docs=False)


