"""How a scout reads each feature: a label, a concept group and a formatter in the native unit.

The catalog (``catalog.py``) says what a feature *is*; this module says how an
answer *talks* about it. Values are stored in model units (FV as (grade-50)/10,
rates as fractions relative to the level, days, 0/1 flags); a formatter turns
one back into what a scout writes: "FV 70", "K% 6.0 points below his level's
average", "has not reached AA yet".

Every catalog feature must have an entry (tests/test_wording.py iterates the
catalog, so a feature added without one fails). A ``diagnostic`` feature (one
that describes the model's reference data rather than the player) still counts
in its concept's points but is never named in a narrative.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from prospects.features.hitting import HIT_SCALE
from prospects.features.pitching import FIP_SCALE

# Concept groups, in the order an answer lists them when effects tie.
CONCEPTS: dict[str, str] = {
    "age_for_level": "age for level",
    "performance": "performance",
    "scouting": "scouting reports",
    "progression": "progression",
    "mlb_exposure": "MLB exposure",
    "background": "background",
    "history": "how similar prospects fared",
}

Formatter = Callable[[float], str]

LEVELS = ("Rookie ball", "A", "A+", "AA", "AAA")
_FIRST = {"rk": "Rookie ball", "a": "A", "aplus": "A+", "aa": "AA", "aaa": "AAA"}


@dataclass(frozen=True)
class Wording:
    """A feature as an answer names it."""

    label: str
    concept: str
    format: Formatter
    diagnostic: bool = False


def missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _n(value: float, digits: int = 1) -> str:
    """A number with thousands separators, no trailing ``.0``."""
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _grade(value: float) -> int:
    """(grade-50)/10 back to the 20-80 scale, rounded to 5 as scouts grade."""
    return int(round((value * 10 + 50) / 5) * 5)


def _level(value: float) -> str:
    i = int(round(value))
    return LEVELS[min(max(i, 0), len(LEVELS) - 1)]


def _flag(yes: str, no: str) -> Formatter:
    return lambda v: no if missing(v) or v < 0.5 else yes


def _years_vs(level: str | None) -> Formatter:
    """Age minus the level's mean age: 'reached AA 1.4 years younger than the level's average'."""

    def fmt(v: float) -> str:
        where = level or "his highest level"
        if missing(v):
            return f"has not reached {where} yet" if level else "no level reached yet"
        verb = f"reached {where}" if level else f"at {where}"
        if abs(v) < 0.05:
            return f"{verb} at the level's average age"
        side = "younger" if v < 0 else "older"
        return f"{verb} {_n(abs(v))} years {side} than the level's average"

    return fmt


def _grade_fmt(name: str) -> Formatter:
    return lambda v: f"no {name} grade" if missing(v) else f"{name} {_grade(v)}"


def _grade_change(span: str) -> Formatter:
    def fmt(v: float) -> str:
        if missing(v):
            return "a single scouting report so far"
        points = int(round(v * 10))
        if points == 0:
            return f"FV unchanged {span}"
        return f"FV {'up' if points > 0 else 'down'} {abs(points)} points {span}"

    return fmt


def _relative(stat: str, amount: Callable[[float], str | None]) -> Formatter:
    """A rate relative to his level's average: ``amount`` writes its size in the stat's own
    unit, or None when it rounds to nothing."""

    def fmt(v: float) -> str:
        if missing(v):
            return f"no {stat} on record"
        size = amount(v)
        if size is None:
            return f"{stat} at his level's average"
        return f"{stat} {size} {'above' if v > 0 else 'below'} his level's average"

    return fmt


def _pct_points(stat: str, scale: float = 100.0) -> Formatter:
    """In percentage points: 'K% 6.0 points below …'."""
    return _relative(
        stat, lambda v: None if abs(v * scale) < 0.05 else f"{_n(abs(v * scale))} points"
    )


def _avg_points(stat: str) -> Formatter:
    """A .xxx rate in 'points' (thousandths), as scouts say it."""
    return _relative(
        stat, lambda v: f"{abs(round(v * 1000)):.0f} points" if round(v * 1000) else None
    )


def _runs(stat: str) -> Formatter:
    """ERA-like rates in runs (or hits/walks) per the stat's unit."""
    return _relative(stat, lambda v: None if abs(v) < 0.005 else f"{abs(v):.2f}")


# The composites are in abstract units (prospects/features/hitting.py, pitching.py); a scout
# reads them in the stat each unit stands for: a hitter's unit is HIT_SCALE of wOBA, a
# pitcher's the FIP_SCALE runs its FIP half is scaled by (its K-BB% half counts the same).
HITTING_UNIT = (HIT_SCALE * 1000, 0, "points of wOBA", ("above", "below"))
PITCHING_UNIT = (FIP_SCALE, 2, "runs of FIP", ("better than", "worse than"))


