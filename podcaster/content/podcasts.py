"""Shows and episodes: turning an audio file into an episode's stored media, and removing it again.

``content.episodes.save_episode`` (the web form, ``podcaster add-episode``, the
demo) and the feed importer share this code. Files are written
before the database commit and tracked in a ``FileChanges``: when the commit
fails the new files are removed, and files that were replaced or deleted are
removed only after the commit, so the database and the media folder never
disagree.
"""
from __future__ import annotations

import os
import uuid
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Episode, MediaFile, Show
from .audio import AudioError, AudioInfo, CorruptAudio, StreamCount, probe, replace_chapter_frames, tag_in_place
from .chapters import CHAPTERS_MIME, chapters_from_id3, chapters_from_rows, chapters_json
from .media import FileChanges, delete_media, lock_media_row
from .media import store_text as store_text_file
from .slugs import make_slug
from .storage import MediaStore, StagedFile, StorageError, TooLarge
from .transcripts import check_transcript

AUDIO_FOLDER = "audio"
TRANSCRIPT_FOLDER = "transcripts"
CHAPTERS_FOLDER = "chapters"
_NAME_ATTEMPTS = 5
#: The namespace Podcast Index uses for podcast:guid (UUIDv5 of the feed URL without its scheme).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def podcast_guid(feed_url: str) -> str:
    """The podcast:guid of a feed: UUIDv5 of its URL without scheme and trailing slashes."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def unique_episode_slug(session: Session, show_id: int | None, text: str, exclude_id: int | None = None) -> str:
    """A slug for ``text`` that no other episode of the show uses (``-2``, ``-3``... on a clash)."""
    base = make_slug(text, "episode")
    candidate, number = base, 1
    while episode_slug_taken(session, show_id, candidate, exclude_id):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def episode_slug_taken(session: Session, show_id: int | None, slug: str, exclude_id: int | None = None) -> bool:
    """Whether another episode of the show already uses ``slug``."""
    if show_id is None:
        return False
    query = select(Episode.id).where(Episode.show_id == show_id, Episode.slug == slug)
    if exclude_id is not None:
        query = query.where(Episode.id != exclude_id)
    return session.execute(query.limit(1)).first() is not None


class EpisodeNumberError(ValueError):
    """An episode's season or number breaks the numbering rules; the message is for the author.

    Attributes:
        field: "season" or "number", the value at fault (for a form).
    """

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def check_episode_numbering(session: Session, show_id: int | None, season: int | None, number: int | None,
                            exclude_id: int | None = None) -> None:
    """Apply the numbering rules podcast apps rely on (every form and command calls this).

    Seasons and episode numbers count from 1 (Apple numbers serial shows from 1, and a 0 drops
    ``itunes:episode`` from the feed), and one show has at most one episode per season and number.
    Episodes without a season form a sequence of their own.

    Args:
        session: the database session.
        show_id: the show, or None for a show not saved yet (nothing to clash with).
        season: the season, or None.
        number: the episode number, or None (no number clashes with nothing).
        exclude_id: the episode being edited, which keeps its own number.

    Raises:
        EpisodeNumberError: naming the rule broken, or the episode that already has the number.
    """
    if season is not None and season < 1:
        raise EpisodeNumberError("The season number must be 1 or more.", "season")
    if number is None:
        return
    if number < 1:
        raise EpisodeNumberError("The episode number must be 1 or more (podcast apps count episodes from 1).",
                                 "number")
    if show_id is None:
        return
    query = select(Episode.title).where(
        Episode.show_id == show_id, Episode.number == number,
        Episode.season.is_(None) if season is None else Episode.season == season)
    if exclude_id is not None:
        query = query.where(Episode.id != exclude_id)
    holder = session.execute(query.limit(1)).scalar()
    if holder is not None:
        where = f"of season {season}" if season is not None else "of this show (without a season)"
        raise EpisodeNumberError(f"“{holder}” is already episode {number} {where}: give this one another "
                                 f"number.", "number")


def audio_folder(show_slug: str) -> str:
    """Where a show's audio files live in the store."""
    return f"{AUDIO_FOLDER}/{show_slug}"


