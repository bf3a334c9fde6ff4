"""Storing an uploaded image: file on disk, MediaFile rows, resized variants.

Shared by every form with an image field (author photo, book cover, show and
episode artwork), so each view stays one call.
"""
from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import FileStorage

from ..content.artwork import ImageError, check_podcast_artwork, inspect_image, resized_jpeg
from ..content.storage import MediaStore, StorageError, TooLarge
from ..extensions import db
from ..models import MediaFile


@dataclass(frozen=True)
class ImageRule:
    """How one kind of image is checked and which smaller copies are made."""

    folder: str
    variants: dict[str, int]  # variant name -> longest side in pixels
    podcast_artwork: bool = False


PHOTO = ImageRule("photos", {"thumb": 400})
COVER = ImageRule("covers", {"thumb": 600})
ARTWORK = ImageRule("artwork", {"feed": 1400, "thumb": 400}, podcast_artwork=True)


def store_image(store: MediaStore, upload: FileStorage, rule: ImageRule, max_bytes: int) -> MediaFile:
    """Save an uploaded image and its variants, and add their rows to the session.

    The caller commits. When anything fails, the files written so far are
    removed and no row is added.

    Args:
        store: the media store.
        upload: the uploaded file from the form.
        rule: which checks apply and which variants to make.
        max_bytes: the largest accepted upload.

    Returns:
        The original's MediaFile, with its variants attached.

    Raises:
        ImageError: the upload is not an acceptable image (message for the form).
    """
    written: list[str] = []
    staged = None
    try:
        # Named only once Pillow has said what it is: the client's name gives at most the stem.
        staged = store.stage_stream(upload.stream, rule.folder, max_bytes=max_bytes)
        info = inspect_image(staged.path)
        if rule.podcast_artwork:
            check_podcast_artwork(info)
        relative = store.path_for(rule.folder, upload.filename, info.mime_type, "image")
        stored = store.commit_temp(staged.path, relative, size=staged.size, sha256=staged.sha256)
        written.append(stored.path)
        original = MediaFile(
            path=stored.path, size=stored.size, sha256=stored.sha256, mime_type=info.mime_type,
            kind="image", variant="original", original_name=(upload.filename or "")[:255] or None,
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
        db.session.add(original)
        return original
    except TooLarge as exc:
        remove_files(store, written)
        raise ImageError(f"The image is larger than {max_bytes // (1024 * 1024)} MB.") from exc
    except StorageError as exc:
        remove_files(store, written)
        raise ImageError(f"The image could not be stored: {exc}.") from exc
    except BaseException:
        remove_files(store, written)
        raise
    finally:
        if staged is not None:
            staged.path.unlink(missing_ok=True)  # gone already when it was committed


def remove_files(store: MediaStore, paths: list[str]) -> None:
    """Delete stored files; call after the commit that dropped their rows."""
    for path in paths:
        store.delete(path)


def delete_media(media: MediaFile | None) -> list[str]:
    """Mark a stored file and its variants for deletion (the caller commits).

    Returns:
        The paths to pass to ``remove_files`` after the commit: files go only once
        no row points at them, so a failed commit never leaves a row without its file.
    """
    if media is None:
        return []
    paths = [media.path] + [variant.path for variant in media.variants]
    db.session.delete(media)
    return paths
