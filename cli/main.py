"""``callup``: the command line for the database, the league, training and serving."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click


@click.group()
def main() -> None:
    """Callup: prospect success predictions, served and maintained."""


@main.group()
def db() -> None:
    """Create or reset the database schema."""


def _migrate() -> None:
    from prospects import config
    from prospects.db.migrate import upgrade
    from prospects.db.session import get_engine

    message = upgrade(get_engine())
    click.echo(f"{message}; schema ready at {_safe_url(config.database_url())}")


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the schema migrations the database lacks (Alembic; safe to re-run)."""
    _migrate()


@db.command("init")
def db_init() -> None:
    """Create the schema, or bring an existing one up to date: the same as ``db upgrade``."""
    _migrate()


@db.command("reset")
@click.confirmation_option(prompt="Drop every Callup table and its data?")
def db_reset() -> None:
    """Drop and re-create every table."""
    from prospects.db.session import drop_db, init_db

    drop_db()
    init_db()
    click.echo("schema re-created (empty)")


@main.command()
@click.option("--prospects", "n_prospects", default=6000, show_default=True, type=click.IntRange(1))
@click.option("--first-season", default=2008, show_default=True, type=int)
@click.option("--last-season", default=2026, show_default=True, type=int)
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--replace", is_flag=True, help="Delete an existing league first.")
def seed(n_prospects: int, first_season: int, last_season: int, seed: int, replace: bool) -> None:
    """Generate a deterministic synthetic league into the database."""
    from prospects.db.session import init_db, session_scope
    from prospects.league.generator import (
        clear_league,
        generate_league,
        league_is_empty,
        record_replacement,
    )

    if last_season < first_season:
        raise click.BadParameter("must not be before --first-season", param_hint="--last-season")
    init_db()
    with session_scope() as session:
        replaced = not league_is_empty(session)
        if replaced:
            if not replace:
                raise click.ClickException(
                    "the database already holds a league; pass --replace to overwrite it"
                )
            clear_league(session)
    with click.progressbar(length=n_prospects, label="simulating careers") as bar:
        with session_scope() as session:
            summary = generate_league(
                session,
                n_prospects=n_prospects,
                first_season=first_season,
                last_season=last_season,
                seed=seed,
                progress=bar.update,
            )
            if replaced:
                record_replacement(session, summary)
    click.echo(summary.describe())


@main.command("export-csv")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_csv_cmd(directory: Path) -> None:
    """Write every league table to DIRECTORY, one CSV file per table."""
    from prospects.csvio import export_csv
    from prospects.db.session import session_scope

    with session_scope() as session:
        counts = export_csv(session, directory)
    for table, n in counts.items():
        click.echo(f"{table}: {n} rows")


@main.command("import-csv")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--mode",
    type=click.Choice(["insert", "upsert"]),
    default="insert",
    show_default=True,
    help="insert: any stored id or key is an error. upsert: a stored key's row is replaced.",
)
@click.option(
    "--backfill",
    is_flag=True,
    help="History, not news: each row counts as arrived on its own known date.",
)
@click.option(
    "--errors",
    "errors_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="On a rejected import, write every problem here as CSV (file, row, column, reason).",
)
def import_csv_cmd(directory: Path, mode: str, backfill: bool, errors_file: Path | None) -> None:
    """Validate and load the CSV files in DIRECTORY; any bad row rejects the whole import."""
    from prospects.csvio import CsvValidationError, import_csv
    from prospects.csvio.errors import write_errors
    from prospects.db.session import init_db, session_scope
    from prospects.db.version import forget_cached_data_version

    init_db()
    try:
        with session_scope() as session:
            counts = import_csv(session, directory, mode=mode, backfill=backfill)
    except CsvValidationError as exc:
        click.echo(str(exc), err=True)
        if errors_file is not None:
            n = write_errors(exc.errors, errors_file)
            click.echo(f"all {n} problems written to {errors_file}", err=True)
        sys.exit(2)
    if any(c.inserted or c.updated for c in counts.values()):
        forget_cached_data_version()
    for table, c in counts.items():
        click.echo(f"{table}: {c.inserted} inserted, {c.updated} updated, {c.unchanged} unchanged")


