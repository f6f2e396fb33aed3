"""The model card: the documentation kept with every registered version (EU AI Act, high risk).

domain.md, Data protection: label, data, metrics overall and by group, limitations and human
oversight (R-PROF-6) travel with the version, as its MLflow description and as an artifact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ltu_platform.rules import RULES


@dataclass
class CardFacts:
    label: str
    cohorts: dict[str, list[int]]
    rows: dict[str, int]
    snapshot: str
    features: list[str]
    metrics: dict[str, dict[str, float]]  # model name -> metric -> value (test cohort)
    oracle_auc: float | None
    threshold_policy: str
    threshold: float
    group_table_md: str
    origin_comparison_md: str
    risk_groups_md: str
    top_features: list[str]
    extra: dict[str, str] = field(default_factory=dict)


def _horizon(label: str) -> str:
    if label == "ltu_26w":
        return f"{RULES.ltu_short_horizon_days} days, ≥ {RULES.ltu_short_threshold_hours} hours"
    return f"{RULES.ltu_horizon_days} days, ≥ {RULES.ltu_threshold_hours} hours"


def _metrics_md(metrics: dict[str, dict[str, float]]) -> str:
    names = ["roc_auc", "pr_auc", "brier", "log_loss", "ece", "precision_at_top10", "recall_at_top10", "precision_at_top25", "recall_at_top25"]
    lines = ["| model | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for model, m in metrics.items():
        lines.append(f"| {model} | " + " | ".join(f"{m[n]:.3f}" for n in names) + " |")
    return "\n".join(lines)


def model_card(f: CardFacts) -> str:
    oracle = f"{f.oracle_auc:.3f}" if f.oracle_auc is not None else "not available (no simulator truth)"
    return f"""# ltu_risk: risk of long-term unemployment (statistical assessment, R-PROF-2..7)

**Intended use.** A standardised, statistical assessment of each newly unemployed dagpenge
recipient's risk of long-term unemployment (R-PROF-3), shown to the caseworker with its reasons
and risk group (R-PROF-5), summarised to the citizen in a receipt (R-PROF-5) and shareable with
the jobcentre together with the data used and the caseworker's own assessment (R-PROF-4).
High-risk AI system (EU AI Act Annex III: access to public assistance; profiling).

**Human oversight (R-PROF-6).** The score never decides anything. The caseworker's judgement is
decisive: the jobcentre record carries a field for the caseworker's assessment and every override
is logged (`ml.caseworker_overrides`).

## Label and horizon
`{f.label}` = 1 when cumulative dagpenge unemployment in the {_horizon(f.label)} after the spell
start (≥ 80 % of full time, after STAR's definition). Censored spells are scored, never trained on.

## Training data
Feature mart `marts.fct_risk_features`, snapshot `{f.snapshot}`. Out-of-time split by spell-start
cohort: train {f.cohorts.get('train')}, validation {f.cohorts.get('validation')} (half for early
stopping, half for calibration), test {f.cohorts.get('test')}. Rows: {f.rows}.
Features (known at the spell start only): {', '.join(f.features)}. Identifiers (person_key,
spell_key), jobcentre and a-kasse are not inputs; the funds' own questions never enter (R-PROF-3).

## At-risk flag
Policy `{f.threshold_policy}`; calibrated probability ≥ {f.threshold:.4f} flags a person at risk.

## Metrics on the test cohort
{_metrics_md(f.metrics)}

Oracle AUC (the simulator's true probability given what the platform observes — register, placement and questionnaire answers —, same test spells): {oracle}.

## By group (XGBoost, test cohort)
{f.group_table_md}

## With and without origin as a feature
{f.origin_comparison_md}

## Risk groups (segments of the score, in words)
{f.risk_groups_md}

Most important features (mean |SHAP|): {', '.join(f.top_features)}.

## Known limitations
- Trained on past cohorts; labour-market conditions change, so calibration can drift between
  cohorts (watch the ECE of each new version; the promotion gate requires ≤ the configured limit).
- The latest labelled cohort contains only spells old enough to be labelled (early in the year).
- Origin, sex and age are inputs (R-PROF-2 allows them): the group table and the comparison
  without origin show their effect. Differences in flag rates partly reflect true differences
  in risk; they must not be read as a judgement of any person.
- Questionnaire answers are missing for people who did not fill in the form; missing is
  treated as its own state.
- The score is statistical and says nothing certain about one person (R-PROF-6).

## Documentation kept with each version
Label and horizon, training data snapshot and cohorts, metrics overall and by group, fairness
comparison, limitations, human oversight; tags link the git commit, data snapshot and the
Dagster run. Artifacts: calibration plot, SHAP importance, group tables, risk-group rules.
"""
