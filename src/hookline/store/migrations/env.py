"""Alembic environment: Hookline runs migrations in-process on a connection it provides."""

from alembic import context

from hookline.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
