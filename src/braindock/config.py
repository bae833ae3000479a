"""Runtime configuration of a braindock server and of its admin commands.

Every value has a default, an environment variable and a CLI flag; the flag wins over the
environment, which wins over the default.

| setting    | default            | environment          | flag         |
|------------|--------------------|----------------------|--------------|
| data dir   | ``./braindock-data`` | ``BRAINDOCK_DATA_DIR`` | ``--data-dir`` |
| host       | ``127.0.0.1``      | ``BRAINDOCK_HOST``     | ``--host``     |
| port       | ``8420``           | ``BRAINDOCK_PORT``     | ``--port``     |

Security settings (environment only):

| setting | default | environment |
|---|---|---|
| failed logins per account | 10 | ``BRAINDOCK_LOGIN_FAILURES_PER_ACCOUNT`` |
| failed logins per client IP | 100 | ``BRAINDOCK_LOGIN_FAILURES_PER_IP`` |
| window of those counts | 900 s | ``BRAINDOCK_LOGIN_WINDOW_S`` |
| NeuroSpeed exporter download link lifetime | 600 s | ``BRAINDOCK_EXPORT_LINK_TTL_S`` |
| Braincube SSO OAuth2 access token lifetime | 3600 s | ``BRAINDOCK_OAUTH2_ACCESS_TOKEN_TTL_S`` |
| Braincube SSO OAuth2 refresh token lifetime | 30 days | ``BRAINDOCK_OAUTH2_REFRESH_TOKEN_TTL_S`` |
| Braincube SSO OAuth2 authorization code lifetime | 600 s | ``BRAINDOCK_OAUTH2_CODE_TTL_S`` |
| largest BrainSTEM file upload (``setup.image``, ...) | 100 MiB | ``BRAINDOCK_BRAINSTEM_MAX_FILE_BYTES`` |

Live delivery (environment only; ``braindock.server.neurospeed.live``):

| setting | default | environment |
|---|---|---|
| oldest queued live ``data`` event before a room listener is skipped | 2 s | ``BRAINDOCK_LIVE_MAX_LAG_S`` |
| Engine.IO packets queued for a listener before it is skipped | 256 | ``BRAINDOCK_LIVE_MAX_BACKLOG`` |

Braincube host routing (environment only; ``braindock.server.braincube.host_routing``): with
``BRAINDOCK_BRAINCUBE_HOST_SUFFIX=data.example.net``, clients configured with
``braincube_base_url="https://{braincube-name}.data.example.net"`` reach braincube ``plant-a`` at
``plant-a.data.example.net``. Unset (the default): braincubes are told apart by path only.
With ``BRAINDOCK_BRAINCUBE_DOMAIN=mybraincube.com``, the host names of the documented client configuration
``{"api_key": ..., "domain": "mybraincube.com"}`` are routed on one port: ``api.mybraincube.com`` serves the
Braincube API, ``mybraincube.com`` the SSO (``braincube.md`` 1.3).

TLS (``braindock.tls``): ``BRAINDOCK_TLS_CERT`` and ``BRAINDOCK_TLS_KEY`` (flags ``serve --tls-cert`` /
``--tls-key``) name a PEM certificate chain and its key; the server then speaks HTTPS only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "./braindock-data"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8420
DEFAULT_LOGIN_FAILURES_PER_ACCOUNT = 10
DEFAULT_LOGIN_FAILURES_PER_IP = 100
DEFAULT_LOGIN_WINDOW_S = 900.0
DEFAULT_EXPORT_LINK_TTL_S = 600
DEFAULT_LIVE_MAX_LAG_S = 2.0
DEFAULT_LIVE_MAX_BACKLOG = 256
DEFAULT_OAUTH2_ACCESS_TOKEN_TTL_S = 3600
DEFAULT_OAUTH2_REFRESH_TOKEN_TTL_S = 30 * 24 * 3600
DEFAULT_OAUTH2_CODE_TTL_S = 600
DEFAULT_BRAINSTEM_MAX_FILE_BYTES = 100 * 1024 * 1024


def _env_number(name: str, default: float, kind: type = int) -> float:
    """``kind(os.environ[name])`` when set, else ``default``.

    Raises:
        ValueError: the variable is set but not a positive number (named in the message).
    """
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name}: {raw!r} is not a number") from None
    if value <= 0:
        raise ValueError(f"{name}: must be positive, got {raw!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Where a braindock instance keeps its data and where it listens.

    Attributes:
        data_dir: directory holding ``braindock.sqlite`` (metadata) and ``memory-bases/``
            (one DuckDB file per memory base). Created on first use.
        host: interface the HTTP server binds to.
        port: TCP port the HTTP server binds to.
        login_failures_per_account: failed password logins of one account inside ``login_window_s``
            before its logins answer 429.
        login_failures_per_ip: failed password logins from one client IP inside the window before 429.
        login_window_s: sliding window of the failed-login counts, seconds.
        export_link_ttl_s: lifetime of NeuroSpeed exporter download links, seconds.
        live_max_lag_s: a NeuroSpeed room listener whose oldest queued ``data`` event is older than this
            (seconds) gets no new ones until it catches up; recordings are not affected.
        live_max_backlog: the same, counted in packets queued for the listener.
        braincube_host_suffix: domain under which each braincube has a host name (``None``: off).
        oauth2_access_token_ttl_s: lifetime of the access tokens of the Braincube SSO OAuth2 server, seconds.
        oauth2_refresh_token_ttl_s: lifetime of its refresh tokens, seconds.
        oauth2_code_ttl_s: lifetime of its authorization codes, seconds (RFC 6749 4.1.2 recommends at most 600).
        brainstem_max_file_bytes: largest file accepted by a BrainSTEM file field (``setup.image``, ...), bytes;
            larger uploads answer 413 (``protocol.attachment`` is further capped at its documented 15 MiB).
        braincube_domain: the ``domain`` of the clients' configuration: ``api.<domain>`` is the Braincube
            API, ``<domain>`` the SSO (``None``: every host serves everything).
        tls_cert: PEM certificate chain served over HTTPS (``None``: plain HTTP).
        tls_key: PEM private key of ``tls_cert``.
    """

    data_dir: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    login_failures_per_account: int = DEFAULT_LOGIN_FAILURES_PER_ACCOUNT
    login_failures_per_ip: int = DEFAULT_LOGIN_FAILURES_PER_IP
    login_window_s: float = DEFAULT_LOGIN_WINDOW_S
    export_link_ttl_s: int = DEFAULT_EXPORT_LINK_TTL_S
    live_max_lag_s: float = DEFAULT_LIVE_MAX_LAG_S
    live_max_backlog: int = DEFAULT_LIVE_MAX_BACKLOG
    braincube_host_suffix: str | None = None
    oauth2_access_token_ttl_s: int = DEFAULT_OAUTH2_ACCESS_TOKEN_TTL_S
    oauth2_refresh_token_ttl_s: int = DEFAULT_OAUTH2_REFRESH_TOKEN_TTL_S
    oauth2_code_ttl_s: int = DEFAULT_OAUTH2_CODE_TTL_S
    brainstem_max_file_bytes: int = DEFAULT_BRAINSTEM_MAX_FILE_BYTES
    braincube_domain: str | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None

    @classmethod
    def load(
        cls,
        data_dir: str | Path | None = None,
        host: str | None = None,
        port: int | None = None,
        tls_cert: str | Path | None = None,
        tls_key: str | Path | None = None,
    ) -> Settings:
        """Resolve settings from explicit values, then the environment, then defaults."""
        cert = tls_cert or os.environ.get("BRAINDOCK_TLS_CERT") or None
        key = tls_key or os.environ.get("BRAINDOCK_TLS_KEY") or None
        resolved_dir = data_dir or os.environ.get("BRAINDOCK_DATA_DIR") or DEFAULT_DATA_DIR
        resolved_host = host or os.environ.get("BRAINDOCK_HOST") or DEFAULT_HOST
        resolved_port = port or int(os.environ.get("BRAINDOCK_PORT") or DEFAULT_PORT)
        return cls(
            data_dir=Path(resolved_dir).resolve(),
            host=resolved_host,
            port=resolved_port,
            login_failures_per_account=int(
                _env_number("BRAINDOCK_LOGIN_FAILURES_PER_ACCOUNT", DEFAULT_LOGIN_FAILURES_PER_ACCOUNT)
            ),
            login_failures_per_ip=int(_env_number("BRAINDOCK_LOGIN_FAILURES_PER_IP", DEFAULT_LOGIN_FAILURES_PER_IP)),
            login_window_s=float(_env_number("BRAINDOCK_LOGIN_WINDOW_S", DEFAULT_LOGIN_WINDOW_S, float)),
            export_link_ttl_s=int(_env_number("BRAINDOCK_EXPORT_LINK_TTL_S", DEFAULT_EXPORT_LINK_TTL_S)),
            live_max_lag_s=float(_env_number("BRAINDOCK_LIVE_MAX_LAG_S", DEFAULT_LIVE_MAX_LAG_S, float)),
            live_max_backlog=int(_env_number("BRAINDOCK_LIVE_MAX_BACKLOG", DEFAULT_LIVE_MAX_BACKLOG)),
            braincube_host_suffix=(os.environ.get("BRAINDOCK_BRAINCUBE_HOST_SUFFIX") or "").strip(".") or None,
            oauth2_access_token_ttl_s=int(
                _env_number("BRAINDOCK_OAUTH2_ACCESS_TOKEN_TTL_S", DEFAULT_OAUTH2_ACCESS_TOKEN_TTL_S)
            ),
            oauth2_refresh_token_ttl_s=int(
                _env_number("BRAINDOCK_OAUTH2_REFRESH_TOKEN_TTL_S", DEFAULT_OAUTH2_REFRESH_TOKEN_TTL_S)
            ),
            oauth2_code_ttl_s=int(_env_number("BRAINDOCK_OAUTH2_CODE_TTL_S", DEFAULT_OAUTH2_CODE_TTL_S)),
            brainstem_max_file_bytes=int(
                _env_number("BRAINDOCK_BRAINSTEM_MAX_FILE_BYTES", DEFAULT_BRAINSTEM_MAX_FILE_BYTES)
            ),
            braincube_domain=(os.environ.get("BRAINDOCK_BRAINCUBE_DOMAIN") or "").strip().strip(".").lower() or None,
            tls_cert=Path(cert) if cert else None,
            tls_key=Path(key) if key else None,
        )

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

    @property
    def files_dir(self) -> Path:
        """Content-addressed store of uploaded BrainSTEM files (``files/sha256/ab/cdef...``)."""
        return self.data_dir / "files"

    def ensure_dirs(self) -> None:
        """Create the data directory tree if it does not exist yet."""
        self.memory_base_dir.mkdir(parents=True, exist_ok=True)
