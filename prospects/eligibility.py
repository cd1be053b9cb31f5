"""Who is a prospect on a date: the one rule behind training, predictions, rankings and monitoring.

A prospect list ranks only players who are still rookie-eligible, in an
affiliated system and young enough to project (see docs/eligibility.md for the
sources). Callup applies the same test everywhere, so the population a model is
trained on is the population it answers about:

* **succeeded** — his career MLB total already passed the success bar (more than
  500 PA or more than 100 IP): there is nothing left to predict;
* **graduated** — past the rookie limits of 130 MLB at-bats or 50 MLB innings.
  Callup stores plate appearances, not at-bats, so the limit is applied as more
  than 146 PA (130 AB at MLB's ~0.89 AB per PA) or more than 150 outs; the 45
  days on an active roster are not stored and cannot be checked;
* **released** — his latest release known by the date came after the start of
  his last minor-league line (no club has signed him since);
* **inactive** — no minor-league line in the reference season or the one before,
  and not signed in either of them (a recent draftee with no line yet is active);
* **over age** — 28 or older on July 1 of the reference season (baseball age).

Everything is as known on the date: ``data`` must already be cut to what had
arrived by then (``LeagueData.as_of`` or ``load_league(as_of=...)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from prospects.config import SUCCESS_OUTS, SUCCESS_PA
from prospects.features.data import LeagueData
from prospects.features.grouping import DAYS_PER_YEAR, day_number

ROOKIE_AB, ROOKIE_IP = 130, 50  # MLB rookie limits (at-bats, innings pitched)
AB_PER_PA = 0.89  # MLB at-bats per plate appearance: walks, HBP and sacrifices are ~11%
ROOKIE_PA = int(ROOKIE_AB / AB_PER_PA)  # 146: more than this many MLB PA is past 130 AB
ROOKIE_OUTS = ROOKIE_IP * 3  # 150
MAX_AGE = 27  # oldest baseball age (on July 1 of the reference season) still ranked
SEASON_OPENS = (4, 1)  # from this day on, the calendar year's season is the reference season

# The order in which reasons are named: the most decisive first.
SUCCEEDED, GRADUATED, RELEASED, INACTIVE, OVER_AGE = (
    "succeeded",
    "graduated",
    "released",
    "inactive",
    "over_age",
)
REASONS: tuple[str, ...] = (SUCCEEDED, GRADUATED, RELEASED, INACTIVE, OVER_AGE)


@dataclass(frozen=True)
class EligibilityRule:
    """The limits, stated once (``explain`` says them in words)."""

    rookie_pa: int = ROOKIE_PA
    rookie_outs: int = ROOKIE_OUTS
    success_pa: int = SUCCESS_PA
    success_outs: int = SUCCESS_OUTS
    max_age: float = MAX_AGE


RULE = EligibilityRule()


def reference_season(as_of: date) -> int:
    """The season a date belongs to: the calendar year once its season opens, else the last."""
    month, day = SEASON_OPENS
    return as_of.year if as_of >= date(as_of.year, month, day) else as_of.year - 1


def _positions(ids: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each owner, its row in sorted ``ids`` and whether it is there at all."""
    if len(ids) == 0:
        return np.zeros(len(owners), dtype=np.int64), np.zeros(len(owners), dtype=bool)
    at = np.searchsorted(ids, owners)
    found = (at < len(ids)) & (ids[np.minimum(at, len(ids) - 1)] == owners)
    return np.minimum(at, len(ids) - 1), found


def _first_crossing(
    n: int, rows: np.ndarray, seasons: np.ndarray, values: np.ndarray, bar: float
) -> np.ndarray:
    """Per prospect, the first season whose running total of ``values`` passed ``bar`` (NaN)."""
    out = np.full(n, np.nan)
    if len(rows) == 0:
        return out
    order = np.lexsort((seasons, rows))
    rows, seasons, values = rows[order], seasons[order], values[order].astype(float)
    running = np.cumsum(values)
    starts = np.r_[True, rows[1:] != rows[:-1]]
    offset = np.maximum.accumulate(np.where(starts, running - values, 0.0))
    crossed = (running - offset) > bar
    first = np.full(n, np.inf)
    np.minimum.at(first, rows[crossed], seasons[crossed].astype(float))
    out[np.isfinite(first)] = first[np.isfinite(first)]
    return out


