"""Conversations of the contact course (data_contracts/conversations.yaml), vectorised per type.

Unit-specific behaviour (self-booking share per jobcentre, joint-conversation rates per
jobcentre, CV timeliness and participation per fund, contact-course intensity per fund) is
drawn once per unit in ``unit_parameters`` and written to the manifest, so tests can compare
realised with configured rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from ltu_platform.rules import RULES
from ltu_sim import dates
from ltu_sim.config import SimulationConfig, akasser, municipalities

LIGHTS = ["green", "yellow", "red"]
SELFBOOKING_FROM = np.datetime64(RULES.selfbooking_from)


def unit_parameters(config: SimulationConfig, seed: int) -> dict:
    rng = np.random.default_rng([seed, 10])
    jcs = sorted({int(m["jobcenter_code"]) for m in municipalities()})
    # R-BOOK-3: jobcentres spread over the three lights in fixed shares.
    order = rng.permutation(len(jcs))
    cuts = np.cumsum(np.array(config.selfbooking_light_shares) * len(jcs)).round().astype(int)
    light_of_rank = np.searchsorted(cuts, np.arange(len(jcs)), side="right")
    light = np.empty(len(jcs), dtype=np.int64)
    light[order] = light_of_rank
    lo = np.array([r[0] for r in config.selfbooking_ranges])[light]
    hi = np.array([r[1] for r in config.selfbooking_ranges])[light]
    share = rng.uniform(lo, hi)
    joint = rng.uniform(*config.joint_rate_range, size=(len(jcs), 3))
    funds = [a["akasse_code"] for a in akasser()]
    spread = config.participation_fund_spread
    return {
        "jobcenters": {
            str(jc): {"light": LIGHTS[light[i]], "selfbooking_share": float(share[i]),
                      "joint_rates": [float(v) for v in joint[i]]}
            for i, jc in enumerate(jcs)
        },
        "funds": {
            f: {
                "cv_within_14_rate": float(rng.uniform(*config.cv_within_14_range)),
                "joint_2_participation": float(np.clip(
                    config.joint_2_participation + rng.uniform(-spread, spread), 0, 1 - config.declined_share)),
                "joint_3_participation": float(np.clip(
                    config.joint_3_participation + rng.uniform(-spread, spread), 0, 1 - config.declined_share)),
                "contact_conversations_3m": float(rng.uniform(*config.contact_conversations_range)),
            }
            for f in funds
        },
    }


CODE_COLUMNS = ["conversation_type", "held_by", "actor_code", "booking_method", "akasse_participation"]


def joint_targets() -> dict[int, tuple[tuple[float, float], tuple[float, float]]]:
    """Clock targets in hours for each joint conversation: inside its R-JOINT-1 window (with a
    small margin from the inclusive ends) and, for the share held late, just after it."""
    w, m = RULES.hours_per_week, RULES.hours_per_month
    lo1, hi1 = RULES.joint_1_window_weeks
    lo2, hi2 = RULES.joint_2_window_months
    hi3 = RULES.joint_3_max_months
    return {
        1: (((lo1 + 0.1) * w, (hi1 - 0.1) * w), ((hi1 + 0.5) * w, (hi1 + 3.0) * w)),
        2: (((lo2 + 0.1) * m, (hi2 - 0.1) * m), ((hi2 + 0.3) * m, (hi2 + 2.0) * m)),
        3: ((10.0 * m, (hi3 - 0.2) * m), ((hi3 + 0.3) * m, (hi3 + 3.0) * m)),
    }


# Code lists of the generated columns; rows hold int8/int16 indexes into them (-1 = null) so
# the ~12 million national conversations never exist as Python strings.
TYPES = ["cv", "faelles_1", "faelles_2", "faelles_3", "job", "kontaktforloeb", "raadighed"]
HELD_BY = ["akasse", "jobcenter"]
BOOKING = ["indkaldt", "selvbooket"]
PARTICIPATION = ["deltog", "deltog_ikke", "frabedt"]
_T = {t: i for i, t in enumerate(TYPES)}
_INDKALDT, _SELVBOOKET = 0, 1
_AKASSE, _JOBCENTER = 0, 1


def _part(spell, day, ctype, held_by, actor, booking=-1, walk_in=False, participation=-1) -> dict:
    n = len(spell)
    return {
        "spell": spell.astype(np.int32), "conversation_date": day.astype("datetime64[D]"),
        "conversation_type": np.full(n, _T[ctype], dtype=np.int8), "held_by": np.full(n, held_by, dtype=np.int8),
        "actor_code": actor.astype(np.int16), "booking_method": np.broadcast_to(booking, n).astype(np.int8),
        "walk_in": np.broadcast_to(walk_in, n).astype(bool),
        "akasse_participation": np.broadcast_to(participation, n).astype(np.int8),
    }


def concat_with_codes(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate conversation frames keeping code columns categorical (no per-row strings)."""
    out = {}
    for col in frames[0].columns:
        if col in CODE_COLUMNS:
            out[col] = union_categoricals([pd.Categorical(f[col]) for f in frames], sort_categories=True)
        else:
            out[col] = np.concatenate([f[col].to_numpy() for f in frames])
    return pd.DataFrame(out)


