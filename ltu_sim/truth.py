"""The ground-truth bundle (docs/architecture.md "Ground truth"), from the CLEAN events.

Spells are the generated placements in (person, start) order with the generation clock
(``ltu_sim.clock.SpellClock`` over the written payment rows): spells never share a month, so
``clock.build_spells`` on the written files gives the same spells and clock (tests/sim
check the labels against the written payments). Rebuilding them here would double the
national run's memory. Indicators link events to spells by person and date, as defined.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ltu_sim import dates, indicators
from ltu_sim.clock import labels
from ltu_sim.config import PERIOD_END
from ltu_sim.population import jobcenter_of

NEWEST_DAY = np.datetime64(PERIOD_END, "D")
SPELL_COLUMNS = ["cpr", "spell_start", "spell_end", "akasse_code", "municipality_code", "jobcenter_code",
                 "true_probability", "true_risk_group", "ltu", "ltu_26w", "censored", "pilot_participant",
                 "pilot_target", "true_probability_untreated", "true_probability_observable"]


def events(world) -> indicators.Events:
    """Clean events, spells with their attributes as of the start, linked conversations.

    The person column ``cpr`` holds the person index here (an integer is far cheaper than
    the CPR text at national scale); CPR text is put back in ``spells_truth``.
    """
    frames = world.frames
    for name in EVENT_DATASETS:  # in place: a copy of the conversations would cost memory
        frames[name]["cpr"] = frames[name]["pid"].to_numpy().astype(np.int64)
    w = world.spells  # by (person, start), the spells of world.clock
    sp = pd.DataFrame({
        "cpr": w["pid"].to_numpy().astype(np.int64), "spell_start": dates.as_days(w["spell_start"].to_numpy()),
        "spell_end": dates.as_days(w["spell_end_def"].to_numpy()), "eff_end": dates.as_days(w["eff_end"].to_numpy()),
        "akasse_code": w["akasse_code"].array, "municipality_code": w["municipality_code"].to_numpy(),
    })
    sp["jobcenter_code"] = sp["municipality_code"].map(jobcenter_of()).astype(np.int64)
    pid = sp["cpr"].to_numpy()
    start = sp["spell_start"].to_numpy()
    persons = frames["persons"]  # row = person index
    sp["age"] = dates.whole_years_between(dates.as_days(persons["birth_date"].to_numpy()[pid]), start)
    sp["origin"] = persons["origin"].to_numpy()[pid]
    # Register as of the start: person_year of year(start) - 1, found by a sorted int key.
    py = frames["person_year"]
    row = _lookup(py["pid"].to_numpy().astype(np.int64) * 10_000 + py["year"].to_numpy(),
                  pid * 10_000 + dates.year_of(start) - 1)
    found = row >= 0
    sp["education_level"] = np.where(found, py["education_level"].to_numpy()[row], None)
    sp["education_vocational"] = np.where(found, py["education_vocational"].to_numpy()[row], None)
    sp["children_in_custody"] = np.where(found, py["children_in_custody"].to_numpy()[row], np.nan)
    sp["prior_spell"] = np.r_[False, pid[1:] == pid[:-1]]
    conv = frames["conversations"]
    conv["spell"] = indicators.link_to_spells(sp, conv, "conversation_date")
    if (conv["spell"] < 0).any():
        conv = conv[conv["spell"] >= 0].reset_index(drop=True)
    return indicators.Events(sp, world.clock, conv, frames, NEWEST_DAY)


# Landing datasets the indicators link to spells by person.
EVENT_DATASETS = ("conversations", "experiment_membership", "pilot_participation", "profile_assessments",
                  "income_support_periods")


def _lookup(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Row of each wanted key in ``keys`` (unique), -1 where absent."""
    order = None if bool(np.all(keys[1:] > keys[:-1])) else np.argsort(keys, kind="stable")
    sorted_keys = keys if order is None else keys[order]
    pos = np.minimum(np.searchsorted(sorted_keys, wanted), max(len(keys) - 1, 0))
    hit = (len(keys) > 0) & (sorted_keys[pos] == wanted) if len(keys) else np.zeros(len(wanted), bool)
    row = pos if order is None else order[pos]
    return np.where(hit, row, -1)