def attach_audio(session: Session, store: MediaStore, episode: Episode, show: Show, temp: Path,
                 original_name: str | None, changes: FileChanges, *, size: int | None = None,
                 sha256: str | None = None, frames: StreamCount | None = None, tag_year: int | None = None,
                 chapters_from_tags: bool = True) -> AudioInfo:
    """Make a finished upload the episode's audio.

    The temporary file is identified by its content, tagged when ``tag_year`` is given
    (see below), fsynced, linked to ``audio/<show-slug>/<episode-slug>.<ext>`` (a free
    name), and given a MediaFile row. The episode's duration and bitrate come from
    the file; chapters embedded in an MP3 become the episode's chapters (replacing
    those of the previous audio) unless a chapters file was uploaded.
    The previous audio file is removed after the commit. ``episode.slug`` and
    ``episode.title`` must be set, and its artwork and chapters file attached first
    (they go into the tags).

    ID3 tags (when the show asks for them and the file is an MP3) are written into the
    temporary file itself, before it has a name anyone can read: the upload is written
    once, hashed once more only because the tag changed its bytes (the receiving hash is
    kept for untagged files, so those are never read again), fsynced once, and a failed
    commit can never leave a stored file out of step with its row.

    Args:
        session: the database session (the caller commits through ``changes``).
        store: the media store.
        episode: the episode (new or existing).
        show: its show.
        temp: the uploaded file under a temporary name inside the store.
        original_name: the name the file had on the author's computer.
        changes: collects the files written and replaced.
        size: the file's size, when the upload already counted it.
        sha256: its SHA-256, when the upload already computed it (saves reading the file again).
        frames: the MP3's frames, when the upload counted them as they arrived (saves the probe's walk).
        tag_year: the year for the ID3 tags (TDRC); None never tags (the feed importer keeps files as
            they were published).
        chapters_from_tags: take the chapters embedded in the file (the feed importer does not: an
            imported episode keeps what its feed said).

    Returns:
        What the probe learned.

    Raises:
        AudioError: not MP3/M4A, unreadable, or it could not be tagged; the temporary file is deleted.
    """
    try:
        info = probe(temp, frames=frames)
        chapters = episode.chapters
        if episode.chapters_file is None and chapters_from_tags:
            # Chapters without an uploaded file came from the previous recording's tags: they follow the
            # audio (a new recording without chapter marks has none), since the feed links them.
            chapters = chapters_from_id3(info.chapters)
        if tag_year is not None and show.tag_mp3 and info.mime_type == "audio/mpeg":
            # Hashed and fsynced in one pass.
            tagged = _tag_temp(store, temp, episode, show, tag_year, chapters, info.duration)
            size, sha256 = tagged.size, tagged.sha256
        else:
            with open(temp, "rb") as handle:
                os.fsync(handle.fileno())  # on disk before a row can point at it
        for attempt in range(_NAME_ATTEMPTS):
            relative = store.path_for(audio_folder(show.slug), episode.slug, info.mime_type)
            try:
                stored = store.commit_temp(temp, relative, size=size, sha256=sha256)
                break
            except StorageError:
                # Another upload took the same free name between the check and the rename: pick again.
                if attempt == _NAME_ATTEMPTS - 1 or not store.exists(relative):
                    raise
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    changes.new_paths.append(stored.path)
    media = MediaFile(path=stored.path, size=stored.size, sha256=stored.sha256, mime_type=info.mime_type,
                      kind="audio", original_name=(original_name or "")[:255] or None)
    session.add(media)
    changes.old_paths += delete_media(session, episode.audio)
    episode.audio = media
    episode.duration = info.duration
    episode.bitrate = info.bitrate
    episode.chapters = chapters
    return info


def _tag_temp(store: MediaStore, temp: Path, episode: Episode, show: Show, year: int, chapters: list[dict] | None,
              duration: float):
    """Write the episode's ID3 tags into the not yet named MP3 ``temp`` (see ``attach_audio``)."""
    with ExitStack() as stack:
        cover_path = tag_cover(stack, store, episode, show)
        return tag_in_place(temp, title=episode.title, artist=show.author_name or show.title, album=show.title,
                            year=year, cover_jpeg_path=cover_path, chapters=chapters or None, duration=duration)


