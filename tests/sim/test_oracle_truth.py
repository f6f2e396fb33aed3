"""The oracle: ``true_probability_observable`` is the probability given what the platform sees.

The simulator draws each outcome from ``true_probability``, which holds a latent challenge that
only questionnaire answers reveal (Q03, Q05, Q09) and only for the spells with answers. The
oracle integrates the latent out over its posterior given the answers, so it must satisfy the
tower property in every group the platform can observe: within spells with the same answer,
the mean of the full-information probability equals the mean oracle. A posterior that ignored
the answers (or read them the wrong way round) fails the check for the extreme answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from tests.sim.helpers import read_dataset

# ~1,000+ spells per answer group; the spread of p around its conditional mean is ~0.1, so the
# mean difference has a standard error below 0.005: 0.02 is four of them.
TOLERANCE = 0.02


def _spells_with_q05(root) -> pd.DataFrame:
    """Truth spells with the Q05 answer given around their start (nearest start, same person)."""
    truth = pd.read_parquet(root / "truth" / "spells.parquet")
    truth["spell_start"] = pd.to_datetime(truth["spell_start"])
    answers = read_dataset(root, "questionnaire_answers")
    q05 = answers[answers["question_code"] == "Q05"][["cpr", "answered_at", "answer_code"]]
    q05 = q05.assign(answered_at=pd.to_datetime(q05["answered_at"])).sort_values("answered_at")
    spells = truth.sort_values("spell_start")
    # Answers fall from 30 days before the start to the first conversation; a person's spells are
    # months apart, so the nearest start is the answer's spell.
    linked = pd.merge_asof(q05, spells[["cpr", "spell_start"]], left_on="answered_at", right_on="spell_start",
                           by="cpr", direction="nearest")
    out = truth.merge(linked[["cpr", "spell_start", "answer_code"]], on=["cpr", "spell_start"], how="left")
    return out.assign(answer_code=out["answer_code"].fillna("none"))


@pytest.fixture(scope="module")
def spells(clean_run) -> pd.DataFrame:
    return _spells_with_q05(clean_run)


@pytest.mark.parametrize("answer", ["1", "3", "none"])
def test_the_oracle_is_the_mean_true_probability_given_the_answer(spells, answer):
    group = spells[spells["answer_code"] == answer]
    assert len(group) >= 500, len(group)
    full, oracle = group["true_probability"].mean(), group["true_probability_observable"].mean()
    assert abs(full - oracle) < TOLERANCE, (answer, full, oracle)


def test_the_answers_move_the_oracle_the_way_the_latent_moves_the_truth(spells):
    by_answer = spells.groupby("answer_code")["true_probability_observable"].mean()
    # Q05 = 3 (serious challenges) reveals a high latent, Q05 = 1 a low one (ltu_sim.profiling).
    assert by_answer["3"] > by_answer["none"] > by_answer["1"], by_answer.to_dict()


def test_the_oracle_is_calibrated_on_the_realised_outcomes(spells):
    labelled = spells[~spells["censored"]]
    deciles = pd.qcut(labelled["true_probability_observable"], 10, labels=False)
    observed = labelled.groupby(deciles)["ltu"].mean()
    expected = labelled.groupby(deciles)["true_probability_observable"].mean()
    n = labelled.groupby(deciles).size()
    se = np.sqrt(expected * (1 - expected) / n)
    assert (np.abs(observed - expected) < 4 * se + 0.005).all(), pd.DataFrame({"obs": observed, "exp": expected})


def test_the_oracle_ranks_below_full_information_and_above_the_register_alone(spells):
    labelled = spells[~spells["censored"]]
    y = labelled["ltu"].astype(int)
    oracle = roc_auc_score(y, labelled["true_probability_observable"])
    assert oracle < roc_auc_score(y, labelled["true_probability"])
    # Without the answers' information (the spells without answers) the oracle is a function of
    # the register alone; answering spells must be ranked better than those.
    answered = labelled["answer_code"] != "none"
    assert roc_auc_score(y[answered], labelled.loc[answered, "true_probability_observable"]) > roc_auc_score(
        y[~answered], labelled.loc[~answered, "true_probability_observable"])
