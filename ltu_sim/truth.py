"""The ground-truth bundle (docs/architecture.md "Ground truth"), from the CLEAN events.

Spells, clock and labels are rebuilt from the clean placements and payments with
``ltu_sim.clock`` (not copied from the generator's internals), so the labels in truth are
those of the written data by the domain's definition.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ltu_sim import dates, indicators
from ltu_sim.clock import build_spells, labels
from ltu_sim.config import PERIOD_END
from ltu_sim.population import jobcenter_of

NEWEST_DAY = np.datetime64(PERIOD_END, "D")
SPELL_COLUMNS = ["cpr", "spell_start", "spell_end", "akasse_code", "municipality_code", "jobcenter_code",
                 "true_probability", "true_risk_group", "ltu", "ltu_26w", "censored", "pilot_participant",
                 "pilot_target", "true_probability_untreated"]


def events(world) -> indicators.Events:
    """Clean events, spells with their attributes as of the start, linked conversations.

    The person column ``cpr`` holds the person index here (an integer is far cheaper than
    the CPR text at national scale); CPR text is put back in ``spells_truth``.
    """
    frames = world.frames
    for f in frames.values():  # in place: a copy of every frame would double the memory
        f["cpr"] = f["pid"].to_numpy().astype(np.int64)
    sp, clock = build_spells(frames["placements"], frames["dagpenge_payments"], np.datetime64(PERIOD_END, "M"))
    jc = jobcenter_of()
    sp["jobcenter_code"] = sp["municipality_code"].map(jc).astype(np.int64)
    persons = frames["persons"].set_index("cpr")
    start = dates.as_days(sp["spell_start"])
    sp["age"] = dates.whole_years_between(dates.as_days(persons.loc[sp["cpr"], "birth_date"]), start)
    sp["origin"] = persons.loc[sp["cpr"], "origin"].to_numpy()
    py = frames["person_year"].set_index(["cpr", "year"])
    reg = py.reindex(pd.MultiIndex.from_arrays([sp["cpr"], dates.year_of(start) - 1]))
    for col in ("education_level", "education_vocational", "children_in_custody"):
        sp[col] = reg[col].to_numpy()
    sp["prior_spell"] = sp["cpr"].shift(1).to_numpy() == sp["cpr"].to_numpy()
    conv = frames["conversations"]
    conv = conv.assign(spell=indicators.link_to_spells(sp, conv, "conversation_date"))
    conv = conv[conv["spell"] >= 0].reset_index(drop=True)
    return indicators.Events(sp, clock, conv, frames, NEWEST_DAY)


def spells_truth(world, ev: indicators.Events) -> pd.DataFrame:
    sp = ev.spells
    out = sp[["cpr", "spell_start", "spell_end", "akasse_code", "municipality_code", "jobcenter_code"]].copy()
    gen = world.spells.set_index(["pid", dates.as_days(world.spells["spell_start"])])
    g = gen.reindex(pd.MultiIndex.from_arrays([sp["cpr"], dates.as_days(sp["spell_start"])]))
    out["true_probability"] = g["true_probability"].to_numpy()
    out["true_risk_group"] = g["true_risk_group"].to_numpy()
    out = pd.concat([out, labels(sp, ev.clock, NEWEST_DAY)], axis=1)
    units = indicators.pilot_units(ev)
    out["pilot_participant"] = np.isin(np.arange(len(sp)), units.loc[units["participant"], "spell"])
    out["pilot_target"] = np.isin(np.arange(len(sp)), units.loc[units["target"], "spell"])
    out["true_probability_untreated"] = g["true_probability_untreated"].to_numpy()
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


def write(truth_dir: Path, world, defect_log: pd.DataFrame) -> list[str]:
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
    _write_parquet(defect_log, truth_dir / "defects.parquet")
    written.append("defects.parquet")
    return written

