r"""How often the population check flags a profile as unusual: on the holdout, and on a ranking
of every eligible prospect on later days (today's included), for the same model, and among
the board's top ``--ranked`` answers.

Trains as the product does (honest split, then refit on every labelled season; the
population is fitted on the refit's rows) with the suite's faster recipe unless
``--product``, then scores every prospect eligible on each ``--day`` and reports the share
flagged, with the features that push the flagged rows' distances most (each feature's share
of the squared Mahalanobis distance, ``z_i (P z)_i``, summed over the flagged rows).

Usage::

    python bench/ood_today.py --prospects 6000 --first 2008 --last 2026 --seed 7 \
        --day 2022-10-01 --day 2026-10-01 --day 2026-12-07 [--product] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prospects", type=int, default=6000)
    parser.add_argument("--first", type=int, default=2008)
    parser.add_argument("--last", type=int, default=2026)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--day", action="append", required=True, help="YYYY-MM-DD, repeatable")
    parser.add_argument("--product", action="store_true", help="the product's recipe (slow)")
    parser.add_argument("--top", type=int, default=8, help="features listed per day")
    parser.add_argument("--ranked", type=int, default=50, help="the board's top N, flagged share")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from prospects import eligibility
    from prospects.features.build import build_features
    from prospects.features.context import LeagueContext
    from prospects.training.model import TrainParams, to_dmatrix
    from prospects.training.pipeline import train
    from tests.leagues import generated_league

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        league = generated_league(
            Path(tmp),
            n_prospects=args.prospects,
            first_season=args.first,
            last_season=args.last,
            seed=args.seed,
        )
    params = (
        TrainParams()
        if args.product
        else TrainParams(learning_rate=0.05, n_estimators=200, early_stopping_rounds=40)
    )
    result = train(league, params, refit=True)
    u = result.uncertainty
    assert u is not None
    population = u.population
    names = list(result.booster.feature_names or ())
    out: dict[str, object] = {
        "holdout_unusual_share": u.metrics["holdout_unusual_share"],
        "train_unusual_share": u.metrics["train_unusual_share"],
        "holdout_rows": len(u.holdout_p),
        "days": {},
    }
    print(f"trained in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    for text in args.day:
        day = date.fromisoformat(text)
        known = league.as_of(day)
        features = build_features(known, day, context=LeagueContext.build(known, day))
        standing = eligibility.assess(known, day)
        eligible = [pid for pid in features.index if standing.loc[pid]["eligible"]]
        X = features.loc[eligible, names].to_numpy(dtype=np.float64)
        distance = population.distance(X)
        flagged = distance > population.threshold
        logit = result.booster.predict(
            to_dmatrix(features.loc[eligible, names]), output_margin=True
        )
        best = np.argsort(-logit, kind="stable")[: args.ranked]
        Z = np.nan_to_num((X - population.mean) / population.scale, nan=0.0)
        parts = Z * (Z @ population.precision)  # each feature's share of the squared distance
        pushed = parts[flagged].sum(axis=0)
        order = np.argsort(-pushed)[: args.top]
        total = float(parts[flagged].sum()) or 1.0
        out["days"][text] = {  # type: ignore[index]
            "eligible": len(eligible),
            "unusual": int(flagged.sum()),
            "share": float(flagged.mean()),
            "median_distance": float(np.median(distance)),
            "ranked": len(best),
            "ranked_unusual": int(flagged[best].sum()),
            "threshold": population.threshold,
            "pushing": [
                {
                    "feature": names[i],
                    "share_of_distance": float(pushed[i] / total),
                    "flagged_median_z": float(np.median(Z[flagged, i])) if flagged.any() else 0.0,
                    "all_median_z": float(np.median(Z[:, i])),
                }
                for i in order
            ],
        }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(
        f"holdout: {out['holdout_rows']} rows, {out['holdout_unusual_share']:.1%} unusual; "
        f"training rows {out['train_unusual_share']:.1%}"
    )
    for text, d in out["days"].items():  # type: ignore[union-attr]
        print(
            f"{text}: {d['unusual']} of {d['eligible']:,} eligible unusual ({d['share']:.1%}), "
            f"median distance {d['median_distance']:.1f} (line {d['threshold']:.1f}); "
            f"top {d['ranked']} of the board: {d['ranked_unusual']} unusual"
        )
        for f in d["pushing"]:
            print(
                f"    {f['feature']}: {f['share_of_distance']:.0%} of the flagged rows' squared "
                f"distance, median z {f['flagged_median_z']:+.1f} flagged / "
                f"{f['all_median_z']:+.1f} all"
            )


if __name__ == "__main__":
    main()
