"""The figures logged with every training run: calibration, importance, validation curve."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display on servers and workers

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def calibration_figure(y: np.ndarray, p: np.ndarray, bins: int = 10) -> Figure:
    """Reliability diagram: observed success rate against mean predicted probability per bin."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    mean_p, rate, count = [], [], []
    for b in range(bins):
        mask = which == b
        if mask.any():
            mean_p.append(p[mask].mean())
            rate.append(y[mask].mean())
            count.append(int(mask.sum()))
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    ax.plot(mean_p, rate, marker="o", label="model (holdout)")
    for x, r, n in zip(mean_p, rate, count, strict=True):
        ax.annotate(str(n), (x, r), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed success rate")
    ax.set_title("Calibration on the time-based holdout")
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def importance_figure(gains: pd.Series, top: int = 20) -> Figure:
    """Horizontal bars of total gain for the ``top`` most important features."""
    shown = gains.head(top)[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(shown) + 1.2))
    ax.barh(shown.index, shown.to_numpy())
    ax.set_xlabel("total gain")
    ax.set_title(f"Top {len(shown)} features by total gain")
    fig.tight_layout()
    return fig


def validation_curve_figure(curve: list[float], n_trees: int) -> Figure:
    """Validation logloss per boosting round, with the round the booster was trimmed at."""
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(np.arange(1, len(curve) + 1), curve, label="validation logloss")
    ax.axvline(n_trees, linestyle="--", color="grey", label=f"kept: {n_trees} trees")
    ax.set_xlabel("boosting round")
    ax.set_ylabel("logloss")
    ax.set_title("Early stopping on the validation fold")
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


def close(fig: Figure) -> None:
    """Free a figure's memory (long-lived workers train many times)."""
    plt.close(fig)
