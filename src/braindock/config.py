"""Runtime configuration of a braindock server and of its admin commands.

Every value has a default, an environment variable and a CLI flag; the flag wins over the
environment, which wins over the default.

| setting    | default            | environment          | flag         |
|------------|--------------------|----------------------|--------------|
| data dir   | ``./braindock-data`` | ``BRAINDOCK_DATA_DIR`` | ``--data-dir`` |
| host       | ``127.0.0.1``      | ``BRAINDOCK_HOST``     | ``--host``     |
| port       | ``8420``           | ``BRAINDOCK_PORT``     | ``--port``     |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "./braindock-data"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8420


@dataclass(frozen=True)
class Settings:
    """Where a braindock instance keeps its data and where it listens.

    Attributes:
        data_dir: directory holding ``braindock.sqlite`` (metadata) and ``memory-bases/``
            (one DuckDB file per memory base). Created on first use.
        host: interface the HTTP server binds to.
        port: TCP port the HTTP server binds to.
    """

    data_dir: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT

    @classmethod
    def load(cls, data_dir: str | Path | None = None, host: str | None = None, port: int | None = None) -> Settings:
        """Resolve settings from explicit values, then the environment, then defaults."""
        resolved_dir = data_dir or os.environ.get("BRAINDOCK_DATA_DIR") or DEFAULT_DATA_DIR
        resolved_host = host or os.environ.get("BRAINDOCK_HOST") or DEFAULT_HOST
        resolved_port = port or int(os.environ.get("BRAINDOCK_PORT") or DEFAULT_PORT)
        return cls(data_dir=Path(resolved_dir).resolve(), host=resolved_host, port=resolved_port)

    @property
    def database_path(self) -> Path:
        """SQLite file with accounts, tokens and every entity's metadata."""
        return self.data_dir / "braindock.sqlite"

    @property
    def database_url(self) -> str:
        """SQLAlchemy URL of the metadata store (``BRAINDOCK_DATABASE_URL`` overrides it)."""
        return os.environ.get("BRAINDOCK_DATABASE_URL") or f"sqlite:///{self.database_path}"

    @property
    def memory_base_dir(self) -> Path:
        """Directory of the per-memory-base DuckDB sample files."""
        return self.data_dir / "memory-bases"

    def ensure_dirs(self) -> None:
        """Create the data directory tree if it does not exist yet."""
        self.memory_base_dir.mkdir(parents=True, exist_ok=True)
