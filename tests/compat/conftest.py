"""Fixtures of the official-client compatibility suite.

``official_python`` is the interpreter of a virtualenv holding the unmodified PyPI package
``braincube-connector==2.8.0``. It lives in ``<repo>/.compat-venvs/braincube-connector-2.8.0``
(ignored by git): reused when its python imports ``braincube_connector`` at that exact version,
rebuilt otherwise (``python -m venv`` with ``sys.executable``, then ``pip install``).

``official`` runs case lists through ``scripts/client_runner.py`` in that interpreter, one
subprocess per session; ``sdk`` runs the same case lists in-process against
``braindock.clients.braincube``. Both return ``{case id: {"ok"|"error": ..., "warnings": [...]}}``.
Every subprocess gets an empty ``HOME`` (so no ``~/.braincube/config.json`` of the machine is
picked up) and ``NO_PROXY`` for the loopback server.

``ensure_venv(distribution, version, module)`` is the general form of that cache, also used for
the official BrainSTEM clients: ``brainstem_pythons`` builds/reuses
``.compat-venvs/brainstem-python-api-tools-0.2.0`` and ``-2.0.0``; ``bs020`` / ``bs200`` are
``BrainstemRunner``s that run case lists through ``scripts/brainstem_runner.py`` in those
interpreters against the session's live ``server`` (fresh empty ``HOME`` per run, so 2.0.0's
``~/.config/brainstem/token`` cache starts empty; no ``BRAINSTEM*`` variables of the machine).

Braincube connector versions and TLS: ``connector_pythons`` / ``ensure_connector_venv`` build
``.compat-venvs/braincube-connector-<v>`` for 2.1.0, 2.5.1 and 2.8.0 (plus pandas for 2.1.0's documented
``pd.DataFrame(data)``, numpy<2 for 2.5.1's ``pandas<2``). ``tls_server`` is an HTTPS braindock (certificate from
``braindock tls init``, ``BRAINDOCK_BRAINCUBE_DOMAIN=mybraincube.com``); ``tls_plant`` / ``tls_lab`` are the plant
and lab on it. ``default_address_env(server)`` is the environment of a client process that reaches that server at
``https://mybraincube.com/``, ``https://api.mybraincube.com/`` and ``https://www.brainstem.org/`` (in-process
resolver shim ``scripts/hosts_shim/sitecustomize.py`` + ``REQUESTS_CA_BUNDLE``).
"""

from __future__ import annotations

import fcntl
import importlib.util
import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Plant, RunningServer, seed_plant, start_server

