"""Alembic environment: Hookline runs migrations in-process on a connection it provides."""

from alembic import context

from hookline.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    # Told after each revision is applied (the CLI's progress, database._run_alembic_upgrade).
    on_version_apply=context.config.attributes.get("on_version_apply", ()),
)
with context.begin_transaction():
    context.run_migrations()
