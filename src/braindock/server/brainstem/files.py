"""Stored files of the BrainSTEM file fields (``brainstem.md`` 3.1, 4.2.3, 4.3.4-4.3.6).

``license.license_document``, ``protocol.attachment``, ``setup.image`` and ``dataacquisition.image`` are
uploaded as multipart form data on POST/PATCH/PUT (the form part named after the field) and cleared with
JSON ``null``. The bytes go to a content-addressed store under the data directory::

    <data dir>/files/sha256/ab/cdef0123...   (the file's SHA-256 in hex, split after two digits)
    <data dir>/files/tmp/                    (uploads being written, files being deleted)

Each file is written to ``tmp/``, fsync'd, then renamed into place (and the directory fsync'd), so a
crash never leaves a torn file under its digest. One ``bs_file`` row per file counts the record fields
referring to it (``refs``): a file shared by two records survives the deletion of one and is deleted with
the last. Files are renamed into place and out of it (to ``tmp/<digest>.<random>.trash``) only while the
request's transaction holds the row, so a concurrent upload of the same bytes cannot lose them; the trash
is emptied after the commit and put back on a rollback (or, after a crash, on the store's first use).

Accepted content, sniffed from the bytes (the declared ``Content-Type`` of a part is not trusted):

* image fields: PNG, JPEG, GIF, WebP, TIFF, BMP (no SVG: it can carry scripts);
* ``protocol.attachment``: the documented PDF, DOCX, XLSX, PPTX, ODT, CSV, Markdown (``.md``), plain text
  (``.txt``); the text formats have no signature, so they must be valid UTF-8 without NUL bytes and carry
  one of those extensions;
* ``license.license_document`` ("PDF recommended"): the attachment formats plus the image formats (scans).

Sizes: at most ``BRAINDOCK_BRAINSTEM_MAX_FILE_BYTES`` (default 100 MiB) per file, and at most the
documented 15 MB (MiB) for ``protocol.attachment``; larger uploads answer 413.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import filetype
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from braindock.server.brainstem.errors import BrainstemError, Invalid
from braindock.server.storage import brainstem_models as db
from braindock.server.storage.models import utcnow

IMAGE_TYPES = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "image/tiff": "TIFF",
    "image/bmp": "BMP",
}
OFFICE_TYPES = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PPTX",
    "application/vnd.oasis.opendocument.text": "ODT",
}
#: Text formats, told apart by their extension (they have no signature).
TEXT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
#: Accepted formats of each ``File.kind``: sniffed MIME type to its name (text formats via :data:`TEXT_TYPES`).
KINDS: dict[str, dict[str, str]] = {
    "image": IMAGE_TYPES,
    "document": OFFICE_TYPES,
    "license": {**OFFICE_TYPES, **IMAGE_TYPES},
}
SNIFF_BYTES = 8192
#: A stored file's name: its SHA-256 in lower-case hex.
DIGEST = re.compile(r"[0-9a-f]{64}")
#: Age (seconds) after which a stored file without a ``bs_file`` row is an orphan of a crashed request.
ORPHAN_GRACE_SECONDS = 3600
CHUNK = 1024 * 1024


class TooLarge(BrainstemError):
    """413: an upload (or the whole request body) exceeds its size limit."""

    def __init__(self, detail: str, field_name: str | None = None) -> None:
        super().__init__(413, detail, "too_large")
        self.field_name = field_name

    def body(self) -> dict[str, Any]:
        """``{"<field>": [message]}`` for one file, ``{"detail": message}`` for the whole body."""
        return {self.field_name: [self.message]} if self.field_name else {"detail": self.message}


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB" if size >= 1024 * 1024 else f"{size} bytes"


@dataclass
class Staged:
    """An upload written to ``tmp/`` and checked, not yet referenced by any record.

    Attributes:
        path: the temporary file (fsync'd).
        sha256: hex digest of the bytes.
        size: bytes.
        content_type: sniffed MIME type (served back as ``Content-Type``).
        filename: the uploaded file name, without directories.
    """

    path: Path
    sha256: str
    size: int
    content_type: str
    filename: str


def _clean_name(raw: str | None) -> str:
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"\r\n').strip() or "file"
    if len(name) > db.FILE_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        ext = (dot + ext) if dot and len(ext) < 16 else ""
        name = name[: db.FILE_NAME_LENGTH - len(ext)] + ext
    return name


def sniff(path: Path, kind: str, filename: str, field_name: str) -> str:
    """The MIME type of a staged file if ``kind`` accepts it.

    Raises:
        Invalid: empty file, or content that is none of the accepted formats (400 naming the field).
    """
    accepted = KINDS[kind]
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head:
        raise Invalid({field_name: ["The submitted file is empty."]})
    guess = filetype.guess(head)
    if guess is not None and guess.mime in accepted:
        return guess.mime
    extension = os.path.splitext(filename)[1].lower()
    if kind != "image" and guess is None and extension in TEXT_TYPES and _is_text(path):
        return TEXT_TYPES[extension]
    if kind == "image":
        raise Invalid(
            {
                field_name: [
                    "Upload a valid image. The file you uploaded was either not an image or a corrupted image "
                    f"(accepted: {', '.join(accepted.values())})."
                ]
            }
        )
    found = f" (found {guess.mime})" if guess is not None else ""
    names = ", ".join(accepted.values())
    raise Invalid(
        {field_name: [f"Unsupported file type{found}. Accepted: {names}, CSV (.csv), Markdown (.md), text (.txt)."]}
    )


def _is_text(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            if b"\x00" in chunk:
                return False
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def served_type(stored_type: str, filename: str) -> str:
    """The ``Content-Type`` a file is served with: the sniffed type, except that text files (identical bytes may be
    stored once for a ``.md`` and a ``.txt`` record) take the type of the record's own extension."""
    if stored_type.startswith("text/"):
        return TEXT_TYPES.get(os.path.splitext(filename)[1].lower(), stored_type)
    return stored_type


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileStore:
    """The content-addressed store under ``<data dir>/files`` (see the module docstring).

    Args:
        root: ``Settings.files_dir``.
        max_bytes: ``Settings.brainstem_max_file_bytes``.
    """

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.blobs = root / "sha256"
        self.tmp = root / "tmp"

    def path(self, sha256: str) -> Path:
        """Where the file with this digest lives (``sha256/ab/cdef...``).

        Raises:
            ValueError: ``sha256`` is not 64 lower-case hex digits (no path outside the store can be named).
        """
        if not DIGEST.fullmatch(sha256 or ""):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.blobs / sha256[:2] / sha256[2:]

    def stage(self, source: IO[bytes], filename: str | None, kind: str, field_name: str, limit: int) -> Staged:
        """Copy an upload into ``tmp/`` (hashing it), fsync it and check its size and type.

        Raises:
            TooLarge: more than ``limit`` bytes (413).
            Invalid: empty or not an accepted format (400).
        """
        self.tmp.mkdir(parents=True, exist_ok=True)
        name = _clean_name(filename)
        digest = hashlib.sha256()
        size = 0
        fd, temp = tempfile.mkstemp(dir=self.tmp, suffix=".upload")
        path = Path(temp)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(
                            f"Ensure this file is at most {_mib(limit)} ({limit} bytes); it is larger.", field_name
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            content_type = sniff(path, kind, name, field_name)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return Staged(path, digest.hexdigest(), size, content_type, name)

    def recover(self, session: Session, grace: float = ORPHAN_GRACE_SECONDS) -> None:
        """At the store's first use in a process (before any upload): put back files trashed by a transaction
        that never committed (a crash), drop trash whose row is gone and abandoned uploads, then delete stored
        files that no ``bs_file`` row counts (renamed into place by a request that crashed before its commit)
        once they are older than ``grace`` seconds (a younger one may belong to a request still running)."""
        if self.tmp.is_dir():
            self._recover_tmp(session)
        self._collect_orphans(session, grace)

    def _collect_orphans(self, session: Session, grace: float) -> None:
        if not self.blobs.is_dir():
            return
        cutoff = time.time() - grace
        blob = db.file_blob
        for folder in self.blobs.iterdir():
            if not folder.is_dir() or len(folder.name) != 2:
                continue
            for entry in folder.iterdir():
                sha256 = folder.name + entry.name
                if not DIGEST.fullmatch(sha256):
                    continue
                try:
                    if entry.stat().st_mtime > cutoff:
                        continue
                except OSError:
                    continue
                if session.scalar(sa.select(blob.c.sha256).where(blob.c.sha256 == sha256)) is None:
                    with contextlib.suppress(OSError):
                        entry.unlink()

    def _recover_tmp(self, session: Session) -> None:
        for entry in self.tmp.iterdir():
            if entry.name.endswith(".trash"):
                sha256 = entry.name.split(".", 1)[0]
                if not DIGEST.fullmatch(sha256):
                    continue
                alive = session.scalar(sa.select(db.file_blob.c.refs).where(db.file_blob.c.sha256 == sha256))
                final = self.path(sha256)
                if alive and not final.exists():
                    final.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(entry, final)
                    continue
            elif not entry.name.endswith(".upload"):
                continue
            with contextlib.suppress(OSError):
                entry.unlink()


@dataclass
class FileChanges:
    """The file operations of one request, undone on rollback and finished after the commit."""

    store: FileStore
    placed: list[Path] = field(default_factory=list)
    trashed: list[tuple[Path, Path]] = field(default_factory=list)
    staged: list[Staged] = field(default_factory=list)

    def attach(self, session: Session, staged: Staged) -> str:
        """Count one more reference to the staged file's digest and move it into the store; returns the digest."""
        blob = db.file_blob
        values = {
            "sha256": staged.sha256,
            "size": staged.size,
            "content_type": staged.content_type,
            "refs": 1,
            "created_at": utcnow(),
        }
        # one statement, so two simultaneous uploads of the same bytes cannot both insert (PostgreSQL, SQLite)
        upsert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        statement = upsert(blob).values(**values)
        session.execute(statement.on_conflict_do_update(index_elements=[blob.c.sha256], set_={"refs": blob.c.refs + 1}))
        final = self.store.path(staged.sha256)
        if final.exists():
            staged.path.unlink(missing_ok=True)
        else:
            if not final.parent.is_dir():
                final.parent.mkdir(parents=True, exist_ok=True)
                _fsync_dir(final.parent.parent)
            os.replace(staged.path, final)
            _fsync_dir(final.parent)
            self.placed.append(final)
        return staged.sha256

    def release(self, session: Session, sha256: str | None) -> None:
        """Count one reference less; the last one deletes the row and moves the file to the trash."""
        if not sha256:
            return
        blob = db.file_blob
        session.execute(sa.update(blob).where(blob.c.sha256 == sha256).values(refs=blob.c.refs - 1))
        refs = session.scalar(sa.select(blob.c.refs).where(blob.c.sha256 == sha256))
        if refs is None or refs > 0:  # still used (or no row: leave the bytes alone)
            return
        session.execute(sa.delete(blob).where(blob.c.sha256 == sha256))
        final = self.store.path(sha256)
        if final.exists():
            self.store.tmp.mkdir(parents=True, exist_ok=True)
            trash = self.store.tmp / f"{sha256}.{secrets.token_hex(8)}.trash"
            os.replace(final, trash)
            self.trashed.append((trash, final))

    def undo(self) -> None:
        """Before the rollback: take out files placed by this request, put trashed ones back, drop uploads."""
        for final in self.placed:
            with contextlib.suppress(OSError):
                final.unlink()
        for trash, final in self.trashed:
            with contextlib.suppress(OSError):
                os.replace(trash, final)
        self.discard()

    def done(self) -> None:
        """After the commit: empty the trash and drop uploads no record took."""
        for trash, _final in self.trashed:
            with contextlib.suppress(OSError):
                trash.unlink()
        self.discard()

    def discard(self) -> None:
        """Delete staged uploads that are still in ``tmp/``."""
        for staged in self.staged:
            staged.path.unlink(missing_ok=True)
        self.staged.clear()
