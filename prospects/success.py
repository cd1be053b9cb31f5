"""What "MLB success" means, in one place and without the ML stack (the API labels A/B traffic).

MLB success as of a reference date: the career MLB total first passes more than
500 plate appearances (hitters) or more than 100 innings pitched (pitchers)
within the 4 seasons after the reference season, having not passed it before.
Both bars are counted separately (a two-way player's PA and innings are never
added together); a player who passed either one before the window has no
label: he is no longer a prospect (``prospects.eligibility``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from prospects.config import HORIZON_YEARS, SUCCESS_OUTS, SUCCESS_PA

DEFINITION = (
    "MLB success as of a reference date: the career MLB total first passes more than "
    f"{SUCCESS_PA} plate appearances (hitters) or more than {SUCCESS_OUTS // 3} innings pitched "
    f"(pitchers) within the {HORIZON_YEARS} seasons after the reference season, having not "
    "passed it before."
)


def reference_date(season: int) -> date:
    """The reference date that closes ``season``: every line of that season is known on it."""
    return date(season, 10, 1)


def outcome_known_on(season: int) -> date:
    """The day a season's MLB playing time is final."""
    return date(season, 10, 1)


def horizon(ref: date) -> tuple[int, int]:
    """First and last MLB season of the label window for reference date ``ref`` (inclusive)."""
    first = ref.year + 1 if ref >= reference_date(ref.year) else ref.year
    return first, first + HORIZON_YEARS - 1


def label_known_on(ref: date) -> date:
    """The day the label of reference date ``ref`` is final: the window's last season is over."""
    return outcome_known_on(horizon(ref)[1])


def passes_bar(pa: float, outs: float) -> bool:
    """More than 500 plate appearances or more than 100 innings (300 outs)."""
    return pa > SUCCESS_PA or outs > SUCCESS_OUTS


def success_label(
    seasons: Iterable[tuple[int, int, int]], ref: date, known_through: date
) -> int | None:
    """1, 0, or None (unknown or undefined) from one prospect's (season, PA, outs) rows.

    None when he had passed the bar before the window, or when the window is not
    yet complete on ``known_through`` and he has not passed it so far: an
    unfinished window is never a 0.
    """
    first, last = horizon(ref)
    rows = sorted(seasons)
    before_pa = sum(pa for s, pa, _ in rows if s < first)
    before_outs = sum(outs for s, _, outs in rows if s < first)
    if passes_bar(before_pa, before_outs):
        return None
    through_pa = sum(pa for s, pa, _ in rows if s <= last)
    through_outs = sum(outs for s, _, outs in rows if s <= last)
    if passes_bar(through_pa, through_outs):
        return 1
    return 0 if known_through >= outcome_known_on(last) else None
