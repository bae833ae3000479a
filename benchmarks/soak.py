"""NeuroSpeed soak test (issue 5 item 6): the streaming load of ``streaming.py`` for minutes, server memory over time.

One command, self-contained::

    python benchmarks/soak.py [--minutes 10] [--hias 100] [--interval 30] [--write-results]

It starts ``braindock serve`` on a fresh data directory, creates ``--hias`` users and streams with one HIA and
one room listener per user exactly like ``streaming.py`` (EEG, 8 channels, 256 Hz, 4 packets/s of 64 rows;
python-socketio clients in two processes separate from the server) for ``--minutes``. Every ``--interval``
seconds it samples the server's resident memory (``VmRSS`` of ``/proc/<pid>/status``) and CPU time
(``/proc/<pid>/stat``). At the end it prints one row per interval: RSS, CPU, packets sent and received in that
interval (by the packet's last-row timestamp), lost = sent − received, and the latency percentiles, plus the
RSS growth from the first to the last sample. With ``--write-results`` the table goes to
``benchmarks/RESULTS.md`` under ``## soak (issue 5)``.
"""

from __future__ import annotations

import argparse
import math
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


def run(args: argparse.Namespace, work: Path) -> str:
    """Set up, stream for ``--minutes``, and return the markdown report."""
    load_average = os.getloadavg()
    server = start_server(work)
    samples: list[dict[str, float]] = []
    try:
        customer = new_customer(server.data_dir, server.url)
        users = create_users(customer, args.hias)
        pid = server.process.pid

        def sample(start: float, stop: float) -> None:
            time.sleep(max(0.0, start - time.time()))
            samples.append({"t": time.time(), "rss": proc_rss_mib(pid), "cpu": proc_cpu_seconds(pid)})
            next_at = start + args.interval
            while next_at <= stop + 0.5:
                time.sleep(max(0.0, next_at - time.time()))
                samples.append({"t": time.time(), "rss": proc_rss_mib(pid), "cpu": proc_cpu_seconds(pid)})
                print(f"{samples[-1]['t'] - start:6.0f} s  server RSS {samples[-1]['rss']:.1f} MiB", flush=True)
                next_at += args.interval

        load, start, stop = run_load(server.url, users, args.minutes * 60, args.client_processes, while_running=sample)
        alive = server.process.poll() is None
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
    for column in ("minute", "RSS MiB", "CPU %", "sent", "received", "lost", "p50 ms", "p99 ms"):
        table.add_column(column, justify="right")
    lines = [
        "| minute | server RSS (MiB) | server CPU (% of one core) | sent | received | lost | p50 (ms) | p99 (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        cells = [
            f"{row['minute']:.1f}",
            f"{row['rss']:.1f}",
            f"{row['cpu']:.0f}",
            f"{row['sent']:,}",
            f"{row['received']:,}",
            f"{row['lost']}",
            f"{row['p50']:.1f}",
            f"{row['p99']:.1f}",
        ]
        table.add_row(*cells)
        lines.append("| " + " | ".join(cells) + " |")
    console.print(table)
    first, last = samples[0]["rss"], samples[-1]["rss"]
    half = samples[len(samples) // 2]["rss"]
    today = datetime.now().strftime("%Y-%m-%d")
    out = [
        SECTION,
        "",
        f"`python benchmarks/soak.py --minutes {args.minutes:g} --hias {args.hias} --interval {args.interval:g}` "
        f"({today}). The load of `streaming.py` ({args.hias} HIAs, EEG 8 ch × 256 Hz, 4 packets/s of 64 rows, one "
        f"room listener per user; clients in {args.client_processes} processes separate from the server) for "
        f"{args.minutes:g} minutes; the server's RSS and CPU time sampled from `/proc` every {args.interval:g} s. "
        "Counts per interval are by the packet's last-row timestamp (its send time).",
        "",
        f"- RSS: {first:.1f} MiB at the start, {half:.1f} MiB half-way, {last:.1f} MiB at the end "
        f"(growth {last - first:+.1f} MiB over the run, {last - half:+.1f} MiB over the second half).",
        f"- Whole run: {total['sent']:,} packets sent, {total['received']:,} received, **{total['lost']} lost**; "
        f"latency p50 {total['p50']:.1f} ms, p99 {total['p99']:.1f} ms, max {total['max']:.1f} ms; "
        f"client disconnects {load.disconnects}, reconnects {load.reconnects}; server "
        f"{'still running' if alive else '**exited**'} at the end.",
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
    parser.add_argument("--client-processes", type=int, default=2, help="client processes (1, 2 or an even number)")
    parser.add_argument("--write-results", action="store_true", help="write the report into benchmarks/RESULTS.md")
    parser.add_argument("--keep", type=Path, default=None, help="use this work directory and keep it afterwards")
    return run_and_report(parser.parse_args(argv), run, SECTION, "braindock-soak-")


if __name__ == "__main__":
    sys.exit(main())
