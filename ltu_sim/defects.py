"""Registration defects injected at known rates (defects="default") and their log.

Defects are applied after everything else is generated and the truth was computed from the
clean frames, in place (a copy of the national conversations and payments would not fit the
memory budget), with their own random stream, so the clean and the default run differ only by
the defect rows and changes. Each defect names the registration rule of the contract it breaks (``rule_id``:
the contract's ``registration_rules`` id, or ``allowed_values`` (the ingestion's rule name) for a code outside the list).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ltu_platform.contracts import get_contract
from ltu_platform.rules import RULES
from ltu_sim import dates
from ltu_sim.config import PERIOD_END, SimulationConfig
from ltu_sim.conversations import concat_with_codes
from ltu_sim.datasets import DEFECT_ID_OFFSET, format_ids

DATASETS = ("dagpenge_payments", "conversations")  # the landing datasets defects change
LOG_COLUMNS = ["dataset", "record_id", "defect_kind", "rule_id", "column_name"]
LAST_DAY = np.datetime64(PERIOD_END, "D")
UNKNOWN_CODES = {"conversation_type": "jobsamtale", "booking_method": "telefon"}


def empty_log() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in LOG_COLUMNS})


def _rule(dataset: str, rule_id: str) -> str:
    """Fails loudly if a contract renames the registration rule a defect targets."""
    ids = {r.id for r in get_contract(dataset).registration_rules}
    if rule_id not in ids:
        raise KeyError(f"{dataset}: no registration rule {rule_id!r} in its contract (have {sorted(ids)})")
    return rule_id


class _Injector:
    def __init__(self, frames: dict[str, pd.DataFrame], config: SimulationConfig, seed: int):
        self.rng = np.random.default_rng([seed, 20])
        self.rates = config.defect_rates
        self.conv = frames["conversations"]
        self.pay = frames["dagpenge_payments"]
        self.touched = np.zeros(len(self.conv), dtype=bool)
        self.added: list[pd.DataFrame] = []
        self.log: list[dict] = []

    def pick(self, eligible: np.ndarray, kind: str) -> np.ndarray:
        """Rows among ``eligible`` (boolean mask) hit at the configured rate, each at most once."""
        eligible = eligible & ~self.touched if len(eligible) == len(self.touched) else eligible
        hit = np.flatnonzero(eligible)[self.rng.random(int(eligible.sum())) < self.rates[kind]]
        if len(eligible) == len(self.touched):
            self.touched[hit] = True
        return hit

    def record(self, dataset, ids, kind, rule_id, column):
        self.log += [{"dataset": dataset, "record_id": i, "defect_kind": kind, "rule_id": rule_id,
                      "column_name": column} for i in format_ids(dataset, np.asarray(ids))]

    def set_value(self, rows, column, value, kind, rule_id):
        if value is not None and isinstance(self.conv[column].dtype, pd.CategoricalDtype) \
                and value not in self.conv[column].cat.categories:
            self.conv[column] = self.conv[column].cat.add_categories([value])
        self.conv.loc[rows, column] = value
        self.record("conversations", self.conv.loc[rows, "conversation_id"], kind, rule_id, column)


def inject(frames: dict[str, pd.DataFrame], spells: pd.DataFrame, config: SimulationConfig,
           seed: int) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    inj = _Injector(frames, config, seed)
    c = inj.conv
    joint = c["conversation_type"].str.startswith("faelles").to_numpy()
    job = (c["conversation_type"] == "job").to_numpy() & ~c["walk_in"].to_numpy()

    rows = inj.pick(joint, "joint_missing_participation")
    inj.set_value(rows, "akasse_participation", None, "joint_missing_participation",
                  _rule("conversations", "joint_participation_registered"))
    rows = inj.pick(job, "job_missing_booking")
    inj.set_value(rows, "booking_method", None, "job_missing_booking", _rule("conversations", "job_booking_method"))
    rows = inj.pick(np.ones(len(c), dtype=bool), "unknown_code")
    booking_rows = rows[job[rows]]
    type_rows = rows[~job[rows]]
    inj.set_value(type_rows, "conversation_type", UNKNOWN_CODES["conversation_type"], "unknown_code", "allowed_values")
    inj.set_value(booking_rows, "booking_method", UNKNOWN_CODES["booking_method"], "unknown_code", "allowed_values")

    # Duplicates: same person, date, type and actor under a new key, registered later.
    rows = inj.pick(np.ones(len(c), dtype=bool), "duplicate_registration")
    dup = c.loc[rows].copy()
    dup["registered_at"] = dup["registered_at"] + pd.Timedelta(hours=3)
    _add(inj, dup, "duplicate_registration", _rule("conversations", "no_duplicate_registration"), "conversation_id")

    start = dates.as_days(spells["spell_start"])
    end = dates.as_days(spells["spell_end_def"])
    # Outside any spell: days after a spell's end fall in the >= 1 month gap before any next one.
    closed = np.flatnonzero(~np.isnat(end))
    hit = closed[inj.rng.random(len(closed)) < inj.rates["conversation_outside_spell"]]
    day = end[hit] + inj.rng.integers(1, 20, len(hit)).astype("timedelta64[D]")
    hit, day = hit[day <= LAST_DAY], day[day <= LAST_DAY]
    _add(inj, _new_rows(spells, hit, day, "job", "jobcenter", "indkaldt"), "conversation_outside_spell",
         _rule("conversations", "conversation_inside_spell"), "conversation_date")
    # Contact-course conversations (R-AK-4) registered for people outside the experiment.
    non_member = np.flatnonzero(~spells["is_experiment_member"].to_numpy())
    hit = non_member[inj.rng.random(len(non_member)) < inj.rates["kontaktforloeb_non_member"]]
    day = start[hit] + inj.rng.integers(0, 30, len(hit)).astype("timedelta64[D]")
    keep = day <= np.minimum(dates.as_days(spells["eff_end"])[hit], LAST_DAY)
    _add(inj, _new_rows(spells, hit[keep], day[keep], "kontaktforloeb", "akasse", "selvbooket"),
         "kontaktforloeb_non_member", _rule("conversations", "experiment_conversation_member"), "conversation_type")

    # Payment hours above the month's norm or negative (R-AK-6).
    p = inj.pay
    hit = np.flatnonzero(inj.rng.random(len(p)) < inj.rates["payment_hours_invalid"])
    above = inj.rng.random(len(hit)) < 0.5
    hours = p["hours"].to_numpy().copy()
    hours[hit] = np.where(above, np.round(RULES.monthly_hours_norm + inj.rng.uniform(5, 40, len(hit)), 2),
                          -hours[hit])
    p["hours"] = hours
    inj.record("dagpenge_payments", p.loc[hit, "payment_id"], "payment_hours_invalid",
               _rule("dagpenge_payments", "hours_within_norm"), "hours")

    out = dict(frames)
    cols = list(inj.conv.columns)
    added = [a.reindex(columns=cols) for a in inj.added]
    out["conversations"] = concat_with_codes([inj.conv, *added])
    out["dagpenge_payments"] = p
    log = pd.DataFrame(inj.log, columns=LOG_COLUMNS) if inj.log else empty_log()
    return out, log


def _new_rows(spells, idx, day, ctype, held_by, booking) -> pd.DataFrame:
    actor = np.where(held_by == "akasse", spells["akasse_code"].to_numpy()[idx],
                     spells["jobcenter_code"].to_numpy()[idx].astype(str))
    return pd.DataFrame({
        "pid": spells["pid"].to_numpy()[idx], "conversation_date": day, "conversation_type": ctype,
        "held_by": held_by, "actor_code": actor.astype(object), "booking_method": booking,
        "walk_in": False, "akasse_participation": None,
        "registered_at": day.astype("datetime64[s]") + np.timedelta64(9 * 3600, "s"),
    })


def _add(inj: _Injector, rows: pd.DataFrame, kind: str, rule_id: str, column: str) -> None:
    start = sum(len(a) for a in inj.added)
    rows = rows.copy()
    rows["conversation_id"] = DEFECT_ID_OFFSET + np.arange(start + 1, start + len(rows) + 1, dtype=np.int64)
    inj.added.append(rows)
    inj.record("conversations", rows["conversation_id"], kind, rule_id, column)
