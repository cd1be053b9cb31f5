"""One engine per process and database URL, with pooled connections and short sessions."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from prospects import config
from prospects.db.models import Base

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_makers: dict[str, sessionmaker[Session]] = {}


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """WAL lets the API read while a worker writes; foreign keys are off by default in SQLite."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL never corrupts the database and survives a process crash; only an
    # OS crash may lose the last commits. FULL would fsync every prediction record (~3 ms).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    """The process's engine for ``url`` (default: ``$DATABASE_URL``), created on first use."""
    url = url or config.database_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                engine = create_engine(url, connect_args={"timeout": 10})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(
                    url,
                    pool_size=5,
                    max_overflow=10,
                    pool_pre_ping=True,  # survive a database restart without a process restart
                    pool_recycle=1800,
                    connect_args={"connect_timeout": 5},
                )
            _engines[url] = engine
            _makers[url] = sessionmaker(engine, expire_on_commit=False)
        return engine


def reset_engine(url: str | None = None) -> None:
    """Dispose pooled connections (after a fork, or between tests)."""
    with _lock:
        urls = [url] if url else list(_engines)
        for key in urls:
            engine = _engines.pop(key, None)
            _makers.pop(key, None)
            if engine is not None:
                engine.dispose()


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    get_engine(url)
    maker = _makers[url or config.database_url()]
    session = maker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def init_db(url: str | None = None) -> Engine:
    """Bring the schema to the code's revision (Alembic, ``prospects.db.migrate``); safe to re-run.

    The one place tables are created or changed: an empty database gets them
    all, an older one its missing migrations.
    """
    from prospects.db.migrate import upgrade

    engine = get_engine(url)
    upgrade(engine)
    return engine


def drop_db(url: str | None = None) -> None:
    """Drop every Callup table and the migration record (tests and ``callup db reset``)."""
    engine = get_engine(url)
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def advance_id_sequences(session: Session, models: Iterable[type[Base]]) -> None:
    """Move each table's PostgreSQL id sequence past its largest id.

    Bulk loads (the league generator, CSV imports) insert explicit ids, which do
    not advance a sequence; without this the next ORM insert would collide.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__table__.name
        session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ),
            {"table": table},
        )