def _composite(kind: str, when: str, unit: tuple[float, int, str, tuple[str, str]]) -> Formatter:
    scale, digits, words, (better, worse) = unit

    def fmt(v: float) -> str:
        if missing(v):
            return f"no {when} {kind} line"
        if abs(v) < 0.05:
            return f"{when} {kind} at his level's average for his age"
        return (
            f"{when} {kind} worth {_n(abs(v) * scale, digits)} {words} "
            f"{better if v > 0 else worse} his level's average, age considered"
        )

    return fmt


def _trend(
    stat: str, scale: float, unit: str, directions: tuple[str, str] = ("up", "down")
) -> Formatter:
    up, down = directions

    def fmt(v: float) -> str:
        if missing(v):
            return f"no earlier season to compare his {stat}"
        amount = v * scale
        if abs(amount) < 0.05:
            return f"{stat} steady on last season"
        return f"{stat} {up if amount > 0 else down} {_n(abs(amount))}{unit} on last season"

    return fmt


def _count(unit: str, none: str) -> Formatter:
    def fmt(v: float) -> str:
        if missing(v) or v <= 0:
            return none
        return f"{_n(v, 0)} {unit}"

    return fmt


def _rate_of(who: str) -> Formatter:
    return lambda v: (
        f"no {who} to compare with" if missing(v) else f"{v:.0%} of {who} reached the bar"
    )


def _years(what: str) -> Formatter:
    return lambda v: "time as a pro unknown" if missing(v) else f"{what} {_n(v)} years"


