"""The lifecycle's CLI commands: ``simulate``, ``monitor``, ``promote``, ``rollback``, ``models``.

Registered on ``callup`` by ``cli.main``; heavy imports happen inside each
command so ``callup --help`` stays fast.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import click


@contextmanager
def single_flight(trigger: str = "cli") -> Iterator[None]:
    """Hold the retraining lock around an in-process training (skipped when Redis is down)."""
    import redis

    from prospects import config
    from prospects.lifecycle.flight import SingleFlight

    job = f"{trigger}-{uuid.uuid4().hex[:12]}"
    try:
        flight = SingleFlight(
            redis.Redis.from_url(config.redis_url(), socket_connect_timeout=2, socket_timeout=2)
        )
        holder, mine = flight.claim(job)
    except redis.RedisError:
        yield  # no Redis, no workers: nothing else can be training against this registry
        return
    if not mine:
        raise click.ClickException(
            f"a retraining is already queued or running (job {holder}); wait for it to finish"
        )
    with flight.held(job):
        yield


@click.command()
@click.option("--weeks", default=1, show_default=True, type=click.IntRange(1, 520))
@click.option("--corrupt-feed", is_flag=True, help="Deliver a bad week (hindsight grades).")
@click.option("--shift", is_flag=True, help="Deliver a changed league (grade scale, offense).")
@click.option("--seed", default=7, show_default=True, type=int, help="Seed of future seasons.")
def simulate(weeks: int, corrupt_feed: bool, shift: bool, seed: int) -> None:
    """Advance the league's data feed WEEKS weeks (52 is a year: outcomes mature)."""
    from prospects.db.session import session_scope
    from prospects.league.simulate import simulate_weeks

    try:
        with session_scope() as session:
            reports = simulate_weeks(
                session, weeks, corrupt_feed=corrupt_feed, shift=shift, seed=seed
            )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    quiet = 0
    for report in reports:
        if any(report.delivered.values()) or report.planned or report.corrupted or report.restated:
            click.echo(report.describe())
        else:
            quiet += 1
    click.echo(f"league clock: {reports[-1].end} ({quiet} quiet weeks not shown)")


@click.command()
def monitor() -> None:
    """Run the monitor once now: performance on matured outcomes, drift, rollback or alert."""
    from prospects.lifecycle.monitor import run_monitor

    outcome = run_monitor(trigger="cli", request_retrain=_queue_retrain)
    click.echo(f"{outcome.verdict}: {outcome.action} — {outcome.reason}")
    live = outcome.performance.get("live") or {}
    if live.get("n"):
        click.echo(
            f"matured outcomes: {live['n']} ({live['positives']} successes); "
            f"AUC {live['auc']:.3f}, Brier {live['brier']:.4f}, ECE {live['ece']:.3f}"
        )
    for name, row in (outcome.drift.get("features") or {}).items():
        flag = "  DRIFT" if row["breach"] else ""
        click.echo(f"  PSI {name:24} {row['psi']:7.3f} (limit {row['limit']:.3f}){flag}")
    if "prediction" in outcome.drift:
        row = outcome.drift["prediction"]
        label = "predicted probability"
        click.echo(f"  PSI {label:24} {row['psi']:7.3f} (limit {row['limit']:.3f})")


def _queue_retrain(reason: str) -> str | None:
    """Queue a retraining on the workers (the monitor's alert), if Redis is reachable."""
    import redis

    from prospects import config
    from prospects.jobs import QUEUE_TRAIN, TASK_RETRAIN, system_requester
    from prospects.lifecycle.queue import queue_retrain
    from workers.celery_app import make_celery

    app = make_celery()
    client = redis.Redis.from_url(config.redis_url(), socket_connect_timeout=2, socket_timeout=2)

    def send(job_id: str) -> None:
        app.send_task(
            TASK_RETRAIN,
            kwargs={"trigger": "monitor", "requested_by": system_requester("cli")},
            task_id=job_id,
            queue=QUEUE_TRAIN,
        )

    try:
        job_id, _new = queue_retrain(
            client, send, trigger="monitor", actor=system_requester("cli"), reason=reason
        )
    except redis.RedisError as exc:
        click.echo(f"could not queue a retraining: {exc}", err=True)
        return None
    return job_id


@click.command()
@click.argument("version", type=click.IntRange(1))
@click.option("--reason", default=None, help="Kept in the event and the MLflow tags.")
def promote(version: int, reason: str | None) -> None:
    """Make VERSION the champion now (workers swap within seconds)."""
    from prospects.errors import CallupError
    from prospects.lifecycle.aliases import promote as do_promote

    try:
        result = do_promote(version, "cli", reason=reason, actor="cli")
    except CallupError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(json.dumps(result))


@click.command()
@click.option("--to", "to_version", default=None, type=click.IntRange(1))
@click.option("--reason", default=None, help="Kept in the event and the MLflow tags.")
def rollback(to_version: int | None, reason: str | None) -> None:
    """Return the champion to the previous champion (or --to VERSION)."""
    from prospects.errors import CallupError
    from prospects.lifecycle.aliases import rollback as do_rollback

    try:
        result = do_rollback("cli", to_version=to_version, reason=reason, actor="cli")
    except CallupError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(json.dumps(result))


@click.command()
@click.option("--history", default=10, show_default=True, type=click.IntRange(0, 1000))
def models(history: int) -> None:
    """List registered versions, their aliases and holdout figures, and recent events."""
    from prospects import config
    from prospects.db.session import session_scope
    from prospects.lifecycle.events import ensure_tables
    from prospects.lifecycle.listing import models_overview

    ensure_tables()
    with session_scope() as session:
        overview = models_overview(session, config.model_name(), history)
    for v in overview["versions"]:
        h = v["holdout"]
        aliases = ",".join(v["aliases"]) or "-"
        click.echo(
            f"v{v['version']:<4} {aliases:20} AUC {h.get('auc') or float('nan'):.3f}  "
            f"Brier {h.get('brier') or float('nan'):.4f}  {v['decision']}"
        )
    for e in overview["history"]:
        start = f"v{e['from_version']}" if e["from_version"] is not None else "-"
        end = f"v{e['to_version']}" if e["to_version"] is not None else "-"
        versions = f"{start} -> {end}"
        click.echo(f"{e['at']}  {e['kind']:15} {versions:14} {e['trigger']:8} {e['reason']}")


COMMANDS = (simulate, monitor, promote, rollback, models)


def register_commands(group: click.Group) -> None:
    """Add the lifecycle commands to the ``callup`` group."""
    for command in COMMANDS:
        group.add_command(command)
