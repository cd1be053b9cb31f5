"""What a model needs to say how sure it is: calibration, interval members, the population.

Fitted once per training run, after the honest split, and written onto the
served booster as attributes (``calibration``, ``interval_members``,
``population``), so every version serves with its own. Each part is then
judged on the holdout, which none of them saw:

* **Calibration** (Platt) on the validation fold — later than every training
  season — from the evaluation model's logits; ECE on the eligible holdout
  before and after.
* **Interval**: ``MEMBERS`` boosters on prospect-level bootstrap resamples of the
  training fold. Coverage is measured on the holdout two ways: leave-one-member-
  out (does the interval from the other members hold a further bootstrap model's
  answer? the uncertainty the interval states), and by probability decile (does
  the decile's observed success rate fall inside its mean interval?).
* **Population** for the out-of-distribution check, on every row the served
  model was fitted on.
* **Width lines** of the confidence level: the terciles of the interval's
  log-odds width on the validation fold, scored as a served answer is (the
  members never trained on it), so the lines come from the training side only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
import xgboost as xgb
from scipy.stats import t as student_t

from prospects.serving.calibration import CALIBRATION_ATTR, Calibration, fit_platt
from prospects.serving.confidence import (
    VOLUME_FEATURE,
    WIDTHS_ATTR,
    Widths,
    levels_of,
    log_odds_wide,
)
from prospects.serving.interval import INTERVAL_ATTR, IntervalEnsemble
from prospects.serving.ood import OOD_ATTR, Population
from prospects.training.confidence_check import EDGES, MIN_CELL, bin_of
from prospects.training.metrics import expected_calibration_error
from prospects.training.model import TrainParams, fit_booster, to_dmatrix

MEMBERS = 10
LEVEL = 0.80
# Members use a faster recipe than the served model (10x the learning rate, a tenth of the
# trees): their job is the spread, and each costs one probability evaluation per answer.
MEMBER_SPEEDUP = 10
DECILES = 10
MIN_CALIBRATION_ROWS = 50


@dataclass(frozen=True)
class CoverageRow:
    """One probability decile of the holdout: predicted, observed, and the mean interval."""

    n: int
    predicted: float
    observed: float
    low: float
    high: float

    @property
    def covered(self) -> bool:
        return self.low <= self.observed <= self.high


LEVELS = ("high", "medium", "low")
HIGH_LOW = ("high", "low")


@dataclass(frozen=True)
class ConfidenceRow:
    """One (probability bin, confidence level) cell of the holdout validation."""

    bin: int
    level: str
    n: int
    predicted: float
    observed: float
    brier: float
    excess: float  # mean of (y - p)^2 - p(1 - p): estimates (truth - p)^2, the noise taken out


@dataclass(frozen=True)
class Uncertainty:
    """The fitted parts and what the holdout says about them."""

    calibration: Calibration
    ensemble: IntervalEnsemble
    population: Population
    widths: Widths
    holdout_logit: np.ndarray  # evaluation model, raw
    holdout_p: np.ndarray  # calibrated
    holdout_low: np.ndarray
    holdout_high: np.ndarray
    holdout_unusual: np.ndarray
    member_coverage: float
    deciles: tuple[CoverageRow, ...]
    holdout_level: np.ndarray
    confidence_rows: tuple[ConfidenceRow, ...]
    metrics: dict[str, float]

    def attributes(self) -> dict[str, str]:
        """What the served booster carries (``booster.set_attr(**...)``)."""
        return {
            CALIBRATION_ATTR: self.calibration.to_json(),
            INTERVAL_ATTR: self.ensemble.to_json(),
            OOD_ATTR: self.population.to_json(),
            WIDTHS_ATTR: self.widths.to_json(),
        }

    def matched(self, error: str = "brier", pair: tuple[str, ...] = LEVELS) -> dict[str, float]:
        return matched(self.confidence_rows, error, pair)


def half_width_factor(members: int, level: float) -> float:
    """Student-t prediction factor for one more bootstrap draw: t_{B-1} * sqrt(1 + 1/B).

    The members' standard deviation is estimated from ``members`` draws, and the
    interval must hold a further draw, not the mean of these: hence t, and the
    sqrt(1 + 1/B).
    """
    return float(student_t.ppf(0.5 + level / 2, members - 1) * np.sqrt(1 + 1 / members))


def member_params(params: TrainParams, n_trees: int, seed: int) -> TrainParams:
    return replace(
        params,
        n_estimators=max(20, int(np.ceil(n_trees / MEMBER_SPEEDUP))),
        learning_rate=min(0.3, params.learning_rate * MEMBER_SPEEDUP),
        early_stopping_rounds=None,
        seed=seed,
    )


def fit_members(
    X: pd.DataFrame,
    y: np.ndarray,
    prospects: np.ndarray,
    params: TrainParams,
    n_trees: int,
    members: int = MEMBERS,
) -> tuple[xgb.Booster, ...]:
    """``members`` boosters, each on a resample of prospects drawn with replacement."""
    rng = np.random.default_rng(params.seed)
    ids = np.unique(prospects)
    rows_of = pd.Series(np.arange(len(prospects))).groupby(prospects).apply(np.asarray)
    fitted = []
    for k in range(members):
        drawn = rng.choice(ids, size=len(ids), replace=True)
        rows = np.concatenate([rows_of[i] for i in drawn])
        fitted.append(
            fit_booster(X.iloc[rows], y[rows], None, None, member_params(params, n_trees, k))
        )
    return tuple(fitted)


def member_margins(members: tuple[xgb.Booster, ...], X: pd.DataFrame) -> np.ndarray:
    dm = to_dmatrix(X)
    return np.stack([m.predict(dm, output_margin=True) for m in members])


def leave_one_out_coverage(margins: np.ndarray, level: float) -> float:
    """Share of (row, member) pairs where the member lies in the others' interval."""
    b = margins.shape[0]
    factor = half_width_factor(b - 1, level)
    hits = []
    for k in range(b):
        others = np.delete(margins, k, axis=0)
        centre, spread = others.mean(axis=0), others.std(axis=0, ddof=1)
        hits.append(np.abs(margins[k] - centre) <= factor * spread)
    return float(np.mean(hits))


