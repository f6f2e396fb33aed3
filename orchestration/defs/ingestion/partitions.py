"""Partitions of the landing zone: DFDG deliveries by month, register extracts by year.

Dynamic, because what exists is what was delivered: the landing-zone sensor adds a partition
when its first file arrives (docs/architecture.md, Landing zone).
"""

from __future__ import annotations

import dagster as dg

from ltu_platform.contracts import Contract

DFDG_MONTHS = dg.DynamicPartitionsDefinition(name="dfdg_month")
REGISTER_YEARS = dg.DynamicPartitionsDefinition(name="register_year")
PARTITIONS_BY_SOURCE: dict[str, dg.DynamicPartitionsDefinition] = {
    "dfdg": DFDG_MONTHS,
    "register": REGISTER_YEARS,
}


def partitions_def_for(contract: Contract) -> dg.DynamicPartitionsDefinition:
    return PARTITIONS_BY_SOURCE[contract.source]
