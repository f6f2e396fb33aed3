"""Data contracts: one YAML per landing dataset in ``data_contracts/``.

They are the single source of the schema check at ingestion and of the quality suites:
nothing else lists a dataset's columns. Codes may come from a dbt seed
(``allowed_from: seed:municipalities.municipality_code``) so reference lists live once too.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, model_validator

from ltu_platform.settings import REPO_ROOT

CONTRACTS_DIR = REPO_ROOT / "data_contracts"
SEEDS_DIR = REPO_ROOT / "dbt_project" / "seeds"

ColumnType = Literal["string", "integer", "decimal", "date", "timestamp", "boolean", "cpr"]
DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
    "cpr": "VARCHAR",
}


class Column(BaseModel):
    name: str
    type: ColumnType
    nullable: bool = True
    description: str
    allowed: list[str | int] | None = None
    allowed_from: str | None = Field(
        default=None, description="seed:<seed file stem>.<column>: codes from a dbt seed"
    )
    min: float | None = None
    max: float | None = None
    rules: list[str] = Field(default_factory=list)

    @property
    def warehouse_name(self) -> str:
        """CPR columns are stored pseudonymised under another name (see ltu_platform.pseudonym)."""
        return "person_key" if self.type == "cpr" else self.name

    @property
    def warehouse_type(self) -> str:
        return DUCKDB_TYPES[self.type]

    def allowed_values(self) -> list[str] | None:
        """The allowed codes as text, from the contract or from the named dbt seed."""
        if self.allowed is not None:
            return [str(v) for v in self.allowed]
        if self.allowed_from is not None:
            return seed_values(self.allowed_from)
        return None


class RegistrationRule(BaseModel):
    """A cross-column or cross-dataset registration rule, judged by the quality gate."""

    id: str
    rule: str = Field(description="the domain rule id it enforces, e.g. R-JOINT-2")
    description: str
    severity: Literal["blocking", "warning"] = "blocking"
    tolerance: float = Field(0.0, description="share of rows that may fail before it blocks")


class Contract(BaseModel):
    dataset: str
    source: Literal["register", "dfdg"]
    partitioning: Literal["yearly", "monthly"]
    partition_column: str
    description: str
    primary_key: list[str]
    rules: list[str] = Field(default_factory=list)
    columns: list[Column]
    registration_rules: list[RegistrationRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _keys_are_columns(self) -> "Contract":
        names = {c.name for c in self.columns}
        missing = [k for k in [*self.primary_key, self.partition_column] if k not in names]
        if missing:
            raise ValueError(f"contract {self.dataset}: key columns {missing} are not columns")
        return self

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def relative_path(self, partition: str, suffix: str = "csv") -> str:
        """Path of one delivery inside the landing zone (docs/architecture.md, Landing zone)."""
        return f"{self.source}/{self.dataset}/{partition}/{self.dataset}_{partition}.{suffix}"


@cache
def load_contracts(directory: Path = CONTRACTS_DIR) -> dict[str, Contract]:
    contracts = {}
    for path in sorted(directory.glob("*.yaml")):
        with path.open(encoding="utf-8") as f:
            contract = Contract.model_validate(yaml.safe_load(f))
        if contract.dataset != path.stem:
            raise ValueError(f"{path}: dataset {contract.dataset!r} must match the file name")
        contracts[contract.dataset] = contract
    return contracts


def get_contract(dataset: str) -> Contract:
    return load_contracts()[dataset]


@cache
def seed_values(reference: str) -> list[str]:
    """Values of one column of a dbt seed, named ``seed:<file stem>.<column>``."""
    kind, _, ref = reference.partition(":")
    if kind != "seed" or "." not in ref:
        raise ValueError(f"allowed_from must look like seed:<file>.<column>, got {reference!r}")
    stem, column = ref.split(".", 1)
    with (SEEDS_DIR / f"{stem}.csv").open(encoding="utf-8") as f:
        return sorted({row[column] for row in csv.DictReader(f)})
