"""Shared fixtures: a real braindock server on 127.0.0.1 and a seeded Braincube "plant".

``server`` starts ``braindock serve`` as a subprocess on a free port with a temporary data
directory; ``plant`` fills it through the CLI (accounts, tokens, braincube, CSV import) and the
authoring API (data group, events, job, rule), and keeps the source data as a pandas DataFrame
so tests can compare every answer with pandas' own evaluation.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from braindock.server_process import ServerProcess, cli_command, free_port

__all__ = ["RunningServer", "free_port", "start_server", "stop_server"]


class RunningServer(ServerProcess):
    """A braindock server process for tests, with helpers to run admin commands on its data dir."""

    def cli(self, *args: str, check: bool = True) -> str:
        """Run ``braindock --data-dir D ARGS``; return stripped stdout (raises on failure if ``check``)."""
        result = self.cli_result(*args)
        if check and result.returncode != 0:
            raise AssertionError(f"braindock {' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result.stdout.strip()

    def cli_result(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(cli_command(self.data_dir, *args), capture_output=True, text=True, timeout=120)


def start_server(
    data_dir: Path, env: dict[str, str] | None = None, tls: tuple[Path, Path, Path] | None = None
) -> RunningServer:
    """Start a server on a free port of 127.0.0.1 with ``data_dir`` (and extra environment ``env``).

    ``tls`` is ``(cert, key, ca)`` (e.g. from ``braindock tls init``): an HTTPS server, health-checked with ``ca``.
    """
    if tls is None:
        return RunningServer.start(data_dir, env=env)
    cert, key, ca = tls
    return RunningServer.start(data_dir, env=env, tls_cert=cert, tls_key=key, tls_ca=ca)


def stop_server(server: RunningServer) -> None:
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def hia_id_file(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Keep the NeuroSpeed SDK's persistent HIA ids (and those of subprocesses) out of the real home."""
    previous = os.environ.get("BRAINDOCK_NEUROSPEED_HIA_IDS")
    os.environ["BRAINDOCK_NEUROSPEED_HIA_IDS"] = str(tmp_path_factory.mktemp("hia-ids") / "ids.json")
    yield
    if previous is None:
        os.environ.pop("BRAINDOCK_NEUROSPEED_HIA_IDS", None)
    else:
        os.environ["BRAINDOCK_NEUROSPEED_HIA_IDS"] = previous


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory):
    data_dir = tmp_path_factory.mktemp("braindock") / "data"
    running = start_server(data_dir)
    yield running
    stop_server(running)


