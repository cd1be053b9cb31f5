"""Bringing a database's schema to the code's revision with Alembic: the one way tables change.

Three starting points, one entry (:func:`upgrade`):

- an empty database gets every table at once (``create_all``) and is stamped
  at the newest revision, as Alembic's cookbook advises: replaying every
  revision gives the same schema (a test compares them) but slower;
- a database made by ``create_all`` before Callup had migrations (no
  ``alembic_version`` table, but a ``prospects`` table) is stamped at the
  first revision, which is exactly that schema, and then upgraded;
- anything else is upgraded from the revision it records.
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from prospects.db.models import Base

MIGRATIONS = Path(__file__).with_name("migrations")
FIRST_REVISION = "0001"  # the schema as it was when migrations began (before issue 14)
# Alembic's ``context`` and ``op`` are module-level proxies: two threads migrating at once (the
# API's first requests after a start) tear each other's down. One migration at a time per process.
_MIGRATING = threading.Lock()


def alembic_config(url: str | None = None) -> Config:
    """Alembic's config for Callup's migrations (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest revision the code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database records, or None (empty, or made before migrations)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Bring ``engine``'s database to ``revision``; returns what it did, for a person to read."""
    with _MIGRATING:
        return _upgrade(engine, revision)


def _upgrade(engine: Engine, revision: str) -> str:
    tables = set(inspect(engine).get_table_names())
    cfg = alembic_config()
    if not tables - {"alembic_version"} and revision == "head":
        Base.metadata.create_all(engine)
        _run(engine, cfg, lambda c: command.stamp(c, "head"))
        return f"created every table at revision {head_revision()}"
    before = current_revision(engine)
    if before is None and "prospects" in tables:
        _run(engine, cfg, lambda c: command.stamp(c, FIRST_REVISION))
        before = f"{FIRST_REVISION} (a database made before migrations, stamped)"
    _run(engine, cfg, lambda c: command.upgrade(c, revision))
    after = current_revision(engine)
    if before == after:
        return f"already at revision {after}"
    return f"upgraded from revision {before or 'none'} to {after}"


def _run(engine: Engine, cfg: Config, step) -> None:  # type: ignore[no-untyped-def]
    """One Alembic command on one connection, committed as a whole."""
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        try:
            step(cfg)
        finally:
            cfg.attributes.pop("connection", None)
