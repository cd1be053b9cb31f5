"""What the synthetic league knows and no model can see: each prospect's true chance of success.

A holdout row's outcome is one draw of his future. The generator knows more
than any answer can: his latent talent and the career state it has brought
him to. Replaying the generator's own simulation (``prospects.league``: same
seed, same code) to the end of a reference season reproduces that state
exactly; playing the label's window (the ``HORIZON_YEARS`` seasons after it)
``replicates`` times from there, each time with fresh luck, estimates
``P(success | everything the league knows on the reference date)`` per
prospect. Against that truth an answer's error is ``|p - p_true|``, free of the
0/1 outcome's own noise, which is what an interval's width and a confidence
level claim to predict (docs/confidence.md).

The state is the one after the season's last step (the off-season releases
included: a few decisions made just after the reference date, from what was
known on it). A replicate starts from a deep copy of that state with a new
random generator; the copies' record collectors start empty, since the label
needs only MLB time and the careers before the window come from the replay.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from prospects.config import HORIZON_YEARS
from prospects.labels import is_success
from prospects.league.careers import MlbSeasons, _Collector, _Simulation
from prospects.league.talent import draw_population

REPLICATES = 200


def _mlb_totals(sim: _Simulation, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Career MLB plate appearances and outs per prospect (by index) in ``sim``'s record."""
    mlb = sim.mlb.build()
    pa = np.bincount(mlb["prospect"], weights=mlb["pa"], minlength=n)
    outs = np.bincount(mlb["prospect"], weights=mlb["outs"], minlength=n)
    return pa, outs


def true_success_rates(
    n_prospects: int,
    first_season: int,
    last_season: int,
    seed: int,
    reference_seasons: Iterable[int],
    replicates: int = REPLICATES,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Per reference season and prospect: the share of ``replicates`` replayed futures in which
    he first passes the success bar within the label's window (``p_true``), and whether he had
    passed it before (such rows have no label).

    The league is the one ``generate_league`` writes with the same four settings; prospect
    ids are the generator's (index + 1).
    """
    seasons = sorted(set(reference_seasons))
    if not seasons:
        return pd.DataFrame(columns=["season", "prospect_id", "p_true", "passed_before"])
    if seasons[-1] + HORIZON_YEARS > last_season:
        raise ValueError(f"the window after {seasons[-1]} runs past the league's last season")
    rng = np.random.default_rng(seed)  # the generator's own sequence: population, then careers
    pop = draw_population(rng, n_prospects, first_season, last_season)
    sim = _Simulation(pop, rng)
    n = pop.n
    parts = []
    for season in range(first_season, seasons[-1] + 1):
        sim.play(season)
        if season not in seasons:
            continue
        pa0, outs0 = _mlb_totals(sim, n)
        passed_before = is_success(pa0, outs0)
        hits = np.zeros(n)
        snapshot = copy.copy(sim)
        for r in range(replicates):
            branch = copy.deepcopy(_without_records(snapshot))
            branch.rng = np.random.default_rng([seed, season, r])
            for later in range(season + 1, season + HORIZON_YEARS + 1):
                branch.play(later)
            pa, outs = _mlb_totals(branch, n)
            hits += is_success(pa0 + pa, outs0 + outs)
        parts.append(
            pd.DataFrame(
                {
                    "season": season,
                    "prospect_id": np.arange(1, n + 1),
                    "p_true": hits / replicates,
                    "passed_before": passed_before,
                }
            )
        )
        if progress:
            progress(f"season {season}: {replicates} futures of {n} prospects replayed")
    return pd.concat(parts, ignore_index=True)


def _without_records(sim: _Simulation) -> _Simulation:
    """A shallow copy of ``sim`` whose record collectors are empty (state arrays shared)."""
    bare = copy.copy(sim)
    bare.stints = _Collector(*sim.stints._parts)
    bare.mlb = _Collector(*MlbSeasons.__dataclass_fields__)
    bare.reports = _Collector(*sim.reports._parts)
    return bare
