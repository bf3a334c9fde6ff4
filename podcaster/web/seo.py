"""/sitemap.xml and /robots.txt: every public page, nothing unpublished."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app
from lxml import etree

from ..content.publishing import visible_filter
from ..extensions import db
from ..models import Author, Book, Episode, Post, Show
from . import current_time
from .urls import absolute_url

bp = Blueprint("seo", __name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


_absolute = absolute_url


def public_pages(now: datetime) -> list[tuple[str, datetime | None]]:
    """The absolute URL of every public page with its last change time, when known."""
    endpoints = current_app.view_functions
    pages: list[tuple[str, datetime | None]] = []
    for endpoint in ("public.index", "public.about", "public.books", "podcasts.index", "public.videos",
                     "public.blog"):
        if endpoint in endpoints:
            pages.append((_absolute(endpoint), None))
    if "public.author" in endpoints:
        for author in db.session.execute(db.select(Author).order_by(Author.position, Author.id)).scalars():
            pages.append((_absolute("public.author", slug=author.slug), author.updated_at))
    if "public.book" in endpoints:
        for book in db.session.execute(db.select(Book).order_by(Book.position, Book.id)).scalars():
            pages.append((_absolute("public.book", slug=book.slug), book.updated_at))
    if "public.post" in endpoints:
        posts = db.session.execute(
            db.select(Post).where(visible_filter(Post, now)).order_by(Post.publish_at.desc())
        ).scalars()
        for post in posts:
            pages.append((_absolute("public.post", slug=post.slug), post.updated_at))
    if "podcasts.show" in endpoints:
        for show in db.session.execute(db.select(Show).order_by(Show.position, Show.id)).scalars():
            pages.append((_absolute("podcasts.show", show_slug=show.slug), show.updated_at))
        if "podcasts.episode" in endpoints:
            episodes = db.session.execute(
                db.select(Episode, Show.slug).join(Show).where(visible_filter(Episode, now))
                .order_by(Episode.publish_at.desc())
            )
            for episode, show_slug in episodes:
                pages.append((_absolute("podcasts.episode", show_slug=show_slug, episode_slug=episode.slug),
                              episode.updated_at))
    return pages


@bp.route("/sitemap.xml")
def sitemap():
    """The sitemap of every public page."""
    urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for location, changed in public_pages(current_time()):
        url = etree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = location
        if changed is not None:
            etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = changed.strftime("%Y-%m-%dT%H:%M:%SZ")
    body = etree.tostring(urlset, xml_declaration=True, encoding="UTF-8")
    return Response(body, mimetype="application/xml")


@bp.route("/robots.txt")
def robots():
    """Crawlers may read everything public; the admin and login are off limits."""
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /login", "",
             f"Sitemap: {_absolute('seo.sitemap')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")
