"""A corrected re-delivery, loaded by the real loader, updates the facts incrementally exactly as
a full refresh does (issue 7 §5), including a person whose only conversation is withdrawn.

Without raw.person_removals (ltu_platform/ingest/loading.py) that person has no newer raw row
and keeps the old conversation; without the replace_changed_persons strategy
(macros/incremental.sql) the person is recomputed but, having no new rows, keeps the old ones.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from ltu_platform import pseudonym
from ltu_platform.ingest import ingest_all
from ltu_platform.ingest.loading import load_partition
from tests.dbt.compare import read_table, tables_in
from tests.dbt.dbt_runner import run_dbt
from tests.dbt.synthetic_landing import cpr_of, partitions, write_partition
from tests.dbt.synthetic_raw import add_months, generate

FIRST = date(2016, 10, 1)
N_MONTHS = 12
CORRECTED = add_months(FIRST, N_MONTHS - 4)  # a month well before the newest
MODELS = ("build", "--resource-type", "seed", "--resource-type", "model")
INCREMENTAL = {"int_spells", "int_spell_months", "int_conversations_linked", "fct_conversations",
               "fct_dagpenge_months"}
KEY = b"test-key"


def _incremental_models(log: str) -> set[str]:
    return {line.split("incremental model ")[1].split()[0].split(".")[-1]
            for line in log.splitlines() if "OK created sql incremental model" in line}


def _correct(rows: list[dict], all_conversations: list[dict]) -> tuple[list[dict], dict]:
    """The corrected month: the conversations of a person who has none in other months
    withdrawn, one job conversation's booking method flipped, one conversation added.
    Returns the rows and what changed."""
    month = f"{rows[0]['conversation_date']:%Y-%m}"
    elsewhere = {r["person_key"] for r in all_conversations if f"{r['conversation_date']:%Y-%m}" != month}
    withdrawn = next(r for r in rows if r["person_key"] not in elsewhere)
    flipped = next(r for r in rows if r["booking_method"] in ("selvbooket", "indkaldt")
                   and r["person_key"] != withdrawn["person_key"])
    template = next(r for r in rows if r["person_key"] not in (withdrawn["person_key"], flipped["person_key"]))
    added = {**template, "conversation_id": "c-added", "conversation_type": "job", "held_by": "jobcenter",
             "booking_method": "selvbooket", "walk_in": False, "akasse_participation": None,
             "conversation_date": template["conversation_date"] + timedelta(days=1)
             if template["conversation_date"].day < 28 else template["conversation_date"]}
    corrected = []
    for r in rows:
        if r["person_key"] == withdrawn["person_key"]:
            continue
        if r is flipped:
            r = {**r, "booking_method": {"selvbooket": "indkaldt", "indkaldt": "selvbooket"}[r["booking_method"]]}
        corrected.append(r)
    corrected.append(added)
    return corrected, {"withdrawn": withdrawn, "flipped": flipped, "added": added}


def test_corrected_redelivery_incremental_equals_full_refresh(tmp_path):
    landing = tmp_path / "landing"
    warehouse = tmp_path / "warehouse" / "ltu.duckdb"
    warehouse.parent.mkdir()
    raw = generate(FIRST, N_MONTHS, n_persons=50, seed=3)
    delivered = partitions(raw.by_dataset)
    for (dataset, partition), rows in delivered.items():
        write_partition(landing, dataset, partition, rows)
    ingest_all(warehouse, str(landing), key=KEY)
    run_dbt(warehouse, *MODELS)

    month = f"{CORRECTED:%Y-%m}"
    corrected, changed = _correct(delivered[("conversations", month)], raw.by_dataset["conversations"])
    write_partition(landing, "conversations", month, corrected)
    with duckdb.connect(str(warehouse)) as con:
        report = load_partition(con, str(landing), "conversations", month, KEY)
        removals = con.execute("select person_key, dataset, _partition, _load_id from raw.person_removals").fetchall()
    withdrawn_key = pseudonym.person_key(cpr_of(changed["withdrawn"]["person_key"]), KEY)
    # only the withdrawn person left the delivery; the others have this load's rows
    assert removals == [(withdrawn_key, "conversations", month, report.load_id)]

    log = run_dbt(warehouse, *MODELS)
    assert _incremental_models(log) >= INCREMENTAL
    incremental = tmp_path / "incremental.duckdb"
    shutil.copy(warehouse, incremental)

    conversations = read_table(incremental, "marts.fct_conversations").set_index("conversation_id")
    assert changed["withdrawn"]["conversation_id"] not in conversations.index, "withdrawn conversation kept"
    assert withdrawn_key not in set(conversations["person_key"])
    assert conversations.loc[changed["flipped"]["conversation_id"], "booking_method"] != changed["flipped"]["booking_method"]
    assert "c-added" in conversations.index

    run_dbt(warehouse, *MODELS, "--full-refresh")
    tables = tables_in(warehouse, "marts") + tables_in(warehouse, "intermediate")
    for table in tables:
        got, expected = read_table(incremental, table), read_table(warehouse, table)
        assert len(expected) > 0, f"{table} is empty: the comparison would prove nothing"
        pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=table)
