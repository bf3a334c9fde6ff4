"""The media store: files on disk under one root, written atomically.

A file is written under a hidden temporary name in its final folder and renamed
into place only when complete, so a reader never sees a partial file and a
failed write leaves nothing behind. Paths handed around are relative to the
store root, with forward slashes; every path is checked to stay inside the root.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from werkzeug.utils import safe_join, secure_filename

from . import libc
from .filetypes import UnknownType, stored_name

CHUNK_SIZE = 1024 * 1024
TEMP_PREFIX = ".upload-"
#: Where every upload and every file to be added is received before it is named: inside the store, so
#: on the same filesystem as its final folder and linking it into place is atomic.
INCOMING_FOLDER = "incoming"
#: A form's upload kept in the incoming folder for the form's next submit (see ``web/held_uploads.py``).
HELD_PREFIX = ".held-"
#: How long a held upload is kept.
HELD_SECONDS = 3600


class StorageError(Exception):
    """A file could not be stored (bad name, too large, disk trouble)."""


class TooLarge(StorageError):
    """The stream was longer than the size limit; nothing was kept."""


@dataclass(frozen=True)
class StoredFile:
    """A file that is now in the store."""

    path: str  # relative to the store root
    size: int
    sha256: str


@dataclass(frozen=True)
class StagedFile:
    """A complete file under a temporary name in its final folder, not yet given its name."""

    path: Path
    size: int
    sha256: str


#: sync_file_range(2) flag: start writing the range's dirty pages back, without waiting for them.
_SYNC_FILE_RANGE_WRITE = 2


def start_writeback(descriptor: int, offset: int, length: int) -> bool:
    """Ask the kernel to start writing a file's range to disk now, without waiting for it.

    Only a head start for the fsync that must still follow (it promises nothing about durability):
    a large upload written while it arrives then leaves little for the fsync before its row commits.

    Args:
        descriptor: an open file descriptor.
        offset: where the range starts.
        length: its length in bytes.

    Returns:
        Whether writeback was started (False where the call is missing or refused: nothing is lost).
    """
    if libc.sync_file_range is None:
        return False
    return libc.sync_file_range(descriptor, offset, length, _SYNC_FILE_RANGE_WRITE) == 0


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def clean_filename(name: str, default: str = "file") -> str:
    """Reduce a user-supplied file name to a safe ASCII name (keeps the extension)."""
    cleaned = secure_filename(name or "")
    return cleaned or default


class MediaStore:
    """Files under ``root`` on the local disk.

    Args:
        root: the folder that holds every stored file.
    """

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def path_of(self, relative: str) -> Path:
        """The absolute path of a stored file.

        Raises:
            StorageError: when ``relative`` would leave the store root.
        """
        joined = safe_join(str(self.root), relative)
        if joined is None:
            raise StorageError(f"unsafe media path: {relative!r}")
        return Path(joined)

    def exists(self, relative: str) -> bool:
        return self.path_of(relative).is_file()

    def name_taken(self, relative: str) -> bool:
        """Whether a new file may not be given this name (something is there already)."""
        return self.path_of(relative).exists()

    @contextmanager
    def local_copy(self, relative: str) -> Iterator[Path]:
        """A path on this machine holding the stored file's bytes, for libraries that read paths.

        Here the file itself; a remote backend downloads a temporary copy, removed afterwards.
        """
        yield self.path_of(relative)

    def unique_path(self, folder: str, filename: str) -> str:
        """A free relative path in ``folder`` for ``filename``, adding a short random suffix on a clash."""
        name = clean_filename(filename)
        stem, dot, ext = name.rpartition(".")
        if not dot:
            stem, ext = name, ""
        candidate = f"{folder}/{name}" if folder else name
        while self.name_taken(candidate):
            suffixed = f"{stem}-{secrets.token_hex(3)}{'.' + ext if ext else ''}"
            candidate = f"{folder}/{suffixed}" if folder else suffixed
        return candidate

    def path_for(self, folder: str, name: str | None, mime_type: str, fallback: str = "file") -> str:
        """A free relative path in ``folder`` for a file whose content is of ``mime_type``.

        Every stored name is chosen here: the extension comes from the detected type, and
        ``name`` (a client's file name or a slug) gives only an ASCII stem without dots.

        Raises:
            StorageError: no extension is known for ``mime_type``.
        """
        try:
            return self.unique_path(folder, stored_name(name, mime_type, fallback))
        except UnknownType as exc:
            raise StorageError(str(exc)) from exc

    def temp_path_for(self, relative: str) -> Path:
        """A hidden temporary path in the same folder as ``relative`` (same filesystem, so rename is atomic)."""
        final = self.path_of(relative)
        final.parent.mkdir(parents=True, exist_ok=True)
        return final.parent / f"{TEMP_PREFIX}{secrets.token_hex(8)}.part"

    def incoming_path(self) -> Path:
        """A new hidden temporary path in the incoming folder (see ``INCOMING_FOLDER``)."""
        return self.temp_path_for(f"{INCOMING_FOLDER}/upload")

    def stage_stream(self, stream: BinaryIO, folder: str, max_bytes: int | None = None, *,
                     fsync: bool = True) -> StagedFile:
        """Copy ``stream`` to a temporary file in ``folder``, for a name chosen once its content is known.

        Args:
            stream: a readable binary stream, read to its end in chunks.
            folder: the folder (relative to the root) the file will be named in.
            max_bytes: refuse streams longer than this.
            fsync: flush the copy to disk now; False when the caller changes the file first (audio
                tagged before it is linked into place) and fsyncs it once afterwards.

        Returns:
            The temporary file, for ``commit_temp`` (the caller removes it if it is not committed).

        Raises:
            TooLarge: the stream exceeded ``max_bytes`` (nothing is kept).
            StorageError: the file could not be written (nothing is kept).
        """
        temp = self.temp_path_for(f"{folder}/upload" if folder else "upload")
        digest = hashlib.sha256()
        size = 0
        try:
            with open(temp, "xb") as out:
                while chunk := stream.read(CHUNK_SIZE):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(f"larger than {max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                if fsync:
                    out.flush()
                    os.fsync(out.fileno())
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return StagedFile(temp, size, digest.hexdigest())

    def save_stream(self, stream: BinaryIO, relative: str, max_bytes: int | None = None) -> StoredFile:
        """Copy ``stream`` into the store at ``relative``, atomically.

        Args:
            stream: a readable binary stream, read to its end in chunks.
            relative: where the file goes, relative to the root (see ``path_for``).
            max_bytes: refuse streams longer than this.

        Returns:
            The stored file with its size and SHA-256.

        Raises:
            TooLarge: the stream exceeded ``max_bytes`` (nothing is kept).
            StorageError: the file could not be written (nothing is kept).
        """
        self.path_of(relative)  # an unsafe path is refused before anything is written
        staged = self.stage_stream(stream, relative.rpartition("/")[0], max_bytes)
        try:
            return self.commit_temp(staged.path, relative, size=staged.size, sha256=staged.sha256)
        except BaseException:
            staged.path.unlink(missing_ok=True)
            raise

    def save_bytes(self, data: bytes, relative: str) -> StoredFile:
        """Store ``data`` at ``relative`` atomically (small generated files: resized images, JSON)."""
        import io

        return self.save_stream(io.BytesIO(data), relative)

    def commit_temp(self, temp: Path, relative: str, *, size: int | None = None,
                    sha256: str | None = None) -> StoredFile:
        """Move a finished temporary file to its final name.

        Args:
            temp: a file made by ``temp_path_for`` or ``incoming_path`` (anywhere in the store: one filesystem).
            relative: the final relative path; must not exist yet.
            size: the file size, when the caller already counted it.
            sha256: the hex digest, when the caller already computed it.

        Returns:
            The stored file.

        Raises:
            StorageError: the final name is taken.
        """
        final = self.path_of(relative)
        if sha256 is None:
            digest = hashlib.sha256()
            with open(temp, "rb") as handle:
                while chunk := handle.read(CHUNK_SIZE):
                    digest.update(chunk)
            sha256 = digest.hexdigest()
        if size is None:
            size = temp.stat().st_size
        final.parent.mkdir(parents=True, exist_ok=True)  # a file received in incoming/ may open a folder
        # link() fails if the final name exists, so a concurrent upload can never be overwritten.
        try:
            os.link(temp, final)
        except FileExistsError as exc:
            raise StorageError(f"{relative} already exists") from exc
        temp.unlink()
        return StoredFile(path=relative, size=size, sha256=sha256)

    def replace_with_temp(self, temp: Path, relative: str) -> None:
        """Swap a finished temporary file over a stored file that keeps its name (a re-tagged MP3).

        One rename: a reader that opened the old file keeps reading the old bytes, a new one gets the new.

        Args:
            temp: a file made by ``temp_path_for`` (same folder, so the rename is atomic).
            relative: the stored file's relative path.
        """
        final = self.path_of(relative)
        before = final.stat().st_mtime_ns if final.exists() else None
        if before is not None and temp.stat().st_mtime_ns // 10**9 <= before // 10**9:
            # Last-Modified has whole seconds: a swap within the old file's second would keep a date that
            # an If-Range still matches, and a resumed download would join old bytes to new ones.
            later = (before // 10**9 + 1) * 10**9
            os.utime(temp, ns=(later, later))
        os.replace(temp, final)

    def delete(self, relative: str) -> None:
        """Remove a stored file; a file already gone is not an error."""
        self.path_of(relative).unlink(missing_ok=True)

    def delete_uncommitted(self, relative: str) -> None:
        """Remove a file written for a change that was given up (``FileChanges.discard``)."""
        self.delete(relative)

    def open(self, relative: str) -> BinaryIO:
        return open(self.path_of(relative), "rb")
