"""The domain's fixed choices, read from their one home: the ``vars`` of dbt_project.yml.

dbt models use them with ``var()``; Python (simulator truth, ML label, quality gate) uses
``RULES`` from here, so a choice changed in dbt_project.yml changes everywhere.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from types import MappingProxyType
from typing import Any, Mapping

import yaml

from ltu_platform.settings import REPO_ROOT

DBT_PROJECT_FILE = REPO_ROOT / "dbt_project" / "dbt_project.yml"


@cache
def _vars() -> Mapping[str, Any]:
    with DBT_PROJECT_FILE.open(encoding="utf-8") as f:
        return MappingProxyType(yaml.safe_load(f)["vars"])


class _Rules:
    """Attribute access to the dbt vars, with dates parsed (``RULES.transfer_hours``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            value = _vars()[name]
        except KeyError as exc:
            raise AttributeError(f"no domain rule var {name!r} in {DBT_PROJECT_FILE}") from exc
        if isinstance(value, str) and len(value) == 10 and value[4] == "-":
            return date.fromisoformat(value)
        return value

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in _vars()}


RULES = _Rules()
