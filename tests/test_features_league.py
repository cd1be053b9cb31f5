"""Point-in-time, leakage and serving guarantees on a generated league (SQLite, 700 prospects)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from prospects.db.session import init_db, reset_engine, session_scope
from prospects.features.build import build_features
from prospects.features.catalog import FEATURE_NAMES, names_in
from prospects.features.context import LeagueContext
from prospects.features.data import LeagueData, load_league
from prospects.features.examples import build_examples
from prospects.features.snapshots import season_snapshots
from prospects.labels import labels_for, reference_date, succeeded_before
from prospects.league.generator import generate_league

R = reference_date(2019)
MID = date(2019, 6, 15)  # mid-season: some of the season's stints are not over yet


@pytest.fixture(scope="module")
def league_url(tmp_path_factory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('league') / 'league.db'}"
    init_db(url)
    with session_scope(url) as session:
        generate_league(session, n_prospects=700, first_season=2008, last_season=2026, seed=5)
    yield url
    reset_engine(url)


@pytest.fixture(scope="module")
def league(league_url: str) -> LeagueData:
    with session_scope(league_url) as session:
        return load_league(session)


def sample_ids(x: pd.DataFrame, n: int = 40) -> list[int]:
    """Hitters, pitchers, prospects with and without lines and reports."""
    picks = [
        x.index[x["is_pitcher"] == 1][:8],
        x.index[x["is_pitcher"] == 0][:8],
        x.index[x["highest_level"].isna()][:4],
        x.index[x["sc_n_reports"] == 0][:4],
        x.index[x["highest_level"] == 4][:4],
    ]
    rng = np.random.default_rng(0)
    picks.append(pd.Index(rng.choice(x.index, size=n, replace=False)))
    return list(dict.fromkeys(int(i) for idx in picks for i in idx))


@pytest.mark.parametrize("day", [R, MID])
def test_later_rows_change_nothing(league: LeagueData, day: date) -> None:
    pd.testing.assert_frame_equal(
        build_features(league, day), build_features(league.as_of(day), day)
    )


def test_later_outcomes_of_featurised_prospects_change_nothing(league: LeagueData) -> None:
    x = build_features(league, R)
    ids = x.index.to_numpy()
    out = league.outcomes.copy()
    later = (out["season"] > R.year) & out["prospect_id"].isin(ids)
    assert later.any()
    out.loc[later, "mlb_pa"] = out.loc[later, "mlb_pa"] * 7 + 600
    out.loc[later, "mlb_outs"] = 999
    extra = pd.DataFrame(
        {
            "prospect_id": ids,
            "season": R.year + 1,
            "mlb_pa": 650,
            "mlb_outs": 0,
            "known_on": pd.Timestamp(reference_date(R.year + 1)),
        }
    )
    extra = extra[~extra["prospect_id"].isin(out.loc[out["season"] == R.year + 1, "prospect_id"])]
    changed = replace(league, outcomes=pd.concat([out, extra], ignore_index=True))
    pd.testing.assert_frame_equal(x, build_features(changed, R))


@pytest.mark.parametrize("day", [R, MID])
def test_one_prospect_with_league_context_equals_its_league_row(
    league: LeagueData, day: date
) -> None:
    context = LeagueContext.build(league, day)
    full = build_features(league, day, context=context)
    ids = sample_ids(full)
    for pid in ids:
        one = build_features(league.for_prospects([pid]), day, [pid], context=context)
        pd.testing.assert_frame_equal(one, full.loc[[pid]])
    chunk = build_features(league.for_prospects(ids), day, ids, context=context)
    pd.testing.assert_frame_equal(chunk, full.loc[ids])


def test_serving_path_from_the_database(league_url: str, league: LeagueData) -> None:
    context = LeagueContext.build(league, R)
    full = build_features(league, R, context=context)
    with session_scope(league_url) as session:
        for pid in sample_ids(full, n=5)[:10]:
            rows = load_league(session, [pid], as_of=R)
            pd.testing.assert_frame_equal(
                build_features(rows, R, [pid], context=context), full.loc[[pid]]
            )


def test_shared_snapshots_give_the_same_context(league: LeagueData) -> None:
    shared = season_snapshots(league)
    for day in (reference_date(2016), R):
        known = league.as_of(day)
        alone = build_features(known, day, context=LeagueContext.build(known, day))
        together = build_features(
            known, day, context=LeagueContext.build(known, day, snapshots=shared)
        )
        pd.testing.assert_frame_equal(alone, together)


def test_features_are_sane(league: LeagueData) -> None:
    x = build_features(league, R)
    assert list(x.columns) == list(FEATURE_NAMES)
    assert not np.isinf(x.to_numpy()).any()
    history = x[list(names_in("history"))]
    rates = history[["hist_knn_rate", "hist_level_rate", "hist_fv_rate", "hist_round_rate"]]
    assert ((rates > 0) & (rates < 1)).where(rates.notna(), True).all().all()
    played = x["highest_level"].notna()
    assert x.loc[played, "hist_knn_rate"].notna().all()
    for name in FEATURE_NAMES:  # every feature varies somewhere: none is dead
        assert x[name].nunique() > 1, name


def test_build_examples_on_the_league(league: LeagueData, capsys) -> None:
    seasons = [2012, 2016, 2022, 2023]
    x, meta = build_examples(league, seasons)
    assert capsys.readouterr().out == ""
    assert sorted(meta["season"].unique()) == [2012, 2016, 2022]  # 2023: label not known
    assert x.index.equals(meta.index) and len(x) > 100
    for season in (2012, 2016, 2022):
        rows = meta[meta["season"] == season]
        ref = reference_date(season)
        ids = rows["prospect_id"].to_numpy()
        assert rows["label"].tolist() == labels_for(league.outcomes, ids, ref).tolist()
        assert not succeeded_before(league.outcomes, ids, ref).any()
        pd.testing.assert_frame_equal(
            x.loc[rows.index].set_axis(pd.Index(ids, name="prospect_id")),
            build_features(league, ref, ids),
        )
    assert 0.02 < meta["label"].mean() < 0.5
