"""Podcast RSS and blog Atom feeds, served from the database cache with HTTP validators, and the JSON
chapters documents the podcast feed links for chapters read from ID3 tags."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, unquote

from flask import Blueprint, Response, abort, current_app, redirect, request
from sqlalchemy import select
from werkzeug.http import http_date, parse_accept_header, parse_date, parse_etags, unquote_etag

from ..content.chapters import CHAPTERS_MIME, chapters_json
from ..content.feeds import cache, doctor, health, service
from ..content.feeds.atom import BlogLinks
from ..content.feeds.pings import websub_hubs
from ..content.feeds.podcast import FeedLinks
from ..content.publishing import is_visible, visible_filter
from ..content.storage import StorageError
from ..extensions import db
from ..models import Episode, MediaFile, Show
from ..models.media import STORED_IN_S3
from . import current_time, media_store
from .answers import to_response
from .site import current_site
from .urls import site_url_builder

bp = Blueprint("feeds", __name__)

RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"
#: Podcast apps poll; a minute of client caching costs nothing and spares requests.
CACHE_CONTROL = "public, max-age=60"
#: Feeds, chapters and transcripts are public documents that web players (Podcast Index apps, Podverse)
#: fetch from their own origin: any page may read them, and the ETag so it can revalidate. Sent without
#: credentials, so ``*`` reveals nothing a plain request would not. Two headers need no CORS library.
PUBLIC_READ_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag"}


def unavailable(exc: cache.FeedUnavailable) -> Response:
    """503 for a feed that cannot be built and has no good copy: apps retry later, and the author sees why
    on the dashboard; never a 500."""
    return Response("This feed cannot be built right now; the site's author has been told. Try again later.\n",
                    status=503, headers={"Retry-After": str(cache.RETRY_SECONDS), "Cache-Control": "no-store"},
                    content_type="text/plain; charset=utf-8")


def podcast_feed_url(slug: str) -> str:
    """The absolute URL of a show's feed."""
    return site_url_builder()("feeds.podcast", show_slug=slug)


#: What Werkzeug's converters leave unquoted in a URL path.
URL_SAFE = "!$&'()*+,/:;=@"


def url_template(build: Callable[..., str | None], endpoint: str, name: str, **values):
    """A fast URL maker for one varying argument: the rule is built once, then filled by string joining.

    A feed of a thousand episodes needs a few thousand URLs per rebuild; Werkzeug's
    ``build`` per URL costs more than writing the XML around it.

    Returns:
        ``make(value)`` giving the same URL ``build`` would (None when the endpoint does not exist).
    """
    marker = "PODCASTERMARKER"
    url = build(endpoint, **values, **{name: marker})
    if url is None:
        return lambda value: None
    before, after = url.split(marker, 1)
    return lambda value: before + quote(value, safe=URL_SAFE) + after


def podcast_links(show: Show) -> FeedLinks:
    """The absolute URLs a show's feed uses."""
    build = site_url_builder()
    slug = show.slug
    episode_page = url_template(build, "podcasts.episode", "episode_slug", show_slug=slug)
    media = url_template(build, "media.serve", "path")
    author_page = url_template(build, "public.author", "slug")
    chapters = url_template(build, "feeds.chapters", "episode_slug", show_slug=slug)
    return FeedLinks(
        feed_url=build("feeds.podcast", show_slug=slug),
        show_page=build("podcasts.show", show_slug=slug) or current_app.config["SITE_URL"] + "/",
        episode_page=lambda episode: episode_page(episode.slug),
        media=lambda file: media(file.path),
        author_page=lambda author: author_page(author.slug),
        chapters=lambda episode: chapters(episode.slug),
        hubs=tuple(websub_hubs(current_app.config)),
    )


def blog_links() -> BlogLinks:
    """The absolute URLs the blog feed uses."""
    build = site_url_builder()
    return BlogLinks(
        feed_url=build("feeds.blog"),
        blog_page=build("public.blog") or current_app.config["SITE_URL"] + "/",
        post_page=lambda post: build("public.post", slug=post.slug),
        author_page=lambda author: build("public.author", slug=author.slug),
    )


def current_show_feed(show_id: int, cached: cache.CachedFeed | None = None) -> cache.CachedFeed:
    """A show's feed as it should be served now (rebuilt only when stale or expired)."""
    now = current_time()
    rebuild = lambda: service.rebuild_show_feed(db.session, show_id, now, podcast_links)
    if cached is None:
        cached = cache.cached_entry(db.session, cache.show_key(show_id))
    return service.with_bodies(db.session, service.fresh(db.session, cached, now, rebuild), rebuild)


