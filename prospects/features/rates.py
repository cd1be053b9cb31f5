"""Rate formulas for batting and pitching counts, shared by stints, seasons and league levels.

One definition per rate, applied alike to a prospect's stint and to a level's
summed counts, so "relative to level" always compares like with like.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from prospects.features.grouping import ratio

# Linear weights of a wOBA-like rate (2010s MLB scale; the level subtraction removes the scale).
WOBA_WEIGHTS = {
    "bb": 0.69,
    "hbp": 0.72,
    "single": 0.89,
    "doubles": 1.27,
    "triples": 1.62,
    "hr": 2.10,
}

HITTING_RATES: tuple[str, ...] = (
    "avg", "obp", "slg", "ops", "woba", "iso", "k", "bb", "hr", "sb",
)  # fmt: skip
PITCHING_RATES: tuple[str, ...] = ("k", "bb", "kbb", "fip", "era", "whip", "hr9", "baa")


def hitting_rates(c: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """AVG, OBP, SLG, OPS, wOBA-like, ISO and per-PA K, BB, HR and stolen-base rates."""
    single = c["h"] - c["doubles"] - c["triples"] - c["hr"]
    tb = single + 2 * c["doubles"] + 3 * c["triples"] + 4 * c["hr"]
    avg = ratio(c["h"], c["ab"])
    obp = ratio(c["h"] + c["bb"] + c["hbp"], c["ab"] + c["bb"] + c["hbp"] + c["sf"])
    slg = ratio(tb, c["ab"])
    w = WOBA_WEIGHTS
    woba_num = (
        w["bb"] * c["bb"]
        + w["hbp"] * c["hbp"]
        + w["single"] * single
        + w["doubles"] * c["doubles"]
        + w["triples"] * c["triples"]
        + w["hr"] * c["hr"]
    )
    return {
        "avg": avg,
        "obp": obp,
        "slg": slg,
        "ops": obp + slg,
        "woba": ratio(woba_num, c["ab"] + c["bb"] + c["sf"] + c["hbp"]),
        "iso": slg - avg,
        "k": ratio(c["so"], c["pa"]),
        "bb": ratio(c["bb"], c["pa"]),
        "hr": ratio(c["hr"], c["pa"]),
        "sb": ratio(c["sb"], c["pa"]),
    }


def fip_core(c: Mapping[str, np.ndarray]) -> np.ndarray:
    """(13 HR + 3 (BB + HBP) - 2 K) / IP: FIP before its league constant."""
    ip = np.asarray(c["outs"], dtype=np.float64) / 3.0
    return ratio(13 * c["hr"] + 3 * (c["bb"] + c["hbp"]) - 2 * c["so"], ip)


def pitching_rates(c: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-BF K, BB, K-BB; per-IP FIP core, ERA, WHIP, HR/9; hits per approximate at-bat."""
    ip = np.asarray(c["outs"], dtype=np.float64) / 3.0
    k = ratio(c["so"], c["bf"])
    bb = ratio(c["bb"], c["bf"])
    return {
        "k": k,
        "bb": bb,
        "kbb": k - bb,
        "fip": fip_core(c),
        "era": ratio(9 * c["er"], ip),
        "whip": ratio(c["h"] + c["bb"], ip),
        "hr9": ratio(9 * c["hr"], ip),
        "baa": ratio(c["h"], c["bf"] - c["bb"] - c["hbp"]),
    }
