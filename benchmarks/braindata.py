"""braindata benchmark (issue 2): how fast does ``get_data`` reach a pandas DataFrame?

One command, self-contained::

    python benchmarks/braindata.py [--rows 1000000] [--vars 50] [--repeat 3] [--write-results]

It generates a memory base (a DATETIME order column, NUMERIC floats and ints, DISCRETE text and
int columns) as Parquet, imports it with ``braindock memory-base import`` into a temporary data
directory, starts ``braindock serve`` on a free 127.0.0.1 port and times ``get_data`` of 10
variables with a BETWEEN (float) AND EQUALS (DISCRETE) filter into a DataFrame with:

(a) the official ``braincube-connector==2.8.0`` in its own virtualenv
    (``.compat-venvs/braincube-connector-2.8.0``, created on first use), JSON wire format;
(b) the braindock SDK, ``wire_format="json"``;
(c) the braindock SDK, ``wire_format="arrow"``;
(d) the in-process floor: DuckDB reading the memory base's sample file directly (read-only; Arrow
    result → ``Table.to_pandas``, faster than DuckDB's ``.df()`` here) and producing the very same
    DataFrame values (DATETIME as ``YYYYMMDD_HHMMSS`` text, missing DISCRETE as
    ``"null"``, like every client returns them); (d') is the same query with native types.

All results are checked to be identical (row count and every value) before anything is printed.
While (a) runs, the server's resident memory is sampled every 50 ms: the JSON answer is streamed,
so the peak increase must stay far below the size of the JSON body, which is reported as well.

With ``--write-results`` the table goes to ``benchmarks/RESULTS.md`` under
``## braindata (issue 2)`` (other sections are kept).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from braindock.server_process import ServerProcess
from common import cli, official_python, run_and_report

OFFICIAL_VERSION = "2.8.0"
SECTION = "## braindata (issue 2)"
EMAIL = "bench@braindock.local"
CUBE = "bench-plant"
BASE_NAME = "Benchmark line"
ARROW_STREAM = "application/vnd.apache.arrow.stream"

#: Filter of the timed query: BETWEEN on ``x01`` ~ N(50, 10) keeps ~45 % of the rows, EQUALS on
#: ``grade`` (A 45 %, B 30 %, C 15 %, D 10 %) keeps 75 %: about a third of the rows overall.
BETWEEN = ("x01", 44.0, 56.0)
EQUALS = ("grade", ["A", "B"])
#: The 10 variables read: 1 DATETIME, 2 DISCRETE, 2 NUMERIC ints, 5 NUMERIC floats (one with NaN).
WANTED = ["timestamp", "grade", "line", "count01", "count02", "x01", "x02", "x03", "x04", "x05"]

#: Script run by the official client's interpreter. It times only the ``get_data`` call.
OFFICIAL_SCRIPT = """
import json, sys, time
from importlib import metadata
from braincube_connector import braincube, client

args = json.loads(sys.argv[1])
client.get_instance(config_dict=args["config"])
mb = braincube.get_braincube(args["braincube"]).get_memory_base(args["mb"])
times = []
frame = None
for run in range(args["repeat"]):
    frame = None
    start = time.perf_counter()
    frame = mb.get_data(args["ids"], filters=args["filters"], dataframe=True)
    times.append(time.perf_counter() - start)
    print(f"  (a) run {run + 1}: {times[-1]:.2f} s", file=sys.stderr, flush=True)
with open(args["dump"], "w") as handle:
    json.dump([frame[column].tolist() for column in frame.columns], handle)
versions = {name: metadata.version(name) for name in ("braincube-connector", "requests", "pandas", "numpy")}
print(json.dumps({"times": times, "rows": len(frame), "columns": [str(c) for c in frame.columns],
                  "dtypes": [str(t) for t in frame.dtypes], "versions": versions,
                  "python": sys.version.split()[0]}))
