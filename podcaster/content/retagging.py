"""Re-tagging stored MP3s when what their ID3 tags say changes (the re-tagging job's domain side).

An upload is tagged before it is stored (``podcasts.attach_audio``); this keeps the tags true afterwards.
A session hook notes which episodes and shows changed a tagged field (title, show title, author, artwork,
publication year); after the commit ``podcaster.jobs`` queues one job per episode or show, which calls
``retag_episode`` / ``retag_show`` here.

The file keeps its name, so its enclosure URL (``/media/<path>``) never changes: the re-tagged copy is
swapped over it whole (a local rename, or an S3 object replaced by a server-side copy), and the row's
size and SHA-256 follow. The SHA-256 is the file's ETag (``web/media.py``), so a listener resuming a
download with ``If-Range`` naming the old version gets the whole new file (200), never old bytes joined to
new ones; a date in ``If-Range`` is covered too (the new file's Last-Modified is always a later second),
and an S3 object's own ETag changes with its bytes, so the bucket and a CDN answer If-Range the same way.
"""
from __future__ import annotations

import posixpath
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from ..models import Episode, MediaFile, Show
from ..models.media import STORED_IN_S3
from .audio import MP3_MIME, TaggedFile, retag_in_place
from .feeds.podcast import enclosure_type
from .media import lock_media_row
from .podcasts import tag_cover
from .storage import MediaStore, StorageError

#: ``session.info`` key of the episodes and shows whose tags an edit changed (read after the commit).
RETAG_INFO_KEY = "podcaster.retag"
#: Attributes whose change changes the ID3 tags written by ``attach_audio`` (relationships and their keys).
EPISODE_TAGGED = ("title", "artwork", "artwork_id", "publish_at")
SHOW_TAGGED = ("title", "author_name", "artwork", "artwork_id", "tag_mp3")


@dataclass
class RetagRequests:
    """What a committed edit asks to re-tag: single episodes, and every episode of some shows."""

    episode_ids: set[int] = field(default_factory=set)
    show_ids: set[int] = field(default_factory=set)


