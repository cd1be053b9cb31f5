"""``GET /api/ml/experiments/current``: champion against challenger on the traffic they served.

SQLAlchemy and the standard library only (the API imports it): traffic,
mean probability and agreement come from the ``predictions`` rows since the
challenger was named; metrics come from predictions whose outcome has matured
(a past ``as_of`` whose label is known), labelled by ``prospects.success``, the
standard-library form of the rule ``prospects.labels`` applies to frames.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prospects.ab import CHALLENGER, CHAMPION, challenger_share
from prospects.db.models import ModelEvent, Outcome, Prediction
from prospects.success import success_label

AGREE_WITHIN = 0.05  # two probabilities this close count as agreeing


def auc(labels: list[int], scores: list[float]) -> float | None:
    """ROC AUC by the rank-sum (Mann-Whitney) formula, ties sharing their average rank."""
    positives = sum(labels)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    order = sorted(range(len(scores)), key=scores.__getitem__)
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    rank_sum = sum(r for r, y in zip(ranks, labels, strict=True) if y)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def _labels(session: Session, rows: list[Prediction]) -> dict[tuple[int, date], int]:
    """Labels of the (prospect, as_of) pairs whose label is known in the data (see
    ``prospects.success``: the career total first passes the bar inside the window)."""
    latest = session.scalar(select(func.max(Outcome.known_on)))
    if latest is None:
        return {}
    latest = latest if isinstance(latest, date) else date.fromisoformat(str(latest)[:10])
    pairs = {(r.prospect_id, r.as_of) for r in rows}
    if not pairs:
        return {}
    seasons: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for pid, season, pa, outs in session.execute(
        select(Outcome.prospect_id, Outcome.season, Outcome.mlb_pa, Outcome.mlb_outs).where(
            Outcome.prospect_id.in_({pid for pid, _ in pairs})
        )
    ):
        seasons[pid].append((season, pa, outs))
    labels = {}
    for pid, as_of in pairs:
        label = success_label(seasons[pid], as_of, latest)
        if label is not None:
            labels[(pid, as_of)] = label
    return labels


def _variant_summary(rows: list[Prediction], labels: dict[tuple[int, date], int]) -> dict:
    probabilities = [r.probability for r in rows]
    matured = [
        (labels[(r.prospect_id, r.as_of)], r.probability)
        for r in rows
        if (r.prospect_id, r.as_of) in labels
    ]
    y = [m[0] for m in matured]
    p = [m[1] for m in matured]
    return {
        "predictions": len(rows),
        "users": len({r.requested_by for r in rows if r.requested_by}),
        "mean_probability": sum(probabilities) / len(rows) if rows else None,
        "matured": {
            "n": len(matured),
            "positives": sum(y),
            "auc": auc(y, p),
            "brier": sum((pi - yi) ** 2 for pi, yi in zip(p, y, strict=True)) / len(y)
            if y
            else None,
        },
    }


def _agreement(champion: list[Prediction], challenger: list[Prediction]) -> dict[str, Any]:
    """Prospects (and days) both variants answered for: how far apart their probabilities are."""
    last_a = {(r.prospect_id, r.as_of): r.probability for r in champion}
    last_b = {(r.prospect_id, r.as_of): r.probability for r in challenger}
    both = sorted(set(last_a) & set(last_b))
    diffs = [abs(last_a[k] - last_b[k]) for k in both]
    return {
        "pairs": len(both),
        "mean_abs_diff": sum(diffs) / len(diffs) if diffs else None,
        "share_within_0_05": sum(d <= AGREE_WITHIN for d in diffs) / len(diffs) if diffs else None,
    }


def experiment_report(
    session: Session, name: str, champion: int | None, challenger: int | None
) -> dict[str, Any]:
    """The current A/B test: who served what, how alike, and how right where outcomes are known."""
    share = challenger_share()
    base: dict[str, Any] = {"champion": champion, "challenger": challenger, "share": share}
    if challenger is None or champion is None:
        return {
            **base,
            "active": False,
            "message": "no challenger: the champion serves all traffic",
        }
    named = session.scalars(
        select(ModelEvent)
        .where(
            ModelEvent.name == name,
            ModelEvent.kind == "challenger",
            ModelEvent.to_version == challenger,
        )
        .order_by(ModelEvent.created_at.desc())
        .limit(1)
    ).one_or_none()
    since: datetime | None = named.created_at if named else None
    query = select(Prediction).where(Prediction.model_name == name)
    if since is not None:
        query = query.where(Prediction.created_at >= since)
    rows = session.scalars(query.order_by(Prediction.created_at, Prediction.id)).all()
    served = {
        CHAMPION: [r for r in rows if r.variant == CHAMPION and r.model_version == champion],
        CHALLENGER: [r for r in rows if r.variant == CHALLENGER and r.model_version == challenger],
    }
    labels = _labels(session, served[CHAMPION] + served[CHALLENGER])
    evidence = (named.metrics or {}) if named else {}
    return {
        **base,
        "active": True,
        "since": since.isoformat() if since else None,
        "variants": {v: _variant_summary(r, labels) for v, r in served.items()},
        "agreement": {
            "live": _agreement(served[CHAMPION], served[CHALLENGER]),
            "holdout": evidence.get("agreement"),
        },
        "holdout": {
            "seasons": evidence.get("holdout_seasons"),
            CHAMPION: evidence.get("champion"),
            CHALLENGER: evidence.get("new"),
        },
    }
