"""Built feeds cached in the database, invalidated by every change that shows in them.

Why the database: several gunicorn workers, and several app servers, share it,
so an edit saved through any of them marks the feed stale for all of them in
the same transaction as the edit. A request only reads the validators (a small
row); the bytes come from a per-process memory copy when its ETag still matches
(an ETag is a hash of the bytes, so a match means the same bytes), else from the
row. A scheduled episode appears on time without cron: the row is valid only
until the next scheduled publication (``valid_until``).

A rebuild that fails (an old row holding text XML cannot carry, a bug) never
takes the feed down: the row keeps its last good bytes, which stay served, and
records why (``build_error``, shown on the dashboard). The rebuild is retried
after any change, else once every ``RETRY_SECONDS``. A feed never built at all
raises ``FeedUnavailable`` (the web answers 503).

What invalidates (SQLAlchemy session events, below): a show, its episodes and
credits (by show id); an author or a stored file (every show and the blog,
since photos, artwork and names appear in several feeds); posts and tags (the
blog). Bulk ``UPDATE`` statements bypass session events: call ``invalidate``
after one.
"""
from __future__ import annotations

import gzip
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, event, func, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import Author, Episode, FeedCache, MediaFile, Post, Show, ShowAuthor, Tag
from ...models.common import Status
from . import health

BLOG_KEY = "blog"
GZIP_LEVEL = 6
#: How long a feed whose rebuild failed is served as it was before the rebuild is tried again.
RETRY_SECONDS = 60
#: Set in ``session.info`` when a flush touched what a feed shows; a commit then means the feeds changed.
CHANGED_INFO_KEY = "feeds_changed"
_table = FeedCache.__table__
logger = logging.getLogger(__name__)


class FeedBuildError(Exception):
    """Building a feed failed for a reason the author can fix; the message says what and where."""


class FeedUnavailable(Exception):
    """A feed cannot be built and no good copy of it exists; the message says why."""


def show_key(show_id: int) -> str:
    """The cache key of a show's podcast feed."""
    return f"show:{show_id}"


@dataclass(frozen=True)
class CachedFeed:
    """The validators of a built feed, and its bytes when already at hand."""

    key: str
    etag: str  # strong, quoted, of the plain bytes
    last_modified: datetime
    valid_until: datetime | None
    stale: bool = False
    body: bytes | None = field(default=None, repr=False)
    body_gzip: bytes | None = field(default=None, repr=False)
    build_error: str | None = None  # why the last rebuild failed: these are older bytes
    build_failed_at: datetime | None = None

    @property
    def gzip_etag(self) -> str:
        """The ETag of the gzip representation: a strong ETag names one exact byte sequence."""
        return self.etag[:-1] + '-gzip"'

    def is_fresh(self, now: datetime) -> bool:
        """Whether the cached bytes may still be served at ``now``.

        After a failed rebuild the old bytes count as fresh for ``RETRY_SECONDS``: a broken feed
        would otherwise be rebuilt, and fail, on every request.
        """
        if self.build_failed_at is not None and now < self.build_failed_at + timedelta(seconds=RETRY_SECONDS):
            return True
        return not self.stale and (self.valid_until is None or now < self.valid_until)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


# Per-process copies of recent bodies, keyed by feed key, checked against the row's ETag.
_MEMORY_LIMIT = 64
_memory: OrderedDict[str, tuple[str, bytes, bytes]] = OrderedDict()


def _remember(key: str, etag: str, body: bytes, body_gzip: bytes) -> None:
    _memory[key] = (etag, body, body_gzip)
    _memory.move_to_end(key)
    while len(_memory) > _MEMORY_LIMIT:
        _memory.popitem(last=False)


def _entry_from_row(key: str, row) -> CachedFeed | None:
    if row is None or row.etag is None:
        return None
    return CachedFeed(key=key, etag=row.etag, last_modified=row.last_modified, valid_until=row.valid_until,
                      stale=row.stale, build_error=row.build_error, build_failed_at=row.build_failed_at)


