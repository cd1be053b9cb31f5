"""Historical comparisons: how earlier prospects like this one turned out, strictly point-in-time.

The labelled comparison base of an as-of date (see ``snapshots``) is indexed
once per context: a k-d tree of (age, composite, FV) per role and highest
level, sorted composites for percentiles, and smoothed success rates per
level, FV grade and draft bucket. Rates are shrunk toward the role's base rate
with a prior count, so a thin bucket does not answer 0 or 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from prospects.features.snapshots import fv_bucket, round_bucket

K_NEIGHBOURS = 50
KNN_PRIOR = 10.0  # pseudo-examples at the base rate added to the neighbours
BUCKET_PRIOR = 20.0  # pseudo-examples at the base rate added to each bucket
AGE_SCALE = 1.5  # years of age per unit of neighbour distance
COMPOSITE_SCALE = 1.0  # composite units per unit of distance
FV_SCALE = 0.5  # normalised FV (5 grade points) per unit of distance
OWN_SEASONS = 8  # spare neighbours: a prospect's own labelled seasons at his level


@dataclass(frozen=True)
class _LevelGroup:
    """Base examples of one role at one highest level, ready for neighbour queries."""

    tree: cKDTree
    labels: np.ndarray
    composites: np.ndarray  # sorted, NaN dropped: the percentile reference
    fv_fill: float  # FV imputed for examples and queries without a report
    rows: np.ndarray  # each tree point's row in the base (comparable players are named from it)


def _points(age: np.ndarray, composite: np.ndarray, fv: np.ndarray, fv_fill: float) -> np.ndarray:
    """Standardised (age, composite, FV) coordinates; a missing composite counts as average."""
    return np.column_stack(
        [
            age / AGE_SCALE,
            np.nan_to_num(composite, nan=0.0) / COMPOSITE_SCALE,
            np.where(np.isnan(fv), fv_fill, fv) / FV_SCALE,
        ]
    )


@dataclass(frozen=True)
class _RateTable:
    """Smoothed success rate per integer key (role * 100 + bucket)."""

    keys: np.ndarray
    rates: np.ndarray

    @classmethod
    def of(cls, keys: np.ndarray, labels: np.ndarray, prior: np.ndarray) -> _RateTable:
        uniq, inv = np.unique(keys, return_inverse=True)
        n = np.bincount(inv, minlength=len(uniq))
        wins = np.bincount(inv, weights=labels, minlength=len(uniq))
        p = prior[uniq // 100]
        return cls(uniq, (wins + BUCKET_PRIOR * p) / (n + BUCKET_PRIOR))

    def lookup(self, keys: np.ndarray, fallback: np.ndarray) -> np.ndarray:
        """Rates for ``keys``; ``fallback`` (the base rate) for a bucket never seen."""
        out = np.asarray(fallback, dtype=np.float64).copy()
        if len(self.keys):
            pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
            hit = self.keys[pos] == keys
            out[hit] = self.rates[pos[hit]]
        return out


@dataclass(frozen=True)
class HistoryBase:
    """The labelled comparison base of one as-of date, indexed for fast queries."""

    n_examples: int
    base_rate: np.ndarray  # per role (0 hitter, 1 pitcher); NaN without examples
    examples: pd.DataFrame  # the labelled base itself: who each neighbour is
    groups: dict[tuple[int, int], _LevelGroup]
    level_rates: _RateTable
    fv_rates: _RateTable
    round_rates: _RateTable

    @classmethod
    def from_examples(cls, base: pd.DataFrame) -> HistoryBase:
        """Index a labelled base (from :func:`comparison_base`)."""
        role = base["is_pitcher"].to_numpy()
        level = base["level"].to_numpy()
        label = base["label"].to_numpy().astype(np.float64)
        age, comp, fv = (base[c].to_numpy() for c in ("age", "composite", "fv"))
        n_role = np.bincount(role, minlength=2)
        wins = np.bincount(role, weights=label, minlength=2)
        base_rate = np.full(2, np.nan)
        np.divide(wins, n_role, out=base_rate, where=n_role > 0)
        groups = {}
        for r in (0, 1):
            for lv in np.unique(level[role == r]):
                m = (role == r) & (level == lv)
                fv_known = fv[m][~np.isnan(fv[m])]
                fill = float(fv_known.mean()) if len(fv_known) else 0.0
                comps = comp[m]
                groups[(r, int(lv))] = _LevelGroup(
                    tree=cKDTree(_points(age[m], comps, fv[m], fill)),
                    labels=label[m],
                    composites=np.sort(comps[~np.isnan(comps)]),
                    fv_fill=fill,
                    rows=np.flatnonzero(m),
                )
        return cls(
            n_examples=len(base),
            base_rate=base_rate,
            examples=base.reset_index(drop=True),
            groups=groups,
            level_rates=_RateTable.of(role * 100 + level, label, base_rate),
            fv_rates=_RateTable.of(role * 100 + fv_bucket(fv), label, base_rate),
            round_rates=_RateTable.of(
                role * 100 + base["round_bucket"].to_numpy(), label, base_rate
            ),
        )

    def features(
        self,
        is_pitcher: np.ndarray,
        level: np.ndarray,
        age: np.ndarray,
        composite: np.ndarray,
        fv: np.ndarray,
        draft_round: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """History family for query prospects (``level`` NaN: no line yet, no level features)."""
        n = len(is_pitcher)
        role = is_pitcher.astype(np.int64)
        prior = self.base_rate[role] if n else np.zeros(0)
        knn_rate, knn_dist, pctile = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
        has_level = ~np.isnan(level)
        lvl = np.where(has_level, level, -1).astype(np.int64)
        for (r, lv), group in self.groups.items():
            m = (role == r) & (lvl == lv)
            if not m.any():
                continue
            k = min(K_NEIGHBOURS, len(group.labels))
            dist, idx = group.tree.query(_points(age[m], composite[m], fv[m], group.fv_fill), k=k)
            dist, idx = dist.reshape(-1, k), idx.reshape(-1, k)
            wins = group.labels[idx].sum(axis=1)
            knn_rate[m] = (wins + KNN_PRIOR * prior[m]) / (k + KNN_PRIOR)
            knn_dist[m] = dist.mean(axis=1)
            ref = group.composites
            if len(ref):
                lo = np.searchsorted(ref, composite[m], side="left")
                hi = np.searchsorted(ref, composite[m], side="right")
                pctile[m] = np.where(np.isnan(composite[m]), np.nan, (lo + hi) / (2.0 * len(ref)))
        level_rate = self.level_rates.lookup(role * 100 + lvl, prior)
        return {
            "hist_knn_rate": knn_rate,
            "hist_knn_distance": knn_dist,
            "hist_perf_pctile": pctile,
            "hist_level_rate": np.where(has_level, level_rate, np.nan),
            "hist_fv_rate": self.fv_rates.lookup(role * 100 + fv_bucket(fv), prior),
            "hist_round_rate": self.round_rates.lookup(
                role * 100 + round_bucket(draft_round), prior
            ),
        }

    def neighbours(
        self,
        is_pitcher: np.ndarray,
        level: np.ndarray,
        age: np.ndarray,
        composite: np.ndarray,
        fv: np.ndarray,
        k: int,
    ) -> list[np.ndarray]:
        """Per query, the base rows of its ``k + OWN_SEASONS`` nearest examples, nearest first
        (the same role, highest level and distance as ``hist_knn_rate``; spares for the
        prospect's own earlier seasons, which callers drop). Empty without a level or group."""
        out: list[np.ndarray] = [np.zeros(0, dtype=np.int64) for _ in range(len(is_pitcher))]
        role = np.asarray(is_pitcher).astype(np.int64)
        has_level = ~np.isnan(level)
        lvl = np.where(has_level, level, -1).astype(np.int64)
        for (r, lv), group in self.groups.items():
            rows = np.flatnonzero((role == r) & (lvl == lv))
            if not len(rows):
                continue
            n = min(k + OWN_SEASONS, len(group.labels))
            points = _points(age[rows], composite[rows], fv[rows], group.fv_fill)
            _, idx = group.tree.query(points, k=n)
            for i, near in zip(rows, np.asarray(idx).reshape(len(rows), n), strict=True):
                out[i] = group.rows[near]
        return out
