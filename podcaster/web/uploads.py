"""Uploads written once, straight into the media store.

Werkzeug's form parser normally spools each uploaded file into a temporary
file elsewhere, and ``FileStorage.save()`` then copies it again. Here a view
marked with ``@streams_uploads`` gets its file parts written while the request
body is parsed, directly into ``<MEDIA_ROOT>/incoming/.upload-<random>.part``
(hashing as they are written). The incoming folder is on the same filesystem as
every final folder, so keeping the file is a link, whatever folder it ends in;
and the request needs no database lookup to know where its files go: ::

    @bp.route("/shows/<int:show_id>/episodes/new", methods=["GET", "POST"])
    @streams_uploads
    def new_episode(show_id):
        ...
        received = receive_upload(form.audio.data, store)   # already on disk, no copy
        info = probe(received.path)
        stored = commit_upload(store, received, store.path_for("audio", slug, info.mime_type))

The decorator is needed (rather than a call inside the view) because the form
is parsed before the view runs: CSRF protection reads ``request.form`` in a
``before_request`` hook, and the request must already know where files go.

Every temporary file of a request is deleted when the request ends, unless the
view committed it: an invalid form, an exception, a client that disconnects
mid-upload or an oversize body leave nothing behind. Oversize bodies get 413:
at once when Content-Length is too large; for chunked bodies (no
Content-Length), as soon as the limit is passed, and the partial file is
deleted right then.
"""
from __future__ import annotations

import functools
import hashlib
import io
import os
import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import Flask, current_app, request
from flask.wrappers import Request
from streaming_form_data import StreamingFormDataParser
from streaming_form_data.parser import ParseFailedException
from streaming_form_data.targets import BaseTarget
from werkzeug.datastructures import FileStorage, Headers
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream

from ..content.audio import FrameCounter, StreamCount
from ..content.storage import CHUNK_SIZE, INCOMING_FOLDER, MediaStore, StoredFile, start_writeback
from ..content.text import binary_size

#: The largest request body from a visitor who is not logged in (the login form, a few fields).
ANONYMOUS_MAX_BYTES = 1024 * 1024

#: Room for the other fields and small files (artwork, transcript) of a form that also carries audio.
FORM_OVERHEAD_BYTES = 32 * 1024 * 1024

#: How much an upload's helper threads hash, write and frame-count at a time (small blocks: memory).
_HANDOFF_BYTES = 512 * 1024

#: The blocks one upload owns, allocated once and reused: one being filled by the request thread, one being
#: hashed and written, one being frame-counted, one spare so neither helper waits for the request thread.
_SPOOL_BLOCKS = 4

#: How often (bytes written) the writer thread asks the kernel to start writing the file back to disk, so
#: the fsync before the commit finds little left to do.
_WRITEBACK_BYTES = 8 * 1024 * 1024

#: Bodies at least this large (or of unknown length) of an upload view go through ``CompiledMultipartParser``.
COMPILED_PARSER_MIN_BYTES = 8 * 1024 * 1024

#: How much of the request body is read from the server at a time.
INPUT_BLOCK_SIZE = 512 * 1024

_STREAMS_ATTRIBUTE = "_podcaster_streams_uploads"


