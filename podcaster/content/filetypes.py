"""The extension of every stored file, taken from the type its content was found to be.

A client's file name never chooses how a file is stored: a JPEG uploaded as
``x.php`` or ``ｐｏｌｙ．ｈｔｍｌ`` is kept as ``x.jpg`` or ``poly.jpg``, so nothing that
serves the media folder by extension (nginx, a CDN, a browser saving the file)
can be led to treat it as a script or a page. The client's name survives only
as an ASCII stem without dots.
"""
from __future__ import annotations

import unicodedata

from .slugs import make_slug

#: The extension for each MIME type the content checks can detect (Pillow, mutagen, the transcript
#: and chapters checks). A type missing here cannot be stored.
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "audio/mpeg": "mp3",
    # audio/mp4 is the registered type of M4A audio and audio/x-m4a the one Apple's guide lists;
    # either way the file is an .m4a.
    "audio/mp4": "m4a",
    "audio/x-m4a": "m4a",
    "text/vtt": "vtt",
    "application/x-subrip": "srt",
    "application/json+chapters": "json",
}


class UnknownType(ValueError):
    """No stored extension is known for this MIME type."""


def extension_for(mime_type: str) -> str:
    """The extension (without the dot) a file of ``mime_type`` is stored under.

    Raises:
        UnknownType: the type is not one the content checks produce.
    """
    try:
        return EXTENSIONS[mime_type]
    except KeyError:
        raise UnknownType(f"no stored file type for {mime_type!r}") from None


def name_stem(name: str | None, fallback: str = "file") -> str:
    """The part of a client's file name worth keeping: a lowercase ASCII slug, no dots, no folders.

    Fullwidth and other compatibility characters are folded first (``ｐｏｌｙ．ｈｔｍｌ`` is
    ``poly.html``), then the folder and the extension are dropped.

    Args:
        name: the name as sent by the client (or a slug).
        fallback: the stem when nothing usable is left.
    """
    folded = unicodedata.normalize("NFKC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = folded.rsplit(".", 1)[0] if "." in folded else folded
    return make_slug(stem, fallback)


def stored_name(name: str | None, mime_type: str, fallback: str = "file") -> str:
    """``<stem>.<extension>``: the stem from ``name`` (see ``name_stem``), the extension from the type."""
    return f"{name_stem(name, fallback)}.{extension_for(mime_type)}"
