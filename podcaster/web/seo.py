"""/sitemap.xml and /robots.txt: every public page, nothing unpublished.

``/sitemap.xml`` is a sitemap index: one sitemap of the site's own pages (home, authors, books, shows),
then the posts and each show's episodes in files of at most ``SITEMAP_URLS_PER_FILE`` addresses, oldest
first so a file's contents only change when one of its items does. No request builds more than one
file's worth of entries, whatever the size of the archive.
"""
from __future__ import annotations

import math
from datetime import datetime

from flask import Blueprint, Response, abort, current_app
from lxml import etree

from ..content.publishing import visible_filter
from ..extensions import db
from ..models import Author, Book, Episode, Post, Show
from . import current_time
from .urls import absolute_url, site_url_builder

bp = Blueprint("seo", __name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


_absolute = absolute_url


def _per_file() -> int:
    return current_app.config["SITEMAP_URLS_PER_FILE"]


def site_pages() -> list[tuple[str, datetime | None]]:
    """The absolute URL of each of the site's own pages (not posts or episodes) with its last change."""
    endpoints = current_app.view_functions
    pages: list[tuple[str, datetime | None]] = []
    for endpoint in ("public.index", "public.about", "public.books", "podcasts.index", "public.videos",
                     "public.blog"):
        if endpoint in endpoints:
            pages.append((_absolute(endpoint), None))
    if "public.author" in endpoints:
        for slug, changed in db.session.execute(
                db.select(Author.slug, Author.updated_at).order_by(Author.position, Author.id)):
            pages.append((_absolute("public.author", slug=slug), changed))
    if "public.book" in endpoints:
        for slug, changed in db.session.execute(
                db.select(Book.slug, Book.updated_at).order_by(Book.position, Book.id)):
            pages.append((_absolute("public.book", slug=slug), changed))
    if "podcasts.show" in endpoints:
        for slug, changed in db.session.execute(
                db.select(Show.slug, Show.updated_at).order_by(Show.position, Show.id)):
            pages.append((_absolute("podcasts.show", show_slug=slug), changed))
    return pages


def _file_count(items: int) -> int:
    return math.ceil(items / _per_file())


def _slice(query, number: int):
    """One file's rows of ``query``; 404 past the last file (the first always exists)."""
    if number < 1:
        abort(404)
    rows = db.session.execute(query.limit(_per_file()).offset((number - 1) * _per_file())).all()
    if number > 1 and not rows:
        abort(404)
    return rows


def _xml(root: etree._Element) -> Response:
    return Response(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), mimetype="application/xml")


def _urlset(pages) -> Response:
    urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for location, changed in pages:
        url = etree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = location
        if changed is not None:
            etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = changed.strftime("%Y-%m-%dT%H:%M:%SZ")
    return _xml(urlset)


@bp.route("/sitemap.xml")
def sitemap():
    """The sitemap index: the site's pages, then the posts and each show's episodes a file at a time."""
    now = current_time()
    files = [_absolute("seo.sitemap_pages")]
    endpoints = current_app.view_functions
    if "public.post" in endpoints:
        posts = db.session.scalar(db.select(db.func.count(Post.id)).where(visible_filter(Post, now)))
        files += [_absolute("seo.sitemap_posts", number=n) for n in range(1, _file_count(posts) + 1)]
    if "podcasts.episode" in endpoints:
        shows = db.session.execute(
            db.select(Show.slug, db.func.count(Episode.id)).join(Episode)
            .where(visible_filter(Episode, now)).group_by(Show.id, Show.slug, Show.position)
            .order_by(Show.position, Show.id))
        for slug, episodes in shows:
            files += [_absolute("seo.sitemap_episodes", show_slug=slug, number=n)
                      for n in range(1, _file_count(episodes) + 1)]
    index = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
    for location in files:
        etree.SubElement(etree.SubElement(index, f"{{{SITEMAP_NS}}}sitemap"), f"{{{SITEMAP_NS}}}loc").text = location
    return _xml(index)


@bp.route("/sitemaps/pages.xml")
def sitemap_pages():
    """Home, about, lists, authors, books and shows."""
    return _urlset(site_pages())


@bp.route("/sitemaps/posts-<int:number>.xml")
def sitemap_posts(number: int):
    """Public posts, oldest first, one file of them."""
    if "public.post" not in current_app.view_functions:
        abort(404)
    rows = _slice(db.select(Post.slug, Post.updated_at).where(visible_filter(Post, current_time()))
                  .order_by(Post.publish_at, Post.id), number)
    build = site_url_builder()  # the URL map bound once for the file, not once per address
    return _urlset((build("public.post", slug=slug), changed) for slug, changed in rows)


@bp.route("/sitemaps/podcasts/<show_slug>/episodes-<int:number>.xml")
def sitemap_episodes(show_slug: str, number: int):
    """A show's public episodes, oldest first, one file of them."""
    show_id = db.session.scalar(db.select(Show.id).where(Show.slug == show_slug))
    if show_id is None or "podcasts.episode" not in current_app.view_functions:
        abort(404)
    rows = _slice(db.select(Episode.slug, Episode.updated_at)
                  .where(Episode.show_id == show_id, visible_filter(Episode, current_time()))
                  .order_by(Episode.publish_at, Episode.id), number)
    build = site_url_builder()  # the URL map bound once for the file, not once per address
    return _urlset((build("podcasts.episode", show_slug=show_slug, episode_slug=slug), changed)
                   for slug, changed in rows)


@bp.route("/robots.txt")
def robots():
    """Crawlers may read everything public; the admin and login are off limits."""
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /login", "",
             f"Sitemap: {_absolute('seo.sitemap')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")
