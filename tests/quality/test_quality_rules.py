"""Every row-level rule at its boundaries, on a hand-made raw layer (expected counts by hand)."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from ltu_platform.quality import run_gate
from quality_raw_layer import clean_registrations, conversation, month_payments, pk


def failing(result, dataset: str) -> dict[str, int]:
    return {r.rule_id: r.n_failing for r in result.for_dataset(dataset)}


def test_clean_registrations_pass(warehouse, tmp_path):
    path, w = warehouse
    clean_registrations(w)
    w.con.close()
    result = run_gate(path, tmp_path / "quality", run_id="clean")
    assert all(r.n_failing == 0 for r in result.rules), result.summary().query("failing > 0")
    assert result.passed
    assert result.data_docs_index is not None and result.data_docs_index.exists()


def test_each_rule_flags_exactly_its_rows(warehouse, tmp_path):
    path, w = warehouse
    clean_registrations(w)
    # conversation_inside_spell: the day before A's start and the day after A's end.
    conversation(w, "X1", "A", date(2020, 1, 14))
    conversation(w, "X2", "A", date(2020, 5, 1))
    # joint_participation_registered: a 2nd joint conversation without participation value.
    conversation(w, "X3", "B", date(2020, 4, 2), "faelles_2", held_by="jobcenter", actor="751")
    # job_booking_method: a job conversation that is not a walk-in, without booking method.
    conversation(w, "X4", "B", date(2020, 4, 3), "job", held_by="jobcenter", actor="751", booking=None)
    # no_duplicate_registration: the same person, date, type and actor registered twice.
    conversation(w, "X5", "B", date(2020, 4, 6), "job", held_by="jobcenter", actor="751")
    conversation(w, "X6", "B", date(2020, 4, 6), "job", held_by="jobcenter", actor="751")
    # experiment_conversation_member: the day after C's exit; a person never in it (B);
    # a member in a municipality outside the experiment (A via 151).
    conversation(w, "X7", "C", date(2020, 4, 1), "kontaktforloeb")
    conversation(w, "X8", "B", date(2020, 4, 7), "kontaktforloeb")
    w.add("experiment_membership", event_id="E3", person_key=pk("A"), event_date=date(2020, 1, 20),
          event_type="indtraeden", akasse_code="AKA", municipality_code=151, reason="nyindplaceret")
    conversation(w, "X9", "A", date(2020, 2, 3), "kontaktforloeb")
    # primary_key: a conversation_id delivered again in a later month.
    conversation(w, "K1", "B", date(2020, 5, 4), "raadighed")
    # hours_within_norm: just above the norm and negative.
    w.add("dagpenge_payments", payment_id="P-over", person_key=pk("F"), payment_month=date(2020, 5, 1),
          akasse_code="AKA", hours=160.34)
    w.add("dagpenge_payments", payment_id="P-neg", person_key=pk("G"), payment_month=date(2020, 5, 1),
          akasse_code="AKA", hours=-1.0)
    # one_payment_per_month: a second payment for D in May.
    w.add("dagpenge_payments", payment_id="P-again", person_key=pk("D"), payment_month=date(2020, 5, 1),
          akasse_code="AKA", hours=10.0)
    w.con.close()

    result = run_gate(path, tmp_path / "quality", run_id="defects")

    assert failing(result, "conversations") == {
        "contract_structure": 0, "primary_key": 1, "joint_participation_registered": 1,
        "conversation_inside_spell": 2, "job_booking_method": 1, "no_duplicate_registration": 1,
        "experiment_conversation_member": 3, "reconciliation": 0, "ingestion_quarantine": 0,
    }
    assert failing(result, "dagpenge_payments") == {
        "contract_structure": 0, "primary_key": 0, "hours_within_norm": 2,
        "one_payment_per_month": 1, "reconciliation": 0, "ingestion_quarantine": 0,
    }
    assert not result.passed
    with duckdb.connect(str(path), read_only=True) as con:
        quarantined = {r[0] for r in con.execute(
            "SELECT DISTINCT c.conversation_id FROM quality.quarantine q JOIN raw.conversations c "
            "ON q.source_file = c._source_file AND q.row_number = c._row_number").fetchall()}
        passed = [r[0] for r in con.execute("SELECT conversation_id FROM quality.passed_conversations").fetchall()]
    # Quarantined rows stay in raw; the later copy of K1 is quarantined, the first passes.
    assert quarantined == {"X1", "X2", "X3", "X4", "X6", "X7", "X8", "X9", "K1"}
    assert sorted(passed) == ["K1", "K2", "K3", "K4", "X5"]
    rec = result.reconciliation.set_index(["dataset", "partition"])
    assert rec.loc[("conversations", "2020-04"), ["rows_in", "rows_passed", "rows_quarantined"]].tolist() == [7, 2, 5]
    assert result.reconciled

    with duckdb.connect(str(path), read_only=True) as con:
        mart = con.execute(
            "SELECT level, unit_code, rule_id, n_registrations, n_failing, share_failing "
            "FROM quality.registration_quality WHERE month = DATE '2020-04-01' "
            "AND dataset = 'conversations' AND rule_id = 'job_booking_method'"
        ).df().set_index(["level", "unit_code"])
    # April: jobcentre 751 registered X3, X4, X5, X6 (X4 lacks the booking method); the
    # a-kasse AKA held X7, X8; jobcentre 101 held K2.
    assert mart.loc[("jobcenter", "751"), ["n_registrations", "n_failing"]].tolist() == [4, 1]
    assert mart.loc[("jobcenter", "751"), "share_failing"] == pytest.approx(0.25)
    assert mart.loc[("akasse", "AKA"), ["n_registrations", "n_failing"]].tolist() == [2, 0]
    assert mart.loc[("national", "DK"), ["n_registrations", "n_failing"]].tolist() == [7, 1]


def test_structural_failures_block(warehouse, tmp_path):
    """Rows that bypassed the ingestion's checks: an unknown code and a null where the
    contract forbids it. Structure has no tolerance."""
    path, w = warehouse
    clean_registrations(w)
    conversation(w, "S1", "A", date(2020, 2, 3), "telefon")
    conversation(w, "S2", "A", date(2020, 2, 4), held_by=None)
    w.con.close()

    result = run_gate(path, tmp_path / "quality", run_id="structure")

    structure = {r.dataset: r for r in result.rules if r.rule_id == "contract_structure"}
    assert structure["conversations"].n_failing == 2 and structure["conversations"].blocks
    assert "telefon" in structure["conversations"].sample_markdown
    assert structure["conversations"].data_docs.endswith(".html")
    assert structure["placements"].passed
    assert not result.passed


def test_spell_ends_at_a_month_without_payment(warehouse, tmp_path):
    """H: placed 2020-01-06, paid January and February (February with invalid negative hours,
    still a paid month), nothing in March, placed again 2020-04-01 and paid April to June.
    The first spell ends 2020-02-29; March lies in no spell."""
    path, w = warehouse
    clean_registrations(w)
    for placed in (date(2020, 1, 6), date(2020, 4, 1)):
        w.add("placements", placement_id=f"PL-H-{placed}", person_key=pk("H"), placement_date=placed,
              akasse_code="AKA", municipality_code=751, placement_reason="ny", is_graduate=False)
    month_payments(w, "H", date(2020, 1, 1), 1)
    w.add("dagpenge_payments", payment_id="P-H-feb", person_key=pk("H"), payment_month=date(2020, 2, 1),
          akasse_code="AKA", hours=-5.0)
    month_payments(w, "H", date(2020, 4, 1), 3)
    conversation(w, "H1", "H", date(2020, 2, 29))  # last day of the first spell
    conversation(w, "H2", "H", date(2020, 3, 1))  # the gap between the spells
    conversation(w, "H3", "H", date(2020, 3, 31))
    conversation(w, "H4", "H", date(2020, 4, 1))  # day 0 of the second spell
    w.con.close()

    result = run_gate(path, tmp_path / "quality", run_id="spells")

    assert failing(result, "conversations")["conversation_inside_spell"] == 2
    assert failing(result, "dagpenge_payments")["hours_within_norm"] == 1
    with duckdb.connect(str(path), read_only=True) as con:
        flagged = con.execute(
            "SELECT c.conversation_id FROM quality.quarantine q JOIN raw.conversations c "
            "ON q.source_file = c._source_file AND q.row_number = c._row_number "
            "WHERE q.rule_id = 'conversation_inside_spell' ORDER BY 1").fetchall()
    assert flagged == [("H2",), ("H3",)]
