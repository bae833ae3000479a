"""What every request handler can reach: settings, the two stores and the token verifier."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from braindock.config import Settings
from braindock.server.identity.tokens import TokenVerifier
from braindock.server.storage.database import Database
from braindock.server.storage.samples import SampleStore


@dataclass
class Services:
    """Long-lived objects shared by all protocols (one per running server)."""

    settings: Settings
    database: Database
    samples: SampleStore
    verifier: TokenVerifier = field(default_factory=TokenVerifier)

    @classmethod
    def open(cls, settings: Settings) -> Services:
        """Create the data directories, open the sample store and the database of ``settings``.

        Removes temporary sample files left by imports that were killed before finishing.
        """
        from braindock.server.storage.database import open_database

        settings.ensure_dirs()
        samples = SampleStore(settings.memory_base_dir)
        samples.remove_abandoned()  # temporary files of imports killed before they finished
        return cls(settings, open_database(settings.database_url), samples)

    def close(self) -> None:
        """Close the sample store and dispose of the database engine."""
        self.samples.close()
        self.database.dispose()


def services(request: Request) -> Services:
    """FastAPI dependency returning the running server's :class:`Services`."""
    return request.app.state.services
