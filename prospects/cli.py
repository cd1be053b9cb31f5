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
    from prospects.league.generator import generate_league, league_is_empty, clear_league

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
