"""Persons and their yearly register status (persons, person_year).

Static background (birth, sex, origin, final education, fund, industry) is drawn once per
person; yearly values (residence, wage income, weeks on public support) are functions of
(person, year) through ``rand.hashed_uniform``, so the spell features and the delivered
person_year rows read the very same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ltu_sim import dates
from ltu_sim.config import (
    DEFAULT_POPULATION_THOUSANDS,
    POPULATION_THOUSANDS,
    SimulationConfig,
    akasser,
    municipalities,
)
from ltu_sim.rand import hashed_uniform

EDUCATION_LEVELS = [
    "grundskole",
    "gymnasial",
    "erhvervsfaglig",
    "kort_videregaaende",
    "mellemlang_videregaaende",
    "lang_videregaaende",
]
EDUCATION_SHARES = [0.20, 0.10, 0.32, 0.06, 0.17, 0.15]
GRADUATION_AGE = np.array([16, 19, 21, 22, 24, 26])  # typical age at completing each level
PREVIOUS_LEVEL = np.array([0, 0, 0, 1, 1, 1])  # level held before the last graduation
BASE_WAGE = np.array([250e3, 280e3, 340e3, 380e3, 420e3, 520e3])
ORIGINS = ["dansk", "vestlig", "ikke_vestlig"]
INDUSTRIES = list("ABCDEFGHIJKLMNOPQRSTU")
INDUSTRY_WEIGHTS = np.array(
    [1, 0.2, 11, 0.5, 0.6, 7, 15, 5, 6, 5, 2.5, 1.5, 6, 6, 5, 8, 14, 2, 3, 0.1, 0.1]
)
# Which funds people with each education join (rows: fund, columns: education level);
# only the relative weights matter.
FUND_AFFINITY: dict[str, tuple[float, ...]] = {
    "AKA": (0, 0, 0, 1, 3, 8), "ASE": (6, 6, 5, 4, 3, 2), "CA": (0, 0, 0, 1, 2, 6),
    "3F": (12, 3, 8, 0.5, 0, 0), "FOA": (3, 1, 6, 1, 1, 0), "HK": (3, 6, 6, 4, 1, 0.5),
    "KRIFA": (4, 4, 4, 3, 2, 1), "METAL": (2, 0.5, 5, 0.5, 0, 0), "FFA": (4, 2, 2, 1, 0.5, 0.2),
    "DLF": (0, 0, 0, 0, 4, 1), "ELA": (0.5, 0.2, 3, 0.5, 0, 0), "DFH": (5, 4, 4, 2, 1, 0.5),
    "MA": (0, 0, 0, 0, 1, 5), "IAK": (0, 0, 0, 1, 2, 4), "MINA": (3, 3, 2, 2, 1, 1),
    "LEDER": (0.2, 0.5, 1, 2, 2, 2), "TA": (0, 0.5, 1, 3, 1, 0), "SLA": (0, 0, 1, 0, 3, 0),
    "BUPL": (0, 0, 0, 0, 3, 0), "FRIE": (3, 3, 3, 2, 1, 1), "AJKS": (0, 0, 0, 0.5, 1, 2),
    "DSA": (0, 0, 0.5, 1, 3, 1),
}
# Streams of hashed_uniform (one per yearly attribute).
_S_WAGE_ZERO, _S_WAGE_LEVEL, _S_SUPPORT, _S_SUPPORT_WEEKS, _S_STUDENT = range(1, 6)


@dataclass
class Persons:
    """Column arrays, one entry per person (index = person id)."""

    cpr: np.ndarray  # str, DDMMYYSSSS
    birth_date: np.ndarray  # datetime64[D]
    sex: np.ndarray  # "M"/"K"
    origin: np.ndarray  # index into ORIGINS
    education: np.ndarray  # final level, index into EDUCATION_LEVELS
    vocational: np.ndarray  # bool, of the final level
    graduation_date: np.ndarray  # datetime64[D] of the final level
    children: np.ndarray
    municipality: np.ndarray  # base residence
    move_year: np.ndarray  # year from which the person lives in new_municipality (9999 = never)
    new_municipality: np.ndarray
    fund: np.ndarray  # a-kasse code
    industry: np.ndarray  # DB07 letter or None (never employed)
    wage_base: np.ndarray
    inactive_propensity: np.ndarray
    support_propensity: np.ndarray
    is_graduate_person: np.ndarray  # first spell is a dimittend placement
    first_start: np.ndarray  # datetime64[D] of the first spell

    def __len__(self) -> int:
        return len(self.cpr)


def municipality_codes_and_weights() -> tuple[np.ndarray, np.ndarray]:
    codes = np.array([int(m["municipality_code"]) for m in municipalities()])
    weights = np.array([POPULATION_THOUSANDS.get(c, DEFAULT_POPULATION_THOUSANDS) for c in codes])
    return codes, weights / weights.sum()


def jobcenter_of() -> dict[int, int]:
    return {int(m["municipality_code"]): int(m["jobcenter_code"]) for m in municipalities()}


def _draw_ages(rng: np.random.Generator, n: int) -> np.ndarray:
    ages = np.arange(18, 67)
    w = np.select([ages < 25, ages < 35, ages < 50, ages < 60], [0.8, 1.3, 1.0, 0.9], 0.55)
    return rng.choice(ages, size=n, p=w / w.sum())


def _cpr_numbers(rng: np.random.Generator, birth: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Unique DDMMYYSSSS consistent with birth date, century digit and sex (odd = male)."""
    year = dates.year_of(birth)
    # 7th digit 0-3 for 1900-1999; 4 for 2000-2036 (CPR century rules).
    lo = np.where(year >= 2000, 4000, 0)
    capacity = np.where(year >= 2000, 1000, 4000)
    order = np.lexsort((rng.random(len(birth)), male, birth))
    key = np.stack([birth.astype(np.int64)[order], male[order].astype(np.int64)])
    new_group = np.r_[True, (key[:, 1:] != key[:, :-1]).any(axis=0)]
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(order)), 0))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - group_start
    serial = lo + 2 * rank + male.astype(np.int64)
    if (serial - lo >= capacity).any():
        raise ValueError("more persons per birth date than CPR serial numbers")
    day, month = dates.day_of_month(birth), dates.month_of(birth).astype(np.int64) % 12 + 1
    digits = ((day * 100 + month) * 100 + year % 100) * 10_000 + serial  # DDMMYYSSSS as a number
    return np.char.zfill(digits.astype(str), 10)


