"""The monitor: is the champion still as good as when it was registered, and do its inputs drift?

One pass (daily from Beat, or ``callup monitor``):

1. Performance on outcomes that matured since the champion's training data
   (labels it could not have seen), against its own registration-time holdout
   figures. Each tolerance is the larger of a configured floor and ``z``
   standard errors of the difference, and nothing is judged on fewer than
   ``min_outcomes`` examples or ``min_positives`` successes.
2. Drift: PSI of the most important features and of the predicted
   probabilities, the latest closed season's cohort against the registration
   profile, with the sample-size noise floor (see ``drift``) and an optional
   run of consecutive breaches.
3. Decision: degraded and the previous champion does better on the same
   outcomes → roll back; degraded or drifting with nothing better → alert and
   queue a retraining; healthy → perhaps promote a challenger by the rule.

Every pass is stored as a ``monitor_runs`` row; every action as an event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from mlflow.tracking import MlflowClient
from sqlalchemy import func, select

from prospects import config, registry
from prospects.ab import CHALLENGER
from prospects.db.models import ModelEvent, MonitorRun, Prediction
from prospects.db.session import session_scope
from prospects.features.data import load_league
from prospects.lifecycle import aliases, events
from prospects.lifecycle.drift import drift_report
from prospects.lifecycle.evaluate import compare, describe_difference, figures
from prospects.lifecycle.outcomes import current_cohort, matured_examples
from prospects.lifecycle.thresholds import ChallengerRule, MonitorThresholds, PromotionRule
from prospects.training import bootstrap as bs
from prospects.training.model import booster_from_bytes, predict_proba

log = logging.getLogger(__name__)
RetrainRequest = Callable[[str], str | None]  # reason -> job id of the queued retraining


@dataclass
class MonitorOutcome:
    """What one pass measured, concluded and did."""

    verdict: str  # healthy | degraded | drifting | no_model
    action: str  # none | rollback | alert | promotion
    champion: int | None
    reason: str
    performance: dict[str, Any] = field(default_factory=dict)
    drift: dict[str, Any] = field(default_factory=dict)
    event: dict[str, Any] | None = None
    retrain_job: str | None = None
    run_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return events.jsonable(asdict(self))


class _Models:
    """Boosters by version, fetched from the registry once per pass."""

    def __init__(self, client: MlflowClient, name: str):
        self.client, self.name = client, name
        self._held: dict[int, Any] = {}

    def predict(self, version: int, X: pd.DataFrame) -> np.ndarray | None:
        """Probabilities of ``version`` on ``X``; None when it needs features ``X`` lacks."""
        booster = self._held.get(version)
        if booster is None:
            ref = registry.get_version(self.client, version, self.name)
            booster = self._held[version] = booster_from_bytes(
                registry.fetch_model_bytes(self.client, ref)
            )
        names = booster.feature_names or []
        if not set(names) <= set(X.columns):
            return None
        if len(X) == 0:
            return np.zeros(0)
        return np.asarray(predict_proba(booster, X[names]))


def assess(live: dict[str, float], registered: dict[str, float], th: MonitorThresholds) -> dict:
    """Compare live figures with registration figures: each check, its tolerance, and why."""
    out: dict[str, Any] = {"judged": False, "degraded": False, "checks": {}, "reasons": []}
    if live["n"] < th.min_outcomes or live["positives"] < th.min_positives:
        out["reasons"].append(
            f"too few matured outcomes to judge ({live['n']} examples, {live['positives']} "
            f"successes; need {th.min_outcomes} and {th.min_positives})"
        )
        return out
    out["judged"] = True

    def se(key: str) -> float:
        parts = [v for v in (live.get(key), registered.get(key)) if v is not None and v == v]
        return float(np.sqrt(sum(v * v for v in parts))) if parts else 0.0

    checks = {
        "auc": (registered.get("auc"), live["auc"], max(th.auc_drop, th.z * se("auc_se")), -1),
        "brier": (
            registered.get("brier"),
            live["brier"],
            max(th.brier_rise, th.z * se("brier_se")),
            1,
        ),
    }
    for metric, (before, now, tolerance, sign) in checks.items():
        if before is None or now != now:
            continue
        change = (now - before) * sign  # positive = worse
        breach = change > tolerance
        out["checks"][metric] = {
            "registered": before,
            "live": now,
            "tolerance": tolerance,
            "breach": breach,
        }
        if breach:
            out["reasons"].append(
                f"{metric.upper() if metric == 'auc' else 'Brier'} {now:.4f} vs {before:.4f} at "
                f"registration (tolerance {tolerance:.4f})"
            )
    gap = live["calibration_gap"]
    rate = live["positive_rate"]
    gap_tolerance = max(th.calibration_gap, th.z * float(np.sqrt(rate * (1 - rate) / live["n"])))
    breach = abs(gap) > gap_tolerance
    out["checks"]["calibration"] = {
        "mean_probability": live["mean_probability"],
        "observed_rate": rate,
        "gap": gap,
        "ece": live["ece"],
        "tolerance": gap_tolerance,
        "breach": breach,
    }
    if breach:
        out["reasons"].append(
            f"miscalibrated: mean probability {live['mean_probability']:.3f} vs observed rate "
            f"{rate:.3f} (tolerance {gap_tolerance:.3f})"
        )
    out["degraded"] = any(c["breach"] for c in out["checks"].values())
    return out


def better(candidate: dict[str, float], current: dict[str, float], candidate_ok: bool) -> bool:
    """Whether ``candidate`` does better than ``current`` on the same outcomes.

    It must be healthy there itself (within its own registration tolerances)
    and win at least two of three: higher AUC, lower Brier, smaller calibration gap.
    """
    wins = (
        int(candidate["auc"] > current["auc"])
        + int(candidate["brier"] < current["brier"])
        + int(abs(candidate["calibration_gap"]) < abs(current["calibration_gap"]))
    )
    return candidate_ok and wins >= 2


def _consecutive_drift(session, name: str, champion: int, needed: int) -> int:  # type: ignore[no-untyped-def]
    """How many of the champion's previous runs in a row saw drift (up to ``needed - 1``)."""
    if needed <= 1:
        return 0
    runs = session.scalars(
        select(MonitorRun)
        .where(MonitorRun.name == name, MonitorRun.champion_version == champion)
        .order_by(MonitorRun.created_at.desc(), MonitorRun.id.desc())
        .limit(needed - 1)
    )
    streak = 0
    for run in runs:
        if not (run.drift or {}).get("breaches"):
            break
        streak += 1
    return streak


