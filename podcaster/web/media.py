"""Serving stored media files the way podcast apps expect.

Only files with a ``MediaFile`` row are served (never temporary uploads or
anything else under the media root). Responses carry a strong ETag (the
file's SHA-256), Last-Modified and ``Accept-Ranges: bytes``, answer
conditional requests with 304, single byte ranges with 206 (including suffix
and open-ended ranges), and unsatisfiable ranges with 416. A request for
several ranges gets the whole file with 200, which RFC 9110 allows: podcast
players ask for one range at a time, and multipart/byteranges would buy
nothing but complexity.

Two ways to send the bytes:

- By default the app sends them itself, through the WSGI server's
  ``wsgi.file_wrapper`` over a file positioned at the range start. gunicorn
  then uses ``sendfile()``, counting the bytes from Content-Length, so a range
  costs one system call rather than a Python loop. Other servers iterate the
  wrapper, which reads no further than the range end.
- With ``MEDIA_ACCEL_REDIRECT`` set (e.g. ``/_protected_media/``), the app only
  checks that the file may be served and answers with ``X-Accel-Redirect``;
  nginx then serves the file from an ``internal`` location, ranges and all.
"""
from __future__ import annotations

import os
import re
import stat
from datetime import UTC, datetime
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, redirect, request
from flask_login import current_user
from sqlalchemy import Connection, bindparam, or_, select
from werkzeug.http import is_resource_modified, parse_if_range_header, parse_range_header

from ..content.analytics.counting import SOURCE_REDIRECT
from ..content.feeds.podcast import enclosure_type
from ..content.publishing import is_visible
from ..content.storage import MediaStore, StorageError
from ..extensions import db
from ..models import Episode, MediaFile
from ..models.media import STORED_IN_S3
from . import analytics, current_time, media_store, remote_media_store
from .answers import Answer, to_response
from .feeds import PUBLIC_READ_HEADERS, last_modified_header

bp = Blueprint("media", __name__, url_prefix="/media")

#: A day, not a year: the ID3 re-tag job rewrites an MP3 in place under its name (a new ETag, so caches
#: that revalidate get the new tags; the audio itself is the same).
DEFAULT_CACHE_CONTROL = "public, max-age=86400"

#: Files web players read from their own origin (``fetch``), like the feeds that link them. Audio and
#: images need no CORS to play or show; uploads and admin pages never get it.
CROSS_ORIGIN_KINDS = frozenset({"transcript", "chapters"})


class BoundedFile:
    """A read-only view of ``length`` bytes of an open file, starting at its current position.

    ``fileno()`` exposes the real file so a server can ``sendfile()`` it; such servers
    bound the count by the response's Content-Length, which is this length.
    """

    def __init__(self, handle, length: int) -> None:
        self._handle = handle
        self._remaining = length

    def read(self, size: int = -1) -> bytes:
        if self._remaining <= 0:
            return b""
        if size is None or size < 0 or size > self._remaining:
            size = self._remaining
        data = self._handle.read(size)
        self._remaining -= len(data)
        return data

    def fileno(self) -> int:
        return self._handle.fileno()

    def close(self) -> None:
        self._handle.close()


# Only the columns needed: loading a full ORM object costs more than the rest of a small range request.
# The episode a file belongs to comes in the same query: an unpublished episode's audio,
# transcript and chapters stay private until its time, even at a guessed URL.
_MEDIA_BY_PATH = (
    select(MediaFile.path, MediaFile.sha256, MediaFile.mime_type, MediaFile.kind, MediaFile.stored_in,
           MediaFile.size, Episode.status, Episode.publish_at, Episode.id.label("episode_id"), Episode.show_id)
    .outerjoin(Episode, or_(Episode.audio_id == MediaFile.id, Episode.transcript_id == MediaFile.id,
                            Episode.chapters_id == MediaFile.id))
    .where(MediaFile.path == bindparam("path")).limit(1)
)


def find_media(connection: Connection, path: str):
    """The stored file's row at ``path`` with its episode's status and time (None when not stored)."""
    return connection.execute(_MEDIA_BY_PATH, {"path": path}).first()


def is_private(media, now: datetime) -> bool:
    """Whether the file belongs to an episode the public may not hear yet (a draft, or scheduled)."""
    return media.status is not None and not is_visible(media.status, media.publish_at, now)


def stored_file(store: MediaStore, media) -> tuple[Path, os.stat_result] | None:
    """The file on disk and its status, or None when it is missing or not a regular file."""
    try:
        file_path = store.path_of(media.path)
    except StorageError:
        return None
    info = regular_file_status(file_path)
    return None if info is None else (file_path, info)


