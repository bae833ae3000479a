"""brainstem benchmark (issue 3): latency of a filtered, sorted session list and of a session detail.

One command, self-contained::

    python benchmarks/brainstem.py [--sessions 100000] [--projects 100] [--requests 300] [--write-results]

It creates a temporary data directory with two accounts (``alice``, ``bob``) holding a BrainSTEM
token each, starts ``braindock serve`` on a free 127.0.0.1 port, creates ``--projects`` projects
through the API (half per account, so the server writes the owner grants itself), then bulk-inserts
``--sessions`` sessions straight into the SQLite tables (``bs_session`` and its ``projects`` link
table ``bs_session__projects``, with the same default column values the service layer writes),
spread evenly over the projects. Alice therefore sees exactly half of the sessions through the
private portal; this is checked through the API before measuring.

As alice it then times, sequentially, ``--requests`` calls of

* the list page ``GET private/stem/session/?filter{date_time.gte}=..&filter{date_time.lt}=..
  &sort[]=-date_time&limit=20`` (a window of about 10 % of the rows; the window moves between
  calls), and
* the detail ``GET private/stem/session/<id>/`` (a different session of alice's each call),

with (a) the official ``brainstem-python-api-tools==2.0.0`` in its own virtualenv
(``.compat-venvs/brainstem-python-api-tools-2.0.0``, created on first use), (b) the braindock SDK
``BrainstemClient`` and (c) the floor: the same SQL (visibility through the grants, filter, count,
page, the page's project links) run directly by ``sqlite3`` on the data directory's
``braindock.sqlite`` opened read-only. It reports p50/p95 latency and requests per second.

With ``--write-results`` the table goes to ``benchmarks/RESULTS.md`` under
``## brainstem (issue 3)`` (other sections are kept).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from common import cli, official_python, write_results

SECTION = "## brainstem (issue 3)"
OFFICIAL_DISTRIBUTION = "brainstem-python-api-tools"
OFFICIAL_VERSION = "2.0.0"
ACCOUNTS = {"alice": "alice@bench.example", "bob": "bob@bench.example"}
START = datetime(2024, 1, 1)
SPAN_DAYS = 730
WINDOW_DAYS = 73
PAGE = 20
TARGET_P95_MS = 50.0

#: Script run by the official client's interpreter: times each ``load`` call (wall clock).
OFFICIAL_SCRIPT = """
import json, sys, time
from importlib import metadata
from brainstem_api_tools.brainstem_api_client import BrainstemClient

args = json.loads(sys.argv[1])
client = BrainstemClient(token=args["token"], url=args["url"])
out = {}
for kind in ("list", "detail"):
    calls = args[kind]
    times = []
    for n, call in enumerate(calls):
        start = time.perf_counter()
        response = client.load("session", **call)
        body = response.json()
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, response.text
        if n >= args["warmup"]:
            times.append(elapsed)
    out[kind] = times
