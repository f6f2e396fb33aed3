"""The five indicator marts of docs/architecture.md ("Indicator definitions"), computed in
pandas from the simulator's clean events: the independent truth the dbt marts must match.

Inputs are landing-shaped frames with a ``cpr`` column (clean, before defects) and the spells
from ``clock.build_spells``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ltu_platform.rules import RULES
from ltu_sim import dates
from ltu_sim.clock import SpellClock
from ltu_sim.datasets import take

HOURS_PER_MONTH = RULES.hours_per_month
KEY = ["month", "level", "unit_code"]


@dataclass
class Events:
    """Clean events joined to spells (``spell`` = row of ``spells``)."""

    spells: pd.DataFrame  # build_spells output + jobcenter_code, age, register as of start
    clock: SpellClock
    conversations: pd.DataFrame  # linked conversations, with ``spell``
    frames: dict[str, pd.DataFrame]
    newest_day: np.datetime64


def link_to_spells(spells: pd.DataFrame, events: pd.DataFrame, date_col: str) -> np.ndarray:
    """Row of the spell of the same person with start <= date <= coalesce(end, newest); -1 if none.

    Spells of a person do not overlap: the candidate is the person's latest spell starting on
    or before the date, found by binary search on an integer (person, day) key.
    """
    s_day = dates.as_days(spells["spell_start"]).astype(np.int64)
    e_day = dates.as_days(events[date_col]).astype(np.int64)
    span = int(max(s_day.max(initial=0), e_day.max(initial=0))) + 1
    s_cpr, e_cpr = _person_codes(spells["cpr"].to_numpy(), events["cpr"].to_numpy())
    s_key = s_cpr * span + s_day
    order = None if bool(np.all(s_key[1:] >= s_key[:-1])) else np.argsort(s_key, kind="stable")
    if order is not None:
        s_key = s_key[order]
    pos = np.searchsorted(s_key, e_cpr * span + e_day, side="right") - 1
    spell = pos if order is None else order[np.maximum(pos, 0)]
    spell = np.where(pos >= 0, spell, -1)
    safe = np.maximum(spell, 0)
    eff_end = dates.as_days(spells["eff_end"]).astype(np.int64)
    ok = (spell >= 0) & (s_cpr[safe] == e_cpr) & (e_day <= eff_end[safe])
    return np.where(ok, spell, -1)


def _person_codes(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Person columns as int64 codes (the truth uses person indexes; hand-made cases, text)."""
    if a.dtype.kind in "iu" and b.dtype.kind in "iu":
        return a.astype(np.int64), b.astype(np.int64)
    codes, _ = pd.factorize(np.concatenate([a.astype(object), b.astype(object)]))
    return codes[:len(a)].astype(np.int64), codes[len(a):].astype(np.int64)


def _by_levels(frame: pd.DataFrame, levels: dict[str, str | None], agg: dict) -> pd.DataFrame:
    """Aggregate per month and each level's unit column (None = national 'DK').

    Groups on the unit column as it is (ints, categoricals) and renders the unit as text per
    group afterwards: text per row would cost a Python string for every row.
    """
    out = []
    for level, col in levels.items():
        keys = ["month"] if col is None else ["month", col]
        g = frame.groupby(keys, sort=True, observed=True).agg(**agg).reset_index()
        g["level"] = level
        g["unit_code"] = "DK" if col is None else g[col].astype(str).astype(object)
        out.append(g[KEY + list(agg)])
    return pd.concat(out, ignore_index=True)


def _month(values) -> np.ndarray:
    return dates.month_start(dates.month_of(dates.as_days(values)))


def selfbooking_share(ev: Events) -> pd.DataFrame:
    """R-BOOK-2, R-BOOK-3."""
    c = ev.conversations
    c = c[(c["conversation_type"] == "job") & ~c["walk_in"].astype(bool)
          & c["booking_method"].isin(["selvbooket", "indkaldt"])].copy()
    c["month"] = _month(c["conversation_date"])
    c["is_self"] = (c["booking_method"] == "selvbooket").astype(np.int64)
    c["spell_akasse"] = ev.spells["akasse_code"].to_numpy()[c["spell"].to_numpy()]
    out = _by_levels(c, {"national": None, "jobcenter": "actor_code", "akasse": "spell_akasse"},
                     {"n_selfbooked": ("is_self", "sum"), "n_conversations": ("is_self", "size")})
    out["n_summoned"] = out["n_conversations"] - out["n_selfbooked"]
    out["selfbooking_share_pct"] = 100.0 * out["n_selfbooked"] / out["n_conversations"]
    out["traffic_light"] = traffic_light(out["selfbooking_share_pct"].to_numpy())
    return out[KEY + ["n_selfbooked", "n_summoned", "n_conversations", "selfbooking_share_pct", "traffic_light"]]


