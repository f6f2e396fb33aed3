"""Spells and the unemployment clock, implemented in NumPy/pandas from placements and payments.

This is the simulator's own implementation of docs/architecture.md "Shared definitions"
(Spell, Clock, Label), independent of dbt, so the truth it produces can check the pipeline.

Clock (domain.md, Precise boundaries): the clock at date D counts every payment month of the
spell before D's month in full, plus D's month's hours x (days of that month inside the
spell up to and including D) / (days of that month inside the spell).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ltu_platform.rules import RULES
from ltu_sim import dates

FIXED_POINT = 1e10  # units per hour of the exact running sums (1e-10 hour, as dbt decimal(38, 10))


@dataclass
class SpellClock:
    """Payment months of spells, rows sorted by (spell, month), months consecutive per spell.

    ``first_row[s]``/``n_rows[s]`` locate spell s's rows; ``start``/``end`` are the spell's
    first and last day (``end`` = the newest delivered day for ongoing spells).
    """

    start: np.ndarray  # datetime64[D] per spell
    end: np.ndarray  # datetime64[D] per spell (effective end)
    first_row: np.ndarray
    n_rows: np.ndarray
    month: np.ndarray  # datetime64[M] per row
    hours: np.ndarray  # hours of the row counted in the spell
    inside_first: np.ndarray  # first day of the row's month inside the spell
    days_inside: np.ndarray
    cum_before: np.ndarray  # cumulative hours of the spell before the row
    cum_after: np.ndarray  # cumulative hours of the spell up to and including the row

    @classmethod
    def build(cls, start, end, row_spell, row_month, row_hours) -> "SpellClock":
        """``row_*`` sorted by (spell, month) and consecutive months from the start month."""
        n = len(start)
        n_rows = np.bincount(row_spell, minlength=n)
        first_row = np.r_[0, np.cumsum(n_rows)[:-1]]
        m_first = np.maximum(dates.month_start(row_month), start[row_spell])
        m_last = np.minimum(dates.month_end(row_month), end[row_spell])
        days_inside = np.maximum((m_last - m_first).astype(np.int64) + 1, 0)
        # Running sums in exact fixed-point units (1e-10 hour, as dbt's decimal(38, 10) sum):
        # a float running sum across all spells minus each spell's base drifts by ulps, which
        # moves clocks that sit exactly on a window edge (3 x 160.33 h = 3.0 months) outside it.
        units = np.rint(np.asarray(row_hours, dtype=np.float64) * FIXED_POINT).astype(np.int64)
        cum = np.cumsum(units)
        spell_base = np.r_[0, cum][first_row][row_spell]
        cum_before = (np.r_[0, cum[:-1]] - spell_base) / FIXED_POINT
        cum_after = (cum - spell_base) / FIXED_POINT
        return cls(start, end, first_row, n_rows, row_month, row_hours, m_first, days_inside,
                   cum_before, cum_after)

    def total(self) -> np.ndarray:
        return np.bincount(np.repeat(np.arange(len(self.start)), self.n_rows), self.hours,
                           minlength=len(self.start))

    def at(self, spell: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Cumulative hours of ``spell`` at ``day`` (inclusive), vectorised."""
        day = np.asarray(day).astype("datetime64[D]")  # a datetime64[s] day would count seconds
        offset = (dates.month_of(day) - dates.month_of(self.start[spell])).astype(np.int64)
        before = offset < 0
        after = offset >= self.n_rows[spell]
        row = self.first_row[spell] + np.clip(offset, 0, np.maximum(self.n_rows[spell] - 1, 0))
        row = np.minimum(row, max(len(self.hours) - 1, 0))
        if len(self.hours) == 0:
            return np.zeros(len(spell))
        inside = self.days_inside[row]
        upto = np.clip((day - self.inside_first[row]).astype(np.int64) + 1, 0, inside)
        frac = np.divide(upto, inside, out=np.zeros(len(row)), where=inside > 0)
        totals = self.cum_after[row]
        # A month fully passed counts in full, from the exact running sum (as dbt does).
        value = np.where(upto >= inside, totals, self.cum_before[row] + self.hours[row] * frac)
        empty = self.n_rows[spell] == 0
        return np.where(before | empty, 0.0, np.where(after, totals, value))

    def day_reaching(self, spell: np.ndarray, target_hours: np.ndarray) -> np.ndarray:
        """First day on which the clock of ``spell`` is >= ``target_hours`` (NaT if never)."""
        result = np.full(len(spell), np.datetime64("NaT"), dtype="datetime64[D]")
        if len(self.hours) == 0:
            return result
        row_spell = np.repeat(np.arange(len(self.start)), self.n_rows)
        cum_after = self.cum_after
        key = row_spell * 1e5 + cum_after  # sorted: spells ascending, cum ascending within
        row = np.searchsorted(key, spell * 1e5 + target_hours - 1e-9, side="left")
        ok = (row < self.first_row[spell] + self.n_rows[spell]) & (target_hours > 0)
        row = np.minimum(row, len(self.hours) - 1)
        need = target_hours - self.cum_before[row]
        d = np.ceil(need * self.days_inside[row] / np.where(self.hours[row] > 0, self.hours[row], 1) - 1e-9)
        d = np.clip(d, 1, np.maximum(self.days_inside[row], 1)).astype(np.int64)
        day = self.inside_first[row] + (d - 1).astype("timedelta64[D]")
        result[ok] = day[ok]
        return result

    def first_month_reaching(self, spell: np.ndarray, target_hours: float) -> np.ndarray:
        """First payment month whose cumulative hours are >= target (R-AK-6 transfer month)."""
        reached = self.day_reaching(spell, np.full(len(spell), float(target_hours)))
        return dates.month_of(reached)