"""


# --------------------------------------------------------------------------------------------
# Data generation and set-up
# --------------------------------------------------------------------------------------------


def column_plan(n_vars: int) -> dict[str, list[str]]:
    """Names of the generated columns by kind: 1 DATETIME, 3 DISCRETE, ~n/12 ints, the rest floats."""
    if n_vars < 12:
        raise SystemExit("--vars must be at least 12")
    n_int = max(2, n_vars // 12)
    n_float = n_vars - 1 - 3 - n_int
    return {
        "datetime": ["timestamp"],
        "discrete": ["grade", "line", "shift"],
        "int": [f"count{i:02d}" for i in range(1, n_int + 1)],
        "float": [f"x{i:02d}" for i in range(1, n_float + 1)],
    }


def generate(path: Path, rows: int, n_vars: int, seed: int) -> dict[str, list[str]]:
    """Write a ``rows`` × ``n_vars`` Parquet file of plausible process data (vectorised).

    Floats are rounded to 3 decimals like historian data; ``x02`` has 1 % missing values and
    ``line`` 0.5 % missing values.
    """
    plan = column_plan(n_vars)
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T00:00:00", "ms")
    columns: dict[str, pa.Array] = {
        "timestamp": pa.array(start + np.arange(rows, dtype=np.int64) * np.timedelta64(1000, "ms")),
    }
    grade_codes = rng.choice(4, size=rows, p=[0.45, 0.30, 0.15, 0.10]).astype(np.int8)
    columns["grade"] = pa.DictionaryArray.from_arrays(grade_codes, pa.array(["A", "B", "C", "D"]))
    line_codes = rng.integers(0, 3, rows).astype(np.int8)
    line_mask = rng.random(rows) < 0.005
    columns["line"] = pa.DictionaryArray.from_arrays(pa.array(line_codes, mask=line_mask), pa.array(["L1", "L2", "L3"]))
    columns["shift"] = pa.array(rng.integers(1, 4, rows, dtype=np.int64))
    for i, name in enumerate(plan["int"]):
        columns[name] = pa.array(rng.integers(0, 10_000 * (i + 1), rows, dtype=np.int64))
    for i, name in enumerate(plan["float"]):
        if i == 0:
            values = rng.normal(50.0, 10.0, rows)
        else:
            values = rng.normal(10.0 * (1 + i % 7), 1.0 + i % 5, rows) + np.sin(np.arange(rows) / (500.0 + i)) * 3
        values = np.round(values, 3)
        if name == "x02":
            values[rng.random(rows) < 0.01] = np.nan
        columns[name] = pa.array(values, from_pandas=True)
    pq.write_table(pa.table(columns), path, compression="zstd", row_group_size=256 * 1024)
    return plan


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


def proc_status(pid: int) -> dict[str, int]:
    """``VmRSS``/``VmHWM`` (bytes) of a process from ``/proc/<pid>/status``."""
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
    return values


class RssSampler:
    """Samples a process's ``VmRSS`` every ``interval`` seconds in a thread; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.baseline = proc_status(pid)["VmRSS"]
        self.peak = self.baseline
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                rss = proc_status(self.pid)["VmRSS"]
            except (FileNotFoundError, ProcessLookupError):
                return
            self.peak = max(self.peak, rss)
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Result:
    """Timings of one way of getting the data, and the last DataFrame it produced."""

    key: str
    label: str
    times: list[float]
    frame: pd.DataFrame
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def time_calls(key: str, label: str, repeat: int, call: Callable[[], pd.DataFrame]) -> Result:
    """Run ``call`` ``repeat`` times; time each run with ``perf_counter``; keep the last frame."""
    times: list[float] = []
    frame = None
    for run in range(repeat):
        frame = None
        gc.collect()
        start = time.perf_counter()
        frame = call()
        times.append(time.perf_counter() - start)
        print(f"  ({key}) run {run + 1}: {times[-1]:.3f} s", flush=True)
    assert frame is not None
    return Result(key, label, times, frame)


def same_values(reference: pd.DataFrame, other: pd.DataFrame, what: str) -> None:
    """Assert ``other`` holds exactly the values of ``reference``, column by column (by position)."""
    assert other.shape == reference.shape, f"{what}: shape {other.shape} != {reference.shape}"
    for position in range(reference.shape[1]):
        left, right = reference.iloc[:, position], other.iloc[:, position]
        where = f"{what}, column {position} ({reference.columns[position]})"
        if pd.api.types.is_numeric_dtype(left.dtype):
            assert pd.api.types.is_numeric_dtype(right.dtype), f"{where}: dtype {right.dtype} is not numeric"
            assert left.dtype.kind == right.dtype.kind, f"{where}: dtype {right.dtype} != {left.dtype}"
            a, b = left.to_numpy(dtype=np.float64), right.to_numpy(dtype=np.float64)
            assert np.array_equal(a, b, equal_nan=True), f"{where}: values differ"
        else:
            assert left.tolist() == right.tolist(), f"{where}: values differ"


