"""Scouting grades: a noisy read of a prospect's ceiling on the 20-80 scale.

A scout sees the ceiling a player has today (peak talent plus the development
so far), never the breaks still to come. The read has a persistent part (the
same misjudgment report after report) and a per-report part; both shrink as
the player piles up professional experience, so later grades are sharper.
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

HITTER_TOOLS = ("hit", "power", "run", "arm", "field")
PITCHER_TOOLS = ("fastball", "breaking", "changeup", "control")
GRADE_COLUMNS = HITTER_TOOLS + PITCHER_TOOLS + ("fv",)

BIAS_SD = 0.35  # persistent misread of a newly signed player, in skill units
NOISE_SD = (0.18, 0.29)  # per-report noise: floor, plus the part that fades with experience
EXPERIENCE_SCALE = 2.5  # years of pro ball over which the misread fades by a factor e
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


def grade_reports(
    rng: np.random.Generator,
    ceiling: np.ndarray,
    years_pro: np.ndarray,
    bias: np.ndarray,
    tools: np.ndarray,
    is_pitcher: np.ndarray,
) -> dict[str, np.ndarray]:
    """Grades for each report; the tools of the other role are ``None`` (stored as NULL)."""
    fade = np.exp(-np.maximum(years_pro, 0.0) / EXPERIENCE_SCALE)
    noise_sd = NOISE_SD[0] + NOISE_SD[1] * fade
    read = ceiling + BIAS_SD * fade * bias + rng.normal(0.0, 1.0, len(ceiling)) * noise_sd
    grades: dict[str, np.ndarray] = {"fv": to_grade(fv_value(read))}
    sources = {**_HITTER_TOOL_SOURCE, **_PITCHER_TOOL_SOURCE}
    for tool, column in sources.items():
        raw = 45 + TOOL_WEIGHTS[0] * read + TOOL_WEIGHTS[1] * tools[:, column]
        raw = raw + rng.normal(0.0, TOOL_NOISE_SD, len(read))
        applies = is_pitcher if tool in PITCHER_TOOLS else ~is_pitcher
        grades[tool] = np.where(applies, to_grade(raw), None).astype(object)
    return grades
