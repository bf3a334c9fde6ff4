"""Public pages answered from the rendered-page cache (``content/page_cache.py``), with ETag and 304.

Only a visitor nobody knows gets (and fills) the cache: a logged-in author always gets the live page,
marked ``private, no-store``, and so does a visitor with a flashed message waiting. A rendered page is
kept only when nothing in it belongs to the visitor: status 200, no CSRF token generated, the session
untouched, no cookie set. Shared pages go out with ``Cache-Control: public`` and no ``Vary: Cookie``
(``web/sessions.py``), so a proxy or CDN may serve one copy to every listener.

``page_answer`` builds the status, headers and body of a cached page; the lean WSGI path
(``web/fast.py``) and Flask's hooks below both answer through it, so they cannot drift apart.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user
from werkzeug.http import parse_etags, unquote_etag

from ..content import page_cache
from ..extensions import db
from . import current_time
from .answers import Answer, to_response

#: The endpoints whose pages are the same for every visitor who is not logged in. The sitemap index is
#: one: its file counts read every public episode row (the status is in no index), so crawlers polling
#: it would otherwise cost a scan of the catalogue each time.
CACHED_ENDPOINTS = frozenset({
    "public.index", "public.about", "public.author", "public.books", "public.book", "public.videos",
    "public.blog", "public.tag", "public.post", "podcasts.index", "podcasts.show", "podcasts.episode",
    "seo.sitemap",
})
#: Short, so a shared cache that cannot be told of an edit still shows it within a minute.
SHARED_CACHE_CONTROL = "public, max-age=60"
PRIVATE_CACHE_CONTROL = "private, no-store"
#: The only query a cached page may have: any other (tracking tags, junk) is rendered, never stored,
#: so nobody can fill the memory with variants of one page.
_CACHED_QUERY = re.compile(r"(page=[1-9][0-9]{0,5})?")
#: Cookies that may make a page personal; a request carrying one never takes the lean path.
PERSONAL_COOKIES = ("session=", "remember_token=")
MEMORY_EXTENSION = "podcaster.page_memory"


def page_key(path: str, query: str) -> str | None:
    """The cache key of a page request, or None when its query string rules caching out."""
    if not _CACHED_QUERY.fullmatch(query):
        return None
    return path + "?" + query if query else path


def if_none_match_hits(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison, RFC 9110 §13.1.2)."""
    return bool(header) and parse_etags(header).contains_weak(unquote_etag(etag)[0])


def page_answer(entry: page_cache.CachedPage, environ: Mapping) -> Answer:
    """Status, headers and body for a cached page: 304 when the client's copy is current.

    Args:
        entry: the cached page.
        environ: the WSGI environ (method and If-None-Match are read).
    """
    headers = [("ETag", entry.etag), ("Cache-Control", SHARED_CACHE_CONTROL)]
    if if_none_match_hits(environ.get("HTTP_IF_NONE_MATCH"), entry.etag):
        status, body = 304, b""
    else:
        status = 200
        headers += [("Content-Type", entry.content_type), ("Content-Length", str(len(entry.body)))]
        body = b"" if environ.get("REQUEST_METHOD") == "HEAD" else entry.body
    return status, headers, body


def memory(app: Flask) -> page_cache.PageMemory:
    """The app's rendered pages in this process."""
    return app.extensions[MEMORY_EXTENSION]


def _shareable_request() -> bool:
    return (request.method in ("GET", "HEAD") and request.endpoint in CACHED_ENDPOINTS
            and not current_user.is_authenticated and "_flashes" not in session)


def _serve_cached():
    """Answer from the cache before the view runs; on a miss, note the version the view renders from."""
    if request.endpoint not in CACHED_ENDPOINTS:
        return None
    if not _shareable_request():
        g.page_private = True
        return None
    key = page_key(request.path, request.query_string.decode("latin-1"))
    if key is None:
        return None
    entry, version = memory(current_app).lookup(db.session.connection(), key, current_time())
    if entry is None:
        g.page_key, g.page_version = key, version
        return None
    g.shared_page = True
    return to_response(page_answer(entry, request.environ), request.environ)


def _keep_rendered(response: Response) -> Response:
    """Store a freshly rendered shareable page, or mark a personal one private."""
    if g.pop("page_private", False):
        response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response
    key = g.pop("page_key", None)
    if key is None:
        return response
    personal = (response.status_code != 200 or response.direct_passthrough or response.is_streamed
                or current_app.config["WTF_CSRF_FIELD_NAME"] in g or session.modified
                or "Set-Cookie" in response.headers)
    if personal:
        response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response
    entry = memory(current_app).store(db.session, key, g.pop("page_version", None), response.get_data(),
                                      response.headers["Content-Type"], current_time())
    if entry is not None:
        g.shared_page = True
        response.headers["ETag"] = entry.etag
        response.headers["Cache-Control"] = SHARED_CACHE_CONTROL
        if if_none_match_hits(request.headers.get("If-None-Match"), entry.etag):
            response.status_code = 304
            response.set_data(b"")
            response.headers.pop("Content-Type", None)
    return response


def init_app(app: Flask) -> None:
    """Serve and fill the page cache around the public views."""
    app.extensions[MEMORY_EXTENSION] = page_cache.PageMemory()
    app.before_request(_serve_cached)
    app.after_request(_keep_rendered)