out["versions"] = {name: metadata.version(name) for name in ("brainstem-python-api-tools", "requests")}
out["python"] = sys.version.split()[0]
print(json.dumps(out))
"""


# --------------------------------------------------------------------------------------------
# Setup
# --------------------------------------------------------------------------------------------


def lookup_accounts(database_url: str) -> dict[str, int]:
    """Account id of each benchmark account."""
    import sqlalchemy as sa

    from braindock.server.storage.database import open_database
    from braindock.server.storage.models import Account

    database = open_database(database_url)
    try:
        with database.session() as session:
            found = {a.email: a.id for a in session.scalars(sa.select(Account))}
    finally:
        database.dispose()
    return {name: found[email] for name, email in ACCOUNTS.items()}


def session_defaults() -> dict[str, Any]:
    """Column values the service layer writes for a session with only name/projects given."""
    from braindock.server.brainstem import registry
    from braindock.server.brainstem.fields import Creator, Scalar, Timestamp

    values: dict[str, Any] = {}
    for item in registry.ALL["session"].fields:
        if isinstance(item, Creator):
            values[item.column] = None
        elif isinstance(item, Scalar) and not isinstance(item, Timestamp):
            values[item.column] = item.default()
    return values


def seed_sessions(
    database_url: str, projects: list[tuple[str, int]], count: int, seed: int
) -> tuple[dict[int, list[str]], float]:
    """Bulk-insert ``count`` sessions spread over ``projects`` (``(project id, owner account)``).

    Returns the session ids per owner account and the seconds it took.
    """
    import sqlalchemy as sa

    from braindock.server.storage import brainstem_models as db
    from braindock.server.storage.database import open_database
    from braindock.server.storage.models import utcnow

    rng = random.Random(seed)
    table = db.TABLES["session"]
    link = db.LINKS[("session", "projects")]
    defaults = session_defaults()
    started = time.perf_counter()
    by_owner: dict[int, list[str]] = {}
    now = utcnow()
    database = open_database(database_url)
    try:
        batch = 10_000
        for first in range(0, count, batch):
            rows, links = [], []
            for i in range(first, min(count, first + batch)):
                project_id, owner = projects[i % len(projects)]
                session_id = str(uuid.uuid4())
                row = dict(defaults)
                row.update(
                    id=session_id,
                    name=f"bench-session-{i:07d}",
                    description=f"recording {i} of project {i % len(projects)}",
                    date_time=START + timedelta(seconds=rng.randrange(SPAN_DAYS * 86400)),
                    created_at=now,
                    updated_at=now,
                    created_by=owner,
                )
                rows.append(row)
                links.append({"source_id": session_id, "target_id": project_id, "position": 0})
                by_owner.setdefault(owner, []).append(session_id)
            with database.session() as session:
                session.execute(sa.insert(table), rows)
                session.execute(sa.insert(link), links)
        with database.session() as session:
            session.execute(sa.text("ANALYZE"))
    finally:
        database.dispose()
    return by_owner, time.perf_counter() - started


# --------------------------------------------------------------------------------------------
# The floor: the same SQL, read-only
# --------------------------------------------------------------------------------------------

#: Session visibility as the server compiles it (``permissions._linked_to``): a correlated ``EXISTS`` on the
#: session -> project link, so SQLite can walk the ``date_time`` index.
VISIBLE = """
EXISTS (SELECT 1 FROM bs_session__projects AS l WHERE l.source_id = s.id AND l.target_id IN (
    SELECT g.record_id FROM bs_grant AS g WHERE g.model = 'project' AND g.level >= 1 AND (
        g.account_id = :account OR g.group_id IN (
            SELECT m.group_id FROM bs_group_member AS m WHERE m.account_id = :account AND m.level >= 1))))
"""
#: The form the server used before (``id IN (SELECT source_id ...)``), kept as a reference row: SQLite drives
#: the query from the account's whole list of visible session ids.
VISIBLE_IN = """
s.id IN (SELECT l.source_id FROM bs_session__projects AS l WHERE l.target_id IN (
    SELECT g.record_id FROM bs_grant AS g WHERE g.model = 'project' AND g.level >= 1 AND (
        g.account_id = :account OR g.group_id IN (
            SELECT m.group_id FROM bs_group_member AS m WHERE m.account_id = :account AND m.level >= 1))))
"""
FLOOR_COUNT = f"SELECT count(*) FROM bs_session AS s WHERE {VISIBLE} AND s.date_time >= :lo AND s.date_time < :hi"
FLOOR_PAGE = (
    f"SELECT s.* FROM bs_session AS s WHERE {VISIBLE} AND s.date_time >= :lo AND s.date_time < :hi "
    f"ORDER BY s.date_time DESC, s.id LIMIT {PAGE} OFFSET 0"
)
FLOOR_DETAIL = f"SELECT s.* FROM bs_session AS s WHERE s.id = :id AND {VISIBLE}"
FLOOR_LINKS = "SELECT source_id, target_id FROM bs_session__projects WHERE source_id IN ({}) ORDER BY position"


def floor_list(con: sqlite3.Connection, account: int, lo: str, hi: str, old_in: bool = False) -> int:
    """Count + page + the page's project links, as the server needs them (``old_in``: the former IN form)."""
    params = {"account": account, "lo": lo, "hi": hi}
    count, page = FLOOR_COUNT, FLOOR_PAGE
    if old_in:
        count, page = count.replace(VISIBLE, VISIBLE_IN), page.replace(VISIBLE, VISIBLE_IN)
    total = con.execute(count, params).fetchone()[0]
    rows = con.execute(page, params).fetchall()
    ids = [row[0] for row in rows]
    con.execute(FLOOR_LINKS.format(",".join("?" * len(ids))), ids).fetchall()
    return total


