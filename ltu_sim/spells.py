"""Dagpenge spells: placements, features at the start, the outcome draw and monthly payments.

Spells are generated in rounds: every person's first spell, then (for some) a next spell
after the previous one ended and at least one full calendar month without payments, and so
on. Each round needs the previous rounds' payments (benefit history, prior spells) and
decides, in this order: features -> untreated risk -> registered assessment -> pilot
participation -> true risk -> LTU draw -> payments whose clock reproduces the draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from ltu_platform.rules import RULES
from ltu_sim import dates, outcomes, profiling, programmes
from ltu_sim.config import PERIOD_END, PERIOD_START, SimulationConfig
from ltu_sim.population import Persons, jobcenter_of, register_status

HOURS_PER_MONTH = RULES.hours_per_month
HOURS_PER_WEEK = RULES.hours_per_week
PLACEMENT_REASONS = ["ny", "genoptjent", "fra_sygedagpenge"]
LAST_DAY = np.datetime64(PERIOD_END, "D")
LAST_MONTH = np.datetime64(PERIOD_END, "M")


@dataclass
class SpellState:
    """Everything generated so far; ``spells`` grows by one block per round."""

    spells: list[pd.DataFrame] = field(default_factory=list)
    payments: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)  # (block row, month, hours)
    support: list[pd.DataFrame] = field(default_factory=list)
    dagpenge_weeks: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    intercept: float | None = None
    assessment_threshold: float | None = None


def _weeks_lookup(state: SpellState, pid: np.ndarray, year: np.ndarray) -> np.ndarray:
    if state.dagpenge_weeks.empty:
        return np.zeros(len(pid))
    key = pid.astype(np.int64) * 10_000 + year
    return state.dagpenge_weeks.reindex(key).fillna(0.0).to_numpy()


def start_features(persons: Persons, pid, start, round_no, prior_spells, state, seed, rng,
                   config: SimulationConfig):
    """Features known at the spell start: the register of year(start) - 1 (architecture.md)."""
    n = len(pid)
    year = dates.year_of(start)
    reg = register_status(persons, pid, year - 1, seed, _weeks_lookup(state, pid, year - 1))
    weeks_3y = reg["weeks_public_support"].copy()
    for back in (2, 3):
        weeks_3y += register_status(persons, pid, year - back, seed,
                                    _weeks_lookup(state, pid, year - back))["weeks_public_support"]
    now = register_status(persons, pid, year, seed)
    is_graduate = (round_no == 1) & persons.is_graduate_person[pid]
    u = rng.random(n)
    # R-AK-2 placement reasons: from sickness benefit; re-earned right only after a first course.
    sick, again = config.share_from_sickness, config.share_reearned
    reason = np.select([u < sick, (round_no > 1) & (u < sick + again)], [2, 1], 0)
    return {
        "pid": pid,
        "spell_start": start,
        "round": np.full(n, round_no),
        "age": dates.whole_years_between(persons.birth_date[pid], start),
        "sex": pd.Categorical(persons.sex[pid]),
        "origin": persons.origin[pid],
        "education_level": reg["education_level"],
        "education_vocational": reg["education_vocational"],
        "children_in_custody": reg["children_in_custody"],
        "wage_income_last_year": reg["wage_income"],
        "industry": reg["industry"],
        "weeks_public_support_last_year": reg["weeks_public_support"],
        "weeks_public_support_3y": weeks_3y,
        "prior_spells": prior_spells,
        "placement_reason": reason,
        "is_graduate": is_graduate,
        "latent": rng.standard_normal(n),
        "akasse_code": pd.Categorical(persons.fund[pid]),
        "municipality_code": now["municipality_code"],
    }


def _durations(config: SimulationConfig, ltu: np.ndarray, graduate: np.ndarray, rng):
    """Spell length in days and the employment-rate factor, so the label equals the draw.

    LTU: >= 365 days at >= 85 % of full time (clock at day 364 >= ~1630 h).
    Not LTU: either <= 270 days (clock <= ~1440 h) or part-time <= 72 % (<= ~1390 h),
    both a margin of ~100 h from 1539.2 h, so rounding never flips the label.
    """
    n = len(ltu)
    partial = ~ltu & (rng.random(n) < config.share_partial_unemployment)
    long_days = 365 + np.minimum(rng.gamma(2.0, 90.0, n), np.where(graduate, 55, 365)).astype(np.int64)
    partial_days = 380 + np.minimum(rng.gamma(2.0, 80.0, n), 350).astype(np.int64)
    short_days = 45 + np.minimum(rng.exponential(80.0, n), 225).astype(np.int64)
    days = np.where(ltu, long_days, np.where(partial, partial_days, short_days))
    full = rng.uniform(0.88, 1.0, n)
    part = rng.uniform(0.3, 0.7, n)
    short = np.where(rng.random(n) < 0.8, rng.uniform(0.9, 1.0, n), rng.uniform(0.5, 0.9, n))
    rate = np.where(ltu, full, np.where(partial, part, short))
    return days, rate


def _payments(start, real_end, rate, rng, chunk: int = 250_000):
    """Monthly rows (spell, month, hours) from start to min(real end, newest month).

    Built in chunks of spells so the temporaries stay small at national scale.
    """
    parts = [_payment_rows(start[i:i + chunk], real_end[i:i + chunk], rate[i:i + chunk], rng, i)
             for i in range(0, len(start), chunk)]
    return tuple(np.concatenate(cols) for cols in zip(*parts)) if parts else (
        np.array([], np.int32), np.array([], "datetime64[M]"), np.array([], float))


def _payment_rows(start, real_end, rate, rng, offset: int):
    end = np.minimum(real_end, LAST_DAY)
    m0, m1 = dates.month_of(start), dates.month_of(end)
    n_months = (m1 - m0).astype(np.int64) + 1
    spell = np.repeat(np.arange(len(start)), n_months)
    within = np.arange(len(spell)) - np.repeat(np.r_[0, np.cumsum(n_months)[:-1]], n_months)
    month = m0[spell] + within.astype("timedelta64[M]")
    first = np.maximum(dates.month_start(month), start[spell])
    last = np.minimum(dates.month_end(month), end[spell])
    days = (last - first).astype(np.int64) + 1
    factor = np.clip(rate[spell] * (1 + 0.03 * rng.standard_normal(len(spell))), 0.05, 1.0)
    hours = factor * HOURS_PER_MONTH * days / dates.days_in_month(month)
    # At most 2 decimals, rounded down so a full month never exceeds the norm.
    hours = np.maximum(np.floor(hours * 100 + 1e-6) / 100, 0.01)
    return (spell + offset).astype(np.int32), month, hours


def _next_starts(block: pd.DataFrame, config: SimulationConfig, rng):
    """Next spell of some persons: after >= 1 full calendar month without payments."""
    ended = dates.as_days(block["real_end"].to_numpy()) < LAST_DAY
    again = ended & (rng.random(len(block)) < config.repeat_spell_probability)
    last_month = dates.month_of(dates.as_days(block["real_end"].to_numpy())[again])
    gap = 1 + rng.geometric(0.12, again.sum())
    month = last_month + 1 + gap.astype("timedelta64[M]")
    start = dates.month_start(month) + (rng.random(again.sum()) * dates.days_in_month(month)).astype(
        "timedelta64[D]")
    keep = start <= LAST_DAY
    return block["pid"].to_numpy()[again][keep], start[keep], block["round"].to_numpy()[again][keep]


def generate(config: SimulationConfig, persons: Persons, seed: int, progress=None) -> SpellState:
    state = SpellState()
    jobcenter = jobcenter_of()
    pid = np.arange(len(persons))
    start = persons.first_start
    prior = np.zeros(len(pid), dtype=np.int64)
    round_no = 1
    while len(pid):
        rng = np.random.default_rng([seed, 2, round_no])
        f = start_features(persons, pid, start, round_no, prior, state, seed, rng, config)
        keep = f["age"] <= 66
        f = {k: v[keep] for k, v in f.items()}
        block = pd.DataFrame(f)
        group = outcomes.risk_group(f)
        x = outcomes.linear_predictor(f, group)
        if state.intercept is None:
            state.intercept = outcomes.calibrate_intercept(x, config.target_ltu_rate)
        block["true_risk_group"] = group
        block["true_probability_untreated"] = expit(state.intercept + x)
        block["jobcenter_code"] = np.array([jobcenter[m] for m in block["municipality_code"]])
        block["prev_spell_end"] = _previous_end(state, block)

        support = profiling.support_periods(block, rng, config.share_prior_support)
        state.support.append(support)
        state.assessment_threshold = profiling.assess(block, rng, state.assessment_threshold,
                                                      config.assessment_rate,
                                                      config.assessment_at_risk_share)
        programmes.select_pilot(block, support, config, seed, rng)

        treated = block["pilot_participant"].to_numpy()
        p_untreated = block["true_probability_untreated"].to_numpy()
        block["true_probability"] = np.where(
            treated, expit(logit(p_untreated) + config.pilot_effect_logit), p_untreated)
        ltu = rng.random(len(block)) < block["true_probability"].to_numpy()
        block["ltu_draw"] = ltu
        days, rate = _durations(config, ltu, block["is_graduate"].to_numpy(), rng)
        s = dates.as_days(block["spell_start"].to_numpy())
        block["real_end"] = s + (days - 1).astype("timedelta64[D]")
        p_spell, p_month, p_hours = _payments(s, dates.as_days(block["real_end"].to_numpy()), rate, rng)
        state.payments.append((p_spell, p_month, p_hours))
        # Dagpenge weeks per person and year count as public income support in later years.
        key = block["pid"].to_numpy()[p_spell].astype(np.int64) * 10_000 + dates.year_of(dates.month_start(p_month))
        add = pd.Series(p_hours / HOURS_PER_WEEK).groupby(key).sum()
        state.dagpenge_weeks = state.dagpenge_weeks.add(add, fill_value=0.0)
        state.spells.append(block)
        if progress is not None:
            progress(f"round {round_no}: {len(block):,} spells")
        pid, start, _ = _next_starts(block, config, rng)
        prior = np.full(len(pid), round_no)
        round_no += 1
    return state


def _previous_end(state: SpellState, block: pd.DataFrame) -> np.ndarray:
    """Spell end (last day of the last payment month) of the person's previous spell."""
    if not state.spells:
        return np.full(len(block), np.datetime64("NaT"), dtype="datetime64[D]")
    prev = state.spells[-1]
    end = pd.Series(dates.month_end(dates.month_of(dates.as_days(prev["real_end"].to_numpy()))),
                    index=prev["pid"].to_numpy())
    return end.reindex(block["pid"].to_numpy()).to_numpy().astype("datetime64[D]")


def first_starts(n_persons: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, 0])
    first = np.datetime64(PERIOD_START, "D")
    span = (LAST_DAY - first).astype(np.int64) + 1
    return first + np.sort(rng.integers(0, span, n_persons)).astype("timedelta64[D]")
