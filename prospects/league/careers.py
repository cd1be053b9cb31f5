"""Careers season by season: levels, promotions, releases, MLB debuts and MLB playing time.

Every decision a club makes here looks at skill through noise (a scout's view,
or the luck in a stat line), never at skill itself, so performance relative to
level carries information and grades do not tell the whole story. All
prospects advance through a season together, as numpy arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prospects.league.scouting import projected_ceiling
from prospects.league.talent import (
    COLLEGE,
    INTERNATIONAL,
    Population,
    expected_growth_left,
    skill_at,
)

LEVEL_BAR = np.array([-4.6, -3.3, -2.4, -1.55, -0.75])  # skill that holds its own at Rk..AAA
LEVEL_AGE = np.array([20.0, 21.5, 22.5, 24.0, 26.0])  # typical age at each level
AAA = 4
SEASON_DAYS = 183  # April 1 .. September 30

DRIFT_SD = 0.15  # yearly development shock nobody can foresee: breakouts and stalls
VIEW_SD = 0.55  # how far a club's (scouting) read of a player's skill strays
CLUB_BIAS_SD = 0.6  # a club's lasting misjudgment of a player, shared with its scouts
STAT_READ_SD = 0.35  # how far a season's stat line strays from the skill behind it
LUCK_SD = 0.1  # stat-line luck over 300 PA (or batters faced), shrinking with playing time
OFFSEASON_PROMOTE = -0.1  # skill over the next level's bar needed to open there
COLLEGE_START_CAP = 2  # the highest level a college draftee can start at (A+)
MAX_SPRING_JUMP = 2  # levels a player can move up over the winter (a skip for a strong read)
# Organizations' depth charts: the share of a club's minor leaguers each level holds (Rk..AAA),
# how far over it a level may run, and how far under a level's bar a player may be to fill a hole.
DEPTH_SHARE = np.array([0.35, 0.17, 0.16, 0.16, 0.16])
DEPTH_SLACK = 0.25
FILL_MARGIN = 0.6
MIDSEASON_PROMOTE = 0.05  # observed skill over the next level's bar needed to move up mid-year
CALL_UP = {"opening": -0.07, "mid_aaa": -0.22, "mid_aa": -0.2, "september": -0.37, "fill_in": -0.62}
SEPTEMBER_SHARE = 0.6  # clubs without a 40-man spot skip the September call-up
SEASONS_BEFORE_DEBUT = 1  # pro seasons (the signing season included) before a call-up
# Clubs wait until a young prospect is truly ready (his service time is precious): the call-up
# bar rises by this much per year that he is younger than YOUTH_CAUTION_AGE.
YOUTH_CAUTION = 0.2
YOUTH_CAUTION_AGE = 24.0
FILL_IN_SHARE = 0.15  # chance an AAA regular near the bar is called up to fill a hole mid-year
# Release when old for the level, not handling it, or stuck at it; first-rounders get patience.
RELEASE = {
    "age": 0.18,
    "performance": 2.1,
    "stuck": 1.47,
    "first_rounder": 1.2,
    "newcomer": 3.0,
    "no_future": 0.4,
    "bar": 1.82,
}
CEILING_FLOOR = -0.58  # clubs lose interest in players whose ceiling reads below this
YOUTH_CREDIT = 1.4  # being young for the level excuses poor play only this far (years)
STUCK_AFTER = np.array([1, 2, 2, 2, 3])  # seasons at Rk..AAA before staying counts against a player
VETERAN_AGE = 27.7  # each year past this without a debut weighs like a year more for the level
MINOR_LEAGUE_AGE_LIMIT = 31.0
# MLB playing time: share of a full season as a smooth function of skill over the MLB bar.
FIRST_ROUND_PATIENCE = 0.12  # extra share of a season clubs give their first-round picks
MLB_SHARE = {"mid": 0.15, "width": 0.4, "opportunity_sd": 0.12, "noise_sd": 0.1}
OPTION_SHARE = 0.6  # players earning more MLB time than this are not sent down to AAA
MLB_RETIRE_SKILL = -0.5
MLB_FRINGE = {"share": 0.3, "age": 29.0, "drop": 0.5}  # fringe big leaguers drift out
MLB_AGE_LIMIT = 37.0
# Yearly chance a big leaguer's career ends anyway (injury, ineffectiveness): young, then 27+.
MLB_ATTRITION = (0.05, 0.3)
MLB_ATTRITION_AGE = 27.0
ROOKIE_LIMIT = {"pa": 130, "outs": 150}  # past these a player is no longer scouted as a prospect

# Full-season volume: minors (PA for hitters, batters faced for pitchers) and MLB (PA, outs).
MINORS_FULL = {"hitter": 540, "starter": 620, "reliever": 270}
MLB_FULL = {"hitter": 655, "starter": 420, "reliever": 175}
MINORS_SEASON_MIN = 50

NOT_STARTED, MINORS, DEBUTED, GONE = 0, 1, 2, 3


@dataclass
class Stints:
    """Minor-league stints: one per prospect, season and level."""

    prospect: np.ndarray
    season: np.ndarray
    level: np.ndarray
    start: np.ndarray  # datetime64[D]
    end: np.ndarray
    volume: np.ndarray  # PA or batters faced
    quality: np.ndarray  # skill over the level's bar, plus the stint's luck
    age: np.ndarray


@dataclass
class MlbSeasons:
    """MLB playing time: one per prospect and season played."""

    prospect: np.ndarray
    season: np.ndarray
    pa: np.ndarray
    outs: np.ndarray
    debut: np.ndarray  # datetime64[D]; NaT except in the debut season


@dataclass
class ReportDays:
    """When scouts filed a report and what they could see: the player as he is that day."""

    prospect: np.ndarray
    date: np.ndarray
    skill: np.ndarray  # current skill on the report day (scouts read it through noise)
    ceiling: np.ndarray  # what he would be at his peak if nothing changed (peak + drift so far)
    age: np.ndarray
    years_pro: np.ndarray
    looks: np.ndarray  # reports filed on the player before this one


@dataclass
class Careers:
    """Everything that happened, keyed by the population index of each prospect."""

    stints: Stints
    mlb: MlbSeasons
    reports: ReportDays
    released_in: np.ndarray  # per prospect: the season after which he was released, 0 if never


@dataclass
class _Stay:
    """One season in the minors for the players ``idx``: where, when, and how it ended."""

    idx: np.ndarray
    skill: np.ndarray
    age: np.ndarray
    start: np.ndarray
    level: np.ndarray  # opening level
    open_debut: np.ndarray
    drafted_now: np.ndarray
    seasoned: np.ndarray  # has played enough pro seasons to be called up


@dataclass
class _Moves:
    """What happened to a ``_Stay`` from mid-season on."""

    mid: np.ndarray  # the mid-season decision day
    promoted: np.ndarray
    mid_debut: np.ndarray
    sept_debut: np.ndarray
    final_level: np.ndarray
    debut_day: np.ndarray  # NaT for no debut
    minors_end: np.ndarray  # last day in the minors (August 31 for a September call-up)
    full: np.ndarray  # full-season volume after health
    z: np.ndarray  # (2, n) standard-normal luck of the first and second stint


def simulate_careers(
    pop: Population, rng: np.random.Generator, first_season: int, last_season: int
) -> Careers:
    """Play every season from ``first_season`` to ``last_season`` for the whole population."""
    sim = _Simulation(pop, rng)
    for season in range(first_season, last_season + 1):
        sim.play(season)
    return sim.result()


def _day(season: int, month: int, day: int) -> np.datetime64:
    return np.datetime64(f"{season:04d}-{month:02d}-{day:02d}", "D")


def _days(n: np.ndarray | int) -> np.ndarray:
    return np.asarray(n).astype("timedelta64[D]")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _call_bar(bar: np.ndarray | float, age: np.ndarray) -> np.ndarray:
    """The skill a club wants to see before a call-up, higher for the young."""
    return bar + YOUTH_CAUTION * np.maximum(YOUTH_CAUTION_AGE - age, 0.0)


def _luck(z: np.ndarray, volume: np.ndarray) -> np.ndarray:
    """Stat-line luck for standard normal ``z``: smaller over more playing time."""
    return z * LUCK_SD * np.sqrt(300.0 / np.maximum(volume, 1))


class _Collector:
    """Appends column arrays piece by piece and concatenates them once at the end."""

    def __init__(self, *columns: str) -> None:
        self._parts: dict[str, list[np.ndarray]] = {c: [] for c in columns}

    def add(self, **columns: np.ndarray) -> None:
        size = len(columns["prospect"])
        for name, parts in self._parts.items():
            parts.append(np.broadcast_to(columns[name], (size,)))

    def build(self) -> dict[str, np.ndarray]:
        return {name: np.concatenate(parts) for name, parts in self._parts.items()}


class _Simulation:
    """The league's state between seasons and the rules that move it on."""

    def __init__(self, pop: Population, rng: np.random.Generator) -> None:
        n = pop.n
        self.pop, self.rng = pop, rng
        self.status = np.full(n, NOT_STARTED, np.int8)
        self.level = np.zeros(n, np.int64)
        self.years_at_level = np.zeros(n, np.int64)
        self.drift = np.zeros(n)
        self.career_pa = np.zeros(n, np.int64)
        self.career_outs = np.zeros(n, np.int64)
        self.released_in = np.zeros(n, np.int64)
        self.looks = np.zeros(n, np.int64)
        self.stat_read = np.full(n, np.nan)  # last season's skill as its stat line showed it
        self.opportunity = rng.normal(0.0, MLB_SHARE["opportunity_sd"], n)
        self.opportunity += FIRST_ROUND_PATIENCE * (pop.draft_round == 1)
        roles = [~pop.is_pitcher, pop.is_starter]
        self.minors_full = np.select(
            roles, [MINORS_FULL["hitter"], MINORS_FULL["starter"]], MINORS_FULL["reliever"]
        ).astype(float)
        self.mlb_full = np.select(
            roles, [MLB_FULL["hitter"], MLB_FULL["starter"]], MLB_FULL["reliever"]
        ).astype(float)
        self.stints = _Collector(*Stints.__dataclass_fields__)
        self.mlb = _Collector(*MlbSeasons.__dataclass_fields__)
        self.reports = _Collector(*ReportDays.__dataclass_fields__)

    def result(self) -> Careers:
        return Careers(
            stints=Stints(**self.stints.build()),
            mlb=MlbSeasons(**self.mlb.build()),
            reports=ReportDays(**self.reports.build()),
            released_in=self.released_in,
        )

    # -- one season -------------------------------------------------------------------------

    def play(self, season: int) -> None:
        """Spring reports, the minor-league season, MLB time, then the off-season cuts."""
        pop = self.pop
        age = (_day(season, 7, 1) - pop.birth_date).astype(float) / 365.25
        unsigned = self.status == NOT_STARTED
        international = pop.background == INTERNATIONAL
        drafted_now = unsigned & ~international & (pop.signing_year == season)
        international_now = unsigned & international & (pop.signing_year == season - 1)
        returning = np.isin(self.status, (MINORS, DEBUTED))
        self.drift += np.where(returning, self.rng.normal(0.0, DRIFT_SD, pop.n), 0.0)
        skill = skill_at(pop, age, self.drift)

        spring = (returning | international_now) & self._prospect_eligible()
        self._report(np.flatnonzero(spring), _day(season, 3, 1))
        big_leaguers = np.flatnonzero(self.status == DEBUTED)
        self.status[drafted_now | international_now] = MINORS
        stay = self._open_season(season, skill, age, drafted_now, international_now)
        self._minor_league_season(season, stay)
        self._big_league_season(season, big_leaguers, skill, age)
        signed = np.flatnonzero(pop.signing_year == season)
        self._report(signed, pop.signed_on[signed])

    def _prospect_eligible(self) -> np.ndarray:
        return (self.career_pa <= ROOKIE_LIMIT["pa"]) & (self.career_outs <= ROOKIE_LIMIT["outs"])

    def _report(self, idx: np.ndarray, date: np.ndarray | np.datetime64) -> None:
        """File a scouting report on ``date`` for prospects ``idx``."""
        pop = self.pop
        date = np.broadcast_to(date, idx.shape)
        age = (date - pop.birth_date[idx]).astype(float) / 365.25
        self.reports.add(
            prospect=idx,
            date=date,
            skill=skill_at(pop, age, self.drift[idx], idx),
            ceiling=pop.peak[idx] + self.drift[idx],
            age=age,
            years_pro=(date - pop.signed_on[idx]).astype(float) / 365.25,
            looks=self.looks[idx].copy(),
        )
        self.looks[idx] += 1

    def _add_stints(self, stay: _Stay, mask: np.ndarray, season: int, **columns) -> None:  # type: ignore[no-untyped-def]
        """Record minor-league stints for the players of ``stay`` selected by ``mask``."""
        level = columns["level"][mask]
        self.stints.add(
            prospect=stay.idx[mask],
            season=np.full(mask.sum(), season),
            level=level,
            start=columns["start"][mask],
            end=columns["end"][mask],
            volume=columns["volume"][mask],
            quality=stay.skill[mask] - LEVEL_BAR[level] + columns["luck"][mask],
            age=stay.age[mask],
        )

    # -- the minor-league season ------------------------------------------------------------

    def _open_season(
        self,
        season: int,
        skill: np.ndarray,
        age: np.ndarray,
        drafted_now: np.ndarray,
        international_now: np.ndarray,
    ) -> _Stay:
        """Where and when each minor leaguer opens: by the club's read, one level up at most."""
        rng, pop = self.rng, self.pop
        idx = np.flatnonzero(self.status == MINORS)
        k, s = len(idx), skill[idx]
        drafted, international = drafted_now[idx], international_now[idx]
        # Clubs read a returning player off last season's line (projected a year on), a newcomer
        # off the scouts' look.
        looked = s + rng.normal(0.0, VIEW_SD, k)
        last = self.stat_read[idx]
        a = age[idx]
        on_line = last + expected_growth_left(a - 1.0) - expected_growth_left(a)
        seen = np.where(np.isnan(last), looked, on_line + rng.normal(0.0, STAT_READ_SD, k))
        seen = seen + self._favour(idx)
        start = np.where(
            drafted,
            pop.signed_on[idx] + _days(rng.integers(7, 22, k)),
            np.where(
                international,
                _day(season, 6, 1) + _days(rng.integers(0, 15, k)),
                _day(season, 4, 1),
            ),
        )
        level = self.level[idx]
        was_aaa = ~drafted & ~international & (level == AAA)
        for step in range(1, MAX_SPRING_JUMP + 1):
            target = np.minimum(self.level[idx] + step, AAA)
            level = np.maximum(
                level, np.where(seen - LEVEL_BAR[target] > OFFSEASON_PROMOTE, target, level)
            )
        # Draftees start where they would hold their own: college players up to A+, others A.
        cap = np.where(pop.background[idx] == COLLEGE, COLLEGE_START_CAP, 1)
        placed = np.minimum((seen[:, None] >= LEVEL_BAR[None, 1:] - 0.2).sum(axis=1), cap)
        level = np.where(drafted, placed, np.where(international, 0, level))
        level = self._depth_chart(idx, level, seen, returning=~drafted & ~international)
        first_season = pop.signing_year[idx] + (pop.background[idx] == INTERNATIONAL)
        seasoned = season - first_season >= SEASONS_BEFORE_DEBUT
        open_debut = seasoned & was_aaa & (seen > _call_bar(CALL_UP["opening"], age[idx]))
        return _Stay(idx, s, age[idx], start, level, open_debut, drafted, seasoned)

    def _favour(self, idx: np.ndarray) -> np.ndarray:
        """The organization's lasting misjudgment of a player (pedigree, bonus, the scouts' view):
        it moves every club decision about him, and only his stat lines can see past it."""
        return CLUB_BIAS_SD * self.pop.scout_bias[idx]

    def _depth_chart(
        self, idx: np.ndarray, level: np.ndarray, seen: np.ndarray, returning: np.ndarray
    ) -> np.ndarray:
        """Each organization fills its rosters: holes above pull up the best read from below,
        and a crowded level sends the weakest of its spring promotions back down."""
        org = self.pop.organization[idx]
        before = self.level[idx]
        level = level.copy()
        for club in np.unique(org):
            mine = org == club
            total = mine.sum()
            for target in range(AAA, 0, -1):
                slots = int(round(DEPTH_SHARE[target] * total))
                here = mine & (level == target)
                fresh = here & returning & (level > before)
                extra = here.sum() - int(round(slots * (1 + DEPTH_SLACK)))
                if extra > 0 and fresh.any():
                    weakest = np.flatnonzero(fresh)[np.argsort(seen[fresh], kind="stable")]
                    level[weakest[:extra]] -= 1
                    continue
                hole = slots - here.sum()
                below = np.flatnonzero(mine & returning & (level == target - 1))
                below = below[seen[below] > LEVEL_BAR[target] - FILL_MARGIN]
                if hole > 0 and len(below):
                    best = below[np.argsort(-seen[below], kind="stable")][:hole]
                    level[best] = target
        return level

    def _minor_league_season(self, season: int, stay: _Stay) -> None:
        """A mid-season decision (promote, call up, or stay), September call-ups, then cuts."""
        moves = self._mid_season_moves(season, stay)
        luck = self._record_stints(season, stay, moves)
        debuted = stay.open_debut | moves.mid_debut | moves.sept_debut
        self._debut(stay.idx[debuted], season, stay.skill[debuted], moves.debut_day[debuted])
        old_level = self.level[stay.idx]
        stayed_put = moves.final_level == old_level
        self.years_at_level[stay.idx] = np.where(stayed_put, self.years_at_level[stay.idx] + 1, 1)
        self.level[stay.idx] = moves.final_level
        performance = stay.skill - LEVEL_BAR[moves.final_level] + luck
        self.stat_read[stay.idx] = stay.skill + luck
        self._release(season, stay, ~debuted, performance, moves.final_level)

    def _mid_season_moves(self, season: int, stay: _Stay) -> _Moves:
        """Decide, on a first-half read, who is called up, promoted a level, or stays put."""
        rng, k = self.rng, len(stay.idx)
        s, level = stay.skill, stay.level
        closing = _day(season, 9, 30)
        span = (closing - stay.start).astype(int)
        mid = stay.start + _days((span * rng.uniform(0.3, 0.7, k)).astype(int))
        health = np.clip(rng.beta(6.0, 1.2, k), 0.3, 1.0)
        z = rng.normal(0.0, 1.0, (2, k))
        full = self.minors_full[stay.idx] * health
        first_half = np.maximum(full * (mid - stay.start).astype(int) / SEASON_DAYS, 20.0)
        observed = s + _luck(z[0], first_half) + rng.normal(0.0, VIEW_SD, k)
        observed += self._favour(stay.idx)
        call_bar = np.select(
            [level == AAA, level == AAA - 1], [CALL_UP["mid_aaa"], CALL_UP["mid_aa"]], np.inf
        )
        fill_in = (level == AAA) & (observed > _call_bar(CALL_UP["fill_in"], stay.age))
        fill_in &= rng.random(k) < FILL_IN_SHARE
        ready = (observed > _call_bar(call_bar, stay.age)) | fill_in
        mid_debut = stay.seasoned & ~stay.open_debut & ready
        moved_up = observed - LEVEL_BAR[np.minimum(level + 1, AAA)] > MIDSEASON_PROMOTE
        promoted = ~stay.open_debut & ~mid_debut & (level < AAA) & moved_up
        final_level = level + promoted
        sept_debut = stay.seasoned & ~stay.open_debut & ~mid_debut & (final_level == AAA)
        sept_seen = s + rng.normal(0.0, VIEW_SD, k) + self._favour(stay.idx)
        sept_debut &= sept_seen > _call_bar(CALL_UP["september"], stay.age)
        sept_debut &= rng.random(k) < SEPTEMBER_SHARE
        debut_day = np.select(
            [stay.open_debut, mid_debut, sept_debut],
            [
                _day(season, 4, 1) + _days(rng.integers(0, 5, k)),
                mid,
                _day(season, 9, 1) + _days(rng.integers(0, 7, k)),
            ],
            np.datetime64("NaT", "D"),
        )
        minors_end = np.where(sept_debut, _day(season, 8, 31), closing)
        return _Moves(
            mid, promoted, mid_debut, sept_debut, final_level, debut_day, minors_end, full, z
        )

    def _record_stints(self, season: int, stay: _Stay, moves: _Moves) -> np.ndarray:
        """Write the season's one or two stints; returns the luck of each player's last one."""
        m = moves
        first_end = np.where(m.promoted | m.mid_debut, m.mid - _days(1), m.minors_end)
        days_first = (first_end - stay.start).astype(int) + 1
        days_second = np.where(m.promoted, (m.minors_end - m.mid).astype(int) + 1, 0)
        total = np.round(m.full * (days_first + days_second) / SEASON_DAYS)
        total = np.clip(total, MINORS_SEASON_MIN, None).astype(int)
        share_first = days_first / (days_first + days_second)
        vol_first = np.maximum(np.round(total * share_first).astype(int), 1)
        vol_second = np.where(m.promoted, np.maximum(total - vol_first, 1), 0)
        luck_first, luck_second = _luck(m.z[0], vol_first), _luck(m.z[1], vol_second)
        plays = ~stay.open_debut
        self._add_stints(
            stay, plays, season, level=stay.level, start=stay.start, end=first_end,
            volume=vol_first, luck=luck_first,
        )  # fmt: skip
        self._add_stints(
            stay, plays & m.promoted, season, level=m.final_level, start=m.mid,
            end=m.minors_end, volume=vol_second, luck=luck_second,
        )  # fmt: skip
        last_day = np.where(m.mid_debut, first_end, m.minors_end)
        self._july_reports(stay.idx[plays], stay.start[plays], last_day[plays], season)
        return np.where(m.promoted, luck_second, luck_first)

    def _july_reports(
        self, idx: np.ndarray, start: np.ndarray, last_day: np.ndarray, season: int
    ) -> None:
        """About half the prospects in the minors on July 15 get a mid-season look."""
        july15 = _day(season, 7, 15)
        there = (start <= july15) & (last_day >= july15) & (self.rng.random(len(idx)) < 0.5)
        self._report(idx[there & self._prospect_eligible()[idx]], july15)

    def _release(
        self,
        season: int,
        stay: _Stay,
        mask: np.ndarray,
        performance: np.ndarray,
        level: np.ndarray,
    ) -> None:
        """Cut players old for their level, not handling it, or stuck; nobody lasts past 31."""
        r, idx, age = RELEASE, stay.idx[mask], stay.age[mask]
        level, performance = level[mask], performance[mask]
        score = (
            r["age"]
            * (
                np.maximum(age - LEVEL_AGE[level], -YOUTH_CREDIT)
                + np.maximum(age - VETERAN_AGE, 0.0)
            )
            - r["performance"] * performance
            + r["stuck"] * np.maximum(self.years_at_level[idx] - STUCK_AFTER[level], 0)
            - r["first_rounder"] * (self.pop.draft_round[idx] == 1)
            - r["newcomer"] * stay.drafted_now[mask]
            + r["no_future"]
            * np.maximum(CEILING_FLOOR - self._ceiling_read(stay.skill[mask], age), 0.0)
            + self.rng.normal(0.0, 1.0, len(idx))
        )
        cut = idx[(score > r["bar"]) | (age >= MINOR_LEAGUE_AGE_LIMIT)]
        self.status[cut] = GONE
        self.released_in[cut] = season

    def _ceiling_read(self, skill: np.ndarray, age: np.ndarray) -> np.ndarray:
        """A club's read of how good a player can become: his present plus typical growth left."""
        return projected_ceiling(skill, age) + self.rng.normal(0.0, VIEW_SD, len(skill))

    # -- the big leagues ----------------------------------------------------------------------

    def _mlb_share(self, idx: np.ndarray, s: np.ndarray) -> np.ndarray:
        """Share of a full MLB season a player gets: more the further he clears the MLB bar."""
        m = MLB_SHARE
        share = _sigmoid((s - m["mid"]) / m["width"]) + self.opportunity[idx]
        share += self.rng.normal(0.0, m["noise_sd"], len(idx))
        return np.clip(share, 0.0, 1.0)

    def _debut(self, idx: np.ndarray, season: int, s: np.ndarray, debut: np.ndarray) -> None:
        """MLB time from the debut day to season's end; at least a token appearance."""
        share = np.maximum(self._mlb_share(idx, s), 0.08)
        days_left = (_day(season, 9, 30) - debut).astype(int) + 1
        volume = np.maximum(np.round(share * self.mlb_full[idx] * days_left / SEASON_DAYS), 1)
        self._add_mlb(idx, season, volume.astype(int), debut)
        self.status[idx] = DEBUTED

    def _big_league_season(
        self, season: int, idx: np.ndarray, skill: np.ndarray, age: np.ndarray
    ) -> None:
        """Debuted players split the year between AAA and MLB by how far they clear the bar."""
        rng, k = self.rng, len(idx)
        s, a = skill[idx], age[idx]
        health = np.clip(rng.beta(6.0, 1.2, k), 0.3, 1.0)
        share = self._mlb_share(idx, s)
        share = np.where(share < 0.05, 0.0, share)
        optioned = share < OPTION_SHARE
        opening = _day(season, 4, 1)
        called = opening + _days(np.round((1.0 - share) * (SEASON_DAYS - 1)).astype(int))
        aaa_volume = np.round(self.minors_full[idx] * health * (1.0 - share)).astype(int)
        in_aaa = optioned & (aaa_volume >= MINORS_SEASON_MIN)
        no = np.zeros(k, bool)
        stay = _Stay(idx, s, a, np.full(k, opening), np.full(k, AAA), no, no, ~no)
        end = np.where(share > 0, called - _days(1), _day(season, 9, 30))
        luck = _luck(rng.normal(0.0, 1.0, k), aaa_volume)
        self._add_stints(
            stay, in_aaa, season, level=stay.level, start=stay.start, end=end,
            volume=aaa_volume, luck=luck,
        )  # fmt: skip
        self._july_reports(idx[in_aaa], stay.start[in_aaa], end[in_aaa], season)
        mlb_volume = np.round(share * self.mlb_full[idx] * health).astype(int)
        plays = mlb_volume > 0
        self._add_mlb(
            idx[plays], season, mlb_volume[plays], np.full(plays.sum(), np.datetime64("NaT", "D"))
        )
        fringe = (share < MLB_FRINGE["share"]) & (a >= MLB_FRINGE["age"])
        dropped = ((share == 0) | fringe) & (rng.random(k) < MLB_FRINGE["drop"])
        done = (s < MLB_RETIRE_SKILL) | (a >= MLB_AGE_LIMIT) | dropped
        done |= rng.random(k) < np.where(a < MLB_ATTRITION_AGE, *MLB_ATTRITION)
        self.status[idx[done]] = GONE

    def _add_mlb(self, idx: np.ndarray, season: int, volume: np.ndarray, debut: np.ndarray) -> None:
        pitcher = self.pop.is_pitcher[idx]
        pa, outs = np.where(pitcher, 0, volume), np.where(pitcher, volume, 0)
        self.career_pa[idx] += pa
        self.career_outs[idx] += outs
        self.mlb.add(
            prospect=idx,
            season=np.full(len(idx), season),
            pa=pa,
            outs=outs,
            debut=debut.astype("datetime64[D]"),
        )