@main.command("ingest-feed")
@click.option("--url", default=None, help="Drop location (default: $CALLUP_FEED_URL or var/feed).")
@click.option(
    "--arrived-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day the batches count as arrived (default: today).",
)
@click.option(
    "--accept-held",
    "accept",
    default=None,
    metavar="BATCH",
    help="Force this held batch (in rejected/) in over its hold; needs --by. Recorded.",
)
@click.option("--by", default=None, help="Who forces the batch in (recorded in the event).")
@click.option(
    "--backfill",
    is_flag=True,
    help="With --accept-held: the rows arrive at their own dates (history), not today.",
)
def ingest_feed_cmd(  # type: ignore[no-untyped-def]
    url: str | None, arrived_on, accept: str | None, by: str | None, backfill: bool
) -> None:
    """Import the drop location's waiting batches (upsert); exit 3 if one was held or rejected."""
    from prospects.db.session import init_db, session_scope
    from prospects.db.version import forget_cached_data_version
    from prospects.feed.ingest import APPLIED, ingest_pending, record_run
    from prospects.feed.location import drop_location

    init_db()
    try:
        location = drop_location(url)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--url") from None
    day = arrived_on.date() if arrived_on else None
    if accept is not None:
        _accept_held(location, accept, by, day, backfill)
        return
    if by is not None or backfill:
        raise click.UsageError("--by and --backfill go with --accept-held")
    results = ingest_pending(location, arrived_on=day)
    with session_scope() as session:
        record_run(session, location, results, trigger="cli")
    if not results:
        click.echo(f"no batch waiting in {location.describe()}")
    for result in results:
        click.echo(result.describe())
    if any(r.status == APPLIED for r in results):
        forget_cached_data_version()
    if any(r.status != APPLIED for r in results):
        sys.exit(3)


def _accept_held(location, batch: str, by: str | None, day, backfill: bool) -> None:  # type: ignore[no-untyped-def]
    """``ingest-feed --accept-held``: a person's override, validated and recorded."""
    from prospects.csvio import CsvValidationError
    from prospects.db.version import forget_cached_data_version
    from prospects.feed.override import accept_held

    if not by:
        raise click.UsageError("--accept-held needs --by NAME: who takes responsibility for it")
    try:
        result = accept_held(location, batch, by=by, arrived_on=day, backfill=backfill)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    except CsvValidationError as exc:
        raise click.ClickException(
            f"{batch} still has {len(exc.errors)} problem(s) in its files, e.g. {exc.errors[0]}"
        ) from None
    forget_cached_data_version()
    click.echo(f"{result.describe()} (forced in by {by})")


@main.command()
@click.option("--n-estimators", default=1000, show_default=True, type=click.IntRange(1))
@click.option("--max-depth", default=6, show_default=True, type=click.IntRange(1, 16))
@click.option("--learning-rate", default=0.01, show_default=True, type=click.FloatRange(0, 1))
@click.option("--subsample", default=0.8, show_default=True, type=click.FloatRange(0.05, 1))
@click.option("--colsample-bytree", default=0.8, show_default=True, type=click.FloatRange(0.05, 1))
@click.option(
    "--early-stopping-rounds",
    default=100,
    show_default=True,
    type=click.IntRange(0),
    help="0 disables early stopping.",
)
@click.option(
    "--early-stopping-min-delta",
    default=0.001,
    show_default=True,
    type=click.FloatRange(0),
    help="Stop once that many rounds lower the validation log loss by less than this in all.",
)
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--device", default="cpu", show_default=True, help='"cuda" on a GPU host.')
def train(
    n_estimators: int,
    max_depth: int,
    learning_rate: float,
    subsample: float,
    colsample_bytree: float,
    early_stopping_rounds: int,
    early_stopping_min_delta: float,
    seed: int,
    device: str,
) -> None:
    """Train on the league, log to MLflow, register: the first version becomes champion, a
    better one (a paired bootstrap puts its AUC gain above zero with 90% confidence) the
    challenger. The registered model is refit on every labelled season."""
    from cli.lifecycle import single_flight
    from cli.progress import TerminalProgress
    from prospects.lifecycle.retrain import record_failure
    from prospects.lifecycle.service import train_and_register
    from prospects.training.model import TrainParams

    params = TrainParams(
        n_estimators=n_estimators,
        max_depth=max_depth,
        learning_rate=learning_rate,
        subsample=subsample,
        colsample_bytree=colsample_bytree,
        early_stopping_rounds=early_stopping_rounds or None,
        early_stopping_min_delta=early_stopping_min_delta,
        seed=seed,
        device=device,
    )
    try:
        with single_flight("cli"):
            outcome = train_and_register(params, progress=TerminalProgress())
    except click.ClickException:
        raise
    except Exception as exc:
        record_failure("cli", exc)  # the champion is untouched; the failure is on the record
        if isinstance(exc, ValueError):
            raise click.ClickException(str(exc)) from exc
        raise
    click.echo(outcome.describe())