@dataclass(frozen=True)
class _Pass:
    """What every step of one pass shares: the registry, the model's name and the rules."""

    client: MlflowClient
    name: str
    models: _Models
    thresholds: MonitorThresholds
    trigger: str
    request_retrain: RetrainRequest | None


@dataclass(frozen=True)
class _Matured:
    """The champion on the outcomes that matured since its training data: what it is judged on."""

    champion: int
    X: pd.DataFrame
    y: np.ndarray
    prospect_ids: np.ndarray
    live: dict[str, float]


def run_monitor(
    *,
    trigger: str = "beat",
    request_retrain: RetrainRequest | None = None,
    thresholds: MonitorThresholds | None = None,
    promotion: PromotionRule | None = None,
    client: MlflowClient | None = None,
    name: str | None = None,
) -> MonitorOutcome:
    """One monitoring pass over the champion; see the module docstring for the rules."""
    th = thresholds or MonitorThresholds.from_env()
    rule = promotion or PromotionRule.from_env()
    client = client or registry.client()
    name = name or config.model_name()
    events.ensure_tables()
    aliases.sync_mirror(client, name)
    champion_ref = registry.get_alias(client, registry.CHAMPION, name)
    if champion_ref is None:
        outcome = MonitorOutcome("no_model", "none", None, "no champion to monitor")
        return _store(outcome, name, 0)
    champion = champion_ref.version
    with session_scope() as session:
        row = events.get_version_row(session, name, champion)
        registered = dict(row.metrics or {}) if row else {}
        through = row.trained_through if row else None
        profile = dict(row.profile or {}) if row else {}
        data = load_league(session)
    run = _Pass(client, name, _Models(client, name), th, trigger, request_retrain)

    X, meta = matured_examples(data, through)
    y = meta["label"].to_numpy(dtype=int)
    p = run.models.predict(champion, X)
    live = figures(y, p) if p is not None else figures(y[:0], np.zeros(0))
    matured = _Matured(champion, X, y, meta["prospect_id"].to_numpy(), live)
    perf = assess(live, registered, th)
    perf.update(
        {
            "live": live,
            "registered": registered,
            "trained_through": through,
            "matured_seasons": sorted(set(meta["season"].tolist())),
        }
    )

    season, cohort = current_cohort(data)
    drift: dict[str, Any] = {"season": season}
    if profile and len(cohort):
        p_now = run.models.predict(champion, cohort)
        if p_now is not None:
            drift.update(drift_report(profile, cohort, p_now, th))
    else:
        drift["skipped"] = "no reference profile" if not profile else "no current cohort"
    with session_scope() as session:
        streak = _consecutive_drift(session, name, champion, th.consecutive)
    drifting = bool(drift.get("breaches")) and streak + 1 >= th.consecutive
    drift["consecutive"] = streak + 1 if drift.get("breaches") else 0

    if perf["degraded"]:
        outcome = _on_degraded(run, matured, perf, drift)
    elif drifting:
        reason = (
            f"v{champion} inputs or outputs drift: "
            + ", ".join(
                f"{n} PSI {(drift['features'].get(n) or drift.get('prediction'))['psi']:.2f}"
                for n in drift["breaches"]
            )
            + f" (season {season} against the registration holdout); nothing to roll back to "
            "that would not see the same drift"
        )
        outcome = _alert(run, champion, "drifting", reason, perf, drift)
    else:
        reason = f"v{champion} healthy: " + ("; ".join(perf["reasons"]) or "within tolerances")
        outcome = MonitorOutcome("healthy", "none", champion, reason, perf, drift)
        promoted = _maybe_promote(run, matured, rule)
        if promoted is not None:
            outcome.action, outcome.event = "promotion", promoted
            outcome.reason += f"; {promoted['reason']}"
    return _store(outcome, name, int(live["n"]))