def make_process_frame(rows: int = 2000, seed: int = 7) -> pd.DataFrame:
    """Synthetic process data with every variable kind and missing values, rows out of order."""
    rng = np.random.default_rng(seed)
    timestamp = pd.Series(pd.date_range("2024-01-01", periods=rows, freq="min"))
    frame = pd.DataFrame(
        {
            "timestamp": timestamp,
            "temperature": rng.normal(75, 10, rows).round(3),
            "pressure": rng.uniform(0.5, 4.0, rows).round(4),
            "speed": rng.integers(80, 200, rows),
            "recipe": rng.choice(["R1", "R2", "R3"], rows),
            "shift": rng.choice([1, 2, 3], rows),
        }
    )
    frame.loc[rng.choice(rows, rows // 20, replace=False), "temperature"] = np.nan
    frame.loc[rng.choice(rows, rows // 50, replace=False), "recipe"] = None
    frame.loc[rng.choice(rows, 5, replace=False), "timestamp"] = pd.NaT
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)


def epoch_ms(text: str) -> int:
    return int((datetime.fromisoformat(text) - datetime(1970, 1, 1)).total_seconds() * 1000)


@dataclass
class Plant:
    """A seeded braincube: ids of everything created, and the source data as imported."""

    url: str
    token: str
    other_token: str
    braincube: str
    mb: int
    vars: dict[str, int]
    frame: pd.DataFrame
    order_column: str
    datagroup: int
    event_pos: int
    event_neg: int
    job: int
    rule: int
    csv_path: Path
    server: RunningServer
    config: dict[str, Any] = field(default_factory=dict)

    def long_id(self, column: str) -> str:
        return f"mb{self.mb}/d{self.vars[column]}"

    def sorted_frame(self) -> pd.DataFrame:
        """Source rows in the server's order: by timestamp (missing last), ties by file order."""
        return self.frame.sort_values(self.order_column, na_position="last", kind="stable").reset_index(drop=True)

    def api(self, token: str | None = None) -> httpx.Client:
        headers = {"X-api-key": token or self.token}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, verify=self.server.verify)


@pytest.fixture(scope="session")
def plant(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Plant:
    return seed_plant(server, tmp_path_factory)


def seed_plant(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Plant:
    """Fill ``server`` with the plant (the ``plant`` fixture's content; an HTTPS server works too)."""
    source = make_process_frame()
    csv_path = tmp_path_factory.mktemp("plant") / "process.csv"
    source.to_csv(csv_path, index=False, date_format="%Y-%m-%d %H:%M:%S")
    server.cli("account", "create", "alice@example.com", "--password", "alice-password")
    server.cli("account", "create", "bob@example.com", "--password", "bob-password")
    token = server.cli("token", "create", "alice@example.com")
    other = server.cli("token", "create", "bob@example.com")
    server.cli("braincube", "create", "plant-a", "--owner", "alice@example.com")
    server.cli("braincube", "create", "plant-b", "--owner", "bob@example.com")
    mb = int(server.cli("memory-base", "import", "plant-a", str(csv_path), "--name", "Line 1"))

    frame = pd.read_csv(csv_path, parse_dates=["timestamp"], dtype={"recipe": "object"})
    frame["shift"] = frame["shift"].astype(str)
    columns = list(frame.columns)
    variables = {name: 2_000_001 + i for i, name in enumerate(columns)}

    client = httpx.Client(base_url=server.url, headers={"X-api-key": token}, timeout=30, verify=server.verify)
    base = f"/braincube/plant-a/braincube/mb/{mb}"

    def post(path: str, body: dict) -> int:
        response = client.post(base + path, json=body)
        assert response.status_code == 201, response.text
        return response.json()["bcId"]

    def cond(column: str, **kw: Any) -> dict:
        return {"variable": {"bcId": variables[column]}, "positive": kw.pop("positive", True), **kw}

    datagroup = post(
        "/dataGroups",
        {"name": "Process block", "variables": [{"bcId": variables["temperature"]}, {"bcId": variables["pressure"]}]},
    )
    event_pos = post(
        "/events",
        {
            "name": "Recipes R1/R2, day shift window",
            "conditions": [
                cond("recipe", modalities=["R1", "R2"]),
                cond("timestamp", minimum=epoch_ms("2024-01-01T06:00:00"), maximum=epoch_ms("2024-01-01T20:00:00")),
            ],
        },
    )
    event_neg = post("/events", {"name": "Overheating", "conditions": [cond("temperature", minimum=80)]})
    job = post(
        "/jobs",
        {
            "name": "Pressure study",
            "conditions": [cond("pressure", minimum=1.0, maximum=3.0)],
            "modelEntries": [
                {"name": "good", "conditions": [cond("speed", maximum=150)]},
                {"name": "bad", "conditions": [cond("speed", minimum=150)]},
            ],
            "dataGroups": [{"bcId": datagroup}],
            "events": {"positiveEvents": [{"bcId": event_pos}], "negativeEvents": [{"bcId": event_neg}]},
        },
    )
    rule = post("/rules", {"name": "Keep temperature below 90", "job": {"bcId": job}, "description": "alarm"})
    client.close()
    return Plant(
        url=server.url,
        token=token,
        other_token=other,
        braincube="plant-a",
        mb=mb,
        vars=variables,
        frame=frame,
        order_column="timestamp",
        datagroup=datagroup,
        event_pos=event_pos,
        event_neg=event_neg,
        job=job,
        rule=rule,
        csv_path=csv_path,
        server=server,
        config={"api_key": token, "sso_base_url": server.url, "braincube_base_url": server.url},
    )


#: Domain of ``{braincube-name}.<suffix>`` host routing on the ``host_routed`` server (braincube.md 1.5).
HOST_SUFFIX = "braincubes.test"


@dataclass
class HostRouted:
    """A server with ``BRAINDOCK_BRAINCUBE_HOST_SUFFIX``: carol owns ``Plant-A`` (one memory base, ``mb``, of
    ``make_process_frame(300)``), dave owns ``plant-d``; ``token`` is carol's."""

    server: RunningServer
    token: str
    mb: int
    csv_path: Path

    def host(self, name: str) -> str:
        """``<name>.<suffix>:<port>``, the host a placeholder-mode client puts in its URLs."""
        return f"{name}.{HOST_SUFFIX}:{self.server.url.rsplit(':', 1)[1]}"


@pytest.fixture(scope="session")
def host_routed(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("host-routing")
    server = start_server(work / "data", env={"BRAINDOCK_BRAINCUBE_HOST_SUFFIX": HOST_SUFFIX})
    csv_path = work / "process.csv"
    make_process_frame(rows=300).to_csv(csv_path, index=False, date_format="%Y-%m-%d %H:%M:%S")
    server.cli("account", "create", "carol@example.com", "--password", "carol-password")
    server.cli("account", "create", "dave@example.com", "--password", "dave-password")
    token = server.cli("token", "create", "carol@example.com")
    server.cli("braincube", "create", "Plant-A", "--owner", "carol@example.com")  # mixed case on purpose
    server.cli("braincube", "create", "plant-d", "--owner", "dave@example.com")
    mb = int(server.cli("memory-base", "import", "Plant-A", str(csv_path), "--name", "Line 1"))
    yield HostRouted(server, token, mb, csv_path)
    stop_server(server)
