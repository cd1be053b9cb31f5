"""Does the confidence level mean something? Error by level at matched probability.

The holdout rows are split into fixed probability bins (``EDGES``); within a bin
every level's answers say about the same thing, so a difference in their error
is the level's doing, not the probability's. Per level, each error is averaged
over the bins *every compared level* holds with at least ``MIN_CELL`` rows,
each bin weighted by its share of those rows (direct standardisation): no
level is flattered by holding easier probabilities, and none is judged on a
bin it has (almost) no answers in.

Errors per row: Brier ``(y - p)^2``; log loss; *excess* ``(y - p)^2 - p(1 - p)``,
whose expectation is ``(truth - p)^2`` — the outcome's own noise, which no
confidence level can reduce, taken out; and per bin the calibration error
``|observed rate - mean p|``. Intervals: a bootstrap by prospect (a prospect's
rows, in every season and bin, are drawn together), percentile 95%.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEVELS = ("high", "medium", "low")
# Probability bin edges (inner), fixed before looking at any outcome: fine where answers are
# many and the Brier moves fast with p, wider where they are few.
EDGES = (0.002, 0.005, 0.01, 0.02, 0.05, 0.10, 0.20, 0.35, 0.50)
ERRORS = ("brier", "log_loss", "excess", "calibration")
# A (bin, level) cell counts in a matched comparison only with this many rows: fewer, and its
# error is one or two outcomes (a bin's single "high" row would stand for the whole bin).
MIN_CELL = 20
N_BOOT = 1000


def bin_of(p: np.ndarray, edges: tuple[float, ...] = EDGES) -> np.ndarray:
    return np.searchsorted(np.asarray(edges), np.asarray(p, dtype=float), side="right")


def bin_label(b: int, edges: tuple[float, ...] = EDGES) -> str:
    lo = 0.0 if b == 0 else edges[b - 1]
    hi = 1.0 if b == len(edges) else edges[b]
    return f"{lo * 100:g}–{hi * 100:g}%"


@dataclass(frozen=True)
class Cells:
    """Per (cluster, bin, level) sums: n, y, p, Brier, log loss, excess."""

    sums: np.ndarray  # clusters x bins x levels x 6
    bins: int

    @classmethod
    def of(cls, y: np.ndarray, p: np.ndarray, level: np.ndarray, cluster: np.ndarray) -> Cells:
        y = np.asarray(y, dtype=float)
        p = np.asarray(p, dtype=float)
        q = np.clip(p, 1e-7, 1 - 1e-7)
        _, cid = np.unique(cluster, return_inverse=True)
        b = bin_of(p)
        level = np.asarray(level)
        lv = np.full(len(level), -1)
        for j, name in enumerate(LEVELS):
            lv[level == name] = j
        if (lv < 0).any():
            raise ValueError(f"unknown confidence levels: {set(level[lv < 0])}")
        values = np.stack(
            [
                np.ones_like(p),
                y,
                p,
                (y - p) ** 2,
                -(y * np.log(q) + (1 - y) * np.log(1 - q)),
                (y - p) ** 2 - p * (1 - p),
            ],
            axis=1,
        )
        bins = len(EDGES) + 1
        sums = np.zeros((cid.max() + 1, bins, len(LEVELS), values.shape[1]))
        np.add.at(sums, (cid, b, lv), values)
        return cls(sums, bins)


def _measures(
    total: np.ndarray, pairs: tuple[str, ...], support: np.ndarray | None = None
) -> dict[str, float]:
    """From bin x level x 6 sums: each level's matched errors over the bins all of ``pairs``
    hold with at least ``MIN_CELL`` rows (``support``: those bins, fixed from the full sample
    so a bootstrap draw is judged on the same bins)."""
    n = total[..., 0]
    idx = [LEVELS.index(k) for k in pairs]
    common = np.all(n[:, idx] >= MIN_CELL, axis=1) if support is None else support
    common = common & np.all(n[:, idx] > 0, axis=1)
    weight = n[common][:, idx].sum(axis=1)
    weight = weight / weight.sum() if weight.sum() else weight
    out: dict[str, float] = {}
    for k in pairs:
        j = LEVELS.index(k)
        cell = total[common, j]
        m = cell[:, 0]
        per = {
            "brier": cell[:, 3] / m,
            "log_loss": cell[:, 4] / m,
            "excess": cell[:, 5] / m,
            "calibration": np.abs(cell[:, 1] - cell[:, 2]) / m,
        }
        for name, values in per.items():
            out[f"{k}_{name}"] = float(np.sum(values * weight)) if common.any() else float("nan")
    out["common_rows"] = float(n[common][:, idx].sum())
    return out


def judge_levels(
    y: np.ndarray,
    p: np.ndarray,
    level: np.ndarray,
    cluster: np.ndarray,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> dict[str, object]:
    """The validation: per-cell table, matched errors, and bootstrap intervals of the gaps."""
    cells = Cells.of(y, p, level, cluster)
    total = cells.sums.sum(axis=0)
    comparisons = {
        "all": LEVELS,
        "high_vs_low": ("high", "low"),
        "high_vs_medium": ("high", "medium"),
        "medium_vs_low": ("medium", "low"),
    }
    support = {
        name: np.all(total[:, [LEVELS.index(k) for k in pairs], 0] >= MIN_CELL, axis=1)
        for name, pairs in comparisons.items()
    }
    point = {name: _measures(total, pairs) for name, pairs in comparisons.items()}
    rng = np.random.default_rng(seed)
    k = cells.sums.shape[0]
    flat = cells.sums.reshape(k, -1)
    draws: dict[str, dict[str, list[float]]] = {name: {} for name in comparisons}
    for _ in range(n_boot):
        weights = np.bincount(rng.integers(0, k, k), minlength=k).astype(float)
        boot = (weights @ flat).reshape(total.shape)
        for name, pairs in comparisons.items():
            m = _measures(boot, pairs, support[name])
            lo, hi = pairs[-1], pairs[0]  # the less confident minus the more confident
            for err in ERRORS:
                draws[name].setdefault(err, []).append(m[f"{lo}_{err}"] - m[f"{hi}_{err}"])
    gaps = {
        name: {
            err: {
                "gap": point[name][f"{pairs[-1]}_{err}"] - point[name][f"{pairs[0]}_{err}"],
                "low": float(np.nanpercentile(draws[name][err], 2.5)),
                "high": float(np.nanpercentile(draws[name][err], 97.5)),
                "share_above_zero": float(np.nanmean(np.array(draws[name][err]) > 0)),
            }
            for err in ERRORS
        }
        for name, pairs in comparisons.items()
    }
    table = []
    for b in range(cells.bins):
        for j, lv in enumerate(LEVELS):
            s = total[b, j]
            if s[0] == 0:
                continue
            table.append(
                {
                    "bin": bin_label(b),
                    "level": lv,
                    "n": int(s[0]),
                    "successes": int(s[1]),
                    "predicted": s[2] / s[0],
                    "observed": s[1] / s[0],
                    "brier": s[3] / s[0],
                    "log_loss": s[4] / s[0],
                    "excess": s[5] / s[0],
                }
            )
    counts = {lv: int(total[:, j, 0].sum()) for j, lv in enumerate(LEVELS)}
    report = {
        "rows": int(len(y)),
        "successes": int(np.sum(y)),
        "prospects": int(k),
        "counts": counts,
        "table": table,
        "matched": point,
        "gaps": gaps,
    }
    report["markdown"] = markdown(report)
    return report


def markdown(report: dict) -> str:
    """The tables docs/confidence.md quotes."""
    lines = [
        f"{report['rows']:,} holdout rows, {report['successes']:,} successes, "
        f"{report['prospects']:,} prospects; levels: "
        + ", ".join(f"{k} {v:,}" for k, v in report["counts"].items()),
        "",
        "| probability bin | level | rows | successes | predicted | observed | Brier | log loss | excess |",  # noqa: E501
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["table"]:
        lines.append(
            f"| {r['bin']} | {r['level']} | {r['n']:,} | {r['successes']:,} | "
            f"{r['predicted'] * 100:.2f}% | {r['observed'] * 100:.2f}% | {r['brier']:.4f} | "
            f"{r['log_loss']:.4f} | {r['excess']:+.4f} |"
        )
    m = report["matched"]["all"]
    lines += [
        "",
        f"Matched over the bins all three levels hold with {MIN_CELL}+ rows "
        f"({int(m['common_rows']):,} rows):",
        "",
        "| level | Brier | log loss | excess | calibration error |",
        "|---|---|---|---|---|",
    ]
    for lv in LEVELS:
        lines.append(
            f"| {lv} | {m[f'{lv}_brier']:.4f} | {m[f'{lv}_log_loss']:.4f} | "
            f"{m[f'{lv}_excess']:+.4f} | {m[f'{lv}_calibration']:.4f} |"
        )
    lines += [
        "",
        f"Gaps (less confident minus more confident, matched over the bins both hold with "
        f"{MIN_CELL}+ rows; 95% bootstrap by prospect):",
        "",
        "| comparison | rows | Brier | log loss | excess | calibration error |",
        "|---|---|---|---|---|---|",
    ]
    for name, gap in report["gaps"].items():
        if name == "all":
            continue
        rows = int(report["matched"][name]["common_rows"])
        cells = [
            f"{g['gap']:+.4f} [{g['low']:+.4f}, {g['high']:+.4f}]" for g in (gap[e] for e in ERRORS)
        ]
        lines.append(f"| {name.replace('_', ' ')} | {rows:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- against the truth a synthetic league knows ---------------------------------------------------

TRUTH_ERRORS = ("squared", "absolute")


def _truth_sums(
    truth: np.ndarray, p: np.ndarray, level: np.ndarray, cluster: np.ndarray, replicates: int
) -> np.ndarray:
    """Per (cluster, bin, level): n, sum p, sum truth, sum squared error, sum absolute error.

    ``truth`` is a Monte Carlo share over ``replicates`` futures; its own binomial noise is
    taken out of the squared error (``t(1 - t) / (R - 1)`` per row), so the sum estimates
    the error against the true probability without bias.
    """
    truth = np.asarray(truth, dtype=float)
    p = np.asarray(p, dtype=float)
    noise = truth * (1 - truth) / max(replicates - 1, 1)
    _, cid = np.unique(cluster, return_inverse=True)
    lv = np.array([LEVELS.index(str(v)) for v in level])
    values = np.stack(
        [np.ones_like(p), p, truth, (p - truth) ** 2 - noise, np.abs(p - truth)], axis=1
    )
    sums = np.zeros((cid.max() + 1, len(EDGES) + 1, len(LEVELS), values.shape[1]))
    np.add.at(sums, (cid, bin_of(p), lv), values)
    return sums


def _truth_measures(total: np.ndarray, pairs: tuple[str, ...], support: np.ndarray) -> dict:
    """Each level's error against the truth, averaged over the ``support`` bins weighted by
    their share of the compared levels' rows (as :func:`_measures`)."""
    idx = [LEVELS.index(k) for k in pairs]
    n = total[..., 0]
    common = support & np.all(n[:, idx] > 0, axis=1)
    weight = n[common][:, idx].sum(axis=1)
    weight = weight / weight.sum() if weight.sum() else weight
    out: dict[str, float] = {"common_rows": float(n[common][:, idx].sum())}
    for k in pairs:
        cell = total[common, LEVELS.index(k)]
        for name, column in (("squared", 3), ("absolute", 4)):
            values = cell[:, column] / cell[:, 0]
            out[f"{k}_{name}"] = float(np.sum(values * weight)) if common.any() else float("nan")
    return out


