"""Whole-site backups: every record as JSON plus every media file, checked by SHA-256.

The archive is a zip holding ``manifest.json`` (format version, schema revision,
each file's size and SHA-256), ``data/<table>.json`` for each table and
``media/<path>`` for each stored file. Restoring goes into an empty site only,
so a backup can never silently merge into live data.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import MediaFile
from ..models.media import STORED_LOCALLY
from . import page_cache
from .filetypes import EXTENSIONS
from .storage import CHUNK_SIZE, MediaStore, StorageError

FORMAT_VERSION = 1
#: Derived or short-lived data, rebuilt on demand rather than backed up. The listener salts are never copied
#: anywhere (they must die with their day); the roll-up's bookmark is rebuilt (a restored site rolls all up).
SKIPPED_TABLES = {"login_failure", "feed_cache", "feed_health", "job_record", "page_cache_state",
                  "listener_salt", "analytics_state"}


class BackupError(Exception):
    """The archive is unusable or the target site is not empty; the message says which."""


def _tables() -> list[sa.Table]:
    # Every model shares one declarative base: any model's metadata lists every table.
    return [t for t in MediaFile.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def _to_json(value):
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    return value


def _from_json(value):
    if isinstance(value, dict) and len(value) == 1:
        (key, raw), = value.items()
        if key == "$datetime":
            return datetime.fromisoformat(raw)
        if key == "$date":
            return date.fromisoformat(raw)
        if key == "$bytes":
            return base64.b64decode(raw)
    return value


def _schema_revision(session: Session) -> str | None:
    try:
        return session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        session.rollback()
        return None


def export_site(session: Session, store: MediaStore, target: str | Path) -> dict:
    """Write a backup archive of the whole site.

    Args:
        session: a database session.
        store: the media store whose files go into the archive.
        target: the zip file to write (written beside, then renamed into place).

    Returns:
        The manifest that was written.
    """
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    manifest = {"format": FORMAT_VERSION, "schema_revision": _schema_revision(session),
                "tables": {}, "media": {}}
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table in _tables():
                rows = [
                    {key: _to_json(value) for key, value in row._mapping.items()}
                    for row in session.execute(sa.select(table).order_by(*table.primary_key.columns))
                ]
                archive.writestr(f"data/{table.name}.json", json.dumps(rows, ensure_ascii=False))
                manifest["tables"][table.name] = len(rows)
            paths = session.execute(sa.text("SELECT path FROM media_file ORDER BY id")).scalars()
            for relative in paths:
                # store.open reads the local file, or (S3 backend) the object when this machine has no copy.
                try:
                    handle = store.open(relative)
                except (FileNotFoundError, StorageError) as exc:
                    raise BackupError(f"media file {relative} is missing; run `podcaster doctor` first") from exc
                digest = hashlib.sha256()
                size = 0
                # Audio is already compressed; storing it saves time for nothing lost.
                with handle, archive.open(zipfile.ZipInfo(f"media/{relative}"), "w", force_zip64=True) as out:
                    while chunk := handle.read(CHUNK_SIZE):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                manifest["media"][relative] = {"size": size, "sha256": digest.hexdigest()}
            archive.writestr("manifest.json", json.dumps(manifest, indent=1))
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


#: A generous default for ``BACKUP_MAX_BYTES``, the most an archive may restore (media and records).
DEFAULT_MAX_BYTES = 100 * 1024**3
#: The most of ``manifest.json`` read into memory.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
#: The most of one ``data/<table>.json`` read into memory.
MAX_DATA_BYTES = 1024 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
#: What zipfile and zlib raise for a damaged, encrypted or unsupported entry.
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError)


def is_safe_path(path: str) -> bool:
    """Whether an archive name (or a media path from the manifest) is a plain relative path.

    Refused: absolute paths, backslashes (a separator on Windows), drive letters and
    other colons, empty, ``.`` and ``..`` components, hidden names (the store's
    temporary files start with a dot) and control characters. Every name the store
    itself makes passes.
    """
    if not isinstance(path, str) or not path or path.startswith("/") or "\\" in path or ":" in path:
        return False
    for part in path.split("/"):
        if part in ("", ".", "..") or part.startswith("."):
            return False
        if any(ord(char) < 32 or ord(char) == 127 for char in part):
            return False
    return True


def copy_exactly(stream: BinaryIO, out: BinaryIO, size: int, digest, name: str) -> None:
    """Copy ``size`` bytes from ``stream`` to ``out``, refusing at the first byte over or any short read.

    Args:
        stream: the entry being read.
        out: where the bytes go.
        size: how long the entry must be.
        digest: a hashlib object updated with the bytes, or ``None``.
        name: the entry's name, for messages.

    Raises:
        BackupError: the entry is longer or shorter than ``size``.
    """
    remaining = size
    # One byte more than is left is asked for, so an overlong entry is noticed at once.
    while chunk := stream.read(min(CHUNK_SIZE, remaining + 1)):
        if len(chunk) > remaining:
            raise BackupError(f"{name} is longer than the {size} bytes the manifest gives")
        remaining -= len(chunk)
        if digest is not None:
            digest.update(chunk)
        out.write(chunk)
    if remaining:
        raise BackupError(f"{name} is shorter than the {size} bytes the manifest gives")


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    out = io.BytesIO()
    try:
        with archive.open(info) as stream:
            copy_exactly(stream, out, info.file_size, None, info.filename)
    except _READ_ERRORS as exc:
        raise BackupError(f"{info.filename} cannot be read from the archive: {exc}") from exc
    return out.getvalue()


def _check_entries(archive: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Each entry by name, once its name and type are known to be harmless."""
    entries: dict[str, zipfile.ZipInfo] = {}
    seen: set[str] = set()
    for info in archive.infolist():
        name = info.filename
        if not is_safe_path(name.removesuffix("/") if info.is_dir() else name):
            raise BackupError(f"the archive has an unsafe entry name: {name!r}")
        # The Unix file type, when the archiver recorded one (zipfile.writestr records none).
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise BackupError(f"{name} is a symbolic link; backups hold only regular files")
        if info.is_dir() or kind not in (0, stat.S_IFREG):
            raise BackupError(f"{name} is not a regular file; backups hold only regular files")
        if info.flag_bits & 0x1:
            raise BackupError(f"{name} is encrypted; backups are never encrypted")
        # Names that differ only in case or Unicode form are one file on some disks.
        key = unicodedata.normalize("NFC", name).casefold()
        if key in seen:
            raise BackupError(f"{name} appears more than once in the archive")
        seen.add(key)
        entries[name] = info
    return entries


