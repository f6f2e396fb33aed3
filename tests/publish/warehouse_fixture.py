"""A small warehouse with the documented mart shapes, aggregated from synthetic persons.

Until the real marts exist in a test warehouse this stands in for them: every indicator
table is an exact aggregation of person-level rows kept here (``World``), so tests can check
the publication against the persons behind it (identifiers, suppression, pilot effect).
Columns follow docs/architecture.md; the quality mart follows ltu_platform.quality.mart.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.special import expit, logit

from ltu_platform.contracts import SEEDS_DIR
from ltu_platform.pseudonym import person_key
from ltu_platform.rules import RULES

KEY = b"test-key"
PILOT_EFFECT_LOGIT = -0.8


@dataclass
class World:
    spells: pd.DataFrame  # one row per spell, with identifiers and true probabilities
    conversations: pd.DataFrame
    true_att: float


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def make_world(n_spells: int = 4000, seed: int = 7) -> World:
    rng = np.random.default_rng(seed)
    munis = _seed("municipalities")
    funds = _seed("akasser")
    # 4 experiment municipalities and 26 others: cells from tiny to a few hundred persons
    codes = [int(m["municipality_code"]) for m in munis]
    muni_codes = np.array(sorted(set(RULES.experiment_municipalities) | set(codes[::4][:26])))
    jc_of = {int(m["municipality_code"]): m["jobcenter_code"] for m in munis}
    weights = np.where(np.isin(muni_codes, RULES.experiment_municipalities), 12.0, 1.0)
    weights[:10] *= 3
    fund_codes = np.array([f["akasse_code"] for f in funds])
    fund_w = np.linspace(3, 0.3, len(fund_codes))

    cprs = [f"{rng.integers(10**9, 10**10)}" for _ in range(n_spells)]
    keys = [person_key(c, KEY) for c in cprs]
    start = pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 6 * 365, n_spells), "D")
    df = pd.DataFrame(
        {
            "person_key": keys,
            "spell_start": start,
            "akasse_code": rng.choice(fund_codes, n_spells, p=fund_w / fund_w.sum()),
            "municipality_code": rng.choice(muni_codes, n_spells, p=weights / weights.sum()),
            "age": rng.integers(18, 66, n_spells),
            "sex": rng.choice(["M", "K"], n_spells),
            "origin": rng.choice(["dansk", "vestlig", "ikke_vestlig"], n_spells, p=[0.85, 0.05, 0.1]),
            "education_level": rng.choice(
                ["grundskole", "gymnasial", "erhvervsfaglig", "lang_videregaaende"], n_spells),
            "wage_income_last_year": rng.gamma(2, 150_000, n_spells),
            "weeks_public_support_last_year": rng.integers(0, 30, n_spells),
            "weeks_public_support_3y": rng.integers(0, 100, n_spells),
            "prior_spells": rng.poisson(0.5, n_spells),
            "children_in_custody": rng.poisson(0.6, n_spells),
            "is_graduate": rng.random(n_spells) < 0.08,
            "placement_reason": rng.choice(["ny", "genoptjent", "fra_sygedagpenge"], n_spells),
        }
    )
    df["spell_key"] = df["person_key"] + "-" + df["spell_start"].dt.strftime("%Y%m%d")
    df["jobcenter_code"] = df["municipality_code"].map(jc_of)
    df["cohort"] = df["spell_start"].dt.year
    x = (0.03 * (df["age"] - 40) + 0.6 * (df["origin"] == "ikke_vestlig")
         + 0.02 * (df["weeks_public_support_3y"] - 50) - 0.4 * (df["education_level"] == "lang_videregaaende"))
    p0 = expit(logit(0.15) + x)
    # pilot: at-risk newly unemployed in the pilot period; who joins depends on observables
    in_pilot = df["spell_start"].between(pd.Timestamp(RULES.pilot_start), pd.Timestamp(RULES.pilot_end))
    df["pilot_target"] = in_pilot & (rng.random(n_spells) < 0.6)
    join = expit(0.2 + 0.8 * (df["age"] < 30) - 0.7 * (df["origin"] == "ikke_vestlig")
                 - 0.02 * (df["weeks_public_support_3y"] - 50))
    df["pilot_participant"] = df["pilot_target"] & (rng.random(n_spells) < join)
    p = np.where(df["pilot_participant"], expit(logit(p0) + PILOT_EFFECT_LOGIT), p0)
    df["true_probability"] = p
    df["ltu"] = (rng.random(n_spells) < p).astype(int)
    df["censored"] = df["spell_start"] > pd.Timestamp("2020-12-31")
    df.loc[df["censored"], "ltu"] = np.nan
    treated = df["pilot_participant"]
    true_att = float((p[treated] - p0[treated]).mean())
    # experiment outcomes
    df["cv_within_14_days"] = rng.random(n_spells) < 0.8
    df["joint_1_in_window"] = rng.random(n_spells) < 0.7
    df["n_contact_conversations_3m"] = rng.poisson(2.0, n_spells)
    transferred = rng.random(n_spells) < 0.7
    df["transfer_410_date"] = df["spell_start"] + pd.to_timedelta(
        np.where(transferred, rng.integers(60, 200, n_spells), 0), "D")
    df.loc[~transferred, "transfer_410_date"] = pd.NaT
    df["is_experiment_member"] = (
        df["akasse_code"].isin({f["akasse_code"] for f in funds if f["in_experiment"] == "true"})
        & df["municipality_code"].isin(RULES.experiment_municipalities)
        & df["spell_start"].between(pd.Timestamp(RULES.experiment_start), pd.Timestamp(RULES.experiment_end))
    )
    n_conv = rng.poisson(3, n_spells)
    conv = df.loc[df.index.repeat(n_conv), ["spell_key", "spell_start", "jobcenter_code", "akasse_code"]]
    conv["conversation_date"] = conv["spell_start"] + pd.to_timedelta(rng.integers(0, 300, len(conv)), "D")
    conv["selfbooked"] = rng.random(len(conv)) < 0.85
    conv["joint_number"] = rng.choice([0, 0, 2, 3], len(conv))
    conv["participation"] = rng.choice(["deltog", "deltog_ikke", "frabedt", None], len(conv),
                                       p=[0.55, 0.3, 0.1, 0.05])
    conv["fails_rule"] = rng.random(len(conv)) < 0.03
    return World(spells=df.reset_index(drop=True), conversations=conv.reset_index(drop=True),
                 true_att=true_att)


def _month(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s).dt.to_period("M").dt.to_timestamp()


def aggregate(events: pd.DataFrame, levels: dict[str, str], sums: dict[str, str],
              extra_keys: tuple[str, ...] = ()) -> pd.DataFrame:
    """month × level × unit sums, with a national row (the marts' grouping sets)."""
    parts = []
    for level, col in {**levels, "national": None}.items():
        unit = events[col].astype(str) if col else pd.Series("DK", index=events.index)
        g = events.assign(unit_code=unit).groupby(["month", *extra_keys, "unit_code"])
        agg = g.agg(**{out: (src, "sum") for out, src in sums.items()}).reset_index()
        parts.append(agg.assign(level=level))
    out = pd.concat(parts, ignore_index=True)
    for col in sums:
        out[col] = out[col].astype("int64") if out[col].dtype != float else out[col]
    return out


def indicator_marts(world: World) -> dict[str, pd.DataFrame]:
    conv, spells = world.conversations.copy(), world.spells
    conv["month"] = _month(conv["conversation_date"])
    job = conv[conv["joint_number"] == 0].assign(one=1, sb=lambda d: d["selfbooked"].astype(int),
                                                 sm=lambda d: (~d["selfbooked"]).astype(int))
    sb = aggregate(job, {"jobcenter": "jobcenter_code", "akasse": "akasse_code"},
                   {"n_selfbooked": "sb", "n_summoned": "sm", "n_conversations": "one"})
    sb["selfbooking_share_pct"] = 100.0 * sb["n_selfbooked"] / sb["n_conversations"]
    sb["traffic_light"] = np.select([sb["selfbooking_share_pct"] > 75.0,
                                     sb["selfbooking_share_pct"] >= 60.0], ["green", "yellow"], "red")

    joint = conv[conv["joint_number"] > 0].copy()
    for name, value in (("n_participated", "deltog"), ("n_declined_by_citizen", "frabedt"),
                        ("n_not_participated", "deltog_ikke")):
        joint[name] = (joint["participation"] == value).astype(int)
    joint["n_missing"] = joint["participation"].isna().astype(int)
    joint["n_registered"] = 1
    part = aggregate(joint, {"jobcenter": "jobcenter_code", "akasse": "akasse_code"},
                     {c: c for c in ("n_registered", "n_participated", "n_declined_by_citizen",
                                     "n_not_participated", "n_missing")}, ("joint_number",))
    part["participation_rate"] = part["n_participated"] / part["n_registered"]

    sp = spells.assign(month=_month(spells["spell_start"]))
    rng = np.random.default_rng(1)
    for k in (1, 2, 3):
        sp[f"joint_{k}_population"] = (rng.random(len(sp)) < 0.5).astype(int)
        sp[f"joint_{k}_with_conversation"] = sp[f"joint_{k}_population"] * (rng.random(len(sp)) < 0.7)
    cols = [f"joint_{k}_{p}" for k in (1, 2, 3) for p in ("population", "with_conversation")]
    ji = aggregate(sp, {"jobcenter": "jobcenter_code", "akasse": "akasse_code"}, {c: c for c in cols})
    for k in (1, 2, 3):
        ji[f"joint_{k}_share"] = ji[f"joint_{k}_with_conversation"] / ji[f"joint_{k}_population"].where(
            ji[f"joint_{k}_population"] > 0)

    mem = sp[sp["is_experiment_member"]].assign(
        one=1, cv=1, cv14=lambda d: d["cv_within_14_days"].astype(int),
        tr=lambda d: d["transfer_410_date"].notna().astype(int),
        u25=lambda d: (d["age"] < 25).astype(int), u25f=lambda d: ((d["age"] < 25) & d["cv_within_14_days"]).astype(int))
    comp = aggregate(mem, {"akasse": "akasse_code", "municipality": "municipality_code"},
                     {"n_members": "one", "n_cv_registered": "cv", "n_cv_within_14_days": "cv14",
                      "n_contact_conversations_3m": "n_contact_conversations_3m",
                      "n_transferred_410": "tr", "n_under25_rule": "u25", "n_under25_followed": "u25f"})
    comp["avg_contact_conversations_3m"] = comp["n_contact_conversations_3m"] / comp["n_members"]
    comp["meets_minimum_2"] = comp["avg_contact_conversations_3m"] >= 2

    pil = sp[sp["pilot_target"] | sp["pilot_participant"]].assign(
        t=lambda d: d["pilot_target"].astype(int), tp=lambda d: (d["pilot_target"] & d["pilot_participant"]).astype(int),
        pp=lambda d: d["pilot_participant"].astype(int),
        s50=lambda d: (d["pilot_target"] & (d["age"] >= 50)).astype(int),
        nw=lambda d: (d["pilot_target"] & (d["origin"] == "ikke_vestlig")).astype(int),
        pr=lambda d: (d["pilot_target"] & (d["prior_spells"] > 0)).astype(int),
        se=lambda d: (d["pilot_target"] & d["education_level"].isin(["grundskole", "gymnasial"])).astype(int))
    pilot = aggregate(pil, {"jobcenter": "jobcenter_code"},
                      {"n_target": "t", "n_target_participants": "tp", "n_participants": "pp",
                       "n_senior_50plus": "s50", "n_non_western": "nw", "n_prior_unemployment": "pr",
                       "n_short_education": "se"})

    reg = conv.assign(level="jobcenter", one=1, fail=lambda d: d["fails_rule"].astype(int))
    reg_parts = []
    for rule in ("joint_participation_registered", "job_booking_method"):
        r = aggregate(reg, {"jobcenter": "jobcenter_code"}, {"n_registrations": "one", "n_failing": "fail"})
        reg_parts.append(r.assign(dataset="conversations", rule_id=rule))
    quality = pd.concat(reg_parts, ignore_index=True)
    quality["share_failing"] = quality["n_failing"] / quality["n_registrations"]
    return {"fct_selfbooking_share": sb, "fct_joint_conversation_indicators": ji,
            "fct_akasse_participation": part, "fct_experiment_compliance": comp,
            "fct_pilot_intake": pilot, "registration_quality": quality}


def gate_results(run_id: str, passed: bool) -> pd.DataFrame:
    """quality.rule_results rows of one gate run (ltu_platform.quality.gate's shape)."""
    return pd.DataFrame({
        "dataset": ["conversations", "conversations"],
        "rule": ["joint_participation_registered", "job_booking_method"],
        "domain_rule": ["R-JOINT-2", "R-BOOK-2"], "severity": ["blocking", "blocking"],
        "tolerance": [0.01, 0.01], "rows": [100, 100], "failing": [0, 0 if passed else 50],
        "share_failing": [0.0, 0.0 if passed else 0.5], "passed": [True, passed],
        "run_id": [run_id] * 2, "data_docs": [None, None],
        "checked_at": [pd.Timestamp.now()] * 2,
    })


def build_warehouse(path: Path, world: World, with_scores: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    marts = indicator_marts(world)
    spells = world.spells
    con = duckdb.connect(str(path))
    try:
        for schema in ("marts", "quality", "ml", "raw"):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for name, df in marts.items():
            schema = "quality" if name == "registration_quality" else "marts"
            _create(con, f"{schema}.{name}", df)
        courses = spells[["spell_key", "person_key", "spell_start", "akasse_code", "municipality_code",
                          "jobcenter_code", "age", "cv_within_14_days", "joint_1_in_window",
                          "n_contact_conversations_3m", "transfer_410_date", "is_experiment_member",
                          "pilot_target", "pilot_participant", "ltu", "censored"]].rename(
            columns={"age": "age_at_start"})
        _create(con, "marts.fct_contact_courses", courses)
        features = spells[["spell_key", "person_key", "spell_start", "cohort", "jobcenter_code",
                           "akasse_code", "age", "sex", "origin", "education_level",
                           "wage_income_last_year", "weeks_public_support_last_year",
                           "weeks_public_support_3y", "prior_spells", "children_in_custody",
                           "is_graduate", "placement_reason", "ltu", "censored"]]
        _create(con, "marts.fct_risk_features", features)
        if with_scores:
            noise = np.random.default_rng(3).normal(0, 0.3, len(spells))
            prob = expit(logit(spells["true_probability"]) + noise)
            scores = pd.DataFrame({"spell_key": spells["spell_key"], "probability": prob,
                                   "at_risk": prob >= np.quantile(prob, 0.75), "model_version": "3"})
            _create(con, "ml.risk_scores", scores)
        load_log = pd.DataFrame({
            "load_id": ["load-1", "load-2"], "dataset": ["conversations", "placements"],
            "partition": ["2020-01", "2020-01"], "source_file": ["a.csv", "b.csv"],
            "file_sha256": ["0" * 64, "1" * 64], "rows_in": [10, 5], "rows_loaded": [10, 5],
            "rows_quarantined": [0, 0], "status": ["loaded"] * 2, "message": [""] * 2,
            "loaded_at": pd.to_datetime(["2026-11-20 01:00", "2026-11-20 01:01"])})
        _create(con, "raw.load_log", load_log)
        _create(con, "quality.rule_results", gate_results("gate-1", passed=True))
    finally:
        con.close()


def _create(con: duckdb.DuckDBPyConnection, relation: str, df: pd.DataFrame) -> None:
    con.register("_df", df)
    con.execute(f"CREATE OR REPLACE TABLE {relation} AS SELECT * FROM _df")
    con.unregister("_df")
