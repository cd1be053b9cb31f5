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


@db.command("init")
def db_init() -> None:
    """Create every table that does not exist yet (safe to re-run)."""
    from prospects import config
    from prospects.db.session import init_db

    init_db()
    click.echo(f"schema ready at {_safe_url(config.database_url())}")


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
    from prospects.league.generator import clear_league, generate_league, league_is_empty

    if last_season < first_season:
        raise click.BadParameter("must not be before --first-season", param_hint="--last-season")
    init_db()
    with session_scope() as session:
        if not league_is_empty(session):
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
def import_csv_cmd(directory: Path) -> None:
    """Validate and load the CSV files in DIRECTORY; any bad row rejects the whole import."""
    from prospects.csvio import CsvValidationError, import_csv
    from prospects.db.session import init_db, session_scope

    init_db()
    try:
        with session_scope() as session:
            counts = import_csv(session, directory)
    except CsvValidationError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    for table, n in counts.items():
        click.echo(f"{table}: {n} rows")


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
@click.option("--seed", default=42, show_default=True, type=int)
@click.option("--device", default="cpu", show_default=True, help='"cuda" on a GPU host.')
def train(
    n_estimators: int,
    max_depth: int,
    learning_rate: float,
    subsample: float,
    colsample_bytree: float,
    early_stopping_rounds: int,
    seed: int,
    device: str,
) -> None:
    """Train on the league, log to MLflow, register; promote to champion if better."""
    from prospects.training.model import TrainParams
    from prospects.training.service import train_and_register

    params = TrainParams(
        n_estimators=n_estimators,
        max_depth=max_depth,
        learning_rate=learning_rate,
        subsample=subsample,
        colsample_bytree=colsample_bytree,
        early_stopping_rounds=early_stopping_rounds or None,
        seed=seed,
        device=device,
    )
    try:
        outcome = train_and_register(params, progress=TerminalProgress())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(outcome.describe())


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
    from prospects.db.session import init_db, session_scope
    from prospects.keys import ApiKeyError, create_key

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
    from prospects.db.session import session_scope
    from prospects.keys import ApiKeyError, revoke_key

    try:
        with session_scope() as session:
            record = revoke_key(session, prefix)
    except ApiKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"revoked {record.prefix}")


class TerminalProgress:
    """Renders ``(stage, done, total)`` reports as one updating line per stage."""

    def __init__(self) -> None:
        self._stage: str | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage and self._stage is not None:
            click.echo(err=True)
        self._stage = stage
        pct = 100 * done / total if total else 100
        click.echo(f"\r{stage}: {done}/{total} ({pct:.0f}%)", nl=False, err=True)
        if done >= total:
            click.echo(err=True)
            self._stage = None


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