def _per_unit(mapping: dict, units: list[str], field: str, index: int | None = None) -> np.ndarray:
    """A parameter of each unit (in ``units`` order) as an array, for lookups by unit index."""
    return np.array([mapping[u][field] if index is None else mapping[u][field][index] for u in units], dtype=float)


def generate(spells: pd.DataFrame, clock, params: dict, config: SimulationConfig, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 11])
    n = len(spells)
    sid = np.arange(n)
    start = dates.as_days(spells["spell_start"].to_numpy())
    end = dates.as_days(spells["eff_end"].to_numpy())
    # Actors: fund codes and jobcentre codes (as text) in one sorted code list.
    fund_cat = pd.Categorical(spells["akasse_code"])
    jc_codes, jc_of_spell = np.unique(spells["jobcenter_code"].to_numpy(), return_inverse=True)
    funds = [str(f) for f in fund_cat.categories]
    jcs = [str(j) for j in jc_codes]
    actors = sorted(set(funds) | set(jcs))
    actor_of = {a: i for i, a in enumerate(actors)}
    fund_i = fund_cat.codes.astype(np.int64)  # index into funds
    jc_i = jc_of_spell.astype(np.int64)  # index into jcs
    fund = np.array([actor_of[f] for f in funds], dtype=np.int16)[fund_i]  # actor index per spell
    jc = np.array([actor_of[j] for j in jcs], dtype=np.int16)[jc_i]
    member = spells["is_experiment_member"].to_numpy()
    young_rule = member & spells["under25_rule"].to_numpy()
    parts = []

    # CV conversation, summoned by the a-kasse (R-AK-5), on time at fund-specific rates.
    has_cv = rng.random(n) < config.cv_rate
    on_time = rng.random(n) < _per_unit(params["funds"], funds, "cv_within_14_rate")[fund_i]
    offset = np.where(on_time, rng.integers(0, RULES.cv_within_days + 1, n), rng.integers(RULES.cv_within_days + 1, 46, n))
    cv = np.flatnonzero(has_cv)
    parts.append(_part(cv, start[cv] + offset[cv].astype("timedelta64[D]"), "cv", _AKASSE, fund[cv], _INDKALDT))

    # Availability conversations by the a-kasse, self-booked: around month 2-3, then ~6-monthly.
    first = start + rng.integers(50, 101, n).astype("timedelta64[D]")
    has_r = rng.random(n) < config.raadighed_rate
    for k in range(4):
        day = first + (k * rng.integers(240, 301, n)).astype("timedelta64[D]")
        pick = np.flatnonzero(has_r & (day <= end))
        parts.append(_part(pick, day[pick], "raadighed", _AKASSE, fund[pick], _SELVBOOKET))

    # Job conversations in the jobcentre. Experiment members meet the jobcentre only after the
    # 410-hour transfer or their exit (R-AK-6); young people under R-AK-8 from the start.
    transfer = dates.as_days(spells["transfer_day"].to_numpy())
    exit_day = dates.as_days(spells["experiment_exit_date"].to_numpy())
    jc_from = np.where(member & ~young_rule, np.fmin(transfer, exit_day), start)
    jc_from = np.where(np.isnat(jc_from), end + dates.DAY, jc_from)
    share = _per_unit(params["jobcenters"], jcs, "selfbooking_share")[jc_i]
    max_slots = int(np.ceil(((end - start).astype(np.int64).max(initial=0) + 1) / config.job_interval_days)) + 1
    for k in range(max_slots):
        day = start + (45 + k * config.job_interval_days + rng.integers(-10, 11, n)).astype("timedelta64[D]")
        pick = np.flatnonzero((day <= end) & (day >= jc_from) & (rng.random(n) < config.job_slot_rate))
        if not len(pick):
            continue
        d = day[pick]
        walk = rng.random(len(pick)) < config.walk_in_rate
        s = np.where(d >= SELFBOOKING_FROM, share[pick], share[pick] * config.selfbooking_before_mandatory_factor)
        selfbooked = ~walk & (rng.random(len(pick)) < s)
        # R-BOOK-5: walk-ins are registered as summoned.
        booking = np.where(selfbooked, _SELVBOOKET, _INDKALDT)
        parts.append(_part(pick, d, "job", _JOBCENTER, jc[pick], booking, walk))

    # Joint conversations placed on the clock (R-JOINT-1), some outside the window.
    windows = joint_targets()
    for k, (inside, outside) in windows.items():
        rate = _per_unit(params["jobcenters"], jcs, "joint_rates", k - 1)[jc_i]
        held = rng.random(n) < rate
        out = rng.random(n) < config.joint_outside_window_share
        lo = np.where(out, outside[0], inside[0])
        hi = np.where(out, outside[1], inside[1])
        target = rng.uniform(lo, hi)
        day = clock.day_reaching(sid, target)
        pick = np.flatnonzero(held & ~np.isnat(day))
        pick = pick[day[pick] <= end[pick]]
        if k == 1:
            p_part = np.full(len(pick), config.joint_1_participation)
        else:
            p_part = _per_unit(params["funds"], funds, f"joint_{k}_participation")[fund_i[pick]]
        u = rng.random(len(pick))
        # frabedt / deltog / deltog_ikke as indexes into PARTICIPATION.
        participation = np.select([u < config.declined_share, u < config.declined_share + p_part], [2, 0], 1)
        parts.append(_part(pick, day[pick], f"faelles_{k}", _JOBCENTER, jc[pick], _INDKALDT, False, participation))

    # Contact-course conversations held by the a-kasse in the experiment (R-AK-9), until the
    # transfer or exit; under-25s of R-AK-8 have their course in the jobcentre (a few violations).
    followed = member & (~young_rule | (rng.random(n) < config.under25_violation_share))
    window_end = np.fmin(np.fmin(dates.add_months_clamped(start, RULES.akasse_first_period_months), end),
                         np.fmin(transfer, exit_day))
    window_end = np.where(np.isnat(window_end), end, window_end)
    lam = _per_unit(params["funds"], funds, "contact_conversations_3m")[fund_i]
    count = np.where(followed, rng.poisson(np.nan_to_num(lam)), 0)
    kf = np.repeat(sid, count)
    span = (window_end[kf] - start[kf]).astype(np.int64) + 1
    day = start[kf] + (rng.random(len(kf)) * span).astype(np.int64).astype("timedelta64[D]")
    parts.append(_part(kf, day, "kontaktforloeb", _AKASSE, fund[kf], _SELVBOOKET))

    c = {col: np.concatenate([p[col] for p in parts]) for col in parts[0]}
    del parts
    spell, day = c["spell"], c["conversation_date"]
    inside = (day >= start[spell]) & (day <= end[spell])
    c = {col: v[inside] for col, v in c.items()}
    # Sorted by date, spell, type (and actor); clean data has no duplicate registration (same
    # person, date, type and actor): random days drawn for one spell can coincide, so keep the
    # first of such a pair (the stable sort keeps generation order among equals).
    order = np.lexsort((c["actor_code"], c["conversation_type"], c["spell"], c["conversation_date"]))
    c = {col: v[order] for col, v in c.items()}
    key = (c["conversation_date"], c["spell"], c["conversation_type"], c["actor_code"])
    repeat = np.zeros(len(order), dtype=bool)
    repeat[1:] = np.logical_and.reduce([k[1:] == k[:-1] for k in key])
    c = {col: v[~repeat] for col, v in c.items()}
    m = len(c["spell"])
    secs = rng.integers(0, 11 * 86_400, m).astype("timedelta64[s]")
    return pd.DataFrame({
        "spell": c["spell"], "conversation_date": c["conversation_date"],
        "conversation_type": pd.Categorical.from_codes(c["conversation_type"], TYPES),
        "held_by": pd.Categorical.from_codes(c["held_by"], HELD_BY),
        "actor_code": pd.Categorical.from_codes(c["actor_code"], actors),
        "booking_method": pd.Categorical.from_codes(c["booking_method"], BOOKING),
        "walk_in": c["walk_in"],
        "akasse_participation": pd.Categorical.from_codes(c["akasse_participation"], PARTICIPATION),
        "registered_at": c["conversation_date"].astype("datetime64[s]") + secs,
        "conversation_id": np.arange(1, m + 1, dtype=np.int64),
    })
