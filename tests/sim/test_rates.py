"""Realised rates in the written files match the configured rates (manifest) within a stated
statistical tolerance: |realised - expected| <= 4 standard errors (binomial), unless noted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ltu_platform.rules import RULES
from ltu_sim import SCALES
from ltu_sim.programmes import experiment_funds
from tests.sim.helpers import manifest, read_dataset

Z = 4.0  # standard errors of tolerance


def _within(realised_hits: float, n: int, expected_p: float) -> None:
    se = np.sqrt(expected_p * (1 - expected_p) / n)
    assert abs(realised_hits / n - expected_p) <= Z * se + 1e-9, (realised_hits / n, expected_p, n)


def _spells(root) -> pd.DataFrame:
    s = pd.read_parquet(root / "truth" / "spells.parquet")
    return s.assign(start=pd.to_datetime(s["spell_start"]),
                    end=pd.to_datetime(s["spell_end"]).fillna(pd.Timestamp("2024-12-31")))


def _link(events: pd.DataFrame, date_col: str, spells: pd.DataFrame) -> pd.DataFrame:
    e = events.assign(day=pd.to_datetime(events[date_col])).sort_values("day")
    cols = ["cpr", "start", "end", "akasse_code", "jobcenter_code"]
    return pd.merge_asof(e, spells.sort_values("start")[cols], left_on="day", right_on="start", by="cpr",
                         suffixes=("", "_spell"))


def test_ltu_base_rate_is_between_9_and_20_percent_and_matches_true_probability(clean_run):
    s = _spells(clean_run)
    labelled = s[~s["censored"]]
    rate = labelled["ltu"].astype(float).mean()
    assert 0.09 <= rate <= 0.20
    # The draw follows the true probability: mean label = mean probability (Bernoulli SE).
    p = labelled["true_probability"].to_numpy()
    se = np.sqrt((p * (1 - p)).sum()) / len(p)
    assert abs(rate - p.mean()) <= Z * se
    assert set(s["true_risk_group"].dropna()) == {"A", "B", "C"}


def test_selfbooking_share_per_traffic_light_class(clean_run):
    params = manifest(clean_run)["unit_parameters"]["jobcenters"]
    conv = read_dataset(clean_run, "conversations")
    job = conv[(conv["conversation_type"] == "job") & (conv["walk_in"] == "0")
               & (conv["conversation_date"] >= str(RULES.selfbooking_from))]
    job = job.assign(light=job["actor_code"].map(lambda j: params[j]["light"]),
                     expected=job["actor_code"].map(lambda j: params[j]["selfbooking_share"]),
                     selfbooked=job["booking_method"] == "selvbooket")
    cfg = SCALES["test"]
    for light, (lo, hi) in zip(["green", "yellow", "red"], cfg.selfbooking_ranges):
        g = job[job["light"] == light]
        assert len(g) > 100, light
        _within(g["selfbooked"].sum(), len(g), g["expected"].mean())
        assert lo - 0.05 <= g["selfbooked"].mean() <= hi + 0.05
    walk = (conv.loc[conv["conversation_type"] == "job", "walk_in"] == "1")
    _within(walk.sum(), len(walk), cfg.walk_in_rate)
    # R-BOOK-4: at most 2 self-booked job conversations per person and month.
    sb = conv[(conv["conversation_type"] == "job") & (conv["booking_method"] == "selvbooket")]
    assert sb.groupby(["cpr", sb["conversation_date"].str[:7]]).size().max() <= 2


@pytest.mark.parametrize("k, national", [(2, 0.55), (3, 0.60)])
def test_akasse_participation_in_joint_conversations(clean_run, k, national):
    m = manifest(clean_run)
    funds = m["unit_parameters"]["funds"]
    spells = _spells(clean_run)
    conv = read_dataset(clean_run, "conversations")
    joint = _link(conv[conv["conversation_type"] == f"faelles_{k}"], "conversation_date", spells)
    expected = joint["akasse_code"].map(lambda f: funds[f][f"joint_{k}_participation"]).mean()
    took_part = joint["akasse_participation"] == "deltog"
    _within(took_part.sum(), len(joint), expected)
    assert abs(took_part.mean() - national) <= m["config"]["participation_fund_spread"]
    declined = joint["akasse_participation"] == "frabedt"
    _within(declined.sum(), len(joint), m["config"]["declined_share"])


def test_cv_within_14_days_at_fund_rates(clean_run):
    funds = manifest(clean_run)["unit_parameters"]["funds"]
    spells = _spells(clean_run)
    conv = read_dataset(clean_run, "conversations")
    cv = _link(conv[conv["conversation_type"] == "cv"], "conversation_date", spells)
    # Spells cut by the newest month may lose a late CV; judge the earlier ones.
    cv = cv[cv["start"] < pd.Timestamp("2024-10-01")]
    within = (cv["day"] - cv["start"]).dt.days <= RULES.cv_within_days
    expected = cv["akasse_code"].map(lambda f: funds[f]["cv_within_14_rate"]).mean()
    _within(within.sum(), len(cv), expected)
    assert (cv["held_by"] == "akasse").all() and (cv["booking_method"] == "indkaldt").all()


def test_experiment_membership_only_in_the_nine_funds_and_four_municipalities(clean_run):
    ev = read_dataset(clean_run, "experiment_membership")
    entries = ev[ev["event_type"] == "indtraeden"]
    assert len(entries) > 50
    assert set(entries["akasse_code"]) <= set(experiment_funds()) and len(experiment_funds()) == 9
    assert set(entries["municipality_code"].astype(int)) <= set(RULES.experiment_municipalities)
    assert entries["event_date"].between(str(RULES.experiment_start), str(RULES.experiment_end)).all()
    assert (entries["reason"] == "nyindplaceret").all()
    exits = ev[ev["event_type"] == "udtraeden"]
    assert set(exits["reason"]) <= {"flytning", "skift_akasse", "udmeldelse", "forsoeg_slut", "forloeb_slut"}
    assert len(exits) == len(entries)
    # Every newly placed member of those funds living there is in (R-AK-2).
    pl = read_dataset(clean_run, "placements")
    eligible = pl[pl["akasse_code"].isin(experiment_funds())
                  & pl["municipality_code"].astype(int).isin(RULES.experiment_municipalities)
                  & pl["placement_date"].between(str(RULES.experiment_start), str(RULES.experiment_end))]
    assert len(eligible) == len(entries)
    # Contact-course conversations only for members in the experiment (clean mode, R-AK-4).
    kf = read_dataset(clean_run, "conversations").query("conversation_type == 'kontaktforloeb'")
    assert set(kf["cpr"]) <= set(entries["cpr"])


def test_contact_course_conversations_average_about_two_in_first_three_months(clean_run):
    comp = pd.read_parquet(clean_run / "truth" / "indicators" / "fct_experiment_compliance.parquet")
    nat = comp[comp["level"] == "national"]
    kf = read_dataset(clean_run, "conversations").query("conversation_type == 'kontaktforloeb'")
    per_member = len(kf) / nat["n_members"].sum()
    assert 1.2 <= per_member <= 2.6  # fund means 1.6-2.6, cut short by transfer or early exit
    assert nat["n_contact_conversations_3m"].sum() / nat["n_members"].sum() >= 2.0


def test_questionnaire_rate_and_timing(clean_run):
    cfg = SCALES["test"]
    spells = _spells(clean_run)
    answers = read_dataset(clean_run, "questionnaire_answers")
    std = answers[answers["question_code"].str.startswith("Q")]
    per_person_day = std.groupby(["cpr", "answered_at"]).size()
    assert (per_person_day % 10 == 0).all()  # all ten questions at once
    linked = _link(std.drop_duplicates(["cpr", "answered_at"]), "answered_at", spells)
    n_answering = len(std.drop_duplicates(["cpr", "answered_at"]))
    _within(n_answering, len(spells), cfg.questionnaire_rate)
    assert len(linked) == n_answering
    assert set(answers.loc[answers["question_code"].str.startswith("AK"), "akasse_code"]) <= set(cfg.fund_question_funds)


def test_pilot_participation_bounds(clean_run):
    pp = read_dataset(clean_run, "pilot_participation")
    assert len(pp) > 10
    assert pp["intake_date"].between(str(RULES.pilot_start), str(RULES.pilot_end)).all()
    price = pp["price_dkk"].str.replace(",", ".").astype(float)
    assert ((price > 0) & (price <= 5000)).all()
    s = _spells(clean_run)
    part = s[s["pilot_participant"]]
    assert (part["true_probability"] < part["true_probability_untreated"]).all()
    assert (s.loc[~s["pilot_participant"], "true_probability"] == s.loc[~s["pilot_participant"],
                                                                         "true_probability_untreated"]).all()


def test_standard_questions_inform_the_outcome_and_fund_questions_do_not(clean_run):
    """R-PROF-2/3: Q05 (challenges) tracks the latent risk; the funds' AK questions are noise."""
    from scipy.stats import chi2_contingency

    spells = _spells(clean_run)
    spells = spells[~spells["censored"]]
    answers = read_dataset(clean_run, "questionnaire_answers")
    # Answers lie in [start - 30 days, first conversation]; spells are > 31 days apart.
    a = answers.assign(day=pd.to_datetime(answers["answered_at"]) + pd.Timedelta(days=30)).sort_values("day")
    linked = pd.merge_asof(a, spells.sort_values("start")[["cpr", "start", "ltu"]], left_on="day",
                           right_on="start", by="cpr").dropna(subset=["ltu"])
    q05 = linked[linked["question_code"] == "Q05"].groupby("answer_code")["ltu"].mean()
    assert q05["1"] < q05["2"] < q05["3"]
    ak = linked[linked["question_code"] == "AK01"]
    table = pd.crosstab(ak["answer_code"], ak["ltu"])
    assert chi2_contingency(table).pvalue > 0.001