class UploadSpool(io.FileIO):
    """A temporary file that hashes and counts what is written to it, and refuses to grow past a limit.

    What is written is copied into one of a few 512 KiB blocks the spool allocates
    once and reuses (new 1 MiB objects per block made the worker's heap grow: glibc
    serves them from the heap once its mmap threshold has risen, and they fragment
    it). A full block goes to a writer thread that hashes it and writes it to the
    file, then to a frame thread that counts an MP3's MPEG frames in it (``frames``:
    the probe then need not read the file again), then back to the request thread.
    ``hashlib``, ``os.write`` and the counter's numpy work release the GIL, so the
    request thread goes on receiving and parsing while the two helpers use the other
    CPU. The writer also starts the kernel's writeback every few MiB, so the fsync
    before the commit has little left. Reading, seeking, ``sha256`` and ``close``
    first wait for everything written to be on disk and counted.

    Args:
        path: the new temporary file (created exclusively).
        max_bytes: the largest accepted file; ``None`` for no limit.
        count_frames: whether to count MPEG frames (it stops by itself on a file that is no MP3).
    """

    def __init__(self, path: Path, max_bytes: int | None, count_frames: bool = False) -> None:
        super().__init__(path, "xb+")
        self.path = path
        self.max_bytes = max_bytes
        self.size = 0
        self._digest = hashlib.sha256()
        self._block: bytearray | None = None  # the block being filled
        self._filled = 0
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        self._allocated = 0
        self._blocks: queue.SimpleQueue[tuple[bytearray, int] | None] | None = None
        self._counted: queue.SimpleQueue[tuple[bytearray, int] | None] | None = None
        self._writer: threading.Thread | None = None
        self._counter: threading.Thread | None = None
        self._error: BaseException | None = None
        self._frames: FrameCounter | None = FrameCounter() if count_frames else None

    def write(self, data) -> int:  # type: ignore[override]
        size = len(data)
        self.size += size
        if self.max_bytes is not None and self.size > self.max_bytes:
            self.discard()
            raise RequestEntityTooLarge(
                f"The file is larger than this site accepts ({binary_size(self.max_bytes)})."
            )
        view = memoryview(data).cast("B")
        while view:
            if self._block is None:
                self._block = self._free_block()
            taken = min(len(view), _HANDOFF_BYTES - self._filled)
            self._block[self._filled:self._filled + taken] = view[:taken]
            self._filled += taken
            view = view[taken:]
            if self._filled == _HANDOFF_BYTES:
                self._hand_off()
        return size

    def _free_block(self) -> bytearray:
        """A block to fill: a free one, a new one while fewer than ``_SPOOL_BLOCKS`` exist, else the next."""
        try:
            return self._free.get_nowait()
        except queue.Empty:
            if self._allocated < _SPOOL_BLOCKS:
                self._allocated += 1
                return bytearray(_HANDOFF_BYTES)
        return self._free.get()

    def _hand_off(self) -> None:
        if self._error is not None:
            raise self._error
        if not self._filled:
            return
        if self._writer is None:
            self._blocks = queue.SimpleQueue()
            self._writer = threading.Thread(target=self._write_blocks, name="upload-writer", daemon=True)
            self._writer.start()
            if self._frames is not None:
                self._counted = queue.SimpleQueue()
                self._counter = threading.Thread(target=self._count_blocks, name="upload-frames", daemon=True)
                self._counter.start()
        # The queues need no bound: at most _SPOOL_BLOCKS blocks exist, so the request thread waits for a
        # free one (in _free_block) when both helpers are behind.
        self._blocks.put((self._block, self._filled))
        self._block, self._filled = None, 0

    def _write_blocks(self) -> None:
        descriptor = self.fileno()
        written = flushed = 0
        while (item := self._blocks.get()) is not None:
            block, length = item
            if self._error is None:
                try:
                    view = memoryview(block)[:length]
                    self._digest.update(view)
                    while view:
                        view = view[os.write(descriptor, view):]
                    written += length
                    if written - flushed >= _WRITEBACK_BYTES:
                        start_writeback(descriptor, flushed, written - flushed)
                        flushed = written
                except BaseException as exc:  # noqa: BLE001  (handed to the request thread)
                    self._error = exc
            # Keep passing blocks on even after an error, so the request thread never waits forever.
            if self._counted is not None:
                self._counted.put(item)
            else:
                self._free.put(block)
        if self._counted is not None:
            self._counted.put(None)

    def _count_blocks(self) -> None:
        while (item := self._counted.get()) is not None:
            block, length = item
            frames = self._frames
            if frames is not None and self._error is None:
                try:
                    frames.feed(memoryview(block)[:length])
                except Exception:  # noqa: BLE001  (the probe counts from the file instead)
                    self._frames = None
            self._free.put(block)

    def _settle(self) -> None:
        """Wait until every byte written so far is hashed and in the file."""
        if self.closed:
            return
        try:
            if self._error is None:
                self._hand_off()
        finally:
            # Always stop the helper threads, even when giving up (the writer stops the frame thread).
            if self._writer is not None:
                self._blocks.put(None)
                self._writer.join()
                if self._counter is not None:
                    self._counter.join()
                self._writer = self._counter = self._blocks = self._counted = None
        if self._error is not None:
            raise self._error

    def seek(self, *args) -> int:  # type: ignore[override]
        self._settle()
        return super().seek(*args)

    def tell(self) -> int:
        self._settle()
        return super().tell()

    def read(self, *args) -> bytes:  # type: ignore[override]
        self._settle()
        return super().read(*args)

    def readinto(self, buffer) -> int:  # type: ignore[override]
        self._settle()
        return super().readinto(buffer)

    def readall(self) -> bytes:
        self._settle()
        return super().readall()

    def close(self) -> None:
        """Finish writing and close. A write error is not raised here: ``sha256`` (read by
        ``receive_upload`` before any commit) and the form parser's ``seek`` raise it."""
        try:
            self._settle()
        except Exception:  # noqa: BLE001, S110  (reported where it matters, see above)
            pass
        finally:
            super().close()

    @property
    def sha256(self) -> str:
        self._settle()
        return self._digest.hexdigest()

    @property
    def frames(self) -> StreamCount | None:
        """The MPEG frames counted while receiving, or None (not an MP3, or the probe must walk the file)."""
        self._settle()
        if self._frames is None:
            return None
        try:
            return self._frames.finish(self.path)
        except Exception:  # noqa: BLE001  (the probe counts from the file instead)
            return None

    def discard(self) -> None:
        """Close and delete the file (safe to call twice, or after the file was committed)."""
        self._block, self._filled = None, 0
        self._error = self._error or _Discarded()
        self.close()
        self.path.unlink(missing_ok=True)


