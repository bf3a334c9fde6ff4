"""The lean path: feeds, media and cached pages answered before Flask's request machinery.

Flask's fixed cost per request (contexts, URL matching, session and Flask-Login hooks, after-request
hooks) is about a millisecond; a 64 KiB range or a cached feed costs less than that to send. This
WSGI layer sits in front of the Flask app (``create_app`` wraps ``app.wsgi_app``) and answers, with
one small query and no framework:

- ``GET|HEAD /podcasts/<slug>/feed.xml`` and ``/blog/feed.xml`` when the cached feed is fresh
  (a stale or missing feed, a moved feed, an unknown show: Flask, which rebuilds, redirects or 404s);
- ``GET|HEAD /media/<path>`` for a stored file the public may hear (an unpublished episode's file,
  a missing file, ``MEDIA_ACCEL_REDIRECT``: Flask, which knows the author and the proxy);
- a public page this process holds in the page cache at the current version, for a request without
  a session or remember cookie (anyone who might be logged in or have a flashed message: Flask).

The answers come from the very functions Flask's views use (``feeds.feed_answer``,
``media.media_answer``, ``pages.page_answer``) and go out with the same security headers
(``security.security_headers``), so the two paths send the same status, headers and body
(tests/web/test_fast_path.py compares them). Anything else, or any error here, falls through to Flask
(a database that cannot be reached included: Flask answers 503 with Retry-After).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace

from flask import Flask
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from ..content import page_cache
from ..content.feeds import cache
from ..content.hot_reads import HotRead
from ..content.storage import MediaStore, StorageError
from ..extensions import db
from ..models import utcnow
from ..models.media import STORED_IN_S3
from . import analytics, answers, feeds, media, pages
from .security import security_headers

logger = logging.getLogger(__name__)

_SHOW_FEED = re.compile(r"/podcasts/([A-Za-z0-9][A-Za-z0-9_-]*)/feed\.xml")
_BLOG_FEED = "/blog/feed.xml"
_MEDIA_PREFIX = "/media/"


class _FallThrough(Exception):
    """Flask must answer this request after all (the feed was rebuilt while it was read)."""


class LeanPath:
    """WSGI middleware answering the hot paths itself and passing everything else to ``fallback``.

    Args:
        app: the configured Flask app (settings, engine, page memory).
        fallback: the WSGI callable to pass other requests to (Flask's own ``wsgi_app``).
    """

    def __init__(self, app: Flask, fallback: Callable) -> None:
        self.app = app
        self.fallback = fallback
        config = self.config = app.config  # read per request: settings may change after start (tests do)
        self._store = MediaStore(config["MEDIA_ROOT"])
        self._personal_cookies = (config["SESSION_COOKIE_NAME"] + "=",
                                  config.get("REMEMBER_COOKIE_NAME", "remember_token") + "=")
        self._pages = pages.memory(app)
        self._engine = None
        self._hot: _Reads | None = None
        # What the last request read, kept with the row or version it was read at (see ``_feed``, ``_media_file``).
        self._feed_states: dict[str, tuple[tuple, cache.CachedFeed | None]] = {}
        self._media_files: dict[str, tuple[int, tuple]] = {}

    def _now(self):
        clock = self.config.get("CLOCK")  # tests move time; see web.current_time
        return clock() if clock else utcnow()

    @property
    def engine(self):
        if self._engine is None:
            with self.app.app_context():
                self._engine = db.engine
        return self._engine

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.fallback(environ, start_response)
        try:
            answer = self._answer_once_more_after_a_disconnect(environ)
        except _FallThrough:
            answer = None
        except (OperationalError, InterfaceError) as error:
            # The database is down or restarting: Flask answers 503 with Retry-After (web/errors.py).
            logger.warning("The lean path could not reach the database on %s: %s", environ.get("PATH_INFO"), error)
            answer = None
        except Exception:  # noqa: BLE001 - Flask answers (and reports) whatever broke here
            logger.exception("The lean path failed on %s; Flask answers instead", environ.get("PATH_INFO"))
            answer = None
        if answer is None:
            return self.fallback(environ, start_response)
        status, headers, body = answer
        headers = [*headers, *security_headers(self.config["SITE_URL"])]
        return answers.send((status, headers, body), environ, start_response)

    def _answer_once_more_after_a_disconnect(self, environ: Mapping) -> answers.Answer | None:
        """``answer``, tried again once when its pooled connection turned out dead (a database restart).

        The disconnect invalidated the pool (SQLAlchemy's optimistic handling), so the second try connects
        afresh; a database still down fails again and Flask answers 503.
        """
        try:
            return self.answer(environ)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            logger.info("A pooled connection was gone on %s; trying once more", environ.get("PATH_INFO"))
            return self.answer(environ)

    def answer(self, environ: Mapping) -> answers.Answer | None:
        """The answer to a GET or HEAD, or None when Flask must answer."""
        path = environ.get("PATH_INFO", "")
        if path.startswith(_MEDIA_PREFIX):
            if self.config.get("MEDIA_ACCEL_REDIRECT"):
                return None  # Flask hands the file to nginx
            return self._media(path[len(_MEDIA_PREFIX):], environ)
        if path.endswith("/feed.xml"):
            return self._feed(path, environ)
        return self._page(path, environ)

    def _reads(self) -> _Reads:
        if self._hot is None:
            engine = self.engine
            self._hot = _Reads(HotRead(engine, cache.STATE_BY_SLUG), HotRead(engine, cache.ENTRY_BY_KEY),
                               HotRead(engine, page_cache.VERSION))
        return self._hot

    def _feed(self, path: str, environ: Mapping) -> answers.Answer | None:
        matched = _SHOW_FEED.fullmatch(path)
        if matched is None and path != _BLOG_FEED:
            return None
        reads = self._reads()
        if matched is None:
            read, parameters, mimetype = reads.blog_entry, {"key": cache.BLOG_KEY}, feeds.ATOM_TYPE
        else:
            read, parameters, mimetype = reads.show_state, {"slug": matched.group(1)}, feeds.RSS_TYPE
        row = read.raw(parameters)  # the request's one statement: a fresh state row decides
        if row is None:
            return None  # an unknown show (Flask 404s) or a blog feed never built (Flask builds it)
        known = self._feed_states.get(path)
        if known is not None and known[0] == row:
            entry = known[1]
        else:  # the row changed (or is new here): converted once, as SQLAlchemy would
            values = SimpleNamespace(**read.convert(row))
            if matched is None:
                entry = cache.entry_of(cache.BLOG_KEY, values)
            else:
                state = cache.show_feed_state_of(values)
                entry = None if state.new_feed_url else state.cached
            _remember(self._feed_states, path, (row, entry))
        if entry is None or not entry.is_fresh(self._now()):
            return None  # Flask redirects a moved feed, rebuilds a stale or missing one
        return feeds.feed_answer(entry, mimetype, environ, self._with_bodies)

    def _with_bodies(self, entry: cache.CachedFeed) -> cache.CachedFeed:
        """The bytes from this process's memory (``cache.with_bodies``); a session only when they are not there."""
        found = cache.remembered(entry)
        if found is not None:
            return found
        with Session(self.engine) as session:
            loaded = cache.with_bodies(session, entry)
        if loaded.body is None:
            raise _FallThrough  # rebuilt meanwhile
        return loaded

    def _media(self, path: str, environ: Mapping) -> answers.Answer | None:
        if not path or path.startswith("/"):
            return None
        known = self._media_file(path)
        if known is None:
            return None
        row, file_path, content_type = known
        # Files in the bucket go through Flask's redirect (web/media.py), drafts through its login check.
        if file_path is None or media.is_private(row, self._now()):
            return None
        info = media.regular_file_status(file_path)  # on every request: the file may have gone
        if info is None:
            return None
        answer = media.media_answer(environ, row, content_type, file_path, info,
                                    self.config.get("MEDIA_CACHE_CONTROL", media.DEFAULT_CACHE_CONTROL))
        analytics.note_media(self.app, environ, row, answer[0], media.answer_length(answer), proxied=False)
        return answer

    def _media_file(self, path: str) -> tuple | None:
        """The file's row (``media.find_media``), its path on disk and its Content-Type, worked out once a change.

        Every change of a media file or an episode moves the page cache's version in the edit's own
        transaction (``content.page_cache``), so a row read at the version the database still holds is the
        row the database holds: one primary-key read instead of the join, which scans the episodes (no
        index on their file columns). The version is read before the row, so an edit committed in between
        leaves a copy tagged with the older version, never served. What depends on the time (a scheduled
        episode's) or on the disk (the file's status) is checked on every request.

        Returns:
            ``(row, file path or None for a file in the bucket or an unsafe path, Content-Type)``, or None
            when no file is stored at ``path``.
        """
        found = self._reads().page_version.raw({})
        version = None if found is None else found[0]
        known = self._media_files.get(path)
        if version is not None and known is not None and known[0] == version:
            return known[1]
        with self.engine.connect() as connection:
            row = media.find_media(connection, path)
        if row is None:
            return None
        file_path = None
        if row.stored_in != STORED_IN_S3:
            try:
                file_path = self._store.path_of(row.path)
            except StorageError:
                pass
        prepared = (row, file_path, media.content_type_of(row))
        if version is not None:
            _remember(self._media_files, path, (version, prepared))
        return prepared

    def _page(self, path: str, environ: Mapping) -> answers.Answer | None:
        cookies = environ.get("HTTP_COOKIE", "")
        if cookies and any(name in cookies for name in self._personal_cookies):
            return None
        key = pages.page_key(path, environ.get("QUERY_STRING", ""))
        if key is None or key not in self._pages:
            return None
        found = self._reads().page_version.raw({})
        entry = self._pages.current(key, None if found is None else found[0], self._now())
        return None if entry is None else pages.page_answer(entry, environ)


@dataclass(frozen=True)
class _Reads:
    """The lean path's one-row statements, compiled for the app's engine."""

    show_state: HotRead
    blog_entry: HotRead
    page_version: HotRead


#: Entries kept per table below (feed states by feed path, media rows by file path): a bound on memory
#: against requests for ever new files; past it the table starts afresh (a miss costs one query).
_MEMO_LIMIT = 4096


def _remember(table: dict, key: str, value) -> None:
    if len(table) >= _MEMO_LIMIT:
        table.clear()
    table[key] = value


def init_app(app: Flask) -> None:
    """Put the lean path in front of Flask (unless ``LEAN_PATH`` is off)."""
    if app.config.get("LEAN_PATH", True):
        app.wsgi_app = LeanPath(app, app.wsgi_app)
