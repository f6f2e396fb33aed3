"""Resources shared by every domain of the code location (docs/architecture.md, Dagster).

Paths come from the environment through ``EnvVar`` when the variable is set (so the UI shows
where a value comes from and it is resolved at run time), else from the defaults of
``ltu_platform.settings.load_settings()``: a plain ``EnvVar`` would fail when unset, and the
platform must run with no configuration at all.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from ltu_platform.pseudonym import KEY_ENV
from ltu_platform.settings import load_settings

WAREHOUSE_POOL = "duckdb_warehouse"  # every asset that writes the warehouse runs in this pool


def env_or_default(variable: str, default: str) -> str | dg.EnvVar:
    """``EnvVar(variable)`` when it is set, else the settings default (evaluated at load time)."""
    return dg.EnvVar(variable) if os.environ.get(variable) else default


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file. One writer at a time (pool ``duckdb_warehouse``); readers
    open it read-only. A lock held by another process is waited for, not failed on at once."""

    path: str = Field(description="Path of the DuckDB file (LTU_WAREHOUSE)")
    lock_timeout_seconds: float = Field(default=120.0, description="How long to wait for another process's lock")

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if not read_only:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        con = self._connect_waiting_for_lock(read_only)
        try:
            yield con
        finally:
            con.close()

    def _connect_waiting_for_lock(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        deadline, pause = time.monotonic() + self.lock_timeout_seconds, 0.2
        while True:
            try:
                return duckdb.connect(self.path, read_only=read_only)
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 5.0)


class LandingZoneResource(dg.ConfigurableResource):
    """The landing zone: a local folder or any fsspec URL (LTU_LANDING_URL)."""

    url: str = Field(description="Root of the landing zone")


class PseudonymKeyResource(dg.ConfigurableResource):
    """The HMAC key that pseudonymises CPR numbers (LTU_PSEUDO_KEY): configuration, never code."""

    key: str = Field(description="Secret key of the keyed hash")

    def key_bytes(self) -> bytes:
        return self.key.encode("utf-8")


def _defaults():
    settings = load_settings()
    return {
        "warehouse": WarehouseResource(path=env_or_default("LTU_WAREHOUSE", str(settings.warehouse_path))),
        "landing": LandingZoneResource(url=env_or_default("LTU_LANDING_URL", settings.landing_url)),
        # No default: without the key nothing may be ingested; a run fails naming the variable.
        "pseudonym": PseudonymKeyResource(key=dg.EnvVar(KEY_ENV)),
    }


defs = dg.Definitions(resources=_defaults())
