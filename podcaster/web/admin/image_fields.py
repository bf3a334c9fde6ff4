"""Replacing or removing the image of an author or a book: the form's side of ``content.media.replace_image``.

Used by the author and book admin views: the new file is written before the
commit (and removed again if the commit fails); the old file is removed only
after the commit that dropped its row. The view commits with
``changes.commit(db.session, media_store())``.
"""
from __future__ import annotations

from flask import current_app
from werkzeug.datastructures import FileStorage

from ...content.images import ImageRule
from ...content.media import FileChanges, replace_image
from ...extensions import db
from ...models import MediaFile
from .. import media_store


def has_upload(data) -> bool:
    """Whether a file field received a file (an empty file input sends no name)."""
    return isinstance(data, FileStorage) and bool(data.filename)


def apply_image(upload, remove: bool, current: MediaFile | None,
                rule: ImageRule) -> tuple[MediaFile | None, FileChanges]:
    """Work out the image to keep: a new upload, none (removed), or the current one.

    Args:
        upload: the file field's data.
        remove: whether "remove the current image" was ticked (an upload wins).
        current: the image the item has now.
        rule: how the upload is checked and resized.

    Returns:
        The image to set and the files to clean up when the change is committed.

    Raises:
        ImageError: the upload is not an acceptable image (nothing was kept).
    """
    uploaded = has_upload(upload)
    return replace_image(db.session, media_store(), current, rule, current_app.config["MAX_IMAGE_BYTES"],
                         stream=upload.stream if uploaded else None,
                         filename=upload.filename if uploaded else None, remove=remove)
