"""A persistent HIA identity per user and machine (``neurospeed.md`` 1.7 and the allowed differences of 10).

The official client draws a new random ``HIA_ID`` on every process start, so the server sees a new device each
run and recordings cannot be told apart by HIA. :func:`claim_hia_id` keeps the ids instead, in a small JSON file:

* the file (``$BRAINDOCK_NEUROSPEED_HIA_IDS``, else ``$XDG_CACHE_HOME/braindock/neurospeed-hia-ids.json``, else
  ``~/.cache/...``) maps ``"<server URL>|<account id>|<username>"`` to a list of ids, one per *slot*;
* a process claims the first slot whose lock file (``<file>.<id>.lock``) it can ``flock``, and holds the lock
  until the returned :class:`HiaIdClaim` is released or garbage-collected, or the process ends. Two processes of
  the same user at once thus get two ids (the server would otherwise replace one connection by the other, D7),
  and the first process of every run gets the same id as the last run's first;
* a new slot gets a new 6-character id from :meth:`UtilService.generateId`.

Setting ``BRAINDOCK_NEUROSPEED_HIA_IDS=off`` (or a platform without ``fcntl``) gives the official behaviour: a
new random id each time.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from braindock.clients.neurospeed.utils.helper_service import UtilService

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

ENV = "BRAINDOCK_NEUROSPEED_HIA_IDS"
ID_LENGTH = 6
MAX_SLOTS = 64


def cache_path() -> Path | None:
    """Where the ids are kept (module docstring), or ``None`` when persistence is off."""
    configured = os.environ.get(ENV)
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "false", "no") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "braindock" / "neurospeed-hia-ids.json"


@dataclass
class HiaIdClaim:
    """An HIA id and the lock that reserves it for this process (``lock`` is ``None`` when not persisted)."""

    hia_id: str
    lock: IO[bytes] | None = None
    _finalizer: Any = field(default=None, repr=False)

    def release(self) -> None:
        """Give the id back (another process may claim it now)."""
        if self._finalizer is not None:
            self._finalizer()


def _read(path: Path) -> dict[str, list[str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=1, sort_keys=True)
    os.replace(temporary, path)


def _try_lock(path: Path, hia_id: str) -> IO[bytes] | None:
    lock = open(path.with_name(f"{path.name}.{hia_id}.lock"), "ab")  # noqa: SIM115 - held by the claim
    try:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        return None
    return lock


def claim_hia_id(server_url: str, account_id: str, username: str) -> HiaIdClaim:
    """Claim this user's first free persistent HIA id on this machine (module docstring).

    Args:
        server_url: the API base URL (ids are kept per server).
        account_id, username: the user (ids are kept per user).

    Returns:
        the claim; ``claim.hia_id`` is a 6-character ``A-Z0-9`` string. Any failure to read or write the file
        (read-only home, no ``fcntl``) falls back to a fresh random id without raising.
    """
    path = cache_path()
    if path is None or fcntl is None:
        return HiaIdClaim(UtilService.generateId(ID_LENGTH))
    key = f"{server_url.rstrip('/')}|{account_id}|{username}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_name(path.name + ".lock"), "ab") as guard:  # serialises readers and writers
            fcntl.flock(guard.fileno(), fcntl.LOCK_EX)
            data = _read(path)
            slots = [value for value in data.get(key, []) if isinstance(value, str) and value]
            for hia_id in slots:
                lock = _try_lock(path, hia_id)
                if lock is not None:
                    return _claim(hia_id, lock)
            if len(slots) >= MAX_SLOTS:
                return HiaIdClaim(UtilService.generateId(ID_LENGTH))
            hia_id = UtilService.generateId(ID_LENGTH)
            lock = _try_lock(path, hia_id)
            data[key] = [*slots, hia_id]
            _write(path, data)
            return _claim(hia_id, lock) if lock is not None else HiaIdClaim(hia_id)
    except OSError:
        return HiaIdClaim(UtilService.generateId(ID_LENGTH))


def _claim(hia_id: str, lock: IO[bytes]) -> HiaIdClaim:
    claim = HiaIdClaim(hia_id, lock)
    claim._finalizer = weakref.finalize(claim, _close, lock)
    return claim


def _close(lock: IO[bytes]) -> None:
    with contextlib.suppress(OSError):
        lock.close()