def _percentile(values: list[float], q: float) -> float:
    """The percentile of the draws that have a value; NaN when none has (no common bin)."""
    finite = np.asarray(values, dtype=float)
    finite = finite[~np.isnan(finite)]
    return float(np.percentile(finite, q)) if len(finite) else float("nan")


def judge_against_truth(
    truth: np.ndarray,
    p: np.ndarray,
    level: np.ndarray,
    cluster: np.ndarray,
    replicates: int,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> dict[str, object]:
    """The validation with the outcome's noise gone: each answer's error against the true
    probability its league knows (``prospects.league_truth``), by level at matched
    answered probability (the bins and ``MIN_CELL`` of :func:`judge_levels`), gaps with 95%
    bootstrap intervals by prospect."""
    sums = _truth_sums(truth, p, level, cluster, replicates)
    total = sums.sum(axis=0)
    comparisons = {
        "all": LEVELS,
        "high_vs_low": ("high", "low"),
        "high_vs_medium": ("high", "medium"),
        "medium_vs_low": ("medium", "low"),
    }
    support = {
        name: np.all(total[:, [LEVELS.index(k) for k in pairs], 0] >= MIN_CELL, axis=1)
        for name, pairs in comparisons.items()
    }
    point = {
        name: _truth_measures(total, pairs, support[name]) for name, pairs in comparisons.items()
    }
    rng = np.random.default_rng(seed)
    k = sums.shape[0]
    flat = sums.reshape(k, -1)
    draws: dict[str, dict[str, list[float]]] = {
        name: {e: [] for e in TRUTH_ERRORS} for name in comparisons
    }
    for _ in range(n_boot):
        weights = np.bincount(rng.integers(0, k, k), minlength=k).astype(float)
        boot = (weights @ flat).reshape(total.shape)
        for name, pairs in comparisons.items():
            m = _truth_measures(boot, pairs, support[name])
            for err in TRUTH_ERRORS:
                draws[name][err].append(m[f"{pairs[-1]}_{err}"] - m[f"{pairs[0]}_{err}"])
    gaps = {
        name: {
            err: {
                "gap": point[name][f"{pairs[-1]}_{err}"] - point[name][f"{pairs[0]}_{err}"],
                "low": _percentile(draws[name][err], 2.5),
                "high": _percentile(draws[name][err], 97.5),
            }
            for err in TRUTH_ERRORS
        }
        for name, pairs in comparisons.items()
    }
    table = [
        {
            "bin": bin_label(b),
            "level": lv,
            "n": int(total[b, j, 0]),
            "predicted": total[b, j, 1] / total[b, j, 0],
            "truth": total[b, j, 2] / total[b, j, 0],
            "rms": float(np.sqrt(max(total[b, j, 3] / total[b, j, 0], 0.0))),
            "absolute": total[b, j, 4] / total[b, j, 0],
        }
        for b in range(len(EDGES) + 1)
        for j, lv in enumerate(LEVELS)
        if total[b, j, 0] > 0
    ]
    report = {
        "rows": int(len(p)),
        "prospects": int(k),
        "replicates": replicates,
        "table": table,
        "matched": point,
        "gaps": gaps,
    }
    report["markdown"] = truth_markdown(report)
    return report


def truth_markdown(report: dict) -> str:
    """The tables docs/confidence.md quotes for the validation against the truth."""
    lines = [
        f"{report['rows']:,} holdout rows, {report['prospects']:,} prospects, true probability "
        f"from {report['replicates']} replayed futures each",
        "",
        "| probability bin | level | rows | predicted | true (mean) | RMS error vs truth | mean abs error |",  # noqa: E501
        "|---|---|---|---|---|---|---|",
    ]
    for r in report["table"]:
        lines.append(
            f"| {r['bin']} | {r['level']} | {r['n']:,} | {r['predicted'] * 100:.2f}% | "
            f"{r['truth'] * 100:.2f}% | {r['rms'] * 100:.2f} pts | {r['absolute'] * 100:.2f} pts |"
        )
    lines += [
        "",
        f"Matched (bins both compared levels hold with {MIN_CELL}+ rows; gaps less confident "
        "minus more confident, 95% bootstrap by prospect; squared error in points², absolute "
        "in points):",
        "",
        "| comparison | rows | more confident: squared / abs | less confident: squared / abs | squared gap | abs gap |",  # noqa: E501
        "|---|---|---|---|---|---|",
    ]
    for name, gap in report["gaps"].items():
        if name == "all":
            continue
        m = report["matched"][name]
        hi, lo = name.split("_vs_")
        sq, ab = gap["squared"], gap["absolute"]
        lines.append(
            f"| {name.replace('_', ' ')} | {int(m['common_rows']):,} | "
            f"{m[f'{hi}_squared'] * 1e4:.2f} / {m[f'{hi}_absolute'] * 100:.2f} | "
            f"{m[f'{lo}_squared'] * 1e4:.2f} / {m[f'{lo}_absolute'] * 100:.2f} | "
            f"{sq['gap'] * 1e4:+.2f} [{sq['low'] * 1e4:+.2f}, {sq['high'] * 1e4:+.2f}] | "
            f"{ab['gap'] * 100:+.2f} [{ab['low'] * 100:+.2f}, {ab['high'] * 100:+.2f}] |"
        )
    return "\n".join(lines)
