"""Per-concept effects in percentage points of probability, summing exactly to the answer.

TreeSHAP's contributions are additive in log-odds: bias + sum(phi) = the
model's logit. A scout reads points of probability, and the served
probability passes the logit through the calibration (``calibration.py``), a
non-linear map, so a feature's log-odds share is not its share of points.

The points of a concept group are its exact **Shapley value in probability
space**: with v(S) = calibrated(bias + sum of the log-odds of the groups in S),
a group's points are its average marginal change of v over every order the
groups can be added in. By Shapley efficiency they sum to v(all) - v(none) =
answer - base rate, exactly; with 7 groups that is 128 evaluations of v per
row, vectorised over a whole chunk. Rounded to tenths of a point they are
adjusted by largest remainder, so the displayed points also add up to the
displayed answer minus the displayed base rate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import product
from math import factorial

import numpy as np

from prospects.features.wording import CONCEPTS, wording

Link = Callable[[np.ndarray], np.ndarray]  # raw logit -> served probability


def concept_index(names: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """The concepts present among ``names`` (in CONCEPTS order) and each name's concept index."""
    return _concept_index(tuple(names))


@lru_cache(maxsize=8)
def _concept_index(names: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray]:
    """The same for every answer of a model version: computed once per feature list."""
    concepts = tuple(c for c in CONCEPTS if any(wording(n).concept == c for n in names))
    position = {c: i for i, c in enumerate(concepts)}
    index = np.array([position[wording(n).concept] for n in names], dtype=np.int64)
    index.setflags(write=False)  # shared between calls
    return concepts, index


def group_logits(contrib: np.ndarray, index: np.ndarray, n_groups: int) -> np.ndarray:
    """(n_rows, n_groups) log-odds per concept from (n_rows, n_features + 1) contributions."""
    onehot = np.zeros((len(index), n_groups))
    onehot[np.arange(len(index)), index] = 1.0
    return contrib[:, : len(index)] @ onehot


def shapley_points(bias: np.ndarray, groups: np.ndarray, link: Link) -> np.ndarray:
    """(n_rows, n_groups) Shapley values of ``link(bias + sum of groups)`` in probability."""
    n_rows, g = groups.shape
    subsets, pairs = _coalitions(g)
    values = link(bias[None, :] + subsets @ groups.T)  # (2^g, n_rows)
    out = np.zeros((n_rows, g))
    for j, (weight, with_j, without_j) in enumerate(pairs):
        out[:, j] = weight @ (values[with_j] - values[without_j])
    return out


@lru_cache(maxsize=16)
def _coalitions(g: int) -> tuple[np.ndarray, tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]]:
    """Every subset of ``g`` groups (rows of ``product((0, 1), repeat=g)``) and, per group j,
    the Shapley weight of each subset S without j with the rows of S + {j} and of S.

    The same for every answer with ``g`` groups, so built once (it was rebuilt per call:
    about a third of the concept points' time for one row).
    """
    subsets = np.array(list(product((0, 1), repeat=g)), dtype=np.float64)  # (2^g, g)
    sizes = subsets.sum(axis=1).astype(int)
    pairs = []
    for j in range(g):
        without = subsets[:, j] == 0
        # each S without j pairs with S + {j}: weight |S|! (g - |S| - 1)! / g!
        weight = np.array(
            [factorial(s) * factorial(g - s - 1) / factorial(g) for s in sizes[without]]
        )
        with_j = subsets[without].copy()
        with_j[:, j] = 1
        pairs.append((weight, _subset_rows(with_j), np.flatnonzero(without)))
    for array in (subsets, *(a for pair in pairs for a in pair)):
        array.setflags(write=False)  # shared between calls
    return subsets, tuple(pairs)


def _subset_rows(subsets: np.ndarray) -> np.ndarray:
    """Row numbers of ``subsets`` in the ``product((0, 1), repeat=g)`` enumeration."""
    g = subsets.shape[1]
    return (subsets @ (2 ** np.arange(g - 1, -1, -1))).astype(int)


def tenths(probability: float, base: float, points: np.ndarray) -> np.ndarray:
    """``points`` (fractions) as integer tenths of a point that sum exactly to the displayed
    answer minus the displayed base rate (both rounded to a tenth of a percent)."""
    target = int(round(probability * 1000)) - int(round(base * 1000))
    raw = points * 1000
    floor = np.floor(raw).astype(int)
    short = target - int(floor.sum())
    order = np.argsort(-(raw - floor), kind="stable")
    out = floor.copy()
    if short >= 0:
        out[order[:short]] += 1
    else:  # rounding overshot: take from the smallest remainders
        out[order[::-1][:-short]] -= 1
    return out
