"""Scouting grades: a read of a prospect's present plus a projection, on the 20-80 scale.

A scout sees what a player is today (his current skill, through the noise of a
few looks) and projects the development a typical player of his age still has
ahead. He cannot see the player's own growth rate or peak age, nor the breaks
still to come, so a grade at signing is a projection with a large error. The
read has a persistent part (the same misjudgment report after report) and a
per-report part (scouts disagree); both shrink with professional experience
and with the number of looks, so later grades are sharper.
"""

from __future__ import annotations

import numpy as np

from prospects.league.stats import (
    ARM,
    BREAKING,
    CHANGEUP,
    CONTACT,
    CONTROL,
    FASTBALL,
    FIELD,
    POWER,
    SPEED,
)
from prospects.league.talent import expected_growth_left

HITTER_TOOLS = ("hit", "power", "run", "arm", "field")
PITCHER_TOOLS = ("fastball", "breaking", "changeup", "control")
GRADE_COLUMNS = HITTER_TOOLS + PITCHER_TOOLS + ("fv",)

BIAS_SD = 0.6  # persistent misread of a newly signed player, in skill units
NOISE_SD = (0.35, 0.35)  # per-report noise (scouts disagree): floor, plus a part that fades
EXPERIENCE_SCALE = 2.5  # years of pro ball over which the misread fades by a factor e
BIAS_FLOOR = 0.9  # share of the persistent misread that never fades (the club shares it)
LOOKS_SCALE = 3.0  # earlier reports after which the fading part of the noise is halved
GROWTH_SIGHT = 0.2  # share of a player's own growth still to come a scout sees (his frame)
FV_AT_MLB_BAR = 42.5  # FV of a ceiling right at the MLB bar: an up-and-down player
FV_PER_SKILL = (4.0, 12.5)  # FV points per unit of ceiling below and above the bar
# Tool grade = 45 + ceiling weight * ceiling + tool weight * latent tool + noise.
_HITTER_TOOL_SOURCE = {"hit": CONTACT, "power": POWER, "run": SPEED, "arm": ARM, "field": FIELD}
_PITCHER_TOOL_SOURCE = {
    "fastball": FASTBALL,
    "breaking": BREAKING,
    "changeup": CHANGEUP,
    "control": CONTROL,
}
TOOL_WEIGHTS = (5.0, 8.0)
TOOL_NOISE_SD = 4.0


def to_grade(value: np.ndarray) -> np.ndarray:
    """Round to the scouting scale: steps of 5 between 20 and 80."""
    return (np.clip(np.round(np.asarray(value) / 5.0) * 5, 20, 80)).astype(int)


def fv_value(ceiling_read: np.ndarray) -> np.ndarray:
    """Future value on the 20-80 scale from a read ceiling: flatter below the MLB bar."""
    below, above = FV_PER_SKILL
    slope = np.where(ceiling_read < 0, below, above)
    return FV_AT_MLB_BAR + slope * ceiling_read


def projected_ceiling(skill: np.ndarray, age: np.ndarray) -> np.ndarray:
    """What a scout projects from a player's present: today's skill plus typical growth left."""
    return skill + expected_growth_left(age)


def grade_reports(
    rng: np.random.Generator,
    skill: np.ndarray,
    ceiling: np.ndarray,
    age: np.ndarray,
    years_pro: np.ndarray,
    looks: np.ndarray,
    bias: np.ndarray,
    tools: np.ndarray,
    is_pitcher: np.ndarray,
) -> dict[str, np.ndarray]:
    """Grades for each report; the tools of the other role are ``None`` (stored as NULL).

    ``skill``, ``ceiling`` (peak plus drift so far) and ``age`` are the player's on the
    report day, ``looks`` the number of reports filed on him before this one.
    """
    fade = np.exp(-np.maximum(years_pro, 0.0) / EXPERIENCE_SCALE)
    seen = LOOKS_SCALE / (LOOKS_SCALE + np.asarray(looks, dtype=float))
    noise_sd = NOISE_SD[0] + NOISE_SD[1] * fade * seen
    projected = projected_ceiling(skill, age)
    read = (
        projected
        + GROWTH_SIGHT * (ceiling - projected)
        + BIAS_SD * (BIAS_FLOOR + (1.0 - BIAS_FLOOR) * fade) * bias
        + rng.normal(0.0, 1.0, len(skill)) * noise_sd
    )
    grades: dict[str, np.ndarray] = {"fv": to_grade(fv_value(read))}
    sources = {**_HITTER_TOOL_SOURCE, **_PITCHER_TOOL_SOURCE}
    for tool, column in sources.items():
        raw = 45 + TOOL_WEIGHTS[0] * read + TOOL_WEIGHTS[1] * tools[:, column]
        raw = raw + rng.normal(0.0, TOOL_NOISE_SD, len(read))
        applies = is_pitcher if tool in PITCHER_TOOLS else ~is_pitcher
        grades[tool] = np.where(applies, to_grade(raw), None).astype(object)
    return grades