class _Discarded(Exception):
    """Stops the helper thread's work on a spool that is being thrown away."""


@dataclass(frozen=True)
class ReceivedUpload:
    """An uploaded file on disk under a temporary name in the store's incoming folder."""

    path: Path
    size: int
    sha256: str
    filename: str  # as the browser sent it (untrusted; for display and slugs only)
    frames: StreamCount | None = None  # an MP3's frames, counted as it arrived


class _FormParts(BaseTarget):
    """Every part of a multipart body, for streaming-form-data (see ``CompiledMultipartParser``).

    streaming-form-data only hands on parts whose names were registered before parsing.
    This one target is registered for any name (``matches`` notes the part's real name
    as the parser asks): text parts become form values, file parts are written into the
    request's file streams (an upload's spool), as Werkzeug's parser does. An error inside
    the parser's callbacks is kept and raised after the parser returns (``raise_error``),
    never through the compiled parser.
    """

    def __init__(self, stream_factory, total_content_length: int | None, max_form_memory_size: int | None,
                 max_form_parts: int | None) -> None:
        super().__init__()
        self.stream_factory = stream_factory
        self.total_content_length = total_content_length
        self.max_memory = max_form_memory_size
        self.max_parts = max_form_parts
        self.form: list[tuple[str, str]] = []
        self.files: list[tuple[str, FileStorage]] = []
        self.error: Exception | None = None
        self._name = ""
        self._parts = 0
        self._value: bytearray | None = None
        self._file: IO[bytes] | None = None

    def matches(self, _registered: str, name: str) -> bool:
        self._name = name
        return True

    def on_start(self) -> None:
        self._parts += 1
        if self.max_parts is not None and self._parts > self.max_parts:
            self.error = self.error or RequestEntityTooLarge()
        if self.error is not None:
            return
        if self.multipart_filename is None:
            self._value, self._file = bytearray(), None
        else:
            try:
                self._file = self.stream_factory(self.total_content_length, self.multipart_content_type,
                                                 self.multipart_filename, None)
            except Exception as exc:  # noqa: BLE001  (raised after the parser returns)
                self.error = exc

    def on_data_received(self, chunk: bytes) -> None:
        if self.error is not None:
            return
        try:
            if self._file is not None:
                self._file.write(chunk)
            elif self._value is not None:
                self._value += chunk
                if self.max_memory is not None and len(self._value) > self.max_memory:
                    raise RequestEntityTooLarge()
        except Exception as exc:  # noqa: BLE001  (raised after the parser returns)
            self.error = exc

    def on_finish(self) -> None:
        if self.error is not None:
            return
        if self._file is not None:
            self._file.seek(0)
            content_type = self.multipart_content_type or "application/octet-stream"
            self.files.append((self._name, FileStorage(
                self._file, self.multipart_filename, self._name, content_type,
                headers=Headers([("Content-Type", content_type)]))))
        elif self._value is not None:
            self.form.append((self._name, self._value.decode("utf-8", "replace")))
        self._value = self._file = None
        self.multipart_filename = self.multipart_content_type = None

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error


