"""A trained league for the lifecycle tests, built once per session and copied per test.

Seeding and a first MLflow store cost most of a minute, so one template (a
seeded league, champion v1) is built once; every test gets its own copies of
the two SQLite files, so none sees another's versions, events or weeks.
Artifacts stay in the template's folder: runs are unique, so tests only add.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack import RedisDatabases, environment, stack_env

N_PROSPECTS = 800
LEAGUE_SEED = 11


def train_params():  # type: ignore[no-untyped-def]
    """Few trees: fast, and still a real model."""
    from prospects.training.model import TrainParams

    return TrainParams(n_estimators=60, learning_rate=0.1, early_stopping_rounds=20)


def build_template(root: Path, redis_url: str) -> Path:
    """Seed the league and register champion v1 under ``root`` (once: reused if built)."""
    done = root / "built"
    if done.exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    from prospects.db.session import init_db, session_scope
    from prospects.league.generator import generate_league
    from prospects.lifecycle.service import train_and_register

    with environment(stack_env(root, redis_url)):
        init_db()
        with session_scope() as session:
            generate_league(
                session,
                n_prospects=N_PROSPECTS,
                first_season=2008,
                last_season=2026,
                seed=LEAGUE_SEED,
            )
        train_and_register(train_params())
    done.touch()
    return root


@pytest.fixture(scope="session")
def lifecycle_template(tmp_path_factory: pytest.TempPathFactory, redis_dbs: RedisDatabases) -> Path:
    """The session's template league (seeded, champion v1)."""
    with redis_dbs.take() as number:
        return build_template(
            tmp_path_factory.getbasetemp() / "lifecycle-template", redis_dbs.url(number)
        )


def copy_template(template: Path, root: Path) -> None:
    """The template's database and registry, copied into ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("callup.db", "mlflow.db"):
        for part in template.glob(f"{name}*"):  # with any WAL not yet checkpointed
            shutil.copyfile(part, root / part.name)


@pytest.fixture
def lifecycle_league(lifecycle_template: Path, tmp_path: Path, redis_url: str) -> Iterator[Path]:
    """This test's own copy of the template, with the process pointed at it and its own Redis db."""
    root = tmp_path / "league"
    copy_template(lifecycle_template, root)
    with environment(stack_env(root, redis_url, artifacts=lifecycle_template)):
        yield root


def corrupt_week_forced_in(actor: str = "lifecycle-test") -> int:
    """Deliver the corrupt week through the feed, which holds it, then force it in on purpose.

    The lifecycle scenarios need a model trained on the leak to show its
    degradation and rollback. The feed rightly refuses that batch, so the test
    does what an operator running such a drill would: ``accept_held``, which
    validates the files and records who forced them in, as history (their
    back-dated report dates taken as their arrival days: the leak). Forced in
    arriving today they would stay invisible to every past reference date and
    leak nothing. Returns the number of hindsight reports loaded.
    """
    from prospects.db.session import session_scope
    from prospects.feed.ingest import HELD
    from prospects.feed.location import drop_location
    from prospects.feed.override import accept_held
    from prospects.league.simulate import simulate_weeks

    with session_scope() as session:
        [week] = simulate_weeks(session, 1, corrupt_feed=True)
    assert week.held is not None and week.held.status == HELD, week.describe()
    forced = accept_held(drop_location(), week.held.batch, by=actor, trigger="test", backfill=True)
    assert forced.counts["scouting_reports"]["inserted"] == week.corrupted
    return week.corrupted