def build_spells(placements: pd.DataFrame, payments: pd.DataFrame,
                 newest_month: np.datetime64) -> tuple[pd.DataFrame, SpellClock]:
    """Spells per docs/architecture.md from placements and (clean) payments.

    Returns one row per placement (sorted by cpr, placement_date) with ``spell_start``,
    ``spell_end`` (NaT = ongoing), and the clock over its payment months.
    """
    pl = placements.sort_values(["cpr", "placement_date"], kind="stable").reset_index(drop=True)
    start = dates.as_days(pl["placement_date"])
    pl["spell_start"] = start
    same_next = pl["cpr"].shift(-1).to_numpy() == pl["cpr"].to_numpy()
    next_start = np.where(same_next, np.roll(start, -1), np.datetime64("NaT"))

    pay = payments.loc[payments["hours"] > 0, ["cpr", "payment_month", "hours"]].copy()
    # Month numbers as int (pandas would turn datetime64[M] back into seconds).
    pay["m_int"] = dates.month_of(dates.as_days(pay["payment_month"])).astype(np.int64)
    pay = pay.sort_values(["cpr", "m_int"], kind="stable").reset_index(drop=True)
    m_int = pay["m_int"].to_numpy()
    cpr = pay["cpr"].to_numpy()
    new_run = np.r_[True, (cpr[1:] != cpr[:-1]) | (np.diff(m_int) != 1)]
    run = np.cumsum(new_run) - 1
    run_last = pd.Series(m_int).groupby(run).max().to_numpy()
    pay["run"] = run

    start_m = dates.month_of(start).astype(np.int64)
    key = pd.DataFrame({"cpr": pl["cpr"], "m_int": start_m})
    found = key.merge(pd.DataFrame({"cpr": cpr, "m_int": m_int, "run": run, "row": np.arange(len(pay))}),
                      on=["cpr", "m_int"], how="left")
    has_run = found["run"].notna().to_numpy()
    last_m = np.where(has_run, run_last[found["run"].fillna(0).astype(np.int64).to_numpy()], start_m)
    next_m = np.where(same_next, dates.month_of(next_start).astype(np.int64), np.iinfo(np.int64).max)
    cut_by_next = same_next & (last_m >= next_m)
    last_m = np.where(cut_by_next, next_m, last_m)
    newest = int(np.datetime64(newest_month, "M").astype(np.int64))
    month_end_last = dates.month_end(last_m.astype("datetime64[M]"))
    spell_end = np.where(cut_by_next, next_start - dates.DAY, month_end_last)
    ongoing = has_run & ~cut_by_next & (last_m >= newest)
    spell_end = np.where(ongoing, np.datetime64("NaT"), spell_end)
    spell_end = np.where(has_run, spell_end, start)  # a placement without payments: one day
    pl["spell_end"] = spell_end.astype("datetime64[D]")
    eff_end = np.where(np.isnat(spell_end), dates.month_end(np.array([newest]).astype("datetime64[M]"))[0], spell_end)

    # Rows of each spell: months start_m .. last_m of its run.
    n_rows = np.where(has_run, last_m - start_m + 1, 0)
    row_spell = np.repeat(np.arange(len(pl)), n_rows)
    offs = np.arange(len(row_spell)) - np.repeat(np.r_[0, np.cumsum(n_rows)[:-1]], n_rows)
    first_pay_row = found["row"].fillna(0).astype(np.int64).to_numpy()
    pay_row = first_pay_row[row_spell] + offs
    hours = pay["hours"].to_numpy()[pay_row]
    row_month = m_int[pay_row].astype("datetime64[M]")
    # A month shared with a neighbouring spell of the person is split by days.
    dim = dates.days_in_month(row_month)
    clock = SpellClock.build(start, eff_end.astype("datetime64[D]"), row_spell, row_month, hours)
    shared_first = (offs == 0) & (dates.day_of_month(start[row_spell]) > 1) & _prev_shares(pl, row_spell, row_month)
    shared_last = cut_by_next[row_spell] & (offs == n_rows[row_spell] - 1)
    split = shared_first | shared_last
    if split.any():
        hours = np.where(split, hours * clock.days_inside / dim, hours)
        clock = SpellClock.build(start, eff_end.astype("datetime64[D]"), row_spell, row_month, hours)
    pl["eff_end"] = eff_end.astype("datetime64[D]")
    return pl, clock


