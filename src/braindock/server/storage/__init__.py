"""Storage shared by every protocol.

* ``database``: the metadata store (SQLAlchemy 2 on SQLite by default, migrated by Alembic).
* ``models``: its tables.
* ``samples``: the sample store (one DuckDB file per memory base).

Protocol code reaches storage only through these modules, so the SQLite URL can later be swapped
for PostgreSQL without touching protocol code.
"""
