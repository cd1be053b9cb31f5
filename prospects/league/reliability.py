"""How much sampling noise the league's stat lines carry: split-half reliability and the
stabilization point, the measure published for real players.

Russell Carleton's method (Baseball Prospectus): the reliability of a rate over samples of
``n`` plate appearances is the correlation, across players, between two independent samples
of ``n`` each (he measured it with Cronbach's alpha / KR-21, the average of such split-half
correlations). The *stabilization point* he published is the sample at which that
reliability reaches 0.70, not 0.5: 70% of a rate's spread over that sample is the player.
With the binomial noise of a rate, reliability ``r`` at ``n`` grows with the sample as
Spearman-Brown says, so it reaches ``R`` at ``n * (R / (1 - R)) * (1 - r) / r``.

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

# Published stabilization points (plate appearances for hitters, batters faced for pitchers),
# Russell Carleton, Baseball Prospectus, MLB 2003-2012 (Retrosheet): "Should I Worry About My
# Favorite Pitcher?" (2013-05-09, baseballprospectus.com/news/article/20516: strikeout rate
# 70 BF, walk rate 170 BF, "the point at which each stat reaches a reliability of .70") and
# the hitters' update it follows with the same method, "It's a Small Sample Size After All"
# (2012-07-16, baseballprospectus.com/article.php?articleid=17659: 60 and 120 PA), both as
# reported by HighHeatStats in USA Today (2014-05-08, freep.com/usatoday/article/8833925).
PUBLISHED_RELIABILITY = 0.70
PUBLISHED_STABILIZATION = {
    "hitter K%": 60,
    "hitter BB%": 120,
    "pitcher K%": 70,
    "pitcher BB%": 170,
}
# The published points are for major leaguers, and a minor-league level holds a wider range of
# talent (faster stabilization), its hitters a wider range of approaches: a league is held to
# within 25% of each (a choice, the tolerance for the Baseball America tables).
STABILIZATION_TOLERANCE = 0.25
HALF = 150  # plate appearances (or batters faced) in each half of the split


@dataclass(frozen=True)
class Reliability:
    figure: str
    half: int
    r: float  # split-half correlation at ``half`` per half: the reliability of ``half``
    stabilization: float  # implied sample at which the reliability is PUBLISHED_RELIABILITY
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
            point = stabilization_point(r, half)
            out.append(Reliability(f"{role} {name}", half, r, point, len(mine)))
    return out


def stabilization_point(r: float, half: int, target: float = PUBLISHED_RELIABILITY) -> float:
    """The sample at which reliability reaches ``target``, from reliability ``r`` at ``half``
    (Spearman-Brown: a sample ``k`` times longer has reliability ``k r / (1 + (k - 1) r)``)."""
    return half * (target / (1 - target)) * (1 - r) / r


def _centred(rate: np.ndarray, group: np.ndarray) -> np.ndarray:
    """``rate`` minus its group's mean."""
    _, index = np.unique(group, return_inverse=True)
    means = np.bincount(index, weights=rate) / np.bincount(index)
    return rate - means[index]


def within_tolerance(row: Reliability) -> bool:
    """Whether the league's stabilization point is within the tolerance of the published one."""
    published = PUBLISHED_STABILIZATION[row.figure]
    return abs(row.stabilization / published - 1) <= STABILIZATION_TOLERANCE
