"""Who signs, and how good each signing really is: identity plus latent talent and aging.

Latent talent lives only in memory. It sets everything the database does see
(levels, stat lines, grades, MLB time), so that the published relationships
(round vs reaching MLB, debut age vs success) arise from talent rather than
being written in per bucket.

Skill is on one scale for every level: 0 is the MLB bar, negative values are
minor-league skill (see ``careers.LEVEL_BAR``). A prospect's skill rises
steeply when young and flattens towards his peak age, then declines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import gamma

from prospects.db.models import CLASSIC_HITTER_POSITIONS as HITTER_POSITIONS
from prospects.league.names import draw_names

ORGANIZATIONS: tuple[str, ...] = (
    "ARI", "ATL", "BAL", "BOS", "CHC", "CHW", "CIN", "CLE", "COL", "DET",
    "HOU", "KCR", "LAA", "LAD", "MIA", "MIL", "MIN", "NYM", "NYY", "OAK",
    "PHI", "PIT", "SDP", "SEA", "SFG", "STL", "TBR", "TEX", "TOR", "WSN",
)  # fmt: skip
DRAFT_ROUNDS = 40

# Backgrounds: how a prospect was acquired, which sets his signing age.
HIGH_SCHOOL, JUNIOR_COLLEGE, COLLEGE, INTERNATIONAL = 0, 1, 2, 3
_SIGNING_AGE = {  # uniform range of age at signing, years
    HIGH_SCHOOL: (17.6, 18.9),
    JUNIOR_COLLEGE: (19.2, 20.6),
    COLLEGE: (20.8, 22.9),
    INTERNATIONAL: (16.0, 17.4),
}

INTERNATIONAL_SHARE = 0.20
HITTER_SHARE = 0.55
STARTER_SHARE = 0.60  # of pitchers
# Clubs sign fewer of their late picks (and add compensation picks to round 1).
_ROUND_WEIGHT = np.array([1.5, 1.1] + [1.0] * 8 + [0.8] * 10 + [0.6] * 20)
_HITTER_POSITION_WEIGHT = np.array([0.14, 0.08, 0.12, 0.11, 0.16, 0.09, 0.14, 0.12, 0.04])

# Mean peak talent by draft round, anchored on log(round) and interpolated between.
_ROUND_ANCHORS = np.log([1, 2, 4, 8, 15, 25, 40])
_PEAK_MEAN_AT_ANCHOR = np.array([0.3, -0.35, -0.85, -1.05, -1.45, -1.85, -2.05])
PEAK_SD = 0.9
INTERNATIONAL_PEAK = (-1.8, 1.0)  # mean and sd: a wider lottery than the draft
HIGH_SCHOOL_PEAK_SD = 1.0  # teenagers are harder to read than college players

# Age at which skill tops out: earliest, then a gamma (shape, scale) tail of late bloomers.
PEAK_AGE = (25.5, 2.0, 1.5)
PEAK_AGE_LIMIT = 32.0
GROWTH = (0.07, 0.4)  # growth scale and its log-normal spread: late bloomers, early peakers
GROWTH_POWER = 1.7  # skill gap before the peak ~ growth * (years to peak) ** power
DECLINE = 0.025  # skill lost per squared year past the peak
# Quantiles of the peak-age distribution: what "a typical player" means for a projection.
_PEAK_AGE_GRID = np.minimum(
    PEAK_AGE[0] + gamma.ppf((np.arange(200) + 0.5) / 200, PEAK_AGE[1], scale=PEAK_AGE[2]),
    PEAK_AGE_LIMIT,
)


@dataclass(frozen=True)
class Population:
    """Every prospect's identity (stored) and latent talent (never stored), one array each."""

    signing_year: np.ndarray
    signed_on: np.ndarray  # datetime64[D]
    birth_date: np.ndarray  # datetime64[D]
    background: np.ndarray
    draft_round: np.ndarray  # 0 for an international signing
    position: np.ndarray  # object: position codes
    bats: np.ndarray
    throws: np.ndarray
    organization: np.ndarray
    name: np.ndarray
    peak: np.ndarray  # latent: skill at the peak age
    peak_age: np.ndarray
    growth: np.ndarray
    tools: np.ndarray  # (n, 6) latent tool deviations: see ``stats`` and ``scouting``
    scout_bias: np.ndarray  # a persistent misread of the player, fading with experience

    @property
    def n(self) -> int:
        return len(self.signing_year)

    @property
    def is_pitcher(self) -> np.ndarray:
        return np.isin(self.position, ("SP", "RP"))

    @property
    def is_starter(self) -> np.ndarray:
        return self.position == "SP"


def expected_growth_left(age: np.ndarray) -> np.ndarray:
    """The skill a typical player of ``age`` still has to gain before his peak (minus decline).

    What a scout can project from age alone: the population's average development
    curve, not the player's own growth rate or peak age, which nobody sees.
    """
    age = np.asarray(age, dtype=float)
    gap = (
        GROWTH[0]
        * np.exp(GROWTH[1] ** 2 / 2)
        * (np.maximum(_PEAK_AGE_GRID[None, :] - age[..., None], 0.0) ** GROWTH_POWER)
    )
    decline = DECLINE * np.maximum(age[..., None] - _PEAK_AGE_GRID[None, :], 0.0) ** 2
    return (gap + decline).mean(axis=-1)


