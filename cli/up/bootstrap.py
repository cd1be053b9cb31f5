"""The state ``callup up`` needs before it starts anything: schema, league, champion, a key.

Each step checks first and does nothing when its result already exists, so a
second ``callup up`` starts in seconds on the same var dir.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import click
from sqlalchemy import func, select

from prospects.db.models import Prospect
from prospects.db.queries import known_by
from prospects.db.session import init_db, session_scope

Echo = Callable[[str], None]

FIRST_SEASON, LAST_SEASON, LEAGUE_SEED = 2008, 2026, 7
DEMO_USER, DEMO_ROLE = "demo", "admin"


def prepare_schema() -> None:
    """``callup db upgrade``: create the schema, or apply the migrations an older one lacks."""
    init_db()


def ensure_league(n_prospects: int, echo: Echo) -> bool:
    """Seed the demo league when the database holds none; True when it seeded."""
    from prospects.league.generator import generate_league, league_is_empty

    with session_scope() as session:
        if not league_is_empty(session):
            count = session.scalar(select(func.count()).select_from(Prospect))
            echo(f"league: reusing the {count} prospects in the database")
            return False
    with click.progressbar(length=n_prospects, label="simulating careers") as bar:
        with session_scope() as session:
            summary = generate_league(
                session,
                n_prospects=n_prospects,
                first_season=FIRST_SEASON,
                last_season=LAST_SEASON,
                seed=LEAGUE_SEED,
                progress=bar.update,
            )
    echo(summary.describe())
    return True


def champion_version() -> int | None:
    """The registered champion's version, if any (this also creates an embedded store)."""
    from prospects import registry

    ref = registry.get_alias(registry.client(), registry.CHAMPION)
    return ref.version if ref is not None else None


def model_name() -> str:
    """The registered model's name, as configured."""
    from prospects import config

    return config.model_name()


def announce_champion(version: int) -> None:
    """Publish the champion to Redis, so workers and the API need no registry lookup."""
    from prospects.training.register import announce_alias

    announce_alias("champion", version)


def train_champion(echo: Echo) -> int:
    """Train and register a first model, which becomes champion; its version."""
    from cli.progress import TerminalProgress
    from prospects.lifecycle.service import train_and_register
    from prospects.training.model import TrainParams

    # Fewer, larger steps than `callup train`'s defaults: a demo model in seconds.
    params = TrainParams(n_estimators=400, learning_rate=0.05, early_stopping_rounds=50)
    outcome = train_and_register(params, progress=TerminalProgress())
    echo(outcome.describe())
    if not outcome.registration.promoted:
        raise click.ClickException("the trained model was not made champion; see above")
    return outcome.registration.version


def create_demo_key() -> str:
    """A fresh admin key for the ``demo`` user (the database keeps only its hash)."""
    from prospects.apikeys import ApiKeyError, create_key

    try:
        with session_scope() as session:
            key, _record = create_key(session, DEMO_USER, DEMO_ROLE)
    except ApiKeyError as exc:  # a "demo" user made by hand with another role
        raise click.ClickException(f"cannot create the demo key: {exc}") from exc
    return key


def demo_prospect_id() -> int | None:
    """The highest-graded eligible prospect today (by his latest FV): worth predicting.

    Eligible by the one prospect rule, so the demo never shows a graduated
    veteran; the lowest id stands in only when nobody is eligible.
    """
    from prospects.eligibility import eligible_ids
    from prospects.features.data import load_league

    today = datetime.now(UTC).date()
    with session_scope() as session:
        data = load_league(session, as_of=today)
        ids = eligible_ids(data, today)
        if len(ids):
            reports = data.reports[data.reports["prospect_id"].isin(ids)]
            if reports.empty:
                return int(ids.min())
            latest = reports.sort_values("report_date").groupby("prospect_id")["fv"].last()
            return int(latest.sort_values(ascending=False, kind="stable").index[0])
        return session.scalar(select(func.min(Prospect.id)).where(known_by(today)))
