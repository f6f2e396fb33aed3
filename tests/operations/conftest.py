"""Fixtures of the operations tests (concurrent runs, crash recovery)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _pseudonym_key(monkeypatch):
    monkeypatch.setenv("LTU_PSEUDO_KEY", "test-key")
    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
