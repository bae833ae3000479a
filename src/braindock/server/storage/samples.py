"""The sample store: one DuckDB file per memory base, holding the table ``samples``.

Each file has the column ``_row`` (insertion order, 0-based) plus one column ``d<bcId>`` per
variable. Files are written once, under a temporary name, and moved into place atomically, so a
memory base is either complete or absent; readers open them read-only, which lets the CLI import
new memory bases while the server is running.

A writer holds an exclusive ``flock`` on ``<file>.partial.lock`` while it writes. A ``.partial`` file whose
lock nobody holds was left by a killed import; :meth:`SampleStore.remove_abandoned` deletes it (on server
start and before every write) without touching an import that is still running in another process.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

SAMPLE_TABLE = "samples"
ROW_COLUMN = "_row"
PARTIAL_SUFFIX = ".partial"
LOCK_SUFFIX = ".lock"

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _exclusive(lock_path: Path, blocking: bool = True) -> Iterator[bool]:
    """Hold an exclusive ``flock`` on ``lock_path`` (created if needed); yield whether it was obtained."""
    with open(lock_path, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def column_name(variable_bc_id: int) -> str:
    """Name of the DuckDB column that stores variable ``variable_bc_id``."""
    return f"d{int(variable_bc_id)}"


class SampleStore:
    """Access to the per-memory-base DuckDB files under ``directory``.

    Args:
        directory: folder holding ``<file name>.duckdb`` files.
        memory_limit: DuckDB memory limit per opened file (e.g. ``"2GB"``).
        threads: DuckDB worker threads per opened file.
    """

    def __init__(self, directory: Path, memory_limit: str = "2GB", threads: int = 2) -> None:
        self.directory = directory
        self.memory_limit = memory_limit
        self.threads = threads
        self._connections: dict[str, duckdb.DuckDBPyConnection] = {}
        self._lock = threading.Lock()

    def path(self, file_name: str) -> Path:
        """The path of sample file ``file_name`` inside the store's directory (it may not exist)."""
        return self.directory / file_name

    def _config(self) -> dict[str, str]:
        return {"memory_limit": self.memory_limit, "threads": str(self.threads)}

    def cursor(self, file_name: str) -> duckdb.DuckDBPyConnection:
        """A read-only cursor on one memory base's file (thread-safe; close it when done).

        Raises:
            FileNotFoundError: the sample file does not exist.
        """
        with self._lock:
            connection = self._connections.get(file_name)
            if connection is None:
                path = self.path(file_name)
                if not path.exists():
                    raise FileNotFoundError(path)
                connection = duckdb.connect(str(path), read_only=True, config=self._config())
                connection.execute("SET max_expression_depth TO 20000")
                self._connections[file_name] = connection
            return connection.cursor()

    def write(self, file_name: str, build: Callable[[duckdb.DuckDBPyConnection], None]) -> Path:
        """Create a new sample file atomically.

        ``build`` receives a writable connection on a temporary file and must create the table
        ``samples``. Only when it returns is the file moved to its final name.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        self.remove_abandoned()
        final = self.path(file_name)
        partial = final.with_name(final.name + PARTIAL_SUFFIX)
        lock = partial.with_name(partial.name + LOCK_SUFFIX)
        with _exclusive(lock):
            try:
                partial.unlink(missing_ok=True)
                connection = duckdb.connect(str(partial), config=self._config())
                try:
                    build(connection)
                    connection.execute("CHECKPOINT")
                except BaseException:
                    connection.close()
                    _unlink_partial(partial)
                    raise
                connection.close()
                with open(partial, "rb") as handle:
                    os.fsync(handle.fileno())
                os.replace(partial, final)
            finally:
                lock.unlink(missing_ok=True)
        return final

    def remove_abandoned(self) -> list[Path]:
        """Delete the ``.partial`` files of writers that died (killed imports); return their paths.

        A file is abandoned when no process holds the flock of its ``.partial.lock``; files being written
        right now, by this or another process, are left alone.
        """
        removed: list[Path] = []
        if not self.directory.is_dir():
            return removed
        for partial in sorted(self.directory.glob(f"*{PARTIAL_SUFFIX}")):
            lock = partial.with_name(partial.name + LOCK_SUFFIX)
            with _exclusive(lock, blocking=False) as obtained:
                if not obtained:
                    continue
                _unlink_partial(partial)
                lock.unlink(missing_ok=True)
            removed.append(partial)
            log.warning("removed %s, left by an import that did not finish", partial.name)
        return removed

    def remove(self, file_name: str) -> None:
        """Close and delete one sample file (missing files are ignored)."""
        with self._lock:
            connection = self._connections.pop(file_name, None)
        if connection is not None:
            connection.close()
        self.path(file_name).unlink(missing_ok=True)
        self.path(file_name + ".wal").unlink(missing_ok=True)

    def close(self) -> None:
        """Close every open DuckDB connection of the store (files are kept)."""
        with self._lock:
            for connection in self._connections.values():
                connection.close()
            self._connections.clear()


def _unlink_partial(partial: Path) -> None:
    """Delete a temporary sample file and its DuckDB write-ahead log."""
    partial.unlink(missing_ok=True)
    partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
