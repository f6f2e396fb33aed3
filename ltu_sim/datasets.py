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


def person_year_frame(persons: Persons, spells: pd.DataFrame, dagpenge_weeks: pd.Series, seed: int) -> pd.DataFrame:
    """Years [first spell year - 3, last spell start year] of every person (>= 2012)."""
    last = spells.groupby("pid")["spell_start"].max().to_numpy().astype("datetime64[D]")
    first_year = dates.year_of(persons.first_start)
    lo = np.maximum(first_year - 3, 2012)
    hi = dates.year_of(last)
    n = hi - lo + 1
    pid = np.repeat(np.arange(len(persons)), n)
    year = lo[pid] + (np.arange(len(pid)) - np.repeat(np.r_[0, np.cumsum(n)[:-1]], n))
    weeks = dagpenge_weeks.reindex(pid.astype(np.int64) * 10_000 + year).fillna(0.0).to_numpy()
    reg = register_status(persons, pid, year, seed, weeks)
    reg["education_level"] = pd.Categorical.from_codes(reg["education_level"], EDUCATION_LEVELS)
    reg["industry"] = categorical(reg["industry"])
    reg["akasse_code"] = categorical(reg["akasse_code"])
    return pd.DataFrame({"pid": pid.astype(np.int32), "year": year, **reg})


def support_frame(support: pd.DataFrame) -> pd.DataFrame:
    f = _sorted(support, ["from_date", "pid"])
    return pd.DataFrame({
        "period_id": ids("I", len(f)), "pid": f["pid"].to_numpy(),
        "from_year": dates.year_of(dates.as_days(f["from_date"].to_numpy())),
        "support_type": pd.Categorical.from_codes(f["support_type"].to_numpy(), SUPPORT_TYPES),
        "from_date": dates.as_days(f["from_date"].to_numpy()), "to_date": dates.as_days(f["to_date"].to_numpy()),
    })


def placements_frame(spells: pd.DataFrame) -> pd.DataFrame:
    f = spells.assign(spell=np.arange(len(spells)))
    f = _sorted(f, ["spell_start", "pid"])
    return pd.DataFrame({
        "placement_id": ids("P", len(f)), "pid": f["pid"].to_numpy(),
        "placement_date": dates.as_days(f["spell_start"].to_numpy()), "akasse_code": f["akasse_code"].array,
        "municipality_code": f["municipality_code"].to_numpy(),
        "placement_reason": pd.Categorical.from_codes(f["placement_reason"].to_numpy(), PLACEMENT_REASONS),
        "is_graduate": f["is_graduate"].to_numpy(),
    })


def take(series: pd.Series, idx: np.ndarray):
    """Rows ``idx`` of a column, keeping categoricals as categoricals (no string copies)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return pd.Categorical.from_codes(series.cat.codes.to_numpy()[idx], series.cat.categories)
    return series.to_numpy()[idx]


def payments_frame(payments: pd.DataFrame, spells: pd.DataFrame) -> pd.DataFrame:
    spell = payments["spell"].to_numpy()
    f = pd.DataFrame({"pid": spells["pid"].to_numpy()[spell].astype(np.int32),
                      "payment_month": payments["payment_month"].to_numpy(), "spell": spell})
    order = np.lexsort((f["pid"].to_numpy(), f["payment_month"].to_numpy()))
    spell = spell[order]
    return pd.DataFrame({
        "payment_id": ids("B", len(order)), "pid": f["pid"].to_numpy()[order],
        "payment_month": f["payment_month"].to_numpy()[order],
        "akasse_code": take(spells["akasse_code"], spell), "hours": payments["hours"].to_numpy()[order],
    })


def assessments_frame(spells: pd.DataFrame) -> pd.DataFrame:
    f = _sorted(spells[spells["assessed"]], ["assessed_at", "pid"])
    at = f["assessed_at"].to_numpy().astype("datetime64[D]")
    return pd.DataFrame({
        "assessment_id": ids("A", len(f)), "pid": f["pid"].to_numpy(), "assessed_at": at,
        "akasse_code": f["akasse_code"].array,
        "risk_assessment": pd.Categorical.from_codes(f["assessed_at_risk"].to_numpy().astype(np.int8),
                                                     ["ikke_hoej_risiko", "hoej_risiko"]),
        "tool_version": categorical(tool_version(at)),
    })


def answers_frame(answers: pd.DataFrame, spells: pd.DataFrame) -> pd.DataFrame:
    s = answers["spell"].to_numpy()
    f = pd.DataFrame({"pid": spells["pid"].to_numpy()[s], "answered_at": dates.as_days(answers["answered_at"].to_numpy()),
                      "akasse_code": spells["akasse_code"].to_numpy()[s],
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
    f = _sorted(spells[spells["pilot_participant"]], ["pilot_intake_date", "pid"])
    jc = f["jobcenter_code"].to_numpy()
    return pd.DataFrame({
        "participation_id": ids("PP", len(f)), "pid": f["pid"].to_numpy(),
        "project_code": np.char.add("PILOT-", jc.astype(str)).astype(object),
        "municipality_code": jc, "intake_date": dates.as_days(f["pilot_intake_date"].to_numpy()),
        "price_dkk": f["pilot_price_dkk"].to_numpy(),
    })
