"""Rendered public pages kept in memory, retired by a version held in the database.

Why memory plus a database version (not the bytes in the database, as for feeds):
a page is small and cheap to re-render (a few milliseconds), so each process may
render it once per version; what must be shared is the *invalidation*. Every
change that could show on a public page moves ``page_cache_state.version`` in the
edit's own transaction (SQLAlchemy session events, below), so an edit saved
through any worker or app server retires every process's copies at its commit.
A hit costs one primary-key read of that row, no page query.

The site-wide version is deliberately coarse: pages cross-link (the home page
lists the latest posts, books, videos and episodes; an author's photo is on every
page they wrote), and edits are rare next to reads, so one counter is both
correct and cheap. A scheduled episode or post appears on time without cron: a
copy is valid only until the next scheduled publication (``valid_until``).

Bulk ``UPDATE`` statements bypass session events: call ``invalidate`` after one.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, event, select, update
from sqlalchemy.orm import Session

from ..models import Episode, PageCacheState, Post
from ..models.common import SHOWN_ON_PAGES
from .publishing import next_change_time

#: How many rendered pages one process keeps (least recently used go first).
MEMORY_LIMIT = 512
_table = PageCacheState.__table__
_STATE_ID = 1
_VERSION = select(_table.c.version).where(_table.c.id == _STATE_ID)
#: The version's statement as a public name, for the lean path's ``content.hot_reads.HotRead`` (web/fast.py).
VERSION = _VERSION


@dataclass(frozen=True)
class CachedPage:
    """One rendered page and what it was rendered from."""

    key: str
    version: int
    etag: str  # strong, quoted, of the body
    body: bytes = field(repr=False)
    content_type: str
    valid_until: datetime | None

    def is_current(self, version: int | None, now: datetime) -> bool:
        """Whether this copy may be served when the database holds ``version`` at ``now``."""
        return version == self.version and (self.valid_until is None or now < self.valid_until)


class PageMemory:
    """One app's rendered pages in this process, least recently used dropped past ``limit``.

    One per app (not per module), so two apps in one process, each on its own database, never
    serve each other's pages.
    """

    def __init__(self, limit: int = MEMORY_LIMIT) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()
        # The next scheduled publication, worked out once per version: (version, computed at, valid until).
        self._schedule: tuple[int, datetime, datetime | None] | None = None

    def __len__(self) -> int:
        return len(self._pages)

    def __contains__(self, key: str) -> bool:
        """Whether a copy of ``key`` is held, current or not (no query: the lean path's first check)."""
        return key in self._pages

    def lookup(self, connection: Connection, key: str, now: datetime) -> tuple[CachedPage | None, int | None]:
        """This process's copy of the page ``key`` if it is still current, read with one small query.

        Args:
            connection: a database connection (the lean path has no ORM session).
            key: the page's path and query string.
            now: the present (naive UTC).

        Returns:
            ``(page, version)``: the page or None when it must be rendered, and the version read (to pass
            to ``store`` after rendering; None when caching is off).
        """
        version = current_version(connection)
        return self.current(key, version, now), version

    def current(self, key: str, version: int | None, now: datetime) -> CachedPage | None:
        """This process's copy of ``key`` if the database holds ``version`` (read by the caller) at ``now``."""
        entry = self._pages.get(key)
        return entry if entry is not None and entry.is_current(version, now) else None

    def store(self, session: Session, key: str, version: int | None, body: bytes, content_type: str,
              now: datetime) -> CachedPage | None:
        """Keep a page rendered from the database as it was at ``version``.

        Args:
            session: the database session (read only, for the next scheduled publication).
            key: the page's path and query string.
            version: the version ``lookup`` read *before* rendering, so an edit committed while the page
                was rendered leaves a copy that is never served.
            body: the rendered page.
            content_type: its Content-Type header.
            now: the present.

        Returns:
            The stored page, or None when caching is off (no state row).
        """
        if version is None:
            return None
        entry = CachedPage(key, version, etag_of(body), body, content_type, self._valid_until(session, version, now))
        with self._lock:
            self._pages[key] = entry
            self._pages.move_to_end(key)
            while len(self._pages) > self.limit:
                self._pages.popitem(last=False)
        return entry

    def _valid_until(self, session: Session, version: int, now: datetime) -> datetime | None:
        known = self._schedule
        if known is not None and known[0] == version and known[1] <= now and (known[2] is None or now < known[2]):
            return known[2]
        until = next_change_time(session, [Episode, Post], now)
        self._schedule = (version, now, until)
        return until

    def clear(self) -> None:
        """Drop every copy."""
        with self._lock:
            self._pages.clear()
            self._schedule = None


def current_version(connection: Connection) -> int | None:
    """The pages' version now (None when the state row is missing: then nothing is cached)."""
    return connection.execute(_VERSION).scalar()


def etag_of(body: bytes) -> str:
    """A strong ETag naming these exact bytes."""
    return '"p' + hashlib.sha256(body).hexdigest()[:32] + '"'


def invalidate(session: Session) -> None:
    """Retire every rendered page in the current transaction (after a bulk update that bypasses events)."""
    session.connection().execute(
        update(_table).where(_table.c.id == _STATE_ID).values(version=_table.c.version + 1))


# --- invalidation on every flush -------------------------------------------------------------

_CHANGED = "page_cache_changed"


def _note_changes(session: Session, flush_context, instances) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        # Rows that no public page shows (a feed stored, a login) do not retire pages; unmarked ones do.
        if getattr(type(obj), SHOWN_ON_PAGES, True):
            session.info[_CHANGED] = True
            return


def _retire_pages(session: Session, flush_context) -> None:
    if session.info.pop(_CHANGED, False):
        invalidate(session)


def _forget_changes(session: Session, previous_transaction=None) -> None:
    session.info.pop(_CHANGED, None)


if not event.contains(Session, "before_flush", _note_changes):
    event.listen(Session, "before_flush", _note_changes)
    event.listen(Session, "after_flush", _retire_pages)
    event.listen(Session, "after_soft_rollback", _forget_changes)
