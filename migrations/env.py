"""Alembic environment: the schema is SQLModel.metadata; the connection comes from the app."""

from __future__ import annotations

from alembic import context

from marketplace.models import metadata

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from marketplace import create_app
        from marketplace.db import make_engine

        app = create_app()
        engine = make_engine(app.config["DATABASE_URL"])
        with engine.connect() as conn:
            _run(conn)
        engine.dispose()
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
run_migrations_online()
