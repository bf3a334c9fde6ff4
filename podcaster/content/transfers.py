"""Moving stored files between the local folder and the S3 bucket, each step verified and repeatable.

Every function here is idempotent and safe to retry (a later job runs them as they are): the row's
``stored_in`` changes only after the destination holds the verified bytes, in its own commit, and the
source copy is removed only after that commit. A run stopped anywhere leaves every row pointing at a
complete copy; running again finishes the work and changes nothing already done.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Episode, MediaFile
from ..models.common import Status
from ..models.media import STORED_IN_S3, STORED_LOCALLY
from .feeds.podcast import enclosure_type
from .storage import StorageError, sha256_of
from .storage_s3 import S3MediaStore


class TransferFailed(StorageError):
    """A file could not be moved; its row and source copy are unchanged."""


#: ``queue(media_id, path, release)`` queues one transfer job and says whether the file will be sent by one
#: (True: queued now or already queued), False when the queue could not take it (the file is sent at once).
#: ``release`` is None or the held episode's publication (``release_held``'s arguments).
TransferQueue = Callable[[int, str, "dict | None"], bool]
#: What the author is told while a job sends the audio.
QUEUED_REASON = "a background job is sending it to the bucket; the episode is published once it is there"


def _content_type(row: MediaFile) -> str:
    # What a listener's app gets from the bucket or CDN: audio with the type its enclosure declares.
    return enclosure_type(row.mime_type) if row.kind == "audio" else row.mime_type


def transfer_media(session: Session, store: S3MediaStore, media_id: int) -> bool:
    """Send one file from the local folder to the bucket, verify it, then point its row there.

    Args:
        session: the database session (committed here once the object is verified).
        store: the S3 store (its local folder is where the file waits).
        media_id: the ``MediaFile`` to send.

    Returns:
        True when the file was sent now; False when there was nothing to do (row gone, already in S3).

    Raises:
        TransferFailed: the upload or its check failed; no object is left, the row still says
            ``local`` and the local file is kept, so the transfer can simply be tried again.
    """
    row = session.get(MediaFile, media_id)
    if row is None:
        return False
    if row.stored_in == STORED_IN_S3:
        store.delete_local(row.path)  # an earlier run stopped between its commit and this
        return False
    local = store.path_of(row.path)
    if not local.is_file():
        found = store.head(row.path)
        if found is not None and found.size == row.size and found.sha256 == row.sha256:
            _mark(session, row, STORED_IN_S3)  # sent and verified, stopped before the commit
            return True
        raise TransferFailed(f"{row.path}: the local file is missing and the bucket has no verified copy")
    try:
        store.upload(local, row.path, sha256=row.sha256, size=row.size, content_type=_content_type(row))
    except StorageError as exc:
        raise TransferFailed(str(exc)) from exc
    _mark(session, row, STORED_IN_S3)
    store.delete_local(row.path)
    return True


def fetch_media(session: Session, store: S3MediaStore, media_id: int) -> bool:
    """Bring one file from the bucket back into the local folder, verify it, point its row there.

    Args:
        session: the database session (committed here once the local file is verified).
        store: the S3 store.
        media_id: the ``MediaFile`` to bring back.

    Returns:
        True when the file was fetched now; False when there was nothing to do.

    Raises:
        TransferFailed: the download failed or its bytes differ from the row; the row still says ``s3``.
    """
    row = session.get(MediaFile, media_id)
    if row is None:
        return False
    if row.stored_in == STORED_LOCALLY:
        return False
    final = store.path_of(row.path)
    if not (final.is_file() and final.stat().st_size == row.size and sha256_of(final) == row.sha256):
        temp = store.temp_path_for(row.path)
        try:
            store.download(row.path, temp)
            if temp.stat().st_size != row.size or sha256_of(temp) != row.sha256:
                raise TransferFailed(f"{row.path}: the object's bytes differ from the row (size or SHA-256)")
            temp.replace(final)  # a partial file left by an interrupted run is replaced whole
        except StorageError as exc:
            raise TransferFailed(str(exc)) from exc
        finally:
            temp.unlink(missing_ok=True)
    _mark(session, row, STORED_LOCALLY)
    store.delete_object(row.path, quiet=True)
    return True


def _mark(session: Session, row: MediaFile, where: str) -> None:
    row.stored_in = where
    session.commit()


def send_new_files(session: Session, store: S3MediaStore, paths: Iterable[str]) -> dict[str, str]:
    """Transfer the files just committed (``FileChanges.commit``); a failure is kept, not raised.

    Returns:
        The path and reason of each file that could not be sent (it stays local, to be retried).
    """
    failures: dict[str, str] = {}
    paths = list(paths)
    if not paths:
        return failures
    ids = session.execute(sa.select(MediaFile.path, MediaFile.id).where(MediaFile.path.in_(paths))).all()
    for path, media_id in ids:
        try:
            transfer_media(session, store, media_id)
        except TransferFailed as exc:
            session.rollback()
            failures[path] = str(exc)
    return failures


def hold_for_transfer_job(store, episode: Episode, audio_path: str, changes) -> None:
    """Before the save's commit: keep an episode whose new audio a job will send a draft until it is sent.

    The publication the author chose goes with the transfer job (``FileChanges.release_after_transfer``),
    which makes it once the audio is verified in the bucket, so the episode is never public with audio
    the bucket lacks. Nothing happens without a ``transfer_queue`` or for a draft.
    """
    if getattr(store, "transfer_queue", None) is None or episode.status == Status.DRAFT:
        return
    changes.release_after_transfer[audio_path] = (episode, episode.status, episode.publish_at)
    episode.status = Status.DRAFT.value


def queue_new_files(session: Session, store, paths: Iterable[str],
                    releases: dict[str, tuple] | None = None) -> dict[str, str]:
    """Queue a transfer job per file just committed, when the store has a ``transfer_queue``.

    Args:
        session: the database session (the save is committed).
        store: the app's store.
        paths: the new files.
        releases: path -> ``(episode, status, publish_at)`` held by ``hold_for_transfer_job``.

    Returns:
        The path of each file a job will send, with ``QUEUED_REASON``. A file the queue could not take is
        left out (the caller sends it at once) and its episode gets its publication back now.
    """
    queue = getattr(store, "transfer_queue", None)
    paths = list(paths)
    if queue is None or not paths:
        return {}
    releases = releases or {}
    queued: dict[str, str] = {}
    rows = session.execute(sa.select(MediaFile.path, MediaFile.id).where(MediaFile.path.in_(paths))).all()
    for path, media_id in rows:
        release = None
        if path in releases:
            episode, status, publish_at = releases[path]
            release = {"episode_id": episode.id, "status": status,
                       "publish_at": publish_at.isoformat() if publish_at else None}
        if queue(media_id, path, release):
            queued[path] = QUEUED_REASON
        elif path in releases:  # sent at once instead: hold_until_transferred decides as without jobs
            episode, status, publish_at = releases[path]
            episode.status, episode.publish_at = status, publish_at
            session.commit()
    return queued


def release_held(session: Session, media_id: int, episode_id: int, status: str, publish_at: str | None) -> bool:
    """After a transfer job: make the publication its episode was held back from.

    Only while the episode is still the held draft with this audio in the bucket (an author who changed
    the audio or published it meanwhile has decided).

    Returns:
        True when the episode got its publication now.
    """
    episode = session.get(Episode, episode_id)
    row = session.get(MediaFile, media_id)
    if (episode is None or row is None or episode.audio_id != media_id or episode.status != Status.DRAFT
            or row.stored_in != STORED_IN_S3):
        return False
    episode.status = status
    episode.publish_at = datetime.fromisoformat(publish_at) if publish_at else None
    session.commit()
    return True


@dataclass
class MigrationResult:
    moved: int = 0
    already: int = 0
    failed: dict[str, str] = field(default_factory=dict)


def migrate_media(session: Session, store: S3MediaStore, to: str,
                  progress: Callable[[int, int, str, str], None] | None = None) -> MigrationResult:
    """Move every file to the bucket (``to="s3"``) or back to the local folder (``to="local"``).

    Each file is copied, verified and switched on its own, so a run stopped halfway loses nothing and the
    next run carries on where it stopped.

    Args:
        session: the database session.
        store: the S3 store.
        to: ``s3`` or ``local``.
        progress: called as ``progress(done, total, path, outcome)`` after each file.

    Returns:
        How many files moved, how many were already there, and which failed (with the reason).
    """
    move = transfer_media if to == STORED_IN_S3 else fetch_media
    rows = session.execute(sa.select(MediaFile.id, MediaFile.path, MediaFile.stored_in)
                           .order_by(MediaFile.id)).all()
    result = MigrationResult()
    for done, (media_id, path, stored_in) in enumerate(rows, start=1):
        if stored_in == to and not (to == STORED_IN_S3 and store.path_of(path).is_file()):
            result.already += 1
            outcome = "already there"
        else:
            try:
                moved = move(session, store, media_id)
                result.moved += moved
                result.already += not moved
                outcome = "copied and verified" if moved else "already there"
            except TransferFailed as exc:
                session.rollback()
                result.failed[path] = str(exc)
                outcome = f"FAILED: {exc}"
        if progress is not None:
            progress(done, len(rows), path, outcome)
    return result


def hold_until_transferred(session: Session, store, episode, failures: dict[str, str] | None = None) -> str | None:
    """Keep an episode a draft while its audio is not verified in the bucket (S3 backend only).

    Tries the transfer once more unless ``failures`` (from the save just committed) says it already failed.

    Args:
        session: the database session (committed when the episode is held back).
        store: the app's store; nothing happens unless it is an ``S3MediaStore``.
        episode: the saved episode.
        failures: the save's ``FileChanges.transfer_failures``.

    Returns:
        Why the episode was held back as a draft (for the author), or None when it may be public.
    """
    audio = episode.audio
    if not isinstance(store, S3MediaStore) or audio is None or audio.stored_in == STORED_IN_S3:
        return None
    reason = (failures or {}).get(audio.path)
    if reason is None:
        try:
            transfer_media(session, store, audio.id)
            return None
        except TransferFailed as exc:
            session.rollback()
            reason = str(exc)
    if episode.status != Status.DRAFT:
        episode.status = Status.DRAFT.value
        session.commit()
    return reason