def assess(data: LeagueData, as_of: date, prospect_ids: np.ndarray | None = None) -> pd.DataFrame:
    """One row per prospect (index ``prospect_id``) with the columns of :func:`standings`."""
    columns = standings(data, as_of, prospect_ids)
    return pd.DataFrame(columns, index=pd.Index(columns["prospect_id"], name="prospect_id"))


def standings(
    data: LeagueData, as_of: date, prospect_ids: np.ndarray | None = None
) -> dict[str, Any]:
    """Per prospect, as arrays: ``eligible``, ``reason`` and the facts.

    ``reason`` is the first of :data:`REASONS` that applies ("" when eligible);
    ``reasons`` lists every one that does. Facts: career MLB ``mlb_pa`` and
    ``mlb_outs`` known by the date, the seasons he ``graduated_in`` and
    ``succeeded_in`` (NaN if not), the ``last_season`` with a minor-league line,
    the latest ``released_on``, his ``age`` in the reference season, and the
    ``last_mlb_season`` counted.
    """
    prospects = data.arrays("prospects")
    all_ids = prospects["id"]
    order = np.argsort(all_ids)
    ids = all_ids[order]
    if prospect_ids is not None:
        wanted = np.asarray(prospect_ids, dtype=np.int64)
        keep = np.isin(ids, wanted)
        order, ids = order[keep], ids[keep]
    n = len(ids)
    season = reference_season(as_of)

    out = data.arrays("outcomes")
    rows, found = _positions(ids, out["prospect_id"])
    rows, o_season = rows[found], out["season"][found]
    mlb_pa = np.bincount(rows, weights=out["mlb_pa"][found], minlength=n)
    mlb_outs = np.bincount(rows, weights=out["mlb_outs"][found], minlength=n)
    last_mlb = np.full(n, np.nan)
    if len(rows):
        latest = np.full(n, -np.inf)
        np.maximum.at(latest, rows, o_season.astype(float))
        last_mlb = np.where(np.isfinite(latest), latest, np.nan)
    pa_rows, outs_rows = out["mlb_pa"][found], out["mlb_outs"][found]
    graduated_in = np.fmin(
        _first_crossing(n, rows, o_season, pa_rows, RULE.rookie_pa),
        _first_crossing(n, rows, o_season, outs_rows, RULE.rookie_outs),
    )
    succeeded_in = np.fmin(
        _first_crossing(n, rows, o_season, pa_rows, RULE.success_pa),
        _first_crossing(n, rows, o_season, outs_rows, RULE.success_outs),
    )

    last_line = np.full(n, -np.inf)
    last_start = np.full(n, -np.inf)
    for table in ("batting", "pitching"):
        lines = data.arrays(table)
        at, there = _positions(ids, lines["prospect_id"])
        np.maximum.at(last_line, at[there], lines["season"][there].astype(float))
        np.maximum.at(last_start, at[there], lines["start_date"][there])
    rel = data.arrays("releases")
    at, there = _positions(ids, rel["prospect_id"])
    released = np.full(n, -np.inf)
    np.maximum.at(released, at[there], rel["released_on"][there])

    # An unknown signing year cannot excuse a missing line: inactivity then rests on lines alone.
    signing_year = np.nan_to_num(prospects["signing_year"][order].astype(float), nan=-np.inf)
    birth = prospects["birth_date"][order]
    age = (day_number(date(season, 7, 1)) - birth) / DAYS_PER_YEAR

    flags = {
        SUCCEEDED: ~np.isnan(succeeded_in),
        GRADUATED: ~np.isnan(graduated_in),
        RELEASED: np.isfinite(released) & (released > last_start),
        INACTIVE: (last_line < season - 1) & (signing_year < season - 1),
        OVER_AGE: np.floor(age + 1e-9) > RULE.max_age,  # 28 or older on July 1
    }
    reason = np.full(n, "", dtype=object)
    for code in reversed(REASONS):
        reason[flags[code]] = code
    reasons = [tuple(code for code in REASONS if flags[code][i]) for i in range(n)] if n else []
    return {
        "prospect_id": ids,
        "eligible": reason == "",
        "reason": reason,
        "reasons": reasons,
        "mlb_pa": mlb_pa.astype(np.int64),
        "mlb_outs": mlb_outs.astype(np.int64),
        "graduated_in": graduated_in,
        "succeeded_in": succeeded_in,
        "last_mlb_season": last_mlb,
        "last_season": np.where(np.isfinite(last_line), last_line, np.nan),
        "released_on": np.where(np.isfinite(released), released, np.nan),
        "age": age,
        "reference_season": np.full(n, season, dtype=np.int64),
    }


