"""Truth labels and indicators against an independent recomputation from the written files."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ltu_platform.rules import RULES
from ltu_sim.clock import build_spells, labels
from tests.sim.helpers import decimal, read_dataset


def _clock_at(months: list[pd.Timestamp], hours: list[float], start: pd.Timestamp, end: pd.Timestamp,
              day: pd.Timestamp) -> float:
    """Straight from domain.md "Clock": months before D's month in full, D's month by days."""
    total = 0.0
    for m, h in zip(months, hours):
        m_end = m + pd.offsets.MonthEnd(0)
        first, last = max(m, start), min(m_end, end)
        if m_end < day.replace(day=1):
            total += h
        elif m == day.replace(day=1):
            inside = (last - first).days + 1
            upto = min(max((day - first).days + 1, 0), inside)
            total += h * upto / inside
    return total


def test_truth_labels_equal_labels_recomputed_from_written_payments(clean_run):
    spells = pd.read_parquet(clean_run / "truth" / "spells.parquet")
    pay = read_dataset(clean_run, "dagpenge_payments")
    pay = pay.assign(month=pd.to_datetime(pay["payment_month"]), h=decimal(pay["hours"]))
    rng = np.random.default_rng(0)
    sample = spells.iloc[rng.choice(len(spells), 400, replace=False)]
    by_cpr = {c: g.sort_values("month") for c, g in pay[pay["cpr"].isin(sample["cpr"])].groupby("cpr")}
    newest = pd.Timestamp("2024-12-31")
    for row in sample.itertuples():
        start = pd.Timestamp(row.spell_start)
        end = pd.Timestamp(row.spell_end) if pd.notna(row.spell_end) else newest
        g = by_cpr[row.cpr]
        g = g[(g["month"] >= start.replace(day=1)) & (g["month"] <= end)]
        for days, threshold, col in ((RULES.ltu_horizon_days, RULES.ltu_threshold_hours, "ltu"),
                                     (RULES.ltu_short_horizon_days, RULES.ltu_short_threshold_hours, "ltu_26w")):
            horizon = start + pd.Timedelta(days=days)
            if horizon > newest:
                assert pd.isna(getattr(row, col))
                continue
            clock = _clock_at(list(g["month"]), list(g["h"]), start, end, horizon)
            assert getattr(row, col) == int(clock >= threshold), (row.cpr, start, clock)
        assert row.censored == (start + pd.Timedelta(days=RULES.ltu_horizon_days) > newest)


def test_truth_spells_equal_spells_rebuilt_from_the_written_files(clean_run):
    """The truth reuses the generator's clock; the Shared definitions applied to the written
    placements and payments (clock.build_spells) must give the same spells, hours and labels."""
    truth = pd.read_parquet(clean_run / "truth" / "spells.parquet")
    pl = read_dataset(clean_run, "placements").assign(placement_date=lambda f: pd.to_datetime(f["placement_date"]))
    pay = read_dataset(clean_run, "dagpenge_payments")
    pay = pay.assign(payment_month=pd.to_datetime(pay["payment_month"]), hours=decimal(pay["hours"]))
    spells, clock = build_spells(pl, pay, np.datetime64("2024-12", "M"))
    rebuilt = pd.concat([spells, labels(spells, clock, np.datetime64("2024-12-31"))], axis=1)

    def key(f: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame({
            "cpr": f["cpr"].astype(str).to_numpy(),
            "start": pd.to_datetime(f["spell_start"]).dt.strftime("%Y-%m-%d").to_numpy(),
            "end": pd.to_datetime(f["spell_end"]).dt.strftime("%Y-%m-%d").fillna("ongoing").to_numpy(),
            "akasse": f["akasse_code"].astype(str).to_numpy(),
            "municipality": f["municipality_code"].astype(str).to_numpy(),
            "ltu": f["ltu"].astype("Int64").astype(str).to_numpy(),
            "ltu_26w": f["ltu_26w"].astype("Int64").astype(str).to_numpy(),
            "censored": f["censored"].astype(bool).to_numpy(),
        })
        return out.sort_values(["cpr", "start"]).reset_index(drop=True)

    pd.testing.assert_frame_equal(key(truth), key(rebuilt))
    assert len(truth) == len(pl)


def test_labels_keep_a_margin_from_the_threshold(clean_run):
    """The generator keeps the clock at day 364 ~100 h away from 1539.2 h, so rounding in another
    implementation (DOUBLE sums in dbt) can never flip a label."""
    pl = read_dataset(clean_run, "placements").assign(placement_date=lambda f: pd.to_datetime(f["placement_date"]))
    pay = read_dataset(clean_run, "dagpenge_payments")
    pay = pay.assign(payment_month=pd.to_datetime(pay["payment_month"]), hours=decimal(pay["hours"]))
    spells, clock = build_spells(pl, pay, np.datetime64("2024-12", "M"))
    horizon = spells["spell_start"].to_numpy().astype("datetime64[D]") + np.timedelta64(RULES.ltu_horizon_days, "D")
    labelled = horizon <= np.datetime64("2024-12-31")
    at = clock.at(np.flatnonzero(labelled), horizon[labelled])
    assert np.abs(at - RULES.ltu_threshold_hours).min() > 50
    assert (at >= RULES.ltu_threshold_hours).any() and (at < RULES.ltu_threshold_hours).any()


def test_selfbooking_truth_matches_a_direct_count_from_the_files(clean_run):
    truth = pd.read_parquet(clean_run / "truth" / "indicators" / "fct_selfbooking_share.parquet")
    conv = read_dataset(clean_run, "conversations")
    job = conv[(conv["conversation_type"] == "job") & (conv["walk_in"] == "0")]
    direct = job.groupby(job["conversation_date"].str[:7])["booking_method"].agg(
        n_selfbooked=lambda b: (b == "selvbooket").sum(), n_conversations="size")
    nat = truth[truth["level"] == "national"].assign(m=lambda t: t["month"].astype(str).str[:7]).set_index("m")
    pd.testing.assert_series_equal(nat["n_selfbooked"], direct["n_selfbooked"], check_names=False,
                                   check_dtype=False, check_index_type=False)
    pd.testing.assert_series_equal(nat["n_conversations"], direct["n_conversations"], check_names=False,
                                   check_dtype=False, check_index_type=False)
    jc = truth[truth["level"] == "jobcenter"].groupby("month")["n_conversations"].sum()
    assert (jc.to_numpy() == truth[truth["level"] == "national"].set_index("month")["n_conversations"]
            .reindex(jc.index).to_numpy()).all()
    light = truth["traffic_light"]
    share = truth["selfbooking_share_pct"]
    assert ((light == "green") == (share > 75.0)).all() and ((light == "red") == (share < 60.0)).all()


def test_participation_truth_matches_a_direct_count_from_the_files(clean_run):
    truth = pd.read_parquet(clean_run / "truth" / "indicators" / "fct_akasse_participation.parquet")
    conv = read_dataset(clean_run, "conversations")
    for k in (2, 3):
        j = conv[conv["conversation_type"] == f"faelles_{k}"]
        nat = truth[(truth["level"] == "national") & (truth["joint_number"] == k)]
        assert nat["n_registered"].sum() == len(j)
        assert nat["n_participated"].sum() == (j["akasse_participation"] == "deltog").sum()
        assert nat["n_declined_by_citizen"].sum() == (j["akasse_participation"] == "frabedt").sum()
    assert (truth["n_registered"] == truth[["n_participated", "n_declined_by_citizen", "n_not_participated",
                                            "n_missing"]].sum(axis=1)).all()


def test_indicator_marts_have_the_documented_columns(clean_run):
    expected = {
        "fct_selfbooking_share": ["month", "level", "unit_code", "n_selfbooked", "n_summoned", "n_conversations",
                                  "selfbooking_share_pct", "traffic_light"],
        "fct_akasse_participation": ["month", "level", "unit_code", "joint_number", "n_registered",
                                     "n_participated", "n_declined_by_citizen", "n_not_participated",
                                     "n_missing", "participation_rate"],
        "fct_experiment_compliance": ["month", "level", "unit_code", "n_members", "n_cv_registered",
                                      "n_cv_within_14_days", "n_contact_conversations_3m",
                                      "avg_contact_conversations_3m", "meets_minimum_2", "n_transferred_410",
                                      "n_under25_rule", "n_under25_followed"],
        "fct_pilot_intake": ["month", "level", "unit_code", "n_target", "n_target_participants",
                             "n_participants", "n_senior_50plus", "n_non_western", "n_prior_unemployment",
                             "n_short_education"],
        "fct_joint_conversation_indicators": ["month", "level", "unit_code"] + [
            f"joint_{k}_{c}" for k in (1, 2, 3) for c in ("population", "with_conversation", "share")],
    }
    for mart, cols in expected.items():
        t = pd.read_parquet(clean_run / "truth" / "indicators" / f"{mart}.parquet")
        assert list(t.columns) == cols, mart
        assert len(t) > 0 and set(t["level"]) >= {"national"}
        assert not t.duplicated([c for c in ("month", "level", "unit_code", "joint_number") if c in cols]).any()
