"""A few plain sentences a scout would write: eligibility, the chance, its range, and why.

Only concept groups and the facts under them are named, in the scout's units
(``prospects.features.wording``); no feature name, no model diagnostic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from prospects.serving.comparables import phrase
from prospects.serving.confidence import Confidence

SUCCESS = "MLB success (more than 500 PA or 100 IP within 4 years)"
GROUPS_NAMED = 2  # per side: what helps most, what holds him back most
NEGLIGIBLE_POINTS = 0.5  # a group moving the answer less than this is not a reason


@dataclass(frozen=True)
class Group:
    """One concept's effect on the answer, in points of probability, with facts behind it."""

    concept: str
    label: str
    points: float  # displayed, tenths: the groups add up to answer minus base rate
    exact: float  # the exact Shapley value in points
    facts: tuple[str, ...]

    def phrase(self) -> str:
        text = f"{self.label} ({self.points:+.1f} points"
        return text + (f": {', '.join(self.facts)})" if self.facts else ")")

    def as_summary(self) -> dict[str, object]:
        """The strongest group as rankings and their CSV state it."""
        return {
            "concept": self.concept,
            "label": self.label,
            "points": self.points,
            "text": f"{self.label} {self.points:+.1f} points",
        }

    def as_dict(self) -> dict[str, object]:
        return {
            "concept": self.concept,
            "label": self.label,
            "points": self.points,
            "exact_points": round(self.exact, 4),
            "facts": list(self.facts),
        }


def percent(p: float) -> str:
    return f"{p * 100:.1f}%"


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return "; ".join(parts[:-1]) + " and " + parts[-1]


def narrate(
    name: str,
    role: str,
    eligibility: str,
    probability: float,
    interval: Mapping[str, float] | None,
    base: float,
    confidence: Confidence,
    groups: Sequence[Group],
    similar: Sequence[Mapping[str, object]] = (),
) -> str:
    """E.g. "Ana Ortiz (SS, hitter): Rookie-eligible, active prospect. A 41.3% chance of …"."""
    chance = f"{percent(probability)} chance of {SUCCESS}"
    if interval is not None:
        chance += (
            f", likely between {percent(interval['low'])} and {percent(interval['high'])} "
            f"({interval['level']:.0%} interval)"
        )
    text = [
        f"{name} ({role}): {eligibility.rstrip('.')}.",
        f"A {chance}, against {percent(base)} for a typical prospect.",
        f"Confidence is {confidence.level}: {'; '.join(confidence.reasons)}.",
    ]
    helping = [g.phrase() for g in groups if g.points >= NEGLIGIBLE_POINTS][:GROUPS_NAMED]
    hurting = [g.phrase() for g in groups if g.points <= -NEGLIGIBLE_POINTS][:GROUPS_NAMED]
    if helping:
        text.append(f"Helping most: {_join(helping)}.")
    if hurting:
        text.append(f"Holding him back: {_join(hurting)}.")
    if similar:
        text.append(f"Most like him before: {phrase(list(similar))}.")
    return " ".join(text)
