"""Shared simulator runs for the sim tests: one clean and one defect run at test scale."""

from __future__ import annotations

from pathlib import Path

import pytest

from ltu_sim import simulate


@pytest.fixture(autouse=True)
def _pseudo_key(monkeypatch):
    monkeypatch.setenv("LTU_PSEUDO_KEY", "test-key")


def _run(root: Path, defects: str) -> Path:
    simulate(root / "landing", root / "truth", scale="test", seed=42, defects=defects)
    return root


@pytest.fixture(scope="session")
def clean_run(tmp_path_factory) -> Path:
    return _run(tmp_path_factory.mktemp("sim_clean"), "clean")


@pytest.fixture(scope="session")
def defect_run(tmp_path_factory) -> Path:
    return _run(tmp_path_factory.mktemp("sim_default"), "default")
