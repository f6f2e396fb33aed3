"""Assemble every table of a publication from the warehouse, before suppression.

Indicator marts and the registration-quality mart are required. The model-monitoring and
evaluation tables need the model's scores and the spell marts; when a source is missing the
tables are omitted and the reason goes into the manifest (nothing is dropped silently).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from ltu_platform.contracts import SEEDS_DIR
from ltu_platform.publish import sources
from ltu_platform.publish.evaluation import champion, experiment, model_monitoring, pilot
from ltu_platform.publish.suppression import Link, TableSpec
from ltu_platform.publish.tables import (
    INDICATOR_MARTS,
    MONITORING_LINKS,
    REGISTRATION_QUALITY,
)

COURSES = "marts.fct_contact_courses"
FEATURES = "marts.fct_risk_features"
SCORE_COLUMNS = ("probability", "score", "risk_score")  # first present is the model's score


@dataclass
class Assembled:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    specs: dict[str, TableSpec] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    omitted: dict[str, str] = field(default_factory=dict)
    # published as they are: one-row results of big groups (effects, pilot estimate)
    unsuppressed: dict[str, pd.DataFrame] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, df: pd.DataFrame, spec: TableSpec, description: str) -> None:
        self.tables[name] = df
        self.specs[name] = spec
        self.descriptions[name] = description


def assemble(
    con: duckdb.DuckDBPyConnection,
    bootstrap_replicates: int = 200,
    champion_tracking_uri: str | None = None,
) -> Assembled:
    """All tables before suppression. With ``champion_tracking_uri`` the registered champion
    scores the newest labelled cohort for calibration and fairness (evaluation/champion.py);
    without it, labelled rows of ``ml.risk_scores`` are used if there are any."""
    out = Assembled()
    for mart in (*INDICATOR_MARTS, REGISTRATION_QUALITY):
        df = sources.read_relation(con, mart.relation)
        out.add(mart.name, df, mart.spec, f"{mart.description} ({', '.join(mart.rules)})")
    courses = _optional(con, COURSES, out)
    features = _optional(con, FEATURES, out)
    scores = sources.read_risk_scores(con)
    out.facts["model_version"] = sources.model_version(scores)
    if courses is None or features is None:
        out.omitted["model monitoring"] = "the spell marts are missing"
    else:
        if scores is None:
            out.omitted["model monitoring"] = "ml.risk_scores is not in the warehouse"
        else:
            _add_monitoring(out, _scored_spells(scores, courses, features))
        labelled = _labelled_scores(out, scores, features, champion_tracking_uri)
        if labelled is not None:
            _add_calibration(out, _scored_spells(labelled, courses, features))
        out.links.extend(MONITORING_LINKS)  # links to absent tables are ignored
    if courses is not None:
        _add_experiment(out, courses)
    if courses is not None and features is not None:
        _add_pilot(out, courses, features, bootstrap_replicates)
    return out


def _optional(con: duckdb.DuckDBPyConnection, relation: str, out: Assembled) -> pd.DataFrame | None:
    try:
        return sources.read_relation(con, relation)
    except sources.MissingSource as exc:
        out.omitted[relation] = str(exc)
        return None


def _scored_spells(
    scores: pd.DataFrame, courses: pd.DataFrame, features: pd.DataFrame
) -> pd.DataFrame:
    score_col = next((c for c in SCORE_COLUMNS if c in scores.columns), None)
    if score_col is None or "spell_key" not in scores.columns:
        raise sources.MissingSource(
            f"ml.risk_scores needs spell_key and one of {SCORE_COLUMNS}; has {list(scores.columns)}"
        )
    df = scores[["spell_key", score_col, *(["at_risk"] if "at_risk" in scores else [])]]
    df = df.rename(columns={score_col: "probability"})
    df = df.merge(
        courses[["spell_key", "spell_start", "jobcenter_code", "ltu", "censored"]],
        on="spell_key", how="inner",
    ).merge(features[["spell_key", "sex", "origin", "age"]], on="spell_key", how="left")
    if "at_risk" not in df:
        df["at_risk"] = False
    start = pd.to_datetime(df["spell_start"])
    df["month"] = start.dt.to_period("M").dt.to_timestamp()
    df["cohort"] = start.dt.year
    return df


def _add_monitoring(out: Assembled, scored: pd.DataFrame) -> None:
    mm = model_monitoring
    out.add("model_at_risk_share", mm.at_risk_share(scored), mm.AT_RISK_SPEC,
            "Share of spells flagged at risk by the model, per jobcentre and start month")
    out.add("model_score_drift", mm.score_drift(scored), mm.DRIFT_SPEC,
            "Population stability index of the scores against the month before")


def _labelled_scores(
    out: Assembled, scores: pd.DataFrame | None, features: pd.DataFrame, tracking_uri: str | None
) -> pd.DataFrame | None:
    if tracking_uri is not None:
        try:
            labelled = champion.score_newest_labelled_cohort(features, tracking_uri)
        except Exception as exc:  # MLflow down or no champion: publish the rest, say why
            out.omitted["model calibration"] = f"champion not scored: {type(exc).__name__}: {exc}"
            return None
        out.facts["calibration_model_version"] = labelled["model_version"].iloc[0] if len(
            labelled) else None
        return labelled
    if scores is not None:
        known = scores.merge(features[["spell_key", "ltu", "censored"]], on="spell_key")
        known = known[~known["censored"].astype(bool) & known["ltu"].notna()]
        if len(known):
            return scores[scores["spell_key"].isin(known["spell_key"])]
    out.omitted["model calibration"] = "no scores of labelled spells (no champion to score them)"
    return None


def _add_calibration(out: Assembled, scored: pd.DataFrame) -> None:
    mm = model_monitoring
    cohort = mm.newest_labelled_cohort(scored)
    if cohort is None:
        out.omitted["model calibration"] = "no labelled (uncensored) scored spells yet"
        return
    calib = mm.calibration(scored, cohort)
    out.add("model_calibration", calib, mm.CALIBRATION_SPEC,
            f"Observed vs predicted long-term unemployment by score decile, cohort {cohort}")
    out.add("model_fairness", mm.fairness(scored, cohort), mm.FAIRNESS_SPEC,
            f"Selection, observed and predicted rates by sex, origin and age, cohort {cohort}")
    out.facts["calibration_cohort"] = cohort
    out.facts["expected_calibration_error"] = mm.expected_calibration_error(calib)


def _add_experiment(out: Assembled, courses: pd.DataFrame) -> None:
    spells = experiment.experiment_spells(courses, experiment_funds())
    if spells.empty:
        out.omitted["a-kasse experiment"] = "no spells started in the experiment period"
        return
    out.add("eval_akasse_experiment_groups", experiment.group_table(spells),
            experiment.GROUP_SPEC,
            "A-kasse experiment outcomes by design cell (fund × municipality), R-AK-5/6/9")
    out.unsuppressed["eval_akasse_experiment_effects"] = experiment.effects(spells)
    out.descriptions["eval_akasse_experiment_effects"] = (
        "Experiment minus comparison groups and difference-in-differences, 95 % CI"
    )


def experiment_funds() -> set[str]:
    """The experiment funds (R-AK-1) from the reference seed akasser.csv (in_experiment)."""
    with (SEEDS_DIR / "akasser.csv").open(encoding="utf-8") as f:
        return {r["akasse_code"] for r in csv.DictReader(f) if r["in_experiment"].lower() == "true"}


def _add_pilot(out: Assembled, courses: pd.DataFrame, features: pd.DataFrame,
               replicates: int) -> None:
    frame = pilot.analysis_frame(courses, features)
    try:
        effect = pilot.estimate_att(frame, replicates=replicates)
    except pilot.PilotDesignError as exc:
        out.omitted["pilot effect"] = str(exc)
        return
    out.unsuppressed["eval_pilot_effect"] = effect.as_frame()
    out.descriptions["eval_pilot_effect"] = (
        "Effect of pilot participation on long-term unemployment (ATT) with 95 % CI"
    )