def traffic_light(share_pct: np.ndarray) -> np.ndarray:
    """R-BOOK-3: green above 75.0; yellow 60.0-75.0 inclusive; red below 60.0."""
    return np.select([share_pct > RULES.traffic_light_green_above, share_pct >= RULES.traffic_light_red_below],
                     ["green", "yellow"], "red").astype(object)


def joint_conversation_indicators(ev: Events) -> pd.DataFrame:
    """R-JOINT-4 per calendar month: population at month end and who had the conversation."""
    ck, sp = ev.clock, ev.spells
    row_spell = np.repeat(np.arange(len(sp), dtype=np.int32), ck.n_rows)
    month_end = dates.month_end(ck.month)
    clock_m = (ck.cum_before + ck.hours) / HOURS_PER_MONTH
    ranges = {
        1: (RULES.joint_1_population_months, None),
        2: (RULES.joint_2_population_months, RULES.joint_2_counting_months),
        3: (RULES.joint_3_population_months, RULES.joint_3_counting_months),
    }
    in_pop = {k: (clock_m >= pop[0]) & (clock_m <= pop[1]) for k, (pop, _) in ranges.items()}
    # Only spell-months active at the month end and in some population make a row.
    keep = in_pop[1] | in_pop[2] | in_pop[3]
    keep &= month_end <= dates.as_days(sp["eff_end"])[row_spell]
    keep &= dates.as_days(sp["spell_start"])[row_spell] <= month_end
    rows = np.flatnonzero(keep)
    del keep, clock_m
    frame = pd.DataFrame({"spell": row_spell[rows], "month": dates.month_start(ck.month[rows])})
    month_end = month_end[rows]
    c = ev.conversations
    agg = {}
    for k, (population, counting) in ranges.items():
        jk = c[c["conversation_type"] == f"faelles_{k}"]
        spell_idx = jk["spell"].to_numpy()
        day = dates.as_days(jk["conversation_date"])
        if counting is not None:
            at = ck.at(spell_idx, day) / HOURS_PER_MONTH
            keep = (at >= counting[0]) & (at <= counting[1])
            spell_idx, day = spell_idx[keep], day[keep]
        first = pd.Series(day, index=spell_idx).groupby(level=0).min()
        first_day = dates.as_days(first.reindex(frame["spell"].to_numpy()).to_numpy())
        p = in_pop[k][rows]
        frame[f"p{k}"] = p.astype(np.int64)
        frame[f"w{k}"] = (p & ~np.isnat(first_day) & (first_day <= month_end)).astype(np.int64)
        agg[f"joint_{k}_population"] = (f"p{k}", "sum")
        agg[f"joint_{k}_with_conversation"] = (f"w{k}", "sum")
    frame["jobcenter_code"] = sp["jobcenter_code"].to_numpy()[frame["spell"].to_numpy()]
    frame["akasse_code"] = take(sp["akasse_code"], frame["spell"].to_numpy())
    out = _by_levels(frame, {"national": None, "jobcenter": "jobcenter_code", "akasse": "akasse_code"}, agg)
    cols = list(KEY)
    for k in (1, 2, 3):
        pop = out[f"joint_{k}_population"]
        out[f"joint_{k}_share"] = np.where(pop > 0, out[f"joint_{k}_with_conversation"] / pop.where(pop > 0, 1), np.nan)
        cols += [f"joint_{k}_population", f"joint_{k}_with_conversation", f"joint_{k}_share"]
    return out[cols]


def akasse_participation(ev: Events) -> pd.DataFrame:
    """R-JOINT-3: participation in registered 2nd and 3rd joint conversations."""
    c = ev.conversations
    c = c[c["conversation_type"].isin(["faelles_2", "faelles_3"])].copy()
    c["month"] = _month(c["conversation_date"])
    c["joint_number"] = c["conversation_type"].str[-1].astype(np.int64)
    c["spell_akasse"] = ev.spells["akasse_code"].to_numpy()[c["spell"].to_numpy()]
    p = c["akasse_participation"]
    c["part"], c["decl"], c["notp"], c["miss"] = ((p == "deltog").astype(int), (p == "frabedt").astype(int),
                                                 (p == "deltog_ikke").astype(int), p.isna().astype(int))
    out = []
    for k in (2, 3):
        ck = c[c["joint_number"] == k]
        g = _by_levels(ck, {"national": None, "jobcenter": "actor_code", "akasse": "spell_akasse"},
                       {"n_registered": ("part", "size"), "n_participated": ("part", "sum"),
                        "n_declined_by_citizen": ("decl", "sum"), "n_not_participated": ("notp", "sum"),
                        "n_missing": ("miss", "sum")})
        g.insert(3, "joint_number", k)
        out.append(g)
    out = pd.concat(out, ignore_index=True)
    out["participation_rate"] = out["n_participated"] / out["n_registered"]
    return out