def decile_coverage(
    y: np.ndarray, p: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int = DECILES
) -> tuple[CoverageRow, ...]:
    order = np.argsort(p, kind="stable")
    rows = []
    for part in np.array_split(order, bins):
        if len(part) == 0:
            continue
        rows.append(
            CoverageRow(
                n=len(part),
                predicted=float(p[part].mean()),
                observed=float(y[part].mean()),
                low=float(low[part].mean()),
                high=float(high[part].mean()),
            )
        )
    return tuple(rows)


def matched(
    rows: tuple[ConfidenceRow, ...], error: str = "brier", pair: tuple[str, ...] = LEVELS
) -> dict[str, float]:
    """Per level of ``pair``, an error at matched probability: each bin's ``error`` (``brier``
    or ``excess``) over the bins every level of ``pair`` holds with ``MIN_CELL`` rows or more,
    weighted by those rows' share, so no level is flattered by holding easier probabilities
    (NaN: no bin in common)."""
    bins = sorted({r.bin for r in rows})
    cells = {(r.bin, r.level): r for r in rows}
    common = [b for b in bins if all(cells.get((b, k)) and cells[b, k].n >= MIN_CELL for k in pair)]
    weight = {b: sum(cells[b, k].n for k in pair) for b in common}
    total = sum(weight.values())
    if not total:
        return {k: float("nan") for k in pair}
    return {
        k: float(sum(getattr(cells[b, k], error) * weight[b] for b in common) / total) for k in pair
    }


def _excess(y: np.ndarray, p: np.ndarray, mask: np.ndarray) -> float:
    """Mean (y - p)^2 - p(1 - p) over ``mask``: unbiased for the squared distance from the truth."""
    if not mask.any():
        return float("nan")
    return float(np.mean((y[mask] - p[mask]) ** 2 - p[mask] * (1 - p[mask])))


def confidence_rows(
    y: np.ndarray, p: np.ndarray, level_of: np.ndarray
) -> tuple[ConfidenceRow, ...]:
    """The validation table: per probability bin and level, predicted, observed and Brier."""
    which = bin_of(p)
    rows = []
    for b in range(len(EDGES) + 1):
        for level in LEVELS:
            m = (which == b) & (level_of == level)
            if m.any():
                rows.append(
                    ConfidenceRow(
                        bin=b,
                        level=level,
                        n=int(m.sum()),
                        predicted=float(p[m].mean()),
                        observed=float(y[m].mean()),
                        brier=float(np.mean((y[m] - p[m]) ** 2)),
                        excess=float(np.mean((y[m] - p[m]) ** 2 - p[m] * (1 - p[m]))),
                    )
                )
    return tuple(rows)