def _changed(obj, names: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _note_tag_changes(session: Session, flush_context, instances) -> None:
    requests = session.info.get(RETAG_INFO_KEY)
    for obj in session.dirty:
        if obj in session.deleted or obj.id is None:
            continue
        if isinstance(obj, Episode) and _changed(obj, EPISODE_TAGGED):
            # New audio was tagged on its way in with these very values: nothing to re-tag.
            if obj.audio_id is not None and not _changed(obj, ("audio", "audio_id")):
                requests = requests or session.info.setdefault(RETAG_INFO_KEY, RetagRequests())
                requests.episode_ids.add(obj.id)
        elif isinstance(obj, Show) and _changed(obj, SHOW_TAGGED):
            requests = requests or session.info.setdefault(RETAG_INFO_KEY, RetagRequests())
            requests.show_ids.add(obj.id)


def _forget(session: Session, *_arguments) -> None:
    if session.in_nested_transaction():
        # A savepoint rolled back: the transaction's earlier edits still want their tags (what the
        # savepoint noted stays too; a re-tag finding the tags already right does nothing).
        return
    session.info.pop(RETAG_INFO_KEY, None)


def take_requests(session: Session) -> RetagRequests | None:
    """The re-tagging a just committed edit asks for (taken: a second call returns None)."""
    requests = session.info.pop(RETAG_INFO_KEY, None)
    if requests is None or not (requests.episode_ids or requests.show_ids):
        return None
    return requests


if not event.contains(Session, "before_flush", _note_tag_changes):
    event.listen(Session, "before_flush", _note_tag_changes)
    event.listen(Session, "after_rollback", _forget)


class TransferPending(StorageError):
    """The file still waits for its transfer to the bucket: re-tagging it now would change the bytes that
    transfer is sending (its check would fail), so the re-tag waits (its job tries again later)."""


#: How often a run re-tags again because an edit changed the wanted tags while it was tagging.
MAX_ROUNDS = 5


def retag_episode(session: Session, store: MediaStore, episode_id: int,
                  transfer_pending: Callable[[MediaFile], bool] | None = None) -> str:
    """Make an episode's stored MP3 carry the tags its episode and show call for now.

    Idempotent: a file already tagged so is not rewritten (only its row is brought up to date when an
    earlier run stopped between the swap and the commit). Two runs for the same file (an edit during a
    run, or a show's run and an episode's) may overlap: the swap and the row's commit happen under a lock
    on the file's row, after reading the wanted tags again there, so the last edit wins and the row's
    size and SHA-256 (the ETag) always describe the file.

    Args:
        session: the database session (committed here: it must have no pending changes).
        store: a store that reads the file where its row says it is (``S3MediaStore`` for rows in S3).
        episode_id: the episode.
        transfer_pending: tells whether a local file still waits for its transfer to the bucket.

    Returns:
        What was done, for the job's record.

    Raises:
        CorruptAudio: the stored MP3 cannot be tagged (the file and row are unchanged).
        TransferPending: the file waits for its transfer (unchanged; try again later).
        StorageError: the file could not be read, or the new object sent and verified (unchanged too).
    """
    for _round in range(MAX_ROUNDS):
        outcome = _retag_once(session, store, episode_id, transfer_pending)
        if outcome is not None:
            return outcome
    raise StorageError(f"episode {episode_id}: its tags kept changing while it was re-tagged; trying again later")


def _wanted_tags(episode: Episode, show: Show) -> tuple:
    cover = episode.artwork or show.artwork
    return (episode.title, show.author_name or show.title, show.title,
            episode.publish_at.year if episode.publish_at else None, cover.id if cover is not None else None)


def _retag_once(session: Session, store: MediaStore, episode_id: int,
                transfer_pending: Callable[[MediaFile], bool] | None) -> str | None:
    session.commit()  # a fresh transaction: what is read below is the latest committed edit
    episode = session.get(Episode, episode_id, populate_existing=True)
    audio = episode.audio if episode is not None else None
    if audio is None:
        return f"episode {episode_id} has no audio: nothing to tag"
    show = session.get(Show, episode.show_id, populate_existing=True)
    session.refresh(audio)
    if not show.tag_mp3 or audio.mime_type != MP3_MIME:
        return f"{audio.path}: not tagged (an M4A, or the show keeps its files as they are)"
    if audio.stored_in == STORED_IN_S3 and not hasattr(store, "replace_object"):
        raise StorageError(f"{audio.path} is in the bucket, but no bucket is configured (PODCASTER_S3_BUCKET)")
    if audio.stored_in != STORED_IN_S3 and transfer_pending is not None and transfer_pending(audio):
        raise TransferPending(f"{audio.path} waits for its transfer to the bucket: re-tagged after it")
    wanted = _wanted_tags(episode, show)
    with ExitStack() as stack:
        cover_path = tag_cover(stack, store, episode, show)
        with store.open(audio.path) as source:
            staged = store.stage_stream(source, posixpath.dirname(audio.path), fsync=False)
        stack.callback(staged.path.unlink, missing_ok=True)
        title, artist, album, year, _cover = wanted
        tagged = retag_in_place(staged.path, title=title, artist=artist, album=album, year=year,
                                cover_jpeg_path=cover_path)
        session.commit()  # ends the read transaction: the lock below starts a new one, seeing the latest edit
        lock_media_row(session, audio.id)
        episode = session.get(Episode, episode_id, populate_existing=True)
        show = session.get(Show, show.id, populate_existing=True)
        if (episode is None or episode.audio_id != audio.id or not show.tag_mp3
                or _wanted_tags(episode, show) != wanted):
            session.rollback()  # an edit landed meanwhile (its own job may be waiting): tag again
            return None
        if tagged is None:
            return _row_follows(session, audio, TaggedFile(size=staged.size, sha256=staged.sha256),
                                f"{audio.path}: its tags were already these")
        if audio.stored_in == STORED_IN_S3:
            store.replace_object(staged.path, audio.path, sha256=tagged.sha256, size=tagged.size,
                                 content_type=enclosure_type(audio.mime_type))
        else:
            store.replace_with_temp(staged.path, audio.path)
    # The swap comes before the commit: a run stopped between them leaves a complete file, and the next
    # run finds it tagged and brings the row along (``_row_follows``).
    return _row_follows(session, audio, tagged, f"{audio.path}: tags rewritten")


def _row_follows(session: Session, audio: MediaFile, tagged: TaggedFile, message: str) -> str:
    if (audio.size, audio.sha256) != (tagged.size, tagged.sha256):
        audio.size, audio.sha256 = tagged.size, tagged.sha256
    session.commit()  # also ends the lock when nothing changed
    return message


def retag_show(session: Session, store: MediaStore, show_id: int,
               progress: Callable[[int, int, str], None] | None = None,
               transfer_pending: Callable[[MediaFile], bool] | None = None) -> str:
    """Re-tag every episode of a show with audio (``retag_episode`` each), reporting progress.

    Returns:
        How many files were rewritten, for the job's record.

    Raises:
        CorruptAudio, StorageError: as ``retag_episode``; the episodes done before stay done.
    """
    ids = session.execute(select(Episode.id).where(Episode.show_id == show_id, Episode.audio_id.is_not(None))
                          .order_by(Episode.id)).scalars().all()
    rewritten = 0
    for done, episode_id in enumerate(ids, start=1):
        message = retag_episode(session, store, episode_id, transfer_pending)
        rewritten += message.endswith("tags rewritten")
        if progress is not None:
            progress(done, len(ids), message)
    return f"{rewritten} of {len(ids)} audio files re-tagged"
