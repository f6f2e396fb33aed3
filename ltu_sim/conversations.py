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


def _frame(spell, day, ctype, held_by, actor, booking=None, walk_in=False, participation=None):
    n = len(spell)
    return pd.DataFrame({
        "spell": spell.astype(np.int32), "conversation_date": day, "conversation_type": ctype,
        "held_by": held_by, "actor_code": actor,
        "booking_method": booking if booking is not None else np.full(n, None, dtype=object),
        "walk_in": np.broadcast_to(walk_in, n).astype(bool),
        "akasse_participation": participation if participation is not None else np.full(n, None, dtype=object),
    })


def concat_with_codes(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate conversation parts keeping code columns categorical (no per-row strings)."""
    out = {}
    for col in frames[0].columns:
        if col in CODE_COLUMNS:
            out[col] = union_categoricals([pd.Categorical(f[col]) for f in frames], sort_categories=True)
        else:
            out[col] = np.concatenate([f[col].to_numpy() for f in frames])
    return pd.DataFrame(out)


def _lookup(mapping: dict, keys: np.ndarray, field: str, index: int | None = None) -> np.ndarray:
    table = {k: (v[field] if index is None else v[field][index]) for k, v in mapping.items()}
    return pd.Series(keys.astype(str)).map(table).to_numpy(dtype=float)


def generate(spells: pd.DataFrame, clock, params: dict, config: SimulationConfig, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 11])
    n = len(spells)
    sid = np.arange(n)
    start = dates.as_days(spells["spell_start"].to_numpy())
    end = dates.as_days(spells["eff_end"].to_numpy())
    fund = spells["akasse_code"].to_numpy().astype(str)
    jc = spells["jobcenter_code"].to_numpy().astype(str)
    member = spells["is_experiment_member"].to_numpy()
    young_rule = member & spells["under25_rule"].to_numpy()
    frames = []

    # CV conversation, summoned by the a-kasse (R-AK-5), on time at fund-specific rates.
    has_cv = rng.random(n) < config.cv_rate
    on_time = rng.random(n) < _lookup(params["funds"], fund, "cv_within_14_rate")
    offset = np.where(on_time, rng.integers(0, RULES.cv_within_days + 1, n), rng.integers(RULES.cv_within_days + 1, 46, n))
    cv = np.flatnonzero(has_cv)
    frames.append(_frame(cv, start[cv] + offset[cv].astype("timedelta64[D]"), "cv", "akasse", fund[cv],
                         np.full(len(cv), "indkaldt", dtype=object)))

    # Availability conversations by the a-kasse, self-booked: around month 2-3, then ~6-monthly.
    first = start + rng.integers(50, 101, n).astype("timedelta64[D]")
    has_r = rng.random(n) < config.raadighed_rate
    for k in range(4):
        day = first + (k * rng.integers(240, 301, n)).astype("timedelta64[D]")
        pick = np.flatnonzero(has_r & (day <= end))
        frames.append(_frame(pick, day[pick], "raadighed", "akasse", fund[pick],
                             np.full(len(pick), "selvbooket", dtype=object)))

    # Job conversations in the jobcentre. Experiment members meet the jobcentre only after the
    # 410-hour transfer or their exit (R-AK-6); young people under R-AK-8 from the start.
    transfer = dates.as_days(spells["transfer_day"].to_numpy())
    exit_day = dates.as_days(spells["experiment_exit_date"].to_numpy())
    jc_from = np.where(member & ~young_rule, np.fmin(transfer, exit_day), start)
    jc_from = np.where(np.isnat(jc_from), end + dates.DAY, jc_from)
    share = _lookup(params["jobcenters"], jc, "selfbooking_share")
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
        booking = np.where(selfbooked, "selvbooket", "indkaldt").astype(object)
        frames.append(_frame(pick, d, "job", "jobcenter", jc[pick], booking, walk))

    # Joint conversations placed on the clock (R-JOINT-1), some outside the window.
    windows = joint_targets()
    for k, (inside, outside) in windows.items():
        rate = _lookup(params["jobcenters"], jc, "joint_rates", k - 1)
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
            p_part = _lookup(params["funds"], fund[pick], f"joint_{k}_participation")
        u = rng.random(len(pick))
        participation = np.select([u < config.declined_share, u < config.declined_share + p_part],
                                  ["frabedt", "deltog"], "deltog_ikke").astype(object)
        frames.append(_frame(pick, day[pick], f"faelles_{k}", "jobcenter", jc[pick],
                             np.full(len(pick), "indkaldt", dtype=object), False, participation))

    # Contact-course conversations held by the a-kasse in the experiment (R-AK-9), until the
    # transfer or exit; under-25s of R-AK-8 have their course in the jobcentre (a few violations).
    followed = member & (~young_rule | (rng.random(n) < config.under25_violation_share))
    window_end = np.fmin(np.fmin(dates.add_months_clamped(start, RULES.akasse_first_period_months), end),
                         np.fmin(transfer, exit_day))
    window_end = np.where(np.isnat(window_end), end, window_end)
    lam = _lookup(params["funds"], fund, "contact_conversations_3m")
    count = np.where(followed, rng.poisson(np.nan_to_num(lam)), 0)
    kf = np.repeat(sid, count)
    span = (window_end[kf] - start[kf]).astype(np.int64) + 1
    day = start[kf] + (rng.random(len(kf)) * span).astype(np.int64).astype("timedelta64[D]")
    frames.append(_frame(kf, day, "kontaktforloeb", "akasse", fund[kf],
                         np.full(len(kf), "selvbooket", dtype=object)))

    conv = concat_with_codes(frames)
    del frames
    conv = conv[(dates.as_days(conv["conversation_date"].to_numpy()) >= start[conv["spell"].to_numpy()])
                & (dates.as_days(conv["conversation_date"].to_numpy()) <= end[conv["spell"].to_numpy()])]
    conv = conv.sort_values(["conversation_date", "spell", "conversation_type"], kind="stable").reset_index(drop=True)
    m = len(conv)
    secs = rng.integers(0, 11 * 86_400, m).astype("timedelta64[s]")
    conv["registered_at"] = conv["conversation_date"].to_numpy().astype("datetime64[s]") + secs
    conv["conversation_id"] = np.arange(1, m + 1, dtype=np.int64)
    return conv