def stream_size(url: str, headers: dict[str, str], body: dict[str, Any]) -> int:
    """POST ``body`` and count the bytes of the (streamed) answer."""
    size = 0
    with httpx.stream("POST", url, headers=headers, content=json.dumps(body), timeout=600) as response:
        response.raise_for_status()
        for chunk in response.iter_raw():
            size += len(chunk)
    return size


def mib(value: float) -> str:
    return f"{value / 2**20:,.1f} MiB"


def machine_info(official_versions: dict[str, str], official_python_version: str) -> list[str]:
    """Lines describing the machine and the software versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as handle:
            memory = int(handle.readline().split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        memory = 0
    ours = {name: metadata.version(name) for name in ("braindock", "duckdb", "pyarrow", "pandas", "numpy", "httpx")}
    official = ", ".join(f"{k} {v}" for k, v in official_versions.items())
    return [
        f"- machine: {os.cpu_count()} CPUs (`nproc` {len(os.sched_getaffinity(0))}), {cpu}, {mib(memory)} RAM, "
        f"{platform.system()} {platform.release()}",
        f"- braindock side: Python {platform.python_version()}, " + ", ".join(f"{k} {v}" for k, v in ours.items()),
        f"- official client side: Python {official_python_version}, {official}",
    ]


# --------------------------------------------------------------------------------------------
# The benchmark
# --------------------------------------------------------------------------------------------


def run(args: argparse.Namespace, work: Path) -> str:
    """Set up, measure, check and return the markdown report."""
    from braindock.clients.braincube import client as bd_client
    from braindock.clients.braincube import parameters

    data_dir = work / "data"
    parquet = work / "benchmark.parquet"
    started = time.perf_counter()
    load = os.getloadavg()
    print(f"generating {args.rows:,} rows x {args.vars} variables -> {parquet}", flush=True)
    plan = generate(parquet, args.rows, args.vars, args.seed)
    print(f"  {mib(parquet.stat().st_size)} in {time.perf_counter() - started:.1f} s", flush=True)

    python = official_python("braincube-connector", OFFICIAL_VERSION)

    step = time.perf_counter()
    cli(data_dir, "account", "create", EMAIL, "--password", "benchmark-password")
    token = cli(data_dir, "token", "create", EMAIL)
    cli(data_dir, "braincube", "create", CUBE, "--owner", EMAIL)
    discrete = [option for name in plan["discrete"] for option in ("--discrete", name)]
    imported = cli(
        data_dir, "memory-base", "import", CUBE, str(parquet), "--name", BASE_NAME, "--order", "timestamp", *discrete
    )
    mb = int(imported)
    print(f"imported memory base {mb} in {time.perf_counter() - step:.1f} s", flush=True)

    server = ServerProcess.start(data_dir, log_path=work / "server.log", log_level="warning")
    try:
        config = {"api_key": token, "sso_base_url": server.url, "braincube_base_url": server.url}
        parameters.set_parameter({"progress": False})
        sdk = bd_client.Client(config_dict=config, timeout=600)
        base = sdk.get_braincube(CUBE).get_memory_base(mb)
        variables = {v.get_name(): int(v.get_bcid()) for v in base.get_variable_list()}
        types = {v.get_name(): v.get_type() for v in base.get_variable_list()}
        ids = [variables[name] for name in WANTED]
        long = {name: f"mb{mb}/d{variables[name]}" for name in variables}
        filters = [
            {"BETWEEN": [long[BETWEEN[0]], BETWEEN[1], BETWEEN[2]]},
            {"EQUALS": [long[EQUALS[0]], EQUALS[1]]},
        ]
        order = base.get_order_variable_long_id()

        # Warm-up (DuckDB file in the page cache, connection opened) and body sizes.
        lf_url = f"{server.url}/braincube/{CUBE}/braindata/mb{mb}/LF"
        body = {
            "order": order,
            "definitions": [long[name] for name in WANTED],
            "context": {"dataSource": f"mb{mb}", "filter": {"AND": filters}},
        }
        headers = {"X-api-key": token, "Content-Type": "application/json", "Accept": "application/json"}
        arrow_headers = {**headers, "Accept": ARROW_STREAM}
        json_bytes = stream_size(lf_url, headers, body)
        arrow_bytes = stream_size(lf_url, arrow_headers, body)
        print(f"answer size: JSON {mib(json_bytes)}, Arrow {mib(arrow_bytes)}", flush=True)
        # Download only (server work + transfer, no decoding), to split client and server time.
        download: dict[str, float] = {}
        for kind, kind_headers in (("JSON", headers), ("Arrow", arrow_headers)):
            start = time.perf_counter()
            stream_size(lf_url, kind_headers, body)
            download[kind] = time.perf_counter() - start

        # (a) official client, with the server's memory sampled meanwhile.
        dump = work / "official.json"
        payload = {"config": config, "braincube": CUBE, "mb": mb, "ids": ids, "filters": filters}
        payload |= {"repeat": args.repeat, "dump": str(dump)}
        script = work / "official_get_data.py"
        script.write_text(OFFICIAL_SCRIPT)
        hwm_before = proc_status(server.process.pid)["VmHWM"]
        with RssSampler(server.process.pid) as sampler:
            completed = subprocess.run(
                [str(python), str(script), json.dumps(payload)],
                capture_output=True,
                text=True,
                timeout=1800,
                cwd=work,
            )
        sys.stdout.write(completed.stderr)
        if completed.returncode != 0:
            raise RuntimeError(f"the official client failed ({completed.returncode}):\n{completed.stderr}")
        official = json.loads(completed.stdout.strip().splitlines()[-1])
        hwm_after = proc_status(server.process.pid)["VmHWM"]
        official_frame = pd.DataFrame({i: values for i, values in enumerate(json.loads(dump.read_text()))})
        dump.unlink()
        label = f"official braincube-connector {OFFICIAL_VERSION} (JSON)"
        results = [Result("a", label, official["times"], official_frame)]
        rss_peak = sampler.peak - sampler.baseline

        # (b), (c) braindock SDK.
        def sdk_get() -> pd.DataFrame:
            return base.get_data(ids, filters=filters, dataframe=True)

        parameters.set_parameter({"wire_format": "json"})
        results.append(time_calls("b", "braindock SDK, wire_format=json", args.repeat, sdk_get))
        parameters.set_parameter({"wire_format": "arrow"})
        results.append(time_calls("c", "braindock SDK, wire_format=arrow", args.repeat, sdk_get))
        parameters.set_parameter({"wire_format": "auto"})
        sdk.close()

        # (d) in-process floor: DuckDB on the sample file.
        import duckdb

        with sqlite3.connect(data_dir / "braindock.sqlite") as meta:
            sample_file = meta.execute("SELECT sample_file FROM memory_bases WHERE id = ?", (mb,)).fetchone()[0]
        connection = duckdb.connect(str(data_dir / "memory-bases" / sample_file), read_only=True)

        def cell(name: str, native: bool) -> str:
            column = f'"d{variables[name]}"'
            if native:
                return f"{column} AS {column}"
            if types[name] == "DATETIME":
                return f"coalesce(strftime({column}, '%Y%m%d_%H%M%S'), 'null') AS {column}"
            if types[name] == "DISCRETE":
                return f"coalesce(CAST({column} AS VARCHAR), 'null') AS {column}"
            return f"{column} AS {column}"

        def floor_sql(native: bool) -> str:
            select = ", ".join(cell(name, native) for name in WANTED)
            where = (
                f'"d{variables[BETWEEN[0]]}" BETWEEN ? AND ? '
                f'AND "d{variables[EQUALS[0]]}" IN ({", ".join("?" for _ in EQUALS[1])})'
            )
            order_by = f'"d{variables["timestamp"]}" ASC NULLS LAST, "_row"'
            return f"SELECT {select} FROM samples WHERE {where} ORDER BY {order_by}"

        params = [BETWEEN[1], BETWEEN[2], *EQUALS[1]]
        same_sql, native_sql = floor_sql(False), floor_sql(True)
        results.append(
            time_calls(
                "d",
                "DuckDB in-process floor, same values",
                args.repeat,
                lambda: connection.sql(same_sql, params=params).to_arrow_table().to_pandas(),
            )
        )
        native = time_calls(
            "d'",
            "DuckDB in-process, native types",
            args.repeat,
            lambda: connection.sql(native_sql, params=params).to_arrow_table().to_pandas(),
        )
        connection.close()
    finally:
        server.stop()

    # Every way must return the same rows and values.
    floor = results[3]
    rows = len(floor.frame)
    assert rows > 0, "the filter selected nothing"
    assert len(native.frame) == rows, f"(d') returned {len(native.frame)} rows, (d) {rows}"
    for result in results:
        assert len(result.frame) == rows, f"({result.key}) returned {len(result.frame)} rows, (d) {rows}"
        same_values(floor.frame, result.frame, f"({result.key}) vs (d)")
    print(f"checked: all four return the same {rows:,} rows and values", flush=True)

    a, c, d = results[0].median, results[2].median, results[3].median
    lines = [
        SECTION,
        "",
        f"`python benchmarks/braindata.py --rows {args.rows} --vars {args.vars} --repeat {args.repeat}` "
        f"({time.strftime('%Y-%m-%d')}). Memory base of {args.rows:,} rows × {args.vars} variables "
        f"(1 DATETIME order column, {len(plan['discrete'])} DISCRETE, {len(plan['int'])} NUMERIC int, "
        f"{len(plan['float'])} NUMERIC float). `get_data` of 10 variables (1 DATETIME, 2 DISCRETE, 2 int, "
        f"5 float, one with NaN) with `BETWEEN {BETWEEN[0]} {BETWEEN[1]:g}..{BETWEEN[2]:g}` AND "
        f"`EQUALS {EQUALS[0]} {EQUALS[1]}` into a pandas DataFrame, server and client on the same machine. "
        f"Median of {args.repeat} runs; all four return the same {rows:,} rows and identical values "
        "(checked before printing).",
        "",
        "| | how | median (s) | runs (s) | rows | speedup vs (a) | × floor (d) |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    for result in [*results, native]:
        runs = ", ".join(f"{t:.3f}" for t in result.times)
        lines.append(
            f"| ({result.key}) | {result.label} | {result.median:.3f} | {runs} | {len(result.frame):,} | "
            f"{a / result.median:.1f}× | {result.median / d:.2f} |"
        )
    hwm_note = (
        f"high-water mark unchanged ({mib(hwm_after)})"
        if hwm_after == hwm_before
        else f"high-water mark {mib(hwm_before)} → {mib(hwm_after)}"
    )
    lines += [
        "",
        f"- Answer body: JSON {mib(json_bytes)} ({json_bytes:,} bytes), Arrow IPC {mib(arrow_bytes)} "
        f"({json_bytes / arrow_bytes:.1f}× smaller). Download alone (server work + transfer, no decoding, "
        f"one run): JSON {download['JSON']:.3f} s, Arrow {download['Arrow']:.3f} s.",
        f"- Server memory during (a) ({args.repeat} streamed JSON answer{'s' if args.repeat > 1 else ''}, "
        "sampled every 50 ms, "
        f"{sampler.samples} samples): RSS {mib(sampler.baseline)} before, peak {mib(sampler.peak)}, "
        f"increase **{mib(rss_peak)}** = {rss_peak / json_bytes:.1%} of the JSON body; {hwm_note}.",
        f"- Targets (issue 2): (c) ≥ 10× faster than (a): **{a / c:.1f}×** "
        f"({'met' if a / c >= 10 else 'missed'}); (c) within 3× of (d): **{c / d:.2f}×** "
        f"({'met' if c / d <= 3 else 'missed'}).",
        "- Client and server share the machine's CPUs and timings move between runs (by tens of percent when "
        "other processes are busy), so compare ratios from the same run; rerun on a quiet machine to confirm.",
        f"- Whole run (generation, import, all measurements): {time.perf_counter() - started:.0f} s.",
        *machine_info(official["versions"], official["python"]),
        f"- load average when the run started: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1 / 5 / 15 min).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the memory base")
    parser.add_argument("--vars", type=int, default=50, help="variables of the memory base (>= 12)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per client (the median is reported)")
    parser.add_argument("--seed", type=int, default=20240101, help="random seed of the generated data")
    parser.add_argument("--write-results", action="store_true", help="write the table into benchmarks/RESULTS.md")
    parser.add_argument("--keep", type=Path, default=None, help="use this work directory and keep it afterwards")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.rows < 1000:
        parser.error("--repeat must be >= 1 and --rows >= 1000")
    return run_and_report(args, run, SECTION, "braindock-bench-")


if __name__ == "__main__":
    sys.exit(main())