_META = (_table.c.etag, _table.c.last_modified, _table.c.valid_until, _table.c.stale, _table.c.build_error,
         _table.c.build_failed_at)
# Every feed request runs one of these two statements: built once, run as plain Core on the
# session's connection, they cost a fraction of an ORM query built per request.
_ENTRY_BY_KEY = select(*_META).where(_table.c.key == bindparam("key"))
_shows = Show.__table__
_STATE_BY_SLUG = (
    select(_shows.c.id, _shows.c.new_feed_url, *_META)
    .select_from(_shows.outerjoin(_table, _table.c.show_id == _shows.c.id))
    .where(_shows.c.slug == bindparam("slug"))
)


#: The two statements as public names, for the lean path's ``content.hot_reads.HotRead`` (web/fast.py).
ENTRY_BY_KEY, STATE_BY_SLUG = _ENTRY_BY_KEY, _STATE_BY_SLUG


def cached_entry(session: Session, key: str) -> CachedFeed | None:
    """The validators stored for ``key`` (fresh or not), without the bytes."""
    row = session.connection().execute(_ENTRY_BY_KEY, {"key": key}).first()
    return _entry_from_row(key, row)


@dataclass(frozen=True)
class ShowFeedState:
    """What a feed request needs to know about a show, read in one query."""

    show_id: int
    new_feed_url: str
    cached: CachedFeed | None


def show_feed_state(session: Session, slug: str) -> ShowFeedState | None:
    """Look a show up by slug together with its cached feed's validators.

    Returns:
        The state, or None when there is no such show.
    """
    return show_feed_state_of(session.connection().execute(_STATE_BY_SLUG, {"slug": slug}).first())


def show_feed_state_of(row) -> ShowFeedState | None:
    """The state held in a row of ``STATE_BY_SLUG`` (attributes by column name), None for no row."""
    if row is None:
        return None
    return ShowFeedState(row.id, row.new_feed_url or "", _entry_from_row(show_key(row.id), row))


def entry_of(key: str, row) -> CachedFeed | None:
    """The validators held in a row of ``ENTRY_BY_KEY`` (attributes by column name), None for no row."""
    return _entry_from_row(key, row)


def with_bodies(session: Session, entry: CachedFeed) -> CachedFeed:
    """``entry`` with its bytes: from this process's memory when the ETag matches, else from the row."""
    if entry.body is not None:
        return entry
    found = remembered(entry)
    if found is not None:
        return found
    row = session.execute(
        select(_table.c.etag, _table.c.body, _table.c.body_gzip).where(_table.c.key == entry.key)
    ).first()
    if row is None or row.etag != entry.etag:
        return entry  # rebuilt meanwhile: the caller rebuilds too
    _remember(entry.key, row.etag, row.body, row.body_gzip)
    return remembered(entry)


def remembered(entry: CachedFeed) -> CachedFeed | None:
    """``entry`` with its bytes when this process holds them for its ETag (no query), else None."""
    held = _memory.get(entry.key)
    if held is None or held[0] != entry.etag:
        return None
    return CachedFeed(entry.key, entry.etag, entry.last_modified, entry.valid_until, entry.stale,
                      held[1], held[2], entry.build_error, entry.build_failed_at)


def _version(session: Session, key: str) -> int | None:
    return session.execute(select(_table.c.version).where(_table.c.key == key)).scalar()