class CompiledMultipartParser(FormDataParser):
    """Werkzeug's form parser with streaming-form-data (Cython) for multipart bodies of upload views.

    Why a second parser: for a 500 MiB episode the multipart decoding was the largest
    cost after the socket (``bench/multipart.py``: Werkzeug's parser 118 MiB/s,
    streaming-form-data 412 MiB/s on the same body). It fills ``request.form`` and
    ``request.files`` exactly as Werkzeug's does (so CSRF and the WTForms forms are
    unchanged), with the same limits (form memory, number of parts); a body it cannot
    parse gives an empty form, like Werkzeug's ``silent`` mode.
    """

    def _parse_multipart(self, stream, mimetype, content_length, options):
        boundary = options.get("boundary", "")
        if not boundary:
            raise ValueError("Missing boundary")
        parser = StreamingFormDataParser({"Content-Type": f"multipart/form-data; boundary={boundary}"})
        parts = _FormParts(self.stream_factory, content_length, self.max_form_memory_size, self.max_form_parts)
        parser.register("", parts, matches=parts.matches)
        try:
            while block := stream.read(INPUT_BLOCK_SIZE):
                parser.data_received(block)
                parts.raise_error()
        except ParseFailedException as exc:
            raise ValueError(str(exc)) from exc
        return stream, self.cls(parts.form), self.cls(parts.files)


class StreamingRequest(Request):
    """A request whose file parts are written into the store's incoming folder (see ``streams_uploads``)."""

    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        """The body limit: ``MAX_CONTENT_LENGTH`` if set, else the audio limit plus room for the rest of the form."""
        if self._max_content_length is not None:
            return self._max_content_length
        config = current_app.config
        if config.get("MAX_CONTENT_LENGTH") is not None:
            return config["MAX_CONTENT_LENGTH"]
        if not _may_upload(self):
            # The CSRF check reads the whole form before any view runs: without this, anyone
            # could make the server receive a gigabyte per request.
            return ANONYMOUS_MAX_BYTES
        return config["MAX_UPLOAD_BYTES"] + FORM_OVERHEAD_BYTES

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def form_data_parser_class(self) -> type[FormDataParser]:  # type: ignore[override]
        """The compiled multipart parser for an author's large upload, Werkzeug's for everything else.

        Small bodies keep Werkzeug's parser: its speed does not matter there, and it also
        accepts an empty part whose closing CRLF is missing (which Werkzeug's own test
        client sends; browsers and curl do not), which streaming-form-data reads as data.
        """
        length = self.content_length
        if (length is None or length >= COMPILED_PARSER_MIN_BYTES) and _may_upload(self) \
                and _streams_uploads(self):
            return CompiledMultipartParser
        return FormDataParser

    @cached_property
    def stream(self) -> IO[bytes]:
        """The limited input stream, read from the server in large blocks.

        The form parser asks for 64 KiB at a time; under gunicorn each small read of
        the request body costs a buffer copy, so reading 1 MiB blocks is about four
        times faster for a large upload.
        """
        stream = super().stream
        if isinstance(stream, LimitedStream):
            return io.BufferedReader(stream, buffer_size=INPUT_BLOCK_SIZE)
        return stream

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        if not (_may_upload(self) and _streams_uploads(self)):
            return super()._get_file_stream(total_content_length, content_type, filename, content_length)
        store = MediaStore(current_app.config["MEDIA_ROOT"])
        spool = UploadSpool(store.incoming_path(), current_app.config["MAX_UPLOAD_BYTES"], count_frames=True)
        spools(self).append(spool)
        return spool


