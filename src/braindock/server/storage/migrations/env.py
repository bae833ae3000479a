"""Alembic environment: runs migrations on the connection handed over by ``Database.migrate``."""

from alembic import context
from sqlalchemy import create_engine

from braindock.server.storage.models import Base

config = context.config
target_metadata = Base.metadata

connection = config.attributes.get("connection")
if connection is None:  # command-line use: ``alembic -x url=sqlite:///x.sqlite revision --autogenerate``
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///braindock.sqlite")
    engine = create_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