def _on_degraded(run: _Pass, matured: _Matured, perf: dict, drift: dict) -> MonitorOutcome:
    """Roll back when the previous champion does better on the same outcomes; else alert."""
    champion, live, th = matured.champion, matured.live, run.thresholds
    what = f"v{champion} degraded on {live['n']} newly matured outcomes: " + "; ".join(
        perf["reasons"]
    )
    with session_scope() as session:
        previous = events.previous_champion(session, run.name, champion)
    if previous is not None:
        p_prev = run.models.predict(previous, matured.X)
        prev_fig = figures(matured.y, p_prev) if p_prev is not None else None
        with session_scope() as session:
            row = events.get_version_row(session, run.name, previous)
            prev_registered = dict(row.metrics or {}) if row else {}
        prev_check = assess(prev_fig, prev_registered, th) if prev_fig else {"degraded": True}
        perf["previous"] = {"version": previous, "live": prev_fig, "checks": prev_check}
        if prev_fig is not None and better(prev_fig, live, not prev_check["degraded"]):
            reason = (
                f"{what}; v{previous} does better on the same outcomes (AUC "
                f"{prev_fig['auc']:.4f} vs {live['auc']:.4f}, Brier {prev_fig['brier']:.4f} vs "
                f"{live['brier']:.4f}, calibration gap {prev_fig['calibration_gap']:+.3f} vs "
                f"{live['calibration_gap']:+.3f}): rolled back to v{previous}"
            )
            event = aliases.rollback(
                "monitor",
                to_version=previous,
                reason=reason,
                client=run.client,
                name=run.name,
                metrics={"champion": live, "previous": prev_fig, "checks": perf["checks"]},
                thresholds=th.as_dict(),
            )
            return MonitorOutcome("degraded", "rollback", champion, reason, perf, drift, event)
        what += f"; v{previous} does not do better on the same outcomes"
    else:
        what += "; no previous champion to return to"
    return _alert(run, champion, "degraded", what, perf, drift)


