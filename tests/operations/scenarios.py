"""Shared pieces of the operations tests: child processes that can be killed at a known point,
and fingerprints of warehouse tables to compare states before, after and without a crash."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

from ltu_platform.settings import REPO_ROOT
from ml.config import TrainConfig

# Small and quick: these tests are about crash consistency, not model quality.
TRAIN_CONFIG = TrainConfig(learning_rate=0.3, n_estimators=40, early_stopping_rounds=5, shap_sample=200)
CHILD_TIMEOUT = 180.0


class Child:
    """A subprocess whose output is read line by line, to wait for a progress line and kill it."""

    def __init__(self, command: list[str], env: dict[str, str]):
        self.command = command
        self.process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    @classmethod
    def python(cls, *args: str, env: dict[str, str]) -> "Child":
        return cls([sys.executable, "-m", "tests.operations.children", *args], env)

    def _read(self) -> None:
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, predicate, timeout: float = CHILD_TIMEOUT) -> str:
        """The first output line satisfying ``predicate``; fails if the child ends first."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise AssertionError(f"no awaited line after {timeout}s from {self.command}:\n{self.output()}") from None
            if line is None:
                self.process.wait()
                raise AssertionError(f"{self.command} ended ({self.process.returncode}) before the awaited line:\n{self.output()}")
            self.lines.append(line)
            if predicate(line):
                return line

    def wait_for_prefix(self, prefix: str, timeout: float = CHILD_TIMEOUT) -> str:
        return self.wait_for(lambda line: line.startswith(prefix), timeout)

    def sigkill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        assert self.process.wait(timeout=30) == -signal.SIGKILL

    def finish(self, timeout: float = CHILD_TIMEOUT) -> str:
        """Wait for a normal exit; returns the whole output, fails on a non-zero exit code."""
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        while (line := self._queue.get(timeout=10)) is not None:
            self.lines.append(line)
        assert self.process.returncode == 0, f"{self.command} failed ({self.process.returncode}):\n{self.output()}"
        return self.output()

    def output(self, last: int = 150) -> str:
        return "\n".join(self.lines[-last:])


def child_env(**extra: str | Path) -> dict[str, str]:
    env = {**os.environ, "LTU_PSEUDO_KEY": "test-key", "PYTHONUNBUFFERED": "1",
           "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "DBT_USE_COLORS": "false"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def table_fingerprints(warehouse: Path, schema: str) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent hash of every row, per table of ``schema``.

    Doubles are rounded to 9 digits: a parallel sum may differ in its last bits between two
    builds of the same data.
    """
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'",
            [schema]).fetchall()]
        fingerprints = {}
        for table in sorted(tables):
            columns = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", [schema, table]).fetchall()
            projection = ", ".join(f'round("{c}", 9) AS "{c}"' if t in ("DOUBLE", "FLOAT") else f'"{c}"'
                                   for c, t in columns)
            fingerprints[table] = con.execute(
                f'SELECT count(*), coalesce(sum(hash(x)::HUGEINT), 0) FROM (SELECT {projection} FROM {schema}."{table}") x'
            ).fetchone()
        return fingerprints


def relation_names(warehouse: Path) -> list[str]:
    """Every table and view of the warehouse as ``schema.name``."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return sorted(f"{s}.{n}" for s, n in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables").fetchall())


def bulk_rows(dataset: str, partition: str, n: int, start: int = 0) -> list[dict[str, str]]:
    """``n`` valid rows of a delivery (the landing fixture's values; CPR numbers repeat, as
    the fixture's run out of 10-digit numbers after 9,000 rows)."""
    from tests.ingest.landing_fixture import cpr_for, sample_rows

    rows = sample_rows(dataset, partition, n, start)
    for i, row in enumerate(rows):
        if "cpr" in row:
            row["cpr"] = cpr_for((start + i) % 9000)
    return rows
