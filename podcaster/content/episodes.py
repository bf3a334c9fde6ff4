"""Saving an episode: the one place where an episode's values and files become rows and stored media.

The upload form, ``podcaster add-episode`` and the demo podcast all call
``save_episode``; each only turns its own input (a form, options, data) into
``EpisodeFields`` and ``EpisodeFiles``, and an ``EpisodeRefused`` back into its
own kind of message.

Every file of one save goes through one ``FileChanges``: new files are
removed again when anything is refused or the commit fails, and the files
they replace are removed only after the commit, so a refusal keeps nothing.

The audio is received once into the store's incoming folder (a streamed upload
is already there; a local file or a stream is copied there once, hashed as it
is written), identified, tagged in that temporary file when the show asks for
ID3 tags, fsynced once and linked into place.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from ..models import Book, Episode, Show
from .audio import AudioError, StreamCount, UnsupportedAudio
from .chapters import MAX_CHAPTERS_BYTES, ChaptersError, parse_chapters
from .images import ARTWORK, ImageError
from .media import FileChanges, delete_media, store_image
from .podcasts import (
    EpisodeNumberError,
    attach_audio,
    attach_chapters,
    attach_transcript,
    check_episode_numbering,
    episode_slug_taken,
    unique_episode_slug,
)
from .publishing import PublishingError, resolve_publication
from .slugs import SLUG_RE
from .storage import INCOMING_FOLDER, MediaStore, StorageError, TooLarge, sha256_of
from .text import binary_size
from .transcripts import MAX_TRANSCRIPT_BYTES, TranscriptError
from .transfers import hold_for_transfer_job, hold_until_transferred

_EXPLICIT = {"": None, "yes": True, "no": False}


class EpisodeRefused(Exception):
    """The episode cannot be saved as asked; nothing was kept.

    Attributes:
        field: the input at fault ("title", "slug", "season", "number", "status", "audio",
            "transcript", "chapters", "artwork"), for a form to flag.
        message: for the author.
        status: the HTTP status a web form answers with (400, 413, 415, or 500 for a storage failure).
    """

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status


@dataclass
class EpisodeFields:
    """An episode's plain values, as an author gave them.

    ``explicit`` is None to follow the show. ``guests`` are ``(name, role, url)``
    triples (role defaults to "guest"; url may be empty). ``book_ids`` that name no
    book are skipped.
    """

    title: str
    slug: str | None = None
    notes: str = ""
    summary: str = ""
    season: int | None = None
    number: int | None = None
    episode_type: str = "full"
    explicit: bool | None = None
    status: str = "draft"
    publish_at: datetime | None = None
    book_ids: list[int] = field(default_factory=list)
    guests: list[tuple[str, str, str]] = field(default_factory=list)

    @staticmethod
    def explicit_choice(value: str) -> bool | None:
        """The form's "" / "yes" / "no" as None / True / False."""
        return _EXPLICIT[value]


@dataclass
class IncomingFile:
    """One file for an episode, in one of three shapes.

    Exactly one of ``received``, ``path`` and ``stream`` is set:

    - ``received``: a temporary file already in the store's incoming folder (a streamed
      upload; ``size`` and ``sha256`` of the received bytes given). It is consumed:
      linked into place or deleted.
    - ``path``: a local file, copied (never moved).
    - ``stream``: a readable binary stream, read to its end.

    Attributes:
        name: the file's original name (display and the stored name's stem only; untrusted).
    """

    name: str
    received: Path | None = None
    path: Path | None = None
    stream: BinaryIO | None = None
    size: int | None = None
    sha256: str | None = None
    frames: StreamCount | None = None  # an MP3's frames, counted as it was received

    def read(self, limit: int) -> bytes:
        """At most ``limit`` bytes of a small file (transcript, chapters)."""
        if self.stream is not None:
            return self.stream.read(limit)
        with open(self.received or self.path, "rb") as handle:
            return handle.read(limit)

    def open(self) -> BinaryIO:
        """The file as a stream (the caller closes a file it opened)."""
        if self.stream is not None:
            return self.stream
        return open(self.received or self.path, "rb")