def _catalog_wording() -> dict[str, Wording]:
    w: dict[str, Wording] = {}

    def add(name: str, label: str, concept: str, fmt: Formatter, diagnostic: bool = False) -> None:
        w[name] = Wording(label, concept, fmt, diagnostic)

    add("age", "age", "age_for_level", lambda v: "age unknown" if missing(v) else f"age {_n(v)}")
    add("is_pitcher", "role", "background", _flag("a pitcher", "a position player"))
    add("is_reliever", "relief role", "background", _flag("a reliever", "not a reliever"))
    add(
        "premium_position",
        "premium position",
        "background",
        _flag("plays a premium position (C, SS or CF)", "not at C, SS or CF"),
    )
    add("bats_left", "bats left", "background", _flag("bats left-handed", "does not bat left"))
    add(
        "bats_switch",
        "switch-hitter",
        "background",
        _flag("a switch-hitter", "not a switch-hitter"),
    )
    add(
        "throws_left",
        "throws left",
        "background",
        _flag("throws left-handed", "throws right-handed"),
    )
    add(
        "draft_round",
        "draft round",
        "background",
        lambda v: "signed internationally" if missing(v) else f"drafted in round {int(v)}",
    )
    add(
        "is_international",
        "international signing",
        "background",
        _flag("an international signing", "a draftee"),
    )
    add(
        "signing_age",
        "signing age",
        "background",
        lambda v: "signing age unknown" if missing(v) else f"signed at {_n(v)}",
    )
    add("years_since_signing", "years as a pro", "progression", _years("a pro for"))

    add(
        "highest_level",
        "highest level",
        "progression",
        lambda v: "no professional line yet" if missing(v) else f"highest level {_level(v)}",
    )
    add(
        "first_level",
        "first level",
        "progression",
        lambda v: "no professional line yet" if missing(v) else f"started in {_level(v)}",
    )
    add(
        "seasons_played",
        "seasons played",
        "progression",
        _count("minor-league seasons", "no minor-league season yet"),
    )
    add(
        "seasons_at_level",
        "seasons at his level",
        "progression",
        _count("seasons at his highest level", "no season at a level yet"),
    )
    add(
        "levels_per_year",
        "pace of promotion",
        "progression",
        lambda v: "no pace yet" if missing(v) else f"{v:.2f} levels a year since signing",
    )
    add("age_vs_level", "age for his level", "age_for_level", _years_vs(None))
    for key, label in _FIRST.items():
        add(f"age_vs_{key}_first", f"age reaching {label}", "age_for_level", _years_vs(label))
    add(
        "days_since_promotion",
        "time at his level",
        "progression",
        lambda v: (
            "no level reached yet"
            if missing(v)
            else f"at his highest level for {_n(v / 365.25)} years"
        ),
    )
    add(
        "levels_climbed_latest",
        "latest movement",
        "progression",
        lambda v: (
            "no season to compare"
            if missing(v)
            else (
                "stayed at the same level last season"
                if round(v) == 0
                else f"{'climbed' if v > 0 else 'dropped'} {abs(int(round(v)))} level"
                f"{'s' if abs(round(v)) > 1 else ''} last season"
            )
        ),
    )
    add(
        "volume_at_level",
        "playing time at his level",
        "progression",
        _count("PA/BF at his highest level", "no playing time at a level yet"),
    )
    add(
        "career_volume",
        "career playing time",
        "progression",
        _count("career minor-league PA/BF", "no minor-league playing time yet"),
    )
    add(
        "mlb_pa_to_date",
        "MLB plate appearances",
        "mlb_exposure",
        _count("MLB plate appearances", "no MLB plate appearances"),
    )
    add("mlb_ip_to_date", "MLB innings", "mlb_exposure", _count("MLB innings", "no MLB innings"))

    add(
        "h_pa",
        "plate appearances this season",
        "performance",
        _count("PA last season", "no PA last season"),
    )
    for key, stat in (
        ("avg", "AVG"),
        ("obp", "OBP"),
        ("slg", "SLG"),
        ("ops", "OPS"),
        ("woba", "wOBA"),
        ("iso", "ISO"),
    ):
        add(f"h_{key}_rel", stat, "performance", _avg_points(stat))
    for key, stat in (("k", "K%"), ("bb", "BB%"), ("hr", "HR%"), ("sb", "steals per 100 PA")):
        add(f"h_{key}_rel", stat, "performance", _pct_points(stat))
    add(
        "h_sb_success",
        "stolen-base success",
        "performance",
        lambda v: "no steal attempts" if missing(v) else f"stole successfully {v:.0%} of the time",
    )
    add(
        "h_bbk",
        "walks per strikeout",
        "performance",
        lambda v: "no walk or strikeout record" if missing(v) else f"{v:.2f} walks per strikeout",
    )
    add(
        "h_composite",
        "hitting line",
        "performance",
        _composite("hitting line", "latest", HITTING_UNIT),
    )
    for key, stat in (("ops", "OPS"), ("woba", "wOBA"), ("iso", "ISO")):
        add(f"h_{key}_rel_career", f"career {stat}", "performance", _avg_points(f"career {stat}"))
    for key, stat in (("k", "K%"), ("bb", "BB%")):
        add(f"h_{key}_rel_career", f"career {stat}", "performance", _pct_points(f"career {stat}"))
    add(
        "h_bbk_career",
        "career walks per strikeout",
        "performance",
        lambda v: (
            "no career walk or strikeout record"
            if missing(v)
            else f"{v:.2f} career walks per strikeout"
        ),
    )
    add(
        "h_composite_career",
        "career hitting line",
        "performance",
        _composite("hitting line", "career", HITTING_UNIT),
    )
    add(
        "h_woba_trend",
        "wOBA trend",
        "performance",
        _trend("wOBA against his level", 1000, " points"),
    )
    add("h_k_trend", "K% trend", "performance", _trend("K% against his level", 100, " points"))
    add(
        "h_composite_trend",
        "hitting trend",
        "performance",
        _trend("hitting line", HIT_SCALE * 1000, " points of wOBA"),
    )

    add(
        "p_ip",
        "innings this season",
        "performance",
        _count("innings last season", "no innings last season"),
    )
    for key, stat in (("k", "K%"), ("bb", "BB%"), ("kbb", "K-BB%")):
        add(f"p_{key}_rel", stat, "performance", _pct_points(stat))
    for key, stat in (("fip", "FIP"), ("era", "ERA"), ("whip", "WHIP"), ("hr9", "HR/9")):
        add(f"p_{key}_rel", stat, "performance", _runs(stat))
    add("p_baa_rel", "average against", "performance", _avg_points("average against"))
    add(
        "p_composite",
        "pitching line",
        "performance",
        _composite("pitching line", "latest", PITCHING_UNIT),
    )
    for key, stat in (("k", "K%"), ("bb", "BB%"), ("kbb", "K-BB%")):
        add(f"p_{key}_rel_career", f"career {stat}", "performance", _pct_points(f"career {stat}"))
    for key, stat in (("fip", "FIP"), ("era", "ERA"), ("whip", "WHIP")):
        add(f"p_{key}_rel_career", f"career {stat}", "performance", _runs(f"career {stat}"))
    add(
        "p_ip_per_season",
        "innings per season",
        "performance",
        _count("innings a season", "no innings yet"),
    )
    add(
        "p_composite_career",
        "career pitching line",
        "performance",
        _composite("pitching line", "career", PITCHING_UNIT),
    )
    add(
        "p_kbb_trend",
        "K-BB% trend",
        "performance",
        _trend("K-BB% against his level", 100, " points"),
    )
    add("p_fip_trend", "FIP trend", "performance", _trend("FIP against his level", 1, ""))
    add(
        "p_composite_trend",
        "pitching trend",
        "performance",
        _trend("pitching line", FIP_SCALE, " runs of FIP"),
    )

    tools = {
        "hit": "hit tool", "power": "power", "run": "speed", "arm": "arm", "field": "glove",
        "fastball": "fastball", "breaking": "breaking ball", "changeup": "changeup",
        "control": "control", "fv": "FV",
    }  # fmt: skip
    for key, name in tools.items():
        add(f"sc_{key}", name if key == "fv" else f"{name} grade", "scouting", _grade_fmt(name))
    add("sc_fv_change_12m", "FV change over 12 months", "scouting", _grade_change("over 12 months"))
    add(
        "sc_fv_change_total",
        "FV change since his first report",
        "scouting",
        _grade_change("since his first report"),
    )
    add(
        "sc_n_reports",
        "scouting reports",
        "scouting",
        _count("scouting reports", "no scouting report"),
    )
    add(
        "sc_days_since_report",
        "age of the latest report",
        "scouting",
        lambda v: (
            "no scouting report" if missing(v) else f"latest report {_n(v / 30.44, 0)} months old"
        ),
    )
    add(
        "sc_top_tools",
        "best two tools",
        "scouting",
        lambda v: (
            "no tool grades" if missing(v) else f"best two tools average {_n(v * 10 + 50, 0)}"
        ),
    )

    add(
        "hist_knn_rate",
        "similar earlier prospects",
        "history",
        _rate_of("the 50 most similar earlier prospects"),
    )
    add(
        "hist_knn_distance",
        "distance to similar prospects",
        "history",
        lambda v: "n/a" if missing(v) else f"{v:.2f}",
        diagnostic=True,
    )
    add(
        "hist_perf_pctile",
        "season among past prospects at his level",
        "history",
        lambda v: (
            "no season line to compare"
            if missing(v)
            else f"latest season better than {v:.0%} of past prospects at his level"
        ),
    )
    add(
        "hist_level_rate",
        "history of his level",
        "history",
        _rate_of("past prospects who topped out at his level"),
    )
    add(
        "hist_fv_rate", "history of his FV grade", "history", _rate_of("past prospects with his FV")
    )
    add(
        "hist_round_rate",
        "history of his draft bucket",
        "history",
        _rate_of("past prospects from his draft bucket"),
    )
    return w