def spells_truth(world, ev: indicators.Events) -> pd.DataFrame:
    sp = ev.spells
    g = world.spells  # same rows, same order as ev.spells
    out = sp[["cpr", "spell_start", "spell_end", "akasse_code", "municipality_code", "jobcenter_code"]].copy()
    out["true_probability"] = g["true_probability"].to_numpy()
    out["true_risk_group"] = g["true_risk_group"].to_numpy()
    out = pd.concat([out, labels(sp, ev.clock, NEWEST_DAY)], axis=1)
    units = indicators.pilot_units(ev)
    out["pilot_participant"] = np.isin(np.arange(len(sp)), units.loc[units["participant"], "spell"])
    out["pilot_target"] = np.isin(np.arange(len(sp)), units.loc[units["target"], "spell"])
    out["true_probability_untreated"] = g["true_probability_untreated"].to_numpy()
    out["true_probability_observable"] = g["true_probability_observable"].to_numpy()
    out["cpr"] = world.persons.cpr[out["cpr"].to_numpy()].astype(object)
    out["akasse_code"] = out["akasse_code"].astype(object)
    return out[SPELL_COLUMNS]


def pilot_effect(world, spells: pd.DataFrame) -> dict:
    """ATT of the pilot on the probability of LTU among at-risk (target) participants."""
    treated = spells["pilot_participant"] & spells["pilot_target"]
    att = float((spells.loc[treated, "true_probability_untreated"] - spells.loc[treated, "true_probability"]).mean())
    all_p = spells["pilot_participant"]
    return {
        "att_probability_reduction": att,
        "att_definition": "mean over target participants (newly unemployed, assessed at risk, R-PILOT-1/2) of "
                          "true_probability_untreated - true_probability",
        "n_target_participants": int(treated.sum()),
        "n_participants": int(all_p.sum()),
        "mean_effect_all_participants": float(
            (spells.loc[all_p, "true_probability_untreated"] - spells.loc[all_p, "true_probability"]).mean()),
        "logit_shift": world.config.pilot_effect_logit,
        "construction": "true_probability = expit(logit(true_probability_untreated) + logit_shift) for "
                        "participants; participation depends on age < 30, non-western origin, education and "
                        "benefit history (selection on observables), so naive comparisons are biased.",
    }


def _write_parquet(frame: pd.DataFrame, path: Path, date_cols: tuple[str, ...] = ()) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for col in date_cols:
        i = table.schema.get_field_index(col)
        table = table.set_column(i, col, pa.array(dates.as_days(frame[col]), type=pa.date32(),
                                                  mask=np.isnat(dates.as_days(frame[col]))))
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def write(truth_dir: Path, world) -> list[str]:
    """Indicator marts, spells and the pilot effect, from the clean ``world.frames``."""
    truth_dir = Path(truth_dir)
    ev = events(world)
    written = []
    for name, fn in indicators.MARTS.items():
        mart = fn(ev)
        sort_cols = [c for c in ["month", "level", "unit_code", "joint_number"] if c in mart.columns]
        mart = mart.sort_values(sort_cols, kind="stable").reset_index(drop=True)
        _write_parquet(mart, truth_dir / "indicators" / f"{name}.parquet", ("month",))
        written.append(f"indicators/{name}.parquet")
    spells = spells_truth(world, ev)
    _write_parquet(spells, truth_dir / "spells.parquet", ("spell_start", "spell_end"))
    written.append("spells.parquet")
    (truth_dir / "pilot_effect.json").write_text(json.dumps(pilot_effect(world, spells), indent=2), encoding="utf-8")
    written.append("pilot_effect.json")
    return written


def write_defects(truth_dir: Path, defect_log: pd.DataFrame) -> list[str]:
    _write_parquet(defect_log, Path(truth_dir) / "defects.parquet")
    return ["defects.parquet"]

