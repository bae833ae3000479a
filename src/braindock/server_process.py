"""Run a braindock server as a child process: used by ``braindock demo``, the benchmarks and the tests.

The child is ``python -m braindock.cli serve`` with the current interpreter, its output goes to a log
file, and :meth:`ServerProcess.start` returns only once ``/healthz`` answers. With ``tls_cert``/``tls_key`` the
child serves HTTPS (``serve --tls-cert/--tls-key``), the URL is ``https://...`` and the health check verifies the
certificate against ``tls_ca``.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


class ServerStartError(RuntimeError):
    """The server exited during start-up or did not answer ``/healthz`` in time.

    Attributes:
        port_in_use: the log says the port was taken.
    """

    def __init__(self, message: str, port_in_use: bool = False) -> None:
        super().__init__(message)
        self.port_in_use = port_in_use


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(host: str, port: int) -> bool:
    """Whether ``host:port`` can be bound right now (with ``SO_REUSEADDR``, as uvicorn binds)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def cli_command(data_dir: Path, *args: str) -> list[str]:
    """The argv of ``braindock --data-dir DATA_DIR ARGS`` with the current interpreter."""
    return [sys.executable, "-m", "braindock.cli", "--data-dir", str(data_dir), *args]


@dataclass
class ServerProcess:
    """A running ``braindock serve`` child process.

    Attributes:
        url: base URL, e.g. ``http://127.0.0.1:8420``.
        data_dir: the server's data directory.
        process: the child process.
        log_path: file receiving the server's stdout and stderr.
        ca_file: the CA (PEM) that verifies an HTTPS server's certificate; ``None`` for plain HTTP.
    """

    url: str
    data_dir: Path
    process: subprocess.Popen
    log_path: Path
    ca_file: Path | None = None

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """``verify=`` for an ``httpx`` client of this server: a context trusting :attr:`ca_file`, or ``True``."""
        return ssl.create_default_context(cafile=str(self.ca_file)) if self.ca_file else True

    @classmethod
    def start(
        cls,
        data_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        log_path: Path | None = None,
        log_level: str = "info",
        timeout: float = 60.0,
        env: dict[str, str] | None = None,
        tls_cert: Path | None = None,
        tls_key: Path | None = None,
        tls_ca: Path | None = None,
    ) -> ServerProcess:
        """Start a server on ``host:port`` (a free port if ``None``) and wait until it answers.

        ``env`` adds (or overrides) environment variables of the server process, e.g. ``BRAINDOCK_*`` settings.
        ``tls_cert`` and ``tls_key`` (PEM, e.g. from ``braindock tls init``) make it an HTTPS server whose
        ``/healthz`` is checked with ``tls_ca`` as the trusted CA (default: ``tls_cert`` itself, which works for
        ``tls init``'s chain file and for a self-signed certificate); the certificate must name ``host``.

        Raises:
            ServerStartError: the process exited early (``port_in_use`` tells why, when the log does)
                or ``/healthz`` did not answer within ``timeout`` seconds.
        """
        port = port or free_port(host)
        data_dir = Path(data_dir)
        log_path = log_path or data_dir.parent / f"braindock-{port}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        command = cli_command(data_dir, "serve", "--host", host, "--port", str(port), "--log-level", log_level)
        if tls_cert is not None or tls_key is not None:
            command += ["--tls-cert", str(tls_cert), "--tls-key", str(tls_key)]
        with open(log_path, "wb") as log:
            environment = {**os.environ, **env} if env else None
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment)
        url_host = f"[{host}]" if ":" in host else host
        scheme = "https" if tls_cert is not None else "http"
        ca_file = Path(tls_ca or tls_cert) if tls_cert is not None else None
        server = cls(f"{scheme}://{url_host}:{port}", data_dir, process, log_path, ca_file)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = server.log_tail()
                in_use = "address already in use" in tail.lower()
                raise ServerStartError(f"the server exited with code {process.returncode}:\n{tail}", in_use)
            try:
                if httpx.get(f"{server.url}/healthz", timeout=2, verify=server.verify).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        server.stop()
        raise ServerStartError(
            f"the server did not answer {server.url}/healthz within {timeout} s:\n{server.log_tail()}"
        )

    def log(self) -> str:
        """The whole server log."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 15) -> str:
        """The last ``lines`` lines of the server log."""
        return "\n".join(self.log().splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        """Terminate the server; kill it if it has not stopped after ``timeout`` seconds."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
