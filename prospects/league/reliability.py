"""How much sampling noise the league's stat lines carry: split-half reliability and the
stabilization point, the measure published for real players.

Russell Carleton's method (Baseball Prospectus): take a sample of ``2n`` plate appearances
from each player, split it into two halves of ``n``, correlate a rate across players between
the halves. The *stabilization point* is the sample at which that correlation reaches 0.5,
i.e. where half the spread of a rate is the player and half is luck. With the binomial
noise of a rate, a split-half correlation ``r`` at ``n`` implies ``n * (1 - r) / r``.

In the league each stint has a latent quality (skill over the level's bar, plus the stint's
luck) and latent tools; drawing two independent halves from them with ``stats`` is the
split-half experiment without any plate-appearance log. Rates are measured against their
level and season's mean, as the features do, so the run environment does not count as the
player's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prospects.league.careers import Careers
from prospects.league.stats import ENVIRONMENT_SD, batting_counts, pitching_counts
from prospects.league.talent import Population

# Published stabilization points (plate appearances for hitters, batters faced for pitchers):
# Russell Carleton's split-half study, as reported by HighHeatStats in USA Today
# (2014-05-08, http://www.freep.com/usatoday/article/8833925): strikeout and walk rates
# stabilize at 60 and 120 PA for hitters, 70 and 170 batters faced for pitchers.
PUBLISHED_STABILIZATION = {
    "hitter K%": 60,
    "hitter BB%": 120,
    "pitcher K%": 70,
    "pitcher BB%": 170,
}
# The published points are for major leaguers, and a minor-league level holds a wider range of
# talent: a league is held to within a factor of two either way (a choice, not a published figure).
STABILIZATION_FACTOR = 2.0
HALF = 150  # plate appearances (or batters faced) in each half of the split


@dataclass(frozen=True)
class Reliability:
    figure: str
    half: int
    r: float  # split-half correlation at ``half`` per half
    stabilization: float  # implied sample at which the correlation is 0.5
    players: int


def split_half(
    pop: Population, careers: Careers, half: int = HALF, seed: int = 0
) -> list[Reliability]:
    """Split-half reliability of strikeout and walk rates, hitters and pitchers, over every
    minor-league stint of the league (two halves of ``half`` drawn from each stint)."""
    rng = np.random.default_rng(seed)
    st = careers.stints
    # The environment is shared by both halves and measured away by the level-season mean;
    # any draw serves.
    seasons, env_index = np.unique(st.season, return_inverse=True)
    environment = rng.normal(0.0, ENVIRONMENT_SD, (len(seasons), 5))[env_index, st.level]
    group = st.season * 10 + st.level
    out = []
    for pitchers, draw, volume in (
        (False, batting_counts, "pa"),
        (True, pitching_counts, "bf"),
    ):
        mine = np.flatnonzero(pop.is_pitcher[st.prospect] == pitchers)
        halves = [
            draw(
                rng,
                np.full(len(mine), half, np.int64),
                st.quality[mine],
                pop.tools[st.prospect[mine]],
                environment[mine],
            )
            for _ in range(2)
        ]
        role = "pitcher" if pitchers else "hitter"
        for name, column in (("K%", "so"), ("BB%", "bb")):
            a, b = (_centred(h[column] / h[volume], group[mine]) for h in halves)
            r = float(np.corrcoef(a, b)[0, 1])
            out.append(Reliability(f"{role} {name}", half, r, half * (1 - r) / r, len(mine)))
    return out


def _centred(rate: np.ndarray, group: np.ndarray) -> np.ndarray:
    """``rate`` minus its group's mean."""
    _, index = np.unique(group, return_inverse=True)
    means = np.bincount(index, weights=rate) / np.bincount(index)
    return rate - means[index]


def within_tolerance(row: Reliability) -> bool:
    """Whether the league's stabilization point is within a factor of the published one."""
    published = PUBLISHED_STABILIZATION[row.figure]
    return published / STABILIZATION_FACTOR <= row.stabilization <= published * STABILIZATION_FACTOR
