"""``callup evaluate``: the honest report on a league, which anyone can rerun.

It trains the evaluation model exactly as registration does (same split, same
settings), then adds what a registration run skips because it costs a retrain
per row: the feature-family ablation. Each family is dropped in turn and the
model refitted with the same settings; the drop in eligible holdout AUC (with
its paired bootstrap interval) is what that family adds beyond the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from prospects.features.catalog import FAMILIES, FEATURES, STAT_LINE_HISTORY
from prospects.features.data import LeagueData
from prospects.features.examples import build_examples
from prospects.training import bootstrap as bs
from prospects.training.model import TrainParams, fit_booster, predict_proba
from prospects.training.pipeline import TrainingResult, train
from prospects.training.report import format_report

FAMILY_OF = {f.name: f.family for f in FEATURES}
STAT_LINES = "stat lines"
# Rows of the ablation: each family alone, then every feature a stat line feeds at once (the
# hitting and pitching families and the history features built on the stat composite).
ABLATIONS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (family, frozenset({family})) for family in FAMILIES
) + ((STAT_LINES, frozenset({"hitting", "pitching", *STAT_LINE_HISTORY})),)


@dataclass(frozen=True)
class Ablation:
    """The model refitted without one family: its AUC and the loss against the full model."""

    family: str
    n_features: int
    auc: float
    loss: bs.Difference  # full model's AUC minus this one's, paired by prospect


@dataclass
class Evaluation:
    """Everything ``callup evaluate`` prints."""

    result: TrainingResult
    seconds: float
    ablations: list[Ablation] = field(default_factory=list)

    def format(self) -> str:
        r = self.result
        lines = [
            f"examples: {r.counts['n_examples']} eligible (prospect, season) pairs; "
            f"train {r.counts['n_train']} (seasons {r.split.train[0]}-{r.split.train[-1]}), "
            f"valid {r.counts['n_valid']} ({', '.join(map(str, r.split.valid))}), "
            f"holdout {r.counts['n_holdout']} ({', '.join(map(str, r.split.holdout))}); "
            f"holdout prospects never in train or valid; positive share "
            f"{r.metrics['positive_share']:.3f}",
            f"model: {r.n_trees} trees (early stopping on the valid season); "
            f"training {self.seconds:.1f} s",
            "",
            format_report(r.report),
        ]
        if self.ablations:
            full = r.report.figures["model"]["auc"].value
            lines += [
                "",
                f"feature-family ablation (refit without the family, same settings; "
                f"full model AUC {full:.3f})",
                f"{'dropped':14}{'features':>9}{'AUC':>8}{'loss [95% CI]':>28}",
            ]
            for a in self.ablations:
                ci = f"{a.loss.value:+.3f} [{a.loss.low:+.3f}, {a.loss.high:+.3f}]"
                lines.append(f"{a.family:14}{a.n_features:>9}{a.auc:>8.3f}{ci:>28}")
        return "\n".join(lines)


def ablate(
    X: pd.DataFrame,
    meta: pd.DataFrame,
    result: TrainingResult,
    params: TrainParams,
    progress: Callable[[str], None] | None = None,
    only: tuple[str, ...] | None = None,
) -> list[Ablation]:
    """Refit without each feature family on the same split; score on the same holdout rows.

    ``only`` names the rows of ``ABLATIONS`` to run (all by default).
    """
    train_mask, valid_mask, holdout_mask = result.split.masks(meta["season"], meta["prospect_id"])
    y = meta["label"].to_numpy(dtype=int)
    y_hold = y[holdout_mask]
    draws = bs.resamples(result.holdout_prospects, seed=params.seed)
    out = []
    for family, dropped in ABLATIONS:
        if only is not None and family not in only:
            continue
        columns = [c for c in X.columns if FAMILY_OF.get(c) not in dropped and c not in dropped]
        if len(columns) == X.shape[1]:
            continue
        if progress is not None:
            progress(family)
        booster = fit_booster(
            X.loc[train_mask, columns],
            y[train_mask],
            X.loc[valid_mask, columns],
            y[valid_mask],
            params,
        )
        p = predict_proba(booster, X.loc[holdout_mask, columns])
        loss = bs.paired_difference(bs.auc, y_hold, result.holdout_p, p, draws)
        out.append(Ablation(family, X.shape[1] - len(columns), bs.auc(y_hold, p), loss))
    return out


def evaluate(
    data: LeagueData,
    params: TrainParams | None = None,
    ablation: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Evaluation:
    """The honest evaluation of ``params`` on ``data``, with the ablation unless told not to."""
    params = params or TrainParams()
    say = progress or (lambda _message: None)
    say("building examples")
    X, meta = build_examples(data)
    say("training the evaluation model")
    started = time.perf_counter()
    result = train(data, params, refit=False, examples=(X, meta))
    seconds = time.perf_counter() - started
    evaluation = Evaluation(result, seconds)
    if ablation:
        evaluation.ablations = ablate(
            X, meta, result, params, progress=lambda f: say(f"ablation: without {f}")
        )
    return evaluation


def params_of_run(run_params: dict[str, str]) -> TrainParams:
    """The training settings a logged run used (defaults for any it does not name)."""
    defaults = TrainParams()
    kinds = {
        "n_estimators": int,
        "max_depth": int,
        "learning_rate": float,
        "subsample": float,
        "colsample_bytree": float,
        "min_child_weight": float,
        "seed": int,
    }
    values: dict[str, object] = {}
    for name, kind in kinds.items():
        raw = run_params.get(name)
        if raw not in (None, "", "None"):
            values[name] = kind(raw)
    raw = run_params.get("early_stopping_rounds")
    if raw not in (None, ""):
        values["early_stopping_rounds"] = None if raw == "None" else int(raw)
    # Runs logged before the tolerance existed stopped only when nothing improved at all.
    values["early_stopping_min_delta"] = float(run_params.get("early_stopping_min_delta") or 0.0)
    return TrainParams(**{**defaults.as_dict(), **values})
