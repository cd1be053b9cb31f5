r"""Validate the confidence level on many holdout seasons, each scored by a model that knew only
what was known before it.

For each holdout season H, the training pipeline is run on the examples of seasons <= H only
(``train`` then holds H out, trains on seasons whose labels were final on H's reference date,
stops early and calibrates on the latest of them, fits the interval members and the
population): exactly what a model trained on H's date would have answered. The holdout rows
of every such model are pooled, and the confidence rule (``prospects.serving.confidence``) is
judged on them at matched probability, with bootstrap intervals by prospect (a prospect's
rows across seasons go together).

Usage::

    python bench/confidence.py collect --prospects 6000 --first 2008 --last 2026 --seed 7 \
        --holdouts 2016-2022 --out /tmp/conf-default.parquet
    python bench/confidence.py judge /tmp/conf-default.parquet [more.parquet ...] \
        [--seasons 2019-2022] [--part rule|width|unusual|thin|recorded] [--json]

    python bench/confidence.py truth /tmp/conf-default.parquet --prospects 6000 --first 2008 \
        --last 2026 --seed 7 [--seasons 2019-2022] [--replicates 200] [--part ...] [--json]

``collect`` caches the league and its examples next to ``--out``; ``judge`` prints the
tables quoted in docs/confidence.md. ``truth`` replays the generator's simulation of the same
league (``prospects.league_truth``) to estimate each holdout row's true chance of
success, caches it next to the file, and judges each level's error against that truth.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _examples(args: argparse.Namespace, cache: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The league's (X, meta), generated once and cached as parquet."""
    x_path, m_path = cache.with_suffix(".X.parquet"), cache.with_suffix(".meta.parquet")
    if x_path.exists() and m_path.exists():
        return pd.read_parquet(x_path), pd.read_parquet(m_path)
    from prospects.db.session import init_db, reset_engine, session_scope
    from prospects.features.data import load_league
    from prospects.features.examples import build_examples
    from prospects.league.generator import generate_league

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'league.db'}"
        init_db(url)
        started = time.perf_counter()
        with session_scope(url) as session:
            generate_league(
                session,
                n_prospects=args.prospects,
                first_season=args.first,
                last_season=args.last,
                seed=args.seed,
            )
        with session_scope(url) as session:
            data = load_league(session)
        reset_engine(url)
    print(f"league generated in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    started = time.perf_counter()
    X, meta = build_examples(data)
    print(f"examples built in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    X.to_parquet(x_path)
    meta.to_parquet(m_path)
    return X, meta


def collect(args: argparse.Namespace) -> None:
    from prospects.training.model import TrainParams
    from prospects.training.rolling import rolling_holdouts

    out = Path(args.out)
    X, meta = _examples(args, out)
    first, last = (int(s) for s in args.holdouts.split("-"))
    params = (
        TrainParams(nthread=args.threads)
        if args.product
        else TrainParams(
            learning_rate=0.05, n_estimators=200, early_stopping_rounds=40, nthread=args.threads
        )
    )
    frame = rolling_holdouts(
        X, meta, range(first, last + 1), params, lambda line: print(line, file=sys.stderr)
    )
    frame.to_parquet(out)
    print(f"wrote {len(frame)} rows to {out}", file=sys.stderr)


def judge(args: argparse.Namespace) -> None:
    from prospects.training.confidence_check import judge_levels

    frame = pd.concat(
        [pd.read_parquet(p).assign(source=Path(p).stem) for p in args.files], ignore_index=True
    )
    if args.seasons:
        first, last = (int(s) for s in args.seasons.split("-"))
        frame = frame[frame["season"].between(first, last)].reset_index(drop=True)
    # A prospect is the unit of independence within one league; leagues are independent.
    cluster = frame["source"] + ":" + frame["prospect_id"].astype(str)
    # One part of the rule at a time (which of them separates?), or the level the collecting
    # code assigned (a file collected before this rule holds the previous rule's).
    level = _level(frame, args.part)
    report = judge_levels(
        frame["y"].to_numpy(), frame["p"].to_numpy(), level, cluster.to_numpy(), args.boot
    )
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(report["markdown"])


def _level(frame: pd.DataFrame, part: str) -> np.ndarray:
    """The confidence level per row under the whole rule or one part of it (each holdout
    season read with the width lines its own model fitted on its validation fold)."""
    from prospects.serving.confidence import THIN_SAMPLE, Widths, levels_of

    unusual = frame["unusual"].to_numpy(dtype=bool)
    volume = frame["volume"].to_numpy()
    nobody = np.zeros(len(frame), dtype=bool)
    if part == "unusual":
        return np.where(unusual, "low", "high")
    if part == "thin":
        return np.where(volume < THIN_SAMPLE, "medium", "high")
    if part == "recorded":
        return frame["level" if "level" in frame else "old_level"].to_numpy()
    out = np.empty(len(frame), dtype=object)
    for _, rows in frame.groupby(["season", "width_high", "width_low"]).groups.items():
        i = frame.index.get_indexer(rows)
        part_of = frame.iloc[i]
        widths = Widths(float(part_of["width_high"].iloc[0]), float(part_of["width_low"].iloc[0]))
        low, high = part_of["low"].to_numpy(), part_of["high"].to_numpy()
        out[i] = (
            levels_of(low, high, unusual[i], volume[i], widths)
            if part == "rule"
            else levels_of(low, high, nobody[i], np.full(len(i), np.inf), widths)
        )
    return out.astype(str)


def truth(args: argparse.Namespace) -> None:
    from prospects.league_truth import true_success_rates
    from prospects.training.confidence_check import judge_against_truth

    frame = pd.read_parquet(args.file)
    if args.seasons:
        first, last = (int(s) for s in args.seasons.split("-"))
        frame = frame[frame["season"].between(first, last)].reset_index(drop=True)
    seasons = sorted(int(s) for s in frame["season"].unique())
    cache = Path(args.file).with_suffix(f".truth{args.replicates}.parquet")
    known = pd.read_parquet(cache) if cache.exists() else None
    if known is None or not set(seasons) <= set(known["season"]):
        started = time.perf_counter()
        known = true_success_rates(
            args.prospects,
            args.first,
            args.last,
            args.seed,
            seasons,
            args.replicates,
            lambda line: print(line, file=sys.stderr),
        )
        print(f"truth replayed in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        known.to_parquet(cache)
    frame = frame.merge(known, on=["season", "prospect_id"], how="left", validate="1:1")
    if frame["p_true"].isna().any() or frame["passed_before"].any():
        raise SystemExit("the truth does not match these rows: another league's settings?")
    report = judge_against_truth(
        frame["p_true"].to_numpy(),
        frame["p"].to_numpy(),
        _level(frame, args.part),
        frame["prospect_id"].to_numpy(),
        args.replicates,
        args.boot,
    )
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if k != "markdown"}, indent=2))
        return
    print(report["markdown"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--prospects", type=int, default=6000)
    c.add_argument("--first", type=int, default=2008)
    c.add_argument("--last", type=int, default=2026)
    c.add_argument("--seed", type=int, default=7)
    c.add_argument("--holdouts", default="2016-2022")
    c.add_argument("--threads", type=int, default=1)
    c.add_argument("--product", action="store_true", help="the product's recipe (slow)")
    c.add_argument("--out", required=True)
    j = sub.add_parser("judge")
    j.add_argument("files", nargs="+")
    j.add_argument("--boot", type=int, default=1000)
    j.add_argument("--json", action="store_true")
    j.add_argument("--seasons", help="only these holdout seasons, e.g. 2012-2022")
    j.add_argument(
        "--part", choices=("rule", "width", "unusual", "thin", "recorded"), default="rule"
    )
    t = sub.add_parser("truth")
    t.add_argument("file")
    t.add_argument("--prospects", type=int, default=6000)
    t.add_argument("--first", type=int, default=2008)
    t.add_argument("--last", type=int, default=2026)
    t.add_argument("--seed", type=int, default=7)
    t.add_argument("--replicates", type=int, default=200)
    t.add_argument("--seasons", help="only these holdout seasons, e.g. 2019-2022")
    t.add_argument("--boot", type=int, default=1000)
    t.add_argument("--json", action="store_true")
    t.add_argument(
        "--part", choices=("rule", "width", "unusual", "thin", "recorded"), default="rule"
    )
    args = parser.parse_args()
    {"collect": collect, "judge": judge, "truth": truth}[args.command](args)


if __name__ == "__main__":
    main()