def experiment_compliance(ev: Events) -> pd.DataFrame:
    """R-AK-5 ... R-AK-9 per experiment entry (indtraeden)."""
    e = ev.frames["experiment_membership"]
    e = e[e["event_type"] == "indtraeden"].copy()
    e["spell"] = link_to_spells(ev.spells, e, "event_date")
    e = e[e["spell"] >= 0].copy()
    sp, c = ev.spells, ev.conversations
    spell = e["spell"].to_numpy()
    start = dates.as_days(sp["spell_start"])
    cv = c[c["conversation_type"] == "cv"]
    first_cv = dates.as_days(cv.groupby("spell")["conversation_date"].min().reindex(spell).to_numpy())
    e["cv_registered"] = (~np.isnat(first_cv)).astype(np.int64)
    e["cv_14"] = (~np.isnat(first_cv) & (first_cv <= start[spell] + np.timedelta64(int(RULES.cv_within_days), "D"))).astype(np.int64)
    contact = c[(c["held_by"] == "akasse") & c["conversation_type"].isin(["cv", "raadighed", "kontaktforloeb"])]
    limit = dates.add_months_clamped(start, int(RULES.akasse_first_period_months))
    contact = contact[dates.as_days(contact["conversation_date"]) <= limit[contact["spell"].to_numpy()]]
    e["contact"] = contact.groupby("spell").size().reindex(spell).fillna(0).astype(np.int64).to_numpy()
    e["transferred"] = (ev.clock.total()[spell] >= RULES.transfer_hours).astype(np.int64)
    rule = ((sp["age"].to_numpy() < RULES.young_age_limit) & (sp["education_vocational"].to_numpy() == False)  # noqa: E712
            & (sp["children_in_custody"].to_numpy() == 0))[spell]
    kf = c[(c["conversation_type"] == "kontaktforloeb") & (c["held_by"] == "akasse")]
    has_kf = np.isin(spell, kf["spell"].to_numpy())
    e["u25"], e["u25_followed"] = rule.astype(np.int64), (rule & ~has_kf).astype(np.int64)
    e["month"] = _month(e["event_date"])
    out = _by_levels(e, {"national": None, "akasse": "akasse_code", "municipality": "municipality_code"},
                     {"n_members": ("spell", "size"), "n_cv_registered": ("cv_registered", "sum"),
                      "n_cv_within_14_days": ("cv_14", "sum"), "n_contact_conversations_3m": ("contact", "sum"),
                      "n_transferred_410": ("transferred", "sum"), "n_under25_rule": ("u25", "sum"),
                      "n_under25_followed": ("u25_followed", "sum")})
    out["avg_contact_conversations_3m"] = out["n_contact_conversations_3m"] / out["n_members"]
    out["meets_minimum_2"] = out["avg_contact_conversations_3m"] >= RULES.akasse_min_contact_conversations
    return out[KEY + ["n_members", "n_cv_registered", "n_cv_within_14_days", "n_contact_conversations_3m",
                      "avg_contact_conversations_3m", "meets_minimum_2", "n_transferred_410",
                      "n_under25_rule", "n_under25_followed"]]