WORDING: dict[str, Wording] = _catalog_wording()


# A feature a model knows and this code does not word (a model trained on features added
# since, before their wording): counted in its points, never named. tests/test_wording.py
# keeps every catalog feature out of this.
UNWORDED = Wording("other factors", "background", lambda v: "", diagnostic=True)


def wording(name: str) -> Wording:
    """The wording of ``name``; ``UNWORDED`` for a feature without one."""
    return WORDING.get(name, UNWORDED)


def describe(name: str, value: float | None) -> str:
    """The feature's value as a scout writes it."""
    v = float("nan") if value is None else float(value)
    return wording(name).format(v)


def _expected_signs() -> dict[str, int]:
    """Which way a scout expects a value (measured from its neutral 0) to help: +1 higher is
    better, -1 lower is better. A fact pulling against this reads backwards ("FV down 5
    points" quoted as helping), so narratives never quote one; its points still count."""
    signs: dict[str, int] = {"sc_fv_change_12m": 1, "sc_fv_change_total": 1}
    for key in ("avg", "obp", "slg", "ops", "woba", "iso", "bb", "hr", "sb"):
        signs[f"h_{key}_rel"] = 1
    for key in ("ops", "woba", "iso", "bb"):
        signs[f"h_{key}_rel_career"] = 1
    signs.update({"h_k_rel": -1, "h_k_rel_career": -1, "h_composite": 1})
    signs.update({"h_composite_career": 1, "h_woba_trend": 1, "h_k_trend": -1})
    signs.update({"h_composite_trend": 1, "p_k_rel": 1, "p_kbb_rel": 1, "p_bb_rel": -1})
    for key in ("fip", "era", "whip", "hr9", "baa"):
        signs[f"p_{key}_rel"] = -1
    signs.update({"p_k_rel_career": 1, "p_kbb_rel_career": 1, "p_bb_rel_career": -1})
    for key in ("fip", "era", "whip"):
        signs[f"p_{key}_rel_career"] = -1
    signs.update({"p_composite": 1, "p_composite_career": 1, "p_kbb_trend": 1})
    signs.update({"p_fip_trend": -1, "p_composite_trend": 1, "age_vs_level": -1})
    for key in _FIRST:
        signs[f"age_vs_{key}_first"] = -1
    return signs


EXPECTED_SIGN: dict[str, int] = _expected_signs()
