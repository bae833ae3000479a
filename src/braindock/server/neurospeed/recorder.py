"""NeuroSpeed recorders: state machine, capture of accepted packets, durable storage (``neurospeed.md`` 4).

* ``POST /gateway/recorder`` creates a recorder that passes ``resource_pending → pending → recording`` before
  the response is sent (D15): a self-hosted server has no resource shortage.
* At most one recorder per user is not ``stopped`` (4.3); a second create → 409 naming the active one.
* PUT transitions follow the table of 4.2 (:data:`TRANSITIONS`); ``paused → pending`` goes on to ``recording``
  at once; ``stopped`` is terminal and takes effect synchronously (its data is fsync'd before the response).
* While ``recording``, every packet the ``/hia`` hub accepted for the user (any HIA, any enabled stream; the
  hub never passes rejected or disabled-stream packets) is appended to the recorder's packet file
  (:mod:`~braindock.server.neurospeed.recording_store`) with its labels and the recorder-wide
  ``packets_counter``; packets arriving in any other state are not kept.
* Durability: a background task flushes + fsyncs dirty files and writes the derived metadata (counts, streams,
  labels, min/max timestamps, size) to ``ns_recorders`` every :data:`SYNC_INTERVAL_S`; stop, delete and server
  shutdown do the same at once. So a crash loses at most the last second of packets.
* Server start (**decision**): recorders left non-stopped by a previous run **resume in their state** (a
  ``recording`` one keeps recording the packets of the user's HIAs as they reconnect). Their packet file is cut
  back to its last complete line and the metadata is recomputed from the file, so everything fsync'd before
  the crash is kept and counted.
* DELETE is a soft delete (4.6, D17): the recorder stops, its files and exporters are removed, it leaves the
  lists, but ``GET /gateway/recorder/{id}`` still answers with ``status: "stopped"`` and ``deleted: true``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from braindock.server.neurospeed.accounts import iso
from braindock.server.neurospeed.errors import NsBadRequest, NsConflict, NsNotFound
from braindock.server.neurospeed.http import parse_id
from braindock.server.neurospeed.json_codec import StandardJson
from braindock.server.neurospeed.recording_store import (
    PacketFile,
    Stats,
    encode,
    recording_dir,
    remove_recording,
    repair,
    scan,
)
from braindock.server.neurospeed.rooms import HiaSession
from braindock.server.neurospeed.validation import Packet
from braindock.server.storage.database import Database
from braindock.server.storage.models import utcnow
from braindock.server.storage.neurospeed_models import NsCustomer, NsExporter, NsRecorder, NsUser

log = logging.getLogger("braindock.neurospeed.recorder")

#: Longest time between an accepted packet and its fsync (requirement: at least every second).
SYNC_INTERVAL_S = 0.5
STATUSES = ("resource_pending", "pending", "recording", "paused", "stopped")
#: Identity columns of every export, in this order (5.5).
IDENTITY_COLUMNS = ["timestamp", "packets_counter", "stream_id", "device_type", "hia_id"]
LABEL_COLUMNS = ["packet_labels", "onetime_labels"]


def channel_columns(sensors: dict[str, dict[str, Any]], stream_ids: list[str]) -> list[tuple[str, str, int]]:
    """``(column name, stream id, channel index)`` of the channel columns for ``stream_ids`` (5.5).

    One stream: its channel names; several: ``<stream_id>:<channel>``. Commas in names become ``;``.
    """
    columns = []
    for stream_id in stream_ids:
        for index, name in enumerate(sensors.get(stream_id, {}).get("channels", [])):
            label = name if len(stream_ids) == 1 else f"{stream_id}:{name}"
            columns.append((label.replace(",", ";"), stream_id, index))
    return columns


def recorder_columns(row: NsRecorder) -> list[str]:
    """``recorder.columns`` (4.1): the header of a full export of this recorder (5.5)."""
    channels = [name for name, _, _ in channel_columns(row.sensors or {}, list(row.stream_ids or []))]
    return [*IDENTITY_COLUMNS, *channels, *LABEL_COLUMNS]


def recorder_json(row: NsRecorder, username: str) -> dict[str, Any]:
    """The recorder object of 4.1 (plus ``username``, ``user_id``, ``unlimited``, ``deleted``, ``deleted_at``)."""
    return {
        "id": row.id,
        "status": row.status,
        "request_status": row.request_status,
        "recorder_name": row.recorder_name,
        "recorder_size": row.recorder_size,
        "columns": recorder_columns(row),
        "experiment_labels": list(row.experiment_labels or []),
        "stream_ids": list(row.stream_ids or []),
        "hia_ids": list(row.hia_ids or []),
        "minimum_timestamp": row.minimum_timestamp,
        "maximum_timestamp": row.maximum_timestamp,
        "is_active": row.status != "stopped" and row.deleted_at is None,
        "packets_count": row.packets_count,
        "username": username,
        "user_id": row.user_id,
        "unlimited": row.unlimited,
        "deleted": row.deleted_at is not None,
        "deleted_at": iso(row.deleted_at),
        "stopped_at": iso(row.stopped_at),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


@dataclass
class Active:
    """A non-stopped recorder held in memory: its status, open packet file and running stats."""

    id: int
    user_id: int
    status: str
    file: PacketFile
    stats: Stats
    stats_dirty: bool = False


class Recorders:
    """All recorders of the server; ``NeuroSpeed.recorders``.

    Args:
        database: returns the metadata store.
        data_dir: the server's data directory (packet files under ``recordings/``, exports under ``exports/``).
    """

    def __init__(self, database: Callable[[], Database], data_dir: Path) -> None:
        self._database = database
        self.data_dir = data_dir
        self._lock = threading.RLock()
        self._active: dict[int, Active] = {}  # by user id
        self._task: asyncio.Task | None = None

    # -- lifecycle --------------------------------------------------------------------------------------

    def start(self) -> None:
        """Reload non-stopped recorders (resume, see module doc) and start the sync task (needs a running loop)."""
        with self._database().session() as db:
            rows = db.scalars(
                select(NsRecorder).where(NsRecorder.status != "stopped", NsRecorder.deleted_at.is_(None))
            ).all()
            for row in rows:
                directory = recording_dir(self.data_dir, row.id)
                path = directory / "packets.jsonl"
                repair(path)
                stats = scan(path)
                if row.status in ("resource_pending", "pending"):
                    row.status = "recording"
                self._store_stats(row, stats)
                self._active[row.user_id] = Active(row.id, row.user_id, row.status, PacketFile(directory), stats)
                log.info(
                    "recorder %d of user %d resumed as %s with %d packets",
                    row.id,
                    row.user_id,
                    row.status,
                    stats.packets_count,
                )
        self._task = asyncio.get_running_loop().create_task(self._sync_loop())

    async def stop(self) -> None:
        """Cancel the sync task, then fsync every open file and store its metadata (shutdown)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await asyncio.to_thread(self.sync_all, True)

    async def _sync_loop(self) -> None:
        while True:
            await asyncio.sleep(SYNC_INTERVAL_S)
            try:
                await asyncio.to_thread(self.sync_all)
            except Exception:  # noqa: BLE001 - keep syncing; the error is logged
                log.exception("recorder sync failed")

    def sync_all(self, close: bool = False) -> None:
        """Fsync dirty packet files and write their stats to the database (``close``: also close files).

        All stats go in one transaction (an executemany ``UPDATE`` by primary key): with many recorders open, one
        commit per recorder every :data:`SYNC_INTERVAL_S` cost the event loop noticeable time (the GIL)."""
        with self._lock:
            actives = list(self._active.values())
        self._sync(actives)
        if close:
            for active in actives:
                with self._lock:
                    active.file.close()

    def _sync(self, actives: list[Active]) -> None:
        synced: list[Active] = []
        for active in actives:
            with self._lock:
                if not (active.file.dirty or active.stats_dirty):
                    continue
                try:
                    fd = active.file.flush()
                except (OSError, ValueError):
                    log.exception("recorder %d: flush failed", active.id)
                    fd = None
            synced.append(active)
            if fd is not None:  # outside the lock: packets keep flowing during the fsync
                with contextlib.suppress(OSError):  # closed meanwhile by a stop, which fsync'd it itself
                    os.fsync(fd)
        if not synced:
            return
        with self._lock:  # the stats as of now, after every fsync
            rows = [{"id": active.id, **self._stats_values(active.stats)} for active in synced]
            for active in synced:
                active.stats_dirty = False
        try:
            with self._database().session() as db:
                db.execute(update(NsRecorder), rows)
        except Exception:
            with self._lock:  # written next tick
                for active in synced:
                    active.stats_dirty = True
            raise

    @staticmethod
    def _stats_values(stats: Stats, touch: bool = True) -> dict[str, Any]:
        values = {
            "packets_count": stats.packets_count,
            "recorder_size": stats.size,
            "sensors": {key: dict(value) for key, value in stats.sensors.items()},
            "stream_ids": list(stats.stream_ids),
            "experiment_labels": list(stats.labels),
            "hia_ids": list(stats.hia_ids),
            "minimum_timestamp": stats.minimum,
            "maximum_timestamp": stats.maximum,
        }
        if touch:
            values["updated_at"] = utcnow()
        return values

    def _store_stats(self, row: NsRecorder, stats: Stats, touch: bool = True) -> None:
        for key, value in self._stats_values(stats, touch).items():
            setattr(row, key, value)

    def flush(self, recorder_id: int) -> None:
        """Make everything captured so far by ``recorder_id`` durable and visible to readers (exporter)."""
        with self._lock:
            active = next((a for a in self._active.values() if a.id == recorder_id), None)
        if active is not None:
            self._sync([active])

    def refresh(self, row: NsRecorder) -> None:
        """Copy the live stats of an active recorder onto ``row`` (fresher than the last sync)."""
        with self._lock:
            active = self._active.get(row.user_id)
            if active is not None and active.id == row.id and active.stats.packets_count != row.packets_count:
                self._store_stats(row, active.stats)

    # -- capture ----------------------------------------------------------------------------------------

    def on_packet(self, session: HiaSession, packet: Packet, _event: dict[str, Any]) -> None:
        """Hub listener: append ``packet`` to the user's recorder if it is ``recording`` (4.4)."""
        with self._lock:
            active = self._active.get(session.user_id)
            if active is None or active.status != "recording":
                return
            sensor = packet.sensor
            record: dict[str, Any] = {
                "n": active.stats.packets_count + 1,
                "t": time.time(),
                "s": sensor.stream_id,
                "d": sensor.device_type,
                "h": session.hia_id,
                "r": packet.rows,
                "pl": packet.experiment.get("packet_labels", ["none"]),
                "ol": packet.experiment.get("onetime_labels", ["none"]),
            }
            channels = None
            if sensor.stream_id not in active.stats.sensors:
                channels = list(sensor.info.get("channel_map", []))
                while channels and channels[-1].lower() == "timestamp":
                    channels.pop()
                record["c"] = channels
            line = encode(StandardJson(record) if packet.extended_json else record)
            try:
                active.file.append(line)
            except (OSError, ValueError):
                log.exception("recorder %d: could not append a packet", active.id)
                return
            active.stats.add(record, channels, len(line))
            active.stats_dirty = True

    # -- HTTP operations (run in a worker thread with a database session) ---------------------------------

    def get(self, db: Session, customer: NsCustomer, recorder_id: Any) -> tuple[NsRecorder, str]:
        """The recorder ``recorder_id`` of one of ``customer``'s users, with its username (deleted ones too).

        Raises:
            NsBadRequest: not an integer id (400). NsNotFound: no such recorder for this customer, or an id
                outside 1..2**63-1 (404).
        """
        rid = parse_id(recorder_id, "id")
        found = db.execute(
            select(NsRecorder, NsUser.username)
            .join(NsUser, NsUser.id == NsRecorder.user_id)
            .where(NsRecorder.id == rid, NsRecorder.customer_id == customer.id)
        ).first()
        if found is None:
            raise NsNotFound(f"recorder {rid} not found")
        row, username = found
        self.refresh(row)
        return row, username

    def create(self, db: Session, customer: NsCustomer, user: NsUser, name: Any, unlimited: Any) -> NsRecorder:
        """Create a recorder for ``user``, already ``recording`` (4.2, D15).

        Raises:
            NsConflict: the user has a recorder that is not stopped (409, 4.3).
        """
        with self._lock:
            active = self._active.get(user.id)
            if active is not None:
                raise NsConflict(f"User {user.username} already has an active recorder (id {active.id}); stop it first")
            row = NsRecorder(
                user_id=user.id,
                customer_id=customer.id,
                recorder_name=None if name is None else str(name)[:256],
                status="recording",
                request_status="recording",
                unlimited=str(unlimited).lower() not in ("false", "0", "no"),
            )
            db.add(row)
            db.flush()
            db.commit()  # the slot is taken only once the row exists
            self._active[user.id] = Active(
                row.id, user.id, "recording", PacketFile(recording_dir(self.data_dir, row.id)), Stats()
            )
            log.info("recorder %d of user %s created (recording)", row.id, user.username)
            return row

    def set_status(self, db: Session, row: NsRecorder, value: Any) -> None:
        """Apply ``PUT status=value`` by the table of 4.2.

        Raises:
            NsBadRequest: ``recording`` or an unknown value (400). NsConflict: paused/pending on a stopped one (409).
        """
        value = str(value or "").strip()
        if value not in ("paused", "pending", "stopped"):
            if value in STATUSES:
                raise NsBadRequest(f"cannot force status {value!r}: PUT status must be paused, pending or stopped")
            raise NsBadRequest(f"unknown status {value!r}: PUT status must be paused, pending or stopped")
        if row.status == "stopped" or row.deleted_at is not None:
            if value == "stopped":
                return
            raise NsConflict(f"recorder {row.id} is stopped and can never be reactivated")
        row.request_status = value
        with self._lock:
            active = self._active.get(row.user_id)
            if active is None or active.id != row.id:  # should not happen; treat as stopped
                row.status = "stopped"
                return
            if value == "paused":
                active.status = row.status = "paused"
            elif value == "pending":
                if active.status == "paused":
                    active.status = row.status = "recording"  # pending, then automatically recording
            else:
                self._stop(row, active)
        log.info("recorder %d: PUT %s → %s", row.id, value, row.status)

    def _stop(self, row: NsRecorder, active: Active) -> None:
        active.status = "stopped"
        del self._active[row.user_id]
        active.file.close()
        self._store_stats(row, active.stats)
        row.status = "stopped"
        row.stopped_at = utcnow()

    def delete(self, db: Session, row: NsRecorder) -> None:
        """Soft-delete (4.6): stop, remove packet files and exporters (with their files), mark ``deleted_at``."""
        from braindock.server.neurospeed.exporter import remove_export

        if row.deleted_at is not None:
            return
        with self._lock:
            active = self._active.get(row.user_id)
            if active is not None and active.id == row.id:
                self._stop(row, active)
        row.status = "stopped"
        row.deleted_at = utcnow()
        for exporter in db.scalars(select(NsExporter).where(NsExporter.recorder_id == row.id)).all():
            remove_export(self.data_dir, exporter.id)
            db.delete(exporter)
        remove_recording(self.data_dir, row.id)
        log.info("recorder %d deleted", row.id)

    def list(
        self, db: Session, customer: NsCustomer, username: str | None, number: int, size: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """Page ``number`` of the customer's non-deleted recorders (``username`` filter), newest update first."""
        from sqlalchemy import func

        query = (
            select(NsRecorder, NsUser.username)
            .join(NsUser, NsUser.id == NsRecorder.user_id)
            .where(NsRecorder.customer_id == customer.id, NsRecorder.deleted_at.is_(None))
        )
        if username is not None:
            query = query.where(NsUser.username == username)
        total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = db.execute(
            query.order_by(NsRecorder.updated_at.desc(), NsRecorder.id.desc()).offset((number - 1) * size).limit(size)
        ).all()
        items = []
        for row, name in rows:
            self.refresh(row)
            items.append(recorder_json(row, name))
        return total, items
