"""The consistency check behind ``podcaster doctor``: does the database agree with the media folder?

Works on a session and a media store, so it runs from the CLI, from tests and
after a crash alike.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import MediaFile
from ..models.media import STORED_IN_S3
from .storage import HELD_PREFIX, HELD_SECONDS, INCOMING_FOLDER, TEMP_PREFIX, MediaStore, StorageError, sha256_of
from .storage_s3 import S3MediaStore

#: A temporary upload file older than this belongs to no running request.
STALE_TEMP_SECONDS = 6 * 3600
#: A file without a row younger than this may be an upload whose commit is still running.
RECENT_FILE_SECONDS = 600


@dataclass
class Finding:
    severity: str  # "error" or "warning"
    kind: str
    path: str
    message: str
    fixed: bool = False


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error" and not f.fixed]

    def add(self, severity: str, kind: str, path: str, message: str) -> Finding:
        finding = Finding(severity, kind, path, message)
        self.findings.append(finding)
        return finding


def _referenced_media_ids(session: Session) -> set[int]:
    """Ids of media rows some other row points at (variants count through their parent)."""
    media_table = MediaFile.__table__
    ids: set[int] = set()
    for table in media_table.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is media_table and table is not media_table:
                column = fk.parent
                ids.update(v for v in session.execute(sa.select(column).where(column.is_not(None))).scalars())
    return ids


def _check_object(report: Report, store: MediaStore, row: MediaFile) -> None:
    """HEAD the object of a row that says it is in the bucket: there, its size, its recorded SHA-256."""
    if not isinstance(store, S3MediaStore):
        report.add("error", "no-bucket", row.path, f"media row {row.id} is in S3 but no bucket is configured")
        return
    try:
        found = store.head(row.path)
    except StorageError as exc:
        report.add("error", "bucket-unreachable", row.path, str(exc))
        return
    if found is None:
        report.add("error", "missing-object", row.path, f"media row {row.id} points at a missing S3 object")
    elif found.size != row.size:
        report.add("error", "size-mismatch", row.path, f"the row says {row.size} bytes, the object has {found.size}")
    elif found.sha256 != row.sha256:
        report.add("error", "checksum-mismatch", row.path, "the object's recorded SHA-256 differs from the row's")


def check(session: Session, store: MediaStore, *, verify_checksums: bool = True,
          fix: bool = False) -> Report:
    """Compare the media rows with the files on disk.

    Args:
        session: a database session.
        store: the media store; an ``S3MediaStore`` for rows in the bucket (their objects are checked
            with HEAD: present, size, the SHA-256 recorded in their metadata).
        verify_checksums: re-hash every file (slower, finds silent corruption).
        fix: repair what is safe to repair: delete stale temporary uploads, files no row
            knows and rows nothing references (with their files). Missing or changed files are
            only reported: the right fix needs a person (restore from a backup).

    Returns:
        The findings; ``report.errors`` lists what is still wrong.
    """
    report = Report()
    rows = session.execute(sa.select(MediaFile)).scalars().all()
    known_paths = {row.path for row in rows}
    for row in rows:
        if row.stored_in == STORED_IN_S3:
            _check_object(report, store, row)
            continue
        path = store.path_of(row.path)
        if not path.is_file():
            report.add("error", "missing-file", row.path, f"media row {row.id} points at a missing file")
            continue
        size = path.stat().st_size
        if size != row.size:
            report.add("error", "size-mismatch", row.path, f"the row says {row.size} bytes, the file has {size}")
        elif verify_checksums and sha256_of(path) != row.sha256:
            report.add("error", "checksum-mismatch", row.path, "the file's SHA-256 differs from the row's")

    referenced = _referenced_media_ids(session)
    for row in rows:
        if row.parent_id is None and row.id not in referenced:
            finding = report.add("warning", "unreferenced-row", row.path,
                                 f"media row {row.id} is used by nothing")
            if fix:
                paths = [row.path] + [variant.path for variant in row.variants]
                session.delete(row)
                session.commit()
                for stale in paths:
                    store.delete(stale)
                finding.fixed = True

    now = time.time()
    if store.root.exists():
        for path in sorted(store.root.rglob("*")):
            if not path.is_file():
                continue
            relative = path.relative_to(store.root).as_posix()
            # Everything in the incoming folder is an upload on its way (or abandoned), whatever its name.
            if path.name.startswith(TEMP_PREFIX) or relative.startswith(f"{INCOMING_FOLDER}/"):
                # A file held for a form's next submit is useless once its token has expired.
                stale_after = HELD_SECONDS if path.name.startswith(HELD_PREFIX) else STALE_TEMP_SECONDS
                if now - path.stat().st_mtime > stale_after:
                    finding = report.add("warning", "stale-upload", relative, "an abandoned partial upload")
                    if fix:
                        path.unlink()
                        finding.fixed = True
                continue
            if relative not in known_paths and path.name != ".gitkeep":
                if now - path.stat().st_mtime < RECENT_FILE_SECONDS:
                    report.add("warning", "recent-unknown-file", relative,
                               "a new file no media row knows yet (an upload may be finishing)")
                    continue
                finding = report.add("error", "unknown-file", relative, "a file no media row knows")
                if fix:
                    path.unlink()
                    finding.fixed = True
    return report
