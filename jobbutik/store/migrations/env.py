"""Alembic environment. Run migrations through `jobbutik.store.schema`, which passes the connection.

`jobbutik.store.schema.upgrade()` opens the transaction itself (BEGIN IMMEDIATE on SQLite, with an
advisory lock on PostgreSQL) and hands the connection in `config.attributes["connection"]`, so the
migrations run inside it and commit or roll back as one.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import jobbutik.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata
config = context.config


def run_offline() -> None:
    """`--sql` mode: write the SQL for a DBA instead of running it."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=bool(url and url.startswith("sqlite")),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "run migrations through jobbutik.store.schema, which passes a connection"
        )
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite can hardly ALTER a table: batch mode copies it into a new one instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