def pilot_units(ev: Events) -> pd.DataFrame:
    """R-PILOT-1/2 per spell starting in the pilot period: reference date, target, participant."""
    sp = ev.spells
    start = dates.as_days(sp["spell_start"])
    unit = np.flatnonzero((start >= np.datetime64(RULES.pilot_start)) & (start <= np.datetime64(RULES.pilot_end)))
    u = pd.DataFrame({"spell": unit})
    pp = ev.frames["pilot_participation"]
    pp_spell = link_to_spells(sp, pp, "intake_date")
    intake = pd.Series(dates.as_days(pp["intake_date"])[pp_spell >= 0], index=pp_spell[pp_spell >= 0])
    intake = intake.groupby(level=0).min()
    pa_ = ev.frames["profile_assessments"]
    pa_spell = link_to_spells(sp, pa_, "assessed_at")
    a = pd.DataFrame({"spell": pa_spell, "at": dates.as_days(pa_["assessed_at"]),
                      "risk": pa_["risk_assessment"].to_numpy() == "hoej_risiko"})
    a = a[a["spell"] >= 0].sort_values(["spell", "at"], kind="stable")
    first_assessed = a.groupby("spell")["at"].min()
    u["intake"] = dates.as_days(intake.reindex(unit).to_numpy())
    u["participant"] = ~np.isnat(u["intake"].to_numpy())
    ref = np.where(u["participant"], u["intake"].to_numpy(), dates.as_days(first_assessed.reindex(unit).to_numpy()))
    u["ref"] = ref
    has_ref = ~np.isnat(ref)
    # Latest assessment on or before the reference date (R-PILOT-2: the registered result).
    cand = u[has_ref][["spell", "ref"]].merge(a, on="spell")
    cand = cand[cand["at"] <= cand["ref"]]
    latest = cand.sort_values(["spell", "at"], kind="stable").groupby("spell")["risk"].last()
    u["at_risk"] = latest.reindex(unit).to_numpy(dtype=object) == True  # noqa: E712 (NaN -> False)
    # R-PILOT-1: 49 days without non-SU support and without an earlier spell; <= 320.67 h used.
    window_lo = start[unit] - np.timedelta64(int(RULES.pilot_min_self_supporting_days), "D")
    sup = ev.frames["income_support_periods"]
    sup = sup[sup["support_type"] != "su"]
    cand = pd.DataFrame({"cpr": sp["cpr"].to_numpy()[unit], "lo": window_lo, "hi": start[unit] - dates.DAY,
                         "i": np.arange(len(unit))}).merge(
        pd.DataFrame({"cpr": sup["cpr"].to_numpy(), "f": dates.as_days(sup["from_date"]),
                      "t": dates.as_days(sup["to_date"])}), on="cpr")
    overlapping = cand.loc[(cand["f"] <= cand["hi"]) & (cand["t"] >= cand["lo"]), "i"].unique()
    support_ok = ~np.isin(np.arange(len(unit)), overlapping)
    prev_same = sp["cpr"].shift(1).to_numpy() == sp["cpr"].to_numpy()
    prev_end = dates.as_days(sp["spell_end"].shift(1))
    prev_ok = ~prev_same[unit] | (np.isnat(prev_end[unit])) | (prev_end[unit] < window_lo)
    prev_ok &= ~(prev_same[unit] & np.isnat(prev_end[unit]))  # an ongoing earlier spell blocks
    used = ev.clock.at(unit, np.where(has_ref, ref, start[unit]))
    u["newly"] = has_ref & support_ok & prev_ok & (used <= RULES.pilot_max_used_hours + 1e-9)
    u["target"] = u["newly"] & u["at_risk"]
    u["prior"] = sp["prior_spell"].to_numpy()[unit]
    return u


def pilot_intake(ev: Events) -> pd.DataFrame:
    u = pilot_units(ev)
    sp = ev.spells
    u = u[~np.isnat(u["ref"].to_numpy())].copy()
    s = u["spell"].to_numpy()
    t = u["target"].to_numpy()
    u["month"] = _month(u["ref"])
    u["jobcenter_code"] = sp["jobcenter_code"].to_numpy()[s]
    u["t"] = t.astype(np.int64)
    u["tp"] = (t & u["participant"].to_numpy()).astype(np.int64)
    u["p"] = u["participant"].astype(np.int64)
    u["senior"] = (t & (sp["age"].to_numpy()[s] >= RULES.senior_age)).astype(np.int64)
    u["nonw"] = (t & (sp["origin"].to_numpy()[s] == "ikke_vestlig")).astype(np.int64)
    u["prior_u"] = (t & u["prior"].to_numpy()).astype(np.int64)
    u["short"] = (t & np.isin(sp["education_level"].to_numpy()[s], ["grundskole", "gymnasial"])).astype(np.int64)
    u = u[(u["t"] + u["p"]) > 0]
    return _by_levels(u, {"national": None, "jobcenter": "jobcenter_code"},
                      {"n_target": ("t", "sum"), "n_target_participants": ("tp", "sum"),
                       "n_participants": ("p", "sum"), "n_senior_50plus": ("senior", "sum"),
                       "n_non_western": ("nonw", "sum"), "n_prior_unemployment": ("prior_u", "sum"),
                       "n_short_education": ("short", "sum")})


MARTS = {
    "fct_selfbooking_share": selfbooking_share,
    "fct_joint_conversation_indicators": joint_conversation_indicators,
    "fct_akasse_participation": akasse_participation,
    "fct_experiment_compliance": experiment_compliance,
    "fct_pilot_intake": pilot_intake,
}
