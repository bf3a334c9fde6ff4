"""Every published feed as a file, plain and gzip, for nginx to serve without the app.

The folder (``FEED_FILES_DIR``) mirrors the site's URLs: ``podcasts/<slug>/feed.xml`` (with
``feed.xml.gz`` beside it for nginx's ``gzip_static``) and ``blog/feed.xml``, so one ``root`` and
``try_files $uri @app`` serve them; a feed without a file (never written, a moved show, the folder wiped)
falls back to the app, which answers as before. Each file is written under a temporary name in its own
folder, flushed and renamed over the old one, so nginx never sends half a feed. Its modification time is
the feed's Last-Modified, so nginx's validators match the app's.

``sync_feed_files`` brings the whole folder up to date and says which feeds changed: the jobs layer runs
it after every change and at each scheduled publication, then pings for the changed ones. Running it
twice writes nothing the second time. ``sync_public_media`` keeps ``media/`` beside them: links to the
audio of public episodes, which nginx then sends from disk (ranges included) without asking the app.
"""
from __future__ import annotations

import calendar
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from werkzeug.utils import safe_join

from ...models import Episode, FeedCache, MediaFile, Show
from ..publishing import visible_filter
from . import cache, service
from .atom import BlogLinks
from .podcast import FeedLinks

SHOWS_FOLDER = "podcasts"
#: Where the web layer registers ``show_links(show) -> FeedLinks`` and ``blog_feed() -> CachedFeed`` in
#: ``app.extensions``: a job needs the URL map to build feeds, and imports no view.
SHOW_LINKS_EXTENSION = "podcaster.show_links"
BLOG_FEED_EXTENSION = "podcaster.blog_feed"
BLOG_FILE = "blog/feed.xml"
#: Links to the audio of public episodes, at their ``/media/...`` URL paths.
PUBLIC_MEDIA_FOLDER = "media"


def show_feed_file(slug: str) -> str:
    """Where a show's feed lives in the folder (the feed's URL path without its leading slash)."""
    return f"{SHOWS_FOLDER}/{slug}/feed.xml"


@dataclass(frozen=True)
class WrittenFeed:
    """A feed file that changed (new bytes written)."""

    relative_path: str
    feed_url: str
    etag: str
    show_id: int | None


def write_atomically(path: Path, data: bytes, modified: datetime | None = None) -> None:
    """Replace ``path`` with ``data``: a temporary file in the same folder, fsynced, renamed over it.

    Args:
        path: the final file.
        data: its new bytes.
        modified: its modification time (naive UTC), so a server's Last-Modified matches the feed's.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it 0600; nginx runs as another user
        if modified is not None:
            stamp = calendar.timegm(modified.timetuple())
            os.utime(temporary, (stamp, stamp))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_feed(folder: Path, relative_path: str, entry: cache.CachedFeed) -> bool:
    """Write one feed's plain and gzip files unless they already hold these bytes.

    The gzip file is written first: nginx's ``gzip_static`` then never pairs new plain bytes with an old
    gzip copy for long.

    Returns:
        True when the files changed.
    """
    path = folder / relative_path
    try:
        if path.read_bytes() == entry.body and path.with_name(path.name + ".gz").is_file():
            return False
    except FileNotFoundError:
        pass
    write_atomically(path.with_name(path.name + ".gz"), entry.body_gzip, entry.last_modified)
    write_atomically(path, entry.body, entry.last_modified)
    return True


def remove_feed(folder: Path, relative_path: str) -> None:
    """Remove a feed's files (a show deleted, renamed or moved away): its URL falls back to the app."""
    path = folder / relative_path
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".gz").unlink(missing_ok=True)


def sync_feed_files(session: Session, folder: str | os.PathLike, now: datetime,
                    show_links: Callable[[Show], FeedLinks], blog: Callable[[], cache.CachedFeed] | None = None,
                    ) -> list[WrittenFeed]:
    """Write every published feed that changed and remove the files of feeds that are gone.

    Args:
        session: the database session.
        folder: the feed files folder.
        now: the present (which episodes are public).
        show_links: makes a show's absolute URLs (the feed's own URL among them).
        blog: returns the blog feed as it should be served now; None leaves the blog file alone.

    Returns:
        The feeds whose files changed, shows first.

    Raises:
        FeedUnavailable: never; a feed that cannot be built keeps its file (or has none) and is skipped.
    """
    root = Path(folder)
    written: list[WrittenFeed] = []
    shows = session.execute(select(Show.id, Show.slug, Show.new_feed_url)).all()
    wanted = set()
    for show_id, slug, new_feed_url in shows:
        relative = show_feed_file(slug)
        if new_feed_url:  # the app answers 301 to the new address; a file would hide it
            continue
        wanted.add(slug)
        rebuild = lambda show_id=show_id: service.rebuild_show_feed(session, show_id, now, show_links)
        try:
            entry = service.with_bodies(session, service.fresh(
                session, cache.cached_entry(session, cache.show_key(show_id)), now, rebuild), rebuild)
        except cache.FeedUnavailable:
            continue
        if write_feed(root, relative, entry):
            written.append(WrittenFeed(relative, show_links(session.get(Show, show_id)).feed_url, entry.etag,
                                       show_id))
    shows_folder = root / SHOWS_FOLDER
    if shows_folder.is_dir():
        for child in shows_folder.iterdir():
            if child.is_dir() and child.name not in wanted:
                shutil.rmtree(child, ignore_errors=True)
    if blog is not None:
        try:
            entry = blog()
        except cache.FeedUnavailable:
            entry = None
        if entry is not None and write_feed(root, BLOG_FILE, entry):
            written.append(WrittenFeed(BLOG_FILE, "", entry.etag, None))
    return written


def sync_public_media(session: Session, folder: str | os.PathLike, media_root: str | os.PathLike,
                      now: datetime) -> int:
    """Link the audio of every public episode under ``<folder>/media/`` so nginx sends it from disk.

    Only audio of episodes public at ``now`` is linked (a symbolic link to the stored file, made under a
    temporary name and renamed into place); the link of an episode that is no longer public is removed.
    Everything else under ``/media/`` (and any file without a link) goes to the app, which checks it.

    Returns:
        How many links were added or removed.
    """
    base = Path(folder) / PUBLIC_MEDIA_FOLDER
    wanted = set(session.execute(
        select(MediaFile.path).join(Episode, Episode.audio_id == MediaFile.id).where(visible_filter(Episode, now))
    ).scalars())
    existing = ({path.relative_to(base).as_posix() for path in base.rglob("*") if path.is_symlink()}
                if base.is_dir() else set())
    for relative in wanted - existing:
        target = safe_join(str(media_root), relative)
        if target is None:
            continue
        link = base / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        temporary = link.with_name(f".{link.name}.{os.getpid()}.tmp")
        temporary.unlink(missing_ok=True)
        os.symlink(os.path.abspath(target), temporary)
        os.replace(temporary, link)
    for relative in existing - wanted:
        (base / relative).unlink(missing_ok=True)
    return len(wanted ^ existing)


def next_scheduled_change(session: Session, now: datetime) -> datetime | None:
    """The next time a feed changes with no edit (the soonest scheduled publication), or None."""
    return min((entry for entry in session.execute(
        select(FeedCache.valid_until).where(FeedCache.valid_until > now)).scalars()), default=None)