def _alert(
    run: _Pass, champion: int, verdict: str, reason: str, perf: dict, drift: dict
) -> MonitorOutcome:
    """Record an alert and queue a retraining (single-flight: at most one runs)."""
    job = None
    if run.request_retrain is not None:
        try:
            job = run.request_retrain(reason)
        except Exception:  # noqa: BLE001 - the alert must be stored even if Redis is down
            log.exception("could not queue a retraining after: %s", reason)
    full = reason + (f"; retraining queued as job {job}" if job else "; no retraining queued")
    with session_scope() as session:
        event = events.record_event(
            session,
            run.name,
            "alert",
            "monitor",
            from_version=champion,
            to_version=champion,
            reason=full,
            metrics={"performance": perf, "drift": drift},
            thresholds=run.thresholds.as_dict(),
            job_id=job,
        )
        summary = {"event_id": event.id, "kind": "alert", "reason": full}
    return MonitorOutcome(verdict, "alert", champion, full, perf, drift, summary, job)


def beats_on_matured_outcomes(
    y: np.ndarray,
    p_challenger: np.ndarray,
    p_champion: np.ndarray,
    prospect_ids: np.ndarray,
    champion: int,
    challenge: ChallengerRule,
) -> tuple[bool, str, dict[str, Any]]:
    """The registration rule on newly matured outcomes: (better?, why, the evidence)."""
    gain = compare(y, p_challenger, p_champion, prospect_ids, challenge)
    verdict = f"better than v{champion} on matured outcomes: {describe_difference(gain)}"
    return bs.improves(gain, challenge.confidence), verdict, {"auc_gain": gain.as_dict("auc_gain")}


def _maybe_promote(run: _Pass, matured: _Matured, rule: PromotionRule) -> dict[str, Any] | None:
    """The documented auto-promotion rule (see README): long enough, busy enough, and better.

    Better is the registration rule again (``ChallengerRule``: a paired
    bootstrap by prospect puts the AUC gain above zero with its confidence), now
    on the outcomes that matured since the champion was trained, when there are
    enough of them; with too few, the challenger stands on the same test it
    passed at registration.
    """
    if not rule.enabled:
        return None
    name, live, th = run.name, matured.live, run.thresholds
    challenger = registry.get_alias(run.client, CHALLENGER, name)
    if challenger is None:
        return None
    with session_scope() as session:
        since = session.scalar(
            select(func.max(ModelEvent.created_at)).where(
                ModelEvent.name == name,
                ModelEvent.kind == "challenger",
                ModelEvent.to_version == challenger.version,
            )
        )
        if since is None:
            return None
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        served = session.scalar(
            select(func.count(Prediction.id)).where(
                Prediction.model_name == name,
                Prediction.model_version == challenger.version,
                Prediction.variant == CHALLENGER,
            )
        )
    if datetime.now(UTC) - since < timedelta(days=rule.min_days):
        return None
    if (served or 0) < rule.min_predictions:
        return None
    evidence: dict[str, Any] = {"served": served, "since": since.isoformat()}
    if live["n"] >= th.min_outcomes and live["positives"] >= th.min_positives:
        p = run.models.predict(challenger.version, matured.X)
        champion_p = run.models.predict(matured.champion, matured.X)
        if p is None or champion_p is None:
            return None
        better, verdict, proof = beats_on_matured_outcomes(
            matured.y,
            p,
            champion_p,
            matured.prospect_ids,
            matured.champion,
            ChallengerRule.from_env(),
        )
        evidence.update({"challenger": figures(matured.y, p), "champion": live, **proof})
        if not better:
            return None
    else:
        verdict = (
            f"too few matured outcomes to re-test ({live['n']}); "
            "it beat the champion at registration"
        )
    reason = (
        f"challenger v{challenger.version} promoted by rule: {served} predictions over "
        f"{rule.min_days:g}+ days, {verdict}"
    )
    return aliases.promote(
        challenger.version,
        "monitor",
        reason=reason,
        metrics=evidence,
        thresholds=rule.as_dict(),
        client=run.client,
        name=name,
    )


def _store(outcome: MonitorOutcome, name: str, n: int) -> MonitorOutcome:
    """Keep the pass in ``monitor_runs`` (JSON-safe) and return it with its row id."""
    plain = outcome.as_dict()
    with session_scope() as session:
        run = MonitorRun(
            name=name,
            champion_version=outcome.champion,
            verdict=outcome.verdict,
            action=outcome.action,
            n_outcomes=n,
            metrics=plain["performance"],
            drift=plain["drift"],
            reason=outcome.reason[:2000],
            event_id=(outcome.event or {}).get("event_id"),
        )
        session.add(run)
        session.flush()
        outcome.run_id = run.id
    return outcome
