"""Replacing or removing the image of an author or a book, without leaving files behind.

Used by the author and book admin views: the new file is written before the
commit (and removed again if the commit fails); the old file is removed only
after the commit that dropped its row.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from werkzeug.datastructures import FileStorage

from ...extensions import db
from ...models import MediaFile
from .. import media_store
from ..images import ImageRule, delete_media, remove_files, store_image


@dataclass
class ImageChange:
    """Files written for this request and files to remove once the change is committed."""

    new_paths: list[str] = field(default_factory=list)
    old_paths: list[str] = field(default_factory=list)


def has_upload(data) -> bool:
    """Whether a file field received a file (an empty file input sends no name)."""
    return isinstance(data, FileStorage) and bool(data.filename)


def apply_image(upload, remove: bool, current: MediaFile | None,
                rule: ImageRule) -> tuple[MediaFile | None, ImageChange]:
    """Work out the image to keep: a new upload, none (removed), or the current one.

    Args:
        upload: the file field's data.
        remove: whether "remove the current image" was ticked (an upload wins).
        current: the image the item has now.
        rule: how the upload is checked and resized.

    Returns:
        The image to set and the files to clean up (see ``commit_image_change``).

    Raises:
        ImageError: the upload is not an acceptable image (nothing was kept).
    """
    if has_upload(upload):
        media = store_image(media_store(), upload, rule, current_app.config["MAX_IMAGE_BYTES"])
        change = ImageChange(new_paths=[media.path] + [variant.path for variant in media.variants])
        change.old_paths = delete_media(current)
        return media, change
    if remove and current is not None:
        return None, ImageChange(old_paths=delete_media(current))
    return current, ImageChange()


def commit_image_change(change: ImageChange) -> None:
    """Commit the session; then remove replaced files, or on failure the new ones."""
    store = media_store()
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        remove_files(store, change.new_paths)
        raise
    remove_files(store, change.old_paths)


def discard_image_change(change: ImageChange) -> None:
    """Undo a change that will not be committed: roll back and remove the new files."""
    db.session.rollback()
    remove_files(media_store(), change.new_paths)
