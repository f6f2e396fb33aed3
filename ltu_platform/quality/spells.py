"""The dagpenge spells the gate links registrations to (docs/architecture.md, Shared definitions).

Kept in this one place and derived from the raw layer. ``marts.fct_contact_courses`` holds the
same spells, but the gate runs in front of dbt: in a run that loads a new month the mart is
still last run's, and its missing new placements would flag their conversations as unlinked.
"""

from __future__ import annotations

import duckdb

from ltu_platform.contracts import load_contracts
from ltu_platform.quality.warehouse import table_exists

SPELLS_VIEW = "gate_spells"  # temp view: person_key, spell_start, spell_end, linked_until


def newest_month_sql(con: duckdb.DuckDBPyConnection) -> str:
    """SQL expression for the first day of the newest delivered DFDG month.

    A header-only delivery still counts as delivered, so the load log (which lists it) is
    read beside the loaded rows (which do not show it).
    """
    monthly = [c.dataset for c in load_contracts().values() if c.partitioning == "monthly"]
    parts = [f"SELECT max(_partition) AS p FROM raw.{d}" for d in monthly if table_exists(con, "raw", d)]
    if table_exists(con, "raw", "load_log"):
        names = ", ".join(f"'{d}'" for d in monthly)
        parts.append(f"SELECT max(partition) FROM raw.load_log WHERE dataset IN ({names})")
    return f"(SELECT strptime(max(p), '%Y-%m')::DATE FROM ({' UNION ALL '.join(parts)}))"


def _derived_spells_sql(newest: str) -> str:
    # Spell: one per placement; its payment months are the run of consecutive months with
    # a payment that contains the placement month (gaps-and-islands on the month index).
    # A payment with invalid (negative) hours still shows the month was paid: it fails
    # hours_within_norm once instead of also cutting the spell and unlinking conversations.
    return f"""
    WITH months AS (
        SELECT DISTINCT person_key, date_trunc('month', payment_month)::DATE AS m
        FROM raw.dagpenge_payments WHERE hours <> 0
    ), islands AS (
        SELECT person_key, m,
               datediff('month', DATE '1900-01-01', m)
                 - row_number() OVER (PARTITION BY person_key ORDER BY m) AS island
        FROM months
    ), runs AS (
        SELECT person_key, min(m) AS first_m, max(m) AS last_m FROM islands GROUP BY person_key, island
    ), placements AS (
        SELECT person_key, placement_date AS spell_start,
               lead(placement_date) OVER (PARTITION BY person_key ORDER BY placement_date)
                 AS next_start
        FROM raw.placements
    )
    SELECT p.person_key, p.spell_start,
           CASE
             WHEN p.next_start IS NOT NULL
               THEN least(last_day(coalesce(r.last_m, p.spell_start)), p.next_start - 1)
             WHEN r.last_m >= {newest} THEN NULL
             ELSE last_day(coalesce(r.last_m, p.spell_start))
           END AS spell_end
    FROM placements p
    LEFT JOIN runs r
      ON r.person_key = p.person_key
     AND date_trunc('month', p.spell_start) BETWEEN r.first_m AND r.last_m
    """


def create_spells_view(con: duckdb.DuckDBPyConnection) -> None:
    """Create the temp view ``gate_spells`` with the date up to which a spell links records."""
    newest = newest_month_sql(con)
    # A conversation links to a spell up to its end, or up to the newest delivered month's
    # last day while the spell is ongoing (docs/architecture.md, Conversation linked to a spell).
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW {SPELLS_VIEW} AS
        SELECT person_key, spell_start, spell_end,
               coalesce(spell_end, last_day({newest})) AS linked_until
        FROM ({_derived_spells_sql(newest)})
        """
    )
