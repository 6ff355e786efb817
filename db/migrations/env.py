"""Alembic environment: runs migrations on the engine handed over by db.migrate (never builds one itself)."""

from alembic import context
from sqlmodel import SQLModel

import db.models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if engine.dialect.name == "postgresql":
            # Terminals upgrading one server at once take turns (SQLite: BEGIN IMMEDIATE); the second then finds the
            # schema current. The lock goes with the transaction.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727071)")
        context.run_migrations()
    connection.commit()