def regular_file_status(file_path: Path) -> os.stat_result | None:
    """``os.stat`` of a regular file; None when it is missing or something else."""
    try:
        info = os.stat(file_path)
    except OSError:
        return None
    return info if stat.S_ISREG(info.st_mode) else None


def content_type_of(media) -> str:
    """Audio goes out with the type its feed enclosure declares (audio/x-m4a for M4A, Apple's)."""
    return enclosure_type(media.mime_type) if media.kind == "audio" else media.mime_type


@bp.route("/<path:path>", methods=["GET", "HEAD"])
def serve(path: str):
    """Serve a stored file: whole, as one byte range, or as a 304; 404 for anything not in the store."""
    media = find_media(db.session.connection(), path)
    if media is None:
        abort(404)
    private = is_private(media, current_time())
    if private and not current_user.is_authenticated:  # the author previews unpublished episodes
        abort(404)
    content_type = content_type_of(media)
    if media.stored_in == STORED_IN_S3:
        response = _redirect_to_bucket(media, content_type, private)
        if not private:  # the bucket sends the bytes: a redirect is credited what it was asked for
            analytics.note_media(current_app, request.environ, media, 200, redirected_length(media.size),
                                 proxied=True, source=SOURCE_REDIRECT)
        return response
    found = stored_file(media_store(), media)
    if found is None:
        abort(404)
    file_path, info = found

    prefix = current_app.config.get("MEDIA_ACCEL_REDIRECT")
    cache_control = current_app.config.get("MEDIA_CACHE_CONTROL", DEFAULT_CACHE_CONTROL)
    if prefix:
        response = _accel_redirect(prefix, media, content_type)
    else:
        answer = media_answer(request.environ, media, content_type, file_path, info, cache_control)
        response = to_response(answer, request.environ)
        if not private:  # the author's previews are not downloads; nginx's log counts X-Accel-Redirect ones
            analytics.note_media(current_app, request.environ, media, answer[0], answer_length(answer),
                                 proxied=True)
    if prefix and media.kind in CROSS_ORIGIN_KINDS:  # media_answer adds them itself
        response.headers.update(PUBLIC_READ_HEADERS)
    if private:  # no shared cache may keep what only the author may hear yet
        response.headers["Cache-Control"] = "private, no-store"
        response.vary.add("Cookie")
    return response


def redirected_length(size: int) -> int:
    """The bytes a request redirected to the bucket asks for: its Range's length, or the whole file.

    Args:
        size: the file's size in bytes.

    Returns:
        The length of the one range asked for (clipped to the file), else ``size``.
    """
    asked = parse_range_header(request.headers.get("Range"))
    span = asked.range_for_length(size) if asked is not None else None
    return size if span is None else span[1] - span[0]


def answer_length(answer: Answer) -> int:
    """The body bytes an answer of ``media_answer`` sends (its Content-Length)."""
    for name, value in answer[1]:
        if name == "Content-Length":
            return int(value)
    return 0


def _redirect_to_bucket(media, content_type: str, private: bool) -> Response:
    """Send the listener to the object: the CDN URL for a published file, else a short-lived presigned URL.

    The enclosure URL stays this ``/media/...`` one whatever the backend (and this is where downloads can
    be counted); objects are never public, so without a CDN even published files go out presigned.
    """
    store = remote_media_store()
    if store is None:  # the row says S3 but this server has no bucket configured
        abort(503)
    target = None if private else store.public_url(media.path)
    if target is not None:
        response = redirect(target, 302)
        response.headers["Cache-Control"] = "public, max-age=300"
    else:
        seconds = current_app.config.get("S3_PRESIGNED_SECONDS", 300)
        response = redirect(store.presigned_url(media.path, seconds, content_type), 302)
        # A presigned URL expires, and one for a private file is the author's alone: no cache keeps it.
        response.headers["Cache-Control"] = "private, no-store"
        if private:
            response.vary.add("Cookie")
    if media.kind in CROSS_ORIGIN_KINDS:
        response.headers.update(PUBLIC_READ_HEADERS)
    return response


