"""Counting stats for a stint from its quality: skill over the level's bar, plus luck.

Rates move with quality, so the same player hits worse a level up and an old
player for his level hits better; latent tools shape how (power, contact,
eye, speed for hitters; stuff and control for pitchers). Counts are drawn
event by event from the plate appearance down, which keeps every line
internally consistent: AB = PA - BB - HBP - SF, H >= 2B + 3B + HR, and so on.
"""

from __future__ import annotations

import numpy as np

# Columns of ``Population.tools`` by role.
CONTACT, POWER, EYE, SPEED, ARM, FIELD = range(6)
FASTBALL, BREAKING, CHANGEUP, CONTROL = range(4)

BATTING_COLUMNS = ("pa", "ab", "h", "doubles", "triples", "hr", "bb", "so", "sb", "cs", "hbp", "sf")
PITCHING_COLUMNS = ("outs", "bf", "h", "er", "hr", "bb", "so", "hbp")
SIGNAL = 1.5  # how strongly rates follow quality (skill over the level's bar)
ENVIRONMENT_SD = 0.15  # run environment of a level in a season (parks, balls, rules), quality units


def _rate(base: float, *terms: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.clip(base + sum(terms), low, high)


def batting_counts(
    rng: np.random.Generator,
    pa: np.ndarray,
    quality: np.ndarray,
    tools: np.ndarray,
    environment: np.ndarray | float = 0.0,
) -> dict[str, np.ndarray]:
    """A hitter's line for each stint; ``tools`` is (stints, 6) latent tool deviations.

    ``environment`` is the league's run environment for the stint's season and level
    (in quality units: above 0 every hitter hits a little better).
    """
    q = np.clip(SIGNAL * quality + environment, -2.5, 2.5)
    contact, power, eye, speed = (tools[:, c] for c in (CONTACT, POWER, EYE, SPEED))
    bb_rate = _rate(0.085, 0.028 * q, 0.018 * eye, low=0.03, high=0.18)
    bb = rng.binomial(pa, bb_rate)
    hbp = rng.binomial(pa - bb, 0.011)
    sf = rng.binomial(pa - bb - hbp, 0.008)
    ab = pa - bb - hbp - sf
    so = rng.binomial(ab, _rate(0.245, -0.06 * q, -0.04 * contact, low=0.07, high=0.45))
    hr = rng.binomial(ab - so, _rate(0.03, 0.018 * q, 0.016 * power, low=0.002, high=0.12))
    in_play_hits = rng.binomial(
        ab - so - hr, _rate(0.31, 0.03 * q, 0.012 * contact, 0.008 * speed, low=0.22, high=0.40)
    )
    doubles = rng.binomial(in_play_hits, _rate(0.2, 0.01 * q, 0.02 * power, low=0.1, high=0.32))
    triples = rng.binomial(
        in_play_hits - doubles, _rate(0.025, 0.012 * speed, low=0.002, high=0.08)
    )
    on_first = in_play_hits - doubles - triples + bb + hbp
    attempts = rng.binomial(on_first, _rate(0.08, 0.06 * speed, low=0.005, high=0.4))
    sb = rng.binomial(attempts, _rate(0.72, 0.06 * speed, 0.02 * q, low=0.4, high=0.92))
    return {
        "pa": pa,
        "ab": ab,
        "h": in_play_hits + hr,
        "doubles": doubles,
        "triples": triples,
        "hr": hr,
        "bb": bb,
        "so": so,
        "sb": sb,
        "cs": attempts - sb,
        "hbp": hbp,
        "sf": sf,
    }


def pitching_counts(
    rng: np.random.Generator,
    bf: np.ndarray,
    quality: np.ndarray,
    tools: np.ndarray,
    environment: np.ndarray | float = 0.0,
) -> dict[str, np.ndarray]:
    """A pitcher's line for each stint; every batter who did not reach base made an out.

    ``environment`` is the run environment (above 0: every pitcher allows a little more).
    """
    q = np.clip(SIGNAL * quality - environment, -2.5, 2.5)
    stuff = tools[:, [FASTBALL, BREAKING, CHANGEUP]].mean(axis=1)
    control = tools[:, CONTROL]
    bb_rate = _rate(0.092, -0.025 * q, -0.02 * control, low=0.03, high=0.2)
    bb = rng.binomial(bf, bb_rate)
    hbp = rng.binomial(bf - bb, 0.01)
    so = rng.binomial(bf - bb - hbp, _rate(0.23, 0.06 * q, 0.045 * stuff, low=0.08, high=0.45))
    hr = rng.binomial(
        bf - bb - hbp - so, _rate(0.032, -0.012 * q, -0.005 * stuff, low=0.005, high=0.08)
    )
    in_play_hits = rng.binomial(
        bf - bb - hbp - so - hr, _rate(0.31, -0.025 * q, low=0.24, high=0.37)
    )
    runners = in_play_hits + bb + hbp
    er = hr + rng.binomial(runners, _rate(0.3, -0.025 * q, low=0.16, high=0.45))
    h = in_play_hits + hr
    return {
        "outs": bf - h - bb - hbp,
        "bf": bf,
        "h": h,
        "er": er,
        "hr": hr,
        "bb": bb,
        "so": so,
        "hbp": hbp,
    }