def accepts_gzip(environ: Mapping) -> bool:
    """Whether the request's Accept-Encoding takes gzip."""
    return _takes_gzip(environ.get("HTTP_ACCEPT_ENCODING"))


# Pure functions of a header or a date, memoised: podcast apps send a handful of distinct
# Accept-Encoding values, and a feed keeps its Last-Modified until it changes (the lean path's cost).
@lru_cache(maxsize=256)
def _takes_gzip(accept_encoding: str | None) -> bool:
    return parse_accept_header(accept_encoding).quality("gzip") > 0


@lru_cache(maxsize=1024)
def last_modified_header(moment: datetime | int) -> str:
    """A Last-Modified value for a moment or a file's mtime (memoised: the same until the thing changes)."""
    return http_date(moment)


def if_none_match_hits(*etags: str, environ: Mapping | None = None) -> bool | None:
    """Whether the request's If-None-Match names one of ``etags`` (quoted), by weak comparison.

    RFC 9110 §13.1.2: If-None-Match compares weakly, so ``W/"x"`` matches our ``"x"`` (a proxy
    that gzips on the fly, such as nginx, weakens the ETag it passes on), as do a list and ``*``.

    Args:
        etags: our ETags.
        environ: the WSGI environ (default: Flask's current request).

    Returns:
        None when the request has no If-None-Match (the caller then looks at If-Modified-Since).
    """
    header = (request.environ if environ is None else environ).get("HTTP_IF_NONE_MATCH")
    if not header:
        return None
    tags = parse_etags(header)
    return any(tags.contains_weak(unquote_etag(etag)[0]) for etag in etags)


def _not_modified(entry: cache.CachedFeed, environ: Mapping) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since; either ETag of ours (plain or gzip) matches."""
    matched = if_none_match_hits(entry.etag, entry.gzip_etag, environ=environ)
    if matched is not None:
        return matched
    since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    return since is not None and entry.last_modified <= since.replace(tzinfo=None)


def feed_answer(entry: cache.CachedFeed, mimetype: str, environ: Mapping,
                load: Callable[[cache.CachedFeed], cache.CachedFeed]
                ) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body for a cached feed: 304 when the client's copy is current, gzip when accepted.

    Flask's view and the lean WSGI path (``web/fast.py``) both answer through this, so they cannot drift.

    Args:
        entry: the fresh entry (validators at least).
        mimetype: the Content-Type.
        environ: the WSGI environ of the request.
        load: adds the bytes to ``entry`` (only called when a body is sent).
    """
    gzipped = accepts_gzip(environ)
    if _not_modified(entry, environ):
        status, body = 304, b""
        content = []
    else:
        entry = load(entry)
        status = 200
        body = entry.body_gzip if gzipped else entry.body
        content = [("Content-Type", mimetype), ("Content-Length", str(len(body)))]
        if gzipped:
            content.append(("Content-Encoding", "gzip"))
        if environ.get("REQUEST_METHOD") == "HEAD":
            body = b""
    headers = [
        ("ETag", entry.gzip_etag if gzipped else entry.etag),
        ("Last-Modified", last_modified_header(entry.last_modified)),
        ("Vary", "Accept-Encoding"),
        ("Cache-Control", CACHE_CONTROL),
        *PUBLIC_READ_HEADERS.items(),
        *content,
    ]
    return status, headers, body


def feed_response(entry: cache.CachedFeed, mimetype: str, load: Callable[[cache.CachedFeed], cache.CachedFeed]):
    """Answer with the cached feed (see ``feed_answer``) as a Flask response."""
    return to_response(feed_answer(entry, mimetype, request.environ, load), request.environ)


@bp.route("/podcasts/<show_slug>/feed.xml")
def podcast(show_slug: str):
    """A show's podcast RSS feed; 301 to the new address when the feed moved."""
    state = cache.show_feed_state(db.session, show_slug)
    if state is None:
        abort(404)
    if state.new_feed_url:
        moved = redirect(state.new_feed_url, code=301)
        moved.headers.update(PUBLIC_READ_HEADERS)  # a browser follows a cross-origin redirect only with it
        return moved
    now = current_time()
    rebuild = lambda: service.rebuild_show_feed(db.session, state.show_id, now, podcast_links)
    try:
        entry = service.fresh(db.session, state.cached, now, rebuild)
        return feed_response(entry, RSS_TYPE, lambda found: service.with_bodies(db.session, found, rebuild))
    except cache.FeedUnavailable as exc:
        return unavailable(exc)


def current_blog_feed() -> cache.CachedFeed:
    """The blog feed as it should be served now, with its bytes (rebuilt only when stale or expired).

    Raises:
        FeedUnavailable: it cannot be built and there is no earlier copy.
    """
    now = current_time()
    rebuild = lambda: service.rebuild_blog_feed(
        db.session, now, current_app.config["SITE_TITLE"], blog_links())
    entry = service.fresh(db.session, cache.cached_entry(db.session, cache.BLOG_KEY), now, rebuild)
    return service.with_bodies(db.session, entry, rebuild)


