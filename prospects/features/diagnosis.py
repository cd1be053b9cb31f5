"""Why no training example could be built: which table is empty, which seasons lack labels.

"No labelled examples" alone sends a club with real data looking in the wrong
place; the example set has a precise recipe (a prospect with a minor-league
line in season Y, eligible on Y's reference date, with outcomes known through
the label's horizon), and each missing ingredient is named here.
"""

from __future__ import annotations

import numpy as np

from prospects.features.data import LeagueData
from prospects.features.examples import known_through, labelled_seasons
from prospects.labels import label_known_on, reference_date


def no_examples_reason(data: LeagueData) -> str:
    """A sentence a person can act on, for data from which ``build_examples`` built nothing."""
    if data.prospects.empty:
        return "no labelled examples: the prospects table is empty (import prospects.csv)"
    seasons = np.union1d(data.arrays("batting")["season"], data.arrays("pitching")["season"])
    if len(seasons) == 0:
        return (
            "no labelled examples: batting_lines and pitching_lines are empty; an example is a "
            "prospect with a minor-league line in a season, so outcomes alone cannot make one"
        )
    first, last = int(seasons.min()), int(seasons.max())
    if data.outcomes.empty:
        return (
            f"no labelled examples: the outcomes table is empty, so no season from {first} to "
            f"{last} has a label (a label needs every MLB season within four years of the "
            "reference date, zero-playing-time seasons included; see docs/csv-schema.md)"
        )
    through = known_through(data)
    if not labelled_seasons(data):
        needed = label_known_on(reference_date(first))
        return (
            f"no labelled examples: outcomes are known through {through}, but the earliest "
            f"season with lines, {first}, is labelled only once outcomes are known through "
            f"{needed}; seasons {first}-{last} are all unlabelled"
        )
    return (
        f"no labelled examples: seasons {', '.join(map(str, labelled_seasons(data)))} are "
        "labelled, but no prospect was eligible on their reference dates (every one had "
        "succeeded, graduated, been released, gone inactive or was over age; see "
        "docs/eligibility.md)"
    )
