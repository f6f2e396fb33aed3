"""Every knob of the simulator in one place: scales, period and the configured rates.

Domain constants (thresholds, windows, experiment period) are NOT here: they come from
``ltu_platform.rules`` (the dbt vars), so the simulator and the pipeline share one source.
The rates below are the simulator's own choices; tests read them to check realised rates.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from functools import cache

from ltu_platform.contracts import SEEDS_DIR

PERIOD_START = date(2015, 1, 1)  # first DFDG month delivered
PERIOD_END = date(2024, 12, 31)  # last day of the newest delivered month
REGISTER_FIRST_YEAR = 2012  # 3 register years before the first spells


@dataclass(frozen=True)
class SimulationConfig:
    """Volume and rates of one simulation. Shares are probabilities unless named otherwise."""

    scale: str = "test"
    spells_per_year: int = 1_500
    # Persons (register).
    share_male: float = 0.52
    origin_shares: tuple[float, float, float] = (0.86, 0.05, 0.09)  # dansk, vestlig, ikke_vestlig
    share_movers: float = 0.05
    # Spells.
    repeat_spell_probability: float = 0.28  # another spell after a spell ends
    share_graduate: float = 0.08  # dimittend placements
    share_from_sickness: float = 0.06  # placement_reason fra_sygedagpenge (R-AK-2)
    share_reearned: float = 0.55  # placement_reason genoptjent, of repeat spells
    share_prior_support: float = 0.25  # income-support period before a spell (R-PILOT-1)
    share_partial_unemployment: float = 0.15  # of non-LTU spells: long but part-time
    # Outcome DGP (outcomes.py): the intercept is calibrated to this mean probability.
    target_ltu_rate: float = 0.14
    # Profiling (R-PROF-1): questionnaire and registered assessment.
    questionnaire_rate: float = 0.60
    fund_question_funds: tuple[str, ...] = ("3F", "FOA", "HK", "KRIFA", "MINA")
    assessment_rate: float = 0.90
    assessment_at_risk_share: float = 0.25
    # Conversations.
    cv_rate: float = 0.95  # a CV conversation is registered at all
    cv_within_14_range: tuple[float, float] = (0.65, 0.97)  # fund-specific share (R-AK-5)
    raadighed_rate: float = 0.85
    job_interval_days: int = 90  # one job conversation slot about every three months
    job_slot_rate: float = 0.70
    walk_in_rate: float = 0.03  # R-BOOK-5: walk-ins registered as summoned
    # Self-booking share per jobcentre (R-BOOK-3): shares of jobcentres per light and ranges.
    selfbooking_light_shares: tuple[float, float, float] = (0.6, 0.25, 0.15)  # green/yellow/red
    selfbooking_ranges: tuple[tuple[float, float], ...] = ((0.80, 0.95), (0.64, 0.71), (0.35, 0.55))
    selfbooking_before_mandatory_factor: float = 0.6  # lower share before R-BOOK-1 (2016-09-01)
    joint_rate_range: tuple[float, float] = (0.6, 0.95)  # jobcentre-specific rate per joint conversation
    joint_outside_window_share: float = 0.08
    joint_1_participation: float = 0.5
    joint_2_participation: float = 0.55  # R-JOINT-3 national 2018
    joint_3_participation: float = 0.60
    participation_fund_spread: float = 0.12  # fund-specific +/- around the national rates
    declined_share: float = 0.05  # citizen declined (frabedt)
    contact_conversations_range: tuple[float, float] = (1.6, 2.6)  # fund mean in 3 months (R-AK-9)
    under25_violation_share: float = 0.05  # R-AK-8 violated: a-kasse held the course anyway
    experiment_exit_share: float = 0.12  # exits for flytning/skift_akasse/udmeldelse (R-AK-3)
    # Pilot (R-PILOT-1..3).
    pilot_n_jobcenters: int = 8
    pilot_base_participation: float = 0.55
    pilot_effect_logit: float = -0.7  # known causal effect on the log-odds of LTU
    pilot_non_target_rate: float = 0.02  # a few participants outside the target group
    # Registration defects (defects="default"): rate per eligible record.
    defect_rates: dict[str, float] = field(
        default_factory=lambda: {
            "joint_missing_participation": 0.004,
            "duplicate_registration": 0.003,
            "conversation_outside_spell": 0.002,
            "unknown_code": 0.001,
            "job_missing_booking": 0.003,
            "kontaktforloeb_non_member": 0.002,
            "payment_hours_invalid": 0.0005,
        }
    )

    def as_dict(self) -> dict:
        return asdict(self)


SCALES: dict[str, SimulationConfig] = {
    "test": SimulationConfig(scale="test", spells_per_year=1_500),
    "demo": SimulationConfig(scale="demo", spells_per_year=8_000),
    "national": SimulationConfig(scale="national", spells_per_year=250_000),
}


def config_for(scale: str, spells_per_year: int | None = None) -> SimulationConfig:
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {sorted(SCALES)}")
    config = SCALES[scale]
    return config if spells_per_year is None else replace(config, spells_per_year=spells_per_year)


def _read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def municipalities() -> list[dict[str, str]]:
    return _read_seed("municipalities")


@cache
def akasser() -> list[dict[str, str]]:
    return _read_seed("akasser")


# Rough populations (thousands) of the larger municipalities; others get a small-town default.
# Only relative weights matter: where people live, and that the experiment cities have many.
POPULATION_THOUSANDS: dict[int, float] = {
    101: 650, 751: 360, 461: 205, 851: 220, 147: 105, 561: 116, 621: 93, 630: 117,
    615: 95, 740: 95, 730: 98, 657: 90, 265: 89, 370: 83, 330: 80, 540: 74, 157: 75,
    159: 70, 230: 57, 173: 56, 167: 54, 791: 97, 607: 52, 169: 51, 760: 56, 217: 63,
    219: 52, 825: 2, 563: 3.5, 741: 3.7, 492: 6, 400: 39,
}
DEFAULT_POPULATION_THOUSANDS = 42.0