def floor_detail(con: sqlite3.Connection, account: int, session_id: str) -> None:
    row = con.execute(FLOOR_DETAIL, {"account": account, "id": session_id}).fetchone()
    assert row is not None
    con.execute(FLOOR_LINKS.format("?"), [session_id]).fetchall()


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


def timed(calls: list[Any], call: Callable[[Any], None], warmup: int) -> list[float]:
    """Seconds of each call after the first ``warmup``."""
    times = []
    for n, argument in enumerate(calls):
        start = time.perf_counter()
        call(argument)
        elapsed = time.perf_counter() - start
        if n >= warmup:
            times.append(elapsed)
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def stats(times: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(times, 50) * 1000,
        "p95": percentile(times, 95) * 1000,
        "mean": statistics.fmean(times) * 1000,
        "rps": len(times) / sum(times),
    }


def machine_info(official: dict[str, Any]) -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    ours = {name: metadata.version(name) for name in ("braindock", "httpx", "sqlalchemy", "fastapi", "uvicorn")}
    theirs = ", ".join(f"{k} {v}" for k, v in official["versions"].items())
    return [
        f"- machine: {os.cpu_count()} CPUs (`nproc` {len(os.sched_getaffinity(0))}), {cpu}, "
        f"{platform.system()} {platform.release()}, SQLite {sqlite3.sqlite_version}",
        f"- braindock side: Python {platform.python_version()}, " + ", ".join(f"{k} {v}" for k, v in ours.items()),
        f"- official client side: Python {official['python']}, {theirs}",
    ]