def skill_at(
    pop: Population, age: np.ndarray, drift: np.ndarray, idx: np.ndarray | None = None
) -> np.ndarray:
    """Current skill at ``age``: fast growth when young, a plateau at the peak, then decline.

    With ``idx``, for those prospects only (``age`` and ``drift`` then match ``idx``).
    """
    who = slice(None) if idx is None else idx
    peak, peak_age, growth = pop.peak[who], pop.peak_age[who], pop.growth[who]
    before = np.maximum(peak_age - age, 0.0)
    after = np.maximum(age - peak_age, 0.0)
    return peak + drift - growth * before**GROWTH_POWER - DECLINE * after**2


def signings_per_season(n: int, first_season: int, last_season: int) -> np.ndarray:
    """Signing classes, a little larger early on so that more careers resolve in the data."""
    seasons = last_season - first_season + 1
    weights = np.linspace(1.2, 0.9, seasons) if seasons > 1 else np.ones(1)
    exact = n * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    short = n - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return counts


def draw_population(
    rng: np.random.Generator, n: int, first_season: int, last_season: int
) -> Population:
    """Draw ``n`` signings, ordered by signing date (which makes ids deterministic)."""
    years = np.repeat(
        np.arange(first_season, last_season + 1), signings_per_season(n, first_season, last_season)
    )
    background, draft_round = _acquisition(rng, n)
    signed_on = _signing_dates(rng, years, background)
    order = np.lexsort((rng.random(n), signed_on))
    years, background, draft_round, signed_on = (
        years[order],
        background[order],
        draft_round[order],
        signed_on[order],
    )
    low, high = np.array([_SIGNING_AGE[b] for b in range(4)]).T
    age = rng.uniform(low[background], high[background])
    birth_date = signed_on - np.round(age * 365.25).astype("timedelta64[D]")
    position, bats, throws = _roles(rng, n)
    return Population(
        signing_year=years,
        signed_on=signed_on,
        birth_date=birth_date,
        background=background,
        draft_round=draft_round,
        position=position,
        bats=bats,
        throws=throws,
        organization=np.array(ORGANIZATIONS, dtype=object)[rng.integers(0, 30, n)],
        name=np.array(draw_names(rng, n), dtype=object),
        peak=_peaks(rng, background, draft_round),
        peak_age=np.minimum(PEAK_AGE[0] + rng.gamma(PEAK_AGE[1], PEAK_AGE[2], n), PEAK_AGE_LIMIT),
        growth=GROWTH[0] * np.exp(rng.normal(0.0, GROWTH[1], n)),
        tools=rng.normal(0.0, 1.0, (n, 6)),
        scout_bias=rng.normal(0.0, 1.0, n),
    )


def _acquisition(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Background and draft round: mostly late-round picks, a fifth international signings."""
    international = rng.random(n) < INTERNATIONAL_SHARE
    rounds = 1 + rng.choice(DRAFT_ROUNDS, n, p=_ROUND_WEIGHT / _ROUND_WEIGHT.sum())
    high_school_share = np.where(rounds == 1, 0.45, np.where(rounds <= 10, 0.33, 0.28))
    u = rng.random(n)
    background = np.where(
        u < high_school_share,
        HIGH_SCHOOL,
        np.where(u < high_school_share + 0.1, JUNIOR_COLLEGE, COLLEGE),
    )
    background = np.where(international, INTERNATIONAL, background)
    return background, np.where(international, 0, rounds)


def _signing_dates(
    rng: np.random.Generator, years: np.ndarray, background: np.ndarray
) -> np.ndarray:
    """Draftees sign in June-July after the draft; international players from July 2."""
    jan1 = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    drafted_day = rng.integers(160, 197, len(years))  # ~June 9 .. July 15
    international_day = 182 + np.minimum(rng.geometric(0.15, len(years)) - 1, 60)  # July 2 on
    day = np.where(background == INTERNATIONAL, international_day, drafted_day)
    return jan1 + day.astype("timedelta64[D]")


def _peaks(rng: np.random.Generator, background: np.ndarray, draft_round: np.ndarray) -> np.ndarray:
    """Peak skill: the round sets the mean (clubs draft the best first), with a wide spread."""
    mean = np.interp(np.log(np.maximum(draft_round, 1)), _ROUND_ANCHORS, _PEAK_MEAN_AT_ANCHOR)
    sd = np.where(background == HIGH_SCHOOL, HIGH_SCHOOL_PEAK_SD, PEAK_SD)
    international = background == INTERNATIONAL
    mean = np.where(international, INTERNATIONAL_PEAK[0], mean)
    sd = np.where(international, INTERNATIONAL_PEAK[1], sd)
    return mean + sd * rng.normal(0.0, 1.0, len(background))


def _roles(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Position, bats and throws: left-handed throwers only where the game allows them."""
    hitter = rng.random(n) < HITTER_SHARE
    hitter_pos = np.array(HITTER_POSITIONS, dtype=object)[
        rng.choice(len(HITTER_POSITIONS), n, p=_HITTER_POSITION_WEIGHT)
    ]
    pitcher_pos = np.where(rng.random(n) < STARTER_SHARE, "SP", "RP").astype(object)
    position = np.where(hitter, hitter_pos, pitcher_pos)
    lefty_ok = ~np.isin(position, ("C", "2B", "3B", "SS"))
    throws_left = lefty_ok & (rng.random(n) < np.where(hitter, 0.18, 0.28))
    throws = np.where(throws_left, "L", "R").astype(object)
    u = rng.random(n)
    bats = np.where(u < 0.10, "S", np.where(u < 0.10 + np.where(throws_left, 0.75, 0.25), "L", "R"))
    return position, bats.astype(object), throws
