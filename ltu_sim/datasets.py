"""Turns the generated world into the landing datasets (contract columns, ``pid`` for cpr).

Each function returns a frame with the contract's columns except ``cpr``, plus ``pid``;
keys are assigned in a stable order (partition date, then person) so reruns are identical.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ltu_sim import dates
from ltu_sim.population import EDUCATION_LEVELS, ORIGINS, Persons, register_status
from ltu_sim.profiling import SUPPORT_TYPES, tool_version
from ltu_sim.spells import PLACEMENT_REASONS


# Keys are kept as integers until written (strings for ~50 million rows would not fit the
# national memory budget); the writer renders them as prefix + 10 digits.
ID_COLUMNS: dict[str, tuple[str, str]] = {
    "income_support_periods": ("period_id", "I"),
    "placements": ("placement_id", "P"),
    "dagpenge_payments": ("payment_id", "B"),
    "profile_assessments": ("assessment_id", "A"),
    "questionnaire_answers": ("answer_id", "Q"),
    "conversations": ("conversation_id", "S"),
    "experiment_membership": ("event_id", "E"),
    "pilot_participation": ("participation_id", "PP"),
}
ID_DIGITS = 10
DEFECT_ID_OFFSET = 9_000_000_000  # rows added by defect injection: distinct key range


def ids(prefix: str, n: int) -> np.ndarray:
    """Sequential integer keys 1..n (``prefix`` documents which dataset; see ID_COLUMNS)."""
    return np.arange(1, n + 1, dtype=np.int64)


def format_ids(dataset: str, values: np.ndarray) -> np.ndarray:
    prefix = ID_COLUMNS[dataset][1]
    return np.char.add(prefix, np.char.zfill(np.asarray(values, dtype=np.int64).astype(str), ID_DIGITS)).astype(object)


def categorical(values) -> pd.Categorical:
    """Code columns as categoricals: one byte per row instead of a Python string."""
    return pd.Categorical(values)


def _sorted(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return frame.sort_values(by, kind="stable").reset_index(drop=True)


def persons_frame(persons: Persons) -> pd.DataFrame:
    return pd.DataFrame({
        "pid": np.arange(len(persons)),
        "first_seen_year": dates.year_of(persons.first_start),
        "birth_date": persons.birth_date,
        "sex": categorical(persons.sex),
        "origin": pd.Categorical.from_codes(persons.origin, ORIGINS),
    })


PERSON_YEAR_CHUNK = 1_000_000  # person-years evaluated at once: bounds the temporaries


def person_year_frame(persons: Persons, spells: pd.DataFrame, dagpenge_weeks: pd.Series, seed: int) -> pd.DataFrame:
    """Years [first spell year - 3, last spell start year] of every person (>= 2012).

    Filled chunk by chunk into compact columns (codes as categoricals, small ints), since the
    national scale has ~8.5 million person-years.
    """
    last = spells.groupby("pid")["spell_start"].max().to_numpy().astype("datetime64[D]")
    first_year = dates.year_of(persons.first_start)
    lo = np.maximum(first_year - 3, 2012)
    hi = dates.year_of(last)
    n = hi - lo + 1
    pid = np.repeat(np.arange(len(persons), dtype=np.int32), n)
    year = (lo[pid] + (np.arange(len(pid)) - np.repeat(np.r_[0, np.cumsum(n)[:-1]], n))).astype(np.int16)
    weeks = dagpenge_weeks.reindex(pid.astype(np.int64) * 10_000 + year).fillna(0.0).to_numpy()
    industry, fund = pd.Categorical(persons.industry), pd.Categorical(persons.fund)
    compact = {"municipality_code": np.int16, "education_level": np.int8, "children_in_custody": np.int8}
    cols: dict[str, np.ndarray] = {}
    for start in range(0, len(pid), PERSON_YEAR_CHUNK):
        rows = slice(start, start + PERSON_YEAR_CHUNK)
        reg = register_status(persons, pid[rows], year[rows], seed, weeks[rows])
        reg["industry"] = industry.codes[pid[rows]]
        reg["akasse_code"] = fund.codes[pid[rows]]
        for name, values in reg.items():
            values = values.astype(compact.get(name, values.dtype))
            if name not in cols:
                cols[name] = np.empty(len(pid), dtype=values.dtype)
            cols[name][rows] = values
    if not cols:  # no person-years: one empty evaluation gives the columns
        cols = register_status(persons, pid, year, seed, weeks)
        cols["industry"], cols["akasse_code"] = industry.codes[pid], fund.codes[pid]
    cols["education_level"] = pd.Categorical.from_codes(cols["education_level"], EDUCATION_LEVELS)
    cols["industry"] = pd.Categorical.from_codes(cols["industry"], industry.categories)
    cols["akasse_code"] = pd.Categorical.from_codes(cols["akasse_code"], fund.categories)
    return pd.DataFrame({"pid": pid, "year": year, **cols})


def support_frame(support: pd.DataFrame) -> pd.DataFrame:
    f = _sorted(support, ["from_date", "pid"])
    return pd.DataFrame({
        "period_id": ids("I", len(f)), "pid": f["pid"].to_numpy(),
        "from_year": dates.year_of(dates.as_days(f["from_date"].to_numpy())),
        "support_type": pd.Categorical.from_codes(f["support_type"].to_numpy(), SUPPORT_TYPES),
        "from_date": dates.as_days(f["from_date"].to_numpy()), "to_date": dates.as_days(f["to_date"].to_numpy()),
    })


def _order(spells: pd.DataFrame, rows: np.ndarray, by: str) -> np.ndarray:
    """``rows`` of spells sorted by (``by``, pid): the key order of the event datasets."""
    return rows[np.lexsort((spells["pid"].to_numpy()[rows], spells[by].to_numpy()[rows]))]


def placements_frame(spells: pd.DataFrame) -> pd.DataFrame:
    r = _order(spells, np.arange(len(spells)), "spell_start")
    return pd.DataFrame({
        "placement_id": ids("P", len(r)), "pid": spells["pid"].to_numpy()[r],
        "placement_date": dates.as_days(spells["spell_start"].to_numpy()[r]),
        "akasse_code": take(spells["akasse_code"], r),
        "municipality_code": spells["municipality_code"].to_numpy()[r],
        "placement_reason": pd.Categorical.from_codes(spells["placement_reason"].to_numpy()[r], PLACEMENT_REASONS),
        "is_graduate": spells["is_graduate"].to_numpy()[r],
    })


def take(series: pd.Series, idx: np.ndarray):
    """Rows ``idx`` of a column, keeping categoricals as categoricals (no string copies)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return pd.Categorical.from_codes(series.cat.codes.to_numpy()[idx], series.cat.categories)
    return series.to_numpy()[idx]