@dataclass
class EpisodeFiles:
    """The files an author added or removed with one save (None: unchanged).

    A new file wins over the matching ``remove_`` flag.
    """

    audio: IncomingFile | None = None
    transcript: IncomingFile | None = None
    chapters: IncomingFile | None = None
    artwork: IncomingFile | None = None
    remove_transcript: bool = False
    remove_chapters: bool = False
    remove_artwork: bool = False

    def received(self) -> list[Path]:
        """The temporary files in the incoming folder these files own."""
        return [item.received for item in (self.audio, self.transcript, self.chapters, self.artwork)
                if item is not None and item.received is not None]


@dataclass(frozen=True)
class EpisodeLimits:
    """The largest files accepted (``MAX_UPLOAD_BYTES`` and ``MAX_IMAGE_BYTES`` of the site)."""

    max_audio_bytes: int | None = None
    max_image_bytes: int = 20 * 1024 * 1024


def save_episode(session: Session, store: MediaStore, show: Show, episode: Episode | None,
                 fields: EpisodeFields, files: EpisodeFiles, now: datetime,
                 limits: EpisodeLimits = EpisodeLimits(), changes: FileChanges | None = None) -> Episode:
    """Create or update an episode with its files, in one commit; on any refusal nothing is kept.

    The checks run in the order the form has always reported them: numbering
    (``check_episode_numbering``), slug, the audio a new episode needs, the
    publication; then the files: chapters, transcript, artwork, audio.

    Args:
        session: the database session (committed here, or rolled back on refusal).
        store: the media store.
        show: the episode's show.
        episode: the episode to update, or None for a new one.
        fields: the episode's values.
        files: the files added or removed.
        now: the present (naive UTC), for the publication.
        limits: the largest files accepted.
        changes: for a caller that saves more than one thing in one transaction (the demo): the files are
            recorded there and nothing is committed or discarded here (the caller does either). By
            default the episode is committed here.

    Returns:
        The committed (or, with ``changes``, flushed) episode.

    Raises:
        EpisodeRefused: naming the field, the message and the status; the session was rolled back and
            every file written for this save (and every received temporary file) removed (with
            ``changes``: left to the caller).
    """
    if changes is not None:
        try:
            episode = _save(session, store, show, episode, fields, files, now, limits, changes)
            session.flush()
            return episode
        finally:
            for temp in files.received():
                temp.unlink(missing_ok=True)
    changes = FileChanges()
    try:
        episode = _save(session, store, show, episode, fields, files, now, limits, changes)
        if episode.audio is not None and episode.audio.path in changes.new_paths:
            hold_for_transfer_job(store, episode, episode.audio.path, changes)
        changes.commit(session, store)
    except EpisodeRefused:
        changes.discard(session, store)
        raise
    except StorageError as exc:
        changes.discard(session, store)
        raise EpisodeRefused("audio", f"The file could not be stored: {exc}.", 500) from exc
    except BaseException:
        changes.discard(session, store)
        raise
    finally:
        # Consumed on success (linked into place), unwanted on refusal.
        for temp in files.received():
            temp.unlink(missing_ok=True)
    # Committed: from here on nothing may discard the files. The S3 backend makes the episode public
    # only once its audio is verified in the bucket; the reason it is not (yet) goes to the author.
    episode.transfer_error = hold_until_transferred(session, store, episode, changes.transfer_failures)
    return episode