def _read_manifest(archive: zipfile.ZipFile, entries: dict[str, zipfile.ZipInfo]) -> dict:
    info = entries.get("manifest.json")
    if info is None:
        raise BackupError("the archive has no manifest.json")
    if info.file_size > MAX_MANIFEST_BYTES:
        raise BackupError(f"manifest.json is larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        manifest = json.loads(_read_entry(archive, info))
    except (ValueError, RecursionError) as exc:
        raise BackupError(f"manifest.json is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict):
        raise BackupError("manifest.json is not a backup manifest")
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"unsupported backup format {manifest.get('format')!r} in manifest.json")
    media, tables = manifest.get("media"), manifest.get("tables")
    if not isinstance(media, dict) or not isinstance(tables, dict):
        raise BackupError("the manifest has no media or tables list")
    for relative, expected in media.items():
        if not is_safe_path(relative):
            raise BackupError(f"the manifest lists an unsafe media path: {relative!r}")
        if not (isinstance(expected, dict) and type(expected.get("size")) is int and expected["size"] >= 0
                and isinstance(expected.get("sha256"), str) and _SHA256.fullmatch(expected["sha256"])):
            raise BackupError(f"the manifest entry for media/{relative} needs a size and a SHA-256")
    if not all(type(count) is int for count in tables.values()):
        raise BackupError("the manifest's table counts are not numbers")
    return manifest


def _check_archive(archive: zipfile.ZipFile, max_bytes: int) -> tuple[dict, dict[str, zipfile.ZipInfo]]:
    """Check everything that can be checked without writing: names, types, sizes, the manifest.

    Returns:
        The manifest and the data entries by table name.
    """
    entries = _check_entries(archive)
    manifest = _read_manifest(archive, entries)
    media = manifest["media"]
    tables = {f"data/{table.name}.json": table.name for table in _tables()}
    data: dict[str, zipfile.ZipInfo] = {}
    for name, info in entries.items():
        if name == "manifest.json":
            continue
        if name in tables:
            if info.file_size > MAX_DATA_BYTES:
                raise BackupError(f"{name} is larger than {MAX_DATA_BYTES} bytes")
            data[tables[name]] = info
            continue
        relative = name.removeprefix("media/")
        if relative == name or relative not in media:
            raise BackupError(f"{name} is in the archive but not in the manifest")
        # The zip's own size is what zipfile will read; it must agree with the manifest's.
        if info.file_size != media[relative]["size"]:
            raise BackupError(f"{name} is {info.file_size} bytes in the archive, "
                              f"but the manifest says {media[relative]['size']}")
    for relative in media:
        if f"media/{relative}" not in entries:
            raise BackupError(f"media/{relative} is in the manifest but missing from the archive")
    total = sum(item["size"] for item in media.values()) + sum(info.file_size for info in data.values())
    if total > max_bytes:
        raise BackupError(f"the archive would restore {total} bytes, more than BACKUP_MAX_BYTES "
                          f"({max_bytes}); raise that setting if the backup is genuine")
    return manifest, data


def _read_records(archive: zipfile.ZipFile, data: dict[str, zipfile.ZipInfo],
                  media: dict) -> list[tuple[sa.Table, list]]:
    """Every table's rows, decoded and checked against the table's columns."""
    records = []
    for table in _tables():
        info = data.get(table.name)
        if info is None:
            continue
        name = info.filename
        try:
            rows = json.loads(_read_entry(archive, info))
        except (ValueError, RecursionError) as exc:
            raise BackupError(f"{name} is not valid JSON: {exc}") from exc
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise BackupError(f"{name} does not hold a list of records")
        columns = set(table.columns.keys())
        decoded = []
        for row in rows:
            unknown = set(row) - columns
            if unknown:
                raise BackupError(f"{name} has a column the table {table.name} does not have: "
                                  f"{sorted(unknown)[0]}")
            try:
                decoded.append({key: _from_json(value) for key, value in row.items()})
            except (ValueError, TypeError) as exc:
                raise BackupError(f"{name} has a value that cannot be read: {exc}") from exc
        if table.name == "media_file":
            _check_media_rows(name, decoded, media)
        records.append((table, decoded))
    return records


def _check_media_rows(name: str, rows: list[dict], media: dict) -> None:
    """Every file row points at a file in the archive and has a type this site stores.

    /media serves a file with its row's type, so a restored row must not make a stored
    file a page or a script (``text/html``), whatever the archive says.
    """
    for row in rows:
        path, mime_type = row.get("path"), row.get("mime_type")
        if path not in media:
            raise BackupError(f"{name} lists {path!r}, which is not in the manifest")
        if mime_type not in EXTENSIONS:
            raise BackupError(f"{name} gives {path} the type {mime_type!r}, which this site never stores")


def _stage_media(archive: zipfile.ZipFile, store: MediaStore, media: dict, staged: list[tuple[Path, str]],
                 folders: list[Path]) -> None:
    """Write each media entry to a temporary file beside its final name, checking size and checksum.

    ``staged`` and ``folders`` collect what was made, so the caller can remove it all on failure.
    """
    for relative, expected in media.items():
        name = f"media/{relative}"
        final = store.path_of(relative)
        missing = [folder for folder in (final.parent, *final.parent.parents) if not folder.exists()]
        folders.extend(reversed(missing))
        temp = store.temp_path_for(relative)
        digest = hashlib.sha256()
        try:
            with archive.open(name) as stream, open(temp, "xb") as out:
                staged.append((temp, relative))
                copy_exactly(stream, out, expected["size"], digest, name)
                out.flush()
                os.fsync(out.fileno())
        except _READ_ERRORS as exc:
            raise BackupError(f"{name} cannot be read from the archive: {exc}") from exc
        if digest.hexdigest() != expected["sha256"]:
            raise BackupError(f"{name} does not match its checksum in the manifest")


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    return (str(original).strip().splitlines() or [type(original).__name__])[0]


def import_site(session: Session, store: MediaStore, source: str | Path,
                max_bytes: int = DEFAULT_MAX_BYTES) -> dict:
    """Restore a backup archive into an empty site, all or nothing.

    The archive is checked before anything is written: only plain relative names, no
    links, no duplicates, every entry in the manifest and every manifest entry in the
    archive, sizes agreeing with the zip's own, the total within ``max_bytes``. Media
    then go to temporary files beside their final names, each stopped at the first
    byte beyond its manifest size and checked against its SHA-256; the records are
    inserted, the files renamed into place, and the whole committed. On any failure
    the rows are rolled back and every file and folder made is removed.

    Args:
        session: a database session on a migrated, empty database.
        store: the (empty) media store to fill.
        source: the archive.
        max_bytes: the most the archive may restore (media plus records), in bytes.

    Returns:
        The archive's manifest.

    Raises:
        BackupError: the archive is unusable or hostile, or the site is not empty (one line).
    """
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise BackupError(f"{source} is not a backup archive: {exc}") from exc
    staged: list[tuple[Path, str]] = []
    placed: list[str] = []
    folders: list[Path] = []
    with archive:
        manifest, data = _check_archive(archive, max_bytes)
        for table in _tables():
            if session.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                raise BackupError(f"the site is not empty (table {table.name} has rows); "
                                  "restore into a fresh database")
        records = _read_records(archive, data, manifest["media"])
        try:
            try:
                _stage_media(archive, store, manifest["media"], staged, folders)
            except (OSError, StorageError) as exc:
                raise BackupError(f"the media files could not be written: {exc}") from exc
            for table, rows in records:
                try:
                    if rows:
                        session.execute(table.insert(), rows)
                except sa.exc.SQLAlchemyError as exc:
                    raise BackupError(
                        f"data/{table.name}.json could not be restored: {_first_line(exc)}") from exc
            # The files arrive in the local folder whatever the exporting site used (the S3 backend then
            # sends them to its bucket, see ``transfers.migrate_media``).
            session.execute(sa.update(MediaFile).values(stored_in=STORED_LOCALLY))
            try:
                for temp, relative in staged:
                    store.commit_temp(temp, relative, size=manifest["media"][relative]["size"],
                                      sha256=manifest["media"][relative]["sha256"])
                    placed.append(relative)
            except (OSError, StorageError) as exc:
                raise BackupError(f"the media files could not be put in place: {exc}") from exc
            # Rows went in through Core, past the flush events: retire every page (and the lean path's
            # held media rows) that a running process rendered before the restore.
            page_cache.invalidate(session)
            try:
                session.commit()
            except sa.exc.SQLAlchemyError as exc:
                raise BackupError(f"the records could not be restored: {_first_line(exc)}") from exc
        except BaseException:
            session.rollback()
            for relative in placed:
                store.delete(relative)
            for temp, _ in staged:
                temp.unlink(missing_ok=True)
            for folder in reversed(folders):
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only when empty: never a folder that holds anything else
            raise
    _reset_sequences(session)
    return manifest


def _reset_sequences(session: Session) -> None:
    """After inserting explicit ids, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in _tables():
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                column.autoincrement == "auto" and isinstance(column.type, sa.Integer)
                and len(table.primary_key.columns) == 1
            ):
                session.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{column.name}'), "
                    f"COALESCE((SELECT MAX(\"{column.name}\") FROM \"{table.name}\"), 0) + 1, false)"
                ))
    session.commit()
