"""Whole-site backups: every record as JSON plus every media file, checked by SHA-256.

The archive is a zip holding ``manifest.json`` (format version, schema revision,
each file's size and SHA-256), ``data/<table>.json`` for each table and
``media/<path>`` for each stored file. Restoring goes into an empty site only,
so a backup can never silently merge into live data.
"""
from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .content.storage import CHUNK_SIZE, MediaStore
from .extensions import db

FORMAT_VERSION = 1
#: Derived or short-lived data, rebuilt on demand rather than backed up.
SKIPPED_TABLES = {"login_failure", "feed_cache"}


class BackupError(Exception):
    """The archive is unusable or the target site is not empty; the message says which."""


def _tables() -> list[sa.Table]:
    return [t for t in db.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


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
                source = store.path_of(relative)
                if not source.is_file():
                    raise BackupError(f"media file {relative} is missing; run `podcaster doctor` first")
                digest = hashlib.sha256()
                # Audio is already compressed; storing it saves time for nothing lost.
                with open(source, "rb") as handle, archive.open(
                    zipfile.ZipInfo(f"media/{relative}"), "w", force_zip64=True
                ) as out:
                    while chunk := handle.read(CHUNK_SIZE):
                        digest.update(chunk)
                        out.write(chunk)
                manifest["media"][relative] = {"size": source.stat().st_size, "sha256": digest.hexdigest()}
            archive.writestr("manifest.json", json.dumps(manifest, indent=1))
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def import_site(session: Session, store: MediaStore, source: str | Path) -> dict:
    """Restore a backup archive into an empty site.

    Media files are verified against the manifest before any row is written; when
    anything fails, the rows are rolled back and the copied files removed.

    Args:
        session: a database session on a migrated, empty database.
        store: the (empty) media store to fill.
        source: the archive.

    Returns:
        The archive's manifest.

    Raises:
        BackupError: not a backup archive, a checksum mismatch, or the site is not empty.
    """
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"{source} is not a backup archive: {exc}") from exc
    with archive:
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except (KeyError, ValueError) as exc:
            raise BackupError("the archive has no readable manifest.json") from exc
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(f"unsupported backup format {manifest.get('format')!r}")
        for table in _tables():
            if session.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                raise BackupError(f"the site is not empty (table {table.name} has rows); "
                                  "restore into a fresh database")
        copied: list[str] = []
        try:
            for relative, expected in manifest["media"].items():
                with archive.open(f"media/{relative}") as stream:
                    stored = store.save_stream(stream, relative)
                copied.append(relative)
                if stored.sha256 != expected["sha256"] or stored.size != expected["size"]:
                    raise BackupError(f"media/{relative} does not match its checksum in the manifest")
            for table in _tables():
                name = f"data/{table.name}.json"
                if name not in archive.namelist():
                    continue
                rows = json.loads(archive.read(name))
                if rows:
                    session.execute(table.insert(), [{k: _from_json(v) for k, v in row.items()} for row in rows])
            session.commit()
        except BaseException:
            session.rollback()
            for relative in copied:
                store.delete(relative)
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