def tag_cover(stack: ExitStack, store: MediaStore, episode: Episode, show: Show) -> Path | None:
    """A local path of the JPEG cover an episode's ID3 tags carry (its artwork or the show's), or None.

    Args:
        stack: keeps the copy until it closes (the cover may live in the bucket only: the tagger reads a
            local copy).
        store: the media store.
        episode: the episode.
        show: its show.
    """
    cover = episode.artwork or show.artwork
    feed_cover = cover.variant_or_self("feed") if cover is not None else None
    if feed_cover is None or feed_cover.mime_type != "image/jpeg":
        return None
    return stack.enter_context(store.local_copy(feed_cover.path))


def attach_transcript(session: Session, store: MediaStore, episode: Episode, show: Show, data: bytes,
                      original_name: str | None, changes: FileChanges) -> None:
    """Check an SRT/WebVTT upload and make it the episode's transcript (replacing any previous one).

    Raises:
        TranscriptError: not a transcript (nothing is stored).
    """
    checked = check_transcript(data)
    relative = store.path_for(f"{TRANSCRIPT_FOLDER}/{show.slug}", episode.slug, checked.mime_type)
    media = store_text_file(session, store, data, relative, checked.mime_type, "transcript", original_name,
                            changes)
    changes.old_paths += delete_media(session, episode.transcript)
    episode.transcript = media


def attach_chapters(session: Session, store: MediaStore, episode: Episode, show: Show, chapters: list[dict],
                    original_name: str | None, changes: FileChanges) -> None:
    """Store checked chapters as the episode's JSON chapters file and chapter list."""
    relative = store.path_for(f"{CHAPTERS_FOLDER}/{show.slug}", episode.slug, CHAPTERS_MIME)
    media = store_text_file(session, store, chapters_json(chapters), relative, CHAPTERS_MIME,
                            "chapters", original_name, changes)
    changes.old_paths += delete_media(session, episode.chapters_file)
    episode.chapters_file = media
    episode.chapters = chapters


def replace_chapters(session: Session, store: MediaStore, episode: Episode, show: Show, chapters: list[dict],
                     changes: FileChanges) -> bool:
    """Make edited chapters the episode's: its JSON chapters file and, for an MP3, its CHAP frames.

    The MP3 is never changed where it is served from: a copy with the new chapter marks gets a new
    name and row, and the old file goes after the commit (``changes``), so a failed save leaves the
    served file and its row as they were, and caches never mix old and new bytes under one name.
    Shows that do not want their MP3s tagged (``tag_mp3`` off) get the JSON file only.

    Args:
        session: the database session (the caller commits through ``changes``).
        store: the media store.
        episode: the episode; its audio, if any, must be in ``store``.
        show: its show.
        chapters: checked chapters (``chapters.chapters_from_rows``); empty removes them all.
        changes: collects the files written and replaced.

    Returns:
        Whether the MP3's own chapter marks were rewritten.

    Raises:
        CorruptAudio: the MP3 could not be tagged (nothing is kept).
        AudioError: another save replaced the MP3 meanwhile (nothing is kept).
    """
    audio = episode.audio
    tags_mp3 = audio is not None and audio.mime_type == "audio/mpeg" and show.tag_mp3 and store.exists(audio.path)
    staged = None
    try:
        if tags_mp3:
            # The copy is made and tagged before the row lock is taken (``lock_media_row``, as the re-tag
            # job does): on SQLite that lock is the database's one write lock, and copying a long MP3
            # under it would make every other writer wait. Under the lock the copy is kept only if it
            # was made from the bytes the row still names; if a re-tag swapped its file in meanwhile,
            # that file is copied again, now under the lock, so nothing can change it.
            staged, copied_from = _chapter_copy(store, episode, show, audio, chapters)
            audio = _locked_audio(session, audio.id)
            if audio.sha256 != copied_from:
                staged.path.unlink(missing_ok=True)
                staged = None
                staged, _ = _chapter_copy(store, episode, show, audio, chapters)
        if chapters:
            attach_chapters(session, store, episode, show, chapters, None, changes)
        else:
            changes.old_paths += delete_media(session, episode.chapters_file)
            episode.chapters_file = None
            episode.chapters = []
        if staged is None:
            return False
        name = store.path_for(audio_folder(show.slug), episode.slug, audio.mime_type)
        stored = store.commit_temp(staged.path, name, size=staged.size, sha256=staged.sha256)
    except BaseException:
        if staged is not None:
            staged.path.unlink(missing_ok=True)
        raise
    changes.new_paths.append(stored.path)
    media = MediaFile(path=stored.path, size=stored.size, sha256=stored.sha256, mime_type=audio.mime_type,
                      kind="audio", original_name=audio.original_name)
    session.add(media)
    changes.old_paths += delete_media(session, audio)
    episode.audio = media
    return True