def draw_persons(config: SimulationConfig, n: int, seed: int, first_start: np.ndarray) -> Persons:
    rng = np.random.default_rng([seed, 1])
    age = _draw_ages(rng, n)
    # Born `age` years before the first spell, minus up to a year: whole-year age = `age`.
    birth = dates.month_start(dates.month_of(first_start) - (age * 12).astype("timedelta64[M]"))
    birth = birth + (np.minimum(dates.day_of_month(first_start), 28) - 1).astype("timedelta64[D]")
    birth = birth - rng.integers(0, 360, n).astype("timedelta64[D]")
    male = rng.random(n) < config.share_male
    origin = rng.choice(3, size=n, p=np.array(config.origin_shares))

    shares = np.tile(EDUCATION_SHARES, (n, 1))
    young = age < 25
    shares[young] = [0.45, 0.25, 0.15, 0.05, 0.07, 0.03]
    shares[origin == 2, 0] += 0.15
    shares /= shares.sum(axis=1, keepdims=True)
    education = (rng.random((n, 1)) > np.cumsum(shares, axis=1)).sum(axis=1)
    education = np.minimum(education, 5)
    vocational = (education >= 2) & (rng.random(n) < 0.95)

    graduate = (education >= 2) & (age < 35) & (rng.random(n) < config.share_graduate / 0.45)
    typical = (birth + (GRADUATION_AGE[education] * 365.25).astype("timedelta64[D]")
               + rng.integers(0, 300, n).astype("timedelta64[D]"))
    latest = first_start - np.timedelta64(400, "D")
    graduation = np.where(graduate, first_start - rng.integers(5, 300, n).astype("timedelta64[D]"),
                          np.minimum(typical, latest))

    children = np.where((age >= 25) & (age < 50), rng.poisson(1.0, n) * (rng.random(n) < 0.6),
                        (rng.random(n) < np.where(young, 0.08, 0.2)).astype(np.int64))

    codes, weights = municipality_codes_and_weights()
    municipality = rng.choice(codes, size=n, p=weights)
    mover = rng.random(n) < config.share_movers
    move_year = np.where(mover, rng.integers(2013, 2025, n), 9999)
    new_municipality = rng.choice(codes, size=n, p=weights)

    fund_codes = [a["akasse_code"] for a in akasser()]
    affinity = np.array([FUND_AFFINITY[c] for c in fund_codes], dtype=float)  # fund x level
    affinity /= affinity.sum(axis=0, keepdims=True)
    fund_idx = (rng.random((n, 1)) > np.cumsum(affinity[:, education].T, axis=1)).sum(axis=1)
    fund = np.array(fund_codes)[np.minimum(fund_idx, len(fund_codes) - 1)]

    never = rng.random(n) < np.where(graduate, 0.35, np.where(origin == 2, 0.08, 0.015))
    industry = rng.choice(np.array(INDUSTRIES, dtype=object), size=n,
                          p=INDUSTRY_WEIGHTS / INDUSTRY_WEIGHTS.sum())
    industry[never] = None

    age_curve = np.clip(0.75 + 0.012 * (age - 22), 0.75, 1.15)
    wage_base = BASE_WAGE[education] * age_curve * rng.lognormal(0.0, 0.3, n)
    wage_base[never] = 0.0
    inactive = np.where(rng.random(n) < 0.1, 0.45, 0.02)
    support = np.where(rng.random(n) < 0.15, 0.6, 0.08)

    return Persons(
        cpr=_cpr_numbers(rng, birth, male), birth_date=birth, sex=np.where(male, "M", "K"),
        origin=origin, education=education, vocational=vocational, graduation_date=graduation,
        children=children, municipality=municipality, move_year=move_year,
        new_municipality=new_municipality, fund=fund, industry=industry, wage_base=wage_base,
        inactive_propensity=inactive, support_propensity=support, is_graduate_person=graduate,
        first_start=first_start,
    )


