"""NeuroSpeed exporters: recorder → CSV in a background job, signed download links (``neurospeed.md`` 5).

* ``POST /gateway/exporter`` validates ``exporter_config`` (5.1), creates an ``exporting`` exporter and
  schedules :meth:`Exporters.run` on the event loop; the CSV itself is written in a worker thread, one export
  at a time (:data:`CONCURRENCY`), then the status becomes ``exported`` (``file_size`` set) or ``failed``
  (``error`` set). A recorder that is still recording is exported as captured so far (it is fsync'd first).
  One ``exporting`` exporter per recorder (D19): a second → 409. A recorder without packets → 409.
* CSV (5.5): header ``timestamp,packets_counter,stream_id,device_type,hia_id,<channels>,packet_labels,
  onetime_labels`` — unquoted, no BOM; one row per sample ordered by (timestamp, packets_counter); timestamps
  with at least 6 decimals (all digits of the stored float); channels named by the stream's channel_map
  (``<stream_id>:<channel>`` when several streams are exported, other streams' cells empty); labels joined
  with ``|``; commas in names/labels/text values become ``;``; missing/NaN/infinite values are empty cells.
  The identity columns are always exported (``hia_id`` only when selected). ``selected_columns`` accepts the
  names of ``recorder.columns`` and, for a one-stream export, the bare channel names of its header.
* Download links (5.3): ``GET /gateway/exporter/url`` returns an absolute URL on this server,
  ``/api/gateway/exporter/file/<id>/<file name>?expires=<epoch s>&signature=<hex>`` where the signature is
  HMAC-SHA256 of ``"<id>:<expires>"`` under a key derived from the server's NeuroSpeed signing key. It is
  valid :data:`LINK_TTL_S` (10 min); expired or forged → 403, unknown/not exported exporter → 404.
* Server start: exporters left ``exporting`` by a previous run are run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import math
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from braindock.server.neurospeed.accounts import iso
from braindock.server.neurospeed.errors import NsBadRequest, NsConflict, NsForbidden, NsNotFound
from braindock.server.neurospeed.http import parse_id
from braindock.server.neurospeed.recorder import (
    IDENTITY_COLUMNS,
    LABEL_COLUMNS,
    Recorders,
    channel_columns,
    recorder_columns,
)
from braindock.server.neurospeed.recording_store import FILE_NAME, read_records, recording_dir
from braindock.server.storage.database import Database
from braindock.server.storage.neurospeed_models import NsCustomer, NsExporter, NsRecorder, NsUser

log = logging.getLogger("braindock.neurospeed.exporter")

LINK_TTL_S = 600
CONCURRENCY = 1
#: DuckDB limits of one export job: beyond the memory limit the sort spills to the export directory.
DUCKDB_THREADS = 2
DUCKDB_MEMORY_LIMIT = "1GB"
#: Timestamps above this are taken for milliseconds and refused (5.1): year 5138 in seconds.
MAX_EPOCH_S = 1e11


def export_dir(data_dir: Path, exporter_id: int) -> Path:
    """``<data dir>/exports/<exporter id>``."""
    return data_dir / "exports" / str(exporter_id)


def remove_export(data_dir: Path, exporter_id: int) -> None:
    """Delete ``<data dir>/exports/<exporter id>`` and the CSV in it; a missing folder is ignored."""
    shutil.rmtree(export_dir(data_dir, exporter_id), ignore_errors=True)


def _bool(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _epoch(config: dict[str, Any], key: str) -> float:
    value = config.get(key)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise NsBadRequest(f"exporter_config.{key} must be a number of epoch seconds, not {value!r}") from None
    if not math.isfinite(number) or number > MAX_EPOCH_S:
        raise NsBadRequest(f"exporter_config.{key} {value!r} looks like milliseconds; use epoch seconds")
    return number


def validate_config(config: Any, recorder: NsRecorder) -> dict[str, Any]:
    """The normalised ``exporter_config`` of 5.1 for ``recorder``.

    Returns: ``{"custom_name", "start_timestamp_mode", "end_timestamp_mode", "stream_ids", "selected_columns",
    "is_all_streams", "is_all_columns"}`` plus the custom values their modes need.

    Raises:
        NsBadRequest: missing mandatory fields, unknown modes, millisecond timestamps, unknown streams or
            columns (400).
    """
    if not isinstance(config, dict):
        raise NsBadRequest("exporter_config must be an object")
    name = config.get("custom_name")
    if not isinstance(name, str) or not name.strip() or len(name) > 128:
        raise NsBadRequest("exporter_config.custom_name is required (a string of at most 128 characters)")
    out: dict[str, Any] = {"custom_name": name}
    start_mode = config.get("start_timestamp_mode")
    if start_mode not in ("start", "custom_value"):
        raise NsBadRequest("exporter_config.start_timestamp_mode must be 'start' or 'custom_value'")
    out["start_timestamp_mode"] = start_mode
    if start_mode == "custom_value":
        out["custom_start_timestamp"] = _epoch(config, "custom_start_timestamp")
    end_mode = config.get("end_timestamp_mode")
    if end_mode not in ("end", "custom_value", "interval_minutes"):
        raise NsBadRequest("exporter_config.end_timestamp_mode must be 'end', 'custom_value' or 'interval_minutes'")
    out["end_timestamp_mode"] = end_mode
    if end_mode == "custom_value":
        out["custom_end_timestamp"] = _epoch(config, "custom_end_timestamp")
    elif end_mode == "interval_minutes":
        try:
            interval = float(config.get("custom_timestamp_interval"))
        except (TypeError, ValueError):
            raise NsBadRequest("exporter_config.custom_timestamp_interval must be a number of minutes") from None
        if not math.isfinite(interval) or interval <= 0:
            raise NsBadRequest("exporter_config.custom_timestamp_interval must be a positive number of minutes")
        out["custom_timestamp_interval"] = interval
    streams = config.get("stream_ids") or []
    if not isinstance(streams, list) or not all(isinstance(s, str) for s in streams):
        raise NsBadRequest("exporter_config.stream_ids must be a list of stream ids")
    all_streams = _bool(config.get("is_all_streams"), not streams)
    if all_streams or not streams:
        streams = list(recorder.stream_ids or [])
    unknown = [s for s in streams if s not in (recorder.stream_ids or [])]
    if unknown:
        raise NsBadRequest(f"exporter_config.stream_ids: the recorder has no stream {', '.join(unknown)}")
    out["stream_ids"], out["is_all_streams"] = streams, all_streams
    columns = config.get("selected_columns") or []
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise NsBadRequest("exporter_config.selected_columns must be a list of column names")
    all_columns = _bool(config.get("is_all_columns"), not columns)
    if not all_columns and columns:
        known = set(recorder_columns(recorder)) | set(_channel_names(recorder, streams))
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise NsBadRequest(f"exporter_config.selected_columns: unknown column(s) {', '.join(unknown)}")
    out["selected_columns"], out["is_all_columns"] = ([] if all_columns else columns), all_columns or not columns
    return out


def _channel_names(recorder: NsRecorder, streams: list[str]) -> list[str]:
    """Every accepted name of the channel columns of ``streams``: bare (one stream) and ``<stream>:<channel>``."""
    sensors = recorder.sensors or {}
    return [
        *(name for name, _, _ in channel_columns(sensors, streams)),
        *(name for name, _, _ in channel_columns(sensors, [*streams, ""]) if ":" in name),
    ]


def _cell(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value).lower()
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, int):
        return str(value)
    return str(value).replace(",", ";").replace("\r", " ").replace("\n", " ")


def _stamp(value: float) -> str:
    """A timestamp with at least 6 decimals and no precision lost (``repr`` when it is longer)."""
    text = repr(float(value))
    if "e" in text or "." not in text or len(text.split(".")[1]) < 6:
        return f"{value:.6f}"
    return text


def _labels(labels: list[str]) -> str:
    return "|".join(label.replace(",", ";") for label in labels) or "none"


def write_csv(recorder: NsRecorder, config: dict[str, Any], records: Any, target: Path) -> int:
    """Write the CSV of 5.5 for ``recorder`` with ``config`` (from :func:`validate_config`) to ``target``.

    Args:
        records: the recorder's packet records (:func:`~braindock.server.neurospeed.recording_store.read_records`).

    Returns: the number of data rows.
    """
    streams = list(config["stream_ids"])
    identity, channels, labels = _columns(recorder, config)
    start, end = _window(recorder, config)
    by_stream: dict[str, list[tuple[str, int]]] = {}
    for position, (_, stream_id, index) in enumerate(channels):
        by_stream.setdefault(stream_id, []).append((position, index))
    wanted_streams = set(streams)
    rows: list[tuple[float, int, str]] = []
    for record in records:
        stream_id = record["s"]
        if stream_id not in wanted_streams:
            continue
        counter = int(record["n"])
        head = [str(counter), stream_id.replace(",", ";"), str(record["d"]), str(record["h"]).replace(",", ";")]
        identity_cells = dict(zip(IDENTITY_COLUMNS[1:], head, strict=True))
        label_cells = {"packet_labels": _labels(record.get("pl", [])), "onetime_labels": _labels(record.get("ol", []))}
        slots = by_stream.get(stream_id, [])
        for sample in record["r"]:
            stamp = sample[-1]
            if not isinstance(stamp, int | float) or stamp != stamp:
                continue
            if (start is not None and stamp < start) or (end is not None and stamp > end):
                continue
            cells = [""] * len(channels)
            for position, index in slots:
                if index < len(sample) - 1:
                    cells[position] = _cell(sample[index])
            line = [_stamp(stamp) if name == "timestamp" else identity_cells[name] for name in identity]
            line += cells
            line += [label_cells[name] for name in labels]
            rows.append((float(stamp), counter, ",".join(line)))
    rows.sort(key=lambda item: (item[0], item[1]))
    header = ",".join([*identity, *(name for name, _, _ in channels), *labels])
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    with open(partial, "w", encoding="utf-8", newline="") as handle:
        handle.write(header + "\n")
        for _, _, line in rows:
            handle.write(line + "\n")
    partial.replace(target)
    return len(rows)


def _columns(recorder: NsRecorder, config: dict[str, Any]) -> tuple[list[str], list[tuple[str, str, int]], list[str]]:
    """``(identity columns, channel columns (name, stream id, index), label columns)`` of an export (5.5)."""
    streams = list(config["stream_ids"])
    channels = channel_columns(recorder.sensors or {}, streams)
    if not config["is_all_columns"]:
        wanted = set(config["selected_columns"])
        full = {(s, i): n for n, s, i in channel_columns(recorder.sensors or {}, [*streams, ""]) if ":" in n}
        channels = [c for c in channels if c[0] in wanted or full.get((c[1], c[2])) in wanted]
        return (
            [c for c in IDENTITY_COLUMNS if c in wanted or c != "hia_id"],
            channels,
            [c for c in LABEL_COLUMNS if c in wanted],
        )
    return list(IDENTITY_COLUMNS), channels, list(LABEL_COLUMNS)


def _window(recorder: NsRecorder, config: dict[str, Any]) -> tuple[float | None, float | None]:
    """The inclusive ``(start, end)`` sample-timestamp window of an export in epoch s (``None``: open), 5.1."""
    start = config.get("custom_start_timestamp") if config["start_timestamp_mode"] == "custom_value" else None
    end_mode = config["end_timestamp_mode"]
    end = config.get("custom_end_timestamp") if end_mode == "custom_value" else None
    if end_mode == "interval_minutes":
        base = start if start is not None else recorder.minimum_timestamp
        end = None if base is None else base + config["custom_timestamp_interval"] * 60
    return start, end


def _ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _sql_text(expression: str) -> str:
    """SQL turning text ``expression`` into a CSV-safe cell (commas → ``;``, CR/LF → space), like :func:`_cell`."""
    return f"replace(replace(replace({expression}, ',', ';'), chr(13), ' '), chr(10), ' ')"


def _sql_cell(value: str) -> str:
    """SQL for one channel cell from the JSON ``value`` of a stored row, as :func:`_cell` writes it.

    Numbers keep the text the recorder wrote for them (so ``10`` stays ``10`` and ``12.5`` stays ``12.5``);
    ``NaN``/``±Infinity``/``null`` become empty cells; strings lose their quotes and commas; booleans are
    ``true``/``false``.
    """
    text = f"{value}::VARCHAR"
    string = _sql_text(value + "->>'$'")
    return (
        f"CASE WHEN {text} IN ('NaN', 'Infinity', '-Infinity', 'null') THEN NULL "
        f"WHEN starts_with({text}, '\"') THEN {string} ELSE {text} END"
    )


def _sql_labels(column: str) -> str:
    joined = f"coalesce(array_to_string({column}, '|'), '')"
    return f"CASE WHEN {joined} = '' THEN 'none' ELSE replace({joined}, ',', ';') END"


def write_csv_duckdb(recorder: NsRecorder, config: dict[str, Any], source: Path, target: Path) -> int:
    """:func:`write_csv` done by DuckDB straight from the packet file ``source``: same header, rows and cells.

    DuckDB parses the JSON lines, unnests the sample rows, filters, sorts by (timestamp, packets_counter, row
    in packet) and writes the CSV in parallel, spilling to ``target``'s directory beyond
    :data:`DUCKDB_MEMORY_LIMIT`. Channel values keep their stored JSON text (orjson's, :mod:`.json_codec`: the
    shortest text that round-trips, like ``repr`` except ``0.00001`` for ``1e-05``); numbers the recorder wrote
    in exponent notation (below 1e-4 or from 1e16 in magnitude) come out in DuckDB's positional notation of the
    same value. ``source`` must hold only complete lines.

    Returns: the number of data rows.

    Raises:
        duckdb.Error: the file does not parse as packet records (the caller falls back to :func:`write_csv`).
    """
    identity, channels, labels = _columns(recorder, config)
    start, end = _window(recorder, config)
    streams = list(config["stream_ids"])
    several = len(streams) > 1
    select: list[str] = []
    for name in identity:
        if name == "timestamp":
            six = "printf('%.6f', ts)"
            select.append(f"CASE WHEN {six}::DOUBLE = ts THEN {six} ELSE ts::VARCHAR END AS {_ident(name)}")
        elif name == "packets_counter":
            select.append(f"n AS {_ident(name)}")
        elif name == "stream_id":
            select.append(f"replace(s, ',', ';') AS {_ident(name)}")
        elif name == "device_type":
            select.append(f"d AS {_ident(name)}")
        else:
            select.append(f"replace(h, ',', ';') AS {_ident(name)}")
    for name, stream_id, index in channels:
        cell = _sql_cell(f"row[{index + 1}]")
        guard = f"{index + 1} < len(row)" + (f" AND k = {streams.index(stream_id)}" if several else "")
        select.append(f"CASE WHEN {guard} THEN {cell} END AS {_ident(name)}")
    for name in labels:
        select.append(f"{_sql_labels('pl' if name == 'packet_labels' else 'ol')} AS {_ident(name)}")
    where = ["ts IS NOT NULL", "isfinite(ts)"]
    if start is not None:
        where.append(f"ts >= {float(start)!r}")
    if end is not None:
        where.append(f"ts <= {float(end)!r}")
    columns = "{'n': 'BIGINT', 's': 'VARCHAR', 'd': 'VARCHAR', 'h': 'VARCHAR', 'r': 'JSON[][]', "
    columns += "'pl': 'VARCHAR[]', 'ol': 'VARCHAR[]'}"
    path = str(source).replace("'", "''")
    partial = target.with_suffix(".part")
    spill = target.parent / "duckdb-spill"
    target.parent.mkdir(parents=True, exist_ok=True)
    config_db = {"threads": DUCKDB_THREADS, "memory_limit": DUCKDB_MEMORY_LIMIT, "temp_directory": str(spill)}
    try:
        with duckdb.connect(config=config_db) as con:
            con.execute("CREATE TEMP TABLE wanted (s VARCHAR, k INTEGER)")
            con.executemany("INSERT INTO wanted VALUES (?, ?)", [[s, k] for k, s in enumerate(streams)])
            query = f"""
                COPY (
                    WITH packets AS (
                        SELECT n, s, d, h, r, pl, ol, k
                        FROM read_json('{path}', format = 'newline_delimited', columns = {columns})
                        JOIN wanted USING (s)
                    ),
                    samples AS (
                        SELECT n, s, d, h, pl, ol, k, unnest(r) AS row, generate_subscripts(r, 1) AS i FROM packets
                    ),
                    stamped AS (
                        SELECT *, CASE WHEN json_type(row[len(row)]) IN ('DOUBLE', 'BIGINT', 'UBIGINT')
                                       THEN row[len(row)]::DOUBLE END AS ts
                        FROM samples
                    )
                    SELECT {", ".join(select)} FROM stamped WHERE {" AND ".join(where)} ORDER BY ts, n, i
                ) TO '{str(partial).replace("'", "''")}' (FORMAT csv, HEADER, DELIMITER ',', QUOTE '', ESCAPE '')
            """
            count = con.execute(query).fetchone()[0]
    finally:
        shutil.rmtree(spill, ignore_errors=True)
    partial.replace(target)
    return int(count)


def _last_line_end(path: Path, size: int) -> int:
    """The offset just after the last ``\\n`` within the first ``size`` bytes of ``path`` (0 if none)."""
    with open(path, "rb") as handle:
        position = size
        while position > 0:
            step = min(position, 1 << 16)
            handle.seek(position - step)
            found = handle.read(step).rfind(b"\n")
            if found >= 0:
                return position - step + found + 1
            position -= step
    return 0


def exporter_json(row: NsExporter, recorder: NsRecorder, username: str) -> dict[str, Any]:
    """The exporter object of 5.2 (``export_config`` and ``exporter_config`` both present)."""
    return {
        "id": row.id,
        "exporter_name": row.exporter_name,
        "status": row.status,
        "file_size": row.file_size,
        "rows_count": row.rows_count,
        "error": row.error,
        "export_config": row.config,
        "exporter_config": row.config,
        "unlimited": row.unlimited,
        "recorder_id": recorder.id,
        "username": username,
        "recorder": {
            "id": recorder.id,
            "recorder_name": recorder.recorder_name,
            "status": recorder.status,
            "packets_count": recorder.packets_count,
        },
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


def _file_name(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "export"
    return stem[:100] + ".csv"


class Exporters:
    """Exporter jobs and download links; ``NeuroSpeed.exporters``.

    Args:
        database: returns the metadata store.
        recorders: the recorders (to flush a recorder before reading its file).
        link_key: HMAC key of download links.
        link_ttl_s: lifetime of a download link in seconds (``Settings.export_link_ttl_s``, default
            :data:`LINK_TTL_S`).
    """

    def __init__(
        self, database: Callable[[], Database], recorders: Recorders, link_key: bytes, link_ttl_s: int = LINK_TTL_S
    ) -> None:
        self._database = database
        self._recorders = recorders
        self._key = link_key
        self._link_ttl_s = link_ttl_s
        self._semaphore = asyncio.Semaphore(CONCURRENCY)
        self._tasks: set[asyncio.Task] = set()

    @property
    def data_dir(self) -> Path:
        """The server's data directory (the recorders'); exports live under its ``exports/``."""
        return self._recorders.data_dir

    # -- lifecycle --------------------------------------------------------------------------------------

    def start(self) -> None:
        """Re-run exporters left ``exporting`` by a previous run (needs a running loop)."""
        with self._database().session() as db:
            ids = db.scalars(select(NsExporter.id).where(NsExporter.status == "exporting")).all()
        for exporter_id in ids:
            self.schedule(exporter_id)

    async def stop(self) -> None:
        """Cancel every running export job and wait for them to end (errors are swallowed)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def schedule(self, exporter_id: int) -> None:
        """Start the background job of ``exporter_id`` (call on the event loop)."""
        task = asyncio.get_running_loop().create_task(self.run(exporter_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self, exporter_id: int) -> None:
        """Write the CSV of one exporter in a worker thread; status → ``exported`` or ``failed``."""
        async with self._semaphore:
            try:
                await asyncio.to_thread(self._export, exporter_id)
            except Exception as exc:  # noqa: BLE001 - recorded as the exporter's error
                log.exception("exporter %d failed", exporter_id)
                await asyncio.to_thread(self._fail, exporter_id, str(exc) or type(exc).__name__)

    def _export(self, exporter_id: int) -> None:
        with self._database().session() as db:
            row = db.get(NsExporter, exporter_id)
            if row is None or row.status != "exporting":
                return
            recorder_id, config, file_name = row.recorder_id, dict(row.config), row.file_name
        self._recorders.flush(recorder_id)
        with self._database().session() as db:
            recorder = db.get(NsRecorder, recorder_id)
            if recorder is None or recorder.deleted_at is not None:
                raise RuntimeError("the recorder was deleted")
            self._recorders.refresh(recorder)
            db.expunge(recorder)
        target = export_dir(self.data_dir, exporter_id) / (file_name or "export.csv")
        path = recording_dir(self.data_dir, recorder_id) / FILE_NAME
        started = time.monotonic()
        count = self._write(recorder, config, path, target)
        with self._database().session() as db:
            row = db.get(NsExporter, exporter_id)
            if row is None:  # deleted meanwhile
                remove_export(self.data_dir, exporter_id)
                return
            row.status = "exported"
            row.file_size = target.stat().st_size
            row.rows_count = count
        log.info("exporter %d: %d rows exported in %.2f s", exporter_id, count, time.monotonic() - started)

    @staticmethod
    def _write(recorder: NsRecorder, config: dict[str, Any], path: Path, target: Path) -> int:
        """Write the CSV with DuckDB (:func:`write_csv_duckdb`), or row by row in Python when DuckDB cannot
        read the packet file. A recorder that is still active is read from a snapshot of its complete lines."""
        snapshot = None
        if recorder.status != "stopped":  # the recorder may append (even half a line) while we read
            snapshot = target.parent / "snapshot.jsonl"
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "rb") as source, open(snapshot, "wb") as copy:
                shutil.copyfileobj(source, copy)
                copy.flush()
                copy.truncate(_last_line_end(snapshot, copy.tell()))
        try:
            try:
                return write_csv_duckdb(recorder, config, snapshot or path, target)
            except duckdb.Error as exc:
                log.warning(
                    "exporter of recorder %d: DuckDB could not read the packets (%s); writing in Python",
                    recorder.id,
                    exc,
                )
                return write_csv(recorder, config, read_records(snapshot or path), target)
        finally:
            if snapshot is not None:
                with contextlib.suppress(OSError):
                    snapshot.unlink()

    def _fail(self, exporter_id: int, error: str) -> None:
        with self._database().session() as db:
            row = db.get(NsExporter, exporter_id)
            if row is not None:
                row.status = "failed"
                row.error = error[:1000]

    # -- HTTP operations (worker thread, database session) ------------------------------------------------

    def create(self, db: Session, customer: NsCustomer, body: dict[str, Any]) -> NsExporter:
        """Validate and insert an ``exporting`` exporter; the caller then :meth:`schedule`s it.

        Raises:
            NsBadRequest: bad ``recorder_id`` or ``exporter_config`` (400). NsNotFound: unknown recorder for this
                customer or deleted (404). NsConflict: no packets, or an export of it still running (409).
        """
        recorder, _ = self._recorders.get(db, customer, body.get("recorder_id"))
        if recorder.deleted_at is not None:
            raise NsNotFound(f"recorder {recorder.id} was deleted")
        if not recorder.packets_count:
            raise NsConflict(f"recorder {recorder.id} has no recorded packets to export")
        config = validate_config(body.get("exporter_config"), recorder)
        running = db.scalar(
            select(func.count()).where(NsExporter.recorder_id == recorder.id, NsExporter.status == "exporting")
        )
        if running:
            raise NsConflict(f"an export of recorder {recorder.id} is still running; wait for it to finish")
        row = NsExporter(
            recorder_id=recorder.id,
            customer_id=customer.id,
            exporter_name=config["custom_name"],
            status="exporting",
            config=config,
            unlimited=_bool(body.get("unlimited"), True),
            file_name=_file_name(config["custom_name"]),
        )
        db.add(row)
        db.flush()
        return row

    def get(self, db: Session, customer: NsCustomer, exporter_id: Any) -> tuple[NsExporter, NsRecorder, str]:
        """An exporter of ``customer`` with its recorder and username.

        Raises:
            NsBadRequest: not an integer id. NsNotFound: unknown for this customer (404).
        """
        eid = parse_id(exporter_id, "exporter_id")
        found = db.execute(
            select(NsExporter, NsRecorder, NsUser.username)
            .join(NsRecorder, NsRecorder.id == NsExporter.recorder_id)
            .join(NsUser, NsUser.id == NsRecorder.user_id)
            .where(NsExporter.id == eid, NsExporter.customer_id == customer.id)
        ).first()
        if found is None:
            raise NsNotFound(f"exporter {eid} not found")
        return found[0], found[1], found[2]

    def list(
        self, db: Session, customer: NsCustomer, username: str | None, number: int, size: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """Page ``number`` of the customer's exporters (``username`` filter), newest update first."""
        query = (
            select(NsExporter, NsRecorder, NsUser.username)
            .join(NsRecorder, NsRecorder.id == NsExporter.recorder_id)
            .join(NsUser, NsUser.id == NsRecorder.user_id)
            .where(NsExporter.customer_id == customer.id)
        )
        if username is not None:
            query = query.where(NsUser.username == username)
        total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = db.execute(
            query.order_by(NsExporter.updated_at.desc(), NsExporter.id.desc()).offset((number - 1) * size).limit(size)
        ).all()
        return total, [exporter_json(e, r, name) for e, r, name in rows]

    def delete(self, db: Session, row: NsExporter) -> None:
        """Delete an exporter and its file (a running job notices and discards its output)."""
        remove_export(self.data_dir, row.id)
        db.delete(row)

    # -- download links -----------------------------------------------------------------------------------

    def _signature(self, exporter_id: int, expires: int) -> str:
        return hmac.new(self._key, f"{exporter_id}:{expires}".encode(), hashlib.sha256).hexdigest()

    def link(self, base_url: str, row: NsExporter, now: float | None = None) -> str:
        """An absolute download URL for an ``exported`` exporter, valid ``link_ttl_s`` seconds (5.3).

        Raises:
            NsConflict: the export has not finished (409).
        """
        if row.status != "exported":
            raise NsConflict(f"exporter {row.id} is {row.status}, not exported")
        expires = int((time.time() if now is None else now) + self._link_ttl_s)
        name = quote(row.file_name or "export.csv")
        signature = self._signature(row.id, expires)
        path = f"/api/gateway/exporter/file/{row.id}/{name}"
        return f"{base_url.rstrip('/')}{path}?expires={expires}&signature={signature}"

    def check_link(self, exporter_id: Any, expires: Any, signature: Any) -> Path:
        """The file a download link points to.

        Raises:
            NsForbidden: expired, malformed or forged link (403). NsNotFound: exporter or file gone (404).
        """
        try:
            eid, until = int(exporter_id), int(expires)
        except (TypeError, ValueError):
            raise NsForbidden("invalid download link") from None
        if not isinstance(signature, str) or not hmac.compare_digest(signature, self._signature(eid, until)):
            raise NsForbidden("invalid download link")
        if until < time.time():
            raise NsForbidden("download link expired; ask for a new one at /api/gateway/exporter/url")
        with self._database().session() as db:
            row = db.get(NsExporter, eid)
            if row is None or row.status != "exported" or not row.file_name:
                raise NsNotFound(f"exporter {eid} has no file")
            path = export_dir(self.data_dir, eid) / row.file_name
        if not path.exists():
            raise NsNotFound(f"exporter {eid} has no file")
        return path
