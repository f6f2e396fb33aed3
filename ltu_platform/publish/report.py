"""The evaluation report: one self-contained HTML page per publication.

Built only from the published (suppressed) tables, so it shows nothing the tables do not.
Plots are matplotlib PNGs inlined as base64 ``<img>`` tags with ``class="plot"``; the page
needs no network and no script.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
import pandas as pd  # noqa: E402

from ltu_platform.rules import RULES  # noqa: E402

TRAFFIC_COLOURS = {"green": "#2e7d32", "yellow": "#f9a825", "red": "#c62828"}
CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ccc;padding-top:1rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:right}
th{background:#f3f3f3}.note{color:#666;font-size:.85rem}
img.plot{max-width:100%;display:block;margin:.5rem 0}
.light{display:inline-block;width:.8rem;height:.8rem;border-radius:50%}
"""


def _png(fig: plt.Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=72, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return data


def _img(fig: plt.Figure, alt: str) -> str:
    return f'<img class="plot" alt="{html.escape(alt)}" src="data:image/png;base64,{_png(fig)}">'


def _num(values: pd.Series) -> pd.Series:
    """Floats for matplotlib: suppressed cells (pd.NA) become NaN, which it leaves out."""
    return pd.to_numeric(values, errors="coerce").astype(float)


def _nothing(title: str) -> plt.Figure:
    """A plot for a section whose cells are all suppressed (small data): says so."""
    fig, ax = plt.subplots(figsize=(6, 1.2))
    ax.axis("off")
    ax.text(0.5, 0.5, f"{title}: no published (unsuppressed) values", ha="center", va="center")
    return fig


def _table(df: pd.DataFrame, max_rows: int = 40) -> str:
    return df.head(max_rows).to_html(index=False, na_rep="–", float_format=lambda v: f"{v:,.3f}",
                                     border=0, escape=True)


def _newest(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["month"] == df["month"].max()]


def _pooled(df: pd.DataFrame, num: str, den: str, by: str) -> pd.Series:
    """num / den per ``by`` over the rows where both are published: suppressed cells are
    left out of both, never treated as zero."""
    shown = df[df[num].notna() & df[den].notna()]
    sums = shown.groupby(by)[[num, den]].sum()
    return _num(sums[num]) / _num(sums[den]).where(sums[den] > 0)


def _last_months(df: pd.DataFrame, n: int = 12) -> pd.DataFrame:
    months = sorted(df["month"].unique())[-n:]
    return df[df["month"].isin(months)]


def _selfbooking(t: dict[str, pd.DataFrame]) -> str:
    df = _last_months(t["fct_selfbooking_share"])
    jc = df[df["level"] == "jobcenter"]
    grid = jc.pivot_table(index="unit_code", columns="month", values="traffic_light",
                          aggfunc="first")
    order = {"red": 0, "yellow": 1, "green": 2}
    if grid.empty:
        return _img(_nothing("Self-booking traffic light"), "self-booking traffic light")
    codes = grid.apply(lambda col: col.map(order)).astype(float)
    colours = ListedColormap([TRAFFIC_COLOURS[c] for c in order])
    fig, ax = plt.subplots(figsize=(10, max(2.5, 0.16 * len(grid))))
    ax.set_facecolor("#d0d0d0")  # grey: suppressed, or no qualifying conversations
    ax.imshow(codes.to_numpy(), aspect="auto", cmap=colours, vmin=0, vmax=2,
              interpolation="nearest")
    ax.set_yticks(range(len(grid)), grid.index.astype(str), fontsize=6)
    ax.set_xticks(range(len(grid.columns)),
                  [pd.Timestamp(m).strftime("%Y-%m") for m in grid.columns], rotation=45)
    ax.set_title("Self-booking traffic light per jobcentre and month (R-BOOK-3; grey: "
                 "suppressed or no conversations)")
    counts = jc["traffic_light"].fillna("suppressed / none").value_counts().rename_axis("light")
    return _img(fig, "self-booking traffic light") + _table(counts.reset_index())


def _joint(t: dict[str, pd.DataFrame]) -> str:
    df = t["fct_joint_conversation_indicators"]
    nat = df[df["level"] == "national"].sort_values("month")
    fig, ax = plt.subplots(figsize=(10, 3.5))
    for k in (1, 2, 3):
        ax.plot(pd.to_datetime(nat["month"]), _num(nat[f"joint_{k}_share"]), label=f"{k}. joint")
    ax.set_ylim(0, 1)
    ax.set_title("Joint-conversation indicators, national (R-JOINT-4)")
    ax.legend()
    part = _last_months(t["fct_akasse_participation"])
    fund = part[part["level"] == "akasse"]
    rates = pd.DataFrame({
        k: _pooled(fund[fund["joint_number"] == k], "n_participated", "n_registered", "unit_code")
        for k in (2, 3)
    })
    if rates.dropna(how="all").empty:
        return _img(fig, "joint-conversation indicators") + _img(
            _nothing("A-kasse participation per fund"), "a-kasse participation")
    fig2, ax2 = plt.subplots(figsize=(10, 3.5))
    rates.plot.bar(ax=ax2)
    ax2.set_ylabel("participation rate")
    ax2.set_ylim(0, 1)
    ax2.set_title("A-kasse participation in 2nd/3rd joint conversations per fund, last 12 months "
                  "(R-JOINT-3)")
    return _img(fig, "joint-conversation indicators") + _img(fig2, "a-kasse participation")


def _compliance(t: dict[str, pd.DataFrame]) -> str:
    df = t["fct_experiment_compliance"]
    fund = df[df["level"] == "akasse"]
    avg = _pooled(fund, "n_contact_conversations_3m", "n_members", "unit_code")
    if avg.dropna().empty:
        return _img(_nothing("Contact-course conversations per fund"), "experiment compliance")
    fig, ax = plt.subplots(figsize=(10, 3.5))
    ax.bar(avg.index.astype(str), avg.fillna(0))
    ax.axhline(RULES.akasse_min_contact_conversations, ls="--", c="k")
    ax.set_title("Contact-course conversations per member in 3 months, per fund, pooled over "
                 "published months (R-AK-9)")
    return _img(fig, "experiment compliance")


def _experiment(t: dict[str, pd.DataFrame]) -> str:
    eff = t.get("eval_akasse_experiment_effects")
    return _table(eff) if eff is not None else "<p class=note>not available</p>"


def _pilot(t: dict[str, pd.DataFrame]) -> str:
    p = t["eval_pilot_effect"].iloc[0]
    fig, ax = plt.subplots(figsize=(7, 2))
    ax.errorbar([p["estimate"]], [0], xerr=[[p["estimate"] - p["ci_low"]],
                [p["ci_high"] - p["estimate"]]], fmt="o", capsize=6)
    ax.plot([p["naive_difference"]], [0.3], "x", c="grey", label="naive difference")
    ax.axvline(0, c="k", lw=0.8)
    ax.set_yticks([])
    ax.set_ylim(-0.5, 0.8)
    ax.legend(loc="upper right")
    ax.set_title("Pilot: effect on P(long-term unemployment), ATT with 95 % CI")
    return _img(fig, "pilot effect") + _table(t["eval_pilot_effect"])


def _model(t: dict[str, pd.DataFrame]) -> str:
    cal = t["model_calibration"]
    dec = cal[cal["level"] == "score_decile"]
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], c="grey", lw=0.8)
    ax.plot(_num(dec["mean_predicted"]), _num(dec["observed_ltu_rate"]), "o-")
    ax.set_xlabel("predicted")
    ax.set_ylabel("observed")
    ax.set_title(f"Calibration, cohort {int(cal['cohort'].iloc[0])}")
    fair = t["model_fairness"]
    fair = fair[fair["level"] != "national"]
    fig2, ax2 = plt.subplots(figsize=(10, 3.5))
    labels = fair["level"] + "=" + fair["unit_code"].astype(str)
    ax2.bar(labels, _num(fair["selection_rate"]).fillna(0), label="selection rate")
    ax2.plot(labels, _num(fair["observed_ltu_rate"]), "ko", label="observed LTU rate")
    ax2.tick_params(axis="x", rotation=45)
    ax2.legend()
    ax2.set_title("Group fairness: share flagged at risk vs observed rate")
    drift = t.get("model_score_drift")
    extra = _table(drift.tail(12)) if drift is not None else ""
    return _img(fig, "model calibration") + _img(fig2, "group fairness") + extra