@bp.route("/blog/feed.xml")
def blog():
    """The blog's Atom feed of published posts."""
    now = current_time()
    rebuild = lambda: service.rebuild_blog_feed(
        db.session, now, current_site().title, blog_links())
    try:
        entry = service.fresh(db.session, cache.cached_entry(db.session, cache.BLOG_KEY), now, rebuild)
        return feed_response(entry, ATOM_TYPE, lambda found: service.with_bodies(db.session, found, rebuild))
    except cache.FeedUnavailable as exc:
        return unavailable(exc)


@bp.route("/podcasts/<show_slug>/<episode_slug>/chapters.json")
def chapters(show_slug: str, episode_slug: str):
    """A public episode's chapters as a Podcast Index JSON chapters document (version 1.2.0).

    This is where ``podcast:chapters`` points for chapters read from the MP3's ID3 CHAP/CTOC
    frames, which have no uploaded file in the media store (an uploaded file is linked
    itself). The document is made from the stored chapter list, so it follows every edit.
    """
    row = db.session.execute(
        select(Episode.chapters, Episode.status, Episode.publish_at).join(Show, Show.id == Episode.show_id)
        .where(Show.slug == show_slug, Episode.slug == episode_slug).limit(1)
    ).first()
    if row is None or not row.chapters or not is_visible(row.status, row.publish_at, current_time()):
        abort(404)
    body = chapters_json(row.chapters)
    headers = {"ETag": f'"{hashlib.sha256(body).hexdigest()[:32]}"', "Cache-Control": CACHE_CONTROL,
               **PUBLIC_READ_HEADERS}
    if if_none_match_hits(headers["ETag"]):
        return Response(status=304, headers=headers)
    return Response(body, headers=headers, content_type=CHAPTERS_MIME)


def media_file_resolver() -> Callable[[str], Path | None]:
    """Map our absolute media URLs to files in the media store (None for any other URL).

    Files in the S3 bucket have no local file: they map to None, so the doctor treats them as it treats
    any URL it may fetch (``podcaster doctor`` checks the objects themselves).
    """
    marker = "__path__"
    prefix = site_url_builder()("media.serve", path=marker).removesuffix(marker)
    store = media_store()
    in_bucket = set(db.session.execute(select(MediaFile.path).where(MediaFile.stored_in == STORED_IN_S3)).scalars())

    def resolve(url: str) -> Path | None:
        if not url.startswith(prefix):
            return None
        relative = unquote(url[len(prefix):].split("?", 1)[0])
        if relative in in_bucket:
            return None
        try:
            return store.path_of(relative)
        except StorageError:
            return Path("/nonexistent") / "unsafe-media-path"

    return resolve


def check_show(show: Show) -> doctor.Report:
    """Run the feed doctor on one of our shows and store its figures for the dashboard (``health``)."""
    show_id = show.id
    report, version = _diagnose(show)
    health.record(db.session, show_id, report, current_time(), version)
    return report


def _diagnose(show: Show) -> tuple[doctor.Report, int | None]:
    """The doctor's report on the feed as served, with artwork and audio opened on disk, and the cache
    row's version it was built from."""
    feed_url = podcast_feed_url(show.slug)
    try:
        entry = current_show_feed(show.id)
    except cache.FeedUnavailable as exc:
        return doctor.Report(feed_url, [doctor.Problem(
            doctor.ERROR, "local.feed.unbuildable",
            f"The feed could not be rebuilt, and there is no earlier copy to serve: {exc}", "/")]), None
    version = health.feed_version(db.session, show.id)
    now = current_time()
    report = doctor.check_feed(entry.body, feed_url, local_file=media_file_resolver(), now=now)
    if entry.build_error:
        report.problems.insert(0, doctor.Problem(
            doctor.ERROR, "local.feed.unbuildable",
            f"The feed could not be rebuilt, so podcast apps get the copy built before: {entry.build_error}",
            "/"))
    silent = db.session.execute(
        select(Episode.slug, Episode.title)
        .where(Episode.show_id == show.id, visible_filter(Episode, now), Episode.audio_id.is_(None),
               Episode.remote_audio_url == "")
        .order_by(Episode.publish_at.desc(), Episode.id.desc()))
    for slug, title in silent:
        report.problems.append(doctor.Problem(
            doctor.WARNING, "local.episode.no-audio",
            "Published but without audio, so the feed leaves the episode out.", f"episode {slug}", f"“{title}”"))
    return report, version