def _accel_redirect(prefix: str, media, content_type: str) -> Response:
    """Hand the file to nginx, which answers ranges and conditionals itself."""
    response = Response(b"", mimetype=content_type)
    response.headers["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(media.path)
    response.headers["Cache-Control"] = current_app.config.get("MEDIA_CACHE_CONTROL", DEFAULT_CACHE_CONTROL)
    return response


def media_answer(environ: Mapping, media, content_type: str, file_path: Path, info: os.stat_result,
                 cache_control: str) -> Answer:
    """The file, one range of it, a 304 or a 416, as ``(status, headers, body)``.

    Flask's view and the lean WSGI path (``web/fast.py``) both answer through this.

    Args:
        environ: the WSGI environ (method, Range, If-Range, If-None-Match, If-Modified-Since are read).
        media: the file's row (``find_media``).
        content_type: its Content-Type (``content_type_of``).
        file_path: the file on disk.
        info: its ``os.stat`` result.
        cache_control: the Cache-Control of public media.

    Returns:
        The answer; its body is bytes, or a ``BoundedFile`` over the range for the server to send.
    """
    size, mtime = info.st_size, int(info.st_mtime)
    etag = f'"{media.sha256}"'
    headers = [
        ("ETag", etag),
        ("Last-Modified", last_modified_header(mtime)),
        ("Accept-Ranges", "bytes"),
        ("Cache-Control", cache_control),
    ]
    if media.kind in CROSS_ORIGIN_KINDS:
        headers += PUBLIC_READ_HEADERS.items()

    if _not_modified(environ, etag, mtime):
        return 304, headers, b""

    status, start, length = 200, 0, size
    range_header = environ.get("HTTP_RANGE")
    if range_header and _if_range_allows(environ, etag, mtime):
        wanted = parse_byte_range(range_header, size)
        if wanted == UNSATISFIABLE:
            message = f"Range {range_header} is outside this {size}-byte file.\n".encode()
            return 416, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(message))),
                         ("Accept-Ranges", "bytes"), ("Content-Range", f"bytes */{size}"),
                         *headers[4:]], message  # the cross-origin headers, if any
        if wanted is not None:
            start, end = wanted
            status, length = 206, end - start + 1
            headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
    headers += [("Content-Type", content_type), ("Content-Length", str(length))]

    if environ.get("REQUEST_METHOD") == "HEAD" or length == 0:
        return status, headers, b""
    handle = open(file_path, "rb", buffering=0)  # noqa: SIM115  (the server closes it after sending)
    try:
        handle.seek(start)
    except BaseException:
        handle.close()
        raise
    return status, headers, BoundedFile(handle, length)


def _not_modified(environ: Mapping, etag: str, mtime: int) -> bool:
    """Whether If-None-Match (or, without it, If-Modified-Since) says the client's copy is current.

    Only those two headers reach Werkzeug's check: it also reads If-Match and If-Range, neither of
    which may turn a GET into a 304.
    """
    conditions = {key: environ[key] for key in ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
                  if key in environ}
    if not conditions:
        return False
    # Weak comparison for If-None-Match (RFC 9110 §13.1.2), as for the feeds; it wins over the date.
    return not is_resource_modified(conditions, etag=etag,
                                    last_modified=datetime.fromtimestamp(mtime, UTC))


def _if_range_allows(environ: Mapping, etag: str, mtime: int) -> bool:
    """Whether a Range may be honoured: no If-Range, or one naming this exact version (strong comparison)."""
    header = environ.get("HTTP_IF_RANGE")
    if header is None:
        return True
    if_range = parse_if_range_header(header)
    if if_range.date is not None:
        return int(if_range.date.timestamp()) == mtime
    # Werkzeug drops the weakness (and the quotes) of the ETag it reads, but RFC 9110 §13.1.5 wants a
    # strong match: W/"x" or a bare x must not match our "x", so the header is compared as sent.
    return header.strip() == etag


UNSATISFIABLE = "unsatisfiable"

#: ``bytes=-0``: Werkzeug calls it malformed (ignored), but RFC 9110 §14.1.1 makes it a valid range
#: that no file satisfies (416), as the server has answered it so far.
_ZERO_SUFFIX = re.compile(r"[ \t]*bytes[ \t]*=[ \t]*-0+[ \t]*", re.IGNORECASE | re.ASCII)


def parse_byte_range(header: str, size: int) -> tuple[int, int] | str | None:
    """Read a Range header for a file of ``size`` bytes (Werkzeug parses it).

    Args:
        header: the Range header value.
        size: the file size.

    Returns:
        ``(first, last)`` byte positions (inclusive) for one satisfiable range;
        ``UNSATISFIABLE`` when no range overlaps the file (answer 416);
        ``None`` when the header is to be ignored (not bytes, malformed, several
        ranges or ranges out of order: the whole file is sent).
    """
    parsed = parse_range_header(header)
    if parsed is None:
        return UNSATISFIABLE if _ZERO_SUFFIX.fullmatch(header) else None
    if parsed.units != "bytes":
        return None
    satisfiable: list[tuple[int, int]] = []
    for start, stop in parsed.ranges:  # ``stop`` is exclusive; a suffix is (-count, None)
        if start < 0:
            if size > 0:
                satisfiable.append((max(0, size + start), size - 1))
        elif start < size:
            satisfiable.append((start, min(size if stop is None else stop, size) - 1))
    if not satisfiable:
        return UNSATISFIABLE
    if len(parsed.ranges) > 1:
        return None
    return satisfiable[0]
