"""Shows and episodes: turning an audio file into an episode's stored media, and removing it again.

The web form and ``podcaster add-episode`` share this code. Files are written
before the database commit and tracked in a ``FileChanges``: when the commit
fails the new files are removed, and files that were replaced or deleted are
removed only after the commit, so the database and the media folder never
disagree.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Episode, MediaFile, Show
from .audio import AudioError, AudioInfo, CorruptAudio, probe, write_id3_tags
from .chapters import CHAPTERS_MIME, chapters_from_id3, chapters_json
from .media import FileChanges, delete_media
from .media import store_text as store_text_file
from .slugs import make_slug
from .storage import MediaStore, StorageError, TooLarge
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


def copy_to_temp(store: MediaStore, source: Path, folder: str) -> Path:
    """Copy a local file (the CLI's argument) into a temporary file in ``folder`` of the store."""
    temp = store.temp_path_for(f"{folder}/incoming")
    try:
        shutil.copyfile(source, temp)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def attach_audio(session: Session, store: MediaStore, episode: Episode, show: Show, temp: Path,
                 original_name: str | None, changes: FileChanges, *, size: int | None = None,
                 sha256: str | None = None) -> AudioInfo:
    """Make a finished upload the episode's audio.

    The temporary file is identified by its content, renamed to
    ``audio/<show-slug>/<episode-slug>.<ext>`` (a free name), and given a MediaFile
    row. The episode's duration and bitrate come from the file; chapters embedded
    in an MP3 become the episode's chapters (replacing those of the previous audio)
    unless a chapters file was uploaded.
    The previous audio file is removed after the commit. ``episode.slug`` must be set.

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

    Returns:
        What the probe learned.

    Raises:
        AudioError: not MP3/M4A, or unreadable; the temporary file is deleted.
    """
    try:
        info = probe(temp)
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
    if episode.chapters_file is None:
        # Chapters without an uploaded file came from the previous recording's tags: they follow the
        # audio (a new recording without chapter marks has none), since the feed links them.
        episode.chapters = chapters_from_id3(info.chapters)
    return info


def tag_audio(store: MediaStore, episode: Episode, show: Show, year: int | None = None) -> bool:
    """Write ID3 tags into the episode's MP3 when the show asks for it, and update its size and checksum.

    Args:
        store: the media store.
        episode: an episode whose audio was just stored (title and chapters set).
        show: its show.
        year: the recording year for TDRC.

    Returns:
        True when tags were written.

    Raises:
        CorruptAudio: the MP3 could not be tagged.
    """
    media = episode.audio
    if media is None or not show.tag_mp3 or media.mime_type != "audio/mpeg":
        return False
    cover = episode.artwork or show.artwork
    cover_path = store.path_of(cover.variant_or_self("feed").path) if cover is not None else None
    if cover is not None and cover.variant_or_self("feed").mime_type != "image/jpeg":
        cover_path = None
    tagged = write_id3_tags(
        store.path_of(media.path), title=episode.title, artist=show.author_name or show.title,
        album=show.title, year=year, cover_jpeg_path=cover_path, chapters=episode.chapters or None,
        duration=episode.duration,
    )
    media.size, media.sha256 = tagged.size, tagged.sha256
    return True


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
    "attach_chapters", "attach_transcript", "audio_folder", "check_episode_numbering", "copy_to_temp",
    "delete_episode", "delete_show", "podcast_guid",
    "tag_audio", "unique_episode_slug",
]


def add_episode_from_file(session: Session, store: MediaStore, show: Show, source: str | os.PathLike, *,
                          title: str, now, **options) -> Episode:
    """Create and commit an episode from a local audio file: the upload form's pipeline, for scripts.

    Args:
        session: the database session (committed here).
        store: the media store.
        show: the show the episode belongs to.
        source: the audio file (copied, never moved).
        title: the episode title.
        now: the present (naive UTC), for the publication time.
        **options: as for ``build_episode_from_file``.

    Returns:
        The committed episode.

    Raises:
        As ``build_episode_from_file``; nothing is kept when anything fails.
    """
    changes = FileChanges()
    try:
        episode = build_episode_from_file(session, store, show, source, changes, title=title, now=now, **options)
        changes.commit(session, store)
    except BaseException:
        changes.discard(session, store)
        raise
    return episode


def build_episode_from_file(session: Session, store: MediaStore, show: Show, source: str | os.PathLike,
                            changes: FileChanges, *, title: str, now, slug: str | None = None, notes: str = "",
                            status: str = "draft", publish_at=None, season: int | None = None,
                            number: int | None = None, episode_type: str = "full",
                            transcript: str | os.PathLike | None = None,
                            chapters: str | os.PathLike | None = None) -> Episode:
    """Add an episode made from a local audio file to the session, without committing.

    The file is copied once into the show's audio folder under a temporary name,
    identified and measured, renamed into place and tagged like an upload. The
    files written are recorded in ``changes`` (the caller commits or discards it).

    Args:
        session: the database session.
        store: the media store.
        show: the show the episode belongs to.
        source: the audio file.
        changes: collects the files written.
        title: the episode title.
        now: the present (naive UTC), for the publication time.
        slug: the episode slug; made from the title when omitted.
        notes: show notes in Markdown.
        status: draft, scheduled or published (see ``publishing.resolve_publication``).
        publish_at: the publication time (naive UTC), or None.
        season: the season number.
        number: the episode number.
        episode_type: full, trailer or bonus.
        transcript: an SRT or WebVTT file.
        chapters: a Podcast Index JSON chapters file.

    Returns:
        The new episode, added to the session.

    Raises:
        AudioError: the file is not usable podcast audio.
        TranscriptError: the transcript is not SRT/WebVTT.
        ChaptersError: the chapters file is invalid.
        PublishingError: the status and time do not go together.
        EpisodeNumberError: the season or number is below 1, or taken (``check_episode_numbering``).
        ValueError: the slug is taken or invalid.
    """
    from .chapters import parse_chapters
    from .publishing import resolve_publication
    from .slugs import SLUG_RE

    status, publish_at = resolve_publication(status, publish_at, now)
    check_episode_numbering(session, show.id, season, number)
    if slug:
        if not SLUG_RE.match(slug):
            raise ValueError(f"{slug!r} is not a valid slug (lowercase letters, digits and hyphens).")
        if episode_slug_taken(session, show.id, slug):
            raise ValueError(f"Another episode of {show.title} already uses the slug {slug!r}.")
    else:
        slug = unique_episode_slug(session, show.id, title)
    transcript_data = Path(transcript).read_bytes() if transcript else None
    parsed_chapters = parse_chapters(Path(chapters).read_bytes()) if chapters else None
    episode = Episode(show=show, title=title.strip(), slug=slug, notes=notes, status=status,
                      publish_at=publish_at, season=season, number=number, episode_type=episode_type)
    session.add(episode)
    temp = copy_to_temp(store, Path(source), audio_folder(show.slug))
    attach_audio(session, store, episode, show, temp, Path(source).name, changes)
    if transcript_data is not None:
        attach_transcript(session, store, episode, show, transcript_data, Path(transcript).name, changes)
    if parsed_chapters is not None:
        attach_chapters(session, store, episode, show, parsed_chapters, Path(chapters).name, changes)
    tag_audio(store, episode, show, year=(publish_at or now).year)
    return episode
