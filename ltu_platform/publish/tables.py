"""The tables a publication holds, where they come from, and how each is protected.

Column names follow docs/architecture.md ("Indicator definitions"); the disclosure roles of
the columns (person count, ratio, derived value) are declared once here for suppression.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from ltu_platform.publish.suppression import Link, TableSpec

INDICATOR_DIMENSIONS = ("month", "level", "unit_code")


@dataclass(frozen=True)
class MartSource:
    """A warehouse relation published as the table ``name``."""

    name: str
    relation: str
    spec: TableSpec
    rules: tuple[str, ...]
    description: str


INDICATOR_MARTS: tuple[MartSource, ...] = (
    MartSource(
        name="fct_selfbooking_share",
        relation="marts.fct_selfbooking_share",
        rules=("R-BOOK-2", "R-BOOK-3"),
        description="Self-booking share of job conversations and its traffic light",
        spec=TableSpec(
            dimensions=INDICATOR_DIMENSIONS,
            counts=("n_selfbooked", "n_summoned", "n_conversations"),
            row_totals=(("n_conversations", ("n_selfbooked", "n_summoned")),),
            ratios={"selfbooking_share_pct": ("n_selfbooked", "n_conversations")},
            derived={"traffic_light": ("selfbooking_share_pct",)},
        ),
    ),
    MartSource(
        name="fct_joint_conversation_indicators",
        relation="marts.fct_joint_conversation_indicators",
        rules=("R-JOINT-4",),
        description="Official joint-conversation indicators (1st, 2nd, 3rd)",
        spec=TableSpec(
            dimensions=INDICATOR_DIMENSIONS,
            counts=tuple(
                f"joint_{k}_{part}" for k in (1, 2, 3) for part in ("population", "with_conversation")
            ),
            ratios={
                f"joint_{k}_share": (f"joint_{k}_with_conversation", f"joint_{k}_population")
                for k in (1, 2, 3)
            },
        ),
    ),
    MartSource(
        name="fct_akasse_participation",
        relation="marts.fct_akasse_participation",
        rules=("R-JOINT-3",),
        description="A-kasse participation in registered 2nd and 3rd joint conversations",
        spec=TableSpec(
            dimensions=(*INDICATOR_DIMENSIONS, "joint_number"),
            blocks=("month", "joint_number"),
            counts=(
                "n_registered",
                "n_participated",
                "n_declined_by_citizen",
                "n_not_participated",
                "n_missing",
            ),
            row_totals=(
                (
                    "n_registered",
                    ("n_participated", "n_declined_by_citizen", "n_not_participated", "n_missing"),
                ),
            ),
            ratios={"participation_rate": ("n_participated", "n_registered")},
        ),
    ),
    MartSource(
        name="fct_experiment_compliance",
        relation="marts.fct_experiment_compliance",
        rules=("R-AK-5", "R-AK-6", "R-AK-8", "R-AK-9"),
        description="Minimum activities of the a-kasse experiment per fund and municipality",
        spec=TableSpec(
            dimensions=INDICATOR_DIMENSIONS,
            counts=(
                "n_members",
                "n_cv_registered",
                "n_cv_within_14_days",
                "n_transferred_410",
                "n_under25_rule",
                "n_under25_followed",
            ),
            sums={"n_contact_conversations_3m": "n_members"},
            ratios={"avg_contact_conversations_3m": ("n_contact_conversations_3m", "n_members")},
            derived={"meets_minimum_2": ("avg_contact_conversations_3m",)},
        ),
    ),
    MartSource(
        name="fct_pilot_intake",
        relation="marts.fct_pilot_intake",
        rules=("R-PILOT-1", "R-PILOT-2"),
        description="Target group and participants of the pilot against long-term unemployment",
        spec=TableSpec(
            dimensions=INDICATOR_DIMENSIONS,
            counts=(
                "n_target",
                "n_target_participants",
                "n_participants",
                "n_senior_50plus",
                "n_non_western",
                "n_prior_unemployment",
                "n_short_education",
            ),
        ),
    ),
)

INDICATOR_MART_NAMES: tuple[str, ...] = tuple(m.name for m in INDICATOR_MARTS)

QUALITY_RELATION = "quality.registration_quality"

# Grain month × level × unit × dataset × rule (ltu_platform.quality.mart). A conversation is
# reported by its holder, a jobcentre or an a-kasse, so both levels together make the
# national row. The registrations are the persons a cell describes; failing registrations
# follow them (a failure is the registering office's, not an attribute of the person).
REGISTRATION_QUALITY = MartSource(
    name="registration_quality",
    relation=QUALITY_RELATION,
    rules=("R-JOINT-3", "R-AK-11"),
    description="Share of registrations failing each registration rule, per unit and month",
    spec=TableSpec(
        dimensions=(*INDICATOR_DIMENSIONS, "dataset", "rule_id"),
        blocks=("month", "dataset", "rule_id"),
        each_level_sums_to_total=False,
        counts=("n_registrations",),
        sums={"n_failing": "n_registrations"},
        ratios={"share_failing": ("n_failing", "n_registrations")},
    ),
)
RISK_SCORES_RELATION = "ml.risk_scores"
LOAD_LOG_RELATION = "raw.load_log"
GATE_RESULTS_RELATION = "quality.rule_results"  # one row per dataset × rule × gate run


def indicator_specs() -> dict[str, TableSpec]:
    return {m.name: m.spec for m in INDICATOR_MARTS}


# Numbers the model-monitoring tables publish twice (model_monitoring.py builds them): the
# month's national count of scores, and the labelled cohort's national totals.
MONITORING_LINKS: tuple[Link, ...] = (
    Link(
        table_a="model_score_drift",
        column_a="n_scored",
        table_b="model_at_risk_share",
        column_b="n_scored",
        on=("month",),
        where_b={"level": "national"},
    ),
    *(
        Link(
            table_a="model_calibration",
            column_a=column,
            table_b="model_fairness",
            column_b=column,
            on=("cohort",),
            where_a={"level": "national"},
            where_b={"level": "national"},
        )
        for column in ("n_spells", "n_ltu", "expected_ltu")
    ),
)
