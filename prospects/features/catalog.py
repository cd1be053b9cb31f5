"""Every feature's name, family and meaning: the column order of every feature matrix.

The model, its explanations (SHAP narratives) and docs/features.md all read names
and meanings from here, so a feature is defined once.
"""

from __future__ import annotations

from dataclasses import dataclass

FAMILIES: tuple[str, ...] = ("bio", "progression", "hitting", "pitching", "scouting", "history")
# History features computed from the batting and pitching lines' counting stats (the composite):
# with the hitting and pitching families, every feature a stat line feeds.
STAT_LINE_HISTORY: frozenset[str] = frozenset(
    {"hist_knn_rate", "hist_knn_distance", "hist_perf_pctile"}
)


@dataclass(frozen=True)
class Feature:
    """One model input: its column name, family and a plain-language meaning."""

    name: str
    family: str
    meaning: str


_LEVEL_NAMES = {"rk": "Rookie ball", "a": "A", "aplus": "A+", "aa": "AA", "aaa": "AAA"}
_REL = "minus the level's mean for that season (stints weighted by PA, each against its own level)"
_PREL = "minus the level's mean for that season (stints weighted by BF, each against its own level)"

_HIT_RATES = {
    "avg": "batting average (H/AB)",
    "obp": "on-base percentage",
    "slg": "slugging percentage",
    "ops": "OPS (OBP + SLG)",
    "woba": "wOBA-like linear-weights rate",
    "iso": "isolated power (SLG - AVG)",
    "k": "strikeout rate (SO/PA)",
    "bb": "walk rate (BB/PA)",
    "hr": "home-run rate (HR/PA)",
    "sb": "stolen bases per PA",
}
_PIT_RATES = {
    "k": "strikeout rate (SO/BF)",
    "bb": "walk rate (BB/BF)",
    "kbb": "K-BB% (strikeout minus walk rate)",
    "fip": "FIP-like (13HR+3(BB+HBP)-2K)/IP + level constant",
    "era": "ERA-like (9 ER/IP)",
    "whip": "WHIP ((H+BB)/IP)",
    "hr9": "home runs per 9 innings",
    "baa": "batting average against (H/(BF-BB-HBP))",
}
_TOOLS = {
    "hit": "hit tool",
    "power": "power tool",
    "run": "run (speed) tool",
    "arm": "arm tool",
    "field": "fielding tool",
    "fastball": "fastball grade",
    "breaking": "breaking-ball grade",
    "changeup": "changeup grade",
    "control": "control grade",
    "fv": "overall future value (FV)",
}

HIT_COMPOSITE = (
    "age-adjusted hitting composite: wOBA-like minus level mean in units of 0.030, "
    "plus 0.5 per year younger than the level's mean age"
)
PIT_COMPOSITE = (
    "age-adjusted pitching composite: half K-BB% over level in units of 0.06, half FIP under "
    "level in units of 0.8, plus 0.5 per year younger than the level's mean age"
)