def store(session: Session, key: str, body: bytes, now: datetime, valid_until: datetime | None,
          version: int | None, show_id: int | None = None) -> CachedFeed:
    """Keep freshly built bytes, unless the feed was invalidated while they were built.

    Args:
        session: the database session (committed here).
        key: the feed key.
        body: the built feed.
        now: the present; becomes Last-Modified when the bytes differ from the cached ones.
        valid_until: when the bytes expire on their own (next scheduled publication).
        version: the row's version read before building (None when there was no row).
        show_id: the show the feed belongs to (so deleting the show deletes the row).

    Returns:
        The entry with its bytes (served even when another change won the race).
    """
    etag = etag_of(body)
    body_gzip = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
    previous = session.execute(select(_table.c.etag, _table.c.last_modified).where(_table.c.key == key)).first()
    last_modified = (previous.last_modified if previous is not None and previous.etag == etag
                     else now.replace(microsecond=0))
    values = {"etag": etag, "last_modified": last_modified, "built_at": now, "valid_until": valid_until,
              "body": body, "body_gzip": body_gzip, "stale": False, "build_error": None, "build_failed_at": None}
    try:
        if version is None:
            session.execute(insert(_table).values(key=key, show_id=show_id, version=0, **values))
        else:
            # Only if nothing invalidated the feed since ``version`` was read.
            session.execute(update(_table).where(_table.c.key == key, _table.c.version == version).values(**values))
        session.commit()
    except IntegrityError:  # another worker stored the same feed first
        session.rollback()
    _remember(key, etag, body, body_gzip)
    return CachedFeed(key, etag, last_modified, valid_until, False, body, body_gzip)


def next_show_publication(session: Session, show_id: int, now: datetime) -> datetime | None:
    """When the show's next scheduled episode becomes public (None when none is scheduled)."""
    return session.execute(
        select(func.min(Episode.publish_at)).where(
            Episode.show_id == show_id, Episode.status != Status.DRAFT.value, Episode.publish_at > now)
    ).scalar()


def rebuild(session: Session, key: str, now: datetime, build: Callable[[], tuple[bytes, datetime | None]],
            show_id: int | None = None) -> CachedFeed:
    """Build a feed and store it (see ``store``).

    Args:
        session: the database session.
        key: the feed key.
        now: the present.
        build: returns the bytes and their ``valid_until``; it reads the database after the version is read,
            so a change committed meanwhile is never cached as current.
        show_id: the show the feed belongs to.

    Returns:
        The new entry, with its bytes; when building fails, the last good bytes (``build_error`` set).

    Raises:
        FeedUnavailable: building failed and there is no good copy to serve.
    """
    version = _version(session, key)
    try:
        body, valid_until = build()
    except Exception as exc:  # noqa: BLE001 - whatever broke, the feed must stay up
        return _fall_back(session, key, now, exc)
    return store(session, key, body, now, valid_until, version, show_id)


def _fall_back(session: Session, key: str, now: datetime, exc: Exception) -> CachedFeed:
    """Record why a rebuild failed and return the last good bytes (see ``rebuild``)."""
    if isinstance(exc, FeedBuildError):
        message = str(exc)
        logger.warning("Feed %s could not be rebuilt: %s", key, message)
    else:
        message = f"{type(exc).__name__}: {exc}"
        logger.exception("Feed %s could not be rebuilt", key)
    session.rollback()
    # Neither the version nor the staleness changes: an edit made meanwhile still triggers a rebuild.
    session.execute(update(_table).where(_table.c.key == key)
                    .values(build_error=message[:4000], build_failed_at=now))
    session.commit()
    row = session.execute(
        select(_table.c.etag, _table.c.last_modified, _table.c.valid_until, _table.c.body, _table.c.body_gzip)
        .where(_table.c.key == key)
    ).first()
    if row is None or row.body is None:
        raise FeedUnavailable(message) from exc
    _remember(key, row.etag, row.body, row.body_gzip)
    return CachedFeed(key, row.etag, row.last_modified, row.valid_until, True, row.body, row.body_gzip,
                      message, now)


def build_errors(session: Session) -> dict[str, str]:
    """Every feed whose last rebuild failed, by key, with the reason (for the dashboard)."""
    rows = session.execute(select(_table.c.key, _table.c.build_error).where(_table.c.build_error.is_not(None)))
    return {row.key: row.build_error for row in rows}


