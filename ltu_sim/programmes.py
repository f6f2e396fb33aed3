"""The two programmes: the 2016-17 pilot against long-term unemployment (R-PILOT-1..4) and
the a-kasse experiment "Mere ansvar til a-kasser" (R-AK-1..3)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scipy.special import expit, logit

from ltu_platform.rules import RULES
from ltu_sim import dates
from ltu_sim.config import POPULATION_THOUSANDS, SimulationConfig, akasser
from ltu_sim.population import jobcenter_of, municipality_codes_and_weights

PILOT_INTAKE_MAX_DAYS = 10  # intake soon after the assessment: clock stays <= 320.67 h


def pilot_jobcenters(seed: int, n: int) -> np.ndarray:
    """A handful of larger jobcentres outside the experiment municipalities."""
    rng = np.random.default_rng([seed, 7])
    exp = set(RULES.experiment_municipalities)
    big = sorted((c for c in POPULATION_THOUSANDS if c not in exp and POPULATION_THOUSANDS[c] >= 50),
                 key=lambda c: -POPULATION_THOUSANDS[c])[:20]
    jc = sorted({jobcenter_of()[c] for c in big})
    return np.sort(rng.choice(jc, size=min(n, len(jc)), replace=False))


def newly_unemployed_at_start(block: pd.DataFrame, support: pd.DataFrame) -> np.ndarray:
    """R-PILOT-1 before the intake: 49 days without non-SU support and without a spell."""
    start = dates.as_days(block["spell_start"].to_numpy())
    window_start = start - np.timedelta64(int(RULES.pilot_min_self_supporting_days), "D")
    s = support[support["support_type"] != 2]  # su does not break self-support
    per_pid = pd.Series(dates.as_days(s["to_date"].to_numpy()), index=s["pid"].to_numpy())
    # support is generated per spell, ending before its own start: the latest end decides.
    latest = per_pid.groupby(level=0).max().reindex(block["pid"].to_numpy()).to_numpy()
    latest = latest.astype("datetime64[D]")
    support_ok = np.isnat(latest) | (latest < window_start)
    prev_end = dates.as_days(block["prev_spell_end"].to_numpy())
    return support_ok & (np.isnat(prev_end) | (prev_end < window_start))


def select_pilot(block: pd.DataFrame, support: pd.DataFrame, config: SimulationConfig,
                 seed: int, rng: np.random.Generator) -> None:
    """Participation in the pilot: target = newly unemployed and assessed at risk (R-PILOT-2).

    Not everyone in the target takes part, and who does depends on observables that also
    drive the outcome (younger, better educated, little benefit history join more), so a
    naive comparison of participants and non-participants is biased.
    """
    n = len(block)
    start = dates.as_days(block["spell_start"].to_numpy())
    in_period = (start >= np.datetime64(RULES.pilot_start)) & (start <= np.datetime64(RULES.pilot_end))
    in_jc = np.isin(block["jobcenter_code"].to_numpy(), pilot_jobcenters(seed, config.pilot_n_jobcenters))
    candidate = in_period & in_jc & block["assessed"].to_numpy()
    intake = dates.as_days(block["assessed_at"].to_numpy()) + rng.integers(0, PILOT_INTAKE_MAX_DAYS + 1, n).astype(
        "timedelta64[D]")
    candidate &= intake <= np.datetime64(RULES.pilot_end)
    target = candidate & block["assessed_at_risk"].to_numpy() & newly_unemployed_at_start(block, support)
    score = (logit(config.pilot_base_participation) + 0.6 * (block["age"].to_numpy() < 30)
             - 0.5 * (block["origin"].to_numpy() == 2) + 0.4 * (block["education_level"].to_numpy() >= 4)
             - 0.5 * (block["weeks_public_support_3y"].to_numpy() > 52))
    u = rng.random(n)
    participant = (target & (u < expit(score))) | (candidate & ~target & (u < config.pilot_non_target_rate))
    block["pilot_participant"] = participant
    block["pilot_intake_date"] = np.where(participant, intake, np.datetime64("NaT"))
    block["pilot_price_dkk"] = np.where(participant, np.round(rng.uniform(1500, 5000, n), 2), np.nan)


EXIT_REASONS = ["flytning", "skift_akasse", "udmeldelse"]


def experiment_funds() -> list[str]:
    return [a["akasse_code"] for a in akasser() if a["in_experiment"].lower() == "true"]


def experiment_members(spells: pd.DataFrame) -> np.ndarray:
    """R-AK-1/2: newly placed members of the 9 funds living in the 4 municipalities during the
    experiment; a course already running when it starts is not included."""
    start = dates.as_days(spells["spell_start"].to_numpy())
    return (np.isin(spells["akasse_code"].to_numpy(), experiment_funds())
            & np.isin(spells["municipality_code"].to_numpy(), list(RULES.experiment_municipalities))
            & (start >= np.datetime64(RULES.experiment_start))
            & (start <= np.datetime64(RULES.experiment_end)))


def experiment_events(spells: pd.DataFrame, config: SimulationConfig, seed: int) -> pd.DataFrame:
    """Entry at placement (nyindplaceret) and one exit per member (R-AK-2, R-AK-3).

    Sets ``experiment_exit_date`` on ``spells`` (NaT for non-members).
    """
    rng = np.random.default_rng([seed, 9])
    member = experiment_members(spells)
    spells["is_experiment_member"] = member
    idx = np.flatnonzero(member)
    start = dates.as_days(spells["spell_start"].to_numpy())[idx]
    spell_end = dates.as_days(spells["eff_end"].to_numpy())[idx]
    exp_end = np.datetime64(RULES.experiment_end)
    early = rng.random(len(idx)) < config.experiment_exit_share
    span = np.maximum((np.minimum(spell_end, exp_end) - start).astype(np.int64), 1)
    early_date = start + (1 + (rng.random(len(idx)) * span).astype(np.int64)).astype("timedelta64[D]")
    early &= early_date <= np.minimum(spell_end, exp_end)
    reason = np.where(early, np.array(EXIT_REASONS)[rng.integers(0, 3, len(idx))],
                      np.where(spell_end <= exp_end, "forloeb_slut", "forsoeg_slut"))
    exit_date = np.where(early, early_date, np.minimum(spell_end, exp_end))
    codes, _ = municipality_codes_and_weights()
    outside = codes[~np.isin(codes, list(RULES.experiment_municipalities))]
    muni = spells["municipality_code"].to_numpy()[idx]
    exit_muni = np.where(reason == "flytning", rng.choice(outside, len(idx)), muni)
    exit_all = np.full(len(spells), np.datetime64("NaT"), dtype="datetime64[D]")
    exit_all[idx] = exit_date
    spells["experiment_exit_date"] = exit_all
    fund = spells["akasse_code"].to_numpy()[idx]
    pid = spells["pid"].to_numpy()[idx]
    entries = pd.DataFrame({"pid": pid, "event_date": start, "event_type": "indtraeden",
                            "akasse_code": fund, "municipality_code": muni, "reason": "nyindplaceret"})
    exits = pd.DataFrame({"pid": pid, "event_date": exit_date, "event_type": "udtraeden",
                          "akasse_code": fund, "municipality_code": exit_muni, "reason": reason})
    return pd.concat([entries, exits], ignore_index=True)


def under25_rule(spells: pd.DataFrame) -> np.ndarray:
    """R-AK-8: under 25, no vocational education and no children (register as of the start)."""
    return ((spells["age"].to_numpy() < RULES.young_age_limit)
            & ~spells["education_vocational"].to_numpy().astype(bool)
            & (spells["children_in_custody"].to_numpy() == 0))


def transfer_day(clock, n_spells: int) -> np.ndarray:
    """Day the clock reaches 410 hours (R-AK-6), NaT if never."""
    idx = np.arange(n_spells)
    return clock.day_reaching(idx, np.full(n_spells, float(RULES.transfer_hours)))