def _may_upload(req: Request) -> bool:
    """Only a logged-in author may send large bodies or have files written into the media folder."""
    from flask_login import current_user

    return bool(current_user and current_user.is_authenticated)


def spools(req: Request) -> list[UploadSpool]:
    """The temporary files this request has created so far."""
    found = req.__dict__.get("_upload_spools")
    if found is None:
        found = req.__dict__["_upload_spools"] = []
    return found


def _streams_uploads(req: Request) -> bool:
    """Whether the request's view is marked with ``@streams_uploads`` (known from the URL alone)."""
    if req.url_rule is None or req.endpoint is None:
        return False
    view = current_app.view_functions.get(req.endpoint)
    return bool(getattr(view, _STREAMS_ATTRIBUTE, False))


def streams_uploads(view):
    """Mark a view so its uploaded files are written straight into the store's incoming folder.

    Put it below ``@bp.route`` (it must wrap the view function the route registers).
    """
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        return view(*args, **kwargs)

    setattr(wrapper, _STREAMS_ATTRIBUTE, True)
    return wrapper


def receive_upload(upload: FileStorage, store: MediaStore, max_bytes: int | None = None) -> ReceivedUpload:
    """The uploaded file as a temporary file in the store's incoming folder, ready for ``commit_upload``.

    When the view streams uploads (``@streams_uploads``), the file is already there
    and nothing is copied. Otherwise it is copied there once.

    Args:
        upload: the FileStorage from the form.
        store: the media store.
        max_bytes: the largest accepted file (default: the ``MAX_UPLOAD_BYTES`` setting).

    Returns:
        The temporary file with its size and SHA-256. It is deleted at the end of the
        request unless committed.

    Raises:
        RequestEntityTooLarge: the file is larger than ``max_bytes``.
    """
    limit = current_app.config["MAX_UPLOAD_BYTES"] if max_bytes is None else max_bytes
    stream = upload.stream
    if isinstance(stream, UploadSpool) and stream.path.parent == store.path_of(INCOMING_FOLDER) \
            and not stream.closed:
        if stream.size > limit:
            stream.discard()
            raise RequestEntityTooLarge(f"The file is larger than this site accepts ({binary_size(limit)}).")
        return ReceivedUpload(stream.path, stream.size, stream.sha256, upload.filename or "", stream.frames)
    spool = UploadSpool(store.incoming_path(), limit)
    spools(request).append(spool)
    stream.seek(0)
    while chunk := stream.read(CHUNK_SIZE):
        spool.write(chunk)
    return ReceivedUpload(spool.path, spool.size, spool.sha256, upload.filename or "")


def commit_upload(store: MediaStore, received: ReceivedUpload, relative: str) -> StoredFile:
    """Give a received upload its final name (a rename; fails rather than overwrite).

    The data is flushed to disk first, so a crash after the commit cannot leave a
    row pointing at an empty file.

    Args:
        store: the media store.
        received: from ``receive_upload``.
        relative: the final path (see ``MediaStore.unique_path``).

    Returns:
        The stored file.

    Raises:
        StorageError: the final name is taken.
    """
    with open(received.path, "rb") as handle:
        os.fsync(handle.fileno())
    return store.commit_temp(received.path, relative, size=received.size, sha256=received.sha256)


def discard_uploads() -> None:
    """Delete this request's uncommitted temporary files now (they also go when the request ends)."""
    for spool in spools(request):
        spool.discard()


def _discard_at_teardown(_exc: BaseException | None) -> None:
    discard_uploads()


def init_app(app: Flask) -> None:
    """Use the streaming request class and delete leftover temporary upload files after each request."""
    app.request_class = StreamingRequest
    app.teardown_request(_discard_at_teardown)
