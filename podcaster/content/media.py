"""One media transaction: files written before the commit, removed again when it fails.

Every change that stores or replaces a file follows the same order: the new file
is written first and its row added to the given session; the caller commits
through ``FileChanges.commit``, which removes the new files when the commit fails
and the replaced ones only after it succeeded. The database and the media folder
never disagree, whoever the caller is (a view, a command, the demo, the importer).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import MediaFile
from .images import ImageError, ImageRule, check_podcast_artwork, inspect_image, resized_jpeg
from .storage import MediaStore, StorageError, TooLarge
from .storage_s3 import S3MediaStore
from .text import binary_size


@dataclass
class FileChanges:
    """Files written for one change, and files to remove once it is committed."""

    new_paths: list[str] = field(default_factory=list)
    old_paths: list[str] = field(default_factory=list)
    #: New files the S3 backend could not send yet (path -> reason): still local, their rows say so.
    transfer_failures: dict[str, str] = field(default_factory=dict)
    #: New file path -> the episode held as a draft until that file is in the bucket, with the publication
    #: it gets then (``transfers.hold_for_transfer_job``).
    release_after_transfer: dict[str, tuple] = field(default_factory=dict)

    def commit(self, session: Session, store: MediaStore) -> None:
        """Commit ``session``; then remove replaced files, or on failure the new ones.

        With the S3 backend the new files are then sent to the bucket: by a queued job when the store has a
        ``transfer_queue`` (``transfers.queue_new_files``), else at once (``transfers.send_new_files``).
        A file not sent yet stays local and is listed in ``transfer_failures`` with the reason.
        """
        try:
            session.commit()
        except BaseException:
            self.discard(session, store)
            raise
        remove_files(store, self.old_paths)
        if isinstance(store, S3MediaStore):
            # transfers imports the feed code, which imports this
            from .transfers import queue_new_files, send_new_files

            queued = queue_new_files(session, store, self.new_paths, self.release_after_transfer)
            self.transfer_failures = queued | send_new_files(
                session, store, [path for path in self.new_paths if path not in queued])

    def discard(self, session: Session, store: MediaStore) -> None:
        """Give up the change: roll back and remove the files written for it."""
        session.rollback()
        for path in self.new_paths:
            store.delete_uncommitted(path)
        self.new_paths.clear()


def lock_media_row(session: Session, media_id: int) -> MediaFile | None:
    """Lock a media file's row until the commit, and read it afresh (None when it is gone).

    Whoever swaps a file's bytes takes it first (the re-tagging job, the chapter editor), so two swaps of
    one file never interleave. PostgreSQL locks the row (``FOR UPDATE``); SQLite has no row locks and
    ignores ``FOR UPDATE``, so a write that changes nothing takes its one write lock, which serialises
    writers the same way.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(MediaFile).where(MediaFile.id == media_id).values(id=MediaFile.id))
    return session.execute(select(MediaFile).where(MediaFile.id == media_id).with_for_update()
                           .execution_options(populate_existing=True)).scalar_one_or_none()


def remove_files(store: MediaStore, paths: list[str]) -> None:
    """Delete stored files; call after the commit that dropped their rows."""
    for path in paths:
        store.delete(path)


def delete_media(session: Session, media: MediaFile | None) -> list[str]:
    """Delete a file's row (and its variants' rows); return the paths to remove after the commit.

    Files go only once no row points at them, so a failed commit never leaves a row without its file.
    """
    if media is None:
        return []
    paths = [media.path] + [variant.path for variant in media.variants]
    session.delete(media)
    return paths


def store_text(session: Session, store: MediaStore, data: bytes, relative: str, mime_type: str, kind: str,
               original_name: str | None, changes: FileChanges) -> MediaFile:
    """Store small generated or uploaded text (transcript, chapters JSON) with its row in ``session``."""
    stored = store.save_bytes(data, relative)
    changes.new_paths.append(stored.path)
    media = MediaFile(path=stored.path, size=stored.size, sha256=stored.sha256, mime_type=mime_type, kind=kind,
                      original_name=(original_name or "")[:255] or None)
    session.add(media)
    return media


def store_image(session: Session, store: MediaStore, stream: BinaryIO, filename: str | None, rule: ImageRule,
                max_bytes: int) -> MediaFile:
    """Save an image and its variants, and add their rows to ``session``.

    The caller commits. When anything fails, the files written so far are
    removed and no row is added.

    Args:
        session: the database session the rows are added to.
        store: the media store.
        stream: the image's bytes (read to the end, at most ``max_bytes``).
        filename: the name the image came with (at most the stem of the stored name comes from it).
        rule: which checks apply and which variants to make.
        max_bytes: the largest accepted image.

    Returns:
        The original's MediaFile, with its variants attached.

    Raises:
        ImageError: not an acceptable image (message for the form).
    """
    written: list[str] = []
    staged = None
    try:
        # Named only once Pillow has said what it is: the client's name gives at most the stem.
        staged = store.stage_stream(stream, rule.folder, max_bytes=max_bytes)
        info = inspect_image(staged.path)
        if rule.podcast_artwork:
            check_podcast_artwork(info)
        relative = store.path_for(rule.folder, filename, info.mime_type, "image")
        stored = store.commit_temp(staged.path, relative, size=staged.size, sha256=staged.sha256)
        written.append(stored.path)
        original = MediaFile(
            path=stored.path, size=stored.size, sha256=stored.sha256, mime_type=info.mime_type,
            kind="image", variant="original", original_name=(filename or "")[:255] or None,
            width=info.width, height=info.height,
        )
        stem = stored.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        for name, side in rule.variants.items():
            data, width, height = resized_jpeg(store.path_of(stored.path), side)
            variant = store.save_bytes(data, store.path_for(f"{rule.folder}/{name}", stem, "image/jpeg"))
            written.append(variant.path)
            original.variants.append(MediaFile(
                path=variant.path, size=variant.size, sha256=variant.sha256, mime_type="image/jpeg",
                kind="image", variant=name, width=width, height=height,
            ))
        session.add(original)
        return original
    except TooLarge as exc:
        remove_files(store, written)
        raise ImageError(f"The image is larger than {binary_size(max_bytes)}.") from exc
    except StorageError as exc:
        remove_files(store, written)
        raise ImageError(f"The image could not be stored: {exc}.") from exc
    except BaseException:
        remove_files(store, written)
        raise
    finally:
        if staged is not None:
            staged.path.unlink(missing_ok=True)  # gone already when it was committed


def replace_image(session: Session, store: MediaStore, current: MediaFile | None, rule: ImageRule,
                  max_bytes: int, *, stream: BinaryIO | None = None, filename: str | None = None,
                  remove: bool = False) -> tuple[MediaFile | None, FileChanges]:
    """Work out the image to keep: a new one, none (removed), or the current one.

    Args:
        session: the database session (the caller commits through the returned changes).
        store: the media store.
        current: the image the item has now.
        rule: how a new image is checked and resized.
        max_bytes: the largest accepted image.
        stream: a new image's bytes, or None for no new image.
        filename: the new image's name.
        remove: drop the current image (a new image wins).

    Returns:
        The image to set, and the changes to commit with ``FileChanges.commit``.

    Raises:
        ImageError: the new image is not acceptable (nothing was kept).
    """
    if stream is not None:
        media = store_image(session, store, stream, filename, rule, max_bytes)
        changes = FileChanges(new_paths=[media.path] + [variant.path for variant in media.variants])
        changes.old_paths = delete_media(session, current)
        return media, changes
    if remove and current is not None:
        return None, FileChanges(old_paths=delete_media(session, current))
    return current, FileChanges()
