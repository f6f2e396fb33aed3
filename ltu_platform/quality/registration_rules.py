"""Row-level rules (the contract's column constraints and registration rules) in DuckDB SQL.

Why SQL and not GX: GX 1.24's SQL datasource fails on DuckDB for every expectation
(great_expectations issue 11579: results are read after the connection has closed), and the
cross-dataset rules (spells, experiment membership) need joins that GX's pandas engine
would only do by loading whole datasets into memory. So DuckDB flags every failing row here
with its rule id and a reason, and GX judges the flags batch by batch (``validation.py``).
The per-column constraints (nullability, codes, ranges) are pushed down too: at national
scale (tens of millions of rows) GX's pandas engine could not look at every value of every
column within the gate's time budget, while it judges a few boolean flag columns quickly.

Which rules apply to a dataset, their severity and tolerance come from the data contract
(``registration_rules``); this module only knows how to find the failing rows of a rule id.
A contract naming a rule id without an implementation here is an error, not a silent pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from ltu_platform.contracts import Column, Contract, load_contracts
from ltu_platform.quality.spells import SPELLS_VIEW, create_spells_view
from ltu_platform.quality.warehouse import table_exists
from ltu_platform.rules import RULES

FAILURES_TABLE = "gate_failures"  # temp table: dataset, lineage, rule_id, reason
LINEAGE = ("_partition", "_source_file", "_row_number")
STRUCTURE_RULE = "contract_structure"  # nullability, codes, ranges (and in GX: columns, types)
PRIMARY_KEY_RULE = "primary_key"  # structural: always blocking, no tolerance
JOINT_TYPES = "('faelles_1', 'faelles_2', 'faelles_3')"


@dataclass(frozen=True)
class RuleQuery:
    """Failing rows of ``raw.<dataset> AS t``: a predicate on t and a reason text (SQL).

    A duplicate rule gives ``duplicate_key`` instead: rows sharing those columns fail except
    the first (by ``first_by``, then delivery and row), so a duplicate counts once.
    """

    reason: str
    where: str = "TRUE"
    join: str = ""  # joined to t before the predicate
    duplicate_key: tuple[str, ...] = ()
    first_by: str = ""

    def sql(self, dataset: str, rule_id: str) -> str:
        lineage = ", ".join(f"t.{c}" for c in LINEAGE)
        head = f"SELECT '{dataset}' AS dataset, {lineage}, '{rule_id}' AS rule_id, {self.reason} AS reason"
        if not self.duplicate_key:
            return f"{head} FROM raw.{dataset} AS t {self.join} WHERE {self.where}"
        key = ", ".join(self.duplicate_key)
        order = ", ".join([*([self.first_by] if self.first_by else []), *(f"t.{c}" for c in LINEAGE)])
        # Only keys that occur twice are numbered: a window over every row would sort the
        # whole table, a grouped count does not.
        return f"""
            SELECT * EXCLUDE (_nth) FROM (
                {head}, row_number() OVER (
                    PARTITION BY {', '.join(f't.{k}' for k in self.duplicate_key)} ORDER BY {order}
                ) AS _nth
                FROM raw.{dataset} AS t
                SEMI JOIN (SELECT {key} FROM raw.{dataset} GROUP BY ALL HAVING count(*) > 1) AS d
                USING ({key})
            ) WHERE _nth > 1"""


def _literal(column: Column, value: str) -> str:
    return str(int(value)) if column.type == "integer" else "'" + value.replace("'", "''") + "'"


def _column_violations(column: Column) -> list[tuple[str, str]]:
    """(predicate, reason) per constraint the contract puts on one column."""
    name = f"t.{column.warehouse_name}"
    out = []
    if not column.nullable:
        out.append((f"{name} IS NULL", f"'{column.name} is empty but not nullable'"))
    codes = column.allowed_values()
    if codes is not None:
        listed = ", ".join(_literal(column, v) for v in codes)
        out.append((f"{name} NOT IN ({listed})", f"'{column.name} = ' || {name} || ' is not an allowed code'"))
    if column.min is not None:
        out.append((f"{name} < {column.min}", f"'{column.name} = ' || {name} || ' is below {column.min}'"))
    if column.max is not None:
        out.append((f"{name} > {column.max}", f"'{column.name} = ' || {name} || ' is above {column.max}'"))
    return out


def _structure_query(contract: Contract) -> "RuleQuery":
    # One failing row per record however many of its columns break the contract; the
    # reason lists them all (NULL-safe: a NULL predicate is no violation here).
    checks = [v for c in contract.columns for v in _column_violations(c)]
    if not checks:
        return RuleQuery(reason="''", where="FALSE")
    where = " OR ".join(f"coalesce({p}, false)" for p, _ in checks)
    reason = "concat_ws('; ', " + ", ".join(f"CASE WHEN coalesce({p}, false) THEN {r} END" for p, r in checks) + ")"
    return RuleQuery(reason=reason, where=where)


def _experiment_members_sql() -> str:
    # R-AK-1..3: a member is in the experiment from an entry in an experiment municipality
    # until the next exit (inclusive) or for good when none follows.
    municipalities = ", ".join(str(int(m)) for m in RULES.experiment_municipalities)
    return f"""
        SELECT person_key, event_date AS member_from,
               CASE WHEN next_type = 'udtraeden' THEN next_date END AS member_until
        FROM (
            SELECT person_key, event_date, event_type, municipality_code,
                   lead(event_date) OVER w AS next_date, lead(event_type) OVER w AS next_type
            FROM raw.experiment_membership
            WINDOW w AS (PARTITION BY person_key ORDER BY event_date, event_type)
        )
        WHERE event_type = 'indtraeden' AND municipality_code IN ({municipalities})
    """


RULE_QUERIES: dict[str, Callable[[Contract], RuleQuery]] = {
    # R-JOINT-2: a joint conversation says whether the a-kasse took part, or that the
    # citizen declined its participation (registered separately from absence).
    "joint_participation_registered": lambda c: RuleQuery(
        where=f"t.conversation_type IN {JOINT_TYPES} AND t.akasse_participation IS NULL",
        reason="'akasse_participation is empty on a ' || t.conversation_type || ' conversation'",
    ),
    # R-AK-4 / docs/architecture.md "Conversation linked to a spell": unlinked registrations
    # cannot enter any indicator.
    "conversation_inside_spell": lambda c: RuleQuery(
        # A person's spells do not overlap, so the one that can hold the date is the latest
        # starting on or before it (an ASOF join: a merge, where a range join would not scale).
        join=(
            f"ASOF LEFT JOIN {SPELLS_VIEW} AS s "
            "ON s.person_key = t.person_key AND t.conversation_date >= s.spell_start"
        ),
        where="s.linked_until IS NULL OR t.conversation_date > s.linked_until",
        reason="'conversation_date ' || t.conversation_date || ' lies in no dagpenge spell of the person'",
    ),
    # R-BOOK-2: the self-booking share needs the booking method of every non-walk-in job
    # conversation.
    "job_booking_method": lambda c: RuleQuery(
        where="t.conversation_type = 'job' AND NOT t.walk_in AND t.booking_method IS NULL",
        reason="'booking_method is empty on a job conversation that is not a walk-in'",
    ),
    # R-AK-11: the same conversation registered twice (person, date, type, actor).
    "no_duplicate_registration": lambda c: RuleQuery(
        duplicate_key=("person_key", "conversation_date", "conversation_type", "actor_code"),
        first_by="t.registered_at",  # the later registration is the duplicate
        reason=(
            "'duplicate of an earlier registration (same person, date, type ' || "
            "t.conversation_type || ', actor ' || t.actor_code || ')'"
        ),
    ),
    # R-AK-4: kontaktforloeb conversations exist only for experiment members in the
    # experiment municipalities (var experiment_municipalities).
    "experiment_conversation_member": lambda c: RuleQuery(
        where=(
            "t.conversation_type = 'kontaktforloeb' AND NOT EXISTS ("
            f"SELECT 1 FROM ({_experiment_members_sql()}) m WHERE m.person_key = t.person_key "
            "AND t.conversation_date >= m.member_from "
            "AND (m.member_until IS NULL OR t.conversation_date <= m.member_until))"
        ),
        reason="'kontaktforloeb conversation of a person not in the a-kasse experiment on that date'",
    ),
    # R-AK-6: the clock is built from these hours; a month cannot exceed the norm.
    "hours_within_norm": lambda c: RuleQuery(
        where=f"NOT (t.hours BETWEEN 0 AND {float(RULES.monthly_hours_norm)})",
        reason=f"'hours ' || t.hours || ' outside 0..{RULES.monthly_hours_norm} (var monthly_hours_norm)'",
    ),
    # R-AK-6: a second payment for the same person and month would double the clock.
    "one_payment_per_month": lambda c: RuleQuery(
        duplicate_key=("person_key", "payment_month"),
        reason="'second payment for the same person and month ' || t.payment_month",
    ),
    # Structural (every dataset): the contract's column constraints.
    STRUCTURE_RULE: _structure_query,
    # Structural (every dataset): the contract's primary key is unique across all deliveries
    # (ingestion only sees one delivery at a time).
    PRIMARY_KEY_RULE: lambda c: RuleQuery(
        duplicate_key=tuple(c.column(k).warehouse_name for k in c.primary_key),
        reason="'primary key (" + ", ".join(c.primary_key) + ") already delivered earlier'",
    ),
}


def rule_ids(contract: Contract) -> list[str]:
    """The row-level rules the gate flags for one dataset: structure, primary key, contract rules."""
    ids = [STRUCTURE_RULE, PRIMARY_KEY_RULE, *(r.id for r in contract.registration_rules)]
    missing = [i for i in ids if i not in RULE_QUERIES]
    if missing:
        raise KeyError(
            f"data_contracts/{contract.dataset}.yaml names registration rules {missing} that the "
            "quality gate does not implement (ltu_platform/quality/registration_rules.py)"
        )
    return ids


def loaded_datasets(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The contract datasets present in the raw layer (the gate judges what was loaded)."""
    return [d for d in load_contracts() if table_exists(con, "raw", d)]


def flag_failures(con: duckdb.DuckDBPyConnection, datasets: list[str]) -> None:
    """Create the temp table ``gate_failures``: one row per failing row and rule."""
    if "conversations" in datasets:
        create_spells_view(con)
    contracts = load_contracts()
    queries = [
        RULE_QUERIES[rule_id](contracts[d]).sql(d, rule_id)
        for d in datasets
        for rule_id in rule_ids(contracts[d])
    ]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {FAILURES_TABLE} AS " + " UNION ALL ".join(queries)
    )