@main.command()
@click.option(
    "--ablation/--no-ablation",
    default=True,
    show_default=True,
    help="Refit without each feature family (one training per family).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the report to this file.",
)
def evaluate(ablation: bool, output: Path | None) -> None:
    """The honest report for the current league and the champion's settings: eligible holdout
    metrics with 95% intervals beside the baselines, within-level and per-role figures, the
    feature-family ablation and the league's calibration against published figures."""
    from datetime import UTC, datetime

    import numpy as np

    from prospects import config, registry
    from prospects.db.session import session_scope
    from prospects.features.data import data_version, load_league
    from prospects.league.figures import (
        calibration_table,
        format_calibration,
        format_shape,
        load_frames,
    )
    from prospects.training.evaluation import evaluate as run_evaluation
    from prospects.training.evaluation import params_of_run
    from prospects.training.model import TrainParams

    with session_scope() as session:
        data = load_league(session)
        version = data_version(session)
        frames = load_frames(session)
    if data.prospects.empty:
        raise click.ClickException("the league is empty: run `callup seed` or import data first")
    params, settings = TrainParams(), "the product defaults (no champion yet)"
    try:
        client = registry.client()
        champion = registry.get_alias(client, registry.CHAMPION, config.model_name())
        if champion is not None and champion.run_id:
            params = params_of_run(client.get_run(champion.run_id).data.params)
            settings = f"champion v{champion.version}'s settings"
    except Exception as exc:  # noqa: BLE001 - a registry problem must not stop the report
        click.echo(f"(could not read the champion's settings: {exc}; using defaults)", err=True)
    try:
        evaluation = run_evaluation(
            data, params, ablation=ablation, progress=lambda m: click.echo(f"... {m}", err=True)
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    seasons = np.union1d(data.batting["season"], data.pitching["season"])
    last = int(seasons.max()) if len(seasons) else datetime.now(UTC).year
    text = "\n".join(
        [
            f"callup evaluate — {datetime.now(UTC):%Y-%m-%d}, data version {version}, "
            f"{len(data.prospects)} prospects, seasons {int(seasons.min())}-{last}",
            f"settings: {settings}: {params.n_estimators} trees max, depth {params.max_depth}, "
            f"learning rate {params.learning_rate}, subsample {params.subsample}, "
            f"colsample {params.colsample_bytree}, seed {params.seed}",
            "",
            evaluation.format(),
            "",
            "league calibration against published figures",
            format_calibration(calibration_table(frames, last)),
            format_shape(frames, last),
        ]
    )
    click.echo(text)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")


@main.group()
def keys() -> None:
    """Create and revoke API keys."""


@keys.command("create")
@click.option("--user", "user_name", required=True, help="Created if it does not exist.")
@click.option(
    "--role",
    type=click.Choice(["viewer", "analyst", "admin"]),
    default=None,
    help="Role of a new user (default viewer); must match an existing user's.",
)
def keys_create(user_name: str, role: str | None) -> None:
    """Print a new key for USER once: only its hash is stored."""
    from prospects.apikeys import ApiKeyError, create_key
    from prospects.db.session import init_db, session_scope

    init_db()
    try:
        with session_scope() as session:
            key, record = create_key(session, user_name, role)
    except ApiKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"prefix {record.prefix} for {user_name}; store this key now:", err=True)
    click.echo(key)


@keys.command("revoke")
@click.argument("prefix")
def keys_revoke(prefix: str) -> None:
    """Revoke the key with PREFIX (as printed at creation)."""
    from prospects.apikeys import ApiKeyError, revoke_key
    from prospects.db.session import session_scope

    try:
        with session_scope() as session:
            record = revoke_key(session, prefix)
    except ApiKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"revoked {record.prefix}")


