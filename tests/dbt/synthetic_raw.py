"""A small, seeded raw layer with every dataset filled, for dbt build and incremental tests.

Not a truth: the simulator (ltu_sim) is that. This exercises the models on realistic shapes
(spells over many months, conversations of every type, experiment and pilot rows) and lets a
test deliver the months one at a time. Rows are keyed by the warehouse columns of the data
contracts (tests/dbt/raw_layer.py checks every name against them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

AKASSER = ["AKA", "HK", "CA", "3F", "FOA"]
MUNICIPALITIES = [101, 147, 751, 461, 492, 825, 561]
CONVERSATION_TYPES = ["cv", "raadighed", "job", "faelles_1", "faelles_2", "faelles_3", "kontaktforloeb"]


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)


def days_in_month(d: date) -> int:
    return (add_months(month_start(d), 1) - month_start(d)).days


@dataclass
class SyntheticRaw:
    """Rows per dataset, grouped by the month (DFDG) or year (register) they are delivered in."""

    by_dataset: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))

    def add(self, dataset: str, row: dict) -> None:
        self.by_dataset[dataset].append(row)


def generate(first_month: date, n_months: int, n_persons: int = 80, seed: int = 1) -> SyntheticRaw:
    rng = np.random.default_rng(seed)
    raw = SyntheticRaw()
    last_month = add_months(first_month, n_months - 1)
    ids = iter(range(1, 10**9))
    for p in range(n_persons):
        person = f"p{p:04d}"
        birth = date(1960, 1, 1) + timedelta(days=int(rng.integers(0, 40 * 365)))
        raw.add("persons", {"person_key": person, "first_seen_year": first_month.year, "birth_date": birth,
                            "sex": rng.choice(["M", "K"]), "origin": rng.choice(["dansk", "vestlig", "ikke_vestlig"])})
        for year in range(first_month.year - 3, last_month.year + 1):
            raw.add("person_year", {
                "person_key": person, "year": year, "municipality_code": int(rng.choice(MUNICIPALITIES)),
                "education_level": rng.choice(["grundskole", "gymnasial", "erhvervsfaglig", "lang_videregaaende"]),
                "education_vocational": bool(rng.random() < 0.5), "graduation_date": date(year - 2, 6, 30),
                "children_in_custody": int(rng.integers(0, 3) * (rng.random() < 0.5)),
                "wage_income": float(rng.integers(0, 500_000)), "industry": rng.choice(["C", "G", "J", None]),
                "weeks_public_support": float(rng.integers(0, 30)), "akasse_code": rng.choice(AKASSER)})
        if rng.random() < 0.3:
            start = first_month - timedelta(days=int(rng.integers(20, 120)))
            raw.add("income_support_periods", {
                "period_id": f"i{next(ids)}", "person_key": person, "from_year": start.year,
                "support_type": rng.choice(["kontanthjaelp", "su", "sygedagpenge"]), "from_date": start,
                "to_date": start + timedelta(days=int(rng.integers(10, 60)))})
        start = first_month + timedelta(days=int(rng.integers(0, 200)))
        while start <= last_month + timedelta(days=27):
            months = int(rng.integers(1, 16))
            akasse = str(rng.choice(AKASSER))
            municipality = int(rng.choice(MUNICIPALITIES))
            raw.add("placements", {"placement_id": f"pl{next(ids)}", "person_key": person, "placement_date": start,
                                   "akasse_code": akasse, "municipality_code": municipality,
                                   "placement_reason": rng.choice(["ny", "genoptjent", "fra_sygedagpenge"]),
                                   "is_graduate": bool(rng.random() < 0.1)})
            rate = rng.uniform(0.5, 1.0)
            for k in range(months):
                m = add_months(month_start(start), k)
                if m > last_month:
                    break
                share = (days_in_month(m) - (start.day - 1 if k == 0 else 0)) / days_in_month(m)
                raw.add("dagpenge_payments", {"payment_id": f"pay{next(ids)}", "person_key": person,
                                              "payment_month": m, "akasse_code": akasse,
                                              "hours": float(np.floor(160.33 * rate * share * 100) / 100)})
            end = min(add_months(month_start(start), months) - timedelta(days=1), last_month + timedelta(days=30))
            span = max((end - start).days, 1)
            for _ in range(int(rng.integers(0, 9))):
                day = start + timedelta(days=int(rng.integers(0, span + 1)))
                kind = str(rng.choice(CONVERSATION_TYPES))
                held_by = "akasse" if kind in ("cv", "kontaktforloeb") or rng.random() < 0.2 else "jobcenter"
                raw.add("conversations", {
                    "conversation_id": f"c{next(ids)}", "person_key": person, "conversation_date": day,
                    "conversation_type": kind, "held_by": held_by,
                    "actor_code": akasse if held_by == "akasse" else str(municipality),
                    "booking_method": rng.choice(["selvbooket", "indkaldt"]) if kind == "job" else None,
                    "walk_in": bool(kind == "job" and rng.random() < 0.1),
                    "akasse_participation": rng.choice(["deltog", "deltog_ikke", "frabedt", None])
                    if kind.startswith("faelles") else None,
                    "registered_at": datetime.combine(day, datetime.min.time()) + timedelta(hours=10)})
            if rng.random() < 0.4:
                entry = start + timedelta(days=int(rng.integers(0, 10)))
                raw.add("experiment_membership", {"event_id": f"e{next(ids)}", "person_key": person,
                                                  "event_date": entry, "event_type": "indtraeden",
                                                  "akasse_code": akasse, "municipality_code": municipality,
                                                  "reason": "nyindplaceret"})
                if rng.random() < 0.5:
                    raw.add("experiment_membership", {"event_id": f"e{next(ids)}", "person_key": person,
                                                      "event_date": entry + timedelta(days=int(rng.integers(20, 200))),
                                                      "event_type": "udtraeden", "akasse_code": akasse,
                                                      "municipality_code": municipality, "reason": "flytning"})
            if rng.random() < 0.6:
                raw.add("profile_assessments", {"assessment_id": f"a{next(ids)}", "person_key": person,
                                                "assessed_at": start + timedelta(days=int(rng.integers(0, 40))),
                                                "akasse_code": akasse, "tool_version": "v1",
                                                "risk_assessment": rng.choice(["hoej_risiko", "ikke_hoej_risiko"])})
            if rng.random() < 0.2:
                raw.add("pilot_participation", {"participation_id": f"pp{next(ids)}", "person_key": person,
                                                "project_code": "P1", "municipality_code": municipality,
                                                "intake_date": start + timedelta(days=int(rng.integers(10, 60))),
                                                "price_dkk": 5000.0})
            for q in rng.choice(["Q01", "Q02", "Q05", "Q10", "AK01"], size=int(rng.integers(0, 4)), replace=False):
                raw.add("questionnaire_answers", {"answer_id": f"q{next(ids)}", "person_key": person,
                                                  "answered_at": start - timedelta(days=int(rng.integers(0, 70))),
                                                  "akasse_code": akasse, "question_code": str(q),
                                                  "answer_code": f"A{int(rng.integers(1, 5))}"})
            start = add_months(month_start(start), months + int(rng.integers(0, 3))) + timedelta(
                days=int(rng.integers(0, 28)))
    return raw


def deliver(raw: SyntheticRaw, warehouse, through_month: date, after_month: date | None = None) -> int:
    """Insert the partitions delivered after ``after_month`` up to ``through_month``.

    DFDG partitions are months; register partitions (years) arrive with their January
    delivery. Each partition is one load with its own id and a later load time, as the
    ingestion writes them. Returns the number of rows inserted.
    """
    from ltu_platform.contracts import load_contracts
    from tests.dbt.raw_layer import insert_rows

    contracts = load_contracts()
    inserted = 0
    for dataset, rows in raw.by_dataset.items():
        contract = contracts[dataset]
        by_partition: dict[date, list[dict]] = defaultdict(list)
        for row in rows:
            value = row[contract.partition_column]
            arrives = date(value, 1, 1) if isinstance(value, int) else month_start(value)
            by_partition[arrives].append(row)
        for arrives, part in sorted(by_partition.items()):
            if arrives > through_month or (after_month is not None and arrives <= after_month):
                continue
            loaded_at = datetime.combine(add_months(arrives, 1), datetime.min.time()) + timedelta(days=2)
            insert_rows(warehouse, dataset, part, load_id=f"{dataset}-{arrives:%Y-%m}", loaded_at=loaded_at)
            inserted += len(part)
    return inserted
