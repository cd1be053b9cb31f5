"""Feature values on small hand-built leagues, each family checked against numbers by hand."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from prospects.features.build import build_features
from prospects.features.catalog import FAMILIES, FEATURE_NAMES, FEATURES, names_in, render_markdown
from prospects.features.context import LeagueContext
from prospects.features.data import LeagueData
from prospects.features.examples import build_examples
from prospects.features.history import BUCKET_PRIOR, KNN_PRIOR
from prospects.labels import labels_for, reference_date
from tests.test_features_support import LeagueBuilder

DOC = Path(__file__).resolve().parents[1] / "docs" / "features.md"
R21 = reference_date(2021)


def years(a: date, b: date) -> float:
    return (a - b).days / 365.25


@pytest.fixture
def league() -> LeagueBuilder:
    """Three hitters and two pitchers around A / A+ in 2020-2021."""
    b = LeagueBuilder()
    b.prospect(1, birth=date(2000, 1, 1), position="SS", signed_on=date(2018, 7, 1))
    b.prospect(2, birth=date(1998, 6, 1), position="CF", bats="L", draft_round=None,
               signing_year=2016, signed_on=date(2016, 7, 2))  # fmt: skip
    b.prospect(3, birth=date(1999, 2, 1), position="1B", draft_round=5)
    b.prospect(4, birth=date(2000, 3, 1), position="SP", throws="L", draft_round=2,
               signing_year=2019)  # fmt: skip
    b.prospect(5, birth=date(1998, 3, 1), position="RP", draft_round=12, signing_year=2019)
    b.bat(1, 2020, "A", age=20, pa=400, so=100)
    b.bat(1, 2021, "A", age=21, pa=200, ab=180, so=40, end=date(2021, 6, 15))
    b.bat(1, 2021, "A+", age=21, pa=300, ab=260, so=90, start=date(2021, 6, 16))
    b.bat(2, 2020, "A", age=22, pa=600, ab=520, so=60)
    b.bat(2, 2021, "A", age=23, pa=200, ab=180, so=20)
    b.bat(3, 2021, "A+", age=22, pa=300, ab=260, so=30)
    b.pitch(4, 2021, "A", age=21, outs=300, bf=420, h=80, er=40, hr=8, bb=30, so=120, hbp=4)
    b.pitch(5, 2021, "A", age=23, outs=150, bf=220, h=50, er=30, hr=6, bb=25, so=40, hbp=3)
    b.report(1, date(2020, 3, 1), 50, hit=55, power=50, run=45, arm=50, field=55)
    b.report(1, date(2021, 8, 1), 55, hit=60, power=55, run=45, arm=50, field=55)
    b.report(4, date(2021, 7, 1), 50, fastball=60, breaking=55, changeup=45, control=50)
    return b


@pytest.fixture
def features(league: LeagueBuilder) -> pd.DataFrame:
    return build_features(league.data(), R21)


# -- the catalog and its document -------------------------------------------------------------


def test_catalog_has_at_least_50_unique_documented_features() -> None:
    assert len(FEATURE_NAMES) >= 50
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)
    assert {f.family for f in FEATURES} == set(FAMILIES)
    assert all(f.meaning.strip() for f in FEATURES)
    assert all(names_in(family) for family in FAMILIES)


def test_doc_lists_exactly_the_catalog() -> None:
    text = DOC.read_text()
    listed = re.findall(r"^\| `([a-z0-9_]+)` \|", text, flags=re.MULTILINE)
    assert listed == list(FEATURE_NAMES)
    assert text == render_markdown(), "regenerate docs/features.md from the catalog"


def test_matrix_has_catalog_columns_float64_indexed_by_prospect(features: pd.DataFrame) -> None:
    assert list(features.columns) == list(FEATURE_NAMES)
    assert features.index.name == "prospect_id"
    assert list(features.index) == [1, 2, 3, 4, 5]
    assert (features.dtypes == np.float64).all()


def test_requested_order_kept_and_unsigned_ids_left_out(league: LeagueBuilder) -> None:
    league.prospect(9, signing_year=2022)  # signed after the as-of date
    x = build_features(league.data(), R21, [4, 9, 1, 4])
    assert list(x.index) == [4, 1]


def test_context_for_another_day_is_refused(league: LeagueBuilder) -> None:
    data = league.data()
    context = LeagueContext.build(data, date(2021, 9, 1))
    with pytest.raises(ValueError):
        build_features(data, R21, context=context)


# -- bio ---------------------------------------------------------------------------------------


def test_bio_values(features: pd.DataFrame) -> None:
    p2 = features.loc[2]
    assert p2["age"] == pytest.approx(years(R21, date(1998, 6, 1)))
    assert p2["signing_age"] == pytest.approx(years(date(2016, 7, 2), date(1998, 6, 1)))
    assert p2["years_since_signing"] == pytest.approx(years(R21, date(2016, 7, 2)))
    assert np.isnan(p2["draft_round"]) and p2["is_international"] == 1
    assert p2["bats_left"] == 1 and p2["premium_position"] == 1 and p2["is_pitcher"] == 0
    p4, p5 = features.loc[4], features.loc[5]
    assert p4["is_pitcher"] == 1 and p4["throws_left"] == 1 and p4["is_reliever"] == 0
    assert p4["draft_round"] == 2 and p4["is_international"] == 0
    assert p5["is_reliever"] == 1


# -- progression -------------------------------------------------------------------------------


def test_progression_values(features: pd.DataFrame) -> None:
    p1 = features.loc[1]
    assert p1["highest_level"] == 2 and p1["first_level"] == 1
    assert p1["seasons_played"] == 2 and p1["seasons_at_level"] == 1
    # A+ 2021: prospect 1 (21, 300 PA) and prospect 3 (22, 300 PA) -> mean age 21.5.
    assert p1["age_vs_level"] == pytest.approx(-0.5)
    assert p1["age_vs_aplus_first"] == pytest.approx(-0.5)
    # A 2020: prospect 1 (20, 400 PA) and prospect 2 (22, 600 PA) -> mean age 21.2.
    assert p1["age_vs_a_first"] == pytest.approx(-1.2)
    assert np.isnan(p1["age_vs_aa_first"]) and np.isnan(p1["age_vs_rk_first"])
    assert p1["days_since_promotion"] == (R21 - date(2021, 6, 16)).days
    assert p1["levels_climbed_latest"] == 1
    assert p1["volume_at_level"] == 300 and p1["career_volume"] == 900
    assert p1["levels_per_year"] == pytest.approx(2 / years(R21, date(2018, 7, 1)))
    assert p1["mlb_pa_to_date"] == 0
    # A 2021 mixes hitters and pitchers: (21*200 + 23*200 + 21*420 + 23*220) / 1040.
    a_2021 = (21 * 200 + 23 * 200 + 21 * 420 + 23 * 220) / 1040
    assert features.loc[4, "age_vs_level"] == pytest.approx(21 - a_2021)


def test_prospect_without_lines(league: LeagueBuilder) -> None:
    league.prospect(8, signing_year=2021, signed_on=date(2021, 8, 1))
    x = build_features(league.data(), R21).loc[8]
    assert np.isnan(x["highest_level"]) and x["seasons_played"] == 0 and x["career_volume"] == 0
    assert np.isnan(x["h_pa"]) and np.isnan(x["p_ip"]) and np.isnan(x["hist_knn_rate"])


# -- hitting -----------------------------------------------------------------------------------


def test_strikeout_rate_relative_to_level_by_hand(features: pd.DataFrame) -> None:
    # A 2021: prospects 1 (40/200) and 2 (20/200) -> 0.15; A+ 2021: 1 (90/300), 3 (30/300) -> 0.2
    latest = (200 * (40 / 200 - 0.15) + 300 * (90 / 300 - 0.2)) / 500
    assert features.loc[1, "h_k_rel"] == pytest.approx(latest)
    # A 2020: 1 (100/400) and 2 (60/600) -> 0.16
    first = 100 / 400 - 0.16
    career = (400 * first + 200 * (40 / 200 - 0.15) + 300 * (90 / 300 - 0.2)) / 900
    assert features.loc[1, "h_k_rel_career"] == pytest.approx(career)
    assert features.loc[1, "h_k_trend"] == pytest.approx(latest - first)
    assert features.loc[1, "h_pa"] == 500
    assert features.loc[1, "h_sb_success"] == pytest.approx(20 / 28)


def test_composite_credits_youth_half_a_unit_per_year() -> None:
    b = LeagueBuilder()
    for pid, age in ((1, 19.0), (2, 23.0)):
        b.prospect(pid).bat(pid, 2021, "AA", age=age)
    x = build_features(b.data(), R21)
    assert x.loc[1, "h_woba_rel"] == pytest.approx(0.0)
    assert x.loc[1, "h_composite"] - x.loc[2, "h_composite"] == pytest.approx(0.5 * 4)


def test_hitter_has_no_pitching_features_and_pitcher_no_hitting(features: pd.DataFrame) -> None:
    pitching = [f.name for f in FEATURES if f.family == "pitching"]
    hitting = [f.name for f in FEATURES if f.family == "hitting"]
    assert features.loc[[1, 2, 3], pitching].isna().all().all()
    assert features.loc[[4, 5], hitting].isna().all().all()


# -- pitching ----------------------------------------------------------------------------------


def test_pitching_values_by_hand(features: pd.DataFrame) -> None:
    p4 = features.loc[4]
    # A 2021 pitchers together: 450 outs, 640 BF, 70 ER, 14 HR, 55 BB, 160 SO, 7 HBP.
    k_rel = 120 / 420 - 160 / 640
    bb_rel = 30 / 420 - 55 / 640
    assert p4["p_k_rel"] == pytest.approx(k_rel)
    assert p4["p_kbb_rel"] == pytest.approx(k_rel - bb_rel)
    fip_p4 = (13 * 8 + 3 * (30 + 4) - 2 * 120) / 100
    fip_level = (13 * 14 + 3 * (55 + 7) - 2 * 160) / 150
    assert p4["p_fip_rel"] == pytest.approx(fip_p4 - fip_level)
    assert p4["p_era_rel"] == pytest.approx(9 * 40 / 100 - 9 * 70 / 150)
    assert p4["p_ip"] == pytest.approx(100)
    assert p4["p_ip_per_season"] == pytest.approx(100)
    assert np.isnan(p4["p_fip_trend"])  # a single season has no trend


# -- scouting ----------------------------------------------------------------------------------


def test_scouting_values(features: pd.DataFrame) -> None:
    p1 = features.loc[1]
    assert p1["sc_fv"] == pytest.approx(0.5) and p1["sc_hit"] == pytest.approx(1.0)
    assert np.isnan(p1["sc_fastball"])
    assert p1["sc_fv_change_12m"] == pytest.approx(0.5)  # 50 a year before, 55 now
    assert p1["sc_n_reports"] == 2
    assert p1["sc_days_since_report"] == (R21 - date(2021, 8, 1)).days
    assert p1["sc_top_tools"] == pytest.approx((1.0 + 0.5) / 2)
    p4 = features.loc[4]
    assert p4["sc_fastball"] == pytest.approx(1.0) and np.isnan(p4["sc_hit"])
    assert np.isnan(p4["sc_fv_change_12m"])  # one report: no change observable


def test_prospect_without_reports_has_nan_grades(features: pd.DataFrame) -> None:
    scouting = [n for n in names_in("scouting") if n != "sc_n_reports"]
    assert features.loc[2, scouting].isna().all()
    assert features.loc[2, "sc_n_reports"] == 0


def test_reports_after_the_date_are_not_seen(league: LeagueBuilder) -> None:
    league.report(1, date(2021, 10, 2), 70, hit=80, power=80, run=80, arm=80, field=80)
    assert build_features(league.data(), R21).loc[1, "sc_fv"] == pytest.approx(0.5)


# -- history -----------------------------------------------------------------------------------


def history_league() -> LeagueBuilder:
    """A 2015 cohort (labels known 2019-10-01): three hitters at A, one at AA who made it."""
    b = LeagueBuilder()
    for pid in (11, 12, 13):
        b.prospect(pid, birth=date(1994, 1, 1), signing_year=2013).bat(pid, 2015, "A", age=21)
    b.prospect(14, birth=date(1993, 1, 1), signing_year=2013).bat(14, 2015, "AA", age=22)
    b.outcome(14, 2017, pa=600)
    b.prospect(20, birth=date(1997, 1, 1), signing_year=2016).bat(20, 2019, "AA", age=22)
    return b


def test_history_rates_smoothed_toward_the_base_rate() -> None:
    x = build_features(history_league().data(), reference_date(2019)).loc[20]
    base = 1 / 4
    assert x["hist_level_rate"] == pytest.approx((1 + BUCKET_PRIOR * base) / (1 + BUCKET_PRIOR))
    assert x["hist_knn_rate"] == pytest.approx((1 + KNN_PRIOR * base) / (1 + KNN_PRIOR))
    assert x["hist_round_rate"] == pytest.approx((1 + BUCKET_PRIOR * base) / (4 + BUCKET_PRIOR))
    assert 0.0 <= x["hist_perf_pctile"] <= 1.0


def test_history_is_empty_before_any_label_is_known() -> None:
    x = build_features(history_league().data(), date(2019, 9, 30)).loc[20]
    assert x[list(names_in("history"))].isna().all()


def test_history_ignores_labels_not_yet_known() -> None:
    """A 2016 cohort whose successes all happened by 2017 is still not known until 2020-10-01."""
    plain = history_league()
    leaky = history_league()
    for pid in (31, 32):
        for b in (plain, leaky):
            b.prospect(pid, birth=date(1994, 1, 1), signing_year=2013).bat(pid, 2016, "AA", age=22)
        leaky.outcome(pid, 2017, pa=600)  # known 2017-10-01, well before the date below
    day = reference_date(2019)
    pd.testing.assert_frame_equal(
        build_features(plain.data(), day, [20]), build_features(leaky.data(), day, [20])
    )
    # Once the 2016 labels are known, the same outcomes do move the rate: the case would leak.
    later = reference_date(2020)
    rate_plain = build_features(plain.data(), later).loc[20, "hist_level_rate"]
    rate_leaky = build_features(leaky.data(), later).loc[20, "hist_level_rate"]
    assert rate_leaky > rate_plain


# -- point in time on hand-built rows ----------------------------------------------------------


def test_rows_after_the_date_change_nothing(league: LeagueBuilder) -> None:
    before = build_features(league.data(), R21)
    league.bat(1, 2022, "AA", age=22, start=date(2022, 4, 5))
    league.bat(3, 2021, "AA", age=22, start=date(2021, 9, 20), end=date(2021, 10, 3))
    league.pitch(4, 2022, "A+", age=22)
    league.report(2, date(2021, 12, 1), 60, hit=70, power=70, run=70, arm=70, field=70)
    league.outcome(1, 2022, pa=700)
    league.prospect(7, signing_year=2022).bat(7, 2022, "A+", age=19)
    pd.testing.assert_frame_equal(before, build_features(league.data(), R21))


# -- examples ----------------------------------------------------------------------------------


def examples_league() -> LeagueBuilder:
    b = LeagueBuilder()
    b.prospect(41, signing_year=2014).bat(41, 2015, "A").bat(41, 2016, "AA")
    b.outcome(41, 2016, pa=100).outcome(41, 2017, pa=450).outcome(41, 2018, pa=100)
    b.outcome(41, 2020, pa=10)  # the last known season: labels known through 2020-10-01
    b.prospect(42, signing_year=2014).bat(42, 2015, "A").bat(42, 2016, "A").bat(42, 2017, "A+")
    b.prospect(43, position="SP", signing_year=2012)
    b.pitch(43, 2015, "AA").pitch(43, 2016, "AAA").outcome(43, 2015, outs=400)
    return b


def test_build_examples_by_hand() -> None:
    data = examples_league().data()
    calls: list[tuple[int, int]] = []
    x, meta = build_examples(data, progress=lambda done, total: calls.append((done, total)))
    assert list(meta.columns) == ["prospect_id", "ref_date", "season", "label"]
    assert x.index.equals(meta.index) and list(x.columns) == list(FEATURE_NAMES)
    # 43 succeeded in 2015 (before either reference date); 2017's labels are not known yet.
    assert meta[["prospect_id", "season", "label"]].values.tolist() == [
        [41, 2015, 1],
        [42, 2015, 0],
        [41, 2016, 1],
        [42, 2016, 0],
    ]
    assert calls == [(1, 2), (2, 2)]
    for season in (2015, 2016):
        rows = meta[meta["season"] == season]
        expected = labels_for(data.outcomes, rows["prospect_id"].to_numpy(), reference_date(season))
        assert rows["label"].tolist() == expected.tolist()
        assert (rows["ref_date"] == pd.Timestamp(reference_date(season))).all()
    # Features are those of the reference date.
    x16 = build_features(data, reference_date(2016), [41, 42])
    np.testing.assert_array_equal(x.iloc[2:].to_numpy(), x16.to_numpy())


def test_build_examples_skips_seasons_with_unknown_labels() -> None:
    x, meta = build_examples(examples_league().data(), seasons=[2017])
    assert len(x) == 0 and len(meta) == 0 and list(x.columns) == list(FEATURE_NAMES)
    x, meta = build_examples(LeagueData.empty())
    assert len(x) == 0 and len(meta) == 0


# -- edge cases --------------------------------------------------------------------------------


def test_empty_and_bare_leagues() -> None:
    empty = build_features(LeagueData.empty(), R21)
    assert empty.shape == (0, len(FEATURE_NAMES)) and empty.index.name == "prospect_id"
    bare = LeagueBuilder().prospect(1).data()
    x = build_features(bare, R21)
    assert x.loc[1, "age"] == pytest.approx(years(R21, date(2000, 1, 1)))
    assert x.loc[1, list(names_in("history"))].isna().all()  # nothing to compare with
    assert build_features(bare, R21, [2]).empty
    assert build_features(bare, date(2018, 1, 1)).empty  # not signed yet