@main.command()
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="API port; a free one if it is taken (0: any free port).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="API bind address.")
@click.option(
    "--prospects",
    "n_prospects",
    default=3000,
    show_default=True,
    type=click.IntRange(1),
    help="Size of the demo league, if one is seeded.",
)
@click.option(
    "--var-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where embedded state lives [default: $CALLUP_VAR_DIR or ./var].",
)
@click.option("--beat/--no-beat", default=True, show_default=True, help="Run Celery Beat.")
@click.option(
    "--concurrency", default=2, show_default=True, type=click.IntRange(1), help="Worker processes."
)
@click.option(
    "--ready-timeout",
    default=180.0,
    show_default=True,
    type=click.FloatRange(1),
    help="Seconds to wait for /readyz before giving up.",
)
def up(
    port: int,
    host: str,
    n_prospects: int,
    var_dir: Path | None,
    beat: bool,
    concurrency: int,
    ready_timeout: float,
) -> None:
    """Run the whole system here: Redis, schema, demo league, champion, API, worker, Beat."""
    import os

    from cli.up.run import UpOptions, run_up

    options = UpOptions(
        host=host,
        port=port,
        n_prospects=n_prospects,
        var_dir=var_dir or Path(os.environ.get("CALLUP_VAR_DIR") or "var"),
        beat=beat,
        concurrency=concurrency,
        ready_timeout=ready_timeout,
    )
    sys.exit(run_up(options))


@main.command()
@click.option(
    "--prospects",
    "n_prospects",
    default=3000,
    show_default=True,
    type=click.IntRange(1),
    help="Size of the demo league, if one is seeded.",
)
def demo(n_prospects: int) -> None:
    """Seed the demo league if there is none and train a champion if there is none."""
    from cli.up import bootstrap

    bootstrap.prepare_schema()
    bootstrap.ensure_league(n_prospects, click.echo)
    version = bootstrap.champion_version()
    if version is None:
        version = bootstrap.train_champion(click.echo)
    bootstrap.announce_champion(version)
    click.echo(f"champion: {bootstrap.model_name()} version {version}")


def _safe_url(url: str) -> str:
    """A database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _parse_date(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from exc


@main.command()
@click.option("--organization", help="Organization code, e.g. NYY.")
@click.option("--level", help="Level of the latest stint: Rk, A, A+, AA or AAA.")
@click.option("--position", help="Position, e.g. SS or SP.")
@click.option("--kind", type=click.Choice(["hitter", "pitcher"]))
@click.option("--min-age", type=float, help="Youngest age on the as-of date.")
@click.option("--max-age", type=float, help="Oldest age on the as-of date.")
@click.option(
    "--eligibility",
    type=click.Choice(["eligible", "all"]),
    default="eligible",
    show_default=True,
    help="eligible: prospects only (docs/eligibility.md); all: every player, the rest flagged.",
)
@click.option("--model-version", type=click.IntRange(1), help="Default: the champion.")
@click.option("--as-of", callback=_parse_date, help="YYYY-MM-DD (default today, UTC).")
@click.option("--chunk-size", type=click.IntRange(1), help="Default: $CALLUP_RANK_CHUNK_SIZE.")
@click.option("--top", default=25, show_default=True, type=click.IntRange(0))
@click.option("--timeout", default=3600.0, show_default=True, type=click.FloatRange(1))
def rank(
    organization: str | None,
    level: str | None,
    position: str | None,
    kind: str | None,
    min_age: float | None,
    max_age: float | None,
    eligibility: str,
    model_version: int | None,
    as_of: date | None,
    chunk_size: int | None,
    top: int,
    timeout: float,
) -> None:
    """Rank prospects on the running workers with a live progress bar; print the top."""
    import getpass

    from cli.rank import run

    filters = {"organization": organization, "level": level, "position": position}
    filters |= {"kind": kind, "min_age": min_age, "max_age": max_age}
    filters["eligibility"] = eligibility if eligibility != "eligible" else None
    try:
        run(
            {k: v for k, v in filters.items() if v is not None},
            as_of,
            model_version,
            chunk_size,
            top,
            timeout,
            f"cli:{getpass.getuser()}",
            out=click.echo,
            status=lambda text, same_line: click.echo(text, nl=not same_line, err=True),
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


def _register_lifecycle_commands() -> None:
    """simulate, monitor, promote, rollback, models (see cli.lifecycle)."""
    from cli.lifecycle import register_commands

    register_commands(main)


_register_lifecycle_commands()