def register_status(persons: Persons, pid: np.ndarray, year: np.ndarray, seed: int,
                    dagpenge_weeks: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """person_year values of persons ``pid`` in ``year`` (status at 31 December).

    ``dagpenge_weeks`` adds the weeks of dagpenge paid in that year (from earlier spells),
    which count as public income support.
    """
    grad_year = dates.year_of(persons.graduation_date[pid])
    graduated = year >= grad_year
    level = np.where(graduated, persons.education[pid], PREVIOUS_LEVEL[persons.education[pid]])
    vocational = np.where(graduated, persons.vocational[pid], False)
    graduation_date = np.where(graduated, persons.graduation_date[pid], np.datetime64("NaT"))
    municipality = np.where(year >= persons.move_year[pid], persons.new_municipality[pid],
                            persons.municipality[pid])

    u_zero = hashed_uniform(seed, _S_WAGE_ZERO, pid, year)
    u_level = hashed_uniform(seed, _S_WAGE_LEVEL, pid, year)
    student = ~graduated & persons.is_graduate_person[pid]
    inactive = u_zero < persons.inactive_propensity[pid]
    student_wage = np.where(hashed_uniform(seed, _S_STUDENT, pid, year) < 0.5, 0.0,
                            20e3 + 60e3 * u_level)
    wage = np.where(student, student_wage,
                    np.where(inactive, 0.0, persons.wage_base[pid] * (0.5 + 0.5 * u_level)))
    wage = np.round(wage, 2)

    u_sup = hashed_uniform(seed, _S_SUPPORT, pid, year)
    u_weeks = hashed_uniform(seed, _S_SUPPORT_WEEKS, pid, year)
    weeks = np.where(
        (wage == 0) & ~student, 26 + 26 * u_weeks,
        np.where(u_sup < persons.support_propensity[pid], 2 + 28 * u_weeks, 0.0),
    )
    if dagpenge_weeks is not None:
        weeks = weeks + dagpenge_weeks
    weeks = np.round(np.minimum(weeks, 52.0), 2)
    return {
        "municipality_code": municipality,
        "education_level": level,
        "education_vocational": vocational,
        "graduation_date": graduation_date,
        "children_in_custody": persons.children[pid],
        "wage_income": wage,
        "industry": persons.industry[pid],
        "weeks_public_support": weeks,
        "akasse_code": persons.fund[pid],
    }