def eligible_ids(
    data: LeagueData, as_of: date, prospect_ids: np.ndarray | None = None
) -> np.ndarray:
    """The ids among ``prospect_ids`` (default: everyone in ``data``) who are prospects."""
    frame = assess(data, as_of, prospect_ids)
    return frame.index.to_numpy()[frame["eligible"].to_numpy()]


def _day(value: float) -> str:
    return (np.datetime64(int(value), "D")).astype(object).isoformat()


def _ip(outs: int) -> str:
    whole, rest = divmod(int(outs), 3)
    return f"{whole}.{rest}" if rest else str(whole)


def _mlb_time(row: Mapping[str, Any]) -> str:
    parts = []
    if row["mlb_pa"]:
        parts.append(f"{int(row['mlb_pa']):,} MLB PA")
    if row["mlb_outs"]:
        parts.append(f"{_ip(row['mlb_outs'])} MLB IP")
    through = row["last_mlb_season"]
    text = " and ".join(parts) or "no MLB time"
    return text + (f" through {int(through)}" if not np.isnan(through) else "")


def explain(row: Mapping[str, Any]) -> str:
    """The reasons in a sentence a scouting director would write ("" when eligible)."""
    sentences = []
    for code in row["reasons"]:
        if code == SUCCEEDED:
            sentences.append(
                f"already reached the success bar in {int(row['succeeded_in'])} ({_mlb_time(row)})"
            )
        elif code == GRADUATED and SUCCEEDED not in row["reasons"]:
            sentences.append(
                f"graduated in {int(row['graduated_in'])}: {_mlb_time(row)}, past the rookie "
                f"limits of {ROOKIE_AB} AB or {ROOKIE_IP} IP"
            )
        elif code == GRADUATED:
            sentences.append(f"graduated from rookie status in {int(row['graduated_in'])}")
        elif code == RELEASED:
            sentences.append(f"released on {_day(row['released_on'])} and not signed since")
        elif code == INACTIVE:
            last = row["last_season"]
            seen = (
                f"last minor-league line in {int(last)}"
                if not np.isnan(last)
                else ("no minor-league line on record")
            )
            sentences.append(
                f"inactive: {seen}, none in {int(row['reference_season']) - 1} or "
                f"{int(row['reference_season'])}"
            )
        elif code == OVER_AGE:
            sentences.append(
                f"{row['age']:.1f} years old in the {int(row['reference_season'])} season, "
                f"past the prospect age limit of {RULE.max_age:g}"
            )
    if not sentences:
        return ""
    text = "; ".join(sentences)
    return "Not a prospect: " + text[0].lower() + text[1:] + "."


def status(row: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON an answer carries: eligible or not, why, the facts and the rule applied."""
    facts: dict[str, Any] = {
        "mlb_pa": int(row["mlb_pa"]),
        "mlb_ip": _ip(row["mlb_outs"]),
        "graduated_in": None if np.isnan(row["graduated_in"]) else int(row["graduated_in"]),
        "succeeded_in": None if np.isnan(row["succeeded_in"]) else int(row["succeeded_in"]),
        "last_minor_league_season": (
            None if np.isnan(row["last_season"]) else int(row["last_season"])
        ),
        "released_on": None if np.isnan(row["released_on"]) else _day(row["released_on"]),
        "age": round(float(row["age"]), 1),
        "reference_season": int(row["reference_season"]),
    }
    return {
        "eligible": bool(row["eligible"]),
        "reason": row["reason"] or None,
        "reasons": list(row["reasons"]),
        "message": explain(row) or "Rookie-eligible, active prospect.",
        "facts": facts,
    }