def _quality(t: dict[str, pd.DataFrame]) -> str:
    q = t["registration_quality"]
    national = q[q["level"] == "national"].assign(rule=lambda d: d["dataset"] + "." + d["rule_id"])
    nat = _pooled(national, "n_failing", "n_registrations", "rule").rename("share").reset_index()
    if nat.empty:
        return _img(_nothing("Registration quality"), "registration quality")
    nat[["dataset", "rule_id"]] = nat["rule"].str.split(".", n=1, expand=True)
    fig, ax = plt.subplots(figsize=(10, 3.5))
    ax.barh(nat["rule"], nat["share"].fillna(0))
    ax.set_xlabel("share of registrations failing")
    ax.set_title("Registration quality, national, whole period")
    return _img(fig, "registration quality") + _table(nat[["dataset", "rule_id", "share"]])


SECTIONS: tuple[tuple[str, tuple[str, ...], Callable[[dict[str, pd.DataFrame]], str]], ...] = (
    ("Self-booking traffic light per jobcentre", ("fct_selfbooking_share",), _selfbooking),
    ("Joint conversations and a-kasse participation",
     ("fct_joint_conversation_indicators", "fct_akasse_participation"), _joint),
    ("A-kasse experiment: compliance", ("fct_experiment_compliance",), _compliance),
    ("A-kasse experiment: comparison", ("eval_akasse_experiment_effects",), _experiment),
    ("Pilot against long-term unemployment: effect", ("eval_pilot_effect",), _pilot),
    ("Risk model: calibration, fairness, drift", ("model_calibration", "model_fairness"), _model),
    ("Registration quality", ("registration_quality",), _quality),
)


def render_report(
    version: str, tables: dict[str, pd.DataFrame], facts: dict[str, Any],
    quality_gate: dict[str, Any], appendix: tuple[str, ...] = (),
) -> str:
    """The report page; ``appendix``: further HTML sections (delivery period, revisions)."""
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        f"<title>ltu-platform evaluation {html.escape(version)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Evaluation report, publication {html.escape(version)}</h1>",
        f"<p class=note>Cells describing fewer than {RULES.min_cell_persons} persons are "
        "suppressed (with secondary suppression); suppressed values are shown as – or grey. "
        f"Quality gate: {html.escape(str(quality_gate.get('status', 'unknown')))}. "
        f"Model version: {html.escape(str(facts.get('model_version')))}.</p>",
    ]
    for title, needed, render in SECTIONS:
        parts.append(f"<h2>{html.escape(title)}</h2>")
        missing = [n for n in needed if n not in tables or tables[n].empty]
        if missing:
            parts.append(f"<p class=note>Not in this publication: {', '.join(missing)}.</p>")
            continue
        parts.append(render(tables))
    parts.extend(appendix)
    parts.append("</body></html>")
    return "\n".join(parts)
