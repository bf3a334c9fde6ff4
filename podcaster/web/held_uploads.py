"""Uploads held across a refused form, so the author does not choose the file again.

When a form with a file fails (a missing title, a slug taken...), the file the author chose is kept in
the store's incoming folder as ``incoming/.held-<random>`` and the re-rendered form carries a signed
token naming it (``<field>_held``, a hidden input) and says "audio.mp3 is kept". The next submit uses
the held file unless a new one is chosen. Tokens are signed with the app's secret key (itsdangerous,
which Flask uses for its sessions) and expire after ``HELD_SECONDS``; expired held files are swept
when the next file is held, and by ``podcaster doctor --fix`` (``content.integrity``).

Every new upload of such a field goes through ``hold_upload`` first: the save then reads a link to
the held file, so a save that consumes its input (the episode audio) leaves the held copy for a retry.
"""
from __future__ import annotations

import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import FileStorage

from ..content.audio import StreamCount
from ..content.storage import HELD_PREFIX, HELD_SECONDS, INCOMING_FOLDER, TEMP_PREFIX, MediaStore
from . import media_store
from .uploads import receive_upload

_NAME_LENGTH = len(HELD_PREFIX) + 32


@dataclass(frozen=True)
class HeldUpload:
    """A file kept for the next submit of a form.

    Attributes:
        token: the signed value for the form's hidden ``<field>_held`` input.
        filename: the name the browser sent (untrusted; for display and the stored name's stem).
        path: the held file, in the store's incoming folder.
        size: its size in bytes.
        sha256: its SHA-256 when known (streamed audio is hashed as it arrives).
        frames: an MP3's frames, counted as it arrived (this request only: not in the token).
    """

    token: str
    filename: str
    path: Path
    size: int
    sha256: str | None = None
    frames: StreamCount | None = None


def _serializer(field: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"podcaster.held-upload.{field}")


def _folder(store: MediaStore) -> Path:
    folder = store.path_of(INCOMING_FOLDER)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sweep_expired(store: MediaStore, now: float | None = None) -> int:
    """Delete held files older than ``HELD_SECONDS``; returns how many went."""
    now = time.time() if now is None else now
    removed = 0
    for path in _folder(store).glob(f"{HELD_PREFIX}*"):
        try:
            if now - path.stat().st_mtime > HELD_SECONDS:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # swept by another request meanwhile
    return removed


def _link_or_copy(source: Path, target: Path) -> None:
    """A second name for ``source`` (a hard link: no bytes copied), or a copy where links are refused."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _held(store: MediaStore, field: str, name: str, filename: str, sha256: str | None,
          frames: StreamCount | None = None) -> HeldUpload:
    path = _folder(store) / name
    token = _serializer(field).dumps({"file": name, "name": filename[:200], "sha256": sha256})
    return HeldUpload(token, filename, path, path.stat().st_size, sha256, frames)


def hold_upload(upload, field: str, max_bytes: int | None = None) -> HeldUpload | None:
    """Keep a form's newly chosen file for this submit and the next ones.

    Args:
        upload: the file field's data (nothing happens without a chosen file).
        field: the form field's name; a token only opens files held for that field.
        max_bytes: the largest accepted file (default ``MAX_UPLOAD_BYTES``).

    Returns:
        The held file, or None when no file was chosen.

    Raises:
        RequestEntityTooLarge: the file is larger than ``max_bytes`` (nothing is held).
    """
    if not (isinstance(upload, FileStorage) and upload.filename):
        return None
    store = media_store()
    sweep_expired(store)
    name = f"{HELD_PREFIX}{secrets.token_hex(16)}"
    received = receive_upload(upload, store, max_bytes)  # streamed audio: already on disk, hashed
    _link_or_copy(received.path, _folder(store) / name)
    return _held(store, field, name, upload.filename, received.sha256, received.frames)


def find_held(token: str | None, field: str) -> HeldUpload | None:
    """The file a form's hidden ``<field>_held`` token names, if it is still held and the token is good."""
    if not token:
        return None
    try:
        payload = _serializer(field).loads(token, max_age=HELD_SECONDS)
    except BadSignature:  # also SignatureExpired
        return None
    name = payload.get("file") if isinstance(payload, dict) else None
    if not (isinstance(name, str) and name.startswith(HELD_PREFIX) and len(name) == _NAME_LENGTH
            and name[len(HELD_PREFIX):].isalnum()):
        return None
    path = _folder(media_store()) / name
    if not path.is_file():
        return None
    return HeldUpload(token, str(payload.get("name") or "file"), path, path.stat().st_size, payload.get("sha256"))


def consumable_link(held: HeldUpload) -> Path:
    """A new temporary name for the held file in the incoming folder, for a save that consumes its input."""
    target = _folder(media_store()) / f"{TEMP_PREFIX}{secrets.token_hex(8)}.part"
    _link_or_copy(held.path, target)
    return target


def release(*held: HeldUpload | None) -> None:
    """Forget held files: after a successful save, or when a file was refused or replaced."""
    for item in held:
        if item is not None:
            item.path.unlink(missing_ok=True)


def keep_or_replace(upload, token: str | None, field: str, max_bytes: int | None = None,
                    check: Callable[[Path], object] | None = None) -> HeldUpload | None:
    """The file for this submit: a newly chosen one (held, and replacing any held before) or the held one.

    Args:
        upload: the file field's data.
        token: the form's hidden ``<field>_held`` value.
        field: the file field's name.
        max_bytes: the largest accepted file (default ``MAX_UPLOAD_BYTES``).
        check: run on a new file before it is kept (``content.images`` checks for artwork); what it
            raises is raised here, and the file is not kept.

    Raises:
        RequestEntityTooLarge: a new file is larger than ``max_bytes``.
    """
    previous = find_held(token, field)
    fresh = hold_upload(upload, field, max_bytes)
    if fresh is None:
        return previous
    release(previous)
    if check is not None:
        try:
            check(fresh.path)
        except BaseException:
            release(fresh)
            raise
    return fresh


__all__ = ["HeldUpload", "consumable_link", "find_held", "hold_upload",
           "keep_or_replace", "release", "sweep_expired"]
