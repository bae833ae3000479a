"""Append-only packet files of NeuroSpeed recorders (``neurospeed.md`` 4.4).

A recorder's packets are stored in ``<data dir>/recordings/<recorder id>/packets.jsonl``: one JSON object per
accepted packet and line, written in arrival order::

    {"n": 1, "t": 1738575541.2, "s": "EEG_4KD9QZ", "d": "EEG", "h": "LAB3PC",
     "r": [[12.5, -3.25, 1738575541.021484], ...], "pl": ["phase one"], "ol": ["phase one"]}

``n`` is the recorder-wide ``packets_counter`` (1, 2, ...), ``t`` the arrival time (epoch s), ``s``/``d``/``h``
the stream id, its authoritative device type (from sensor_info) and the HIA id, ``r`` the sample rows (channel
values then the sample timestamp in epoch seconds, 7.4; ``NaN``/``Infinity`` kept as Python's ``json`` writes
them, :mod:`.json_codec`),
``pl``/``ol`` the packet and one-time labels. Writes go to a buffered file; :meth:`PacketFile.sync` flushes
and fsyncs it (the recorder does so at most every second and on stop/shutdown). A crash can leave a torn last
line: :func:`repair` cuts the file back to its last complete line.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from braindock.server.neurospeed import json_codec

FILE_NAME = "packets.jsonl"


def recording_dir(data_dir: Path, recorder_id: int) -> Path:
    """``<data dir>/recordings/<recorder id>``."""
    return data_dir / "recordings" / str(recorder_id)


def remove_recording(data_dir: Path, recorder_id: int) -> None:
    """Delete a recorder's files (soft delete, 4.6); missing files are fine."""
    shutil.rmtree(recording_dir(data_dir, recorder_id), ignore_errors=True)


@dataclass
class Stats:
    """What a recorder's metadata derives from its packets (4.1).

    Attributes:
        packets_count: packets stored; the next packet's ``packets_counter`` is ``packets_count + 1``.
        size: bytes of the packet file.
        sensors: stream id → ``{"device_type": str, "channels": [names]}`` (first seen wins).
        stream_ids, labels, hia_ids: distinct values in order of appearance.
        minimum, maximum: earliest/latest sample timestamp (epoch s) or ``None``.
    """

    packets_count: int = 0
    size: int = 0
    sensors: dict[str, dict[str, Any]] = field(default_factory=dict)
    stream_ids: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    hia_ids: list[str] = field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    _label_set: set[str] = field(default_factory=set, repr=False)

    def add(self, record: dict[str, Any], channels: list[str] | None, size: int) -> None:
        """Account for one stored ``record`` of ``size`` bytes (``channels``: its stream's channel names)."""
        self.packets_count = max(self.packets_count, int(record["n"]))
        self.size += size
        stream_id = record["s"]
        if stream_id not in self.sensors:
            self.sensors[stream_id] = {"device_type": record["d"], "channels": list(channels or [])}
            self.stream_ids.append(stream_id)
        for label in [*record.get("pl", []), *record.get("ol", [])]:
            if label not in self._label_set:  # a set: a recording may carry many thousands of distinct labels
                self._label_set.add(label)
                self.labels.append(label)
        if record["h"] not in self.hia_ids:
            self.hia_ids.append(record["h"])
        stamps = [row[-1] for row in record["r"] if row and isinstance(row[-1], int | float)]
        stamps = [stamp for stamp in stamps if stamp == stamp]  # drop NaN
        if stamps:
            low, high = min(stamps), max(stamps)
            self.minimum = low if self.minimum is None else min(self.minimum, low)
            self.maximum = high if self.maximum is None else max(self.maximum, high)


def encode(record: dict[str, Any]) -> bytes:
    """One record as a JSON line (UTF-8, ``\\n``-terminated)."""
    return json_codec.dumps_line(record)


class PacketFile:
    """The open, append-only packet file of one recorder."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / FILE_NAME
        created = not self.path.exists()
        self._file = open(self.path, "ab")  # noqa: SIM115 - kept open while the recorder is active
        self.dirty = False
        if created:  # make the new directory entries durable too (power loss, not only a process crash)
            for folder in (directory, directory.parent):
                fd = os.open(folder, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)

    def append(self, line: bytes) -> None:
        """Buffer one encoded record (durable after the next :meth:`sync`)."""
        self._file.write(line)
        self.dirty = True

    def flush(self) -> int | None:
        """Flush Python's buffer to the OS; returns the file descriptor to fsync (``None`` when closed)."""
        if self._file.closed:
            return None
        self.dirty = False
        self._file.flush()
        return self._file.fileno()

    def sync(self) -> None:
        """Flush Python's buffer and fsync the file (no-op when closed)."""
        if self._file.closed:
            return
        self.dirty = False
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        """:meth:`sync` then close."""
        if not self._file.closed:
            self.sync()
            self._file.close()


def repair(path: Path) -> None:
    """Cut a torn last line (crash mid-write) so that the file ends with a complete record."""
    if not path.exists():
        return
    with open(path, "rb+") as handle:
        data = handle.read()
        end = data.rfind(b"\n") + 1
        if end != len(data):
            handle.truncate(end)
            handle.flush()
            os.fsync(handle.fileno())


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The stored records in order; lines that do not parse (a torn tail) are skipped."""
    if not path.exists():
        return
    with open(path, "rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break
            try:
                yield json_codec.loads(line)
            except ValueError:
                continue


def scan(path: Path) -> Stats:
    """Recompute :class:`Stats` from a packet file (server start-up after a crash)."""
    stats = Stats()
    if not path.exists():
        return stats
    with open(path, "rb") as handle:
        for line in handle:
            try:
                record = json_codec.loads(line)
            except ValueError:
                continue
            stats.add(record, record.get("c"), len(line))
    return stats