def _save(session: Session, store: MediaStore, show: Show, episode: Episode | None, fields: EpisodeFields,
          files: EpisodeFiles, now: datetime, limits: EpisodeLimits, changes: FileChanges) -> Episode:
    episode_id = episode.id if episode is not None else None
    if fields.slug and not SLUG_RE.match(fields.slug):
        raise EpisodeRefused("slug", f"{fields.slug!r} is not a valid slug (lowercase letters, digits and "
                                     "hyphens).")
    slug = fields.slug or unique_episode_slug(session, show.id, fields.title, episode_id)
    try:
        check_episode_numbering(session, show.id, fields.season, fields.number, episode_id)
    except EpisodeNumberError as exc:
        raise EpisodeRefused(exc.field, str(exc)) from exc
    if episode_slug_taken(session, show.id, slug, episode_id):
        raise EpisodeRefused("slug", f"Another episode of this show already uses the slug “{slug}”.")
    if episode is None and files.audio is None:
        raise EpisodeRefused("audio", "Choose the episode's audio file (MP3 or M4A).")
    try:
        publication = resolve_publication(fields.status, fields.publish_at, now)
    except PublishingError as exc:
        raise EpisodeRefused("status", str(exc)) from exc

    if episode is None:
        episode = Episode(show=show)
        session.add(episode)
    episode.title = fields.title.strip()
    episode.slug = slug
    episode.notes = fields.notes or ""
    episode.summary = (fields.summary or "").strip()
    episode.season, episode.number = fields.season, fields.number
    episode.episode_type = fields.episode_type
    episode.explicit = fields.explicit
    episode.status, episode.publish_at = publication
    episode.books = [book for book in (session.get(Book, book_id) for book_id in fields.book_ids)
                     if book is not None]
    episode.persons = [{"name": name, "role": role or "guest", **({"href": url} if url else {})}
                       for name, role, url in fields.guests]

    if files.remove_chapters and files.chapters is None:
        changes.old_paths += delete_media(session, episode.chapters_file)
        episode.chapters_file = None
        episode.chapters = []
    if files.chapters is not None:
        try:
            chapters = parse_chapters(files.chapters.read(MAX_CHAPTERS_BYTES + 1))
        except ChaptersError as exc:
            raise EpisodeRefused("chapters", str(exc)) from exc
        attach_chapters(session, store, episode, show, chapters, files.chapters.name, changes)
    if files.remove_transcript and files.transcript is None:
        changes.old_paths += delete_media(session, episode.transcript)
        episode.transcript = None
    if files.transcript is not None:
        try:
            attach_transcript(session, store, episode, show, files.transcript.read(MAX_TRANSCRIPT_BYTES + 1),
                              files.transcript.name, changes)
        except TranscriptError as exc:
            raise EpisodeRefused("transcript", str(exc)) from exc
    if files.artwork is not None:
        artwork = _store_artwork(session, store, files.artwork, limits.max_image_bytes)
        changes.new_paths += [artwork.path] + [variant.path for variant in artwork.variants]
        changes.old_paths += delete_media(session, episode.artwork)
        episode.artwork = artwork
    elif files.remove_artwork:
        changes.old_paths += delete_media(session, episode.artwork)
        episode.artwork = None
    if files.audio is not None:
        temp, size, sha256 = _incoming_audio(store, files.audio, limits.max_audio_bytes)
        try:
            # Tagged in the temporary file, before it is linked into place (see ``attach_audio``).
            attach_audio(session, store, episode, show, temp, files.audio.name, changes, size=size,
                         sha256=sha256, frames=files.audio.frames, tag_year=(episode.publish_at or now).year)
        except AudioError as exc:
            raise EpisodeRefused("audio", str(exc), 415 if isinstance(exc, UnsupportedAudio) else 400) from exc
    return episode


def _store_artwork(session: Session, store: MediaStore, artwork: IncomingFile, max_bytes: int):
    stream = artwork.open()
    try:
        return store_image(session, store, stream, artwork.name, ARTWORK, max_bytes)
    except ImageError as exc:
        raise EpisodeRefused("artwork", str(exc)) from exc
    finally:
        if stream is not artwork.stream:
            stream.close()


def _incoming_audio(store: MediaStore, audio: IncomingFile, max_bytes: int | None) -> tuple[Path, int, str]:
    """The audio as a temporary file in the incoming folder, with its size and SHA-256.

    A received upload is used as it is; a local file or a stream is copied in once,
    hashed while it is written (so nothing reads it again to hash it).

    Raises:
        EpisodeRefused: larger than ``max_bytes`` (413).
    """
    if audio.received is not None:
        size = audio.size if audio.size is not None else audio.received.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise EpisodeRefused("audio", _too_large(max_bytes), 413)
        return audio.received, size, audio.sha256 or sha256_of(audio.received)
    stream = audio.open()
    try:
        # Not fsynced here: attach_audio does it once, after any tagging.
        staged = store.stage_stream(stream, INCOMING_FOLDER, max_bytes, fsync=False)
    except TooLarge as exc:
        raise EpisodeRefused("audio", _too_large(max_bytes), 413) from exc
    finally:
        if stream is not audio.stream:
            stream.close()
    return staged.path, staged.size, staged.sha256


def _too_large(max_bytes: int) -> str:
    return f"The file is larger than this site accepts ({binary_size(max_bytes)})."


__all__ = ["EpisodeFields", "EpisodeFiles", "EpisodeLimits", "EpisodeRefused", "IncomingFile", "save_episode"]
