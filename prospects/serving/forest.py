"""Many small boosters' margins in one vectorised pass, for the interval's members.

Each XGBoost ``predict`` call costs about 0.2-0.5 ms whatever the tree count
(thread pool, DMatrix checks); ten members called one by one added more to an
answer than the 10% the serving budget allows. Their trees are read once into
flat arrays, and a few rows walk all of them at once in numpy: depth steps,
each one array operation over every tree. Numerical splits only (the model has
no categorical features); XGBoost's rules: go left when ``x < threshold``,
missing values follow ``default_left``. Each member's constant (its base score
in margin space) is taken from XGBoost itself at load, so the margins match
``predict(output_margin=True)`` exactly (tests/test_uncertainty.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import xgboost as xgb


@dataclass(frozen=True)
class Forest:
    """Every member's trees as flat node arrays (node ids offset per tree)."""

    roots: np.ndarray  # (n_trees,) first node of each tree
    member: np.ndarray  # (n_trees,) which member each tree belongs to
    feature: np.ndarray  # per node
    threshold: np.ndarray
    left: np.ndarray  # -1 at a leaf
    right: np.ndarray
    default_left: np.ndarray
    value: np.ndarray  # the leaf's value (meaningful at leaves)
    offsets: np.ndarray  # (n_members,) each member's constant margin
    depth: int

    @classmethod
    def of(cls, members: tuple[xgb.Booster, ...], n_features: int) -> Forest:
        roots, owner, parts = [], [], {k: [] for k in ("f", "t", "l", "r", "d", "v")}
        start, depth = 0, 1
        for m, booster in enumerate(members):
            model = json.loads(bytes(booster.save_raw("json")))
            for tree in model["learner"]["gradient_booster"]["model"]["trees"]:
                left = np.asarray(tree["left_children"], dtype=np.int64)
                leaf = left == -1
                right = np.asarray(tree["right_children"], dtype=np.int64)
                roots.append(start)
                owner.append(m)
                parts["f"].append(np.asarray(tree["split_indices"], dtype=np.int64))
                parts["t"].append(np.asarray(tree["split_conditions"], dtype=np.float32))
                parts["l"].append(np.where(leaf, -1, left + start))
                parts["r"].append(np.where(leaf, -1, right + start))
                parts["d"].append(np.asarray(tree["default_left"], dtype=bool))
                parts["v"].append(np.asarray(tree["base_weights"], dtype=np.float64))
                depth = max(depth, _depth(left, right))
                start += len(left)
        forest = cls(
            roots=np.asarray(roots, dtype=np.int64),
            member=np.asarray(owner, dtype=np.int64),
            feature=np.concatenate(parts["f"]),
            threshold=np.concatenate(parts["t"]),
            left=np.concatenate(parts["l"]),
            right=np.concatenate(parts["r"]),
            default_left=np.concatenate(parts["d"]),
            value=np.concatenate(parts["v"]),
            offsets=np.zeros(len(members)),
            depth=depth,
        )
        probe = np.zeros((1, n_features), dtype=np.float32)
        sums = forest.margins(probe)[:, 0]
        exact = np.array(
            [
                b.predict(
                    xgb.DMatrix(probe, missing=np.nan, feature_names=b.feature_names),
                    output_margin=True,
                )[0]
                for b in members
            ]
        )
        return cls(**{**forest.__dict__, "offsets": exact - sums})

    def margins(self, X: np.ndarray) -> np.ndarray:
        """(n_members, n_rows) margins of ``X`` (columns in the model's order)."""
        X = np.asarray(X, dtype=np.float32)
        n_rows = X.shape[0]
        node = np.broadcast_to(self.roots, (n_rows, len(self.roots))).copy()
        rows = np.arange(n_rows)[:, None]
        for _ in range(self.depth):
            inner = self.left[node] >= 0
            if not inner.any():
                break
            x = X[rows, self.feature[node]]
            go_left = np.where(np.isnan(x), self.default_left[node], x < self.threshold[node])
            nxt = np.where(go_left, self.left[node], self.right[node])
            node = np.where(inner, nxt, node)
        leaves = self.value[node]  # (n_rows, n_trees)
        out = np.zeros((len(self.offsets), n_rows))
        np.add.at(out, self.member, leaves.T)
        return out + self.offsets[:, None]


def _depth(left: np.ndarray, right: np.ndarray) -> int:
    """Edges on the longest root-to-leaf path of one tree."""
    depth = np.zeros(len(left), dtype=np.int64)
    for node in range(len(left)):  # children always come after their parent
        if left[node] >= 0:
            depth[left[node]] = depth[right[node]] = depth[node] + 1
    return int(depth.max())
