"""Hand-made raw layer for the gate's tests: tables shaped as docs/architecture.md "Raw layer"
says, derived from the data contracts (no second column list)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

import duckdb

from ltu_platform.contracts import load_contracts
from ltu_platform.ingest.raw_schema import ensure_raw_tables
from ltu_platform.pseudonym import person_key

KEY = b"test-key"  # the same key the fixtures put in LTU_PSEUDO_KEY


def pk(cpr: str) -> str:
    return person_key(cpr, KEY)


def create_raw_layer(con: duckdb.DuckDBPyConnection) -> None:
    """Empty raw tables, raw.quarantine and raw.load_log exactly as the ingestion creates them."""
    for contract in load_contracts().values():
        ensure_raw_tables(con, contract)


def _partition(contract, row: dict[str, Any]) -> str:
    value = row[contract.partition_column]
    if contract.partitioning == "yearly":
        return str(value if isinstance(value, int) else value.year)
    return value.strftime("%Y-%m")


class RawWriter:
    """Appends rows to raw tables with the lineage the ingestion would give them."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.rows_in_partition: dict[tuple[str, str], int] = defaultdict(int)

    def add(self, dataset: str, **values: Any) -> tuple[str, int]:
        contract = load_contracts()[dataset]
        row = {c.warehouse_name: values.get(c.warehouse_name) for c in contract.columns}
        partition = _partition(contract, {**row, **values})
        self.rows_in_partition[(dataset, partition)] += 1
        n = self.rows_in_partition[(dataset, partition)]
        lineage = [partition, contract.relative_path(partition), n, "load-1", datetime(2024, 1, 1)]
        params = [*row.values(), *lineage]
        self.con.execute(
            f"INSERT INTO raw.{dataset} VALUES ({', '.join('?' * len(params))})", params
        )
        return contract.relative_path(partition), n


def month_payments(w: RawWriter, cpr: str, first: date, months: int, hours: float = 120.0) -> None:
    y, m = first.year, first.month
    for i in range(months):
        w.add("dagpenge_payments", payment_id=f"P-{cpr}-{y}{m:02d}", person_key=pk(cpr),
              payment_month=date(y, m, 1), akasse_code="AKA", hours=hours)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


REG = datetime(2020, 6, 30, 12, 0)


def conversation(w: RawWriter, cid: str, cpr: str, day: date, ctype: str = "cv", *,
                 held_by: str = "akasse", actor: str = "AKA", booking: str | None = "indkaldt",
                 walk_in: bool = False, participation: str | None = None):
    return w.add("conversations", conversation_id=cid, person_key=pk(cpr), conversation_date=day,
                 conversation_type=ctype, held_by=held_by, actor_code=actor,
                 booking_method=booking, walk_in=walk_in, akasse_participation=participation,
                 registered_at=REG)


def spells(w: RawWriter) -> None:
    """A: spell 2020-01-15 .. 2020-04-30 (no payment in May). B: ongoing from 2020-03-01
    (payments reach the newest month, 2020-06). C: spell 2020-02-01 .. 2020-06 (ongoing)."""
    w.add("placements", placement_id="PL-A", person_key=pk("A"), placement_date=date(2020, 1, 15),
          akasse_code="AKA", municipality_code=101, placement_reason="ny", is_graduate=False)
    w.add("placements", placement_id="PL-B", person_key=pk("B"), placement_date=date(2020, 3, 1),
          akasse_code="AKA", municipality_code=751, placement_reason="ny", is_graduate=False)
    w.add("placements", placement_id="PL-C", person_key=pk("C"), placement_date=date(2020, 2, 1),
          akasse_code="AKA", municipality_code=101, placement_reason="ny", is_graduate=False)
    month_payments(w, "A", date(2020, 1, 1), 4)
    month_payments(w, "B", date(2020, 3, 1), 4)
    month_payments(w, "C", date(2020, 2, 1), 5)


def clean_registrations(w: RawWriter) -> None:
    spells(w)
    conversation(w, "K1", "A", date(2020, 1, 15))  # day 0 of A's spell
    conversation(w, "K2", "A", date(2020, 4, 30), "faelles_1", held_by="jobcenter", actor="101",
                 participation="frabedt")  # last day of A's spell; refusal is a registration
    conversation(w, "K3", "B", date(2020, 6, 30), "job", held_by="jobcenter", actor="751",
                 booking=None, walk_in=True)  # ongoing spell up to the newest month's end
    w.add("experiment_membership", event_id="E1", person_key=pk("C"), event_date=date(2020, 2, 1),
          event_type="indtraeden", akasse_code="AKA", municipality_code=101, reason="nyindplaceret")
    w.add("experiment_membership", event_id="E2", person_key=pk("C"), event_date=date(2020, 3, 31),
          event_type="udtraeden", akasse_code="AKA", municipality_code=101, reason="flytning")
    conversation(w, "K4", "C", date(2020, 3, 31), "kontaktforloeb")  # exit day still a member
    w.add("dagpenge_payments", payment_id="P-norm", person_key=pk("D"), payment_month=date(2020, 5, 1),
          akasse_code="AKA", hours=160.33)  # exactly the norm
    w.add("dagpenge_payments", payment_id="P-zero", person_key=pk("E"), payment_month=date(2020, 5, 1),
          akasse_code="AKA", hours=0.0)
