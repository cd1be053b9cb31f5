"""What registration records and decides once a version is in the registry.

Called by ``prospects.lifecycle.service.train_and_register`` once the run is
logged and registered (``prospects.training.register.log_version``): the
version's holdout figures (with standard errors), its comparison with the
champion on the same rows, and its drift reference profile go into the
database mirror and MLflow; then the first version becomes champion and a
better one the challenger. The champion itself never moves here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mlflow.tracking import MlflowClient

from prospects import registry
from prospects.db.session import session_scope
from prospects.lifecycle import events
from prospects.lifecycle.aliases import move_champion, set_challenger
from prospects.lifecycle.drift import reference_profile
from prospects.lifecycle.evaluate import CHALLENGER, FIRST, agreement, compare, decide, figures
from prospects.lifecycle.outcomes import trained_through
from prospects.lifecycle.thresholds import ChallengerRule, MonitorThresholds
from prospects.training.pipeline import TrainingResult

DRIFT_ARTIFACT = "drift_reference.json"


@dataclass(frozen=True)
class Registration:
    """What happened to a freshly trained model in the registry."""

    version: int
    run_id: str
    promoted: bool  # it became the champion (only the first version does at registration)
    reason: str
    previous_champion: int | None
    champion_holdout: dict[str, float] | None
    # champion (first version) | challenger | kept | not_comparable: see prospects.lifecycle
    decision: str = "kept"

    @property
    def label(self) -> str:
        """How the CLI names the outcome."""
        return {"champion": "champion", "challenger": "challenger"}.get(
            self.decision, "not promoted"
        )


def record_registration(
    client: MlflowClient,
    name: str,
    result: TrainingResult,
    *,
    run_id: str,
    version: int,
    data_version: str,
    champion: registry.ModelRef | None,
    champion_p: np.ndarray | None,
    trigger: str,
    job_id: str | None,
) -> Registration:
    """Mirror the version, store the evidence, and apply the registration decision."""
    rule = ChallengerRule.from_env()
    watch = MonitorThresholds.from_env()
    new = figures(result.holdout_y, result.holdout_p)
    champ = figures(result.holdout_y, champion_p) if champion_p is not None else None
    difference = (
        compare(result.holdout_y, result.holdout_p, champion_p, result.holdout_prospects, rule)
        if champion_p is not None
        else None
    )
    decision = decide(new, champion.version if champion else None, champ, rule, difference)
    evidence = {
        "holdout_seasons": list(result.split.holdout),
        "new": new,
        "champion": champ,
        "champion_version": champion.version if champion else None,
        "agreement": agreement(result.holdout_p, champion_p) if champion_p is not None else None,
        "auc_gain": difference.as_dict("auc_gain") if difference is not None else None,
    }
    profile = reference_profile(
        result.holdout_X,
        result.holdout_p,
        result.importance,
        watch.drift_features,
        watch.drift_bins,
        watch.excluded_families,
    )
    client.log_dict(run_id, profile, DRIFT_ARTIFACT)
    events.ensure_tables()
    with session_scope() as session:
        events.upsert_version(
            session,
            name,
            version,
            run_id=run_id,
            data_version=data_version,
            trained_through=trained_through(result.split.holdout),
            holdout_seasons=",".join(map(str, result.split.holdout)),
            decision=decision.reason[:500],
            metrics=new,
            profile=profile,
        )
        events.record_event(
            session,
            name,
            "registered",
            trigger,
            to_version=version,
            reason=decision.reason,
            metrics=evidence,
            thresholds=rule.as_dict(),
            job_id=job_id,
        )
    if decision.kind == FIRST:
        move_champion(
            client,
            version,
            "promotion",
            trigger,
            decision.reason,
            name=name,
            metrics=evidence,
            job_id=job_id,
        )
    elif decision.kind == CHALLENGER:
        set_challenger(
            client,
            name,
            version,
            trigger=trigger,
            reason=decision.reason,
            metrics=evidence,
            thresholds=rule.as_dict(),
            job_id=job_id,
        )
    client.set_model_version_tag(name, str(version), "registration_decision", decision.reason)
    client.set_model_version_tag(name, str(version), "callup.decision", decision.kind)
    return Registration(
        version=version,
        run_id=run_id,
        promoted=decision.kind == FIRST,
        reason=decision.reason,
        previous_champion=champion.version if champion else None,
        champion_holdout=champ,
        decision=decision.kind,
    )