CONNECTOR_VERSION = "2.8.0"
REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_DIR = REPO_ROOT / ".compat-venvs" / f"braincube-connector-{CONNECTOR_VERSION}"
SCRIPTS = Path(__file__).resolve().parent / "scripts"
RUNNER = SCRIPTS / "client_runner.py"
COMPAT_DIR = Path(__file__).resolve().parent
LOOPBACK = "127.0.0.1,localhost"
PACKAGE_SDK = "braindock.clients.braincube"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if COMPAT_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.compat)


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _venv_is_usable(
    python: Path, distribution: str = "braincube-connector", module: str = "braincube_connector", version: str = ""
) -> bool:
    if not python.exists():
        return False
    probe = subprocess.run(
        [
            str(python),
            "-c",
            f"import importlib.metadata as m, {module}; print(m.version({distribution!r}))",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return probe.returncode == 0 and probe.stdout.strip() == (version or CONNECTOR_VERSION)


def _run_checked(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def ensure_venv(distribution: str, version: str, module: str, extras: tuple[str, ...] = ()) -> Path:
    """Interpreter of ``<repo>/.compat-venvs/<distribution>-<version>`` holding ``distribution==version``.

    ``extras`` are requirements installed in the same ``pip install`` (packages the client imports without
    declaring them, or pins without which it does not import). The venv is reused when its python imports
    ``module`` at exactly that version and it was built with the same ``extras`` (recorded in
    ``<venv>/braindock-extras.json``); rebuilt otherwise (``python -m venv`` with ``sys.executable``, then
    ``pip install``). Built under a file lock, so parallel test workers (pytest-xdist) build each venv once.
    """
    venv = REPO_ROOT / ".compat-venvs" / f"{distribution}-{version}"
    with _venv_lock(venv):
        return _ensure_venv_locked(venv, distribution, version, module, tuple(extras))


@contextmanager
def _venv_lock(venv: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<venv>.lock`` while the venv is checked or built."""
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _ensure_venv_locked(venv: Path, distribution: str, version: str, module: str, extras: tuple[str, ...]) -> Path:
    python = _venv_python(venv)
    marker = venv / "braindock-extras.json"
    built_with = json.loads(marker.read_text()) if marker.exists() else None
    if built_with == list(extras) and _venv_is_usable(python, distribution, module, version):
        return python
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    try:
        _run_checked([sys.executable, "-m", "venv", str(venv)])
        _run_checked(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
                f"{distribution}=={version}",
                *extras,
            ]
        )
    except BaseException:
        shutil.rmtree(venv, ignore_errors=True)
        raise
    if not _venv_is_usable(python, distribution, module, version):
        raise RuntimeError(f"{venv} does not import {module} {version}")
    marker.write_text(json.dumps(list(extras)))
    return python


@pytest.fixture(scope="session")
def official_python() -> Path:
    """Interpreter of the cached virtualenv with ``braincube-connector==2.8.0`` (built on first use)."""
    return ensure_venv("braincube-connector", CONNECTOR_VERSION, "braincube_connector")


def _hermetic_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.upper().startswith("BRAINCUBE")}
    env.pop("PYTHONPATH", None)
    env.update(
        {
            "HOME": str(home),
            "USERPROFILE": str(home),
            "NO_PROXY": LOOPBACK,
            "no_proxy": LOOPBACK,
            "PYTHONIOENCODING": "utf-8",
        }
    )
    return env


def run_runner(
    python: Path | str,
    package: str,
    cases: list[dict[str, Any]],
    cwd: Path,
    home: Path,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run ``cases`` through ``scripts/client_runner.py`` in a fresh ``python`` process (extra environment ``env``)."""
    result = subprocess.run(
        [str(python), str(RUNNER), package],
        input=json.dumps({"cases": cases}),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=str(cwd),
        env={**_hermetic_env(home), **(env or {})},
    )
    if result.returncode != 0:
        raise AssertionError(f"{package} runner failed ({result.returncode}):\n{result.stderr[-5000:]}")
    return json.loads(result.stdout)


class OfficialClient:
    """Runs case lists with the official client, one subprocess per call.

    ``env`` is added to every run's environment (e.g. :func:`default_address_env` for a client that can only
    reach ``https://<domain>``); ``version`` is the installed ``braincube-connector`` version.
    """

    def __init__(
        self, python: Path, workdir: Path, env: dict[str, str] | None = None, version: str = CONNECTOR_VERSION
    ) -> None:
        self.python = python
        self.version = version
        self.env = dict(env or {})
        self.workdir = workdir
        self.home = workdir / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.default_cwd = workdir / "cwd"
        self.default_cwd.mkdir(parents=True, exist_ok=True)

    def run(
        self,
        cases: list[dict[str, Any]],
        cwd: Path | None = None,
        home: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Run ``cases`` in one fresh process (working directory ``cwd``, home ``home``, extra environment ``env``)."""
        cwd, home = cwd or self.default_cwd, home or self.home
        return run_runner(self.python, "braincube_connector", cases, cwd, home, {**self.env, **(env or {})})


def _load_runner():
    spec = importlib.util.spec_from_file_location("braindock_compat_client_runner", RUNNER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def _patched_environ(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class SdkClient:
    """Runs the same case lists in-process with ``braindock.clients.braincube``.

    Like the official client, the SDK resolves ``~/.braincube/config.json`` when it is imported,
    so a run with its own ``home`` goes to a fresh subprocess of this interpreter instead.
    """

    def __init__(self, workdir: Path) -> None:
        self.runner = _load_runner()
        self.default_cwd = workdir / "cwd"
        self.default_cwd.mkdir(parents=True, exist_ok=True)

    def run(
        self,
        cases: list[dict[str, Any]],
        cwd: Path | None = None,
        home: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Run ``cases`` with a fresh singleton and default parameters (in ``cwd``, extra environment ``env``)."""
        if home is not None:
            return run_runner(sys.executable, PACKAGE_SDK, cases, cwd or self.default_cwd, home, env)
        api = self.runner.load_api(PACKAGE_SDK)
        instances = sys.modules["braindock.clients.braincube.instances"]
        self._reset(api, instances)
        spec = {"cases": cases, "cwd": str(cwd or self.default_cwd)}
        try:
            with _patched_environ({"NO_PROXY": LOOPBACK, "no_proxy": LOOPBACK, **(env or {})}):
                results = self.runner.run_session(api, spec)
        finally:
            self._reset(api, instances)
        # Same JSON round trip as the subprocess, so both sides compare as equal types.
        return json.loads(json.dumps(results, allow_nan=False))

    @staticmethod
    def _reset(api: Any, instances: Any) -> None:
        existing = instances.get_instance(api.client.INSTANCE_KEY)
        if existing is not None and hasattr(existing, "close"):
            existing.close()
        instances.add_instance(api.client.INSTANCE_KEY, None)
        api.parameters.reset_parameter()


@pytest.fixture(scope="session")
def official(official_python: Path, tmp_path_factory: pytest.TempPathFactory) -> OfficialClient:
    return OfficialClient(official_python, tmp_path_factory.mktemp("official-client"))


@pytest.fixture(scope="session")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> SdkClient:
    return SdkClient(tmp_path_factory.mktemp("braindock-sdk"))


LAB_CSV = """timestamp,temperature,batch
2024-03-01 08:00:00,20.5,A
2024-03-01 08:05:00,21.25,B
2024-03-01 08:10:00,,A
"""


class Lab:
    """Braincube ``compat-lab`` of its own account: several small memory bases, nothing else."""

    def __init__(self, name: str, token: str, memory_bases: list[int], tagged_mb: int) -> None:
        self.name = name
        self.token = token
        self.memory_bases = memory_bases
        self.tagged_mb = tagged_mb


@pytest.fixture(scope="session")
def lab(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Lab:
    """``compat-lab`` with five memory bases (bcIds ascending); the first has tags on its variables.

    It belongs to a separate account so that alice's access list stays as other suites expect.
    """
    return make_lab(server, tmp_path_factory)


def make_lab(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Lab:
    """Create the ``lab`` fixture's content on ``server``."""
    csv_path = tmp_path_factory.mktemp("compat-lab") / "lab.csv"
    csv_path.write_text(LAB_CSV)
    server.cli("account", "create", "compat-lab@example.com", "--password", "compat-lab-password")
    token = server.cli("token", "create", "compat-lab@example.com")
    server.cli("braincube", "create", "compat-lab", "--owner", "compat-lab@example.com")
    tagged = int(
        server.cli(
            "memory-base",
            "import",
            "compat-lab",
            str(csv_path),
            "--name",
            "Lab 1",
            "--tag",
            "temperature=TT_101",
            "--tag",
            "batch=BATCH_ID",
            "--tag",
            "timestamp=TS",
        )
    )
    memory_bases = [tagged]
    for number in range(2, 6):
        memory_bases.append(
            int(server.cli("memory-base", "import", "compat-lab", str(csv_path), "--name", f"Lab {number}"))
        )
    return Lab("compat-lab", token, memory_bases, tagged)


# -- Braincube connector versions, TLS and the default addresses ------------------------------------

#: The versions the seeds document (000: 2.1.0, 001: 2.5.1) and the latest (2.8.0).
CONNECTOR_VERSIONS = ("2.1.0", "2.5.1", "2.8.0")
#: 2.1.0 does not depend on pandas, but its docs convert results with ``pd.DataFrame(data)``; 2.5.1 pins
#: ``pandas<2``, whose wheels need ``numpy<2`` (pip installs numpy 2 otherwise, and pandas fails to import).
CONNECTOR_EXTRAS = {"2.1.0": ("pandas>=1.5,<3",), "2.5.1": ("numpy<2",)}
#: The ``domain`` of the documented configuration ``{"api_key": ..., "domain": "mybraincube.com"}``.
BRAINCUBE_DOMAIN = "mybraincube.com"
#: Host names the TLS server's certificate is made for (``braindock tls init --host ...``).
TLS_HOSTS = ("127.0.0.1", "localhost", BRAINCUBE_DOMAIN, f"api.{BRAINCUBE_DOMAIN}", "www.brainstem.org")
HOSTS_SHIM = SCRIPTS / "hosts_shim"


def ensure_connector_venv(version: str) -> Path:
    """Interpreter of ``.compat-venvs/braincube-connector-<version>`` (:func:`ensure_venv`) with
    :data:`CONNECTOR_EXTRAS` of that version."""
    return ensure_venv("braincube-connector", version, "braincube_connector", CONNECTOR_EXTRAS.get(version, ()))


@pytest.fixture(scope="session")
def connector_pythons() -> dict[str, Path]:
    """Interpreters of every version in :data:`CONNECTOR_VERSIONS` (built on first use)."""
    return {version: ensure_connector_venv(version) for version in CONNECTOR_VERSIONS}


def tls_init(data_dir: Path, hosts: tuple[str, ...] = TLS_HOSTS) -> tuple[Path, Path, Path]:
    """``braindock --data-dir DATA_DIR tls init --host ...``: ``(server.pem, server-key.pem, ca.pem)``."""
    result = subprocess.run(
        [sys.executable, "-m", "braindock.cli", "--data-dir", str(data_dir), "tls", "init"]
        + [arg for host in hosts for arg in ("--host", host)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise AssertionError(f"braindock tls init failed ({result.returncode}): {result.stderr}")
    ca = Path(result.stdout.strip())
    return ca.parent / "server.pem", ca.parent / "server-key.pem", ca


def https_port(server: RunningServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def default_address_env(server: RunningServer, names: tuple[str, ...] = TLS_HOSTS[2:]) -> dict[str, str]:
    """Environment of a client process that reaches ``server`` at ``https://<name>/`` for each of ``names``.

    ``scripts/hosts_shim/sitecustomize.py`` (on ``PYTHONPATH``) resolves those names to 127.0.0.1, port 443 to the
    server's random port, in that process only; ``REQUESTS_CA_BUNDLE`` trusts braindock's CA.
    """
    table = {name: ["127.0.0.1", https_port(server)] for name in names}
    no_proxy = ",".join((LOOPBACK, *names))
    return {
        "PYTHONPATH": str(HOSTS_SHIM),
        "BRAINDOCK_TEST_HOSTS": json.dumps(table),
        "REQUESTS_CA_BUNDLE": str(server.ca_file),
        "NO_PROXY": no_proxy,
        "no_proxy": no_proxy,
    }


@pytest.fixture(scope="session")
def tls_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """An HTTPS braindock server (``braindock tls init`` certificate for :data:`TLS_HOSTS`) with
    ``BRAINDOCK_BRAINCUBE_DOMAIN=mybraincube.com``."""
    data_dir = tmp_path_factory.mktemp("braindock-tls") / "data"
    tls = tls_init(data_dir)
    running = start_server(data_dir, env={"BRAINDOCK_BRAINCUBE_DOMAIN": BRAINCUBE_DOMAIN}, tls=tls)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def tls_plant(tls_server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Plant:
    """The plant (``tests.conftest.seed_plant``) on :func:`tls_server`; ``config`` is the documented
    ``{"domain": "mybraincube.com", "oauth2_token": <alice's PAT>}`` of clients without base URLs (2.1.0)."""
    plant = seed_plant(tls_server, tmp_path_factory)
    plant.config = {"domain": BRAINCUBE_DOMAIN, "oauth2_token": plant.token}
    return plant


@pytest.fixture(scope="session")
def tls_lab(tls_server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Lab:
    """The ``lab`` on :func:`tls_server`."""
    return make_lab(tls_server, tmp_path_factory)


# -- BrainSTEM: the official ``brainstem-python-api-tools`` 0.2.0 and 2.0.0 -------------------------

BRAINSTEM_DISTRIBUTION = "brainstem-python-api-tools"
BRAINSTEM_VERSIONS = ("0.2.0", "2.0.0")
BRAINSTEM_RUNNER = SCRIPTS / "brainstem_runner.py"


def brainstem_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of an official BrainSTEM client: empty ``HOME`` (2.0.0 caches its token in
    ``~/.config/brainstem/token``), no ``BRAINSTEM*`` variable of the machine, unbuffered output.
    """
    env = {key: value for key, value in _hermetic_env(home).items() if not key.upper().startswith("BRAINSTEM")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


class BrainstemRunner:
    """Runs case lists (see ``scripts/brainstem_runner.py``) with one official client version."""

    def __init__(self, version: str, python: Path, base: str, workdir: Path) -> None:
        self.version = version
        self.python = python
        self.base = base.rstrip("/") + "/"
        self.workdir = workdir
        self._runs = itertools.count(1)

    def fresh_home(self) -> Path:
        home = self.workdir / f"home-{next(self._runs)}"
        home.mkdir(parents=True)
        return home

    def files(self, cases: list[dict[str, Any]]) -> tuple[Path, Path]:
        number = next(self._runs)
        spec = self.workdir / f"spec-{number}.json"
        spec.write_text(json.dumps({"base": self.base, "cases": cases}))
        return spec, self.workdir / f"results-{number}.json"

    def command(self, spec: Path, results: Path) -> list[str]:
        return [str(self.python), str(BRAINSTEM_RUNNER), str(spec), str(results)]

    def run(
        self, cases: list[dict[str, Any]], home: Path | None = None, env: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Run ``cases`` in one fresh process (fresh empty ``HOME`` unless given); results by case id."""
        spec, results = self.files(cases)
        home = home or self.fresh_home()
        completed = subprocess.run(
            self.command(spec, results),
            capture_output=True,
            text=True,
            timeout=300,
            cwd=str(home),
            env=brainstem_env(home, env),
        )
        if completed.returncode != 0 or not results.exists():
            raise AssertionError(f"brainstem runner failed ({completed.returncode}):\n{completed.stderr[-5000:]}")
        output = json.loads(results.read_text())
        assert output["_version"]["ok"] == self.version
        output["_stdout"] = completed.stdout
        return output


@pytest.fixture(scope="session")
def brainstem_pythons() -> dict[str, Path]:
    """Interpreters of ``.compat-venvs/brainstem-python-api-tools-<version>`` (built on first use)."""
    return {
        version: ensure_venv(BRAINSTEM_DISTRIBUTION, version, "brainstem_api_tools") for version in BRAINSTEM_VERSIONS
    }


@pytest.fixture(scope="session")
def bs020(brainstem_pythons: dict[str, Path], server, tmp_path_factory: pytest.TempPathFactory) -> BrainstemRunner:
    """Runner of the official client 0.2.0 against the live server."""
    return BrainstemRunner("0.2.0", brainstem_pythons["0.2.0"], server.url, tmp_path_factory.mktemp("bs020"))


@pytest.fixture(scope="session")
def bs200(brainstem_pythons: dict[str, Path], server, tmp_path_factory: pytest.TempPathFactory) -> BrainstemRunner:
    """Runner of the official client 2.0.0 against the live server."""
    return BrainstemRunner("2.0.0", brainstem_pythons["2.0.0"], server.url, tmp_path_factory.mktemp("bs200"))


# -- NeuroSpeed: the official ``neurospeed`` 2.3.5 ------------------------------------------------------

NEUROSPEED_VERSION = "2.3.5"
#: Imported by ``neurospeed.macros.macros`` but not declared by the package (``neurospeed.md`` 9.4).
NEUROSPEED_EXTRAS = ("numpy>=1.24,<3", "python-dateutil>=2.8,<3", "pytz>=2023.3")
NEUROSPEED_RUNNER = SCRIPTS / "neurospeed_runner.py"


def ensure_neurospeed_venv() -> Path:
    """Interpreter of ``.compat-venvs/neurospeed-2.3.5`` (:func:`ensure_venv`) with :data:`NEUROSPEED_EXTRAS`
    installed as well, so that ``neurospeed.macros.macros`` imports."""
    return ensure_venv("neurospeed", NEUROSPEED_VERSION, "neurospeed", NEUROSPEED_EXTRAS)


@pytest.fixture(scope="session")
def neurospeed_python() -> Path:
    """Interpreter of the cached virtualenv with ``neurospeed==2.3.5`` and its undeclared macro dependencies."""
    return ensure_neurospeed_venv()


def run_neurospeed_runner(
    python: Path, spec: dict[str, Any], workdir: Path, runner: Path = NEUROSPEED_RUNNER
) -> dict[str, Any]:
    """Run ``runner`` (default ``scripts/neurospeed_runner.py``) with ``spec`` in ``python`` (empty ``HOME`` in
    ``workdir``);
    returns its results (the client's stdout is kept under ``"_stdout"``)."""
    home = workdir / "home"
    home.mkdir(parents=True, exist_ok=True)
    spec_path, results_path = workdir / "spec.json", workdir / "results.json"
    spec_path.write_text(json.dumps(spec))
    env = {**_hermetic_env(home), "PYTHONUNBUFFERED": "1"}
    completed = subprocess.run(
        [str(python), str(runner), str(spec_path), str(results_path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=str(workdir),
        env=env,
    )
    if completed.returncode != 0 or not results_path.exists():
        output = f"{completed.stdout[-3000:]}\n{completed.stderr[-5000:]}"
        raise AssertionError(f"neurospeed runner failed ({completed.returncode}):\n{output}")
    results = json.loads(results_path.read_text())
    results["_stdout"] = completed.stdout
    return results