def _catalog() -> tuple[Feature, ...]:
    f: list[Feature] = []

    def add(family: str, name: str, meaning: str) -> None:
        f.append(Feature(name, family, meaning))

    add("bio", "age", "Age in years on the as-of date.")
    add("bio", "is_pitcher", "1 for a pitcher (SP or RP), 0 for a position player.")
    add("bio", "is_reliever", "1 for a relief pitcher (RP).")
    add("bio", "premium_position", "1 for a catcher, shortstop or center fielder.")
    add("bio", "bats_left", "1 if the prospect bats left-handed.")
    add("bio", "bats_switch", "1 for a switch-hitter.")
    add("bio", "throws_left", "1 if the prospect throws left-handed.")
    add("bio", "draft_round", "Draft round; NaN for any other signing or an unknown round.")
    add(
        "bio",
        "is_international",
        "1 for an international signing, 0 for a draft or undrafted free agent; NaN unknown.",
    )
    add("bio", "signing_age", "Age in years on the signing date; NaN if the date is unknown.")
    add(
        "bio",
        "years_since_signing",
        "Years from signing to the as-of date; NaN if the signing date is unknown.",
    )

    add(
        "progression",
        "highest_level",
        "Highest level with a known line: 0 Rk, 1 A, 2 A+, 3 AA, 4 AAA.",
    )
    add("progression", "first_level", "Level of the first professional stint (0 Rk .. 4 AAA).")
    add("progression", "seasons_played", "Seasons with at least one known minor-league line.")
    add("progression", "seasons_at_level", "Seasons with a stint at the highest level reached.")
    add(
        "progression",
        "levels_per_year",
        "Highest level reached per year since signing (years floored at 0.5).",
    )
    add(
        "progression",
        "age_vs_level",
        "Age in the latest stint at the highest level minus that level's mean age that season "
        "(negative: young for the level).",
    )
    for key, label in _LEVEL_NAMES.items():
        add(
            "progression",
            f"age_vs_{key}_first",
            f"Age when first reaching {label} minus {label}'s mean age that season; "
            "NaN if never reached.",
        )
    add(
        "progression",
        "days_since_promotion",
        "Days from the start of the first stint at the highest level to the as-of date.",
    )
    add(
        "progression",
        "levels_climbed_latest",
        "Highest level in the latest season minus highest level before it (within the season "
        "for a first season); negative after a demotion.",
    )
    add("progression", "volume_at_level", "PA (hitters) or BF (pitchers) at the highest level.")
    add("progression", "career_volume", "Career minor-league PA (hitters) or BF (pitchers).")
    add(
        "progression", "mlb_pa_to_date", "MLB plate appearances in seasons known on the as-of date."
    )
    add("progression", "mlb_ip_to_date", "MLB innings in seasons known on the as-of date.")

    add("hitting", "h_pa", "Plate appearances in the latest season.")
    for key, what in _HIT_RATES.items():
        add("hitting", f"h_{key}_rel", f"Latest season {what} {_REL}.")
    add("hitting", "h_sb_success", "Latest season stolen-base success rate SB/(SB+CS).")
    add("hitting", "h_bbk", "Latest season walks per strikeout (BB/SO).")
    add("hitting", "h_composite", f"Latest season {HIT_COMPOSITE}.")
    for key in ("ops", "woba", "k", "bb", "iso"):
        add("hitting", f"h_{key}_rel_career", f"Career {_HIT_RATES[key]} {_REL}.")
    add("hitting", "h_bbk_career", "Career walks per strikeout (BB/SO).")
    add("hitting", "h_composite_career", f"Career {HIT_COMPOSITE}.")
    add("hitting", "h_woba_trend", "Latest minus previous season wOBA-like relative to level.")
    add("hitting", "h_k_trend", "Latest minus previous season strikeout rate relative to level.")
    add("hitting", "h_composite_trend", "Latest minus previous season hitting composite.")

    add("pitching", "p_ip", "Innings pitched in the latest season.")
    for key, what in _PIT_RATES.items():
        add("pitching", f"p_{key}_rel", f"Latest season {what} {_PREL}.")
    add("pitching", "p_composite", f"Latest season {PIT_COMPOSITE}.")
    for key in ("k", "bb", "kbb", "fip", "era", "whip"):
        add("pitching", f"p_{key}_rel_career", f"Career {_PIT_RATES[key]} {_PREL}.")
    add("pitching", "p_ip_per_season", "Career innings per season pitched.")
    add("pitching", "p_composite_career", f"Career {PIT_COMPOSITE}.")
    add("pitching", "p_kbb_trend", "Latest minus previous season K-BB% relative to level.")
    add("pitching", "p_fip_trend", "Latest minus previous season FIP-like relative to level.")
    add("pitching", "p_composite_trend", "Latest minus previous season pitching composite.")

    for key, what in _TOOLS.items():
        add(
            "scouting",
            f"sc_{key}",
            f"Latest report's {what} as (grade-50)/10; NaN without a report or for a tool "
            "that does not apply.",
        )
    add(
        "scouting",
        "sc_fv_change_12m",
        "Latest FV minus the FV in effect 12 months earlier (or the first FV if none was), "
        "in grade units /10; NaN with a single report.",
    )
    add(
        "scouting",
        "sc_fv_change_total",
        "Latest FV minus first FV, in grade units /10; NaN with a single report.",
    )
    add("scouting", "sc_n_reports", "Number of scouting reports known on the as-of date.")
    add("scouting", "sc_days_since_report", "Days since the latest report.")
    add(
        "scouting",
        "sc_top_tools",
        "Mean of the two best tool grades of the latest report, (g-50)/10.",
    )

    add(
        "history",
        "hist_knn_rate",
        "Smoothed success rate of the 50 most similar earlier prospects (same role and highest "
        "level; near in age, composite and FV) whose labels are known on the as-of date.",
    )
    add(
        "history",
        "hist_knn_distance",
        "Mean standardised distance to those neighbours (large: few historical look-alikes).",
    )
    add(
        "history",
        "hist_perf_pctile",
        "Percentile (0-1) of the latest-season composite among historical prospects of the "
        "same role at the same level.",
    )
    add(
        "history",
        "hist_level_rate",
        "Smoothed historical success rate of prospects of the same role at the same highest level.",
    )
    add(
        "history",
        "hist_fv_rate",
        "Smoothed historical success rate of prospects of the same role with the same FV grade "
        "(no report is its own bucket).",
    )
    add(
        "history",
        "hist_round_rate",
        "Smoothed historical success rate of prospects of the same role in the same draft bucket "
        "(1, 2, 3-5, 6-10, 11+, international).",
    )
    return tuple(f)


FEATURES: tuple[Feature, ...] = _catalog()
FEATURE_NAMES: tuple[str, ...] = tuple(feature.name for feature in FEATURES)
FEATURE_INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURE_NAMES)}
BY_NAME: dict[str, Feature] = {feature.name: feature for feature in FEATURES}


def names_in(family: str) -> tuple[str, ...]:
    """The feature names of one family, in matrix order."""
    return tuple(feature.name for feature in FEATURES if feature.family == family)


def render_markdown() -> str:
    """docs/features.md: a name | family | meaning table generated from the catalog."""
    lines = [
        "# Features",
        "",
        "Generated from `prospects/features/catalog.py`; edit the catalog, not this file, then run",
        "`python -c 'from prospects.features.catalog import render_markdown as r; "
        'print(r(), end="")\' > docs/features.md`.',
        "",
        "Every value is computed as of a reference date from rows known on that date. "
        "NaN means not applicable (e.g. pitching features of a hitter) or not yet observed.",
        "",
        f"{len(FEATURES)} features.",
        "",
        "| name | family | meaning |",
        "|---|---|---|",
    ]
    lines += [f"| `{f.name}` | {f.family} | {f.meaning.replace('|', '/')} |" for f in FEATURES]
    return "\n".join(lines) + "\n"