def run(args: argparse.Namespace, work: Path) -> str:
    """Set up, measure and return the markdown report."""
    from braindock.clients.brainstem import BrainstemClient
    from braindock.config import Settings
    from braindock.server_process import ServerProcess

    started = time.perf_counter()
    load = os.getloadavg()
    python = official_python(OFFICIAL_DISTRIBUTION, OFFICIAL_VERSION)
    data_dir = work / "data"
    tokens: dict[str, str] = {}
    for name, email in ACCOUNTS.items():
        cli(data_dir, "account", "create", email, "--password", "benchmark-password")
        tokens[name] = cli(data_dir, "token", "create", email, "--scope", "BRAINSTEM")
    settings = Settings.load(data_dir)
    server = ServerProcess.start(data_dir, log_path=work / "server.log", log_level="warning")
    try:
        clients = {name: BrainstemClient(token=token, url=server.url, timeout=60) for name, token in tokens.items()}
        account_ids = lookup_accounts(settings.database_url)
        projects: list[tuple[str, int]] = []
        step = time.perf_counter()
        for n in range(args.projects):
            owner = "alice" if n % 2 == 0 else "bob"
            response = clients[owner].save("project", data={"name": f"bench-project-{n:03d}", "description": "bench"})
            assert response.status_code == 201, response.text
            record = response.json()["project"]
            projects.append((record["id"], account_ids[owner]))
        projects_seconds = time.perf_counter() - step
        print(f"created {args.projects} projects through the API in {projects_seconds:.1f} s", flush=True)
        by_owner, seed_seconds = seed_sessions(settings.database_url, projects, args.sessions, args.seed)
        print(f"inserted {args.sessions:,} sessions in {seed_seconds:.1f} s", flush=True)

        alice_id = account_ids["alice"]
        alice_sessions = by_owner[alice_id]
        seen = clients["alice"].load("session", limit=1).json()
        assert seen["meta"]["total_results"] == len(alice_sessions), seen.get("meta")
        bob_seen = clients["bob"].load("session", filters={"id": alice_sessions[0]}).json()
        assert bob_seen["meta"]["total_results"] == 0, "bob must not see alice's sessions"
        print(f"alice sees {len(alice_sessions):,} sessions through the private portal; bob none of them", flush=True)

        rng = random.Random(args.seed + 1)
        n_calls = args.requests + args.warmup
        windows = []
        for _ in range(n_calls):
            lo = START + timedelta(days=rng.randrange(SPAN_DAYS - WINDOW_DAYS))
            windows.append((lo, lo + timedelta(days=WINDOW_DAYS)))
        list_calls = [
            {
                "filters": {"date_time.gte": lo.isoformat(), "date_time.lt": hi.isoformat()},
                "sort": ["-date_time"],
                "limit": PAGE,
            }
            for lo, hi in windows
        ]
        detail_ids = rng.sample(alice_sessions, n_calls)
        detail_calls = [{"id": i} for i in detail_ids]

        # one check: all three agree on the first window's count
        first = clients["alice"].load("session", **list_calls[0]).json()
        con = sqlite3.connect(f"file:{data_dir / 'braindock.sqlite'}?mode=ro", uri=True)
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        floor_total = floor_list(con, alice_id, windows[0][0].strftime(fmt), windows[0][1].strftime(fmt))
        assert first["meta"]["total_results"] == floor_total, (first["meta"], floor_total)
        old_total = floor_list(con, alice_id, *(w.strftime(fmt) for w in windows[0]), old_in=True)
        assert old_total == floor_total, (old_total, floor_total)
        sample_total = floor_total

        results: dict[str, dict[str, dict[str, float]]] = {}
        print(f"(a) official {OFFICIAL_DISTRIBUTION} {OFFICIAL_VERSION}: {n_calls} + {n_calls} calls", flush=True)
        spec = {"url": server.url, "token": tokens["alice"], "list": list_calls, "detail": detail_calls}
        spec["warmup"] = args.warmup
        done = subprocess.run(
            [str(python), "-c", OFFICIAL_SCRIPT, json.dumps(spec)], capture_output=True, text=True, timeout=1800
        )
        if done.returncode != 0:
            raise RuntimeError(f"official client failed:\n{done.stderr}")
        official = json.loads(done.stdout.strip().splitlines()[-1])
        results["a"] = {kind: stats(official[kind]) for kind in ("list", "detail")}

        print("(b) braindock SDK", flush=True)
        sdk = clients["alice"]

        def sdk_call(call: dict[str, Any]) -> None:
            response = sdk.load("session", **call)
            response.json()
            assert response.status_code == 200, response.text

        results["b"] = {
            "list": stats(timed(list_calls, sdk_call, args.warmup)),
            "detail": stats(timed(detail_calls, sdk_call, args.warmup)),
        }

        print("(c) floor: the same SQL with sqlite3, read-only", flush=True)
        results["c"] = {
            "list": stats(
                timed(windows, lambda w: floor_list(con, alice_id, w[0].strftime(fmt), w[1].strftime(fmt)), args.warmup)
            ),
            "detail": stats(timed(detail_ids, lambda i: floor_detail(con, alice_id, i), args.warmup)),
        }
        print("(c') the list's SQL with the former IN form of the visibility", flush=True)
        results["c'"] = {
            "list": stats(
                timed(
                    windows,
                    lambda w: floor_list(con, alice_id, w[0].strftime(fmt), w[1].strftime(fmt), old_in=True),
                    args.warmup,
                )
            )
        }
        con.close()
    finally:
        server.stop()

    labels = {
        "a": f"official {OFFICIAL_DISTRIBUTION} {OFFICIAL_VERSION} (`load`)",
        "b": "braindock SDK `BrainstemClient.load`",
        "c": "floor: same SQL, sqlite3 read-only, in-process",
        "c'": "as (c), visibility as `id IN (SELECT ...)`, the server's form before the fix",
    }
    rows = [
        "| | client | request | p50 (ms) | p95 (ms) | mean (ms) | requests/s | × floor p50 |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for key in ("a", "b", "c", "c'"):
        for kind, what in (("list", "filtered sorted list page"), ("detail", "detail GET")):
            if kind not in results[key]:
                continue
            s = results[key][kind]
            ratio = s["p50"] / results["c"][kind]["p50"]
            rows.append(
                f"| ({key}) | {labels[key]} | {what} | {s['p50']:.1f} | {s['p95']:.1f} | {s['mean']:.1f} "
                f"| {s['rps']:.0f} | {ratio:.1f} |"
            )
    worst = max(results[key]["list"]["p95"] for key in ("a", "b"))
    met = "met" if worst < TARGET_P95_MS else "**not met**"
    today = datetime.now().strftime("%Y-%m-%d")
    lines = [
        SECTION,
        "",
        f"`python benchmarks/brainstem.py --sessions {args.sessions} --projects {args.projects} "
        f"--requests {args.requests}` ({today}). {args.sessions:,} sessions over {args.projects} projects and 2 "
        f"accounts (projects created through the API, sessions bulk-inserted into SQLite); the benchmark account "
        f"sees {len(alice_sessions):,} of them through the private portal (checked through the API; the other "
        "account sees none of them). Server and client on the same machine, one client, sequential requests, "
        f"{args.warmup} warm-up calls dropped, {args.requests} timed calls per row.",
        "",
        f"- list: `GET /api/private/stem/session/?filter{{date_time.gte}}=..&filter{{date_time.lt}}=.."
        f"&sort[]=-date_time&limit={PAGE}`, a {WINDOW_DAYS}-day window of a {SPAN_DAYS}-day span "
        f"(≈10 % of the account's sessions, e.g. {sample_total:,} for the first window) moving between calls; "
        "the answer holds the count and the first page.",
        "- detail: `GET /api/private/stem/session/<id>/`, a different session of the account each call.",
        "- floor: the visibility subquery through `bs_grant`, the filter, `count(*)`, the page and its project "
        "links, run by `sqlite3` on `braindock.sqlite` opened read-only (no HTTP, no JSON).",
        "",
        *rows,
        "",
        f"- Target (issue 3): filtered list p95 < {TARGET_P95_MS:.0f} ms through the clients: worst "
        f"{worst:.1f} ms, {met}.",
        "- Where the time goes: almost all of a list request is SQL, the `count(*)` of the matching rows and the "
        "page `SELECT`. A session's private visibility (`permissions._linked_to`) is a correlated `EXISTS` on the "
        "session -> project link, so SQLite walks the `date_time` index. The first version compiled it as "
        "`id IN (SELECT source_id ...)`, which made SQLite materialise all 50,000 visible ids first: row (c') "
        "shows that form's cost on the same data (it gave a list p95 of ≈620 ms through the official client).",
        "- Client and server share the machine's 2 CPUs with other processes; figures move between runs.",
        f"- Setup: {args.projects} projects through the API in {projects_seconds:.1f} s, {args.sessions:,} sessions "
        f"inserted in {seed_seconds:.1f} s; whole run {time.perf_counter() - started:.0f} s.",
        *machine_info(official),
        f"- load average when the run started: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1 / 5 / 15 min).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000, help="sessions to insert")
    parser.add_argument("--projects", type=int, default=100, help="projects (half per account)")
    parser.add_argument("--requests", type=int, default=300, help="timed calls per client and request")
    parser.add_argument("--warmup", type=int, default=10, help="untimed calls first")
    parser.add_argument("--seed", type=int, default=20240101, help="random seed")
    parser.add_argument("--write-results", action="store_true", help="write the table into benchmarks/RESULTS.md")
    parser.add_argument("--keep", type=Path, default=None, help="use this work directory and keep it afterwards")
    args = parser.parse_args(argv)
    if args.projects < 2 or args.sessions < args.projects or args.requests < 20:
        parser.error("need --projects >= 2, --sessions >= --projects, --requests >= 20")
    if args.keep is not None:
        if args.keep.exists():
            shutil.rmtree(args.keep)
        args.keep.mkdir(parents=True)
        report = run(args, args.keep.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="braindock-bench-") as work:
            report = run(args, Path(work))
    print()
    print(report)
    if args.write_results:
        write_results(SECTION, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