def payments_frame(spell: np.ndarray, month: np.ndarray, hours: np.ndarray, spells: pd.DataFrame) -> pd.DataFrame:
    """Payment rows (spell, datetime64[M], hours) by month, then person (ids in that order)."""
    pid = spells["pid"].to_numpy()[spell].astype(np.int32)
    # One int64 sort key (month, person) instead of a two-key lexsort of ~20 million rows;
    # a person has at most one payment per month.
    m = month.astype(np.int64)
    order = np.argsort((m - m.min(initial=0)) * (int(pid.max(initial=0)) + 1) + pid, kind="stable")
    return pd.DataFrame({
        "payment_id": ids("B", len(order)), "pid": pid[order],
        "payment_month": month[order],
        "akasse_code": take(spells["akasse_code"], spell[order]), "hours": hours[order],
    })


def assessments_frame(spells: pd.DataFrame) -> pd.DataFrame:
    r = _order(spells, np.flatnonzero(spells["assessed"].to_numpy()), "assessed_at")
    at = spells["assessed_at"].to_numpy()[r].astype("datetime64[D]")
    return pd.DataFrame({
        "assessment_id": ids("A", len(r)), "pid": spells["pid"].to_numpy()[r], "assessed_at": at,
        "akasse_code": take(spells["akasse_code"], r),
        "risk_assessment": pd.Categorical.from_codes(spells["assessed_at_risk"].to_numpy()[r].astype(np.int8),
                                                     ["ikke_hoej_risiko", "hoej_risiko"]),
        "tool_version": categorical(tool_version(at)),
    })


def answers_frame(answers: pd.DataFrame, spells: pd.DataFrame) -> pd.DataFrame:
    s = answers["spell"].to_numpy()
    f = pd.DataFrame({"pid": spells["pid"].to_numpy()[s].astype(np.int32), "answered_at": dates.as_days(answers["answered_at"].to_numpy()),
                      "akasse_code": take(spells["akasse_code"], s),
                      "question_code": answers["question_code"].array,
                      "answer_code": answers["answer_code"].to_numpy()})
    f = _sorted(f, ["answered_at", "pid", "question_code"])
    f.insert(0, "answer_id", ids("Q", len(f)))
    return f


def conversations_frame(conv: pd.DataFrame, spells: pd.DataFrame) -> pd.DataFrame:
    conv["pid"] = spells["pid"].to_numpy()[conv["spell"].to_numpy()].astype(np.int32)
    return conv


def experiment_frame(events: pd.DataFrame) -> pd.DataFrame:
    f = _sorted(events, ["event_date", "pid", "event_type"])
    f.insert(0, "event_id", ids("E", len(f)))
    return f


def pilot_frame(spells: pd.DataFrame) -> pd.DataFrame:
    r = _order(spells, np.flatnonzero(spells["pilot_participant"].to_numpy()), "pilot_intake_date")
    jc = spells["jobcenter_code"].to_numpy()[r]
    return pd.DataFrame({
        "participation_id": ids("PP", len(r)), "pid": spells["pid"].to_numpy()[r],
        "project_code": np.char.add("PILOT-", jc.astype(str)).astype(object),
        "municipality_code": jc, "intake_date": dates.as_days(spells["pilot_intake_date"].to_numpy()[r]),
        "price_dkk": spells["pilot_price_dkk"].to_numpy()[r],
    })
