"""How good the scores are: discrimination, calibration and the top of the ranking."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless: plots are MLflow artifacts, never windows

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    average_precision_score,
    brier_score_loss,
    log_loss,
    roc_auc_score,
)

ECE_BINS = 10
TOP_SHARES = (0.10, 0.25)


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = ECE_BINS) -> float:
    """Σ_bins (n_bin / n) · |mean outcome − mean probability|, equal-width probability bins."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    gap = np.abs(np.bincount(idx, y, bins) - np.bincount(idx, p, bins))
    return float(gap.sum() / len(y))


def top_share_mask(p: np.ndarray, share: float) -> np.ndarray:
    """The ceil(share·n) highest scores (ties broken by position, so exactly that many)."""
    k = int(np.ceil(share * len(p)))
    mask = np.zeros(len(p), dtype=bool)
    mask[np.argsort(-np.asarray(p), kind="stable")[:k]] = True
    return mask


def precision_recall_at(y: np.ndarray, p: np.ndarray, share: float) -> tuple[float, float]:
    y = np.asarray(y, bool)
    flagged = top_share_mask(p, share)
    hits = int((flagged & y).sum())
    return hits / max(int(flagged.sum()), 1), hits / max(int(y.sum()), 1)


def metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Every headline metric of one model on one cohort."""
    y = np.asarray(y, int)
    p = np.clip(np.asarray(p, float), 1e-6, 1 - 1e-6)
    out = {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "ece": expected_calibration_error(y, p),
        "prevalence": float(y.mean()),
        "n": float(len(y)),
    }
    for share in TOP_SHARES:
        prec, rec = precision_recall_at(y, p, share)
        pct = int(round(share * 100))
        out[f"precision_at_top{pct}"] = prec
        out[f"recall_at_top{pct}"] = rec
    return out


def calibration_curve_points(y: np.ndarray, p: np.ndarray, bins: int = ECE_BINS) -> list[tuple[float, float, int]]:
    """(mean probability, observed share, count) per non-empty equal-width bin."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    pts = []
    for b in range(bins):
        m = idx == b
        if m.any():
            pts.append((float(p[m].mean()), float(y[m].mean()), int(m.sum())))
    return pts


def calibration_plot(y: np.ndarray, probas: dict[str, np.ndarray], title: str) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1, label="perfect")
    for name, p in probas.items():
        pts = calibration_curve_points(y, p)
        ax.plot([a for a, _, _ in pts], [b for _, b, _ in pts], marker="o", label=f"{name} (ECE {expected_calibration_error(y, p):.3f})")
    ax.set(xlabel="predicted probability", ylabel="observed long-term unemployment share", title=title, xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig
