"""The jobs: feed refresh (files, pings, the next scheduled run), pings, feed import, periodic doctor,
S3 transfers and the whole media migration, ID3 re-tagging.

Each is a function ``job(context, **arguments)`` calling content code with the job's session; the web
layer's URL makers come from ``app.extensions`` (registered by ``web.init_app``), so this package imports
no view. Every job is idempotent: the refresh writes only bytes that changed, a ping is keyed by the
feed's ETag, the import matches episodes by guid, the doctor replaces its figures, a transfer or migration
skips what is already moved, a re-tag leaves a file already tagged so untouched.
"""
from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app
from huey import crontab
from huey import MemoryHuey
from huey.api import Huey
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..content import jobrecords, retagging, transfers
from ..content.analytics import counting

from ..content.feeds import files, pings
from ..content.feeds.doctor import CHECK_SHOW_EXTENSION
from ..content.feeds.importer import MAX_FEED_BYTES, FeedImportError, fetch_url, import_feed, read_limited
from ..content.http import FetchPolicy
from ..content.audio import CorruptAudio
from ..content.storage import MediaStore
from ..content.storage_s3 import S3MediaStore, remote_store_from_config
from ..extensions import db
from ..models import Episode, JobRecord, JobState, Show
from ..models.media import STORED_IN_S3, STORED_LOCALLY
from .runner import PENDING_OR_DONE, TASKS_EXTENSION, JobContext, enqueue, queue_of, register

REFRESH_KEY = "refresh-feeds"
#: Finished records older than this are removed by the periodic doctor run.
KEEP_RECORDS = timedelta(days=14)


def feed_files_dir(app: Flask) -> Path:
    """The folder nginx serves feed files from (``FEED_FILES_DIR``, default ``instance/feeds``)."""
    return Path(app.config.get("FEED_FILES_DIR") or os.path.join(app.instance_path, "feeds"))


def queue_refresh() -> str | None:
    """Queue a feed refresh unless one is already waiting (a burst of edits makes one refresh)."""
    return enqueue("refresh_feeds", label="Write the feed files and send the pings", key=REFRESH_KEY,
                   key_states=[JobState.QUEUED])


def refresh_feeds(context: JobContext) -> str:
    """Write every changed feed file and public media link, queue the pings, and schedule the next run."""
    app = context.app
    written = files.sync_feed_files(context.session, feed_files_dir(app), context.now,
                                    app.extensions[files.SHOW_LINKS_EXTENSION],
                                    app.extensions[files.BLOG_FEED_EXTENSION])
    links = files.sync_public_media(context.session, feed_files_dir(app), app.config["MEDIA_ROOT"], context.now)
    queued = 0
    for feed in written:
        if feed.show_id is None:
            continue  # the blog: hubs and podcast directories are told about podcast feeds
        for ping in pings.pings_for(feed.feed_url, app.config):
            target = ping.url.split("?", 1)[0]
            queued += enqueue("ping", label=f"Tell {ping.describe()} that {feed.feed_url} changed",
                              key=f"ping:{ping.kind}:{target}:{feed.feed_url}:{feed.etag}",
                              kind=ping.kind, target=target, feed_url=feed.feed_url) is not None
    upcoming = files.next_scheduled_change(context.session, context.now)
    if upcoming is not None:
        enqueue("refresh_feeds", label=f"Publish what is scheduled for {upcoming:%Y-%m-%d %H:%M} UTC",
                key=f"{REFRESH_KEY}@{upcoming.isoformat()}", eta=upcoming)
    return f"{len(written)} feed files written, {links} public media links changed, {queued} pings queued"


def ping(context: JobContext, kind: str, target: str, feed_url: str) -> str:
    """Send one ping (rebuilt from the settings, so no token is kept in the record)."""
    for candidate in pings.pings_for(feed_url, context.app.config):
        if candidate.kind == kind and candidate.url.split("?", 1)[0] == target:
            status = pings.send(candidate, FetchPolicy.from_settings(context.app.config))
            return f"{candidate.describe()} answered HTTP {status}"
    return f"{kind} {target} is no longer configured; nothing sent"


