"""``simulate()``: generate the world, write the landing zone and the ground-truth bundle."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ltu_sim import conversations, dates, datasets, outcomes, profiling, programmes, spells, truth
from ltu_sim import defects as defects_module
from ltu_sim.config import PERIOD_END, PERIOD_START, SimulationConfig, config_for
from ltu_sim.clock import SpellClock
from ltu_sim.population import Persons, draw_persons
from ltu_sim.writer import write_dataset

LAST_DAY = np.datetime64(PERIOD_END, "D")
# Spells per person on average (repeat spells), to size the population for spells_per_year.
SPELLS_PER_PERSON = 1.3


TRUTH_REGISTER_COLUMNS = ["pid", "year", "education_level", "education_vocational", "children_in_custody"]
TRUTH_SPELL_COLUMNS = ["pid", "spell_start", "eff_end", "spell_end_def", "akasse_code", "municipality_code",
                       "jobcenter_code",
                       "is_experiment_member", "true_probability", "true_probability_untreated",
                       "true_probability_observable", "true_risk_group"]


# Landing datasets in manifest order.
DATASETS = ["persons", "person_year", "income_support_periods", "placements", "dagpenge_payments",
            "profile_assessments", "questionnaire_answers", "conversations", "experiment_membership",
            "pilot_participation"]


class Landing:
    """Writes each landing dataset as soon as it is final, so it need not stay in memory, and
    keeps the manifest entries (files in ``DATASETS`` order, row counts)."""

    def __init__(self, root: Path, file_format: str, log):
        if file_format not in ("csv", "parquet"):
            raise ValueError(f"file_format must be csv or parquet, not {file_format!r}")
        self.root, self.file_format, self.log = Path(root), file_format, log
        self.cpr: pa.Array | None = None
        self.entries: dict[str, list[dict]] = {}
        self.counts: dict[str, int] = {}

    def set_persons(self, cpr: np.ndarray) -> None:
        """CPR text of each person index (frames carry ``pid``); converted to Arrow once."""
        self.cpr = pa.array(cpr, type=pa.string())

    def write(self, name: str, frame: pd.DataFrame) -> None:
        self.entries[name] = write_dataset(self.root, name, frame, self.cpr, self.file_format, self.log,
                                           datasets.ID_COLUMNS.get(name))
        self.counts[name] = int(len(frame))
        self.log(f"wrote {name}: {len(frame):,} rows")

    def files(self) -> list[dict]:
        return [e for name in DATASETS for e in self.entries[name]]


@dataclass
class World:
    """The clean simulated events, before any registration defect."""

    config: SimulationConfig
    seed: int
    persons: Persons
    spells: pd.DataFrame  # one row per spell, by (person, start): generation-side facts and truth
    clock: SpellClock | None  # the clock of those spells (rows by spell, then month)
    payments: tuple[np.ndarray, ...] | None  # (spell, month, hours), the clock's rows
    frames: dict[str, pd.DataFrame]  # landing datasets the truth reads, clean
    unit_parameters: dict
    intercept: float


def build_world(config: SimulationConfig, seed: int, landing: Landing, log=None) -> World:
    """All clean events, in the order their dependencies require (see spells.generate).

    The questionnaire answers and person-years are written to ``landing`` at once (the truth
    reads only a few person-year columns); payments stay arrays (``World.payments``) until
    the truth is done; the other datasets are returned in ``World.frames``.
    """
    log = log or (lambda msg: None)
    n_persons = int(round(config.spells_per_year * 10 / SPELLS_PER_PERSON))
    persons = draw_persons(config, n_persons, seed, spells.first_starts(n_persons, seed))
    landing.set_persons(persons.cpr)
    state = spells.generate(config, persons, seed, progress=log)
    sp, pays = _spells_by_person(state)
    support = pd.concat(state.support, ignore_index=True)
    intercept, dagpenge_weeks = state.intercept, state.dagpenge_weeks
    del state  # frees the per-round blocks
    sp["akasse_code"] = pd.Categorical(sp["akasse_code"])

    real_end = np.minimum(dates.as_days(sp["real_end"].to_numpy()), LAST_DAY)
    last_month = dates.month_of(real_end)
    ongoing = last_month == np.datetime64(PERIOD_END, "M")
    sp["spell_end_def"] = np.where(ongoing, np.datetime64("NaT"), dates.month_end(last_month))
    sp["eff_end"] = dates.month_end(last_month)
    # Spells never share a month (>= 1 month without payment between them), so this clock is
    # the one the Shared definitions give from the written placements and payments; the truth
    # reuses it (tests/sim recompute the labels from the written files).
    clock = SpellClock.build(dates.as_days(sp["spell_start"].to_numpy()), dates.as_days(sp["eff_end"].to_numpy()),
                             *pays)
    log(f"spells: {len(sp):,}; payments: {len(pays[0]):,}")
    events = programmes.experiment_events(sp, config, seed)
    sp["under25_rule"] = programmes.under25_rule(sp)
    sp["transfer_day"] = programmes.transfer_day(clock, len(sp))
    params = conversations.unit_parameters(config, seed)
    conv = conversations.generate(sp, clock, params, config, seed)
    log(f"conversations: {len(conv):,}")
    first_conv = conv.groupby("spell")["conversation_date"].min().reindex(np.arange(len(sp))).to_numpy()
    answers = profiling.questionnaire(sp, first_conv.astype("datetime64[D]"), config,
                                      np.random.default_rng([seed, 12]))
    landing.write("questionnaire_answers", datasets.answers_frame(answers, sp))
    sp["true_probability_observable"] = outcomes.observable_probability(
        sp["true_probability"].to_numpy(), sp["latent"].to_numpy(), profiling.informative_answers(answers, len(sp)))
    del answers
    person_year = datasets.person_year_frame(persons, sp, dagpenge_weeks, seed)
    landing.write("person_year", person_year)
    frames = {
        "persons": datasets.persons_frame(persons),
        # The truth reads only the register as of the start from it.
        "person_year": person_year[TRUTH_REGISTER_COLUMNS].copy(),
        "income_support_periods": datasets.support_frame(support),
        "placements": datasets.placements_frame(sp),
        "profile_assessments": datasets.assessments_frame(sp),
        "conversations": datasets.conversations_frame(conv, sp),
        "experiment_membership": datasets.experiment_frame(events),
        "pilot_participation": datasets.pilot_frame(sp),
    }
    del person_year, support
    log("landing frames built")
    # Keep only what truth and defects read.
    sp = sp[TRUTH_SPELL_COLUMNS]
    return World(config, seed, persons, sp, clock, pays, frames, params, intercept)


def _spells_by_person(state: spells.SpellState) -> tuple[pd.DataFrame, tuple[np.ndarray, ...]]:
    """All rounds' spells in (person, start) order and their payments (spell, month, hours)
    sorted by spell then month: the spell order of the truth and the row order of the clock."""
    sizes = np.array([len(b) for b in state.spells])
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    sp = pd.concat(state.spells, ignore_index=True)
    order = np.lexsort((dates.as_days(sp["spell_start"].to_numpy()), sp["pid"].to_numpy()))
    sp = sp.take(order).reset_index(drop=True)
    # Payment rows are by spell within each round, months ascending: move whole spell blocks.
    old_spell = np.concatenate([p[0].astype(np.int64) + off for p, off in zip(state.payments, offsets)])
    n_rows = np.bincount(old_spell, minlength=len(order))
    del old_spell
    first_old = np.r_[0, np.cumsum(n_rows)[:-1]][order]
    n_new = n_rows[order]
    first_new = np.r_[0, np.cumsum(n_new)[:-1]]
    take = np.repeat(first_old - first_new, n_new) + np.arange(n_new.sum())
    month = np.concatenate([p[1] for p in state.payments])[take]
    hours = np.concatenate([p[2] for p in state.payments])[take]
    spell = np.repeat(np.arange(len(order), dtype=np.int32), n_new)
    return sp, (spell, month, hours)


def simulate(landing_dir: Path, truth_dir: Path, scale: str = "test", seed: int = 42,
             defects: str = "clean", spells_per_year: int | None = None,
             file_format: str = "csv", progress: bool = False) -> dict:
    """Write a landing zone and its ground truth; returns the manifest (also in truth_dir).

    Order keeps the national scale within memory: each dataset is written once final; the
    truth is computed from the clean frames; only then are defects applied (in place) to the
    two datasets they touch, which are written last.
    """
    if defects not in ("clean", "default"):
        raise ValueError(f"defects must be 'clean' or 'default', not {defects!r}")
    config = config_for(scale, spells_per_year)
    truth_dir = Path(truth_dir)
    log = _progress(progress)
    landing = Landing(Path(landing_dir), file_format, log)
    world = build_world(config, seed, landing, log)
    for name, frame in world.frames.items():
        if name not in defects_module.DATASETS and name not in landing.entries:
            landing.write(name, frame)
    truth_files = truth.write(truth_dir, world)
    log("truth written")
    frames = {"conversations": world.frames.pop("conversations")}
    world.frames.clear()
    world.clock = None
    frames["dagpenge_payments"] = datasets.payments_frame(*world.payments, world.spells)
    world.payments = None
    for frame in frames.values():
        if "cpr" in frame.columns:  # the truth's person column
            del frame["cpr"]
    if defects == "default":
        frames, defect_log = defects_module.inject(frames, world.spells, config, seed)
    else:
        defect_log = defects_module.empty_log()
    for name in defects_module.DATASETS:
        landing.write(name, frames.pop(name))
    truth_files += truth.write_defects(truth_dir, defect_log)
    manifest = {
        "scale": config.scale, "seed": seed, "defects": defects, "file_format": file_format,
        "period": {"start": PERIOD_START.isoformat(), "end": PERIOD_END.isoformat()},
        "config": config.as_dict(),
        "outcome_intercept": world.intercept,
        "unit_parameters": world.unit_parameters,
        "pilot_jobcenters": [int(j) for j in programmes.pilot_jobcenters(seed, config.pilot_n_jobcenters)],
        "counts": landing.counts,
        "files": landing.files(),
        "truth_files": truth_files,
    }
    truth_dir.mkdir(parents=True, exist_ok=True)
    (truth_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str),
                                             encoding="utf-8")
    return manifest


def _progress(enabled: bool):
    """A message logger, silent when disabled."""
    if not enabled:
        return lambda msg: None
    from tqdm import tqdm

    return lambda msg: tqdm.write(msg)
