"""Group-by on sorted numpy arrays: the vectorised core that keeps one prospect as cheap as many.

pandas' groupby costs about a millisecond per call whatever the size, which would
make the serving path (one prospect per request) slow; runs of equal keys in
pre-sorted arrays reduce with ``ufunc.reduceat`` in microseconds and scale the same
way to the whole league.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DAYS_PER_YEAR = 365.25
_NONE = np.iinfo(np.int64).max


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` as float, NaN where the denominator is not positive (no warnings)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast_shapes(num.shape, den.shape), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def days(values: np.ndarray) -> np.ndarray:
    """datetime64 values as float days since the epoch (NaT becomes NaN)."""
    values = np.asarray(values, dtype="datetime64[D]")
    out = values.astype(np.int64).astype(np.float64)
    out[np.isnat(values)] = np.nan
    return out


def day_number(day: object) -> float:
    """A date as float days since the epoch, comparable with :func:`days`."""
    return float(np.datetime64(pd.Timestamp(day).date(), "D").astype(np.int64))


@dataclass(frozen=True)
class Runs:
    """Runs of equal keys in a sorted key array: ``starts``/``ends`` bound each run.

    Reductions return one value per run, in key order.
    """

    keys: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def of(cls, keys: np.ndarray) -> Runs:
        """Runs of an already sorted key array."""
        keys = np.asarray(keys)
        if len(keys) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return cls(keys[:0], empty, empty)
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        ends = np.r_[starts[1:], len(keys)]
        return cls(keys[starts], starts, ends)

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def sizes(self) -> np.ndarray:
        return self.ends - self.starts

    def _reduce(self, ufunc: np.ufunc, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values)
        if len(self) == 0:
            return np.zeros((0, *values.shape[1:]), dtype=values.dtype)
        return ufunc.reduceat(values, self.starts, axis=0)

    def sum(self, values: np.ndarray) -> np.ndarray:
        """Sum per run (NaN propagates: zero NaNs first where they mean "nothing")."""
        return self._reduce(np.add, values)

    def max(self, values: np.ndarray) -> np.ndarray:
        return self._reduce(np.maximum, values)

    def min(self, values: np.ndarray) -> np.ndarray:
        return self._reduce(np.minimum, values)

    def first(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values)[self.starts]

    def last(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values)[self.ends - 1]

    def expand(self, per_run: np.ndarray) -> np.ndarray:
        """Broadcast one value per run back to every row of the run."""
        return np.repeat(np.asarray(per_run), self.sizes, axis=0)

    def first_where(self, mask: np.ndarray) -> np.ndarray:
        """Row index of the first row of each run where ``mask`` holds; -1 where none does."""
        pos = np.where(mask, np.arange(len(mask), dtype=np.int64), _NONE)
        found = self.min(pos)
        return np.where(found == _NONE, -1, found)

    def last_where(self, mask: np.ndarray) -> np.ndarray:
        """Row index of the last row of each run where ``mask`` holds; -1 where none does."""
        pos = np.where(mask, np.arange(len(mask), dtype=np.int64), -1)
        return self.max(pos)


def take(values: np.ndarray, index: np.ndarray, fill: float = np.nan) -> np.ndarray:
    """``values[index]`` as float, with ``fill`` where ``index`` is -1."""
    values = np.asarray(values, dtype=np.float64)
    out = np.full((len(index), *values.shape[1:]), fill, dtype=np.float64)
    ok = index >= 0
    out[ok] = values[index[ok]]
    return out


class Spread:
    """Lays values keyed by prospect id out along sorted ``ids`` (NaN for ids without a key).

    Positions are found once per key set and reused for every column; keys that
    are not in ``ids`` are dropped.
    """

    def __init__(self, ids: np.ndarray, keys: np.ndarray) -> None:
        self.n = len(ids)
        self.same = len(keys) == len(ids) and bool(np.array_equal(keys, ids))
        if self.same or not (len(keys) and len(ids)):
            self.pos, self.hit = np.zeros(0, dtype=np.int64), np.zeros(len(keys), dtype=bool)
            return
        pos = np.searchsorted(ids, keys)
        hit = pos < len(ids)
        hit[hit] = ids[pos[hit]] == keys[hit]
        self.pos, self.hit = pos[hit], hit

    def __call__(self, values: np.ndarray, fill: float = np.nan) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        if self.same:
            return values.copy()
        out = np.full((self.n, *values.shape[1:]), fill)
        out[self.pos] = values[self.hit]
        return out


def asof_index(
    group: np.ndarray, time: np.ndarray, query_group: np.ndarray, query_time: np.ndarray
) -> np.ndarray:
    """For each query, the index of the last row with the same group and ``time <= query_time``.

    Rows must be sorted by (group, time); times are float days. -1 where none.
    """
    if len(group) == 0:
        return np.full(len(query_group), -1, dtype=np.int64)
    span = 1 << 20  # days since the epoch stay far below 2**20 for any plausible date
    key = group.astype(np.int64) * span + time.astype(np.int64)
    qkey = query_group.astype(np.int64) * span + np.floor(query_time).astype(np.int64)
    idx = np.searchsorted(key, qkey, side="right") - 1
    ok = idx >= 0
    ok[ok] = group[idx[ok]] == query_group[ok]
    return np.where(ok, idx, -1)


def weighted_runs(
    runs: Runs, values: np.ndarray, weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per run, the weighted sum of each column of ``values`` and the weight behind it.

    A NaN value (rate undefined for that row) drops out of both sums, so the
    weighted mean ``num / den`` averages only rows where the rate exists.
    """
    ok = np.isfinite(values)
    w = np.where(ok, weight[:, None], 0.0)
    num = np.where(ok, values, 0.0) * w
    return runs.sum(num), runs.sum(w)
