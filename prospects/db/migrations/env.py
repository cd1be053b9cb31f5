"""Alembic's entry point: migrate the database Callup is configured for (or the URL given).

Run through ``callup db upgrade`` (``prospects.db.migrate``), which passes the
URL and, where it has one, the open connection in the config's attributes.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from prospects import config as callup_config
from prospects.db.models import Base

target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.config.get_main_option("sqlalchemy.url") or callup_config.database_url()
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
