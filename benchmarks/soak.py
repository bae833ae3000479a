"""NeuroSpeed soak test (issue 5 item 6): the streaming load of ``streaming.py`` for minutes, server memory over time.

One command, self-contained::

    python benchmarks/soak.py [--minutes 10] [--hias 100] [--interval 30] [--cpu-burners N] [--record] [--write-results]

It starts ``braindock serve`` on a fresh data directory, creates ``--hias`` users and streams with one HIA and
one room listener per user exactly like ``streaming.py`` (EEG, 8 channels, 256 Hz, 4 packets/s of 64 rows;
python-socketio clients in two processes separate from the server) for ``--minutes``. Every ``--interval``
seconds it samples the server's resident memory (``VmRSS`` of ``/proc/<pid>/status``) and CPU time
(``/proc/<pid>/stat``). At the end it prints one row per interval: RSS, CPU, packets sent and received in that
interval (by the packet's last-row timestamp), lost = sent − received, and the latency percentiles, plus the
RSS growth from the first to the last sample. With ``--write-results`` the table goes to
``benchmarks/RESULTS.md`` under ``## soak (issue 5)`` (``## soak under CPU contention (issue 5)`` with burners).

Two options reproduce the conditions that once made listeners fall behind (RESULTS.md, soak run 2):

* ``--cpu-burners N`` runs N processes that spin on the CPU for the whole streaming time, so the server and the
  clients compete for the machine's cores;
* ``--record`` starts one recorder per user before streaming and, at the end, stops them and counts the packets
  on disk (``recordings/<id>/packets.jsonl``) against the packets sent: live delivery may shed load
  (``data_dropped``, column "told dropped"), recordings must not.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from common import run_and_report
from streaming import (
    create_users,
    machine_info,
    new_customer,
    proc_cpu_seconds,
    proc_rss_mib,
    run_load,
    start_server,
    window,
)

SECTION = "## soak (issue 5)"
CONTENTION_SECTION = "## soak under CPU contention (issue 5)"


def burn(stop: float) -> None:
    """Spin on one CPU until epoch second ``stop`` (a ``--cpu-burners`` process)."""
    spins = 0
    while time.time() < stop:
        spins += 1


def start_recorders(customer: Any, users: list[Any]) -> list[int]:
    """One unlimited recorder per user, recording from now on; returns their ids."""
    ids = []
    with customer.http() as api:
        for user in users:
            body = {"username": user.username, "recorder_name": f"soak-{user.username}", "unlimited": "true"}
            response = api.post("/gateway/recorder", json=body)
            response.raise_for_status()
            ids.append(response.json()["id"])
    return ids


def stop_and_count(customer: Any, data_dir: Path, ids: list[int]) -> int:
    """Stop the recorders ``ids`` and return the number of packets their files hold."""
    total = 0
    with customer.http() as api:
        for recorder_id in ids:
            api.put("/gateway/recorder", params={"id": str(recorder_id)}, data={"status": "stopped"}).raise_for_status()
            path = data_dir / "recordings" / str(recorder_id) / "packets.jsonl"
            with open(path, "rb") as packets:
                total += sum(1 for _ in packets)
    return total


def run(args: argparse.Namespace, work: Path) -> str:
    """Set up, stream for ``--minutes``, and return the markdown report."""
    load_average = os.getloadavg()
    server = start_server(work)
    samples: list[dict[str, float]] = []
    try:
        customer = new_customer(server.data_dir, server.url)
        users = create_users(customer, args.hias)
        recorder_ids = start_recorders(customer, users) if args.record else []
        pid = server.process.pid
        burners: list[Any] = []

        def sample(start: float, stop: float) -> None:
            context = mp.get_context("spawn")
            for _ in range(args.cpu_burners):
                burners.append(context.Process(target=burn, args=(stop,), daemon=True))
                burners[-1].start()
            time.sleep(max(0.0, start - time.time()))
            samples.append({"t": time.time(), "rss": proc_rss_mib(pid), "cpu": proc_cpu_seconds(pid)})
            next_at = start + args.interval
            while next_at <= stop + 0.5:
                time.sleep(max(0.0, next_at - time.time()))
                samples.append({"t": time.time(), "rss": proc_rss_mib(pid), "cpu": proc_cpu_seconds(pid)})
                print(f"{samples[-1]['t'] - start:6.0f} s  server RSS {samples[-1]['rss']:.1f} MiB", flush=True)
                next_at += args.interval

        load, start, stop = run_load(server.url, users, args.minutes * 60, args.client_processes, while_running=sample)
        for burner in burners:
            burner.join(timeout=10)
        alive = server.process.poll() is None
        recorded = stop_and_count(customer, server.data_dir, recorder_ids) if alive and recorder_ids else None
    finally:
        server.stop()
    rows: list[dict[str, Any]] = []
    for before, after in zip(samples, samples[1:], strict=False):
        stats = window(load, math.ceil(before["t"]), math.ceil(after["t"]))
        rows.append(
            {
                "minute": (after["t"] - start) / 60,
                "rss": after["rss"],
                "cpu": 100 * (after["cpu"] - before["cpu"]) / (after["t"] - before["t"]),
                **stats,
            }
        )
    total = window(load, math.ceil(start), math.floor(stop))
    console = Console()
    table = Table(title=f"NeuroSpeed soak, {args.hias} HIAs")
    columns = ("minute", "RSS MiB", "CPU %", "sent", "received", "lost", "told dropped", "p50 ms", "p99 ms")
    for column in (*columns, "uplink p50 ms", "uplink p99 ms"):
        table.add_column(column, justify="right")
    lines = [
        "| minute | server RSS (MiB) | server CPU (% of one core) | sent | received | lost | told dropped "
        "| p50 (ms) | p99 (ms) | uplink p50 (ms) | uplink p99 (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        cells = [
            f"{row['minute']:.1f}",
            f"{row['rss']:.1f}",
            f"{row['cpu']:.0f}",
            f"{row['sent']:,}",
            f"{row['received']:,}",
            f"{row['lost']}",
            f"{row['shed']}",
            f"{row['p50']:.1f}",
            f"{row['p99']:.1f}",
            f"{row['up_p50']:.1f}",
            f"{row['up_p99']:.1f}",
        ]
        table.add_row(*cells)
        lines.append("| " + " | ".join(cells) + " |")
    console.print(table)
    first, last = samples[0]["rss"], samples[-1]["rss"]
    half = samples[len(samples) // 2]["rss"]
    today = datetime.now().strftime("%Y-%m-%d")
    options = (" --record" if args.record else "") + (f" --cpu-burners {args.cpu_burners}" if args.cpu_burners else "")
    contention = (
        f" {args.cpu_burners} extra processes spin on the CPU for the whole run (`--cpu-burners`)."
        if args.cpu_burners
        else ""
    )
    shed = total["shed"]
    all_sent = sum(load.sent.values())
    silent = total["lost"] - shed
    out = [
        CONTENTION_SECTION if args.cpu_burners else SECTION,
        "",
        f"`python benchmarks/soak.py --minutes {args.minutes:g} --hias {args.hias} --interval {args.interval:g}"
        f"{options}` ({today}).{contention} The load of `streaming.py` ({args.hias} HIAs, EEG 8 ch × 256 Hz, "
        "4 packets/s of 64 rows, one room listener per user; clients in "
        f"{args.client_processes} processes separate from the server) for "
        f"{args.minutes:g} minutes; the server's RSS and CPU time sampled from `/proc` every {args.interval:g} s. "
        "Counts per interval are by the packet's last-row timestamp (its send time). Latency is listener receive "
        "time − send time; *uplink* is the part up to the server's `server_timestamp` (HIA client queue, network, "
        "server input), the rest is the server's output and the listener.",
        "",
        f"- RSS: {first:.1f} MiB at the start, {half:.1f} MiB half-way, {last:.1f} MiB at the end "
        f"(growth {last - first:+.1f} MiB over the run, {last - half:+.1f} MiB over the second half).",
        f"- Whole run: {total['sent']:,} packets sent, {total['received']:,} received, **{total['lost']} lost**; "
        f"latency p50 {total['p50']:.1f} ms, p99 {total['p99']:.1f} ms, max {total['max']:.1f} ms; "
        f"client disconnects {load.disconnects}, reconnects {load.reconnects}; packets still queued in the HIA "
        f"clients when streaming stopped {load.client_backlog:,}; server "
        f"{'still running' if alive else '**exited**'} at the end.",
        f"- Live delivery: the server skipped {shed:,} `data` events for listeners that were behind and told them "
        f"so (`data_dropped`); {silent:,} of the lost packets were not accounted for by such a notice "
        "(a notice arrives only once the listener catches up; packets lost while a listener was disconnected are "
        "never announced).",
        *(
            [
                f"- Recordings: {recorded:,} packets on disk for {all_sent:,} sent over the whole run "
                f"(**{all_sent - recorded:,} missing**)."
            ]
            if recorded is not None
            else []
        ),
        "",
        *lines,
        "",
        "- Server and clients share the machine's 2 CPUs with other processes; figures move between runs.",
        *machine_info(),
        f"- load average when the run started: {load_average[0]:.2f} / {load_average[1]:.2f} / "
        f"{load_average[2]:.2f} (1 / 5 / 15 min).",
        "",
    ]
    if load.errors:
        out.insert(-4, f"- client errors (first 3): {load.errors[:3]}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10, help="how long to stream")
    parser.add_argument("--hias", type=int, default=100, help="simulated HIAs (one user and one listener each)")
    parser.add_argument("--interval", type=float, default=30, help="seconds between memory samples / table rows")
    parser.add_argument("--cpu-burners", type=int, default=0, help="extra processes spinning on the CPU meanwhile")
    parser.add_argument("--record", action="store_true", help="record every user's packets and count them at the end")
    parser.add_argument("--client-processes", type=int, default=2, help="client processes (1, 2 or an even number)")
    parser.add_argument("--write-results", action="store_true", help="write the report into benchmarks/RESULTS.md")
    parser.add_argument("--keep", type=Path, default=None, help="use this work directory and keep it afterwards")
    args = parser.parse_args(argv)
    return run_and_report(args, run, CONTENTION_SECTION if args.cpu_burners else SECTION, "braindock-soak-")


if __name__ == "__main__":
    sys.exit(main())