def _bounds(
    X: pd.DataFrame,
    evaluated: xgb.Booster,
    members: tuple[xgb.Booster, ...],
    ensemble: IntervalEnsemble,
    calibration: Calibration,
    margins: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Calibrated answer, interval low and interval high for the rows of ``X``."""
    logit = evaluated.predict(to_dmatrix(X), output_margin=True).astype(np.float64)
    if margins is None:
        margins = member_margins(members, X)
    lo, hi = ensemble.bounds(logit, margins.std(axis=0, ddof=1))
    return calibration(logit), calibration(lo), calibration(hi)


def fit_uncertainty(
    X: pd.DataFrame,
    meta: pd.DataFrame,
    masks: tuple[np.ndarray, np.ndarray, np.ndarray],
    evaluated: xgb.Booster,
    params: TrainParams,
    fitted_on: np.ndarray,
    members: int = MEMBERS,
    level: float = LEVEL,
) -> Uncertainty:
    """Calibrate, fit the interval members and the population, and judge them on the holdout."""
    train_mask, valid_mask, holdout_mask = masks
    y = meta["label"].to_numpy(dtype=int)
    n_trees = evaluated.num_boosted_rounds()
    # A fold too thin to calibrate on (a short test league): the identity.
    thin = valid_mask.sum() < MIN_CALIBRATION_ROWS or len(np.unique(y[valid_mask])) < 2
    calibration = (
        Calibration()
        if thin
        else fit_platt(
            evaluated.predict(to_dmatrix(X[valid_mask]), output_margin=True), y[valid_mask]
        )
    )
    fitted = fit_members(
        X[train_mask],
        y[train_mask],
        meta.loc[train_mask, "prospect_id"].to_numpy(),
        params,
        n_trees,
        members,
    )
    ensemble = IntervalEnsemble(level, fitted, half_width_factor(members, level))
    population = Population.fit(X[fitted_on].to_numpy(dtype=np.float64))

    # The level's width lines: from the validation fold (a fold too thin: the training rows).
    lines_from = valid_mask if valid_mask.sum() >= MIN_CALIBRATION_ROWS else train_mask
    _, fold_low, fold_high = _bounds(X[lines_from], evaluated, fitted, ensemble, calibration)
    widths = Widths.fit(log_odds_wide(fold_low, fold_high))

    X_hold, y_hold = X[holdout_mask], y[holdout_mask]
    margins = member_margins(fitted, X_hold)
    p, low, high = _bounds(X_hold, evaluated, fitted, ensemble, calibration, margins)
    logit = evaluated.predict(to_dmatrix(X_hold), output_margin=True).astype(np.float64)
    unusual = population.unusual(X_hold.to_numpy(dtype=np.float64))
    coverage = leave_one_out_coverage(margins, level)
    deciles = decile_coverage(y_hold, p, low, high)
    volume = X_hold[VOLUME_FEATURE].fillna(0).to_numpy() if VOLUME_FEATURE in X else None
    level_of = levels_of(low, high, unusual, np.zeros(len(p)) if volume is None else volume, widths)
    rows = confidence_rows(y_hold, p, level_of)
    metrics = {
        "holdout_ece_raw_eligible": expected_calibration_error(y_hold, 1 / (1 + np.exp(-logit))),
        "holdout_ece_calibrated_eligible": expected_calibration_error(y_hold, p),
        "interval_level": level,
        "interval_member_coverage": coverage,
        "interval_decile_coverage": float(np.mean([r.covered for r in deciles])),
        "interval_mean_width": float(np.mean(high - low)),
        "confidence_width_high": widths.high,
        "confidence_width_low": widths.low,
        "calibration_a": calibration.a,
        "calibration_b": calibration.b,
        "holdout_unusual_share": float(unusual.mean()),
        **{f"holdout_brier_matched_{k}": v for k, v in matched(rows, pair=HIGH_LOW).items()},
        **{
            f"holdout_excess_matched_{k}": v
            for k, v in matched(rows, "excess", pair=HIGH_LOW).items()
        },
        "holdout_excess_unusual": _excess(y_hold, p, unusual),
        "holdout_excess_usual": _excess(y_hold, p, ~unusual),
        "train_unusual_share": float(
            population.unusual(X[train_mask].to_numpy(dtype=np.float64)).mean()
        ),
    }
    return Uncertainty(
        calibration=calibration,
        ensemble=ensemble,
        population=population,
        widths=widths,
        holdout_logit=logit,
        holdout_p=p,
        holdout_low=low,
        holdout_high=high,
        holdout_unusual=unusual,
        member_coverage=coverage,
        deciles=deciles,
        holdout_level=level_of,
        confidence_rows=rows,
        metrics=metrics,
    )


def coverage_table(uncertainty: Uncertainty) -> dict[str, object]:
    """The holdout's coverage figures, as logged to MLflow and quoted in docs/confidence.md."""
    return {
        "level": uncertainty.ensemble.level,
        "member_coverage": uncertainty.member_coverage,
        "deciles": [{**asdict(row), "covered": row.covered} for row in uncertainty.deciles],
        "confidence": [asdict(row) for row in uncertainty.confidence_rows],
        "confidence_edges": list(EDGES),
        "matched_brier": uncertainty.matched(pair=HIGH_LOW),
        "matched_excess": uncertainty.matched("excess", pair=HIGH_LOW),
    }


def log_uncertainty(holdout_y: np.ndarray, uncertainty: Uncertainty) -> None:
    """Into the active MLflow run: the calibrated reliability plot and the coverage table."""
    import mlflow

    from prospects.training import plots

    fig = plots.calibration_figure(holdout_y, uncertainty.holdout_p)
    mlflow.log_figure(fig, "plots/reliability_calibrated.png")
    plots.close(fig)
    mlflow.log_dict(coverage_table(uncertainty), "interval_coverage.json")
