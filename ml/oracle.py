"""The simulator's ground truth, joined to spells for reference only (never a feature).

The oracle is the simulator's probability of long-term unemployment given what the platform
observes (``true_probability_observable``: the register, the placement and the questionnaire
answers, with the unobserved latent challenge integrated out). Its AUC on the same test spells
is the best any model of the feature mart could reach in expectation, against which the
model's AUC is judged. The probability given the latent too (``true_probability``) is what no
model of the mart can see; it is reported beside it as the full-information reference.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ltu_platform.pseudonym import person_keys

TRUTH_SPELLS = "spells.parquet"


ORACLE_COLUMN = "true_probability_observable"


def load_true_probabilities(truth_dir: Path, column: str = ORACLE_COLUMN) -> pd.DataFrame | None:
    """``person_key, spell_start, true_probability`` from the truth bundle, or None if absent.

    ``true_probability`` holds the truth's ``column``: the oracle by default.
    """
    path = Path(truth_dir) / TRUTH_SPELLS
    if not path.exists():
        return None
    truth = pd.read_parquet(path, columns=["cpr", "spell_start", column])
    return pd.DataFrame(
        {
            "person_key": person_keys(truth["cpr"].astype(str)),
            "spell_start": pd.to_datetime(truth["spell_start"]).dt.normalize(),
            "true_probability": truth[column].astype(float),
        }
    )


def true_probability_for(spells: pd.DataFrame, truth: pd.DataFrame) -> np.ndarray:
    """The true probability of each spell (NaN where the truth has no such spell)."""
    keys = pd.DataFrame(
        {"person_key": spells["person_key"].to_numpy(), "spell_start": pd.to_datetime(spells["spell_start"]).dt.normalize().to_numpy()}
    )
    joined = keys.merge(truth, on=["person_key", "spell_start"], how="left", validate="many_to_one")
    return joined["true_probability"].to_numpy()
