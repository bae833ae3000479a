"""``make demo`` / ``braindock demo``: a braindock server on real process, lab and biosignal data, toured.

The Braincube data come from the PyPI package ``process-improve`` (the project's ``demo`` extra), which ships
two real batch data sets, read from the installed package (nothing is downloaded at run time):

* ``dryer.csv``: 9,220 samples of 71 batches of an industrial batch dryer, 10 control-system tags
  (S. García-Muñoz, *Batch process improvement using latent variable methods*, PhD thesis,
  McMaster University, 2004);
* ``nylon.csv``: 57 batches of a nylon process, tags ``Tag01`` … ``Tag10``.

The tour (:func:`run_demo`):

1. prepares the data directory with the ``braindock`` CLI: account ``demo@braindock.local``, a
   personal access token, braincube ``dryer-plant``, the memory bases "Dryer batches" (variables
   tagged with the original control-system tags) and "Nylon batches". Whatever a previous run
   created is reused, so the demo can run again on the same directory;
2. starts ``braindock serve`` and waits for ``/healthz``;
3. walks through the Braincube API with braindock's SDK (``braindock.clients.braincube``) and
   the authoring REST API: braincubes, memory bases, variables, a data group, an event and a
   job, filtered ``get_data`` into pandas, ``job.get_data()`` and ``request_ws``;
4. prints how to reach the same server with the official ``braincube-connector`` client;
5. seeds BrainSTEM's taxonomies from real reference data (Allen mouse brain structures of
   ``iblatlas``, openMINDS species with NCBI taxon ids) and tours a small lab project with the
   BrainSTEM SDK (:mod:`braindock.demo_brainstem`);
6. streams real biosignals through the NeuroSpeed SDK (:mod:`braindock.demo_neurospeed`): 20 s of the
   PhysioNet EEG Motor Movement/Imagery recording S001R02 (64 channels, 160 Hz, bundled by
   ``biosignalsnotebooks``) and of heartpy's ``data3.csv`` PPG, concurrently at real-time speed, printing the
   server's EEG band powers live, then records, exports and downloads both as CSV;
7. stops the server, or keeps it running until Ctrl-C with ``keep_running``.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from braindock.config import Settings
from braindock.server_process import ServerProcess, ServerStartError, port_is_free

EMAIL = "demo@braindock.local"
PASSWORD = "braindock-demo"
BRAINCUBE = "dryer-plant"
DRYER_BASE = "Dryer batches"
NYLON_BASE = "Nylon batches"
DATASET_PACKAGE = "process_improve"
DATASET_VERSION = "2.2.0"
INSTALL_HINT = f'pip install "process-improve=={DATASET_VERSION}"   (or: pip install -e ".[demo]")'

#: Original control-system tags of the dryer columns, from the package's ``details.txt``.
DRYER_TAGS = {
    "CollectorTankLevel": "LI71131.PV",
    "DifferentialPressure": "PDI71034.PV",
    "DryerPressure": "PIC71025.PV",
    "AgitatorPower": "II71032.PV",
    "AgitatorTorque": "SIC71094.PV",
    "AgitatorSpeed": "XI71095.PV",
    "JacketTemperatureSP": "TIC71050.OP",
    "JacketTemperature": "TIC71050.PV",
    "DryerTemperatureSP": "TIC71035.OP",
    "DryerTemp": "TIC71035.PV",
}

CLI_TIMEOUT = 300
START_TIMEOUT = 60
HTTP_TIMEOUT = 60


class DemoError(Exception):
    """A step of the demo failed; the message says what to do."""


@dataclass
class Datasets:
    """Paths of the demo CSV files inside the installed ``process-improve`` package."""

    dryer: Path
    nylon: Path


@contextmanager
def demo_datasets() -> Iterator[Datasets]:
    """Locate ``dryer.csv`` and ``nylon.csv`` of ``process-improve`` with :mod:`importlib.resources`.

    Raises:
        DemoError: the package or one of its files is missing (the message says how to install it).
    """
    try:
        root = resources.files(DATASET_PACKAGE) / "datasets" / "batch"
    except ModuleNotFoundError:
        raise DemoError(
            f"the demo data come from the Python package process-improve, which is not installed.\n"
            f"Install it into this environment with:\n    {INSTALL_HINT}"
        ) from None
    with ExitStack() as stack:
        found = {}
        for name in ("dryer", "nylon"):
            entry = root / f"{name}.csv"
            if not entry.is_file():
                raise DemoError(
                    f"{DATASET_PACKAGE} is installed but has no datasets/batch/{name}.csv; "
                    f"install version {DATASET_VERSION}:\n    {INSTALL_HINT}"
                )
            found[name] = stack.enter_context(resources.as_file(entry))
        yield Datasets(**found)


# --------------------------------------------------------------------------------------------
# Step 1: the data directory, through the CLI
# --------------------------------------------------------------------------------------------


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "braindock.cli", "--data-dir", str(settings.data_dir), *args]
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=CLI_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise DemoError(f"`braindock {' '.join(args[:3])}` did not finish within {CLI_TIMEOUT} s") from None


def _cli_ok(settings: Settings, *args: str) -> str:
    result = _cli(settings, *args)
    if result.returncode != 0:
        shown = " ".join(a if " " not in a else repr(a) for a in args[:4])
        raise DemoError(f"`braindock {shown} …` failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout.strip()


@dataclass
class Setup:
    """What step 1 created or found."""

    token: str
    dryer: int
    nylon: int
    created: list[str]
    reused: list[str]


def prepare_data_dir(settings: Settings, data: Datasets) -> Setup:
    """Create (or reuse) the demo account, token, braincube and memory bases via the CLI.

    A new personal access token is issued on every run (tokens are shown only once).

    Raises:
        DemoError: a CLI command failed (its message is included).
    """
    created: list[str] = []
    reused: list[str] = []
    first_token = _cli(settings, "token", "create", EMAIL)
    if first_token.returncode == 0:
        token = first_token.stdout.strip()
        reused.append(f"account {EMAIL}")
    else:
        _cli_ok(settings, "account", "create", EMAIL, "--password", PASSWORD)
        token = _cli_ok(settings, "token", "create", EMAIL)
        created.append(f"account {EMAIL} (password {PASSWORD!r})")
    created.append("a personal access token")

    listing = _cli(settings, "memory-base", "list", BRAINCUBE)
    if listing.returncode == 0:
        reused.append(f"braincube {BRAINCUBE}")
    else:
        _cli_ok(settings, "braincube", "create", BRAINCUBE, "--owner", EMAIL)
        created.append(f"braincube {BRAINCUBE}")
        listing = _cli(settings, "memory-base", "list", BRAINCUBE)
    _cli_ok(settings, "braincube", "grant", BRAINCUBE, EMAIL)
    existing = {}
    for line in listing.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].isdigit():
            existing[parts[1]] = int(parts[0])

    def memory_base(name: str, path: Path, *options: str) -> int:
        if name in existing:
            reused.append(f"memory base {name!r} (bcId {existing[name]})")
            return existing[name]
        bc_id = int(_cli_ok(settings, "memory-base", "import", BRAINCUBE, str(path), "--name", name, *options))
        created.append(f"memory base {name!r} (bcId {bc_id}) from {path.name}")
        return bc_id

    tags = [option for column, tag in DRYER_TAGS.items() for option in ("--tag", f"{column}={tag}")]
    dryer = memory_base(DRYER_BASE, data.dryer, "--discrete", "batch_id", *tags)
    nylon = memory_base(NYLON_BASE, data.nylon, "--discrete", "batch_id")
    return Setup(token, dryer, nylon, created, reused)


# --------------------------------------------------------------------------------------------
# Step 2: the server
# --------------------------------------------------------------------------------------------


def start_server(
    settings: Settings, tls_cert: Path | None = None, tls_key: Path | None = None, tls_ca: Path | None = None
) -> ServerProcess:
    """Start ``braindock serve`` on ``settings.host:settings.port`` and wait for ``/healthz``.

    With ``tls_cert`` and ``tls_key`` (PEM files of ``braindock tls init``) it serves HTTPS, checked with the CA
    ``tls_ca``.

    Raises:
        DemoError: the port is taken, the server exited, or it did not answer within 60 s.
    """
    host, port = settings.host, settings.port
    taken = (
        f"port {port} on {host} is already in use (another braindock or another program?).\n"
        f"Stop it, or pick another port: braindock demo --port {port + 1}"
    )
    if not port_is_free(host, port):
        raise DemoError(taken)
    try:
        return ServerProcess.start(
            settings.data_dir,
            host=host,
            port=port,
            log_path=settings.data_dir / "demo-server.log",
            log_level="warning",
            timeout=START_TIMEOUT,
            tls_cert=tls_cert,
            tls_key=tls_key,
            tls_ca=tls_ca,
        )
    except ServerStartError as exc:
        raise DemoError(taken if exc.port_in_use else str(exc)) from None


# --------------------------------------------------------------------------------------------
# Step 3: the tour
# --------------------------------------------------------------------------------------------


class Tour:
    """Prints the narrated walkthrough with rich."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(highlight=False)

    def section(self, title: str) -> None:
        """A section header."""
        from rich.rule import Rule

        self.console.print()
        self.console.print(Rule(f"[bold cyan]{title}[/]", align="left"))

    def say(self, text: str) -> None:
        """A line of narration (rich markup allowed)."""
        self.console.print(text)

    def code(self, text: str, lexer: str = "python") -> None:
        """A code snippet."""
        from rich.syntax import Syntax

        self.console.print(Syntax(text, lexer, theme="ansi_dark", word_wrap=True, background_color="default"))

    def table(self, title: str, columns: list[str], rows: list[list[Any]]) -> None:
        """A table of plain values, under ``title`` (shown as code, e.g. the call that produced it)."""
        from rich.markup import escape
        from rich.table import Table

        self.console.print(f"[bold]{escape(title)}[/]")
        table = Table(header_style="bold")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(escape(_cell(value)) for value in row))
        self.console.print(table)

    def frame(self, title: str, frame: Any, index: bool = True) -> None:
        """A pandas DataFrame as a table (with its index unless ``index`` is false)."""
        rows = [list(values) for values in frame.itertuples(index=index)]
        self.table(title, (["", *map(str, frame.columns)] if index else list(map(str, frame.columns))), rows)

    def error(self, text: str) -> None:
        """An error message."""
        from rich.markup import escape

        self.console.print(f"[bold red]error:[/] {escape(text)}")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if value == value else "NaN"
    return str(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _authoring(http: Any, base: str, kind: str, body: dict[str, Any], existing: dict[str, int]) -> tuple[int, bool]:
    """POST an entity unless one with that name exists; return (bcId, created)."""
    if body["name"] in existing:
        return existing[body["name"]], False
    response = http.post(f"{base}/{kind}", json=body)
    if response.status_code != 201:
        raise DemoError(f"POST {base}/{kind} answered {response.status_code}: {response.text[:300]}")
    return int(response.json()["bcId"]), True


def walkthrough(tour: Tour, server: ServerProcess, setup: Setup) -> dict[str, int]:
    """Step 3: the Braincube API seen through braindock's SDK and the authoring REST API.

    Returns:
        The dryer memory base's variable bcIds by name.
    """
    from braindock.clients.braincube import client

    url = server.url
    config = {"api_key": setup.token, "sso_base_url": url, "braincube_base_url": url}

    tour.section("3. The Braincube API through braindock's SDK")
    tour.say(
        "braindock's SDK mirrors the official client's API; only the import changes. The SDK asks for "
        "Arrow answers ([italic]wire_format='auto'[/]); the official client gets the JSON form."
    )
    tour.code(
        "from braindock.clients.braincube import braincube, client\n\n"
        f'client.get_instance(config_dict={{"api_key": TOKEN, "sso_base_url": "{url}", '
        f'"braincube_base_url": "{url}"}})'
    )
    client.set_instance(None)  # forget a client of an earlier call in this process
    sdk = client.get_instance(config_dict=config)
    try:
        return _sdk_tour(tour, sdk, setup)
    finally:
        client.set_instance(None)
        sdk.close()


def _sdk_tour(tour: Tour, sdk: Any, setup: Setup) -> dict[str, int]:
    import httpx

    from braindock.clients.braincube import braincube, client

    cubes = braincube.get_braincube_list()
    tour.table(
        "braincube.get_braincube_list()",
        ["name", "productId"],
        [[cube.get_name(), cube.get_uuid()] for cube in cubes],
    )
    bc = braincube.get_braincube(BRAINCUBE)
    bases = bc.get_memory_base_list()
    tour.table(
        f'braincube.get_braincube("{BRAINCUBE}").get_memory_base_list()',
        ["bcId", "name", "rows"],
        [[b.get_bcid(), b.get_name(), b.get_metadata().get("numberOfRows", "")] for b in bases],
    )

    mb = bc.get_memory_base(setup.dryer)
    variables = mb.get_variable_list()
    tour.table(
        f"get_memory_base({setup.dryer}).get_variable_list()",
        ["bcId", "name", "tag", "type"],
        [[v.get_bcid(), v.get_name(), v.get_metadata().get("tag", ""), v.get_type()] for v in variables],
    )
    ids = {v.get_name(): int(v.get_bcid()) for v in variables}
    order = mb.get_order_variable_long_id()
    order_name = next((name for name, bc_id in ids.items() if order.endswith(f"/d{bc_id}")), order)
    tour.say(
        "Each variable keeps its original control-system tag (from the package's details.txt). "
        "dryer.csv has no timestamps (ClockTime is a per-batch sample index), so it was imported "
        f"without --order: the importer added the NUMERIC variable [bold]{order_name}[/] ({order}), which "
        "counts the rows in file order and orders every answer."
    )

    def long_id(name: str) -> str:
        return f"mb{setup.dryer}/d{ids[name]}"

    def ref(name: str) -> dict[str, int]:
        return {"bcId": ids[name]}

    tour.section("Authoring: a data group, an event and a job (REST, with httpx)")
    base = f"/braincube/{BRAINCUBE}/braincube/mb/{setup.dryer}"
    agitator = ["AgitatorPower", "AgitatorTorque", "AgitatorSpeed"]
    group_body = {"name": "Agitator", "variables": [ref(name) for name in agitator]}
    event_body = {
        "name": "Dryer above 60 °C",
        "conditions": [{"variable": ref("DryerTemp"), "positive": True, "minimum": 60}],
    }
    with httpx.Client(
        base_url=sdk.braincube_base_url, headers={"X-api-key": setup.token}, timeout=HTTP_TIMEOUT
    ) as http:
        existing_groups = {g.get_name(): int(g.get_bcid()) for g in mb.get_datagroup_list()}
        existing_events = {e.get_name(): int(e.get_bcid()) for e in mb.get_event_list()}
        existing_jobs = {j.get_name(): int(j.get_bcid()) for j in mb.get_job_list()}
        group_id, group_new = _authoring(http, base, "dataGroups", group_body, existing_groups)
        event_id, event_new = _authoring(http, base, "events", event_body, existing_events)
        job_body = {
            "name": "Agitator load while hot",
            "conditions": [{"variable": ref("AgitatorSpeed"), "positive": True, "minimum": 5}],
            "modelEntries": [
                {"name": "good", "conditions": [{"variable": ref("AgitatorTorque"), "positive": True, "maximum": 20}]},
                {"name": "bad", "conditions": [{"variable": ref("AgitatorTorque"), "positive": True, "minimum": 30}]},
            ],
            "dataGroups": [{"bcId": group_id}],
            "events": {"positiveEvents": [{"bcId": event_id}], "negativeEvents": []},
        }
        job_id, job_new = _authoring(http, base, "jobs", job_body, existing_jobs)
    tour.code(
        "import httpx\n"
        f'api = httpx.Client(base_url="{sdk.braincube_base_url}", headers={{"X-api-key": TOKEN}})\n'
        f'api.post("{base}/dataGroups", json={_json(group_body)})\n'
        f'api.post("{base}/events", json={_json(event_body)})\n'
        f'api.post("{base}/jobs", json={{"name": "{job_body["name"]}", "conditions": [...], '
        '"modelEntries": [...], "dataGroups": [...], "events": {...}})'
    )
    for what, bc_id, new in (("data group", group_id, group_new), ("event", event_id, event_new)):
        tour.say(f"  {what} {bc_id}: {'created' if new else 'already there from a previous run, reused'}")
    tour.say(f"  job {job_id}: {'created' if job_new else 'already there from a previous run, reused'}")

    names = {bc_id: name for name, bc_id in ids.items()}
    group = mb.get_datagroup(group_id)
    tour.say(
        f"\nmb.get_datagroup({group_id}) → [bold]{group.get_name()}[/]: "
        + ", ".join(names.get(int(v), str(v)) for v in group.get_variable_ids())
    )
    event = mb.get_event(event_id)
    tour.say(f"mb.get_event({event_id}).get_conditions() → the filters the event stands for:")
    tour.code(_json(event.get_conditions()), "json")
    job = mb.get_job(job_id)
    tour.say(f"mb.get_job({job_id}).get_conditions(combine=True, include_events=True):")
    tour.code(_json(job.get_conditions(combine=True, include_events=True)), "json")

    tour.section("Data: filtered get_data into pandas")
    info = client.request_ws(f"braincube/{BRAINCUBE}/braindata/mb{setup.dryer}/simple")
    tour.say(f'client.request_ws("braincube/{BRAINCUBE}/braindata/mb{setup.dryer}/simple") →')
    tour.code(_json(info), "json")
    total = info.get("numberOfRows")
    wanted = ["batch_id", "ClockTime", "DryerTemp", "DryerPressure", "AgitatorPower", "AgitatorTorque"]
    filters = [
        {"EQUALS": [long_id("batch_id"), ["5", "6"]]},
        {"BETWEEN": [long_id("DryerTemp"), 40, 70]},
    ]
    tour.code(
        f'mb = braincube.get_braincube("{BRAINCUBE}").get_memory_base({setup.dryer})\n'
        f"df = mb.get_data({[ids[n] for n in wanted]},\n"
        f"                 filters={_json(filters)},\n"
        '                 label_type="name", dataframe=True)'
    )
    frame = mb.get_data([ids[n] for n in wanted], filters=filters, label_type="name", dataframe=True)
    tour.frame("df.head()", frame.head())
    tour.say(
        f"Rows: [bold]{total:,}[/] in the memory base, [bold]{len(frame):,}[/] match "
        "batch_id in {5, 6} AND 40 ≤ DryerTemp ≤ 70."
        if isinstance(total, int)
        else f"Rows matching: [bold]{len(frame):,}[/]"
    )
    summary = (
        frame.groupby("batch_id", sort=True)
        .agg(
            samples=("DryerTemp", "size"),
            mean_DryerTemp=("DryerTemp", "mean"),
            max_AgitatorPower=("AgitatorPower", "max"),
            mean_AgitatorTorque=("AgitatorTorque", "mean"),
        )
        .reset_index()
    )
    tour.frame('Per-batch summary: df.groupby("batch_id").agg(...)', summary, index=False)

    job_data = job.get_data()
    job_rows = len(next(iter(job_data.values()), []))
    tour.say(
        f"job.get_data() → {len(job_data)} variables ("
        + ", ".join(names.get(int(k), str(k)) for k in job_data)
        + f") × [bold]{job_rows:,}[/] rows where the agitator runs (AgitatorSpeed > 5) "
        "while the dryer is above 60 °C."
    )
    categories = "; ".join(
        f"{entry.get('name', '?')}: " + " and ".join(conditions_in_words(entry, names))
        for entry in job.get_categories()
    )
    tour.say(f"job.get_categories() → the job's model entries, which label rows rather than filter them: {categories}")
    return ids


def conditions_in_words(entry: dict[str, Any], names: dict[int, str]) -> list[str]:
    """A model entry's conditions in words, e.g. ``["AgitatorTorque ≤ 20"]``."""
    words = []
    for condition in entry.get("conditions") or []:
        bc_id = (condition.get("variable") or {}).get("bcId")
        name = names.get(int(bc_id), str(bc_id)) if bc_id is not None else "?"
        if condition.get("minimum") is not None:
            words.append(f"{name} ≥ {condition['minimum']}")
        if condition.get("maximum") is not None:
            words.append(f"{name} ≤ {condition['maximum']}")
        if condition.get("modalities"):
            words.append(f"{name} in {condition['modalities']}")
    return words or ["(no condition)"]


# --------------------------------------------------------------------------------------------
# Step 4 and the whole demo
# --------------------------------------------------------------------------------------------


def official_client_hint(tour: Tour, url: str, token: str, setup: Setup, ids: dict[str, int]) -> None:
    """Step 4: the commands that reach the same server with the official client."""
    config = {"api_key": token, "sso_base_url": url, "braincube_base_url": url}
    batch, temp = ids.get("batch_id", 2000001), ids.get("DryerTemp", 2000011)
    tour.section("4. The same server with the official client")
    tour.say("The unmodified official Python client works against braindock. In a separate environment:")
    tour.code("pip install braincube-connector==2.8.0", "bash")
    tour.code(
        "from braincube_connector import braincube, client\n\n"
        f"client.get_instance(config_dict={_json(config)})\n"
        f'mb = braincube.get_braincube("{BRAINCUBE}").get_memory_base({setup.dryer})\n'
        f'df = mb.get_data([{batch}, {temp}], filters=[{{"EQUALS": ["mb{setup.dryer}/d{batch}", ["5"]]}}],\n'
        '                 label_type="name", dataframe=True)\n'
        "print(df.head())"
    )
    tour.say(
        "Or put the configuration in ./config.json (or ~/.braincube/config.json) [bold]on one line[/] "
        "(the official client reads only the first line) and call client.get_instance():"
    )
    tour.code(f"echo '{_json(config)}' > config.json", "bash")


@contextmanager
def _interruptible() -> Iterator[None]:
    """Make Ctrl-C (SIGINT) and SIGTERM raise KeyboardInterrupt while waiting (restored afterwards).

    SIGINT may have been inherited as ignored (e.g. started in the background by a script), and
    SIGTERM would otherwise end the demo without stopping its server.
    """

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def run_demo(settings: Settings, keep_running: bool = False) -> int:
    """Run the demo walkthrough; return the process exit code (0 on success, 1 on failure).

    Args:
        settings: data directory (created if needed; a previous demo setup in it is reused),
            host and port of the demo server.
        keep_running: leave the server running after the tour, until Ctrl-C.
    """
    tour = Tour()
    tour.console.print(
        "[bold]braindock demo[/]: one self-hosted server for Braincube (real industrial batch data), BrainSTEM "
        "(real brain atlas and species catalogues) and NeuroSpeed (real EEG and PPG), "
        f"data directory {settings.data_dir}"
    )
    server: ServerProcess | None = None
    try:
        with demo_datasets() as data:
            tour.section("1. Data directory: account, token, braincube, memory bases (braindock CLI)")
            tour.say(
                f"Real data from the package process-improve: [bold]{data.dryer.name}[/] (71 batches of an "
                f"industrial batch dryer, 10 control-system tags) and [bold]{data.nylon.name}[/] (57 nylon batches)."
            )
            settings.ensure_dirs()
            tour.say("What the demo runs (skipping what already exists from an earlier run):")
            cli = f"braindock --data-dir {settings.data_dir}"
            tour.code(
                f"{cli} account create {EMAIL} --password ...\n"
                f"{cli} token create {EMAIL}\n"
                f"{cli} braincube create {BRAINCUBE} --owner {EMAIL}\n"
                f'{cli} memory-base import {BRAINCUBE} dryer.csv --name "{DRYER_BASE}" --discrete batch_id '
                "--tag CollectorTankLevel=LI71131.PV --tag DifferentialPressure=PDI71034.PV --tag ...\n"
                f'{cli} memory-base import {BRAINCUBE} nylon.csv --name "{NYLON_BASE}" --discrete batch_id',
                "bash",
            )
            setup = prepare_data_dir(settings, data)
        for item in setup.created:
            tour.say(f"  [green]created[/] {item}")
        for item in setup.reused:
            tour.say(f"  [yellow]reused[/]  {item} (from a previous run)")
        tour.say(f"  token: [bold]{setup.token}[/]")

        tour.section("2. Server")
        server = start_server(settings)
        tour.say(
            f"braindock serve is up at [bold]{server.url}[/] (OpenAPI docs at {server.url}/docs, "
            f"log in {server.log_path})."
        )

        ids = walkthrough(tour, server, setup)
        official_client_hint(tour, server.url, setup.token, setup, ids)

        from braindock.demo_brainstem import run_brainstem_tour

        run_brainstem_tour(settings, server.url, setup.token, tour, lambda *args: _cli_ok(settings, *args))

        from braindock.demo_neurospeed import MissingDemoData, run_neurospeed_tour

        try:
            run_neurospeed_tour(settings, server.url, tour, section="6")
        except MissingDemoData as exc:
            raise DemoError(str(exc)) from None

        from braindock.demo_tls_oauth2 import run_tls_oauth2_tour

        server = run_tls_oauth2_tour(
            settings,
            server,
            tour,
            lambda *args: _cli_ok(settings, *args),
            email=EMAIL,
            password=PASSWORD,
            braincube_name=BRAINCUBE,
            memory_base=setup.dryer,
            start_tls_server=lambda cert, key, ca: start_server(settings, cert, key, ca),
        )

        tour.section("8. Done")
        if keep_running:
            tour.say(
                f"The server keeps running at [bold]{server.url}[/] with token [bold]{setup.token}[/] "
                f"(trust [bold]{settings.data_dir / 'tls' / 'ca.pem'}[/]). Press Ctrl-C to stop it."
            )
            try:
                with _interruptible():
                    while server.process.poll() is None:
                        time.sleep(0.5)
            except KeyboardInterrupt:
                tour.say("\nStopping the server.")
            else:
                tour.error(f"the server stopped by itself (exit code {server.process.returncode}):")
                tour.console.print(server.log_tail(), markup=False)
                return 1
        else:
            tour.say(
                f"Stopping the server. Run [bold]braindock demo --keep-running[/] to keep it, or "
                f"[bold]braindock serve --data-dir {settings.data_dir} --port {settings.port}[/] to serve this data "
                f"(add --tls-cert {settings.data_dir / 'tls' / 'server.pem'} --tls-key "
                f"{settings.data_dir / 'tls' / 'server-key.pem'} for HTTPS)."
            )
        return 0
    except DemoError as exc:
        tour.error(str(exc))
        return 1
    except Exception as exc:  # the SDK's typed errors, httpx errors, anything unexpected
        tour.error(f"{type(exc).__name__}: {exc}")
        if server is not None:
            tour.say(f"Server log ({server.log_path}), last lines:")
            tour.console.print(server.log_tail(), markup=False)
        return 1
    finally:
        if server is not None:
            server.stop()