def invalidate(session: Session, *, show_ids: set[int] | None = None, all_shows: bool = False,
               blog: bool = False) -> None:
    """Mark feeds stale in the current transaction (after bulk updates that bypass session events).

    The shows' stored doctor summaries go stale with them (see ``health``).
    """
    connection = session.connection()
    # A change may mend a feed whose rebuild failed: retry it at once (the error stays until it works).
    stale = {"stale": True, "version": _table.c.version + 1, "build_failed_at": None}
    if all_shows:
        connection.execute(update(_table).where(_table.c.show_id.is_not(None)).values(**stale))
    elif show_ids:
        connection.execute(update(_table).where(_table.c.show_id.in_(show_ids)).values(**stale))
    if blog:
        connection.execute(update(_table).where(_table.c.key == BLOG_KEY).values(**stale))
    health.mark_stale(session, show_ids=show_ids, all_shows=all_shows)


# --- invalidation on every flush -------------------------------------------------------------

@dataclass
class _Changes:
    show_ids: set[int] = field(default_factory=set)
    deleted_show_ids: set[int] = field(default_factory=set)
    all_shows: bool = False
    blog: bool = False

    def __bool__(self) -> bool:
        return bool(self.show_ids or self.deleted_show_ids or self.all_shows or self.blog)


def _show_ids_of(obj) -> set[int]:
    """Every show an episode or credit belongs to, before and after this flush (no lazy loads)."""
    state = inspect(obj)
    ids = {obj.show_id} | set(state.attrs.show_id.history.deleted)
    for show in state.attrs.show.history.sum():
        if show is not None and show.id is not None:
            ids.add(show.id)
    return {show_id for show_id in ids if show_id is not None}


def _note_changes(session: Session, flush_context, instances) -> None:
    changes = session.info.setdefault("feed_changes", _Changes())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, FeedCache):
            continue
        is_new = obj in session.new
        if isinstance(obj, Show):
            if obj in session.deleted:
                changes.deleted_show_ids.add(obj.id)
            elif obj.id is not None:
                changes.show_ids.add(obj.id)
        elif isinstance(obj, (Episode, ShowAuthor)):
            changes.show_ids |= _show_ids_of(obj)
        elif isinstance(obj, (Author, MediaFile)) and not is_new:
            # Names, photos and artwork appear in several feeds; such edits are rare.
            changes.all_shows = changes.blog = True
        elif isinstance(obj, (Post, Tag)):
            changes.blog = True
        else:
            continue
        # Read after the commit by whoever writes the feed files and pings (``podcaster.jobs``); new rows
        # count too: a new show has no cached feed to mark stale, but it has a feed file to write.
        session.info[CHANGED_INFO_KEY] = True


def _mark_stale(session: Session, flush_context) -> None:
    changes = session.info.pop("feed_changes", None)
    if not changes:
        return
    invalidate(session, show_ids=changes.show_ids, all_shows=changes.all_shows, blog=changes.blog)
    if changes.deleted_show_ids:
        # The foreign key cascades on PostgreSQL; SQLite leaves foreign keys unenforced by default.
        session.connection().execute(delete(_table).where(_table.c.show_id.in_(changes.deleted_show_ids)))
        health.forget(session, changes.deleted_show_ids)


def _forget_changes(session: Session, previous_transaction=None) -> None:
    session.info.pop("feed_changes", None)


def _forget_committed_changes(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint rolled back: the transaction's earlier changes still stand
    session.info.pop(CHANGED_INFO_KEY, None)


if not event.contains(Session, "before_flush", _note_changes):
    event.listen(Session, "before_flush", _note_changes)
    event.listen(Session, "after_flush", _mark_stale)
    event.listen(Session, "after_soft_rollback", _forget_changes)
    event.listen(Session, "after_rollback", _forget_committed_changes)