def import_podcast(context: JobContext, url: str = "", feed_path: str = "", keep_remote: bool = False) -> str:
    """Import a show from a feed URL or an uploaded feed file kept in the instance folder."""
    app = context.app
    policy = FetchPolicy.from_settings(app.config)
    if feed_path:
        data = Path(feed_path).read_bytes()
    else:
        data = read_limited(fetch_url(url, MAX_FEED_BYTES, policy), MAX_FEED_BYTES, "the feed")
    result = import_feed(
        context.session, MediaStore(app.config["MEDIA_ROOT"]), data, policy=policy,
        download_audio=not keep_remote, max_audio_bytes=app.config["MAX_UPLOAD_BYTES"],
        max_image_bytes=app.config["MAX_IMAGE_BYTES"],
        step=lambda done, total, title: context.progress(done, total, f"imported “{title}”"))
    if feed_path:
        Path(feed_path).unlink(missing_ok=True)
    summary = (f"Imported “{result.show.title}”: {result.created} new and {result.updated} updated episodes, "
               f"{result.downloaded} audio files downloaded")
    return "; ".join([summary, *result.repairs, *result.problems])


def keep_import_file(app: Flask, data: bytes) -> str:
    """Keep an uploaded feed in the instance folder until its import job has run; returns its path."""
    folder = Path(app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.xml"
    files.write_atomically(path, data)
    return str(path)


def doctor(context: JobContext) -> str:
    """Run the feed doctor on every show (its figures go to ``health``) and drop old finished records."""
    check_show = context.app.extensions[CHECK_SHOW_EXTENSION]
    shows = context.session.execute(select(Show).order_by(Show.id)).scalars().all()
    for done, show in enumerate(shows, start=1):
        check_show(show)
        context.progress(done, len(shows), f"checked “{show.title}”")
    context.session.execute(delete(JobRecord).where(
        JobRecord.state.in_([JobState.DONE.value, JobState.FAILED.value]),
        JobRecord.finished_at < context.now - KEEP_RECORDS))
    context.session.commit()
    return f"{len(shows)} feeds checked"


ROLL_UP_KEY = "roll-up-stats"


def queue_roll_up() -> str | None:
    """Queue a roll-up of the listener statistics unless one is already waiting or running."""
    return enqueue("roll_up_stats", label="Count the downloads of the new hits", key=ROLL_UP_KEY,
                   key_states=[JobState.QUEUED, JobState.RUNNING])


def roll_up_stats(context: JobContext) -> str:
    """Roll the raw hits up into daily downloads, forget hits past the keep period, destroy past salts."""
    written = counting.roll_up(context.session, context.now,
                               context.app.config.get("ANALYTICS_KEEP_DAYS", counting.KEEP_DAYS))
    return f"{written} daily download rows written"


def transfer_key(media_id: int) -> str:
    """The key of a file's transfer job (one per file)."""
    return f"transfer:{media_id}"


def queue_transfer(media_id: int, path: str, release: dict | None = None) -> bool:
    """Queue the transfer of one new file to the bucket (``transfers.TransferQueue``), never twice.

    The file waits in this machine's media folder, so the job is bound to this machine (``HOST_NAME``):
    with a Redis queue it goes to this machine's own queue, which its ``podcaster run`` (or a
    ``podcaster worker`` started here) serves, not to a worker elsewhere that lacks the file.

    Returns:
        True when a job will send it (queued now or already waiting); False when the queue is away.
    """
    key = transfer_key(media_id)
    host = current_app.config["HOST_NAME"]
    if enqueue("transfer_media", label=f"Send {path} to the bucket (staged on {host})", key=key,
               media_id=media_id, release=release, host=host) is not None:
        return True
    with Session(db.engine) as records:
        return jobrecords.key_taken(records, key, [state.value for state in PENDING_OR_DONE])


def with_transfer_jobs(store: MediaStore, app: Flask) -> MediaStore:
    """Give an S3 store the app's queue for its transfers (the web and command layers' ``media_store``).

    A memory queue (tests, one process) keeps the synchronous transfer: a job queued there would die with
    the process, so it would gain nothing.
    """
    if (isinstance(store, S3MediaStore) and TASKS_EXTENSION in app.extensions
            and not isinstance(queue_of(app), MemoryHuey)):
        store.transfer_queue = queue_transfer
    return store


def transfer_media(context: JobContext, media_id: int, release: dict | None = None, host: str = "") -> str:
    """Send one file to the bucket (verified), then make the publication its episode was held back from.

    ``host`` names the machine whose media folder holds the file (the queue brings the job there).
    """
    store = remote_store_from_config(context.app.config)
    if store is None:
        raise transfers.TransferFailed("no bucket is configured (PODCASTER_S3_BUCKET)")
    try:
        sent = transfers.transfer_media(context.session, store, media_id)
    except transfers.TransferFailed:
        context.session.rollback()
        raise  # the file and its row stay local; Huey tries again later
    message = "sent and verified" if sent else "nothing to send (already in the bucket or deleted)"
    if release and transfers.release_held(context.session, media_id, **release):
        message += f"; episode {release['episode_id']} is {release['status']}"
    return message


def reading_store(app: Flask) -> MediaStore:
    """The store that reads every row: the S3 one when a bucket is set (it reads local files too)."""
    return remote_store_from_config(app.config) or MediaStore(app.config["MEDIA_ROOT"])


def queue_retags(requests: retagging.RetagRequests) -> int:
    """Queue the re-tagging an edit asks for: one job per show, one per episode outside those shows.

    Keyed per episode or show and taken only while one is waiting: the job reads the tags to write when
    it runs, so a burst of edits makes one run, and an edit during a run queues the next (runs that
    overlap are serialised on the file's row by ``retagging.retag_episode``: the last edit wins).

    Returns:
        How many jobs were queued.
    """
    queued = 0
    with Session(db.engine) as records:
        with_audio = Episode.audio_id.is_not(None)
        show_ids = set(records.execute(select(Episode.show_id).distinct().where(
            Episode.show_id.in_(sorted(requests.show_ids)), with_audio)).scalars()) if requests.show_ids else set()
        rows = records.execute(select(Episode.id, Episode.show_id).where(
            Episode.id.in_(sorted(requests.episode_ids)), with_audio)).all() if requests.episode_ids else []
    for show_id in sorted(show_ids):  # a show without audio has nothing to re-tag
        queued += enqueue("retag_audio", label=f"Rewrite the ID3 tags of show {show_id}'s MP3s",
                          key=f"retag:show:{show_id}", key_states=[JobState.QUEUED], show_id=show_id) is not None
    for episode_id, show_id in rows:
        if show_id not in show_ids:  # else the show's run re-tags it
            queued += enqueue("retag_audio", label=f"Rewrite the ID3 tags of episode {episode_id}'s MP3",
                              key=f"retag:episode:{episode_id}", key_states=[JobState.QUEUED],
                              episode_id=episode_id) is not None
    return queued


def retag_audio(context: JobContext, episode_id: int | None = None, show_id: int | None = None) -> str:
    """Rewrite the ID3 tags of one episode's MP3, or of every MP3 of a show (with progress)."""
    store = reading_store(context.app)

    def pending(row) -> bool:
        return transfer_pending(context.session, row.id)

    if show_id is not None:
        return retagging.retag_show(context.session, store, show_id,
                                    progress=lambda done, total, message: context.progress(done, total, message),
                                    transfer_pending=pending)
    return retagging.retag_episode(context.session, store, episode_id, transfer_pending=pending)


def transfer_pending(session: Session, media_id: int) -> bool:
    """Whether a transfer job for this file to the bucket is waiting, running or retrying."""
    return jobrecords.key_taken(session, transfer_key(media_id),
                                [JobState.QUEUED.value, JobState.RUNNING.value, JobState.RETRYING.value])


MIGRATE_LABELS = {STORED_IN_S3: "Move every media file to the S3 bucket",
                  STORED_LOCALLY: "Bring every media file back to the local folder"}


def queue_migration(to: str) -> str | None:
    """Queue ``media migrate --to`` as a job, unless one to the same place is waiting or running.

    Returns:
        The task id, or None when one is already under way (or the queue is away).
    """
    return enqueue("migrate_media", label=MIGRATE_LABELS[to], key=f"migrate:{to}",
                   key_states=[JobState.QUEUED, JobState.RUNNING, JobState.RETRYING], to=to)


def migrate_media(context: JobContext, to: str) -> str:
    """``podcaster media migrate --to``: every file copied, verified and switched, n of N on the Jobs page."""
    store = remote_store_from_config(context.app.config)
    if store is None:
        raise transfers.TransferFailed("no bucket is configured (PODCASTER_S3_BUCKET)")
    if to == STORED_IN_S3:
        store.ensure_bucket()
    result = transfers.migrate_media(
        context.session, store, to,
        progress=lambda done, total, path, outcome: context.progress(done, total, f"{path}: {outcome}"))
    summary = f"{result.moved} moved, {result.already} already there, {len(result.failed)} failed"
    if result.failed:
        # Each file is switched alone, so another attempt carries on with the ones left.
        raise transfers.TransferFailed(summary + ": " + "; ".join(f"{path}: {why}" for path, why in
                                                                  sorted(result.failed.items())[:3]))
    if (context.app.config.get("MEDIA_BACKEND") or STORED_LOCALLY) != to:
        summary += f"; set PODCASTER_MEDIA_BACKEND={to} so new uploads go there too"
    return summary


def register_all(app: Flask, huey: Huey) -> None:
    """Register every job on the app's queue, with its retries and, for periodic ones, its schedule."""
    register(app, huey, "refresh_feeds", refresh_feeds, retries=3, retry_delay=10)
    # Hubs and directories go down for minutes: 30 s, 1, 2, 4, 8 and 16 minutes.
    register(app, huey, "ping", ping, retries=6, retry_delay=30)
    register(app, huey, "import_podcast", import_podcast, retries=2, retry_delay=60, permanent=(FeedImportError,))
    register(app, huey, "doctor", doctor)
    # A bucket or network away for a while: 30 s, 1, 2, 4, 8, 16 and 32 minutes; the file waits locally.
    register(app, huey, "transfer_media", transfer_media, retries=7, retry_delay=30, host_bound=True)
    register(app, huey, "migrate_media", migrate_media, retries=5, retry_delay=60)
    # A damaged MP3 stays damaged: only a file that could not be read or sent is tried again.
    register(app, huey, "retag_audio", retag_audio, retries=5, retry_delay=30, permanent=(CorruptAudio,))
    # A safety net: a scheduled run lost with a queue that was flushed or down still happens.
    register(app, huey, "refresh_feeds_periodic", refresh_feeds, periodic=crontab(minute="*/15"))
    register(app, huey, "doctor_periodic", doctor, periodic=crontab(minute="7", hour="*/6"))
    register(app, huey, "roll_up_stats", roll_up_stats, retries=2, retry_delay=60)
    # Today's figures a few minutes behind the hits; the first run after midnight closes yesterday.
    register(app, huey, "roll_up_stats_periodic", roll_up_stats, periodic=crontab(minute="*/10"))


__all__ = ["doctor", "import_podcast", "keep_import_file", "migrate_media", "ping", "queue_migration",
           "queue_refresh", "queue_retags", "queue_transfer", "reading_store", "refresh_feeds", "register_all",
           "retag_audio", "transfer_media", "with_transfer_jobs"]
