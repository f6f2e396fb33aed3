"""``simulate()``: generate the world, write the landing zone and the ground-truth bundle."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ltu_sim import conversations, dates, datasets, defects, profiling, programmes, spells, truth
from ltu_sim.config import PERIOD_END, PERIOD_START, SimulationConfig, config_for
from ltu_sim.clock import SpellClock
from ltu_sim.population import Persons, draw_persons
from ltu_sim.writer import write_dataset

LAST_DAY = np.datetime64(PERIOD_END, "D")
# Spells per person on average (repeat spells), to size the population for spells_per_year.
SPELLS_PER_PERSON = 1.3


TRUTH_SPELL_COLUMNS = ["pid", "spell_start", "eff_end", "spell_end_def", "akasse_code", "jobcenter_code",
                       "is_experiment_member", "true_probability", "true_probability_untreated", "true_risk_group"]


@dataclass
class World:
    """The clean simulated events, before any registration defect."""

    config: SimulationConfig
    seed: int
    persons: Persons
    spells: pd.DataFrame  # one row per spell, generation-side facts and truth
    clock: SpellClock | None  # the generation clock (dropped once conversations exist)
    frames: dict[str, pd.DataFrame]  # landing datasets, clean
    unit_parameters: dict
    intercept: float


def build_world(config: SimulationConfig, seed: int, log=None) -> World:
    """All clean events, in the order their dependencies require (see spells.generate)."""
    log = log or (lambda msg: None)
    n_persons = int(round(config.spells_per_year * 10 / SPELLS_PER_PERSON))
    persons = draw_persons(config, n_persons, seed, spells.first_starts(n_persons, seed))
    state = spells.generate(config, persons, seed, progress=log)
    sp = pd.concat(state.spells, ignore_index=True)
    offsets = np.cumsum([0] + [len(b) for b in state.spells[:-1]])
    pays = pd.concat([p.assign(spell=p["block_row"].to_numpy().astype(np.int64) + off).drop(columns="block_row")
                      for p, off in zip(state.payments, offsets)], ignore_index=True)
    support = pd.concat(state.support, ignore_index=True)
    intercept, dagpenge_weeks = state.intercept, state.dagpenge_weeks
    del state  # frees the per-round blocks
    # Rows are already by spell (blocks in order, months ascending within a spell).
    sp["akasse_code"] = pd.Categorical(sp["akasse_code"])

    real_end = np.minimum(dates.as_days(sp["real_end"].to_numpy()), LAST_DAY)
    last_month = dates.month_of(real_end)
    ongoing = last_month == np.datetime64(PERIOD_END, "M")
    sp["spell_end_def"] = np.where(ongoing, np.datetime64("NaT"), dates.month_end(last_month))
    sp["eff_end"] = dates.month_end(last_month)
    clock = SpellClock.build(dates.as_days(sp["spell_start"].to_numpy()), dates.as_days(sp["eff_end"].to_numpy()),
                             pays["spell"].to_numpy(), pays["payment_month"].to_numpy().astype("datetime64[M]"),
                             pays["hours"].to_numpy())
    log(f"spells: {len(sp):,}; payments: {len(pays):,}")
    events = programmes.experiment_events(sp, config, seed)
    sp["under25_rule"] = programmes.under25_rule(sp)
    sp["transfer_day"] = programmes.transfer_day(clock, len(sp))
    params = conversations.unit_parameters(config, seed)
    conv = conversations.generate(sp, clock, params, config, seed)
    log(f"conversations: {len(conv):,}")
    first_conv = conv.groupby("spell")["conversation_date"].min().reindex(np.arange(len(sp))).to_numpy()
    answers = profiling.questionnaire(sp, first_conv.astype("datetime64[D]"), config,
                                      np.random.default_rng([seed, 12]))
    log(f"questionnaire answers: {len(answers):,}")
    frames = {
        "persons": datasets.persons_frame(persons),
        "person_year": datasets.person_year_frame(persons, sp, dagpenge_weeks, seed),
        "income_support_periods": datasets.support_frame(support),
        "placements": datasets.placements_frame(sp),
        "dagpenge_payments": datasets.payments_frame(pays, sp),
        "profile_assessments": datasets.assessments_frame(sp),
        "questionnaire_answers": datasets.answers_frame(answers, sp),
        "conversations": datasets.conversations_frame(conv, sp),
        "experiment_membership": datasets.experiment_frame(events),
        "pilot_participation": datasets.pilot_frame(sp),
    }
    log("landing frames built")
    # Keep only what truth and defects read; the generation clock is rebuilt by truth.
    sp = sp[TRUTH_SPELL_COLUMNS]
    return World(config, seed, persons, sp, None, frames, params, intercept)


def simulate(landing_dir: Path, truth_dir: Path, scale: str = "test", seed: int = 42,
             defects: str = "clean", spells_per_year: int | None = None,
             file_format: str = "csv", progress: bool = False) -> dict:
    """Write a landing zone and its ground truth; returns the manifest (also in truth_dir)."""
    if defects not in ("clean", "default"):
        raise ValueError(f"defects must be 'clean' or 'default', not {defects!r}")
    config = config_for(scale, spells_per_year)
    landing_dir, truth_dir = Path(landing_dir), Path(truth_dir)
    log, bar = _progress(progress)
    world = build_world(config, seed, log)
    frames, defect_log = (world.frames, defects_empty()) if defects == "clean" else \
        defects_apply(world)
    files = []
    counts = {name: int(len(f)) for name, f in frames.items()}
    for name, frame in bar(list(frames.items()), "write landing"):
        files += write_dataset(landing_dir, name, frame, world.persons.cpr, file_format, log,
                               datasets.ID_COLUMNS.get(name))
        log(f"wrote {name}: {len(frame):,} rows")
    del frames
    # Truth needs neither the answers nor most register columns: free them first.
    world.frames.pop("questionnaire_answers")
    truth_files = truth.write(truth_dir, world, defect_log)
    manifest = {
        "scale": config.scale, "seed": seed, "defects": defects, "file_format": file_format,
        "period": {"start": PERIOD_START.isoformat(), "end": PERIOD_END.isoformat()},
        "config": config.as_dict(),
        "outcome_intercept": world.intercept,
        "unit_parameters": world.unit_parameters,
        "pilot_jobcenters": [int(j) for j in programmes.pilot_jobcenters(seed, config.pilot_n_jobcenters)],
        "counts": counts,
        "files": files,
        "truth_files": truth_files,
    }
    truth_dir.mkdir(parents=True, exist_ok=True)
    (truth_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str),
                                             encoding="utf-8")
    return manifest


def defects_empty() -> pd.DataFrame:
    return defects.empty_log()


def defects_apply(world: World):
    return defects.inject(world.frames, world.spells, world.config, world.seed)


def _progress(enabled: bool):
    """(log, bar): a message logger and a progress-bar wrapper, silent when disabled."""
    if not enabled:
        return (lambda msg: None), (lambda items, desc: items)
    from tqdm import tqdm

    return (lambda msg: tqdm.write(msg)), (lambda items, desc: tqdm(items, desc=desc))