def _prev_shares(pl: pd.DataFrame, row_spell: np.ndarray, row_month: np.ndarray) -> np.ndarray:
    """Whether the previous spell of the person was cut in this (its last) month."""
    prev_end = dates.as_days(pl["spell_end"].shift(1))
    same_prev = pl["cpr"].shift(1).to_numpy() == pl["cpr"].to_numpy()
    prev_end_m = dates.month_of(prev_end)
    return (same_prev[row_spell]) & (prev_end_m[row_spell] == row_month)


def labels(spells: pd.DataFrame, clock: SpellClock, newest_day: np.datetime64) -> pd.DataFrame:
    """ltu, ltu_26w and censored per docs/architecture.md (Label)."""
    start = dates.as_days(spells["spell_start"])
    idx = np.arange(len(spells))
    out = {}
    for name, days, threshold in (
        ("ltu", RULES.ltu_horizon_days, RULES.ltu_threshold_hours),
        ("ltu_26w", RULES.ltu_short_horizon_days, RULES.ltu_short_threshold_hours),
    ):
        horizon = start + np.timedelta64(int(days), "D")
        value = (clock.at(idx, horizon) >= threshold - 1e-9).astype(np.int64)
        out[name] = pd.array(np.where(horizon > newest_day, -1, value), dtype="Int64")
        out[name][horizon > newest_day] = pd.NA
    out["censored"] = start + np.timedelta64(int(RULES.ltu_horizon_days), "D") > newest_day
    return pd.DataFrame(out, index=spells.index)