def _locked_audio(session: Session, media_id: int) -> MediaFile:
    """The audio row locked until the commit (``lock_media_row``), read afresh.

    Raises:
        AudioError: another save of these chapters replaced the file and committed first.
    """
    locked = lock_media_row(session, media_id)
    if locked is None:
        raise AudioError("The episode's audio was replaced while these chapters were saved: "
                         "open the chapter editor again.")
    return locked


def _chapter_copy(store: MediaStore, episode: Episode, show: Show, audio: MediaFile,
                  chapters: list[dict]) -> tuple[StagedFile, str]:
    """A copy of the MP3 with these chapter marks, not named yet, and the SHA-256 of the bytes it was made from.

    Raises:
        CorruptAudio: the MP3 could not be tagged (the copy is removed).
    """
    with store.open(audio.path) as source:
        copied = store.stage_stream(source, audio_folder(show.slug), fsync=False)
    try:
        duration = episode.duration or probe(copied.path).duration
        tagged = replace_chapter_frames(copied.path, chapters, duration)
    except BaseException:
        copied.path.unlink(missing_ok=True)
        raise
    return StagedFile(copied.path, tagged.size, tagged.sha256), copied.sha256


def save_chapter_rows(session: Session, store: MediaStore, episode: Episode,
                      rows: list[dict[str, str]]) -> bool:
    """The chapter editor's save: check the rows, write the chapters file and the MP3's marks, commit.

    Args:
        session: the database session; committed here.
        store: the media store.
        episode: the episode being edited.
        rows: the editor's rows in order (see ``chapters.chapters_from_rows``).

    Returns:
        Whether the MP3's own chapter marks were rewritten too.

    Raises:
        ChapterRowsError: a row is wrong; nothing was written.
        CorruptAudio: the MP3 could not be tagged; nothing was kept.
    """
    chapters = chapters_from_rows(rows, episode.duration)
    changes = FileChanges()
    try:
        tagged = replace_chapters(session, store, episode, episode.show, chapters, changes)
    except BaseException:
        changes.discard(session, store)
        raise
    changes.commit(session, store)
    return tagged


def delete_episode(session: Session, episode: Episode) -> list[str]:
    """Delete an episode and the rows of its files; return the paths to remove after the commit."""
    paths: list[str] = []
    files = [episode.audio, episode.artwork, episode.transcript, episode.chapters_file]
    session.delete(episode)
    session.flush()  # the episode row goes before the file rows it points at
    for media in files:
        paths += delete_media(session, media)
    return paths


def delete_show(session: Session, show: Show) -> list[str]:
    """Delete a show, its episodes and every file row; return the paths to remove after the commit."""
    paths: list[str] = []
    for episode in list(show.episodes):
        paths += delete_episode(session, episode)
    session.expire(show, ["episodes"])  # the collection still lists the episodes just deleted
    artwork = show.artwork
    session.delete(show)
    session.flush()
    paths += delete_media(session, artwork)
    return paths


__all__ = [
    "AudioError", "CorruptAudio", "EpisodeNumberError", "FileChanges", "StorageError", "TooLarge", "attach_audio",
    "attach_chapters", "attach_transcript", "audio_folder", "check_episode_numbering", "replace_chapters",
    "save_chapter_rows",
    "delete_episode", "delete_show", "podcast_guid", "unique_episode_slug",
]
